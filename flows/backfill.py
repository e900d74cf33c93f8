"""The `backfill` flow: a past window's stories from a web archive and the outlets' sitemaps.

load sources ─▶ Store.upsert_outlets
  wayback:  per feed, one CDX listing of the window (paced, stored: never asked twice)
            ─▶ replay-capture (one task per capture not fetched before; paced, concurrent)
            ─▶ Store.record_archived_feed as each completes (entries dated in the window)
  sitemaps: list-sitemaps (one task per outlet) ─▶ Store.record_sitemap_listing
  ─▶ Store.pending_articles of those sources
  ─▶ fetch-past-articles (one task per batch: archived links from the capture nearest the
     story's date, sitemap links live) ─▶ Store.record_article_fetches as each completes

Everything is recorded as it arrives, so a backfill stopped half-way resumes where it stopped:
listings and captures already fetched are not fetched again, and stored articles are no
longer pending. The archive gets its own client: no retries of its own (WaybackClient repeats a
request once after a 429, after the pause the archive asked for) and no per-host delay (the
[archive] rates pace it).
"""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.runtime import flow_run
from prefect.states import Failed
from prefect.task_runners import ThreadPoolTaskRunner

from parallax.connectors.archived_articles import fetch_past_article
from parallax.connectors.feeds import NotAFeed, parse_feed
from parallax.connectors.http import HttpConfig
from parallax.connectors.records import (
    ArticleFetch,
    EntrySource,
    FeedEntry,
    FetchStatus,
    Outlet,
    PendingArticle,
    Reason,
)
from parallax.connectors.sitemaps import SitemapListing, discover, list_window
from parallax.connectors.wayback import ArchivedFetch, Capture, WaybackClient
from parallax.flows import progress
from parallax.flows.errors import UserInputError
from parallax.flows.ingest import batches, close_http_clients, http_client, interleave_hosts
from parallax.flows.runners import as_finished, in_flight
from parallax.flows.settings import Settings, load_settings
from parallax.flows.sources import load_sources
from parallax.storage import Store
from parallax.storage.archive_store import ArchivedFeed
from parallax.storage.errors import StorageError


class Origin(StrEnum):
    """Where a backfill looks (`--from`)."""

    WAYBACK = "wayback"
    SITEMAPS = "sitemaps"
    ALL = "all"

    @property
    def wayback(self) -> bool:
        return self in (Origin.WAYBACK, Origin.ALL)

    @property
    def sitemaps(self) -> bool:
        return self in (Origin.SITEMAPS, Origin.ALL)


@dataclass
class BackfillSummary:
    """What a backfill did, for the CLI, the runs table and tests."""

    run_id: str
    since: str = ""
    until: str = ""
    origin: str = str(Origin.ALL)
    archive: str = ""
    status: str = "completed"
    message: str = ""
    outlets: int = 0
    feeds: int = 0
    listings_asked: int = 0  # CDX queries sent
    listings_reused: int = 0  # windows listed by an earlier run
    listings_failed: int = 0
    captures_listed: int = 0  # new captures found by this run's listings
    captures_fetched: int = 0
    captures_skipped: int = 0  # fetched by an earlier run, or the same bytes as one fetched
    capture_status: dict[str, int] = field(default_factory=dict)
    sitemap_files: int = 0
    sitemap_urls: int = 0
    sitemaps_refused: int = 0
    entries_new: int = 0
    entries_outside_window: int = 0
    articles_pending: int = 0
    articles_stored: int = 0
    article_status: dict[str, int] = field(default_factory=dict)
    failures: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class BackfillFailed(Exception):
    """The archive refused the run (every listing failed); carries the run's summary."""

    def __init__(self, summary: BackfillSummary) -> None:
        super().__init__(summary.message)
        self.summary = summary


@dataclass(frozen=True)
class Replayed:
    """One feed capture replayed and parsed: what the flow stores."""

    feed_url: str
    outlet: str
    capture: Capture
    fetched: ArchivedFetch
    entries: list[FeedEntry]
    outside: int = 0
    status: FetchStatus | None = None
    reason: str | None = None
    detail: str = ""


# One archive client per process and archive, shared by the tasks' threads: its pacing holds
# only within one client.
_archives: dict[str, WaybackClient] = {}
_archives_lock = threading.Lock()


