"""Distinctive terms per outlet: weighted log-odds ratios with an informative Dirichlet prior.

Method: Monroe, Colaresi and Quinn (2008), "Fightin' Words: Lexical Feature Selection and
Evaluation for Identifying the Content of Political Conflict", Political Analysis 16(4): the
model-based log-odds ratio with an informative Dirichlet prior, and its z-score. Each outlet's
term counts are compared with those of all the other outlets' stories of the event, pooled.

Terms. Lower-cased words (letters, with hyphens and apostrophes inside a word: "de-escalate",
"russia's") and the bigrams of neighbouring words. A token with a digit ("2021", "175,000",
"s-400") is dropped, and so are the stop words of the stories' language, from stopwordsiso
(stop_words). A bigram never spans a stop word, a dropped token, punctuation or a line break,
so "security guarantees" and "nato expansion" are terms while "expansion of nato" gives none.
French, Italian and Catalan articles elided onto a word are cut off ("l'OTAN" is "otan").
Chinese and Japanese, written without spaces, are read as overlapping character bigrams, the
usual unit of retrieval in them without a segmenter ("拜登会谈" gives 拜登, 登会, 会谈); Japanese
bigrams with hiragana (particles, endings) are dropped; Chinese in traditional characters is
read in simplified ones (analysis/chinese.py), so that its outlets do not stand out by script.
Thai, Lao, Khmer and Burmese need a word segmenter, which Parallax does not have: they are
never compared (framing_by_language).
A term must be used in at least `min_docs` stories and `min_count` times in all: one story's
idiosyncrasies (a name, a quote repeated in it) are not an outlet's framing, and a term seen
once or twice has no rate to compare. Wire copies are best left out by the caller
(analysis.compare.find_copies), or one wire story's wording counts for every outlet that ran
it. Word use is compared within one language at a time: framing_by_language splits the
stories by language and fits each language that has enough of them.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import numpy as np
import numpy.typing as npt
import stopwordsiso

from parallax.analysis.chinese import simplified
from parallax.analysis.languages import by_language
from parallax.analysis.records import Story
from parallax.analysis.wordcount import HAN_KANA

Array = npt.NDArray[np.float64]

# The prior's weight: 1,000 pseudo-counts, the counted terms of about four stories (a demo story
# has ~250 once stop words and rare terms are gone). A term's prior then weighs like a few
# stories' use of it at the corpus's rate, so an outlet must use it distinctively in more than
# a story or two to stand out. A constant, not scaled with the corpus, so that more coverage
# weighs more against the prior, as evidence should: at the demo event's size (~7,000 counted
# terms) it shrinks a good deal, at a thousand stories hardly at all.
DEFAULT_ALPHA0 = 1000.0
MIN_Z = 1.96  # two-sided 5% for a single term; a screen, not a test (thousands of terms)

# Scripts without spaces between words: Chinese and Japanese are read as character bigrams,
# the others are left out (no segmenter).
CHARACTER_BIGRAMS = frozenset({"zh", "ja"})
UNSEGMENTED = frozenset({"th", "lo", "km", "my"})
# Languages that elide an article, pronoun or preposition onto the next word: "l'OTAN",
# "qu'il", "dell'Ucraina". What comes before the apostrophe is cut off when it is this short.
ELIDING = frozenset({"fr", "it", "ca"})
MAX_ELIDED = 6  # "lorsqu'", "puisqu'"; longer ("aujourd'hui") is a word of its own
UNDETERMINED = "und"  # BCP 47 for a language not known: stories none of which has one
# The fewest outlets and stories a language needs for its word use to be compared.
MIN_OUTLETS = 2  # one outlet has no others to be compared with
MIN_STORIES = 4  # see framing_by_language
_HIRAGANA = re.compile("[\u3040-\u309f]")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'"})  # "Russia’s" is "Russia's"
# Arabic short vowels, shadda, sukun and tatweel: written on some words and not on others.
_ARABIC_MARKS = dict.fromkeys([*range(0x064B, 0x0660), 0x0670, 0x0640])


def _normalised(text: str) -> str:
    """NFKC, one apostrophe, no Arabic vowel marks: how text and stop words are compared."""
    return unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).translate(_ARABIC_MARKS)


@lru_cache(maxsize=256)  # a few languages a run; declared tags are not trusted to be few
def stop_words(language: str) -> frozenset[str]:
    """stopwordsiso's stop words of a language (a primary subtag), lower-cased and normalised
    as a text's words are; empty for a language it has no list for.

    The lists are broad: besides function words they hold some common content words (English
    "said", "states" and "new", Russian "россия", German "sagte"), which are then never terms.
    """
    return frozenset(_normalised(word).lower() for word in stopwordsiso.stopwords(language.lower()))


STOP_WORDS = stop_words("en")

# Letters, and the vowel signs of the Indic scripts (combining marks, which \\w leaves out).
_LETTER = r"(?:[^\W\d_]|[\u0900-\u0dff])"
# Runs of word characters joined by apostrophes or hyphens ("de-escalate", "don't"), dotted
# initialisms ("U.S."), and punctuation as tokens of its own (it ends bigrams).
_TOKEN = re.compile(
    rf"(?:{_LETTER}\.){{2,}}|[\w\u0900-\u0dff]+(?:['\-‐][\w\u0900-\u0dff]+)*|[^\w\s]"
)
_WORD = re.compile(rf"{_LETTER}+(?:['\-‐.]{_LETTER}+)*\.?")


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


def terms(text: str, language: str = "en") -> list[str]:
    """A text's unigrams and bigrams in a language (see the module's docstring for what counts).

    In Chinese and Japanese the unigrams are character bigrams, and there are no bigrams of them
    (two neighbouring character bigrams are a trigram, which adds nothing)."""
    words = _words(text, language)
    unigrams = [w for w in words if w is not None]
    if language in CHARACTER_BIGRAMS:
        return unigrams
    bigrams = [f"{a} {b}" for a, b in pairwise(words) if a and b]
    return unigrams + bigrams


def _words(text: str, language: str) -> list[str | None]:
    """The text's words in order, None where a bigram must not join its neighbours."""
    words: list[str | None] = []
    text = _normalised(text)
    if language == "zh" and HAN_KANA.search(text):
        text = simplified(text)  # an outlet writing traditional characters uses the same words
    for line in text.splitlines():
        shouted = line.isupper()  # a headline in capitals has no acronyms to tell apart
        for token in _TOKEN.findall(line):
            if language in CHARACTER_BIGRAMS and HAN_KANA.search(token):
                words += _character_bigrams(token, language)
                continue
            words.append(_word_or_none(token, shouted, language))
            if token[-1] == ".":
                words.append(None)  # "U.S." may end its sentence: no bigram with the next word
        words.append(None)  # nor across a line (a headline, a subheading, a paragraph)
    return words


