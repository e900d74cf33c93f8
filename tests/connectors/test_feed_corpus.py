"""feedparser's own test corpus through Parallax's fetch and parse (see tests/feed_corpus.py)."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.feed_corpus import Outcome, difference, load_cases, run_corpus

FILES = 2248  # 2,242 comment-described XML files and 6 compression/ files
# Expectations that hold on Parallax's path; 31 more are skipped by their SkipUnless (codecs
# and chardet this Python lacks), as feedparser's harness skips them. A change in this number
# must be explained in the commit that makes it: a fix that makes more hold, or a new deliberate
# difference (DIFFERENCES in tests/feed_corpus.py) that makes fewer. `python bench/feed_corpus.py
# -v` lists every failure with its difference.
HELD = 2161
# The incomplete-CDATA case (illformed/rss_incomplete_cdata.xml) once sent a parser into a loop.
SLOWEST_S = 2.0


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    return run_corpus(load_cases())


def test_no_case_crashes_or_stores_bad_values(outcomes: list[Outcome]) -> None:
    assert len(outcomes) == FILES
    crashes = [f"{o.case.name}: {o.crash}" for o in outcomes if o.crash]
    assert not crashes, crashes[:10]
    # Invalid strings, non-http(s) URLs, and connections beyond loopback: recorded per case,
    # since the run happens in the module fixture, before the per-test network guard looks.
    problems = [f"{o.case.name}: {p}" for o in outcomes for p in o.problems]
    assert not problems, problems[:10]


def test_the_pinned_number_of_expectations_hold(outcomes: list[Outcome]) -> None:
    failed = [o for o in outcomes if o.held is False]
    by_difference = Counter(difference(o) for o in failed)
    held = sum(o.held is True for o in outcomes)
    assert held == HELD, f"{held} held, {len(failed)} failed: {dict(by_difference)}"
    unexplained = [f"{o.case.name}: {o.detail}" for o in failed if difference(o) == "unexplained"]
    assert not unexplained, unexplained


def test_no_file_takes_long(outcomes: list[Outcome]) -> None:
    slowest = max(outcomes, key=lambda o: o.seconds)
    assert slowest.seconds < SLOWEST_S, slowest.case.name
