"""Session-wide guards and shared fixtures."""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from parallax.flows import runtime
from tests import netguard

# Prefect reads its environment at import: make it offline and quiet before any test imports it.
runtime.prepare()
netguard.install()

DATA = Path(__file__).parent / "data"
_exit_status: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _exit_status.append(int(exitstatus))


def _exit_without_teardown() -> None:
    """End the process once every other exit handler has run, keeping pytest's status.

    After a Prefect flow has used DuckDB, interpreter teardown makes DuckDB's bindings print
    dozens of spurious "nanobind: leaked instance" lines below pytest's summary.
    """
    if _exit_status:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status[-1])


# Registered first, so it runs last (exit handlers run in reverse order).
atexit.register(_exit_without_teardown)


@pytest.fixture(autouse=True)
def _no_network_beyond_loopback() -> Iterator[None]:
    """Fail any test that tried to reach an address outside 127.0.0.0/8 and ::1."""
    netguard.take_violations()
    yield
    refused = netguard.take_violations()
    if refused:
        pytest.fail("the test tried to leave loopback: " + "; ".join(refused[:5]), pytrace=False)


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One temporary Prefect server for all flow tests (it costs ~20 s to start)."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with (
        prefect_test_harness(server_startup_timeout=120),
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A DuckDB file path in a fresh directory."""
    return tmp_path / "parallax.duckdb"
