"""The `ingest` flow: feeds to stored article text. Tasks fetch and parse; the flow writes.

load sources ─▶ Store.upsert_outlets ─▶ poll-feed (one task per due feed, concurrent)
  ─▶ Store.record_feed_polls ─▶ Store.pending_articles
  ─▶ fetch-articles (one task per batch, concurrent; per-host limits in the HTTP client;
     the text extracted in a pool of processes beside them, connectors/extraction_pool.py)
  ─▶ Store.record_article_fetches as each batch completes ─▶ verdict, summary, runs row

Past [ingest] max_run_s no fetch is begun: feeds and pages still waiting are recorded as
`deferred` (flows/budget.py) and the run completes with what it has.
"""

from __future__ import annotations

import math
import os
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import zip_longest
from pathlib import Path
from typing import Any, TypeVar

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.runtime import flow_run
from prefect.states import Failed
from prefect.task_runners import ThreadPoolTaskRunner

from parallax.connectors.articles import download_article, fetch_article
from parallax.connectors.extraction_pool import ExtractionPool
from parallax.connectors.feeds import poll_feed
from parallax.connectors.http import HttpClient, HttpConfig
from parallax.connectors.records import (
    ArticleFetch,
    FeedPoll,
    FeedState,
    FetchStatus,
    Outlet,
    PendingArticle,
)
from parallax.connectors.urls import host_of
from parallax.flows import progress
from parallax.flows.budget import RunBudget
from parallax.flows.errors import UserInputError
from parallax.flows.runners import as_finished, in_flight, task_runner
from parallax.flows.settings import Settings, load_settings
from parallax.flows.sources import load_sources
from parallax.storage import Store
from parallax.storage.errors import StorageError

# One HTTP client per process and configuration, so per-host limits hold across task threads
# (and each Dask worker builds its own instead of receiving a pickled one).
T = TypeVar("T")

_clients: dict[str, HttpClient] = {}
# Task threads ask at once when a run starts: unlocked, two could each build a client, and the
# one overwritten would never be closed (its connections left to the garbage collector).
_clients_lock = threading.Lock()


def http_client(config: HttpConfig) -> HttpClient:
    """The process's shared client for this configuration."""
    key = repr(config)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = HttpClient(config)
        return client


def close_http_clients() -> None:
    """Close every shared client (end of a run)."""
    with _clients_lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()


# The run's extraction processes, in the flow's process only: tasks on Dask workers find none
# and extract in the worker, which is a process of its own already.
_pool: ExtractionPool | None = None


def start_extraction_pool(settings: Settings, pages: int) -> ExtractionPool | None:
    """Start the run's pool when it pays: threads runner, enough pages, more than one process."""
    global _pool  # one pool per process, as with the HTTP clients
    processes = settings.ingest.extract_processes or os.cpu_count() or 1
    if (
        processes > 1
        and pages >= settings.ingest.extract_pool_min_pages
        and not settings.run.on_dask
    ):
        _pool = ExtractionPool(processes)
    return _pool


def close_extraction_pool() -> None:
    global _pool
    pool, _pool = _pool, None
    if pool is not None:
        pool.close()


@task(name="poll-feed", cache_policy=NO_CACHE, task_run_name="poll-feed {state.url}")
def poll_feed_task(state: FeedState, settings: Settings, budget: RunBudget) -> FeedPoll:
    """Fetch and parse one feed, or defer it when the run's time budget is spent."""
    if budget.spent():
        return budget.defer_feed(state)
    return poll_feed(
        http_client(settings.http),
        state,
        max_entries=settings.ingest.max_entries_per_feed,
        backoff_step=settings.ingest.backoff_step,
        backoff_cap=settings.ingest.backoff_cap,
    )


@task(name="fetch-articles", cache_policy=NO_CACHE)
def fetch_articles_task(
    jobs: list[PendingArticle], settings: Settings, budget: RunBudget
) -> list[ArticleFetch]:
    """Download and extract a batch of articles; those not begun in the budget are deferred."""
    client = http_client(settings.http)
    pool = _pool
    # Asked before each page, so a batch begun in time still stops where the budget ends.
    if pool is None:
        return [
            budget.defer_article(job) if budget.spent() else fetch_article(client, job)
            for job in jobs
        ]
    # Each page goes to the pool as it arrives, so extraction runs while the next downloads.
    queued = [
        budget.defer_article(job)
        if budget.spent()
        else pool.submit(download_article(client, job), job)
        for job in jobs
    ]
    return [q if isinstance(q, ArticleFetch) else pool.collect(q) for q in queued]


