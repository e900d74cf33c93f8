"""What a stage was computed from: the stories' digest, and reuse of the latest clustering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from parallax.storage import Store
from tests.storage.test_store import OUTLET, article_fetch, entry, poll

T0 = datetime(2021, 12, 2, 12, tzinfo=UTC)


def add_clustering(db: Path, clustering_id: str, created: datetime) -> None:
    con = duckdb.connect(str(db))
    try:
        con.execute(
            "INSERT INTO clusterings VALUES (?, 'seed-1', NULL, 'm', ?, ?, ?, 'event-seed-1', 3, "
            "'{}')",
            [clustering_id, created, T0, T0 + timedelta(days=2)],
        )
    finally:
        con.close()


def test_the_stories_digest_changes_with_a_new_or_redated_story_only(db_path: Path) -> None:
    with Store(db_path) as store:
        empty = store.articles_digest()
        store.upsert_outlets([OUTLET])
        store.record_feed_polls([poll([entry(1), entry(2)])], "run-1")
        first, second = store.pending_articles()
        store.record_article_fetches([article_fetch(first)], "run-1")
        one = store.articles_digest()
        store.record_article_fetches([article_fetch(first)], "run-2")  # the same story again
        assert store.articles_digest() == one != empty
        store.record_article_fetches([article_fetch(second)], "run-2")
        two = store.articles_digest()
        assert two not in (one, empty)
    con = duckdb.connect(str(db_path))
    con.execute("UPDATE articles SET published_at = published_at + INTERVAL 1 HOUR")
    con.close()
    with Store(db_path) as store:
        assert store.articles_digest() != two


def test_only_the_latest_clustering_with_the_same_inputs_is_reused(db_path: Path) -> None:
    with Store(db_path):
        pass  # migrated
    add_clustering(db_path, "c1", T0)
    with Store(db_path) as store:
        assert store.unchanged_stage("seed-1", "cluster", "in-1") is None  # nothing recorded
        store.record_stage_inputs("c1", "cluster", "in-1", {"stories": 3, "clusters": 1})
        assert store.unchanged_stage("seed-1", "cluster", "in-1") == {
            "clustering_id": "c1",
            "stories": 3,
            "clusters": 1,
        }
        assert store.unchanged_stage("seed-1", "cluster", "in-2") is None  # other inputs
        assert store.unchanged_stage("seed-1", "compare", "in-1") is None  # other stage
        assert store.unchanged_stage("seed-2", "cluster", "in-1") is None  # other seed
        store.record_stage_inputs("c1", "compare", "cmp-1", {"outlets": 2})
        store.record_stage_inputs("c1", "compare", "cmp-2", {"outlets": 3})  # replaces
        assert store.unchanged_stage("seed-1", "compare", "cmp-1") is None
        assert store.unchanged_stage("seed-1", "compare", "cmp-2") == {
            "clustering_id": "c1",
            "outlets": 3,
        }
    add_clustering(db_path, "c2", T0 + timedelta(hours=1))  # newer, made from other inputs
    with Store(db_path) as store:
        assert store.unchanged_stage("seed-1", "cluster", "in-1") is None
