"""What a stored clustering gives back to benches and tools: its window, seed and claims."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from parallax.analysis.records import Cluster, Clustering, Membership, Seed
from parallax.storage import Store
from tests.storage.test_detected_language import ENGLISH, fetched

NOW = datetime(2021, 12, 2, 18, 0, tzinfo=UTC)


def test_a_clustering_gives_back_its_window_and_claims(db_path: Path) -> None:
    seed = Seed("stockholm", ENGLISH, NOW, "Talks in Stockholm")
    with Store(db_path) as store:
        store.record_article_fetches(
            [fetched("http://nw.example/1", "Northwire", "en", ENGLISH)], "r"
        )
        store.upsert_seed(seed, "seed-hash")
        clustering = Clustering(
            seed_id=seed.seed_id,
            window_start=NOW - timedelta(days=3),
            window_end=NOW + timedelta(days=7),
            event_cluster_id="c1",
            clusters=[Cluster("c1", 1, True, "Talks", NOW, NOW, ("http://nw.example/1",))],
            members=[Membership("http://nw.example/1", "c1", True, 0.8, 0.8, 0.0, "in: test")],
        )
        store.record_clustering("k1", clustering, model="test-model", run_id=None)
        claim = {"outlets": 0, "first_outlet": None, "first_url": None}
        claims = [
            {"claim_id": "c02", "position": 2, "text": "Both sides agreed to talk.", **claim},
            {"claim_id": "c01", "position": 1, "text": "Blinken met Lavrov.", **claim},
        ]
        store.record_claims("k1", claims, [], [])
        assert store.clustering_window("k1") == (
            "stockholm",
            NOW - timedelta(days=3),
            NOW + timedelta(days=7),
        )
        # In the seed's order, whatever the order they were written in.
        assert store.stored_claims("k1") == [
            ("c01", "Blinken met Lavrov."),
            ("c02", "Both sides agreed to talk."),
        ]
        assert store.clustering_window("k2") is None
        assert store.stored_claims("k2") == []
