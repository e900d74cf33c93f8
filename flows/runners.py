"""Where a run's tasks execute: threads of the flow's process, or a Dask cluster ([run]).

On Dask, feed polls, page downloads and extraction, and embedding batches run on the cluster's
workers; each worker builds its own HTTP client and loads the model once. The flow's process
still does every DuckDB write: tasks return records, and the stages that read and write the
database (cluster, compare, report) run in the flow itself rather than as tasks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from queue import SimpleQueue
from typing import Any, TypeVar

from prefect.futures import PrefectFuture
from prefect.task_runners import ThreadPoolTaskRunner

from parallax.flows.settings import Settings

T = TypeVar("T")
R = TypeVar("R")

# Tasks in flight per [ingest] worker: two keep every worker busy while the flow writes what
# one returned, and bound what the flow holds to that many tasks' results.
IN_FLIGHT_PER_WORKER = 2


def as_finished(
    submit: Callable[[T], PrefectFuture[R]], items: Iterable[T], limit: int
) -> Iterator[tuple[T, R]]:
    """Each item with its task's result, in the order the tasks finish, with at most `limit`
    tasks running at once (and the finished one being handed over); a result is let go once
    taken. (Prefect's as_completed keeps every future it was given, and each future its result,
    until the last finishes: over a run's 100,000 pages, every page's text at once.)"""
    waiting = iter(items)
    running: dict[PrefectFuture[R], T] = {}
    # Each future says it finished once, from its worker, in the order they finish: a batch
    # that finished before one that crashed is handed over (and written) first.
    finished: SimpleQueue[PrefectFuture[R]] = SimpleQueue()

    def top_up() -> None:
        for item in islice(waiting, max(1, limit) - len(running)):
            future = submit(item)
            running[future] = item
            future.add_done_callback(finished.put)

    top_up()
    while running:
        future = finished.get()
        item = running.pop(future)
        result = future.result()
        del future
        top_up()  # before the caller writes the result, so the workers stay busy
        yield item, result


def in_flight(settings: Settings) -> int:
    """How many batch tasks a flow keeps submitted at once."""
    return IN_FLIGHT_PER_WORKER * settings.ingest.workers


def task_runner(settings: Settings) -> Any:
    """A fresh task runner for one flow run, as [run] says."""
    if not settings.run.on_dask:
        return ThreadPoolTaskRunner(max_workers=settings.ingest.workers)
    from prefect_dask.task_runners import DaskTaskRunner  # only for Dask: it loads distributed

    if settings.run.dask_address:
        return DaskTaskRunner(address=settings.run.dask_address)
    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={
            "n_workers": settings.run.dask_workers,
            "threads_per_worker": max(1, settings.ingest.workers // settings.run.dask_workers),
            "processes": True,
            # Loopback only, and no dashboard: a local cluster serves no one but this run.
            "host": "127.0.0.1",
            "dashboard_address": None,
        },
    )
