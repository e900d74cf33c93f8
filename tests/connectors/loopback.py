"""Raw TCP listeners on loopback that count connections and misbehave on cue; a shared server.

tests/servers.py speaks HTTP; these do not have to: a listener that accepts and says nothing,
one that sends half a reply and stalls, one that only counts who came. Each handler runs in its
own thread and is released when the listener closes, so no test waits on a stalled socket.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from parallax.connectors.http import HttpClient, HttpConfig
from parallax.connectors.netguard import AddressPolicy, Resolver
from tests.servers import TestServer

Answer = Callable[[socket.socket, threading.Event], None]
"""Handles one accepted connection; the event is set when the listener closes."""


def reset(server: TestServer) -> TestServer:
    """Forget a shared TestServer's routes and counts, so one serves a whole test module.

    Starting and stopping a server per test adds up over a few hundred tests.
    """
    server._server.routes.clear()
    server.hits.clear()
    server.headers_seen.clear()
    return server


_OPEN: list[HttpClient] = []


def tracked(client: HttpClient) -> HttpClient:
    """Register a client to be closed when the test ends (tests/connectors/conftest.py): a
    client left open holds pooled sockets that the garbage collector reports as unraisable."""
    _OPEN.append(client)
    return client


def close_tracked() -> None:
    """Close every client registered by `tracked` so far."""
    while _OPEN:
        _OPEN.pop().close()


def loopback_client(
    *,
    resolver: Resolver | None = None,
    address_policy: AddressPolicy | None = None,
    **overrides: Any,
) -> HttpClient:
    """A client for loopback test servers: private addresses allowed, no politeness delay, no
    retries, timeouts of about a second (so faults end quickly); overrides change any of it."""
    config = {
        "allow_private_network": True,
        "backoff_s": 0.01,
        "per_host_delay_s": 0.0,
        "connect_timeout_s": 1.0,
        "read_timeout_s": 1.0,
        "total_timeout_s": 3.0,
        "retries": 0,
        **overrides,
    }
    return tracked(
        HttpClient(HttpConfig(**config), resolver=resolver, address_policy=address_policy)
    )


def read_request(conn: socket.socket) -> bytes:
    """Read a request up to the end of its headers (enough for a GET)."""
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def silent(conn: socket.socket, closing: threading.Event) -> None:
    """Accept, read nothing, send nothing, until the listener closes."""
    closing.wait(10)


def replies(raw: bytes, *, stall: bool = False) -> Answer:
    """Read the request, send `raw` as is, then hang up (or stall until the listener closes)."""

    def answer(conn: socket.socket, closing: threading.Event) -> None:
        read_request(conn)
        conn.sendall(raw)
        if stall:
            closing.wait(10)

    return answer


class Listener:
    """A TCP listener on a loopback address; counts connections, answers each with `answer`."""

    def __init__(self, answer: Answer = silent, host: str = "127.0.0.1") -> None:
        self.host = host
        self.connections = 0
        self._answer = answer
        self._closing = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((host, 0))
        self._sock.listen(16)
        # A short accept timeout lets close() stop the loop at once.
        self._sock.settimeout(0.05)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._sock.getsockname()[1])

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def _serve(self) -> None:
        while not self._closing.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        # The client often hangs up first: that is what many of these tests provoke.
        with conn, contextlib.suppress(OSError):
            self._answer(conn, self._closing)

    def close(self) -> None:
        self._closing.set()
        self._thread.join(2)
        self._sock.close()

    def __enter__(self) -> Listener:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
