"""Claims: which of the seed's claims each story carries, and what only one outlet reported.

Every story sentence is embedded; a claim is carried by a story when its best-matching sentence
reaches `carried_threshold` in cosine similarity (chosen on the demo's claim labels with
bench/comparison_quality.py; see docs/comparison.md). Per outlet, a claim is carried when any
of its stories carries it; the first carrier is the outlet whose carrying story was published
earliest (stories dated only by first sight are not candidates for "first").

A sentence is exclusive to its outlet when it matches no seed claim and no sentence of any
other outlet's coverage above `exclusive_threshold`, and is not boilerplate: sentences that
recur across an outlet's stories ("Follow our live coverage") or are too short to state a fact.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from analysis.records import Story

Matrix = npt.NDArray[np.float32]
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
    """A story's sentences and their unit vectors (one row each)."""

    story: Story
    sentences: list[str]
    vectors: Matrix


def match_claims(
    claims: Sequence[Claim],
    claim_vectors: Matrix,
    stories: Sequence[StorySentences],
    *,
    carried_threshold: float = 0.6,
) -> list[ClaimMatch]:
    """For every story and claim, the best sentence and whether it carries the claim."""
    matches = []
    for item in stories:
        if not item.sentences:
            continue
        scores = claim_vectors @ item.vectors.T  # claims x sentences
        best = scores.argmax(axis=1)
        for row, claim in enumerate(claims):
            score = float(scores[row, best[row]])
            matches.append(
                ClaimMatch(
                    url=item.story.url,
                    outlet=item.story.outlet,
                    claim_id=claim.claim_id,
                    sentence=item.sentences[int(best[row])],
                    score=round(score, 4),
                    carried=score >= carried_threshold,
                )
            )
    return matches


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


def exclusive_sentences(
    stories: Sequence[StorySentences],
    claim_vectors: Matrix,
    *,
    exclusive_threshold: float = 0.5,
    min_words: int = 8,
    per_outlet: int = 10,
) -> dict[str, list[ExclusiveSentence]]:
    """Per outlet, sentences of its coverage found nowhere else, most distinctive first."""
    usable = [s for s in stories if s.sentences]
    if not usable:
        return {}
    everything = np.vstack([s.vectors for s in usable])
    owner = np.concatenate([[i] * len(s.sentences) for i, s in enumerate(usable)])
    outlet_of = np.array([s.story.outlet for s in usable])[owner]
    boilerplate = _boilerplate(usable, min_words)
    to_claims = (
        (everything @ claim_vectors.T).max(axis=1)
        if len(claim_vectors)
        else np.zeros(len(everything))
    )
    similarity = everything @ everything.T
    found: dict[str, list[ExclusiveSentence]] = {}
    row = 0
    for item in usable:
        outlet = item.story.outlet
        others = outlet_of != outlet
        for sentence in item.sentences:
            key = (outlet, sentence.strip().lower())
            best_other = float(similarity[row][others].max()) if others.any() else 0.0
            best = max(best_other, float(to_claims[row]))
            if key not in boilerplate and best < exclusive_threshold:
                found.setdefault(outlet, []).append(
                    ExclusiveSentence(item.story.url, outlet, sentence, round(best, 4))
                )
            row += 1
    return {
        outlet: sorted(items, key=lambda e: (e.best_other, e.url, e.sentence))[:per_outlet]
        for outlet, items in sorted(found.items())
    }


def outlet_claims(matches: Sequence[ClaimMatch]) -> Mapping[str, set[str]]:
    """Per outlet, the ids of the claims it carried."""
    carried: dict[str, set[str]] = {}
    for m in matches:
        carried.setdefault(m.outlet, set())
        if m.carried:
            carried[m.outlet].add(m.claim_id)
    return carried
