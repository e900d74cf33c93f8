"""Deferred fetches in the Store: a row for the record, but no attempt, no failure, no backoff."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from parallax.connectors.records import FetchStatus
from parallax.flows.budget import RunBudget
from parallax.storage import Store
from parallax.storage.query import run_query
from tests.storage.test_store import FEED, NOW, OUTLET, article_fetch, entry, poll

SPENT = RunBudget(NOW - timedelta(hours=1), max_run_s=600)


def test_a_deferred_page_stays_pending_however_often_it_is_deferred(db_path: Path) -> None:
    with Store(db_path) as store:
        store.upsert_outlets([OUTLET])
        store.record_feed_polls([poll([entry(1), entry(2)])], "run-1")
        first, second = store.pending_articles(max_attempts=1)
        for n in range(5):
            deferred = [SPENT.defer_article(first), SPENT.defer_article(second)]
            assert store.record_article_fetches(deferred, f"run-{n + 2}") == 0
            assert store.failures_by_reason(f"run-{n + 2}") == {}
        # Five deferrals used none of the one attempt allowed.
        assert [p.url for p in store.pending_articles(max_attempts=1)] == [first.url, second.url]
        store.record_article_fetches([article_fetch(first, FetchStatus.TEMPORARY)], "run-8")
        assert store.failures_by_reason("run-8") == {"article": {"timeout": 1}}
        assert [p.url for p in store.pending_articles(max_attempts=1)] == [second.url]
    rows = run_query(
        db_path,
        "SELECT status, reason, attempts, count(*) FROM fetches WHERE kind = 'article' "
        "GROUP BY ALL ORDER BY status",
    ).rows
    assert rows == [("deferred", "deferred", 0, 10), ("temporary", "timeout", 1, 1)]


def test_a_deferred_feed_keeps_its_state(db_path: Path) -> None:
    with Store(db_path) as store:
        store.upsert_outlets([OUTLET])
        store.record_feed_polls([poll([], FetchStatus.TEMPORARY, failures=2)], "run-1")
        (before,) = store.feed_states([FEED])
        assert store.record_feed_polls([SPENT.defer_feed(before)], "run-2") == 0
        assert store.feed_states([FEED]) == [before]
        assert store.failures_by_reason("run-2") == {}
    health = run_query(
        db_path, "SELECT last_status, last_reason, consecutive_failures FROM feed_health"
    ).rows
    assert health == [("temporary", "server_error", 2)]
    fetch = run_query(db_path, "SELECT status, reason FROM fetches WHERE run_id = 'run-2'").rows
    assert fetch == [("deferred", "deferred")]
