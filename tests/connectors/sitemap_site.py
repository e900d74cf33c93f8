"""A loopback site for sitemap tests: fixed files by path, and a record of what was asked.

    with SitemapSite({"/sitemap.xml": (body, "application/xml", {})}) as site:
        site.url("/sitemap.xml")   # http://127.0.0.1:<port>/sitemap.xml
        site.host_map("news.example")  # reach it as http://news.example/...
        site.requested             # ["/sitemap.xml", ...] in the order asked

A path missing from the dict answers 404; `site.files` can be changed while it serves.
"""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Mapping
from types import TracebackType

File = tuple[bytes, str, Mapping[str, str]]
"""What a path serves: the body, its Content-Type and any extra headers."""


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Without this, keep-alive requests wait ~40 ms for a delayed ACK each.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.requested.append(self.path)
            found = self.server.files.get(self.path.split("?")[0])
        body, content_type, extra = found or (b"not found", "text/plain", {})
        status = int(extra.get("X-Status", "200")) if found else 404
        self.send_response(status)
        headers = {"Content-Type": content_type, "Content-Length": str(len(body)), **extra}
        headers.pop("X-Status", None)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, files: dict[str, File]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files = files
        self.requested: list[str] = []
        self.lock = threading.Lock()


class SitemapSite:
    """Serves `files` (path -> (body, content type, extra headers)) on 127.0.0.1 until closed.

    An extra header `X-Status` sets the reply's status code instead of being sent (a 500 with a
    body, say).
    """

    def __init__(self, files: Mapping[str, File] | None = None) -> None:
        self._server = _Server(dict(files or {}))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def files(self) -> dict[str, File]:
        return self._server.files

    @property
    def requested(self) -> list[str]:
        with self._server.lock:
            return list(self._server.requested)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def host_map(self, *hosts: str) -> dict[str, str]:
        """An http.host_map that sends each named host here."""
        return {host: f"127.0.0.1:{self.port}" for host in hosts}

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SitemapSite:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
