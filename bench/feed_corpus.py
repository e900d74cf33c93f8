"""feedparser's own test corpus through Parallax's fetch and parse: the figures.

    python bench/feed_corpus.py [-v]

Prints files, crashes, bad stored values, expectations held and failed (by folder, and by the
deliberate difference that explains each failure), the slowest file and the total time.
`-v` lists every failing file. The same run backs tests/connectors/test_feed_corpus.py.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import netguard
from tests.feed_corpus import (
    CORPUS,
    DIFFERENCES,
    Outcome,
    difference,
    load_cases,
    run_corpus,
)


def report(outcomes: list[Outcome], seconds: float, verbose: bool) -> None:
    """Print the figures for one run."""
    crashes = [o for o in outcomes if o.crash]
    problems = [o for o in outcomes if o.problems]
    failed = [o for o in outcomes if o.held is False]
    skipped = sum(o.held is None for o in outcomes)
    print(f"corpus        {CORPUS}")
    print(f"files         {len(outcomes)}")
    kept = [o.entries for o in outcomes if o.entries]
    print(f"entries kept  {sum(kept)}, from {len(kept)} files (each checked for bad values)")
    print(f"crashes       {len(crashes)}")
    for o in crashes:
        print(f"  {o.case.name}: {o.crash}")
    print(f"bad values    {len(problems)}  (bad strings, non-http(s) URLs, traffic off loopback)")
    for o in problems:
        print(f"  {o.case.name}: {'; '.join(o.problems[:3])}")
    print(f"expectations  {len(outcomes) - skipped} evaluated, {skipped} skipped by SkipUnless")
    print(f"  held        {sum(o.held is True for o in outcomes)}")
    print(f"  failed      {len(failed)}")
    for folder, count in sorted(Counter(o.case.folder for o in failed).items()):
        print(f"    {folder:<20} {count:>4}")
    print("failed, by difference from feedparser's harness")
    for why, count in Counter(difference(o) for o in failed).most_common():
        print(f"    {why:<20} {count:>4}  {DIFFERENCES.get(why, 'not a known difference')}")
    if verbose:
        for o in failed:
            print(f"  {difference(o):<18} {o.case.name}  {o.detail}")
    slowest = max(outcomes, key=lambda o: o.seconds)
    print(f"slowest file  {slowest.case.name}  {slowest.seconds:.3f} s")
    print(f"total         {seconds:.1f} s  ({os.cpu_count()} CPUs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list every failing file")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"no corpus at {CORPUS}")
    # As in the tests: a connection beyond loopback is refused and reported against its case.
    netguard.install()
    began = time.perf_counter()
    outcomes = run_corpus(load_cases())
    report(outcomes, time.perf_counter() - began, args.verbose)


if __name__ == "__main__":
    main()
