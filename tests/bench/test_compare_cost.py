"""bench/compare_cost.py on the demo's run: every part of a cold run's embedding is counted
once, under the right part, and the database it reads is left as it was. Vectors come from a
stand-in encoder: what is tested is the accounting, not the model's speed (the bench's to
report)."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest

from parallax.flows.settings import load_settings
from parallax.flows.stages import story_texts
from tests.conftest import DemoRun

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_compare_cost", BENCH / "compare_cost.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def stand_in(texts: Sequence[str]) -> np.ndarray:
    """A unit vector per text, the same for the same text: one direction and a little of the
    text's own, so that every sentence is near every claim and its clauses are embedded too."""
    rows = []
    for text in texts:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        row = np.ones(384) + 0.05 * np.random.default_rng(seed).standard_normal(384)
        rows.append(row / np.linalg.norm(row))
    return np.asarray(rows, dtype=np.float32)


def test_every_part_is_counted_once(bench: Any, demo_run: DemoRun) -> None:
    db = demo_run.db
    before = db.read_bytes()
    settings = load_settings(environ={})
    found = bench.stored(db)
    counting = bench.Counting(stand_in, len)
    setup = bench.ClaimSetup(
        found.claims, counting.encode, settings.embed.model + bench.FRESH, settings.compare
    )
    summary = bench.measure(db, found, counting, setup)
    parts = counting.parts
    con = duckdb.connect(str(db), read_only=True)
    try:
        window = con.execute(
            "SELECT count(*) FROM cluster_members WHERE clustering_id = ?", [found.clustering_id]
        ).fetchone()
        event = con.execute(
            "SELECT a.title, a.text FROM cluster_members m JOIN articles a USING (url) "
            "WHERE m.clustering_id = ? AND m.in_event",
            [found.clustering_id],
        ).fetchall()
    finally:
        con.close()
    assert window is not None
    # Every story of the window and the seed, each lead once (copies share one).
    assert 1 < parts["leads"].texts <= window[0] + 1
    assert parts["documents"].texts == len({story_texts(t, x).doc for t, x in event})
    # The claims are embedded with the sentences; clauses come last, in a call of their own.
    assert parts["sentences"].texts > len(found.claims) + len(event)
    assert parts["clauses"].texts > 0
    assert summary.sentences_reused == 0, "the fresh name must leave nothing already embedded"
    assert summary.sentences_embedded == parts["sentences"].texts + parts["clauses"].texts
    assert all(p.seconds > 0 and p.tokens > 0 for p in parts.values())
    assert db.read_bytes() == before, "the bench must work on a copy"
