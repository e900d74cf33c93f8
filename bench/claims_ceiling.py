"""How far MiniLM's signals can take claim matching, however combined (the English model).

    python bench/claims_ceiling.py

docs/comparison.md says the configured claim matching (bench/claims_quality.py) falls short of
0.9 precision and recall because of the model, not the way its signals are combined. This
prints the evidence, over the labelled demo stories in English, the language MiniLM reads (37):

  token alignment   BERTScore-style (Zhang et al., 2020): each of the claim's word-pieces
                    matched with its closest word-piece of the unit in the model's contextual
                    vectors, IDF-weighted; alone, and added to the configured score; the best
                    threshold of each
  trained           logistic regression and gradient boosting over the cosine, the word
                    overlap, the token alignment and their combinations, trained on the labels
                    themselves and cross-validated by claim and by outlet (each claim's or
                    outlet's pairs predicted by a model that never saw them)

These are upper bounds for the signals: the thresholds are picked on the labels, and the
classifiers learn from them.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parallax.analysis.claims import claim_cosines, content_words, overlap_scores
from parallax.analysis.embed import MINILM, Embedder, load_model
from parallax.analysis.framing import STOP_WORDS
from tests.analysis.test_claims_quality import ClaimCorpus, in_claims_language, load_corpus

Tokens = tuple[list[str], npt.NDArray[np.float32]]  # word-pieces and their unit vectors
SPECIAL = {"[CLS]", "[SEP]"}


def token_vectors(model: Any, texts: Sequence[str]) -> list[Tokens]:
    """Each text's word-pieces and contextual vectors (the special tokens left in)."""
    outputs = model.encode(list(texts), output_value="token_embeddings", batch_size=64)
    found = []
    for text, vectors in zip(texts, outputs, strict=True):
        ids = model.tokenizer(text, truncation=True, max_length=model.max_seq_length)["input_ids"]
        matrix = vectors.numpy()
        matrix = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
        found.append((model.tokenizer.convert_ids_to_tokens(ids), matrix))
    return found


def alignment_scorer(model: Any, corpus: ClaimCorpus) -> Callable[[Tokens, Tokens], float]:
    """Claim-side BERTScore recall with IDF over the window's stories."""
    frequency: Counter[str] = Counter()
    for item in corpus.stories:
        ids = model.tokenizer(f"{item.story.title}\n{item.story.text}")["input_ids"]
        frequency.update(set(model.tokenizer.convert_ids_to_tokens(ids)))
    documents = len(corpus.stories)

    def kept(piece: str) -> bool:
        word = piece.lstrip("#")
        return piece not in SPECIAL and (word.isdigit() or (word.isalpha() and len(word) > 1))

    def score(claim: Tokens, unit: Tokens) -> float:
        pieces, vectors = claim
        rows = [i for i, p in enumerate(pieces) if kept(p) and p not in STOP_WORDS]
        columns = [j for j, p in enumerate(unit[0]) if p not in SPECIAL]
        if not rows or not columns:
            return 0.0
        best = (vectors[rows] @ unit[1][columns].T).max(axis=1)
        weights = np.array(
            [math.log((documents + 1) / (1 + frequency.get(pieces[i], 0))) for i in rows]
        )
        return float((best * weights).sum() / weights.sum())

    return score


def best_threshold(scores: npt.NDArray[np.float64], truth: npt.NDArray[np.bool_]) -> str:
    """P, R and F1 at the threshold with the best F1."""
    best = (0.0, 0.0, 0.0, 0.0)
    for threshold in np.unique(np.round(scores, 3)):
        found = scores >= threshold
        hits = int((found & truth).sum())
        if not hits:
            continue
        p, r = hits / found.sum(), hits / truth.sum()
        f1 = 2 * p * r / (p + r)
        best = max(best, (f1, p, r, float(threshold)))
    f1, p, r, threshold = best
    return f"P {p:.3f} R {r:.3f} F1 {f1:.3f} (threshold {threshold:.3f})"


def cross_validated(
    features: npt.NDArray[np.float64],
    truth: npt.NDArray[np.bool_],
    groups: npt.NDArray[np.str_],
    make: Callable[[], Any],
) -> str:
    """P, R and F1 of a classifier predicting each group's pairs without having seen them."""
    predicted = np.zeros(len(truth), dtype=bool)
    for group in np.unique(groups):
        train, test = groups != group, groups == group
        model = make().fit(features[train], truth[train])
        predicted[test] = model.predict_proba(features[test])[:, 1] >= 0.5
    hits = int((predicted & truth).sum())
    p, r = hits / max(int(predicted.sum()), 1), hits / int(truth.sum())
    return f"P {p:.3f} R {r:.3f} F1 {2 * p * r / (p + r) if p + r else 0.0:.3f}"


def main() -> int:
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    corpus = load_corpus(Embedder(MINILM))
    model = load_model(MINILM).model
    align = alignment_scorer(model, corpus)
    claims = token_vectors(model, [c.text for c in corpus.claims])
    rows: list[list[float]] = []
    truth, by_claim, by_outlet = [], [], []
    for item in corpus.stories:
        if item.story.url not in corpus.labels or not item.units:
            continue
        if not in_claims_language(corpus, item.story.url):
            continue
        units = token_vectors(model, item.units)
        cosines = claim_cosines(corpus.claim_vectors, item.unit_vectors())
        words = [content_words(u) for u in item.units]
        for row, claim in enumerate(corpus.claims):
            overlap = overlap_scores(claim.text, words, corpus.weights)
            aligned = np.array([align(claims[row], unit) for unit in units])
            blend = 0.5 * cosines[row] + overlap
            rows.append(
                [
                    float(cosines[row].max()),
                    float(overlap.max()),
                    float(aligned.max()),
                    float(blend.max()),
                    float((blend + aligned).max()),
                    float((0.5 * cosines[row] + aligned).max()),
                ]
            )
            truth.append(claim.claim_id in corpus.labels[item.story.url])
            by_claim.append(claim.claim_id)
            by_outlet.append(item.story.outlet)
    features, labels = np.array(rows), np.array(truth)
    print(f"{len(labels)} (story, claim) pairs, {int(labels.sum())} labelled carried\n")
    print("best threshold of each signal (picked on the labels):")
    for name, column in (
        ("configured score (0.5 x cosine, read against the nearest claims, + overlap)", 3),
        ("token alignment alone", 2),
        ("configured score + token alignment", 4),
    ):
        print(f"  {name}: {best_threshold(features[:, column], labels)}")
    print("\ntrained on the labels, cross-validated:")
    makers: dict[str, Callable[[], Any]] = {
        "logistic regression": lambda: LogisticRegression(max_iter=1000),
        "gradient boosting": lambda: GradientBoostingClassifier(n_estimators=100, max_depth=2),
    }
    for held_out, groups in (("claim", by_claim), ("outlet", by_outlet)):
        for name, make in makers.items():
            result = cross_validated(features, labels, np.array(groups), make)
            print(f"  {name}, held out by {held_out}: {result}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
