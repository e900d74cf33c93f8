"""Copies on real coverage, offline: the copy tests alone, on each corpus's labelled event.

    python bench/copy_quality.py [--model NAME] [--corpus NAME ...] [--copy-threshold X]
                                 [--translation-threshold X] [--devsets DIR] [--cache DIR]

For each labelled corpus of the shared devsets (../shared/devsets beside the checkout; the texts
are real excerpts, read from there at run time and never copied into the repository), takes the
stories labelled `same_event`: the event as a perfect clustering would find it, so that what is
measured is the copy test and not what the clustering lost (bench/real_coverage.py measures the
pipeline as it runs). It embeds their document texts with the model as the embed stage does
(title, then the body's opening), runs find_copies with the model's thresholds (its profile in
flows/settings.py, else the code defaults; the flags override them), and prints:

  links          precision and recall of copy links, same-language copies and translations
                 apart: two stories are linked when the links join them (a copy of a copy too),
                 and a pair is a true link when both stories are of one `dup_group`
  sweep          the same figures for a grid of both thresholds, to choose them on one corpus
                 and check them on the other

Vectors are cached under --cache (a temporary folder when not given), never in the repository.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import re
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from parallax.analysis.compare import find_copies
from parallax.analysis.embed import Embedder
from parallax.analysis.records import CopyLink, Story
from parallax.analysis.text import doc_text
from parallax.flows.settings import load_settings

DEFAULT_DEVSETS = Path(__file__).resolve().parents[2] / "shared" / "devsets"
UNDATED = datetime(2100, 1, 1, tzinfo=UTC)  # a story without a date is first seen after the rest
COPY_GRID = (0.55, 0.6, 0.65, 0.7, 0.75)
TRANSLATION_GRID = (0.34, 0.38, 0.42, 0.46, 0.5)
KINDS = ("same language", "translation")


@dataclass
class Corpus:
    """A corpus's event stories, their labels and their document vectors, by URL."""

    name: str
    stories: list[Story]
    labels: dict[str, dict[str, Any]]
    vectors: dict[str, np.ndarray]


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devsets", type=Path, default=DEFAULT_DEVSETS)
    parser.add_argument("--corpus", action="append", default=[], help="a devset folder's name")
    parser.add_argument("--model", default=None, help="an embedding model (default: [embed])")
    parser.add_argument("--copy-threshold", type=float)
    parser.add_argument("--translation-threshold", type=float)
    parser.add_argument("--cache", type=Path, help="keep the vectors here between runs")
    return parser.parse_args(argv)


def body_of(record: dict[str, Any]) -> str:
    """The excerpt without the `date ...` line some start with."""
    return re.sub(r"^\s*date \S+\s*", "", str(record["text"]))


def story_of(record: dict[str, Any]) -> Story:
    """A labelled record as the compare stage sees a stored story (as site.py serves it)."""
    body = body_of(record)
    title = record.get("title") or body.strip().split("\n")[0][:90]
    day = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", record.get("published") or "")
    when = datetime(int(day[1]), int(day[2]), int(day[3]), 12, tzinfo=UTC) if day else UNDATED
    source = "page_meta" if day else "first_seen"
    return Story(record["url"], record["outlet"], title, body, when, source, record["language"])


def load(path: Path, model: str, cache: Path) -> Corpus:
    """A corpus's same_event stories and their document vectors (cached by text and model)."""
    records = [json.loads(line) for line in (path / "coverage.jsonl").open(encoding="utf-8")]
    event = [r for r in records if r["label"] == "same_event"]
    stories = [story_of(r) for r in event]
    docs = [doc_text(s.title, s.text) for s in stories]
    key = hashlib.sha256("\n\0".join([model, *docs]).encode("utf-8")).hexdigest()[:16]
    cached = cache / f"{path.name}.{key}.npy"
    if cached.exists():
        vectors = np.load(cached)
    else:
        vectors = Embedder(model).encode(docs)
        np.save(cached, vectors)
    return Corpus(
        path.name,
        stories,
        {r["url"]: r for r in event},
        {s.url: v for s, v in zip(stories, vectors, strict=True)},
    )


def score(corpus: Corpus, links: Sequence[CopyLink]) -> dict[str, tuple[int, int, int]]:
    """(true pairs linked, pairs linked, true pairs) per kind of pair."""
    parent = {url: url for url in corpus.labels}

    def root(url: str) -> str:
        while parent[url] != url:
            parent[url] = parent[parent[url]]
            url = parent[url]
        return url

    for link in links:
        parent[root(link.url)] = root(link.original_url)
    counts = {kind: [0, 0, 0] for kind in KINDS}
    for a, b in itertools.combinations(corpus.labels, 2):
        la, lb = corpus.labels[a], corpus.labels[b]
        kind = KINDS[0] if la["language"] == lb["language"] else KINDS[1]
        true = la["dup_group"] is not None and la["dup_group"] == lb["dup_group"]
        linked = root(a) == root(b)
        counts[kind][0] += true and linked
        counts[kind][1] += linked
        counts[kind][2] += true
    return {kind: (c[0], c[1], c[2]) for kind, c in counts.items()}


def figures(found: int, linked: int, true: int) -> str:
    """P and R with their counts."""
    p = f"{found / linked:.2f}" if linked else "  - "
    r = f"{found / true:.2f}" if true else "  - "
    return f"P {p} R {r} ({found}/{true} found, {linked - found} false)"


def main(argv: Sequence[str]) -> int:
    """Score each corpus at the model's thresholds, then over the grid."""
    args = parse_args(argv)
    settings = load_settings(overrides={"embed.model": args.model} if args.model else {})
    model = settings.embed.model
    copy = args.copy_threshold or settings.compare.copy_threshold
    translation = args.translation_threshold or settings.compare.translation_threshold
    names = args.corpus or sorted(
        p.name for p in args.devsets.iterdir() if (p / "coverage.jsonl").is_file()
    )
    with tempfile.TemporaryDirectory(prefix="copy-quality-") as tmp:
        cache = args.cache or Path(tmp)
        cache.mkdir(parents=True, exist_ok=True)
        corpora = [load(args.devsets / name, model, cache) for name in names]
    print(f"model {model}; copy_threshold {copy}, translation_threshold {translation}")
    for corpus in corpora:
        links = find_copies(
            corpus.stories,
            vectors=corpus.vectors,
            copy_threshold=copy,
            translation_threshold=translation,
        )
        print(f"\n{corpus.name}: {len(corpus.stories)} event stories, {len(links)} links")
        for kind, counts in score(corpus, links).items():
            print(f"  {kind:14} {figures(*counts)}")
    print("\nsweep: same-language copies found/true -false | translations found/true -false")
    for copy_at, translation_at in itertools.product(COPY_GRID, TRANSLATION_GRID):
        cells = []
        for corpus in corpora:
            links = find_copies(
                corpus.stories,
                vectors=corpus.vectors,
                copy_threshold=copy_at,
                translation_threshold=translation_at,
            )
            s = score(corpus, links)
            same, across = s[KINDS[0]], s[KINDS[1]]
            cells.append(
                f"{corpus.name[:12]:12} {same[0]:2}/{same[2]} -{same[1] - same[0]:<2} | "
                f"{across[0]}/{across[2]} -{across[1] - across[0]:<2}"
            )
        print(f"  copy {copy_at:.2f} translation {translation_at:.2f}   " + "   ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
