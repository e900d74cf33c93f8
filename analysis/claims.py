"""Claims: which of the seed's claims each story carries, and what only one outlet reported.

A claim is matched against every sentence of a story and every clause of those sentences
(news packs two facts into one sentence: "warned of severe costs and urged Moscow to pull back
its forces"). A unit's score is `cosine_weight` times the cosine of the claim's and the unit's
vectors plus the claim's content words found in the unit, weighted by inverse document
frequency over the window's stories, as a share of the claim's total weight: the cosine
catches paraphrase, the overlap catches the specific facts (names, numbers, "guarantees") that
MiniLM-class models blur. A claim is carried by a story when its best unit reaches
`carried_threshold`. How these were chosen, and how well they do, is in docs/comparison.md
(bench/claims_quality.py prints the figures). Per outlet, a claim is carried when any of its
stories carries it; the first carrier is the outlet whose carrying story was published earliest
(stories dated only by first sight are not candidates for "first").

A sentence is exclusive to its outlet when it matches no seed claim and no sentence of any
other outlet's coverage above `exclusive_threshold` in cosine, and is not boilerplate:
sentences that recur across an outlet's stories ("Follow our live coverage"), are too short to
state a fact, or name no one, nowhere and no number (commentary: "What matters more may be what
comes next").
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

from parallax.analysis.framing import STOP_WORDS
from parallax.analysis.records import Story
from parallax.analysis.text import MAX_SENTENCES, names, sentences

Matrix = npt.NDArray[np.float32]
# Rates (sentence, claim) pairs from 0 to 1: whether the sentence states the claim.
PairJudge = Callable[[Sequence[tuple[str, str]]], npt.NDArray[np.float64]]
FIRST_SEEN = "first_seen"


@dataclass(frozen=True)
class Claim:
    """One fact the seed states."""

    claim_id: str
    text: str


@dataclass(frozen=True)
class ClaimMatch:
    """A claim's best-matching sentence in one story."""

    url: str
    outlet: str
    claim_id: str
    sentence: str
    score: float
    carried: bool


@dataclass(frozen=True)
class ClaimSummary:
    """One claim across the coverage: who carried it, and who first."""

    claim_id: str
    text: str
    outlets: tuple[str, ...]
    first_outlet: str | None
    first_url: str | None
    first_published_at: datetime | None


@dataclass(frozen=True)
class ExclusiveSentence:
    """A sentence only one outlet reported: in no seed claim and no other outlet's coverage."""

    url: str
    outlet: str
    sentence: str
    best_other: float  # highest similarity to any other outlet's sentence or to a claim


@dataclass(frozen=True)
class StorySentences:
    """A story's sentences and clauses (the units claims are matched with), and their unit
    vectors: one row per sentence, then one per clause."""

    story: Story
    sentences: list[str]
    vectors: Matrix
    clauses: list[str] = field(default_factory=list)
    clause_vectors: Matrix = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))

    @property
    def units(self) -> list[str]:
        return self.sentences + self.clauses

    def unit_vectors(self) -> Matrix:
        if not self.clauses:
            return self.vectors
        return np.vstack([self.vectors, self.clause_vectors])


@dataclass(frozen=True)
class ClaimParams:
    """How claims are matched and exclusive sentences found (the [compare] table)."""

    carried_threshold: float = 0.6
    cosine_weight: float = 0.5
    exclusive_threshold: float = 0.5
    exclusive_min_words: int = 8
    exclusive_per_outlet: int = 10
    judge_model: str = ""  # a cross-encoder on disk that decides instead (analysis/judge.py)
    judge_threshold: float = 0.5
    judge_candidates: int = 8

    def __post_init__(self) -> None:
        if not 0.0 < self.carried_threshold <= 1.0 + self.cosine_weight:
            raise ValueError(
                "compare.carried_threshold must be above 0 and at most 1 + compare.cosine_weight"
                " (the highest score a sentence can reach)"
            )
        if not 0.0 <= self.cosine_weight <= 2.0:
            raise ValueError("compare.cosine_weight must be between 0 and 2")
        if not 0.0 < self.exclusive_threshold <= 1.0:
            raise ValueError("compare.exclusive_threshold must be in (0, 1]")
        if self.exclusive_min_words < 1 or self.exclusive_per_outlet < 1:
            raise ValueError("compare.exclusive_min_words and exclusive_per_outlet must be >= 1")
        if not 0.0 < self.judge_threshold < 1.0:
            raise ValueError("compare.judge_threshold must be between 0 and 1")
        if self.judge_candidates < 1:
            raise ValueError("compare.judge_candidates must be at least 1")
        # Checked with the settings, so a mistyped path stops a run before it fetches anything.
        if self.judge_model and not os.path.isdir(self.judge_model):
            raise ValueError(
                f"compare.judge_model: no folder at {self.judge_model!r} (a cross-encoder stored"
                " on disk; models are never downloaded)"
            )


