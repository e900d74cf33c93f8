"""Distinctive terms per outlet: weighted log-odds ratios with an informative Dirichlet prior.

Method: Monroe, Colaresi and Quinn (2008), "Fightin' Words: Lexical Feature Selection and
Evaluation for Identifying the Content of Political Conflict", Political Analysis 16(4): the
model-based log-odds ratio with an informative Dirichlet prior, and its z-score. Each outlet's
term counts are compared with those of all the other outlets' stories of the event, pooled.

Terms. Lower-cased words (letters, with hyphens and apostrophes inside a word: "de-escalate",
"russia's") and the bigrams of neighbouring words. A token with a digit ("2021", "175,000",
"s-400") is dropped, and so are stop words (STOP_WORDS: English function words only, so that
attribution verbs such as "claimed" against "said" still count). A bigram never spans a stop
word, a dropped token, punctuation or a line break, so "security guarantees" and "nato
expansion" are terms while "expansion of nato" gives none. A term must be used in at least
`min_docs` stories and `min_count` times in all: one story's idiosyncrasies (a name, a quote
repeated in it) are not an outlet's framing, and a term seen once or twice has no rate to
compare. Wire copies are best left out by the caller (analysis.compare.find_copies), or one
wire story's wording counts for every outlet that ran it.

Prior. alpha_w = alpha0 * (count of w in the background / the background's count of all kept terms),
where the background is the stories compared plus any further stories passed as `background`
(a wider window, say), once each by URL. alpha0, the prior's weight in pseudo-counts, is the
analyst's choice in the paper; DEFAULT_ALPHA0 says what ours is and why.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from parallax.analysis.records import Story

Array = npt.NDArray[np.float64]

# The prior's weight: 1,000 pseudo-counts, the counted terms of about four stories (a demo story
# has ~250 once stop words and rare terms are gone). A term's prior then weighs like a few
# stories' use of it at the corpus's rate, so an outlet must use it distinctively in more than
# a story or two to stand out. A constant, not scaled with the corpus, so that more coverage
# weighs more against the prior, as evidence should: at the demo event's size (~7,000 counted
# terms) it shrinks a good deal, at a thousand stories hardly at all.
DEFAULT_ALPHA0 = 1000.0
MIN_Z = 1.96  # two-sided 5% for a single term; a screen, not a test (thousands of terms)

# English function words: articles, pronouns, auxiliaries and modals, prepositions,
# conjunctions, and honorifics (house style, not framing). Content words are never here, even
# common ones: whether an outlet "said" or "claimed" is what this module is for.
_STOP_WORDS = """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can can't cannot could couldn't did didn't do does doesn't doing
    don't down during each few for from further had hadn't has hasn't have haven't having he
    he's her here hers herself him himself his how i i'm i've if in into is isn't it it's its
    itself let's may me might more most must mustn't my myself no nor not of off on once only
    or other ought our ours ourselves out over own same shall shan't she she's should shouldn't
    so some such than that that's the their theirs them themselves then there there's these
    they they'd they'll they're they've this those through to too under until up upon us very
    was wasn't we we'd we'll we're we've were weren't what what's when where which while who
    who's whom why will with won't would wouldn't you you'd you'll you're you've your yours
    yourself yourselves mr mrs ms dr prof
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())

# Runs of word characters joined by apostrophes or hyphens ("de-escalate", "don't"), dotted
# initialisms ("U.S."), and punctuation as tokens of its own (it ends bigrams).
_TOKEN = re.compile(r"(?:[^\W\d_]\.){2,}|\w+(?:['\-‐]\w+)*|[^\w\s]")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'"})  # "Russia’s" is "Russia's"
_WORD = re.compile(r"[^\W\d_]+(?:['\-‐.][^\W\d_]+)*\.?")


@dataclass(frozen=True)
class Term:
    """A term an outlet uses distinctively more than the other outlets do."""

    term: str
    z: float  # delta over its standard error
    delta: float  # log-odds ratio of this outlet's use against the other outlets'
    count: int  # times this outlet used it
    share: float  # this outlet's part of all uses of the term in the stories compared, 0..1


@dataclass(frozen=True)
class SplitTerm:
    """A term whose use divides the outlets, with each outlet's z-score against the rest."""

    term: str
    spread: float  # the highest outlet z-score minus the lowest
    count: int  # uses by all outlets
    outlets: int  # outlets that used it
    z: dict[str, float]  # per outlet (by name), its z-score against all the other outlets


@dataclass(frozen=True)
class _Fit:
    """Every outlet's counts and scores against the rest, over the kept terms."""

    outlets: list[str]  # sorted
    vocabulary: list[str]  # sorted, so an index order is the terms' order
    counts: Array  # outlets x terms
    delta: Array
    z: Array


def terms(text: str) -> list[str]:
    """A text's unigrams and bigrams (see the module's docstring for what counts)."""
    words = _words(text)
    unigrams = [w for w in words if w is not None]
    bigrams = [f"{a} {b}" for a, b in pairwise(words) if a and b]
    return unigrams + bigrams


