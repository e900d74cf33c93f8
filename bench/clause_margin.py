"""Which clauses the compare stage may leave unembedded: carried decisions against every clause.

    python bench/clause_margin.py DB [DB ...] [--margins 0 0.05 0.1 0.15 0.2]

Each DB is a DuckDB file a `parallax run` or `parallax demo` wrote (bench/real_coverage.py
--work DIR keeps one per corpus). For the latest clustering's event, with the configured model
and [compare] settings, the script splits every sentence into clauses and matches the seed's
claims (stored in the file) as the compare stage does with every clause embedded; then, for each
margin, with only the clauses of the sentences that score within the margin of
carried_threshold (analysis/claims.py, sentences_to_split), and prints:

  kept        the clauses embedded, of all
  flips       (story, claim) pairs whose carried decision changed
  carriers    carried pairs whose carrying sentence or clause changed
  closest     pairs not carried whose closest unit changed (what claim_matches shows for them)

Vectors missing from the file (the clauses a pruned run did not embed) are embedded with the
model and not stored: the file is opened read-only.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from parallax.analysis import claims as claim_rules
from parallax.analysis.claims import (
    Claim,
    ClaimMatch,
    ClaimParams,
    StorySentences,
    WordWeights,
    claims_language,
    match_claims,
    sentence_clauses,
    sentences_to_split,
    story_sentences,
)
from parallax.analysis.embed import Embedder
from parallax.analysis.text import text_hash
from parallax.flows.settings import load_settings
from parallax.storage.store import Store


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dbs", nargs="+", metavar="DB")
    parser.add_argument("--margins", nargs="+", type=float, default=[0, 0.05, 0.1, 0.15, 0.2])
    return parser.parse_args(argv)


def stored_claims(db: str) -> tuple[str, list[Claim]]:
    """The latest clustering and the claims its comparison stored."""
    with Store(db, read_only=True) as store:
        cid = store.latest_clustering_id()
        if cid is None:
            raise SystemExit(f"{db}: no clustering")
        return cid, [Claim(*row) for row in store.stored_claims(cid)]


def changes(full: Sequence[ClaimMatch], pruned: Sequence[ClaimMatch]) -> tuple[int, int, int]:
    """Decisions flipped, carrying units changed, closest units of pairs not carried changed."""
    pairs = list(zip(full, pruned, strict=True))
    flips = sum(a.carried != b.carried for a, b in pairs)
    carriers = sum(a.carried and a.sentence != b.sentence for a, b in pairs)
    closest = sum(not a.carried and a.sentence != b.sentence for a, b in pairs)
    return flips, carriers, closest


@dataclass
class Event:
    """A stored event's stories as the compare stage sees them, with every vector they need."""

    claims: list[Claim]
    items: list[StorySentences]
    every: list[list[str]]  # each story's clauses, all of them
    vectors: dict[str, np.ndarray]  # by text hash
    weights: WordWeights
    language: str

    def matrix(self, units: Sequence[str]) -> np.ndarray:
        if not units:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([self.vectors[text_hash(u)] for u in units])

    def matched(self, parts: Sequence[list[str]], params: ClaimParams) -> list[ClaimMatch]:
        """Claims matched with these clauses of each story."""
        items = [
            replace(item, clauses=p, clause_vectors=self.matrix(p))
            for item, p in zip(self.items, parts, strict=True)
        ]
        vectors = self.matrix([c.text for c in self.claims])
        return match_claims(self.claims, vectors, items, self.weights, params, None, self.language)

    def split(self, params: ClaimParams) -> list[list[str]]:
        """Each story's clauses, of the sentences near a claim."""
        vectors = self.matrix([c.text for c in self.claims])
        return [
            sentence_clauses(
                item.sentences,
                sentences_to_split(self.claims, vectors, item, self.weights, params, self.language),
            )
            for item in self.items
        ]


def load(db: str, model: str, embedder: Embedder) -> Event:
    """The latest clustering's event, its claims and their vectors (missing ones embedded)."""
    clustering_id, claims = stored_claims(db)
    with Store(db, read_only=True) as store:
        stories, _ = store.event_stories(clustering_id)
        found = [story_sentences(s) for s in stories]
        every = [sentence_clauses(f) for f in found]
        texts = {u for f, c in zip(found, every, strict=True) for u in (*f, *c)}
        texts |= {c.text for c in claims}
        vectors = store.load_embeddings({text_hash(t) for t in texts}, model)
        language = claims_language(claims)
        weights = WordWeights.of(store.clustering_texts(clustering_id), language)
    missing = sorted(t for t in texts if text_hash(t) not in vectors)
    if missing:
        vectors.update(zip(map(text_hash, missing), embedder.encode(missing), strict=True))
    event = Event(claims, [], every, vectors, weights, language)
    # The sentences' vectors come from the same table as the clauses'.
    event.items = [
        StorySentences(s, f, event.matrix(f)) for s, f in zip(stories, found, strict=True)
    ]
    return event


def main(argv: Sequence[str]) -> int:
    """Print the figures per file and margin."""
    args = parse_args(argv)
    settings = load_settings()
    model, params = settings.embed.model, settings.compare
    embedder = Embedder(model)
    print(f"model {model}; carried_threshold {params.carried_threshold}")
    for db in args.dbs:
        event = load(db, model, embedder)
        full = event.matched(event.every, params)
        total = sum(map(len, event.every))
        carried = sum(m.carried for m in full)
        print(
            f"\n{db}: {len(event.items)} event stories, {len(event.claims)} claims,"
            f" {carried} (story, claim) pairs carried"
        )
        for margin in args.margins:
            claim_rules.CLAUSE_MARGIN = margin
            parts = event.split(params)
            kept = sum(map(len, parts))
            flips, carriers, closest = changes(full, event.matched(parts, params))
            print(
                f"  margin {margin:.2f}: kept {kept} of {total} clauses ({kept / total:.0%}), "
                f"flips {flips}, carriers {carriers}, closest {closest} of {len(full) - carried}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