def _character_bigrams(token: str, language: str) -> list[str | None]:
    """A Chinese or Japanese run's overlapping character bigrams, less stop words (and, in
    Japanese, any with hiragana); Latin words and numbers in it as words of their own."""
    found: list[str | None] = []
    stops = stop_words(language)
    for part in re.split(f"({HAN_KANA.pattern}+)", token):
        if not part:
            continue
        if not HAN_KANA.match(part):
            found.append(_word_or_none(part, False, language))
            continue
        for a, b in pairwise(part):
            pair = a + b
            if pair in stops or (language == "ja" and _HIRAGANA.search(pair)):
                continue
            found.append(pair)
    return found


@lru_cache(maxsize=1 << 16)  # news repeats its words: most tokens are seen before
def _word_or_none(token: str, shouted: bool, language: str) -> str | None:
    """The token as a term's word, or None for stop words, numbers and punctuation.

    Acronyms are never stop words ("US", "WHO"), and initialisms lose their dots, so "US" and
    "U.S." are one term, "us", which the pronoun never is.
    """
    if not _WORD.fullmatch(token):
        return None
    word = token.lower().replace(".", "")
    stops = stop_words(language)
    if language in ELIDING and "'" in word and word not in stops:
        elided, _, rest = word.partition("'")
        if len(elided) <= MAX_ELIDED:
            word = rest  # "l'otan" is "otan"
    acronym = token.isupper() and not shouted
    if len(word) < 2 or (word in stops and not acronym):
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
    language: str = "en",
) -> dict[str, list[Term]]:
    """Per outlet, its `top` terms by z against all other outlets, those with z above `min_z`.

    Every outlet of `stories` has an entry; with fewer than two outlets (nobody to compare
    with) or fewer than two terms left by the filters, every list is empty. Ties in z go by term.
    The stories are read as written in `language`.
    """
    fit = _fit(stories, background, min_docs, min_count, alpha0, language)
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
    language: str = "en",
) -> list[SplitTerm]:
    """The `top` terms whose outlet z-scores spread furthest (highest minus lowest).

    Only terms used by at least `min_outlets` outlets: a term only one outlet uses is that
    outlet's distinctive term, while one that several outlets use in very different measure
    ("invasion" often in one, seldom in another) is where their framing parts. The range of z,
    not its variance, so that a report can name the two outlets at its ends. Ties by term.
    """
    fit = _fit(stories, background, min_docs, min_count, alpha0, language)
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
    language: str = "en",
) -> Framing:
    """distinctive_terms and splitting_terms from one tokenising and fit of the stories."""
    fit = _fit(stories, background, min_docs, min_count, alpha0, language)
    return Framing(_distinctive(fit, stories, top, min_z), _splitting(fit, top, min_outlets))


