"""Prefect's environment for a Parallax process, set before Prefect is first imported.

Prefect reads its settings from the environment at import, so the CLI calls `prepare` first and
imports flows afterwards. Values the user already set are kept.
"""

from __future__ import annotations

import os

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
