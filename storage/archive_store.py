"""The Store's backfill side: what an archive listed and replayed, and what sitemaps listed.

A capture listed once is a row of archive_captures until it is fetched, so a backfill stopped
half-way resumes with the captures it had not fetched, and a listing of the same feed and
window is not asked for again. Entries found this way go into `entries` with their
provenance (migration 10); their pages are then fetched as pending articles
(IngestStore.pending_articles with the backfill's sources).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pyarrow as pa

from parallax.connectors.records import EntrySource, FeedEntry, FetchResult, FetchStatus
from parallax.connectors.sitemaps import SitemapListing
from parallax.connectors.urls import InvalidURL, normalize_url
from parallax.connectors.wayback import Capture, CaptureListing
from parallax.storage.connection import TS
from parallax.storage.connection import arrow_table as _table
from parallax.storage.ingest_store import IngestStore, _fetch_row

CAPTURE_SCHEMA = pa.schema(
    [
        ("archive", pa.string()),
        ("feed_url", pa.string()),
        ("timestamp", pa.string()),
        ("original", pa.string()),
        ("captured_at", TS),
        ("digest", pa.string()),
        ("run_id", pa.string()),
    ]
)


@dataclass(frozen=True)
class ArchivedFeed:
    """A replayed feed capture as stored: the fetch (without its body), how it went, and its
    entries dated in the window."""

    feed_url: str
    outlet: str
    capture: Capture
    fetch: FetchResult
    entries: Sequence[FeedEntry]
    status: FetchStatus
    reason: str
    detail: str = ""


class ArchiveStore(IngestStore):
    """Reads and writes of a backfill (the flow process only, like every write)."""

    def archive_listed(self, archive: str, feed_url: str, since: date, until: date) -> bool:
        """Whether this feed's captures in this window were listed by an earlier run."""
        rows = self._con.execute(
            "SELECT count(*) FROM archive_listings "
            "WHERE archive = ? AND feed_url = ? AND since = ? AND until = ?",
            [archive, feed_url, since, until],
        ).fetchall()
        return bool(rows[0][0])

    def record_archive_listing(
        self,
        archive: str,
        feed_url: str,
        outlet: str,
        since: date,
        until: date,
        listing: CaptureListing,
        run_id: str,
    ) -> int:
        """Store a CDX listing: a fetch row, and when it worked, the window as listed and each
        capture not known before. Returns the number of new captures."""
        fetch = _fetch_row(
            "archive_listing",
            feed_url,
            outlet,
            listing.result,
            run_id,
            listing.result.status,
            str(listing.result.reason),
            listing.result.detail,
        )
        rows = [
            {
                "archive": archive,
                "feed_url": feed_url,
                "timestamp": c.timestamp,
                "original": c.original,
                "captured_at": c.captured_at,
                "digest": c.digest,
                "run_id": run_id,
            }
            for c in listing.captures
        ]
        with self._transaction() as con:
            self._insert_fetches(con, [fetch])
            if listing.result.status is not FetchStatus.OK:
                return 0
            before = con.execute("SELECT count(*) FROM archive_captures").fetchall()[0][0]
            if rows:
                con.register("capture_batch", _table(rows, CAPTURE_SCHEMA))
                con.execute(
                    """
                    INSERT INTO archive_captures (archive, feed_url, timestamp, original,
                                                  captured_at, digest, status, run_id)
                    SELECT archive, feed_url, timestamp, original, captured_at, digest,
                           'listed', run_id
                    FROM capture_batch
                    ON CONFLICT DO NOTHING
                    """
                )
                con.unregister("capture_batch")
            con.execute(
                "INSERT INTO archive_listings VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                [
                    archive,
                    feed_url,
                    since,
                    until,
                    listing.result.fetched_at,
                    len(rows),
                    listing.truncated,
                    run_id,
                ],
            )
            after = con.execute("SELECT count(*) FROM archive_captures").fetchall()[0][0]
        return int(after) - int(before)

    def captures_to_fetch(
        self, archive: str, feed_url: str, since: date, until: date, max_attempts: int = 3
    ) -> tuple[list[Capture], int]:
        """The listed captures of the window not yet fetched (or failed for now, fewer than
        max_attempts times), oldest first; and how many of the window's are done already."""
        rows = self._con.execute(
            """
            SELECT timestamp, original, digest, status, attempts FROM archive_captures
            WHERE archive = ? AND feed_url = ?
              AND captured_at >= ? AND captured_at < ? + INTERVAL 1 DAY
            ORDER BY timestamp
            """,
            [archive, feed_url, since, until],
        ).fetchall()
        todo, done = [], 0
        for timestamp, original, digest, status, attempts in rows:
            if status == "listed" or (status == "temporary" and attempts < max_attempts):
                todo.append(Capture(timestamp, original, digest=digest or ""))
            else:
                done += 1
        return todo, done

    def record_archived_feeds(
        self, archive: str, replayed: Sequence[ArchivedFeed], run_id: str
    ) -> int:
        """Store replayed feed captures in one transaction: a fetch row each, each capture's
        outcome, and their entries, seen when their capture was made. Returns the entries not
        known before."""
        fetches = [
            _fetch_row(
                "archived_feed", r.feed_url, r.outlet, r.fetch, run_id, r.status, r.reason, r.detail
            )
            for r in replayed
        ]
        outcomes = [
            [
                str(r.status),
                r.reason,
                len(r.entries),
                r.fetch.fetched_at,
                run_id,
                archive,
                r.feed_url,
                r.capture.timestamp,
            ]
            for r in replayed
        ]
        entry_rows = [
            self._entry_row(
                entry,
                r.outlet,
                r.capture.captured_at,
                run_id,
                EntrySource.ARCHIVED_FEED,
                r.capture.replay_url(archive),
            )
            for r in replayed
            for entry in r.entries
        ]
        with self._transaction() as con:
            self._insert_fetches(con, fetches)
            if outcomes:
                con.executemany(
                    """
                    UPDATE archive_captures SET status = ?, reason = ?, entries = ?,
                           attempts = attempts + 1, fetched_at = ?, run_id = ?
                    WHERE archive = ? AND feed_url = ? AND timestamp = ?
                    """,
                    outcomes,
                )
            return self._upsert_entries(con, entry_rows)

    def record_sitemap_listing(self, outlet: str, listing: SitemapListing, run_id: str) -> int:
        """Store what an outlet's sitemaps listed in the window: a fetch row per sitemap file,
        and an entry per story (feed_url: the sitemap it was listed in), seen at its date.
        Returns the entries not known before."""
        fetches = [
            _fetch_row("sitemap", f.url, outlet, f, run_id, f.status, str(f.reason), f.detail)
            for f in listing.fetches
        ]
        now = datetime.now(UTC)
        entry_rows = []
        for position, found in enumerate(listing.urls):
            try:
                key = normalize_url(found.url)
            except InvalidURL:
                continue  # sitemaps.py keeps http(s) URLs only; a key it cannot make is skipped
            when = found.published_at or found.lastmod
            entry = FeedEntry(
                feed_url=found.sitemap,
                url=key,
                link=found.url,
                title=found.title or "",
                position=position,
                published_at=found.published_at,
                updated_at=found.lastmod,
            )
            entry_rows.append(
                self._entry_row(entry, outlet, when or now, run_id, EntrySource.SITEMAP)
            )
        with self._transaction() as con:
            self._insert_fetches(con, fetches)
            return self._upsert_entries(con, entry_rows)