def archive_client(settings: Settings) -> WaybackClient:
    """The process's client for the configured archive."""
    config = dataclasses.replace(settings.http, retries=0, per_host_delay_s=0.0)
    key = repr((settings.archive, config))
    with _archives_lock:
        if key not in _archives:
            _archives[key] = _new_archive_client(settings, config)
        return _archives[key]


def _new_archive_client(settings: Settings, config: HttpConfig) -> WaybackClient:
    return WaybackClient(
        settings.archive.wayback_url,
        http_client(config),
        cdx_per_minute=settings.archive.cdx_per_minute,
        replay_per_minute=settings.archive.replay_per_minute,
        max_captures=settings.archive.max_captures_per_feed,
        max_wait_s=settings.archive.max_wait_s,
    )


def in_window(when: datetime | None, since: date, until: date) -> bool:
    """Whether a time falls on one of the window's days (UTC)."""
    return when is not None and since <= when.astimezone(UTC).date() <= until


@task(name="replay-captures", cache_policy=NO_CACHE)
def replay_captures_task(
    batch: list[tuple[str, str, Capture]], settings: Settings, since: date, until: date
) -> list[Replayed]:
    """Replay a batch of feed captures, (outlet, feed URL, capture) each. Batched because a
    Prefect task costs more than a loopback replay, and the archive's pacing takes requests
    one at a time in any case."""
    return [
        replay_capture(feed_url, outlet, capture, settings, since, until)
        for outlet, feed_url, capture in batch
    ]


def replay_capture(
    feed_url: str, outlet: str, capture: Capture, settings: Settings, since: date, until: date
) -> Replayed:
    """Replay one capture of a feed and keep its entries dated in the window (an undated one
    counts when the capture itself was made in the window)."""
    fetched = archive_client(settings).replay(capture)
    result = fetched.result
    if not result.ok:
        return Replayed(feed_url, outlet, capture, fetched, [])
    try:
        parsed = parse_feed(
            result.body,
            feed_url,
            content_type=result.content_type,
            max_entries=settings.ingest.max_entries_per_feed,
        )
    except NotAFeed as err:
        return Replayed(
            feed_url,
            outlet,
            capture,
            fetched,
            [],
            status=FetchStatus.SOFT,
            reason=str(Reason.NOT_A_FEED),
            detail=str(err)[:500],
        )
    kept = [
        entry
        for entry in parsed.entries
        if in_window(entry.published_at or entry.updated_at or capture.captured_at, since, until)
    ]
    return Replayed(feed_url, outlet, capture, fetched, kept, len(parsed.entries) - len(kept))


@task(name="list-sitemaps", cache_policy=NO_CACHE, task_run_name="sitemaps {outlet.name}")
def list_sitemaps_task(
    outlet: Outlet, settings: Settings, since: date, until: date
) -> SitemapListing:
    """The stories an outlet's sitemaps list in the window."""
    client = http_client(settings.http)
    roots = list(outlet.sitemaps) or discover(outlet.site, client)
    return list_window(
        roots,
        client,
        since,
        until,
        sections=outlet.sitemap_sections,
        max_files=settings.archive.sitemap_max_files,
        max_depth=settings.archive.sitemap_max_depth,
    )


@task(name="fetch-past-articles", cache_policy=NO_CACHE)
def fetch_past_articles_task(jobs: list[PendingArticle], settings: Settings) -> list[ArticleFetch]:
    """A batch of backfilled stories' pages, from the archive or live (archived_articles.py)."""
    archive = archive_client(settings)
    client = http_client(settings.http)
    return [
        fetch_past_article(archive, client, job, live_fallback=settings.archive.live_fallback)
        for job in jobs
    ]


def run_backfill(
    sources: Path,
    settings: Settings,
    since: date,
    until: date,
    origin: Origin,
    *,
    run_id: str,
) -> BackfillSummary:
    """The body of the backfill flow (call it inside a flow: it submits tasks)."""
    if since > until:
        raise UserInputError("--since must not be after --until")
    outlets = load_sources(sources)
    summary = BackfillSummary(
        run_id,
        since=since.isoformat(),
        until=until.isoformat(),
        origin=str(origin),
        archive=settings.archive.wayback_url if origin.wayback else "",
        outlets=len(outlets),
        feeds=sum(len(outlet.feeds) for outlet in outlets),
    )
    params = {
        "sources": str(sources),
        "db": settings.storage.db,
        "since": summary.since,
        "until": summary.until,
        "from": str(origin),
    }
    try:
        with Store(settings.storage.db, lock_timeout_s=settings.storage.lock_timeout_s) as store:
            store.start_run(run_id, "backfill", params)
            try:
                _backfill(store, outlets, settings, since, until, origin, summary)
            except BaseException as err:
                summary.status, summary.message = "crashed", f"{type(err).__name__}: {err}"[:500]
                store.finish_run(run_id, summary.status, summary.as_dict(), summary.message)
                raise
            store.finish_run(run_id, summary.status, summary.as_dict(), summary.message)
    finally:
        _archives.clear()
        close_http_clients()
    return summary


