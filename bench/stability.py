"""How stable the event is on real coverage, over many repeats: the clustering alone, in process.

    python bench/stability.py [--runs 20] [--work DIR] [--devsets DIR]

`bench/real_coverage.py --stability N` measures stability end to end: each repeat serves a
corpus less a seeded 5% of its labelled stories and runs the whole pipeline, a minute or more,
so it is repeated a few times and its mean moves with the draw. Leaving stories out changes no
other story's text or vector, so the event a repeat finds is the one `cluster_around_seed` finds
on the stored vectors of the stories kept. This bench repeats that in this process, from the
databases bench/real_coverage.py left in --work (it runs it when there are none):

- repeat i leaves out the stories real_coverage's repeat i leaves out (random.Random(i) drawing
  5% of the sorted labelled URLs), so its first repeats give real_coverage's figures;
- the change is real_coverage's: the event's remaining members that differ, over their union.

It prints, per corpus, the mean and the largest change, the share of repeats above 5% (the
target), and the stories that moved most often, with their labels: the event's edge.
Quality, not time: the figures are the same on any machine.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from diluted_window import Corpus, load, pipeline_runs
from real_coverage import DEFAULT_DEVSETS, LEAVE_OUT_SHARE, event_change

from parallax.analysis.cluster import cluster_around_seed

TARGET_PCT = 5.0  # the bound on the change


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=20, help="repeats per corpus")
    parser.add_argument("--work", type=Path, help="bench/real_coverage.py's --work folder")
    parser.add_argument("--devsets", type=Path, default=DEFAULT_DEVSETS)
    return parser.parse_args(argv)


def event_without(corpus: Corpus, left_out: set[str]) -> set[str]:
    """The event the clustering finds once `left_out` are gone from the corpus."""
    clustering = cluster_around_seed(
        corpus.win.seed,
        corpus.seed,
        [s for s in corpus.stories if s.url not in left_out],
        corpus.vectors,
        corpus.settings.cluster,
        since=corpus.win.start,
        until=corpus.win.end,
    )
    return {m.url for m in clustering.members if m.in_event}


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="stability-") as tmp:
        corpora = [load(run) for run in pipeline_runs(args.work or Path(tmp), args.devsets)]
    for corpus in corpora:
        base = event_without(corpus, set())
        if base != corpus.event:
            print(
                f"{corpus.name}: the event differs from the pipeline's ({len(base ^ corpus.event)})"
            )
            return 1
        urls = sorted(corpus.labels)
        changes, moved = [], Counter[str]()
        for seed in range(args.runs):
            left_out = set(
                random.Random(seed).sample(urls, max(1, round(LEAVE_OUT_SHARE * len(urls))))
            )
            rerun = event_without(corpus, left_out)
            changes.append(event_change(base, rerun, left_out))
            moved.update((base - left_out) ^ rerun)
        over = sum(1 for c in changes if c > TARGET_PCT)
        print(
            f"\n{corpus.name}: event of {len(base)}; {args.runs} repeats, 5% left out each: "
            f"mean change {sum(changes) / len(changes):.1f}%, max {max(changes):.1f}%, "
            f"{over} of {args.runs} over {TARGET_PCT:.0f}%"
        )
        print("  first repeats (real_coverage's): " + ", ".join(f"{c:.1f}%" for c in changes[:3]))
        print("  moved most often (repeats; label, language; in the full run's event?):")
        for url, count in moved.most_common(8):
            label = corpus.labels.get(url, {})
            kind = "hard negative" if label.get("hard_negative") else label.get("label", "?")
            where = "in" if url in base else "out"
            print(f"    {count:3}  {kind}, {label.get('language', '?')}; {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
