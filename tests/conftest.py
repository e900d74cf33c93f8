"""Session-wide guards and shared fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flows import runtime
from tests import netguard

# Prefect reads its environment at import: make it offline and quiet before any test imports it.
runtime.prepare()
netguard.install()

DATA = Path(__file__).parent / "data"


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
