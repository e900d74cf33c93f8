"""Claim alignment with the real model on the demo corpus, against config/demo/claims.toml.

The labels say which of the seed's claims each of 38 demo articles carries (the event's 27 and
11 hard negatives from neighbouring events). bench/claims_quality.py prints the same figures
per claim, with a sweep of the threshold.
"""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from parallax.analysis.claims import (
    Claim,
    ClaimMatch,
    ClaimParams,
    StorySentences,
    WordWeights,
    match_claims,
    story_units,
)
from parallax.analysis.embed import DEFAULT_MODEL, Embedder
from parallax.analysis.records import Story
from parallax.flows.seeds import load_claims, load_seed
from tests.analysis.test_quotes import DEMO, demo_tables, demo_text

SEED = Path(__file__).parents[2] / "config" / "seeds" / "blinken-lavrov-stockholm-2021-12-02.txt"
# Regression floors for the configured method (measured: P 0.82, R 0.70 on this corpus).
# The comparison issue asks for 0.9 of each; docs/comparison.md says where it falls short.
FLOOR_PRECISION = 0.78
FLOOR_RECALL = 0.66


@dataclass(frozen=True)
class ClaimCorpus:
    claims: list[Claim]
    claim_vectors: np.ndarray
    stories: list[StorySentences]  # every demo story (the window)
    labels: dict[str, set[str]]  # url -> claim ids, for the labelled stories
    weights: WordWeights


def demo_stories() -> list[Story]:
    """Every demo article as a Story (bodies as the pipeline stores them)."""
    with (DEMO / "labels.csv").open(encoding="utf-8", newline="") as handle:
        languages = {row["url"]: row["language"] or None for row in csv.DictReader(handle)}
    stories = []
    for outlet, a, url in demo_tables():
        published = datetime.fromisoformat(str(a["published"])).astimezone(UTC)
        body = demo_text(a["body"])
        language = languages[url]
        stories.append(Story(url, outlet["name"], a["title"], body, published, "feed", language))
    return stories


def claim_labels() -> dict[str, set[str]]:
    data = tomllib.loads((DEMO / "claims.toml").read_text(encoding="utf-8"))
    return {a["url"]: set(a["claims"]) for a in data["article"]}


def embed_stories(stories: Sequence[Story], embedder: Embedder) -> list[StorySentences]:
    """Each story's sentences and clauses with their vectors, encoded in one batch."""
    units = [story_units(s) for s in stories]
    flat = [u for sentences, parts in units for u in (*sentences, *parts)]
    vectors = embedder.encode(flat)
    items, row = [], 0
    for story, (sentences, parts) in zip(stories, units, strict=True):
        n, m = len(sentences), len(parts)
        items.append(
            StorySentences(
                story, sentences, vectors[row : row + n], parts, vectors[row + n : row + n + m]
            )
        )
        row += n + m
    return items


def load_corpus(embedder: Embedder) -> ClaimCorpus:
    claims = load_claims(load_seed(SEED))
    stories = demo_stories()
    return ClaimCorpus(
        claims,
        embedder.encode([c.text for c in claims]),
        embed_stories(stories, embedder),
        claim_labels(),
        WordWeights.of(f"{s.title}\n{s.text}" for s in stories),
    )


def labelled_matches(corpus: ClaimCorpus, params: ClaimParams) -> list[ClaimMatch]:
    labelled = [s for s in corpus.stories if s.story.url in corpus.labels]
    return match_claims(corpus.claims, corpus.claim_vectors, labelled, corpus.weights, params)


def precision_recall(
    matches: Sequence[ClaimMatch], labels: dict[str, set[str]]
) -> tuple[float, float]:
    """Over (story, claim) pairs: found carried against labelled carried."""
    found = {(m.url, m.claim_id) for m in matches if m.carried}
    true = {(url, c) for url, claims in labels.items() for c in claims}
    hits = len(found & true)
    return hits / len(found) if found else 0.0, hits / len(true) if true else 0.0


@pytest.fixture(scope="module")
def corpus() -> ClaimCorpus:
    return load_corpus(Embedder(DEFAULT_MODEL))


def test_every_labelled_article_is_in_the_demo_corpus(corpus: ClaimCorpus) -> None:
    urls = {s.story.url for s in corpus.stories}
    assert len(corpus.labels) == 38
    assert set(corpus.labels) <= urls


def test_claim_alignment_holds_its_measured_precision_and_recall(corpus: ClaimCorpus) -> None:
    precision, recall = precision_recall(labelled_matches(corpus, ClaimParams()), corpus.labels)
    assert precision >= FLOOR_PRECISION, f"precision {precision:.3f}"
    assert recall >= FLOOR_RECALL, f"recall {recall:.3f}"


def test_word_overlap_adds_to_the_cosine(corpus: ClaimCorpus) -> None:
    """The cosine alone, at its best threshold, does worse than the configured blend."""
    labelled = [s for s in corpus.stories if s.story.url in corpus.labels]
    blend = precision_recall(labelled_matches(corpus, ClaimParams()), corpus.labels)
    best_alone = 0.0
    for threshold in np.arange(0.4, 0.9, 0.02):
        params = ClaimParams(carried_threshold=float(threshold), cosine_weight=1.0)
        p, r = precision_recall(
            match_claims(corpus.claims, corpus.claim_vectors, labelled, None, params),
            corpus.labels,
        )
        best_alone = max(best_alone, 2 * p * r / (p + r) if p + r else 0.0)
    assert 2 * blend[0] * blend[1] / sum(blend) > best_alone + 0.1
