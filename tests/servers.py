"""A scriptable HTTP server on loopback for tests: routes are functions of the request."""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Reply:
    """What a route answers: status, headers and body (or a raw writer for broken replies)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    raw: Callable[[http.server.BaseHTTPRequestHandler], None] | None = None


Route = Callable[[http.server.BaseHTTPRequestHandler], Reply]


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; with Nagle's algorithm on, keep-alive clients
        # then wait ~40 ms for a delayed ACK on every request.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.hits.append(self.path)
        self.server.headers_seen.append(dict(self.headers))
        route = self.server.routes.get(self.path.split("?")[0])
        reply = route(self) if route else Reply(404, b"not found")
        if reply.raw is not None:
            # A broken reply often meets a client that has already hung up.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                reply.raw(self)
            self.close_connection = True
            return
        self.send_response(reply.status)
        headers = {"Content-Length": str(len(reply.body)), **reply.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, Route] = {}
        self.hits: list[str] = []
        self.headers_seen: list[dict[str, str]] = []


class TestServer:
    """Routes by path; counts hits; serves from a thread until closed."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self) -> None:
        self._server = _Server()
        # serve_forever checks for shutdown every poll_interval; 0.5 s (the default) would add
        # half a second to every stop.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, route: Route | Reply) -> None:
        self._server.routes[path] = route if callable(route) else (lambda _h, r=route: r)

    @property
    def hits(self) -> list[str]:
        return self._server.hits

    @property
    def headers_seen(self) -> list[dict[str, str]]:
        return self._server.headers_seen

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def serving() -> Iterator[TestServer]:
    server = TestServer()
    try:
        yield server
    finally:
        server.close()