# Clause boundaries inside a sentence: a comma, semicolon, colon or dash, with the conjunction
# that follows it, and "and" before a second reporting verb ("said X and urged Y").
_CLAUSE = re.compile(
    r"(?:[,;:]|\s[—–])\s+(?:and |but |though |although |while |whereas |as )?"
    r"|\s+and (?=(?:accused|added|agreed|called|insisted|repeated|said|told|urged|warned)\b)"
)
MIN_CLAUSE_WORDS = 4
# Two sentences of one outlet this close in cosine state the same fact. With MiniLM, Rhein
# Post's two wordings of "a government under Scholz takes office next week" score 0.82; the
# sentence that adds the Normandy format to it, 0.74, and stays.
SAME_FACT = 0.8
_CONTENT_WORD = re.compile(r"[^\W\d_]+")
STEM = 5  # words compared by their first letters: "guarantee"/"guarantees", "Russia"/"Russian"
# Function words, and the reporting verbs that say nothing about which fact a sentence states.
_STOP = STOP_WORDS | {"said", "says", "say", "told", "also"}


def story_units(story: Story) -> tuple[list[str], list[str]]:
    """The sentences (headline first) and the further clauses a story's claims are matched in."""
    body = [s for s in sentences(story.text) if s != story.title][:MAX_SENTENCES]
    found = ([story.title] if story.title else []) + body
    seen = set(found)
    parts = []
    for sentence in found:
        for part in clauses(sentence):
            if part not in seen:
                seen.add(part)
                parts.append(part)
    return found, parts


def clauses(sentence: str) -> list[str]:
    """A sentence's clauses of at least MIN_CLAUSE_WORDS words (none when it has only one)."""
    parts = [p.strip() for p in _CLAUSE.split(sentence) if p and p.strip()]
    if len(parts) < 2:
        return []
    return [p for p in parts if len(p.split()) >= MIN_CLAUSE_WORDS]


def content_words(text: str) -> frozenset[str]:
    """The text's content words, lower-cased and cut to their first STEM letters."""
    return frozenset(
        w[:STEM] for w in _CONTENT_WORD.findall(text.lower()) if len(w) > 2 and w not in _STOP
    )


@dataclass(frozen=True)
class WordWeights:
    """Inverse document frequency of content words over a set of stories (the window's)."""

    document_frequency: Mapping[str, int]
    documents: int

    @classmethod
    def of(cls, texts: Iterable[str]) -> WordWeights:
        frequency: Counter[str] = Counter()
        count = 0
        for text in texts:
            frequency.update(content_words(text))
            count += 1
        return cls(frequency, count)

    def weight(self, word: str) -> float:
        return math.log((self.documents + 1) / (1 + self.document_frequency.get(word, 0)))


def overlap_scores(
    claim: str, unit_words: Sequence[frozenset[str]], weights: WordWeights
) -> npt.NDArray[np.float64]:
    """Per unit (by its content_words), the weighted share of the claim's content words it
    holds (0..1)."""
    wanted = {w: weights.weight(w) for w in content_words(claim)}
    total = sum(wanted.values())
    if not total:
        return np.zeros(len(unit_words))
    return np.array([sum(wanted[w] for w in words if w in wanted) / total for words in unit_words])


def match_claims(
    claims: Sequence[Claim],
    claim_vectors: Matrix,
    stories: Sequence[StorySentences],
    weights: WordWeights | None = None,
    params: ClaimParams | None = None,
    judge: PairJudge | None = None,
) -> list[ClaimMatch]:
    """For every story and claim, the best unit and whether it carries the claim.

    Without weights the score is the cosine alone (weighted by cosine_weight). With a judge,
    the `judge_candidates` best-scoring units of each story go to the judge, and its verdict
    decides: the match is the unit it rates highest, carried at `judge_threshold`."""
    params = params or ClaimParams()
    scored: list[tuple[StorySentences, int, npt.NDArray[np.float64]]] = []
    for item in stories:
        if not item.units:
            continue
        scores = params.cosine_weight * (claim_vectors @ item.unit_vectors().T)  # claims x units
        unit_words = [content_words(u) for u in item.units] if weights is not None else []
        for row, claim in enumerate(claims):
            row_scores = scores[row].astype(np.float64)
            if weights is not None:
                row_scores = row_scores + overlap_scores(claim.text, unit_words, weights)
            scored.append((item, row, row_scores))
    if judge is not None:
        return _judged(claims, scored, judge, params)
    matches = []
    for item, row, row_scores in scored:
        best = int(np.argmax(row_scores))
        score = float(row_scores[best])
        matches.append(_match(item, claims[row], best, score, score >= params.carried_threshold))
    return matches


def _judged(
    claims: Sequence[Claim],
    scored: Sequence[tuple[StorySentences, int, npt.NDArray[np.float64]]],
    judge: PairJudge,
    params: ClaimParams,
) -> list[ClaimMatch]:
    """The judge's verdicts on each story's best candidates, one call for all of them."""
    shortlists = [
        np.argsort(-row_scores, kind="stable")[: params.judge_candidates]
        for _, _, row_scores in scored
    ]
    pairs = [
        (item.units[int(k)], claims[row].text)
        for (item, row, _), shortlist in zip(scored, shortlists, strict=True)
        for k in shortlist
    ]
    verdicts = judge(pairs)
    if len(verdicts) != len(pairs):
        raise ValueError(f"the claim judge gave {len(verdicts)} verdicts for {len(pairs)} pairs")
    matches, at = [], 0
    for (item, row, _), shortlist in zip(scored, shortlists, strict=True):
        mine = verdicts[at : at + len(shortlist)]
        at += len(shortlist)
        pick = int(np.argmax(mine))
        score = float(mine[pick])
        matches.append(
            _match(item, claims[row], int(shortlist[pick]), score, score >= params.judge_threshold)
        )
    return matches