def _backfill(
    store: Store,
    outlets: Sequence[Outlet],
    settings: Settings,
    since: date,
    until: date,
    origin: Origin,
    summary: BackfillSummary,
) -> None:
    logger = get_run_logger()
    began = time.perf_counter()
    timings: defaultdict[str, float] = defaultdict(float)
    store.upsert_outlets(outlets)
    if origin.wayback:
        stage = time.perf_counter()
        _archived_feeds(store, outlets, settings, since, until, summary)
        timings["archive"] = time.perf_counter() - stage
        logger.info(
            "archive: %s captures fetched, %s skipped, %s new entries",
            summary.captures_fetched,
            summary.captures_skipped,
            summary.entries_new,
        )
    if origin.sitemaps:
        stage = time.perf_counter()
        _sitemaps(store, outlets, settings, since, until, summary)
        timings["sitemaps"] = time.perf_counter() - stage
    stage = time.perf_counter()
    _past_articles(store, settings, origin, summary)
    timings["articles"] = time.perf_counter() - stage
    summary.failures = store.failures_by_reason(summary.run_id)
    if (
        origin.wayback
        and summary.listings_asked
        and (summary.listings_failed == summary.listings_asked)
    ):
        summary.status = "failed"
        summary.message = (
            f"the archive at {settings.archive.wayback_url} answered none of "
            f"{summary.listings_asked} capture listings ({_top_reasons(summary.failures)})"
        )
    timings["total"] = time.perf_counter() - began
    summary.seconds = {k: round(v, 3) for k, v in timings.items()}


def _top_reasons(failures: Mapping[str, Mapping[str, int]]) -> str:
    counted = Counter(failures.get("archive_listing", {}))
    return ", ".join(f"{reason} {n}" for reason, n in counted.most_common(3)) or "no reason"


def _archived_feeds(
    store: Store,
    outlets: Sequence[Outlet],
    settings: Settings,
    since: date,
    until: date,
    summary: BackfillSummary,
) -> None:
    """List each feed's captures (once per window), then replay those not fetched before."""
    archive = archive_client(settings)
    base = archive.base_url
    # A capture made a few days after the window still lists the window's last stories.
    listed_until = until + timedelta(days=settings.archive.feed_lag_days)
    feeds = [(outlet.name, url) for outlet in outlets for url in outlet.feeds]
    progress.begin("listings", len(feeds))
    todo: list[tuple[str, str, Capture]] = []
    for outlet, feed_url in feeds:
        if store.archive_listed(base, feed_url, since, listed_until):
            summary.listings_reused += 1
        else:
            listing = archive.captures(feed_url, since, listed_until)
            summary.listings_asked += 1
            if not listing.result.ok:
                summary.listings_failed += 1
            summary.captures_listed += store.record_archive_listing(
                base, feed_url, outlet, since, listed_until, listing, summary.run_id
            )
        captures, done = store.captures_to_fetch(
            base, feed_url, since, listed_until, settings.ingest.max_article_attempts
        )
        summary.captures_skipped += done
        # Captures with the bytes of one already fetched (or about to be) add nothing.
        seen: set[str] = set()
        for capture in captures:
            if capture.digest and capture.digest in seen:
                continue
            seen.add(capture.digest)
            todo.append((outlet, feed_url, capture))
        progress.advance("listings")
    progress.begin("captures", len(todo))
    status: Counter[str] = Counter()
    replays = as_finished(
        lambda batch: replay_captures_task.submit(batch, settings, since, until),
        batches(todo, settings.ingest.article_batch_size),
        in_flight(settings),
    )
    for _, replayed in replays:
        summary.entries_new += store.record_archived_feeds(
            base,
            [
                ArchivedFeed(
                    r.feed_url,
                    r.outlet,
                    r.capture,
                    dataclasses.replace(r.fetched.result, body=b""),
                    r.entries,
                    r.status or r.fetched.result.status,
                    r.reason or str(r.fetched.result.reason),
                    r.detail or r.fetched.result.detail,
                )
                for r in replayed
            ],
            summary.run_id,
        )
        summary.entries_outside_window += sum(r.outside for r in replayed)
        status.update(str(r.status or r.fetched.result.status) for r in replayed)
        progress.advance("captures", len(replayed))
    summary.captures_fetched = sum(status.values())
    summary.capture_status = dict(status)


