"""Quote detection and attribution on the demo corpus's labels, and how long they take.

    python bench/quote_quality.py [--repeat 5]

Runs analysis.quotes (find_quotes on every demo article body, then normalise_speakers across
them all) and prints, overall and per outlet:

  detection     precision, recall, F1: a found quote is right when its words are among the
                article's labelled quotations (whitespace and trailing punctuation aside)
  attribution   the same for (words, speaker) pairs; an unattributed quote counts against
                recall only

and the time per 100 stories (the median of --repeat runs over the whole corpus). Exits
non-zero below the floors tests/analysis/test_quotes.py pins.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.analysis.test_quotes import (
    FLOOR,
    DemoArticle,
    Scores,
    demo_articles,
    demo_quotes,
    score,
)


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def row(name: str, scores: Scores) -> str:
    """One line of the table: counts, then detection and attribution P/R/F1."""
    (dp, dr), (ap, ar) = scores.detection, scores.attribution
    return (
        f"{name:<30} {scores.labelled:>5} {scores.found:>5}   "
        f"{dp:.3f} {dr:.3f} {f1(dp, dr):.3f}   {ap:.3f} {ar:.3f} {f1(ap, ar):.3f}"
    )


def seconds_per_run(articles: list[DemoArticle], repeat: int) -> float:
    """The median time to find and attribute every quote of the corpus once."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        demo_quotes(articles)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs over the corpus")
    args = parser.parse_args()
    articles = demo_articles()
    found = demo_quotes(articles)
    print(f"{'':<30} {'label':>5} {'found':>5}   detection P/R/F1      attribution P/R/F1")
    for outlet in sorted({a.outlet for a in articles}):
        own = [a for a in articles if a.outlet == outlet]
        urls = {a.url for a in own}
        print(row(outlet, score([q for q in found if q.url in urls], own)))
    overall = score(found, articles)
    print(row("all outlets", overall))
    unattributed = sum(q.speaker is None for q in found)
    print(f"\n{len(articles)} stories; {unattributed} quotes found without a speaker")
    per_run = seconds_per_run(articles, args.repeat)
    print(f"time per 100 stories: {per_run / len(articles) * 100 * 1000:.1f} ms")
    floors_met = min(*overall.detection, *overall.attribution) >= FLOOR
    print(f"floors ({FLOOR}): {'met' if floors_met else 'NOT MET'}")
    return 0 if floors_met else 1


if __name__ == "__main__":
    sys.exit(main())
