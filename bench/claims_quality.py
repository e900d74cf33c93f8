"""Claim alignment on the demo corpus's claim labels, and what the comparison costs per story.

    python bench/claims_quality.py [--repeat 3]

Embeds every demo story's sentences and clauses with the configured model, matches them with
the seed's claims as the compare stage does (analysis/claims.py), and prints:

  overall      precision, recall and F1 over (story, claim) pairs of the 38 labelled stories
  per claim    labelled carriers, found, and precision/recall
  sweep        the same at other thresholds, and with the cosine alone (cosine_weight 1, no
               word overlap), so the chosen point can be seen against its neighbours
  time         per 100 event stories: embedding their sentences and clauses (the model loaded
               already), matching claims, and finding exclusive sentences; the median of
               --repeat runs, with the embedding's share

Exits non-zero below the floors tests/analysis/test_claims_quality.py pins.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.claims import ClaimParams, exclusive_sentences, match_claims
from analysis.embed import DEFAULT_MODEL, Embedder
from analysis.languages import reads
from tests.analysis.test_claims_quality import (
    FLOOR_PRECISION,
    FLOOR_RECALL,
    ClaimCorpus,
    embed_stories,
    labelled_matches,
    load_corpus,
    precision_recall,
)


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def per_claim(corpus: ClaimCorpus, params: ClaimParams) -> None:
    matches = labelled_matches(corpus, params)
    print(f"{'claim':<6} {'labelled':>8} {'found':>6} {'P':>6} {'R':>6}")
    for claim in corpus.claims:
        found = {m.url for m in matches if m.claim_id == claim.claim_id and m.carried}
        true = {u for u, ids in corpus.labels.items() if claim.claim_id in ids}
        hits = len(found & true)
        p = hits / len(found) if found else float("nan")
        r = hits / len(true) if true else float("nan")
        print(f"{claim.claim_id:<6} {len(true):>8} {len(found):>6} {p:>6.2f} {r:>6.2f}")


def sweep(corpus: ClaimCorpus, cosine_weight: float, thresholds: np.ndarray, words: bool) -> None:
    labelled = [s for s in corpus.stories if s.story.url in corpus.labels]
    for threshold in thresholds:
        params = ClaimParams(carried_threshold=float(threshold), cosine_weight=cosine_weight)
        weights = corpus.weights if words else None
        matches = match_claims(corpus.claims, corpus.claim_vectors, labelled, weights, params)
        p, r = precision_recall(matches, corpus.labels)
        print(f"  threshold {threshold:.2f}: P {p:.3f} R {r:.3f} F1 {f1(p, r):.3f}")


def timing(corpus: ClaimCorpus, embedder: Embedder, repeat: int) -> None:
    """Per 100 event stories: embed their units, match claims, find exclusive sentences."""
    event = [s.story for s in corpus.stories if s.story.url in corpus.labels]
    embed_times, match_times = [], []
    for _ in range(repeat):
        began = time.perf_counter()
        items = embed_stories(event, embedder)
        embedded = time.perf_counter()
        match_claims(corpus.claims, corpus.claim_vectors, items, corpus.weights)
        exclusive_sentences(items, corpus.claim_vectors)
        embed_times.append(embedded - began)
        match_times.append(time.perf_counter() - embedded)
    units = sum(len(i.units) for i in embed_stories(event, embedder))
    scale = 100 / len(event)
    embed_s, match_s = (
        statistics.median(embed_times) * scale,
        statistics.median(match_times) * scale,
    )
    print(
        f"\ntime per 100 event stories ({len(event)} stories, {units} sentences and clauses): "
        f"{embed_s + match_s:.2f} s = embedding {embed_s:.2f} s "
        f"({embed_s / (embed_s + match_s):.0%}) + matching and exclusives {match_s:.2f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs")
    args = parser.parse_args()
    embedder = Embedder(DEFAULT_MODEL)
    corpus = load_corpus(embedder)
    params = ClaimParams()
    p, r = precision_recall(labelled_matches(corpus, params), corpus.labels)
    pairs = sum(len(v) for v in corpus.labels.values())
    print(
        f"configured (threshold {params.carried_threshold}, cosine weight "
        f"{params.cosine_weight}): P {p:.3f} R {r:.3f} F1 {f1(p, r):.3f} "
        f"({len(corpus.labels)} stories, {pairs} labelled claim carriers)\n"
    )
    # As the pipeline runs it: stories in a language the model does not read are not aligned
    # (a column of "not judged" in the report), so their labels are left out on both sides.
    english = frozenset({"en"})
    aligned = {s.story.url for s in corpus.stories if reads(english, s.story.language)}
    labels = {u: c for u, c in corpus.labels.items() if u in aligned}
    matches = [m for m in labelled_matches(corpus, params) if m.url in aligned]
    ap, ar = precision_recall(matches, labels)
    print(
        f"stories the default model aligns (English): P {ap:.3f} R {ar:.3f} F1 {f1(ap, ar):.3f} "
        f"({len(labels)} stories, {sum(len(v) for v in labels.values())} labelled carriers)\n"
    )
    per_claim(corpus, params)
    print("\nsweep, configured blend:")
    sweep(corpus, params.cosine_weight, np.arange(0.5, 0.71, 0.02), words=True)
    print("sweep, cosine alone:")
    sweep(corpus, 1.0, np.arange(0.5, 0.81, 0.05), words=False)
    timing(corpus, embedder, args.repeat)
    met = p >= FLOOR_PRECISION and r >= FLOOR_RECALL
    print(f"floors (P {FLOOR_PRECISION}, R {FLOOR_RECALL}): {'met' if met else 'NOT MET'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
