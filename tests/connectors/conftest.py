"""Fixtures for the connector tests: one loopback HTTP server per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.connectors.loopback import close_tracked, reset
from tests.servers import TestServer, serving


@pytest.fixture(scope="module")
def shared_server() -> Iterator[TestServer]:
    with serving() as running:
        yield running


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    """Close the HTTP clients a test made through the helpers, however it ended."""
    yield
    close_tracked()


@pytest.fixture
def server(shared_server: TestServer) -> TestServer:
    """The module's server, with no routes or counts left from the test before."""
    return reset(shared_server)