@dataclass(frozen=True)
class LanguageFraming:
    """One language's stories: their outlets' framing compared, or why it was not."""

    language: str  # a primary subtag; UNDETERMINED when no story has a language
    stories: int
    outlets: int
    result: Framing | None  # None: left out
    left_out: str = ""  # why, in words ("2 stories, too few to compare"); empty when compared


def left_out_reason(language: str, stories: int, outlets: int) -> str:
    """Why a language's stories are not compared, in words; empty when they are.

    MIN_OUTLETS, since an outlet is compared with the others. MIN_STORIES, since a term must
    be in `min_docs` (2) stories: with one story an outlet, every term left is shared by two
    outlets, and what passes is one story's wording against another's, not an outlet's framing.
    The prior (DEFAULT_ALPHA0, the counted terms of about four stories) also outweighs fewer
    stories: in 60 random draws of 2, and of 3, of the demo's English stories (from two
    outlets or more) no term passed the screen; from 4 stories, one draw in ten had one."""
    counted = f"{stories} {'story' if stories == 1 else 'stories'}"
    if language == UNDETERMINED:
        return f"{counted}, language unknown"
    if language in UNSEGMENTED:
        return f"{counted}, words not separated by spaces and no segmenter for them"
    if not stop_words(language):
        return f"{counted}, no stop-word list for the language"
    if outlets < MIN_OUTLETS:
        return f"{counted}, all from one outlet"
    if stories < MIN_STORIES:
        return f"{counted}, too few to compare"
    return ""


def framing_by_language(
    stories: Sequence[Story],
    language_of: Callable[[Story], str | None],
    *,
    background: Sequence[Story] = (),
    top: int = 15,
) -> list[LanguageFraming]:
    """framing within each language of the stories (by `language_of`, stories with none in the
    main one), most stories first: the words of one language are never counted against
    another's, or every Swedish word would be "distinctive" of the outlet that wrote Swedish."""
    found = []
    for code, group in by_language(stories, language_of).items():
        language = code or UNDETERMINED
        outlets = len({s.outlet for s in group})
        why = left_out_reason(language, len(group), outlets)
        result = None
        if not why:
            wider = [s for s in background if (language_of(s) or code) == code]
            result = framing(group, background=wider, top=top, language=language)
        found.append(LanguageFraming(language, len(group), outlets, result, why))
    return found


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
    language: str,
) -> _Fit | None:
    """Counts, prior and scores of every outlet against the rest; None if nothing to compare."""
    if min_docs < 1 or min_count < 1:
        raise ValueError("min_docs and min_count must be at least 1")
    if alpha0 is not None and not (alpha0 > 0 and math.isfinite(alpha0)):
        raise ValueError(f"alpha0 must be a positive number, not {alpha0}")
    story_terms = [Counter(terms(_full_text(s), language)) for s in stories]
    vocabulary = _vocabulary(story_terms, min_docs, min_count)
    outlets = sorted({s.outlet for s in stories})
    if len(outlets) < 2 or len(vocabulary) < 2:
        return None  # no "rest" to compare with; one term is all of every outlet's counts
    index = {term: k for k, term in enumerate(vocabulary)}
    counts = _outlet_counts(stories, story_terms, outlets, index)
    weight = DEFAULT_ALPHA0 if alpha0 is None else alpha0
    alpha = _prior(counts, stories, background, index, weight, language)
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
    language: str,
) -> Array:
    """alpha_w: alpha0 times w's share of the background's counts (the stories and any more)."""
    corpus = counts.sum(axis=0)
    seen = {s.url for s in stories}
    for story in background:
        if story.url not in seen:  # a wider window usually contains the event's stories
            seen.add(story.url)
            _add(corpus, Counter(terms(_full_text(story), language)), index)
    alpha: Array = alpha0 * corpus / corpus.sum()
    return alpha