class IngestFailed(Exception):
    """The run ended Failed (too many feeds failed); carries the run's summary."""

    def __init__(self, summary: IngestSummary) -> None:
        super().__init__(summary.message)
        self.summary = summary


@dataclass
class IngestSummary:
    """What an ingest run did, for the CLI, the runs table and tests."""

    run_id: str
    status: str = "completed"
    message: str = ""
    outlets: int = 0
    feeds: int = 0
    feeds_polled: int = 0
    feeds_not_due: int = 0
    feeds_deferred: int = 0
    feed_status: dict[str, int] = field(default_factory=dict)
    entries_seen: int = 0
    entries_new: int = 0
    entries_skipped: dict[str, int] = field(default_factory=dict)
    articles_pending: int = 0
    articles_stored: int = 0
    articles_deferred: int = 0
    extract_processes: int = 1  # processes that extracted text (1: the flow's own threads)
    article_status: dict[str, int] = field(default_factory=dict)
    failures: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def interleave_hosts(jobs: list[PendingArticle]) -> list[PendingArticle]:
    """Order jobs round-robin by host, so concurrent batches spread over sites."""
    by_host: dict[str, list[PendingArticle]] = {}
    for job in jobs:
        by_host.setdefault(host_of(job.link), []).append(job)
    rounds = zip_longest(*by_host.values())
    return [job for round_ in rounds for job in round_ if job is not None]


def batches(jobs: list[T], size: int) -> list[list[T]]:
    """Split jobs into batches of at most `size`."""
    return [jobs[i : i + size] for i in range(0, len(jobs), size)]


MAX_ARTICLE_BATCH = 500


def article_batch_size(pages: int, settings: Settings) -> int:
    """[ingest] article_batch_size, or more for a large run: about four batches per worker
    balance the workers, and fewer tasks spend less on Prefect's ~80 ms each."""
    even = math.ceil(pages / (settings.ingest.workers * 4))
    return max(settings.ingest.article_batch_size, min(even, MAX_ARTICLE_BATCH))


def _feed_verdict(summary: IngestSummary, polls: list[FeedPoll], max_share: float) -> None:
    failed = [p for p in polls if p.status not in (FetchStatus.OK, FetchStatus.NOT_MODIFIED)]
    if polls and len(failed) / len(polls) > max_share:
        # Most frequent first, ties by name: the message must not depend on completion order.
        counted = Counter(str(p.reason) for p in failed)
        reasons = sorted(counted.items(), key=lambda item: (-item[1], item[0]))[:3]
        listed = ", ".join(f"{reason} {count}" for reason, count in reasons)
        summary.status = "failed"
        summary.message = (
            f"{len(failed)} of {len(polls)} feeds failed ({listed}); "
            f"more than the allowed share of {max_share:.0%}"
        )


def run_ingest(sources: Path, settings: Settings, *, run_id: str) -> IngestSummary:
    """The body of the ingest flow (call it inside a flow: it submits tasks)."""
    budget = RunBudget.starting_now(settings.ingest.max_run_s)  # waiting for the file counts
    outlets = load_sources(sources)
    summary = IngestSummary(run_id=run_id, outlets=len(outlets))
    try:
        with Store(settings.storage.db, lock_timeout_s=settings.storage.lock_timeout_s) as store:
            store.start_run(run_id, "ingest", {"sources": str(sources), "db": settings.storage.db})
            try:
                _ingest(store, outlets, settings, budget, summary)
            except BaseException as err:
                # Interrupted or broken: the runs table still says how this run ended.
                summary.status, summary.message = "crashed", f"{type(err).__name__}: {err}"[:500]
                store.finish_run(run_id, summary.status, summary.as_dict(), summary.message)
                raise
            store.finish_run(run_id, summary.status, summary.as_dict(), summary.message)
    finally:
        close_extraction_pool()
        close_http_clients()
    return summary


