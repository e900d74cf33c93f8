"""Prefect's environment for a Parallax process, set before Prefect is first imported.

Prefect reads its settings from the environment at import, so the CLI calls `prepare` first and
imports flows afterwards. Values the user already set are kept.
"""

from __future__ import annotations

import os
import sys

LOOP_STOP_TIMEOUT_S = 5.0  # a loop still busy then is left to die with the process

QUIET_DEFAULTS = {
    # No telemetry: nothing in a plain run reaches beyond this machine.
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # The temporary server needs 11-25 s to start on a busy 2-core machine; 20 s is too tight.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    # Nobody browses a temporary server's UI; skip building it.
    "PREFECT_SERVER_UI_ENABLED": "false",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    "PREFECT_LOGGING_EXTRA_LOGGERS": "connectors,storage,flows",
}


def prepare(*, verbose: bool = False) -> None:
    """Set Prefect's environment: quiet unless verbose, offline, patient at start-up."""
    for name, value in QUIET_DEFAULTS.items():
        os.environ.setdefault(name, value)
    # Quiet means quiet: Prefect logs a failed flow at ERROR with a traceback, and the CLI
    # already reports every failure in one line of its own.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "CRITICAL")
    if verbose:
        os.environ["PREFECT_LOGGING_LEVEL"] = "INFO"


def stop_prefect_loops() -> None:
    """Stop the event-loop threads Prefect leaves running, so a process can end cleanly.

    Prefect runs its global and run_sync event loops on daemon threads that are still alive at
    interpreter teardown, and what they reference (the flow, its modules, DuckDB's type
    objects) then outlives DuckDB's bindings, which print dozens of "nanobind: leaked
    instance" lines. Every process that had run a flow did so, a served run's under `parallax
    serve` included. Registered when `flows` is imported, so it runs after the exit handlers
    Prefect registers while it runs, which may still use the loops.

    Not every case is covered: now and then Prefect's run-heartbeat thread is cut off mid-run
    as the process exits, its frames hold the same references, and the process prints the
    lines all the same. The CLI's own process ends without teardown (flows.cli.console_main);
    a served run's process is Prefect's, and ends as Prefect ends it.
    """
    threads = sys.modules.get("prefect._internal.concurrency.threads")
    for name in ("_run_sync_loop", "_global_loop"):
        loop = getattr(threads, name, None)
        if loop is not None and loop.thread.is_alive():
            loop.shutdown()
            loop.thread.join(timeout=LOOP_STOP_TIMEOUT_S)
