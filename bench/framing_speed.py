"""Speed of distinctive and splitting terms on the demo event and on synthetic corpora.

    python bench/framing_speed.py [--repeat 3]

Prints the median seconds of distinctive_terms and of splitting_terms (each tokenises and
counts the stories itself), and of framing (both from one fit, as the compare stage runs them)
with its ratio to the two apart, for the demo's seed event and for synthetic corpora of 100 and
1,000 stories of ~500 words, and the seconds per 100 stories. The synthetic text mixes English
stop words with Zipf-distributed invented words in sentences with commas, so the tokeniser
does the work it does on news; 20 outlets share the stories.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parallax.analysis.framing import STOP_WORDS, distinctive_terms, framing, splitting_terms
from parallax.analysis.records import Story
from tests.analysis.test_compare import demo_event_stories

T0 = datetime(2021, 12, 2, tzinfo=UTC)


def synthetic_stories(n: int, words: int = 500, outlets: int = 20, seed: int = 11) -> list[Story]:
    """`n` stories of invented words in sentences, about 45% of them stop words."""
    rng = np.random.default_rng(seed)
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "bre", "dan", "gor", "pel"]
    vocabulary = sorted({"".join(rng.choice(syllables, 3)) for _ in range(6000)})
    weights = 1 / np.arange(1, len(vocabulary) + 1)
    stop = sorted(STOP_WORDS)
    stories = []
    for i in range(n):
        content = rng.choice(vocabulary, words, p=weights / weights.sum())
        fillers = rng.choice(stop, words)
        tokens = [
            str(f if rng.random() < 0.45 else c) for c, f in zip(content, fillers, strict=True)
        ]
        text = _sentences(tokens, rng)
        outlet = f"outlet-{i % outlets}"
        stories.append(Story(f"http://{outlet}.example/{i}", outlet, "", text, T0, "page_meta"))
    return stories


def _sentences(tokens: list[str], rng: np.random.Generator) -> str:
    """Tokens cut into sentences of 8-24 words, some with a comma, in paragraphs of four."""
    sentences, start = [], 0
    while start < len(tokens):
        end = start + int(rng.integers(8, 25))
        sentence = tokens[start:end]
        if len(sentence) > 4:
            sentence[2] += ","
        sentences.append(" ".join(sentence).capitalize() + ".")
        start = end
    return "\n\n".join(" ".join(sentences[k : k + 4]) for k in range(0, len(sentences), 4))


def seconds(run: Callable[[], object], repeat: int) -> float:
    """Median wall-clock seconds of `repeat` runs."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def report(name: str, stories: Sequence[Story], repeat: int) -> None:
    """One line: stories, words, seconds of each function apart and of `framing` (both from
    one fit, as the compare stage runs it) with its ratio to the two apart, and the compare
    stage's seconds per 100 stories."""
    distinctive = seconds(lambda: distinctive_terms(stories), repeat)
    splitting = seconds(lambda: splitting_terms(stories), repeat)
    both = seconds(lambda: framing(stories), repeat)
    words = sum(len(s.text.split()) for s in stories)
    per_100 = both / len(stories) * 100
    print(
        f"{name:24}{len(stories):>8}{words:>10}{distinctive:>14.3f}{splitting:>12.3f}"
        f"{both:>10.3f}{both / (distinctive + splitting):>8.2f}{per_100:>10.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    demo, _ = demo_event_stories("blinken-lavrov-stockholm")
    print(f"framing speed, median of {args.repeat} runs (seconds)")
    print(
        f"{'':24}{'stories':>8}{'words':>10}{'distinctive':>14}{'splitting':>12}"
        f"{'framing':>10}{'ratio':>8}{'per 100':>10}"
    )
    report("demo event", demo, args.repeat)
    for n in (100, 1000):
        report(f"synthetic {n:,}", synthetic_stories(n), args.repeat)


if __name__ == "__main__":
    main()
