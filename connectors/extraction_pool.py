"""Article extraction in worker processes, beside the threads that download.

trafilatura and lxml hold the GIL while they work, so extraction in task threads runs on one
core however many threads there are (measured: 8 threads extract slower than one loop). A pool
of processes extracts on every core while the flow's threads keep downloading, and a page that
crashes the parser takes down a worker, not the run.

The processes are spawned, not forked: the flow's process runs threads (Prefect's, the HTTP
client's), and a fork would copy their locks in whatever state they were in.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace

from parallax.connectors.articles import article_from
from parallax.connectors.records import (
    ArticleFetch,
    FetchResult,
    FetchStatus,
    PendingArticle,
    Reason,
)

Extract = Callable[[FetchResult, PendingArticle], ArticleFetch]


@dataclass(frozen=True)
class Queued:
    """A page handed to the pool: what to collect, and which executor holds it."""

    result: FetchResult
    job: PendingArticle
    future: Future[ArticleFetch]
    executor: ProcessPoolExecutor


def _ready() -> None:
    """Import the extractor when a worker starts, not on its first page."""
    import parallax.connectors.articles  # noqa: F401


class ExtractionPool:
    """`processes` spawned workers running `extract` (article_from) on fetched pages."""

    def __init__(self, processes: int, extract: Extract = article_from) -> None:
        if processes < 1:
            raise ValueError("an extraction pool needs at least one process")
        self.processes = processes
        self._extract = extract
        self._lock = threading.Lock()
        self._executor = self._start()
        self.restarts = 0

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_ready,
        )

    def submit(self, result: FetchResult, job: PendingArticle) -> Queued:
        """Queue one fetched page; a failed download is settled here, with no process trip."""
        with self._lock:
            executor = self._executor
        if not result.ok:
            done: Future[ArticleFetch] = Future()
            done.set_result(article_from(result, job))
            return Queued(result, job, done, executor)
        try:
            return Queued(result, job, executor.submit(self._extract, result, job), executor)
        except BrokenProcessPool:
            executor = self._restarted(executor)
            return Queued(result, job, executor.submit(self._extract, result, job), executor)

    def collect(self, queued: Queued) -> ArticleFetch:
        """The page's ArticleFetch. A worker that died (a parser crash, the OOM killer) breaks
        every page in flight with it: each is tried once more in a fresh pool, and one that
        breaks that too is recorded as a temporary parse error, so that the next runs try it
        again ([ingest] max_article_attempts in all) rather than lose it."""
        result, job = queued.result, queued.job
        try:
            return queued.future.result()
        except BrokenProcessPool:
            pass
        fresh = self._restarted(queued.executor)
        try:
            return fresh.submit(self._extract, result, job).result()
        except BrokenProcessPool:
            self._restarted(fresh)
            return ArticleFetch(
                job,
                FetchStatus.TEMPORARY,
                Reason.PARSE_ERROR,
                replace(result, body=b""),
                None,
                detail="the extraction process died on this page",
            )

    def _restarted(self, broken: ProcessPoolExecutor) -> ProcessPoolExecutor:
        """A working executor in place of `broken` (once, however many threads ask)."""
        with self._lock:
            if self._executor is broken:
                broken.shutdown(wait=False, cancel_futures=True)
                self._executor = self._start()
                self.restarts += 1
            return self._executor

    def close(self) -> None:
        with self._lock:
            self._executor.shutdown(wait=True, cancel_futures=True)
