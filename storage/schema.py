"""The schema as numbered migrations, each a named function recorded in `schema_migrations`.

The schema is public: analysts write SQL against it, so names are for them, times are
TIMESTAMPTZ in UTC, and a change is a new migration, never an edit of an old one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import duckdb

from storage.errors import SchemaTooNew


def _v1_ingest(con: duckdb.DuckDBPyConnection) -> None:
    """Outlets, feeds, fetches, entries, articles and runs."""
    con.execute(
        """
        CREATE TABLE outlets (
            name          VARCHAR PRIMARY KEY,
            domain        VARCHAR,
            country       VARCHAR,
            language      VARCHAR,
            kind          VARCHAR,
            extra         JSON,
            first_seen_at TIMESTAMPTZ NOT NULL,
            updated_at    TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE feeds (
            url                  VARCHAR PRIMARY KEY,
            outlet               VARCHAR NOT NULL,
            title                VARCHAR,
            version              VARCHAR,
            etag                 VARCHAR,
            last_modified        VARCHAR,
            content_hash         VARCHAR,
            last_fetched_at      TIMESTAMPTZ,
            last_success_at      TIMESTAMPTZ,
            last_status          VARCHAR,
            last_reason          VARCHAR,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            next_due_at          TIMESTAMPTZ,
            added_at             TIMESTAMPTZ NOT NULL
        );
        CREATE SEQUENCE fetch_ids START 1;
        CREATE TABLE fetches (
            fetch_id     BIGINT PRIMARY KEY DEFAULT nextval('fetch_ids'),
            run_id       VARCHAR,
            kind         VARCHAR NOT NULL,
            url          VARCHAR NOT NULL,
            final_url    VARCHAR,
            outlet       VARCHAR,
            fetched_at   TIMESTAMPTZ NOT NULL,
            status       VARCHAR NOT NULL,
            reason       VARCHAR NOT NULL,
            http_status  INTEGER,
            bytes        BIGINT,
            content_hash VARCHAR,
            elapsed_ms   DOUBLE,
            attempts     INTEGER,
            detail       VARCHAR
        );
        CREATE TABLE entries (
            feed_url      VARCHAR NOT NULL,
            url           VARCHAR NOT NULL,
            link          VARCHAR NOT NULL,
            outlet        VARCHAR NOT NULL,
            guid          VARCHAR,
            title         VARCHAR,
            summary       VARCHAR,
            author        VARCHAR,
            position      INTEGER,
            published_at  TIMESTAMPTZ,
            updated_at    TIMESTAMPTZ,
            first_seen_at TIMESTAMPTZ NOT NULL,
            last_seen_at  TIMESTAMPTZ NOT NULL,
            run_id        VARCHAR,
            PRIMARY KEY (feed_url, url)
        );
        CREATE TABLE articles (
            url           VARCHAR PRIMARY KEY,
            outlet        VARCHAR NOT NULL,
            title         VARCHAR,
            author        VARCHAR,
            published_at  TIMESTAMPTZ NOT NULL,
            date_source   VARCHAR NOT NULL,
            language      VARCHAR,
            text          VARCHAR NOT NULL,
            word_count    INTEGER,
            description   VARCHAR,
            sitename      VARCHAR,
            final_url     VARCHAR,
            canonical_url VARCHAR,
            text_hash     VARCHAR NOT NULL,
            html_hash     VARCHAR NOT NULL,
            first_seen_at TIMESTAMPTZ NOT NULL,
            fetched_at    TIMESTAMPTZ NOT NULL,
            run_id        VARCHAR
        );
        CREATE TABLE runs (
            run_id      VARCHAR PRIMARY KEY,
            flow        VARCHAR NOT NULL,
            started_at  TIMESTAMPTZ NOT NULL,
            finished_at TIMESTAMPTZ,
            status      VARCHAR NOT NULL,
            params      JSON,
            summary     JSON,
            message     VARCHAR
        );
        CREATE INDEX fetches_by_url ON fetches (url);
        CREATE VIEW feed_health AS
            SELECT f.outlet, f.url, f.last_status, f.last_reason, f.consecutive_failures,
                   f.last_success_at, f.last_fetched_at, f.next_due_at,
                   (SELECT count(*) FROM entries e WHERE e.feed_url = f.url) AS entries
            FROM feeds f;
        """
    )


Migration = Callable[[duckdb.DuckDBPyConnection], None]
MIGRATIONS: list[tuple[int, str, Migration]] = [
    (1, "ingest", _v1_ingest),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest migration applied to this database (0 for a new one)."""
    # fetchall, not fetchone: DuckDB refuses further work on a connection with unread rows.
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ).fetchall()
    if not exists[0][0]:
        return 0
    rows = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchall()
    return int(rows[0][0])


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the missing migrations, each in its own transaction; return their names."""
    con.execute(
        """CREATE TABLE IF NOT EXISTS schema_migrations (
               version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL
           )"""
    )
    have = current_version(con)
    if have > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"the database has schema version {have}, newer than this Parallax ({SCHEMA_VERSION})"
        )
    applied = []
    for version, name, apply in MIGRATIONS:
        if version <= have:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            apply(con)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                [version, name, datetime.now(UTC)],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied
