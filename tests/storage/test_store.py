"""The Store on real DuckDB files."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from parallax.connectors.records import (
    Article,
    ArticleFetch,
    DateSource,
    FeedEntry,
    FeedParse,
    FeedPoll,
    FetchResult,
    FetchStatus,
    Outlet,
    PendingArticle,
    Reason,
)
from parallax.storage import DatabaseMissing, Store, StoreLocked
from parallax.storage.errors import QueryError
from parallax.storage.query import run_query
from parallax.storage.schema import MIGRATIONS, SCHEMA_VERSION
from tests.holder import holding

NOW = datetime(2021, 12, 2, 18, 0, tzinfo=UTC)
FEED = "http://northwire.example/world/rss.xml"
OUTLET = Outlet(
    name="Northwire", feeds=(FEED,), domain="northwire.example", country="US", kind="wire"
)


def entry(n: int, feed: str = FEED) -> FeedEntry:
    return FeedEntry(
        feed_url=feed,
        url=f"http://northwire.example/s/{n}",
        link=f"http://northwire.example/s/{n}/",
        title=f"Story {n}",
        position=n,
        published_at=NOW - timedelta(hours=n),
    )


def poll(
    entries: list[FeedEntry], status: FetchStatus = FetchStatus.OK, failures: int = 0
) -> FeedPoll:
    reason = Reason.OK if status is FetchStatus.OK else Reason.SERVER_ERROR
    fetch = FetchResult(
        FEED,
        status,
        reason,
        NOW,
        final_url=FEED,
        http_status=200,
        etag='"e1"',
        content_hash="h1" if status is FetchStatus.OK else None,
        body_size=100,
    )
    parse = (
        FeedParse(entries=entries, title="World", version="rss20")
        if status is FetchStatus.OK
        else None
    )
    return FeedPoll(
        FEED,
        "Northwire",
        status,
        reason,
        fetch,
        parse,
        failures,
        NOW + timedelta(minutes=30 * failures),
    )


def article_fetch(job: PendingArticle, status: FetchStatus = FetchStatus.OK) -> ArticleFetch:
    reason = {
        FetchStatus.OK: Reason.OK,
        FetchStatus.TEMPORARY: Reason.TIMEOUT,
        FetchStatus.SOFT: Reason.NOT_FOUND,
    }[status]
    fetch = FetchResult(job.link, status, reason, NOW, final_url=job.link, body_size=5000)
    article = None
    if status is FetchStatus.OK:
        article = Article(
            url=job.url,
            outlet=job.outlet,
            title=job.entry.title,
            text="Text of the story.",
            published_at=NOW,
            date_source=DateSource.FEED,
            text_hash="t",
            html_hash="h",
        )
    return ArticleFetch(job, status, reason, fetch, article)


def test_a_new_database_is_migrated_and_recorded(db_path: Path) -> None:
    with Store(db_path) as store:
        assert store.counts().articles == 0
    rows = run_query(db_path, "SELECT version, name FROM schema_migrations").rows
    assert rows == [
        (1, "ingest"), (2, "analysis"), (3, "comparison"), (4, "claims"), (5, "run_owner"),
        (6, "claim_method"), (7, "story_language"), (8, "detected_language"),
        (9, "framing_language"), (10, "provenance"), (11, "stage_inputs"),
    ]  # fmt: skip
    assert rows[-1][0] == SCHEMA_VERSION
    with Store(db_path):  # opening again applies nothing twice
        pass
    assert len(run_query(db_path, "SELECT * FROM schema_migrations").rows) == SCHEMA_VERSION


def test_a_database_from_before_claims_gains_them_when_opened(db_path: Path) -> None:
    con = duckdb.connect(str(db_path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
        "applied_at TIMESTAMPTZ NOT NULL)"
    )
    for version, name, apply in MIGRATIONS[:3]:
        apply(con)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
    con.close()
    with Store(db_path):
        pass
    versions = run_query(db_path, "SELECT max(version) FROM schema_migrations").rows
    assert versions == [(SCHEMA_VERSION,)]
    assert run_query(db_path, "SELECT * FROM outlet_claims").rows == []
    assert run_query(db_path, "SELECT count(*) FROM exclusive_sentences").rows == [(0,)]


def test_claims_stored_before_their_method_was_recorded_keep_their_rows(db_path: Path) -> None:
    con = duckdb.connect(str(db_path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
        "applied_at TIMESTAMPTZ NOT NULL)"
    )
    for version, name, apply in MIGRATIONS[:5]:
        apply(con)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
    con.execute("INSERT INTO claims VALUES ('k', 'c01', 1, 'They met.', 2, NULL, NULL, NULL)")
    con.close()
    with Store(db_path):
        pass
    rows = run_query(db_path, "SELECT claim_id, outlets, judge, threshold FROM claims").rows
    assert rows == [("c01", 2, None, None)]  # the method was not recorded then: NULL, not a guess


def test_a_run_whose_process_is_gone_is_abandoned_and_a_live_one_is_not(db_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with Store(db_path) as store:
        store.start_run("dead", "ingest", {})
        store.start_run("live", "ingest", {})
        store.start_run("elsewhere", "ingest", {})
        store.start_run("old", "ingest", {})
    con = duckdb.connect(str(db_path))
    con.execute("UPDATE runs SET pid = ? WHERE run_id = 'dead'", [gone.pid])
    con.execute("UPDATE runs SET host = 'another-host', pid = ? WHERE run_id = 'elsewhere'",
                [gone.pid])  # fmt: skip
    con.execute("UPDATE runs SET host = NULL, pid = NULL WHERE run_id = 'old'")
    con.close()
    with Store(db_path) as store:
        store.start_run("next", "pipeline", {})
    rows = dict(
        (run_id, (status, message))
        for run_id, status, message in run_query(
            db_path, "SELECT run_id, status, message FROM runs"
        ).rows
    )
    assert rows["dead"] == ("abandoned", f"its process ({gone.pid}) ended without recording how "
                                         "the run went")  # fmt: skip
    assert rows["live"][0] == rows["elsewhere"][0] == rows["old"][0] == rows["next"][0]
    assert rows["live"][0] == "running"


def test_outlets_and_feeds_upsert_without_duplicates(db_path: Path) -> None:
    with Store(db_path) as store:
        store.upsert_outlets([OUTLET])
        store.upsert_outlets([OUTLET])
        store.upsert_outlets([replace(OUTLET, country="GB")])
        assert store.counts().outlets == 1 and store.counts().feeds == 1
    rows = run_query(db_path, "SELECT country, extra FROM outlets").rows
    assert rows == [("GB", None)]


def test_outlet_names_with_quotes_and_sql_are_stored_verbatim(db_path: Path) -> None:
    name = 'Robert\'); DROP TABLE articles;-- "Daily"'
    with Store(db_path) as store:
        store.upsert_outlets([Outlet(name=name, feeds=("http://x.example/f",))])
        assert store.feed_states(["http://x.example/f"])[0].outlet == name
    assert run_query(db_path, "SELECT name FROM outlets").rows == [(name,)]


def test_feed_polls_store_entries_once_and_keep_state(db_path: Path) -> None:
    with Store(db_path) as store:
        store.upsert_outlets([OUTLET])
        assert store.record_feed_polls([poll([entry(1), entry(2)])], "run-1") == 2
        assert store.record_feed_polls([poll([entry(1), entry(2), entry(3)])], "run-2") == 1
        assert store.counts().entries == 3
        state = store.feed_states([FEED])[0]
        assert (state.etag, state.content_hash, state.consecutive_failures) == ('"e1"', "h1", 0)
        # A failure keeps the validators and counts up.
        store.record_feed_polls([poll([], FetchStatus.TEMPORARY, failures=1)], "run-3")
        state = store.feed_states([FEED])[0]
        assert (state.etag, state.content_hash, state.consecutive_failures) == ('"e1"', "h1", 1)
    health = run_query(db_path, "SELECT last_status, last_reason, entries FROM feed_health").rows
    assert health == [("temporary", "server_error", 3)]


def test_pending_articles_skip_stored_and_hopeless_ones(db_path: Path) -> None:
    with Store(db_path) as store:
        store.upsert_outlets([OUTLET])
        store.record_feed_polls([poll([entry(n) for n in range(4)])], "run-1")
        pending = store.pending_articles(max_attempts=2)
        assert [p.url for p in pending] == [f"http://northwire.example/s/{n}" for n in range(4)]
        assert pending[0].link == "http://northwire.example/s/0/"
        assert pending[1].entry.published_at == NOW - timedelta(hours=1)
        store.record_article_fetches(
            [
                article_fetch(pending[0]),
                article_fetch(pending[1], FetchStatus.SOFT),
                article_fetch(pending[2], FetchStatus.TEMPORARY),
            ],
            "run-1",
        )
        # stored: gone; soft failure: not retried; temporary: retried until max_attempts.
        assert [p.url for p in store.pending_articles(max_attempts=2)] == [
            pending[2].url,
            pending[3].url,
        ]
        store.record_article_fetches([article_fetch(pending[2], FetchStatus.TEMPORARY)], "run-2")
        assert [p.url for p in store.pending_articles(max_attempts=2)] == [pending[3].url]
        assert store.counts().articles == 1
        assert store.failures_by_reason("run-1") == {"article": {"not_found": 1, "timeout": 1}}


def test_storing_the_same_article_twice_keeps_one_row(db_path: Path) -> None:
    with Store(db_path) as store:
        store.upsert_outlets([OUTLET])
        store.record_feed_polls([poll([entry(1)])], "run-1")
        job = store.pending_articles()[0]
        assert store.record_article_fetches([article_fetch(job), article_fetch(job)], "run-1") == 1
        store.record_article_fetches([article_fetch(job)], "run-2")
        assert store.counts().articles == 1


def test_timestamps_are_utc_timestamptz(db_path: Path) -> None:
    with Store(db_path) as store:
        store.upsert_outlets([OUTLET])
        store.record_feed_polls([poll([entry(1)])], "run-1")
    rows = run_query(db_path, "SELECT typeof(published_at), published_at FROM entries").rows
    assert rows[0][0] == "TIMESTAMP WITH TIME ZONE"
    assert rows[0][1] == NOW - timedelta(hours=1)


def test_a_failed_batch_leaves_nothing_behind(db_path: Path) -> None:
    with Store(db_path) as store:
        store.upsert_outlets([OUTLET])
        broken = poll([entry(1)])
        bad_entry = replace(entry(2), title=None)  # type: ignore[arg-type]
        broken = replace(broken, parse=FeedParse(entries=[entry(1), bad_entry]))
        with pytest.raises(Exception):  # noqa: B017, PT011 - any failure inside the transaction
            store.record_feed_polls([replace(broken, outlet=None)], "run-x")  # type: ignore[arg-type]
        assert store.counts().entries == 0 and store.counts().fetches == 0


def test_reading_a_missing_database_says_so(tmp_path: Path) -> None:
    with pytest.raises(DatabaseMissing, match="no database"):
        run_query(tmp_path / "none.duckdb", "SELECT 1")


def test_user_sql_cannot_read_files_or_write(db_path: Path) -> None:
    with Store(db_path):
        pass
    with pytest.raises(QueryError, match="files and URLs are disabled"):
        run_query(db_path, "SELECT * FROM read_csv('/etc/passwd')")
    with pytest.raises(QueryError, match="read-only"):
        run_query(db_path, "DELETE FROM outlets")
    with pytest.raises(QueryError, match="locked"):
        run_query(db_path, "SET enable_external_access = true")


def test_a_second_writer_waits_then_gets_a_clear_message(db_path: Path) -> None:
    with holding(db_path, 3) as holder:
        began = time.monotonic()
        with pytest.raises(
            StoreLocked, match=rf"is in use by process {holder.pid} \(a Parallax run"
        ):
            Store(db_path, lock_timeout_s=0.5)
        assert time.monotonic() - began >= 0.5
        # Within the timeout, the writer gets the file once the holder lets go.
        with Store(db_path, lock_timeout_s=10) as store:
            assert store.counts().outlets == 0


def test_the_file_is_readable_by_plain_duckdb(db_path: Path) -> None:
    # The Store leaves the file readable by plain DuckDB, for analysts' own tools.
    with Store(db_path) as store:
        store.upsert_outlets([OUTLET])
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        assert con.execute("SELECT name FROM outlets").fetchall() == [("Northwire",)]
    finally:
        con.close()
