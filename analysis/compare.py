"""Outlet comparison, first level: wire copies, and per outlet counts, timing, length, similarity.

A copy is found by word 5-gram shingles of normalised text (lower case, no punctuation, so quote
styles, dashes and spacing do not matter). The overlap of two stories is the share of the shorter
one's shingles found in the longer (containment), so a copy with a paragraph dropped still scores
near 1, while two stories that only quote the same sentence share a handful of shingles. Pairs are
found through an inverted index probed with each story's rarest shingles (prefix filtering: a pair
over the threshold must share one of them), then checked exactly on the full shingle sets.

Limits: a translation or a real rewrite shares no shingles and is not caught (a later stage can
compare embeddings); very short texts are not judged; the earlier story counts as the original,
so a copy whose time is only when it was first seen may take a wire story's place. n copies of
one story cost n²/2 exact checks (about 7 s for a thousand copies; 1.5 s for 2,000 stories).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime

from parallax.analysis.records import Comparison, CopyLink, Membership, OutletCoverage, Story

# A text with fewer shingles is not judged: a one-paragraph brief inside a longer story is a
# quotation of it, and containment of the shorter text would call it a copy.
MIN_SHINGLES = 20
# connectors.records.DateSource.FIRST_SEEN: the time Parallax first saw the link, not when the
# story appeared (only an upper bound of it).
FIRST_SEEN = "first_seen"

_APOSTROPHES = str.maketrans("", "", "'’ʼ‘`´")  # "Russia's" and "Russia’s" are one word
_WORD = re.compile(r"\w+")

Shingles = frozenset[int]


def find_copies(
    stories: Sequence[Story], *, min_overlap: float = 0.5, shingle: int = 5
) -> list[CopyLink]:
    """Stories that copy an earlier story of another outlet, each linked to the first original.

    Only stories of different outlets are compared: an outlet re-publishing or updating its own
    story is revising it, not copying anyone, and its count should not shrink for that. The
    original of a pair is the earlier story (by published_at, then URL). A story links to its
    best match among earlier stories, and chains resolve to the earliest (C copies B copies A:
    C links to A). The overlap is measured against that original, so in a chain it can be lower
    than min_overlap. Links come in the copies' order of publication.
    """
    if not 0.0 < min_overlap <= 1.0:
        raise ValueError(f"min_overlap must be in (0, 1], not {min_overlap}")
    if shingle < 1:
        raise ValueError(f"shingle must be at least 1 word, not {shingle}")
    ranked = sorted(stories, key=lambda s: (s.published_at, s.url))
    sets = shingle_sets([s.text for s in ranked], shingle)
    outlets = [s.outlet for s in ranked]
    pairs = _overlapping_pairs(sets, outlets, min_overlap)
    links: list[CopyLink] = []
    for copy, original in sorted(_resolve_chains(_best_originals(pairs), outlets).items()):
        overlap = containment(sets[copy], sets[original])
        links.append(CopyLink(ranked[copy].url, ranked[original].url, overlap))
    return links


def words(text: str) -> list[str]:
    """The text's words, lower-cased, without punctuation or apostrophes."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES))


def shingle_sets(texts: Sequence[str], size: int) -> list[Shingles]:
    """Each text's word n-grams, as ids shared by all texts (exact: no hashing collisions)."""
    ids: dict[str, int] = {}
    sets: list[Shingles] = []
    for text in texts:
        w = words(text)
        grams = (" ".join(w[k : k + size]) for k in range(len(w) - size + 1))
        sets.append(frozenset(ids.setdefault(g, len(ids)) for g in grams))
    return sets


def containment(a: Shingles, b: Shingles) -> float:
    """The share of the smaller set found in the other, 0 when either is empty."""
    smaller = min(len(a), len(b))
    return len(a & b) / smaller if smaller else 0.0


def _overlapping_pairs(
    sets: Sequence[Shingles], outlets: Sequence[str], min_overlap: float
) -> dict[tuple[int, int], float]:
    """(earlier, later) index pairs of different outlets whose overlap reaches the threshold."""
    index: dict[int, list[int]] = {}
    for i, shingles in enumerate(sets):
        if len(shingles) >= MIN_SHINGLES:
            for s in shingles:
                index.setdefault(s, []).append(i)
    found: dict[tuple[int, int], float] = {}
    for a in range(len(sets)):
        if len(sets[a]) < MIN_SHINGLES:
            continue
        for b in _candidates(a, sets, index, min_overlap):
            if outlets[a] != outlets[b]:
                overlap = containment(sets[a], sets[b])
                if overlap >= min_overlap:
                    found[(min(a, b), max(a, b))] = overlap
    return found