def _ingest(
    store: Store,
    outlets: list[Outlet],
    settings: Settings,
    budget: RunBudget,
    summary: IngestSummary,
) -> None:
    """Poll the due feeds, then fetch the pending articles, writing as results arrive."""
    logger = get_run_logger()
    began = time.perf_counter()
    run_id = summary.run_id
    timings: defaultdict[str, float] = defaultdict(float)
    store.upsert_outlets(outlets)
    states = store.feed_states(url for outlet in outlets for url in outlet.feeds)
    now = datetime.now(UTC)
    due = [s for s in states if s.next_due_at is None or s.next_due_at <= now]
    summary.feeds = len(states)
    summary.feeds_not_due = len(states) - len(due)

    stage = time.perf_counter()
    progress.begin("feeds", len(due))
    results = []
    for poll_future in as_completed([poll_feed_task.submit(s, settings, budget) for s in due]):
        results.append(poll_future.result())
        progress.advance("feeds")
    timings["feeds"] = time.perf_counter() - stage
    stage = time.perf_counter()
    summary.entries_new = store.record_feed_polls(results, run_id)
    timings["store"] += time.perf_counter() - stage
    polls = [p for p in results if p.status is not FetchStatus.DEFERRED]
    summary.feeds_polled, summary.feeds_deferred = len(polls), len(results) - len(polls)
    timings["download"] += sum(p.fetch.elapsed_s - p.fetch.waited_s for p in polls)
    summary.feed_status = dict(Counter(str(p.status) for p in polls))
    summary.entries_seen = sum(len(p.parse.entries) for p in polls if p.parse)
    skipped: Counter[str] = Counter()
    for poll in polls:
        if poll.parse:
            skipped.update(poll.parse.skipped)
    summary.entries_skipped = dict(skipped)
    logger.info("feeds: %s polled, %s new entries", len(polls), summary.entries_new)

    pending = interleave_hosts(store.pending_articles(settings.ingest.max_article_attempts))
    summary.articles_pending = len(pending)
    stage = time.perf_counter()
    progress.begin("articles", len(pending))
    article_status: Counter[str] = Counter()
    done: Iterable[list[ArticleFetch]]
    if budget.spent():
        # Not one page would be begun: defer the lot without a task per batch.
        done = [[budget.defer_article(job) for job in pending]] if pending else []
    else:
        pool = start_extraction_pool(settings, len(pending))
        summary.extract_processes = pool.processes if pool else 1
        size = article_batch_size(len(pending), settings)
        done = (
            fetched
            for _, fetched in as_finished(
                lambda batch: fetch_articles_task.submit(batch, settings, budget),
                batches(pending, size),
                in_flight(settings),
            )
        )
    for fetched in done:
        write = time.perf_counter()
        summary.articles_stored += store.record_article_fetches(fetched, run_id)
        timings["store"] += time.perf_counter() - write
        timings["download"] += sum(f.fetch.elapsed_s - f.fetch.waited_s for f in fetched)
        timings["extract"] += sum(f.extract_s for f in fetched)
        article_status.update(str(f.status) for f in fetched)
        progress.advance("articles", len(fetched))
    timings["articles"] = time.perf_counter() - stage
    summary.articles_deferred = article_status.pop(str(FetchStatus.DEFERRED), 0)
    summary.article_status = dict(article_status)
    logger.info("articles: %s pending, %s stored", len(pending), summary.articles_stored)
    if summary.feeds_deferred or summary.articles_deferred:
        logger.warning(
            "[ingest] max_run_s (%g s) passed: %s feeds and %s articles left for the next run",
            settings.ingest.max_run_s,
            summary.feeds_deferred,
            summary.articles_deferred,
        )

    _feed_verdict(summary, polls, settings.ingest.max_feed_failure_share)
    summary.failures = store.failures_by_reason(run_id)
    timings["total"] = time.perf_counter() - began
    summary.seconds = {k: round(v, 3) for k, v in timings.items()}


@flow(
    name="ingest",
    task_runner=ThreadPoolTaskRunner(max_workers=8),  # type: ignore[arg-type]
    validate_parameters=False,
)
def ingest(
    sources: str,
    db: str | None = None,
    config: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> IngestSummary:
    """Read every feed of a sources file and store new entries and article text in DuckDB."""
    settings = load_settings(config, {**(overrides or {}), **({"storage.db": db} if db else {})})
    run_id = str(flow_run.id or uuid.uuid4())
    try:
        summary = run_ingest(Path(sources), settings, run_id=run_id)
    except (StorageError, UserInputError) as err:
        # Expected trouble (a locked database, a bad file) ends the run Failed, not in a
        # traceback; the caller gets the exception itself.
        return Failed(message=str(err), data=err)  # type: ignore[return-value]
    if summary.status == "failed":
        # A Failed state, not a raised exception: the verdict is data, with no traceback to log.
        return Failed(message=summary.message, data=IngestFailed(summary))  # type: ignore[return-value]
    return summary


def ingest_sources(
    sources: str | Path,
    *,
    config: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> IngestSummary:
    """Run the ingest flow on [run]'s task runner ([ingest] workers threads by default); raise
    IngestFailed on a failed run."""
    settings = load_settings(config, overrides)
    flow_with_workers = ingest.with_options(task_runner=task_runner(settings))
    return flow_with_workers(sources=str(sources), config=config, overrides=dict(overrides or {}))
