"""The offline demo web site: every outlet of config/demo/site served from one loopback port.

Feed and article URLs keep their .example hosts; the HTTP client reaches them through a host
map (host -> 127.0.0.1:port), so the request still carries the real Host header and path, and
the server picks the outlet's folder by that header. It answers conditional GETs (ETag and
Last-Modified) and compresses pages when asked, like a real news site behind a CDN.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import http.server
import json
import socket
import threading
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

from parallax.flows.resources import DEMO_SEED_NAME, bundled_seeds, demo_dir

DEMO_DIR = demo_dir()
DEMO_SITE = DEMO_DIR / "site"
DEMO_SOURCES = DEMO_DIR / "sources.toml"
DEMO_SEED = bundled_seeds()[DEMO_SEED_NAME]
DEMO_LABELS = DEMO_DIR / "labels.csv"
# The snapshot's own time, so Last-Modified does not change with the checkout's file times.
SNAPSHOT_TIME = email.utils.format_datetime(
    email.utils.parsedate_to_datetime("Sat, 18 Dec 2021 12:00:00 GMT"), usegmt=True
)

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


def resolve_path(root: Path, host: str, path: str) -> Path | None:
    """The file for a request: /a/b and /a/b/ mean a/b/index.html; /a/b.html is itself."""
    site = (root / host).resolve()
    if not host or not site.is_dir() or site.parent != root.resolve():
        return None
    relative = unquote(urlsplit(path).path).lstrip("/")
    candidate = (site / relative).resolve()
    if candidate != site and site not in candidate.parents:
        return None  # ../ out of the site
    if candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


def _content_type(path: Path) -> str:
    if path.suffix == ".xml":
        head = path.read_bytes()[:500]
        if b"<feed" in head:
            return _TYPES[".atom"]
        if b"<rss" in head:
            return _TYPES[".rss"]
    return _TYPES.get(path.suffix, "application/octet-stream")


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _SiteHTTPServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; with Nagle's algorithm on, keep-alive clients
        # then wait ~40 ms for a delayed ACK on every request.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:
        self.server.requests.append(f"{self.command} {self.headers.get('Host', '')}{self.path}")

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def _serve(self, *, send_body: bool) -> None:
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        file = resolve_path(self.server.root, host, self.path)
        if file is None:
            self._send(404, b"not found\n", "text/plain; charset=utf-8", send_body=send_body)
            return
        body = file.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        match = self.headers.get("If-None-Match")
        since = self.headers.get("If-Modified-Since")
        if (match and etag in [m.strip() for m in match.split(",")]) or (
            not match and since == SNAPSHOT_TIME
        ):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        extra = {"ETag": etag, "Last-Modified": SNAPSHOT_TIME}
        if "gzip" in (self.headers.get("Accept-Encoding") or "") and file.suffix == ".html":
            body = gzip.compress(body, mtime=0)
            extra["Content-Encoding"] = "gzip"
            extra["Vary"] = "Accept-Encoding"
        self._send(200, body, _content_type(file), send_body=send_body, extra=extra)

    def _send(
        self,
        code: int,
        body: bytes,
        content_type: str,
        *,
        send_body: bool,
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)


class _SiteHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.root = root
        self.requests: list[str] = []


class DemoSite:
    """A static multi-host site on a free loopback port, served from a thread."""

    def __init__(self, root: Path = DEMO_SITE) -> None:
        if not root.is_dir():
            raise FileNotFoundError(f"no demo site at {root}")
        self.root = root
        self._server = _SiteHTTPServer(root)
        # serve_forever checks for shutdown every poll_interval; 0.5 s (the default) would add
        # half a second to every stop.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="demo-site",
            daemon=True,
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def hosts(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir())

    @property
    def requests(self) -> list[str]:
        """Every request served so far, as 'GET host/path'."""
        return list(self._server.requests)

    def host_map(self) -> dict[str, str]:
        """host -> 127.0.0.1:port for every outlet of the site."""
        return {host: f"127.0.0.1:{self.port}" for host in self.hosts}

    def start(self) -> DemoSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> DemoSite:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def site_settings(host_map: dict[str, str]) -> str:
    """A Parallax settings file (TOML) that reaches a served demo site: its host map, loopback
    allowed, and no politeness delay (loopback serves instantly)."""
    # JSON strings are valid TOML basic strings: the quoting is exact for any host name.
    hosts = "".join(f"{json.dumps(h)} = {json.dumps(t)}\n" for h, t in sorted(host_map.items()))
    return (
        "# Written by `parallax demo --serve`: reach the demo site it serves on loopback.\n"
        "[http]\nallow_private_network = true\nper_host_delay_s = 0.0\n\n"
        f"[http.host_map]\n{hosts}"
    )