def _candidates(
    a: int, sets: Sequence[Shingles], index: Mapping[int, list[int]], min_overlap: float
) -> set[int]:
    """Stories at least as large as `a` that share one of its rarest shingles.

    If `a` is the smaller of a pair and shares at least t*|a| shingles, one of its
    |a| - t*|a| + 1 rarest is shared (prefix filtering). Probing from the smaller side only
    finds each pair once; rare shingles keep the posting lists short, so common phrases
    ("the state department said") do not make every pair a candidate.
    """
    mine = sets[a]
    prefix = len(mine) - math.floor(min_overlap * len(mine)) + 1  # floor: never too short
    rarest = sorted(mine, key=lambda s: (len(index[s]), s))[:prefix]
    shared: set[int] = set()
    for s in rarest:
        shared.update(index[s])  # in C: a wire story copied a thousand times has long lists
    size = (len(mine), a)
    return {b for b in shared if (len(sets[b]), b) > size}


def _best_originals(pairs: Mapping[tuple[int, int], float]) -> dict[int, int]:
    """Each later story's best earlier match: the highest overlap, then the earliest."""
    best: dict[int, tuple[float, int]] = {}
    for (earlier, later), overlap in pairs.items():
        current = best.get(later)
        if current is None or (overlap, -earlier) > (current[0], -current[1]):
            best[later] = (overlap, earlier)
    return {later: earlier for later, (_, earlier) in best.items()}


def _resolve_chains(best: Mapping[int, int], outlets: Sequence[str]) -> dict[int, int]:
    """Copies mapped to their earliest original, dropping those that lead back to their own outlet.

    An outlet's update of its own story can match another outlet's copy of it better than the
    story itself (which is never compared); following the chain would make it a copy of itself.
    """
    root: dict[int, int] = {}
    for later in sorted(best):  # earlier stories first, so an original's own root is known
        original = root.get(best[later], best[later])
        if outlets[original] != outlets[later]:
            root[later] = original
    return root


def compare_outlets(
    stories: Sequence[Story], members: Mapping[str, Membership], copies: Sequence[CopyLink]
) -> Comparison:
    """Per outlet coverage of the event's stories; every story needs a membership (by URL)."""
    missing = [s.url for s in stories if s.url not in members]
    if missing:
        raise ValueError(f"{len(missing)} stories have no membership, e.g. {missing[0]}")
    outlet_of = {s.url: s.outlet for s in stories}
    # A link to an original of the same outlet is an update, not a copy; an original outside
    # the given stories is taken to be another outlet's.
    links = [
        link
        for link in copies
        if link.url in outlet_of and outlet_of.get(link.original_url) != outlet_of[link.url]
    ]
    copied = {link.url for link in links}
    by_outlet: dict[str, list[Story]] = {}
    for story in stories:
        by_outlet.setdefault(story.outlet, []).append(story)
    earliest = min((s.published_at for s in stories if s.date_source != FIRST_SEEN), default=None)
    firsts = {outlet: first_published(group) for outlet, group in by_outlet.items()}
    reference = earliest if earliest is not None else min(firsts.values(), default=None)
    coverage = [
        _coverage(outlet, group, members, copied, firsts[outlet], reference)
        for outlet, group in by_outlet.items()
    ]
    coverage.sort(key=lambda c: (c.first_published_at, c.outlet))
    return Comparison(outlets=coverage, copies=links, earliest_published_at=earliest)


def first_published(stories: Sequence[Story]) -> datetime:
    """The earliest reliable time of the stories, or the earliest first-seen time if none has one.

    A first-seen time is when Parallax found the link, which can be hours or days after the
    story appeared (a feed polled late, a page found through another feed), so it would distort
    who was first; it stands in only for an outlet that offers nothing better.
    """
    reliable = [s.published_at for s in stories if s.date_source != FIRST_SEEN]
    return min(reliable or [s.published_at for s in stories])


def _coverage(
    outlet: str,
    stories: Sequence[Story],
    members: Mapping[str, Membership],
    copied: set[str],
    first: datetime,
    reference: datetime | None,
) -> OutletCoverage:
    """One outlet's row of the comparison."""
    # Event stories are always clustered, so each has a similarity; 0.0 only guards the type.
    similarities = [members[s.url].similarity_to_seed or 0.0 for s in stories]
    lengths = [s.word_count or len(s.text.split()) for s in stories]
    copies = sum(s.url in copied for s in stories)
    # An outlet known only by first-seen times can predate the earliest reliable time; a first
    # seen time is an upper bound of publication, so that outlet was not behind: lag 0.
    lag = max(0.0, (first - reference).total_seconds() / 3600) if reference is not None else 0.0
    return OutletCoverage(
        outlet=outlet,
        stories=len(stories),
        independent_stories=len(stories) - copies,
        copies=copies,
        first_published_at=first,
        lag_hours=lag,
        mean_similarity=sum(similarities) / len(similarities),
        max_similarity=max(similarities),
        mean_words=sum(lengths) / len(lengths),
        total_words=sum(lengths),
    )