def _match(
    item: StorySentences, claim: Claim, unit: int, score: float, carried: bool
) -> ClaimMatch:
    return ClaimMatch(
        url=item.story.url,
        outlet=item.story.outlet,
        claim_id=claim.claim_id,
        sentence=item.units[unit],
        score=round(score, 4),
        carried=carried,
    )


def summarise_claims(
    claims: Sequence[Claim], matches: Sequence[ClaimMatch], stories: Sequence[Story]
) -> list[ClaimSummary]:
    """Per claim: the outlets that carried it and the first to do so."""
    by_url = {s.url: s for s in stories}
    summaries = []
    for claim in claims:
        carried = [m for m in matches if m.claim_id == claim.claim_id and m.carried]
        outlets = tuple(sorted({m.outlet for m in carried}))
        dated = sorted(
            (by_url[m.url].published_at, m.url, m.outlet)
            for m in carried
            if m.url in by_url and by_url[m.url].date_source != FIRST_SEEN
        )
        first = dated[0] if dated else None
        summaries.append(
            ClaimSummary(
                claim.claim_id,
                claim.text,
                outlets,
                first_outlet=first[2] if first else None,
                first_url=first[1] if first else None,
                first_published_at=first[0] if first else None,
            )
        )
    return summaries


def _boilerplate(stories: Sequence[StorySentences], min_words: int) -> set[tuple[str, str]]:
    """(outlet, sentence) pairs that recur in an outlet's stories, or are too short."""
    recurring: Counter[tuple[str, str]] = Counter()
    for item in stories:
        for sentence in set(item.sentences):
            recurring[(item.story.outlet, sentence.strip().lower())] += 1
    short = {
        (item.story.outlet, s.strip().lower())
        for item in stories
        for s in item.sentences
        if len(s.split()) < min_words
    }
    return {key for key, count in recurring.items() if count > 1} | short


def _states_a_fact(sentence: str) -> bool:
    """Whether a sentence names someone or somewhere, or gives a number: what an outlet alone
    reported is a fact, and "What matters more may be what comes next" is commentary."""
    return bool(names(sentence)) or any(ch.isdigit() for ch in sentence)


def exclusive_sentences(
    stories: Sequence[StorySentences], claim_vectors: Matrix, params: ClaimParams | None = None
) -> dict[str, list[ExclusiveSentence]]:
    """Per outlet, sentences of its coverage found nowhere else, most distinctive first."""
    params = params or ClaimParams()
    usable = [s for s in stories if s.sentences]
    if not usable:
        return {}
    everything = np.vstack([s.vectors for s in usable])
    owner = np.concatenate([[i] * len(s.sentences) for i, s in enumerate(usable)])
    outlet_of = np.array([s.story.outlet for s in usable])[owner]
    boilerplate = _boilerplate(usable, params.exclusive_min_words)
    to_claims = (
        (everything @ claim_vectors.T).max(axis=1)
        if len(claim_vectors)
        else np.zeros(len(everything))
    )
    similarity = everything @ everything.T
    found: dict[str, list[tuple[ExclusiveSentence, int]]] = {}
    row = 0
    for item in usable:
        outlet = item.story.outlet
        others = outlet_of != outlet
        for sentence in item.sentences:
            key = (outlet, sentence.strip().lower())
            best_other = float(similarity[row][others].max()) if others.any() else 0.0
            best = max(best_other, float(to_claims[row]))
            if (
                key not in boilerplate
                and best < params.exclusive_threshold
                and _states_a_fact(sentence)
            ):
                found.setdefault(outlet, []).append(
                    (ExclusiveSentence(item.story.url, outlet, sentence, round(best, 4)), row)
                )
            row += 1
    return {
        outlet: _distinct(items, similarity, params.exclusive_per_outlet)
        for outlet, items in sorted(found.items())
    }


def _distinct(
    items: Sequence[tuple[ExclusiveSentence, int]], similarity: Matrix, limit: int
) -> list[ExclusiveSentence]:
    """The outlet's exclusive sentences, least like anything else first, each fact once.

    An outlet repeats its own angle across its stories in new words ("A new German government
    led by Olaf Scholz is due to be sworn in" / "...under Olaf Scholz is due to take office"):
    a sentence this close to one already listed is the same fact again."""
    kept: list[tuple[ExclusiveSentence, int]] = []
    for item, row in sorted(
        items, key=lambda pair: (pair[0].best_other, pair[0].url, pair[0].sentence)
    ):
        if all(similarity[row, other] < SAME_FACT for _, other in kept):
            kept.append((item, row))
        if len(kept) == limit:
            break
    return [item for item, _ in kept]
