"""Where a run's tasks execute: threads of the flow's process, or a Dask cluster ([run]).

On Dask, feed polls, page downloads and extraction, and embedding batches run on the cluster's
workers; each worker builds its own HTTP client and loads the model once. The flow's process
still does every DuckDB write: tasks return records, and the stages that read and write the
database (cluster, compare, report) run in the flow itself rather than as tasks.
"""

from __future__ import annotations

from typing import Any

from prefect.task_runners import ThreadPoolTaskRunner

from parallax.flows.settings import Settings


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
