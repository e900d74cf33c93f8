"""The Store's ingest side: runs, outlets and feeds, fetches, entries and articles."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from parallax.connectors.records import (
    ArticleFetch,
    EntrySource,
    FeedEntry,
    FeedPoll,
    FeedState,
    FetchResult,
    FetchStatus,
    Outlet,
    PendingArticle,
)
from parallax.storage.connection import TS, Database
from parallax.storage.connection import arrow_table as _table

FETCH_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("kind", pa.string()),
        ("url", pa.string()),
        ("final_url", pa.string()),
        ("outlet", pa.string()),
        ("fetched_at", TS),
        ("status", pa.string()),
        ("reason", pa.string()),
        ("http_status", pa.int32()),
        ("bytes", pa.int64()),
        ("content_hash", pa.string()),
        ("elapsed_ms", pa.float64()),
        ("attempts", pa.int32()),
        ("detail", pa.string()),
    ]
)
ENTRY_SCHEMA = pa.schema(
    [
        ("feed_url", pa.string()),
        ("url", pa.string()),
        ("link", pa.string()),
        ("outlet", pa.string()),
        ("guid", pa.string()),
        ("title", pa.string()),
        ("summary", pa.string()),
        ("author", pa.string()),
        ("position", pa.int32()),
        ("published_at", TS),
        ("updated_at", TS),
        ("seen_at", TS),
        ("run_id", pa.string()),
        ("source", pa.string()),
        ("captured_at", TS),
        ("archive_url", pa.string()),
    ]
)
ARTICLE_SCHEMA = pa.schema(
    [
        ("url", pa.string()),
        ("outlet", pa.string()),
        ("title", pa.string()),
        ("author", pa.string()),
        ("published_at", TS),
        ("date_source", pa.string()),
        ("language", pa.string()),
        ("text", pa.string()),
        ("word_count", pa.int32()),
        ("description", pa.string()),
        ("sitename", pa.string()),
        ("final_url", pa.string()),
        ("canonical_url", pa.string()),
        ("text_hash", pa.string()),
        ("html_hash", pa.string()),
        ("first_seen_at", TS),
        ("fetched_at", TS),
        ("run_id", pa.string()),
        ("detected_language", pa.string()),
        ("detection_confidence", pa.float64()),
        ("source", pa.string()),
        ("captured_at", TS),
        ("archive_url", pa.string()),
    ]
)
FEED_STATE_SCHEMA = pa.schema(
    [
        ("url", pa.string()),
        ("title", pa.string()),
        ("version", pa.string()),
        ("etag", pa.string()),
        ("last_modified", pa.string()),
        ("content_hash", pa.string()),
        ("fetched_at", TS),
        ("success", pa.bool_()),
        ("status", pa.string()),
        ("reason", pa.string()),
        ("failures", pa.int32()),
        ("next_due_at", TS),
    ]
)


def _fetch_row(
    kind: str,
    key: str,
    outlet: str,
    fetch: FetchResult,
    run_id: str,
    status: FetchStatus,
    reason: str,
    detail: str,
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "kind": kind,
        "url": key,
        "final_url": fetch.final_url or None,
        "outlet": outlet,
        "fetched_at": fetch.fetched_at,
        "status": str(status),
        "reason": reason,
        "http_status": fetch.http_status,
        "bytes": fetch.body_size,
        "content_hash": fetch.content_hash,
        "elapsed_ms": round(fetch.elapsed_s * 1000, 3),
        "attempts": fetch.attempts,
        "detail": detail or None,
    }


@dataclass(frozen=True)
class TableCounts:
    """Row counts of the ingest tables."""

    outlets: int
    feeds: int
    fetches: int
    entries: int
    articles: int


class IngestStore(Database):
    """Runs, outlets, feeds, fetches, entries and articles."""

    # -- runs ---------------------------------------------------------------------------------

    def start_run(self, run_id: str, flow: str, params: dict[str, Any]) -> None:
        """Record that a run began, and which process runs it; close out dead runs first."""
        self._abandon_dead_runs()
        self._con.execute(
            """INSERT INTO runs (run_id, flow, started_at, status, params, host, pid)
               VALUES (?, ?, ?, 'running', ?, ?, ?)""",
            [
                run_id,
                flow,
                datetime.now(UTC),
                json.dumps(params, default=str),
                socket.gethostname(),
                os.getpid(),
            ],
        )

    def _abandon_dead_runs(self) -> None:
        """Mark `abandoned` the runs still `running` whose process on this host is gone.

        A process killed with SIGKILL, or by the machine going down, never records how its run
        ended. Runs on other hosts, and runs from before the owner was recorded, are left alone:
        only this host can tell whether its processes are alive."""
        rows = self._con.execute(
            """SELECT run_id, pid FROM runs
               WHERE status = 'running' AND host = ? AND pid IS NOT NULL""",
            [socket.gethostname()],
        ).fetchall()
        dead = [(run_id, pid) for run_id, pid in rows if not _alive(pid)]
        for run_id, pid in dead:
            self._con.execute(
                """UPDATE runs SET status = 'abandoned', finished_at = ?, message = ?
                   WHERE run_id = ? AND status = 'running'""",
                [
                    datetime.now(UTC),
                    f"its process ({pid}) ended without recording how the run went",
                    run_id,
                ],
            )

    def finish_run(
        self, run_id: str, status: str, summary: dict[str, Any], message: str = ""
    ) -> None:
        """Record how a run ended and what it did."""
        self._con.execute(
            """UPDATE runs SET finished_at = ?, status = ?, summary = ?, message = ?
               WHERE run_id = ?""",
            [datetime.now(UTC), status, json.dumps(summary, default=str), message or None, run_id],
        )

    # -- outlets and feeds --------------------------------------------------------------------

    def upsert_outlets(self, outlets: Sequence[Outlet]) -> None:
        """Add or update outlets and register their feeds; unchanged rows are left alone."""
        now = datetime.now(UTC)
        outlet_rows = [
            {
                "name": o.name,
                "domain": o.domain,
                "country": o.country,
                "language": o.language,
                "kind": o.kind,
                "extra": json.dumps(o.extra, sort_keys=True, default=str) if o.extra else None,
            }
            for o in outlets
        ]
        feed_rows = [{"url": url, "outlet": o.name} for o in outlets for url in o.feeds]
        outlet_schema = pa.schema(
            [(n, pa.string()) for n in ("name", "domain", "country", "language", "kind", "extra")]
        )
        with self._transaction() as con:
            con.register("outlet_batch", _table(outlet_rows, outlet_schema))
            con.execute(
                """
                INSERT INTO outlets
                SELECT name, domain, country, language, kind, extra::JSON, $now, $now
                FROM outlet_batch
                ON CONFLICT (name) DO UPDATE SET
                    domain = excluded.domain, country = excluded.country,
                    language = excluded.language, kind = excluded.kind, extra = excluded.extra,
                    updated_at = excluded.updated_at
                WHERE (outlets.domain, outlets.country, outlets.language, outlets.kind,
                       outlets.extra::VARCHAR)
                      IS DISTINCT FROM
                      (excluded.domain, excluded.country, excluded.language, excluded.kind,
                       excluded.extra::VARCHAR)
                """,
                {"now": now},
            )
            con.unregister("outlet_batch")
            con.register(
                "feed_batch",
                _table(feed_rows, pa.schema([("url", pa.string()), ("outlet", pa.string())])),
            )
            con.execute(
                """
                INSERT INTO feeds (url, outlet, added_at, next_due_at)
                SELECT url, outlet, $now, $now FROM feed_batch
                ON CONFLICT (url) DO UPDATE SET outlet = excluded.outlet
                WHERE feeds.outlet IS DISTINCT FROM excluded.outlet
                """,
                {"now": now},
            )
            con.unregister("feed_batch")

    def feed_states(self, urls: Iterable[str]) -> list[FeedState]:
        """The remembered state of the given feeds, in the order given."""
        wanted = list(urls)
        rows = self._con.execute(
            """SELECT url, outlet, etag, last_modified, content_hash, consecutive_failures,
                      next_due_at
               FROM feeds WHERE url IN (SELECT unnest($urls))""",
            {"urls": wanted},
        ).fetchall()
        by_url = {row[0]: FeedState(*row) for row in rows}
        return [by_url[u] for u in wanted if u in by_url]

    def record_feed_polls(self, polls: Sequence[FeedPoll], run_id: str) -> int:
        """Store polled feeds: a fetch row each, new feed state, and their entries.

        A `deferred` poll (the run's time ran out first) is a fetch row only: the feed's state,
        failure count and due time stay as they were. Returns the number of entries not seen
        before.
        """
        if not polls:
            return 0
        fetch_rows = [
            _fetch_row(
                "feed", p.feed_url, p.outlet, p.fetch, run_id, p.status, str(p.reason), p.detail
            )
            for p in polls
        ]
        state_rows = [
            {
                "url": p.feed_url,
                "title": p.parse.title if p.parse else None,
                "version": p.parse.version if p.parse else None,
                "etag": p.fetch.etag,
                "last_modified": p.fetch.last_modified,
                "content_hash": p.fetch.content_hash if p.parse else None,
                "fetched_at": p.fetch.fetched_at,
                "success": p.status in (FetchStatus.OK, FetchStatus.NOT_MODIFIED),
                "status": str(p.status),
                "reason": str(p.reason),
                "failures": p.consecutive_failures,
                "next_due_at": p.next_due_at,
            }
            for p in polls
            if p.status is not FetchStatus.DEFERRED
        ]
        entry_rows = [
            self._entry_row(entry, p.outlet, p.fetch.fetched_at, run_id)
            for p in polls
            if p.parse is not None
            for entry in p.parse.entries
        ]
        with self._transaction() as con:
            self._insert_fetches(con, fetch_rows)
            con.register("state_batch", _table(state_rows, FEED_STATE_SCHEMA))
            # A 304 or an unchanged body keeps the validators and hash we already have.
            con.execute(
                """
                UPDATE feeds SET
                    title = coalesce(s.title, feeds.title),
                    version = coalesce(s.version, feeds.version),
                    etag = CASE WHEN s.content_hash IS NOT NULL THEN s.etag
                                ELSE coalesce(s.etag, feeds.etag) END,
                    last_modified = CASE WHEN s.content_hash IS NOT NULL THEN s.last_modified
                                         ELSE coalesce(s.last_modified, feeds.last_modified) END,
                    content_hash = coalesce(s.content_hash, feeds.content_hash),
                    last_fetched_at = s.fetched_at,
                    last_success_at = CASE WHEN s.success THEN s.fetched_at
                                           ELSE feeds.last_success_at END,
                    last_status = s.status, last_reason = s.reason,
                    consecutive_failures = s.failures, next_due_at = s.next_due_at
                FROM state_batch s WHERE feeds.url = s.url
                """
            )
            con.unregister("state_batch")
            new = self._upsert_entries(con, entry_rows)
        return new

    @staticmethod
    def _entry_row(
        entry: FeedEntry,
        outlet: str,
        seen_at: datetime,
        run_id: str,
        source: EntrySource = EntrySource.FEED,
        archive_url: str | None = None,
    ) -> dict[str, Any]:
        """An entries row; an archived entry is seen when its capture was made."""
        return {
            "source": str(source),
            "captured_at": seen_at if source is EntrySource.ARCHIVED_FEED else None,
            "archive_url": archive_url,
            "feed_url": entry.feed_url,
            "url": entry.url,
            "link": entry.link,
            "outlet": outlet,
            "guid": entry.guid,
            "title": entry.title,
            "summary": entry.summary,
            "author": entry.author,
            "position": entry.position,
            "published_at": entry.published_at,
            "updated_at": entry.updated_at,
            "seen_at": seen_at,
            "run_id": run_id,
        }

    @staticmethod
    def _insert_fetches(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        con.register("fetch_batch", _table(rows, FETCH_SCHEMA))
        con.execute(
            f"INSERT INTO fetches ({', '.join(FETCH_SCHEMA.names)}) "  # noqa: S608 - fixed names
            f"SELECT {', '.join(FETCH_SCHEMA.names)} FROM fetch_batch"
        )
        con.unregister("fetch_batch")

    @staticmethod
    def _upsert_entries(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> int:
        if not rows:
            return 0
        unique = {(r["feed_url"], r["url"]): r for r in rows}
        con.register("entry_batch", _table(list(unique.values()), ENTRY_SCHEMA))
        before = con.execute("SELECT count(*) FROM entries").fetchall()[0][0]
        con.execute(
            """
            INSERT INTO entries (feed_url, url, link, outlet, guid, title, summary, author,
                                 position, published_at, updated_at, first_seen_at,
                                 last_seen_at, run_id, source, captured_at, archive_url)
            SELECT feed_url, url, link, outlet, guid, title, summary, author, position,
                   published_at, updated_at, seen_at, seen_at, run_id, source, captured_at,
                   archive_url
            FROM entry_batch
            ON CONFLICT (feed_url, url) DO UPDATE SET
                title = excluded.title, summary = excluded.summary, author = excluded.author,
                position = excluded.position, published_at = excluded.published_at,
                updated_at = excluded.updated_at,
                first_seen_at = least(entries.first_seen_at, excluded.first_seen_at),
                last_seen_at = greatest(entries.last_seen_at, excluded.last_seen_at)
            """
        )
        after = con.execute("SELECT count(*) FROM entries").fetchall()[0][0]
        con.unregister("entry_batch")
        return int(after) - int(before)

    # -- articles -----------------------------------------------------------------------------

    def pending_articles(
        self, max_attempts: int = 3, sources: Sequence[EntrySource] = (EntrySource.FEED,)
    ) -> list[PendingArticle]:
        """Article links seen in feeds but not stored, minus those that failed for good.

        A link is retried while its failures were temporary and fewer than max_attempts;
        soft and hard failures (404, no text, refused address) are not retried. A `deferred`
        row was no attempt: it neither counts nor ends the retries. Only links found in the
        given sources count (ingest fetches those of live feeds; a backfill, those it found
        in an archive or a sitemap), each with the earliest of its entries among them (one of
        an archived feed before any other), and the earliest time any of them was seen.
        """
        rows = self._con.execute(
            """
            WITH tries AS (
                SELECT url, arg_max(status, fetch_id) AS last_status, count(*) AS attempts
                FROM fetches WHERE kind = 'article' AND status <> 'deferred' GROUP BY url
            ),
            first_entry AS (
                -- An archived feed's entry first: its page is read from the capture nearest
                -- the story's date, as it was then, not as the site serves it now.
                SELECT url,
                       arg_min(feed_url, (source <> 'archived_feed', first_seen_at)) AS feed_url,
                       min(first_seen_at) AS first_seen_at
                FROM entries WHERE list_contains($sources, source) GROUP BY url
            )
            SELECT e.url, e.link, e.outlet, f.first_seen_at, e.feed_url, e.title, e.position,
                   e.guid, e.summary, e.author, e.published_at, e.updated_at, e.source,
                   e.captured_at
            FROM first_entry f
            JOIN entries e ON e.url = f.url AND e.feed_url = f.feed_url
            LEFT JOIN articles a ON a.url = f.url
            LEFT JOIN tries t ON t.url = f.url
            WHERE a.url IS NULL
              AND (t.url IS NULL OR (t.last_status = 'temporary' AND t.attempts < $max_attempts))
            ORDER BY f.first_seen_at, e.url
            """,
            {"max_attempts": max_attempts, "sources": [str(source) for source in sources]},
        ).fetchall()
        pending = []
        for (
            url,
            link,
            outlet,
            first_seen,
            feed_url,
            title,
            position,
            guid,
            summary,
            author,
            published,
            updated,
            source,
            captured_at,
        ) in rows:
            entry = FeedEntry(
                feed_url=feed_url,
                url=url,
                link=link,
                title=title or "",
                position=position or 0,
                guid=guid,
                summary=summary or "",
                author=author,
                published_at=published,
                updated_at=updated,
            )
            pending.append(
                PendingArticle(
                    url, link, outlet, first_seen, entry, EntrySource(source), captured_at
                )
            )
        return pending

    def record_article_fetches(self, fetches: Sequence[ArticleFetch], run_id: str) -> int:
        """Store fetched articles and a fetch row for each attempt; returns articles added."""
        if not fetches:
            return 0
        fetch_rows = [
            _fetch_row(
                "article",
                f.job.url,
                f.job.outlet,
                f.fetch,
                run_id,
                f.status,
                str(f.reason),
                f.detail,
            )
            for f in fetches
        ]
        article_rows = [
            {
                "url": a.url,
                "outlet": a.outlet,
                "title": a.title,
                "author": a.author,
                "published_at": a.published_at,
                "date_source": str(a.date_source),
                "language": a.language,
                "text": a.text,
                "word_count": a.word_count,
                "description": a.description,
                "sitename": a.sitename,
                "final_url": a.final_url,
                "canonical_url": a.canonical_url,
                "text_hash": a.text_hash,
                "html_hash": a.html_hash,
                "first_seen_at": f.job.first_seen_at,
                "fetched_at": f.fetch.fetched_at,
                "run_id": run_id,
                "detected_language": a.detected_language,
                "detection_confidence": a.detection_confidence,
                "source": str(a.source),
                "captured_at": a.captured_at,
                "archive_url": a.archive_url,
            }
            for f in fetches
            if (a := f.article) is not None
        ]
        unique = list({row["url"]: row for row in article_rows}.values())
        with self._transaction() as con:
            self._insert_fetches(con, fetch_rows)
            if unique:
                con.register("article_batch", _table(unique, ARTICLE_SCHEMA))
                con.execute(
                    f"INSERT INTO articles ({', '.join(ARTICLE_SCHEMA.names)}) "  # noqa: S608
                    f"SELECT {', '.join(ARTICLE_SCHEMA.names)} FROM article_batch "
                    "ON CONFLICT (url) DO NOTHING"
                )
                con.unregister("article_batch")
        return len(unique)

    # -- reads --------------------------------------------------------------------------------

    def counts(self) -> TableCounts:
        """Row counts of the ingest tables."""
        rows = self._con.execute(
            """SELECT (SELECT count(*) FROM outlets), (SELECT count(*) FROM feeds),
                      (SELECT count(*) FROM fetches), (SELECT count(*) FROM entries),
                      (SELECT count(*) FROM articles)"""
        ).fetchall()
        return TableCounts(*map(int, rows[0]))

    def failures_by_reason(self, run_id: str) -> dict[str, dict[str, int]]:
        """Per kind (feed, article), the count of failed fetches of a run by reason.

        Deferred fetches are not failures: they were never attempted."""
        rows = self._con.execute(
            """SELECT kind, reason, count(*) FROM fetches
               WHERE run_id = ? AND status NOT IN ('ok', 'not_modified', 'deferred')
               GROUP BY ALL ORDER BY kind, count(*) DESC, reason""",
            [run_id],
        ).fetchall()
        out: dict[str, dict[str, int]] = {}
        for kind, reason, count in rows:
            out.setdefault(kind, {})[reason] = int(count)
        return out


def _alive(pid: int) -> bool:
    """Whether a process with this id exists on this host (signal 0 checks, sends nothing)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True