def _words(text: str) -> list[str | None]:
    """The text's words in order, None where a bigram must not join its neighbours."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    words: list[str | None] = []
    for line in text.splitlines():
        shouted = line.isupper()  # a headline in capitals has no acronyms to tell apart
        for token in _TOKEN.findall(line):
            words.append(_word_or_none(token, shouted))
            if token[-1] == ".":
                words.append(None)  # "U.S." may end its sentence: no bigram with the next word
        words.append(None)  # nor across a line (a headline, a subheading, a paragraph)
    return words


@lru_cache(maxsize=1 << 16)  # news repeats its words: most tokens are seen before
def _word_or_none(token: str, shouted: bool) -> str | None:
    """The token as a term's word, or None for stop words, numbers and punctuation.

    Acronyms are never stop words ("US", "WHO"), and initialisms lose their dots, so "US" and
    "U.S." are one term, "us", which the pronoun never is.
    """
    if not _WORD.fullmatch(token):
        return None
    word = token.lower().replace(".", "")
    acronym = token.isupper() and not shouted
    if len(word) < 2 or (word in STOP_WORDS and not acronym):
        return None  # a lone letter ("plan B") frames nothing
    return word


def weighted_log_odds(y_i: Array, y_j: Array, alpha: Array) -> tuple[Array, Array]:
    """Monroe et al.'s delta and z of group i against group j, per term (the last axis).

    y_i, y_j: term counts (one row per group, or a single row); alpha: the prior per term.
    """
    n_i = y_i.sum(axis=-1, keepdims=True)
    n_j = y_j.sum(axis=-1, keepdims=True)
    alpha0 = alpha.sum()  # alpha_0 = sum over w of alpha_w
    # Log-odds of w in each group under the posterior mean of the Dirichlet-multinomial:
    # log[(y_w^i + a_w) / (n^i + a_0 - y_w^i - a_w)], and the same for j; delta is their
    # difference (the paper's log-odds-ratio with an informative Dirichlet prior).
    log_odds_i = np.log(y_i + alpha) - np.log(n_i + alpha0 - y_i - alpha)
    log_odds_j = np.log(y_j + alpha) - np.log(n_j + alpha0 - y_j - alpha)
    delta = log_odds_i - log_odds_j
    # Its approximate variance, 1/(y_w^i + a_w) + 1/(y_w^j + a_w): rare words are uncertain.
    variance = 1.0 / (y_i + alpha) + 1.0 / (y_j + alpha)
    # The z-score, delta / sqrt(variance), ranks terms by evidence rather than by size alone.
    return delta, delta / np.sqrt(variance)


def distinctive_terms(
    stories: Sequence[Story],
    *,
    background: Sequence[Story] = (),
    top: int = 15,
    min_docs: int = 2,
    min_count: int = 3,
    alpha0: float | None = None,
    min_z: float = MIN_Z,
) -> dict[str, list[Term]]:
    """Per outlet, its `top` terms by z against all other outlets, those with z above `min_z`.

    Every outlet of `stories` has an entry; with fewer than two outlets (nobody to compare
    with) or fewer than two terms left by the filters, every list is empty. Ties in z go by term.
    """
    fit = _fit(stories, background, min_docs, min_count, alpha0)
    return _distinctive(fit, stories, top, min_z)


def _distinctive(
    fit: _Fit | None, stories: Sequence[Story], top: int, min_z: float
) -> dict[str, list[Term]]:
    found: dict[str, list[Term]] = {outlet: [] for outlet in sorted({s.outlet for s in stories})}
    if fit is None:
        return found
    totals = fit.counts.sum(axis=0)
    for row, outlet in enumerate(fit.outlets):
        z, delta, counts = fit.z[row], fit.delta[row], fit.counts[row]
        order = _ranked(z, top, keep=z > min_z)
        found[outlet] = [
            Term(
                fit.vocabulary[k],
                float(z[k]),
                float(delta[k]),
                int(counts[k]),
                float(counts[k] / totals[k]),
            )
            for k in order
        ]
    return found


def splitting_terms(
    stories: Sequence[Story],
    *,
    background: Sequence[Story] = (),
    top: int = 15,
    min_docs: int = 2,
    min_count: int = 3,
    alpha0: float | None = None,
    min_outlets: int = 2,
) -> list[SplitTerm]:
    """The `top` terms whose outlet z-scores spread furthest (highest minus lowest).

    Only terms used by at least `min_outlets` outlets: a term only one outlet uses is that
    outlet's distinctive term, while one that several outlets use in very different measure
    ("invasion" often in one, seldom in another) is where their framing parts. The range of z,
    not its variance, so that a report can name the two outlets at its ends. Ties by term.
    """
    fit = _fit(stories, background, min_docs, min_count, alpha0)
    return _splitting(fit, top, min_outlets)


def _splitting(fit: _Fit | None, top: int, min_outlets: int) -> list[SplitTerm]:
    if fit is None:
        return []
    users = (fit.counts > 0).sum(axis=0)
    spread = fit.z.max(axis=0) - fit.z.min(axis=0)
    order = _ranked(spread, top, keep=users >= min_outlets)
    return [
        SplitTerm(
            fit.vocabulary[k],
            float(spread[k]),
            int(fit.counts[:, k].sum()),
            int(users[k]),
            {outlet: float(fit.z[row, k]) for row, outlet in enumerate(fit.outlets)},
        )
        for k in order
    ]


@dataclass(frozen=True)
class Framing:
    """Both views of one fit: each outlet's distinctive terms, and the terms that split them."""

    distinctive: dict[str, list[Term]]
    splitting: list[SplitTerm]


def framing(
    stories: Sequence[Story],
    *,
    background: Sequence[Story] = (),
    top: int = 15,
    min_docs: int = 2,
    min_count: int = 3,
    alpha0: float | None = None,
    min_z: float = MIN_Z,
    min_outlets: int = 2,
) -> Framing:
    """distinctive_terms and splitting_terms from one tokenising and fit of the stories."""
    fit = _fit(stories, background, min_docs, min_count, alpha0)
    return Framing(_distinctive(fit, stories, top, min_z), _splitting(fit, top, min_outlets))


def _ranked(score: Array, top: int, *, keep: npt.NDArray[np.bool_]) -> list[int]:
    """Indices of the `top` highest scores among those kept, ties by index (the term order)."""
    kept = np.flatnonzero(keep)
    order = kept[np.lexsort((kept, -score[kept]))]
    return [int(k) for k in order[: max(top, 0)]]


def _fit(
    stories: Sequence[Story],
    background: Sequence[Story],
    min_docs: int,
    min_count: int,
    alpha0: float | None,
) -> _Fit | None:
    """Counts, prior and scores of every outlet against the rest; None if nothing to compare."""
    if min_docs < 1 or min_count < 1:
        raise ValueError("min_docs and min_count must be at least 1")
    if alpha0 is not None and not (alpha0 > 0 and math.isfinite(alpha0)):
        raise ValueError(f"alpha0 must be a positive number, not {alpha0}")
    story_terms = [Counter(terms(_full_text(s))) for s in stories]
    vocabulary = _vocabulary(story_terms, min_docs, min_count)
    outlets = sorted({s.outlet for s in stories})
    if len(outlets) < 2 or len(vocabulary) < 2:
        return None  # no "rest" to compare with; one term is all of every outlet's counts
    index = {term: k for k, term in enumerate(vocabulary)}
    counts = _outlet_counts(stories, story_terms, outlets, index)
    alpha = _prior(counts, stories, background, index, DEFAULT_ALPHA0 if alpha0 is None else alpha0)
    rest = counts.sum(axis=0) - counts  # all the other outlets' stories, pooled
    delta, z = weighted_log_odds(counts, rest, alpha)
    return _Fit(outlets, vocabulary, counts, delta, z)


def _outlet_counts(
    stories: Sequence[Story],
    story_terms: Sequence[Counter[str]],
    outlets: list[str],
    index: dict[str, int],
) -> Array:
    """Each outlet's counts of the kept terms: one row per outlet, one column per term."""
    rows = {outlet: row for row, outlet in enumerate(outlets)}
    counts = np.zeros((len(outlets), len(index)))
    for story, counter in zip(stories, story_terms, strict=True):
        _add(counts[rows[story.outlet]], counter, index)
    return counts


def _full_text(story: Story) -> str:
    """Headline and body, the headline on a line of its own unless the body repeats it."""
    if not story.title or story.text.startswith(story.title):
        return story.text
    return f"{story.title}\n{story.text}"


def _vocabulary(story_terms: Sequence[Counter[str]], min_docs: int, min_count: int) -> list[str]:
    """The terms used in at least `min_docs` stories and `min_count` times, sorted."""
    docs: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for counter in story_terms:
        docs.update(counter.keys())
        total.update(counter)
    return sorted(t for t, n in total.items() if n >= min_count and docs[t] >= min_docs)


def _add(row: Array, counter: Counter[str], index: dict[str, int]) -> None:
    """Add a story's counts of the kept terms to its outlet's row."""
    for term, count in counter.items():
        k = index.get(term)
        if k is not None:
            row[k] += count


def _prior(
    counts: Array,
    stories: Sequence[Story],
    background: Sequence[Story],
    index: dict[str, int],
    alpha0: float,
) -> Array:
    """alpha_w: alpha0 times w's share of the background's counts (the stories and any more)."""
    corpus = counts.sum(axis=0)
    seen = {s.url for s in stories}
    for story in background:
        if story.url not in seen:  # a wider window usually contains the event's stories
            seen.add(story.url)
            _add(corpus, Counter(terms(_full_text(story))), index)
    alpha: Array = alpha0 * corpus / corpus.sum()
    return alpha