def _sitemaps(
    store: Store,
    outlets: Sequence[Outlet],
    settings: Settings,
    since: date,
    until: date,
    summary: BackfillSummary,
) -> None:
    """Each outlet's sitemaps, read concurrently, stored as they arrive."""
    progress.begin("sitemaps", len(outlets))
    futures = {
        list_sitemaps_task.submit(outlet, settings, since, until): outlet for outlet in outlets
    }
    for future in as_completed(list(futures)):
        listing: SitemapListing = future.result()
        outlet = futures[future]
        summary.sitemap_files += len(listing.fetches)
        summary.sitemap_urls += len(listing.urls)
        summary.sitemaps_refused += len(listing.refused)
        summary.entries_new += store.record_sitemap_listing(outlet.name, listing, summary.run_id)
        progress.advance("sitemaps")


def _past_articles(
    store: Store, settings: Settings, origin: Origin, summary: BackfillSummary
) -> None:
    """The pages of the stories the archive and the sitemaps listed, stored as they arrive."""
    sources = [EntrySource.ARCHIVED_FEED] if origin.wayback else []
    sources += [EntrySource.SITEMAP] if origin.sitemaps else []
    pending = interleave_hosts(
        store.pending_articles(settings.ingest.max_article_attempts, sources)
    )
    summary.articles_pending = len(pending)
    progress.begin("articles", len(pending))
    status: Counter[str] = Counter()
    fetches = as_finished(
        lambda batch: fetch_past_articles_task.submit(batch, settings),
        batches(pending, settings.ingest.article_batch_size),
        in_flight(settings),
    )
    for _, fetched in fetches:
        summary.articles_stored += store.record_article_fetches(fetched, summary.run_id)
        status.update(str(f.status) for f in fetched)
        progress.advance("articles", len(fetched))
    summary.article_status = dict(status)


@flow(
    name="backfill",
    task_runner=ThreadPoolTaskRunner(max_workers=8),  # type: ignore[arg-type]
    validate_parameters=False,
)
def backfill(
    sources: str,
    since: str,
    until: str,
    origin: str = str(Origin.ALL),
    db: str | None = None,
    config: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> BackfillSummary:
    """Gather a past window's stories of a sources file from a web archive and sitemaps."""
    settings = load_settings(config, {**(overrides or {}), **({"storage.db": db} if db else {})})
    run_id = str(flow_run.id or uuid.uuid4())
    try:
        summary = run_backfill(
            Path(sources),
            settings,
            date.fromisoformat(since),
            date.fromisoformat(until),
            Origin(origin),
            run_id=run_id,
        )
    except (StorageError, UserInputError) as err:
        return Failed(message=str(err), data=err)  # type: ignore[return-value]
    if summary.status == "failed":
        return Failed(message=summary.message, data=BackfillFailed(summary))  # type: ignore[return-value]
    return summary


def backfill_sources(
    sources: str | Path,
    since: date,
    until: date,
    origin: Origin = Origin.ALL,
    *,
    config: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> BackfillSummary:
    """Run the backfill flow with [ingest] workers threads; raise BackfillFailed when the
    archive answered none of the listings."""
    settings = load_settings(config, overrides)
    runner: ThreadPoolTaskRunner[Any] = ThreadPoolTaskRunner(max_workers=settings.ingest.workers)
    flow_with_workers = backfill.with_options(task_runner=runner)  # type: ignore[arg-type]
    summary: BackfillSummary = flow_with_workers(
        sources=str(sources),
        since=since.isoformat(),
        until=until.isoformat(),
        origin=str(origin),
        config=config,
        overrides=dict(overrides or {}),
    )
    return summary
