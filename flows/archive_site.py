"""A Wayback-compatible web archive on loopback: CDX listing and `id_` replay of stored captures.

It answers as the Internet Archive does where Parallax depends on it (archive-notes):

    GET {prefix}/cdx/search/cdx?url=…&from=…&to=…&output=json&filter=…&collapse=digest&limit=…
      -> a JSON array whose first row names the fields (`[]` when nothing matches); without
         output=json, one space-separated line per capture
    GET {prefix}/web/{timestamp}id_/{original}
      -> the captured bytes and Content-Type (and Content-Encoding, when stored encoded) with
         `Memento-Datetime`; a 302 to the nearest capture when `timestamp` is not one of the
         URL's captures; 404 for a URL never captured

Captures are held in memory (StoredCapture); URLs match by a simplified SURT key (`url_key`:
scheme, `www.`, case of the path and a trailing slash do not count). The demo's archive
(flows/demo_archive.py) and the Wayback client's tests both serve through it. Knobs for
exercising a client's manners: `rate_limit` answers 429 with Retry-After past N requests in an
interval (measured on an injectable clock), `prefix` serves everything below a path as archives
behind a proxy do, and `add_gzip_bomb` stores a capture that inflates far past any byte cap.
Every request path is recorded in `requests`, in order.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.server
import json
import math
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import lru_cache
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

CDX_HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
_REPLAY = re.compile(r"^/web/(\d{1,14})id_/(.+)$", re.DOTALL)
_TIMESTAMP = re.compile(r"\d{14}")
_BOUND = re.compile(r"\d{0,14}")
_FILTER_FIELDS = {"statuscode": "status", "mimetype": "mimetype"}


@dataclass(frozen=True)
class StoredCapture:
    """One capture as the archive holds it; `body` is sent as is (already encoded, if so).

    `timestamp` is the capture's UTC time as 14 digits (YYYYMMDDhhmmss).
    """

    original: str
    timestamp: str
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    content_encoding: str | None = None

    @property
    def digest(self) -> str:
        """SHA-1 of the body in base 32, as the Internet Archive writes it."""
        return base64.b32encode(hashlib.sha1(self.body).digest()).decode()  # noqa: S324

    @property
    def mimetype(self) -> str:
        """The content type without its parameters (`text/html`), as CDX lists it."""
        return self.content_type.split(";")[0].strip()

    @property
    def key(self) -> str:
        """The URL key the archive files this capture under (see `url_key`)."""
        return url_key(self.original)


CaptureSpec = StoredCapture | tuple[str, str, bytes, str, int]
"""A capture, or its first five fields (original, timestamp, body, content_type, status)."""


@lru_cache(maxsize=4)
def gzip_bomb(decompressed_size: int = 20_000_000) -> bytes:
    """A gzip body of a few kB that inflates to `decompressed_size` zero bytes."""
    return gzip.compress(b"\0" * decompressed_size, compresslevel=9)


def url_key(url: str) -> str:
    """A simplified SURT: captures of http/https, with or without www., are one URL."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/") or ""
    query = f"?{parts.query}" if parts.query else ""
    return f"{','.join(reversed(host.split('.')))}){path.lower()}{query}"


def _pad(stamp: str, digit: str) -> str:
    return (stamp + digit * 14)[:14]


def _seconds(stamp: str) -> float:
    """A timestamp of up to 14 digits as POSIX seconds; ValueError when it is no time."""
    padded = _pad(stamp, "0")
    # A partial timestamp pads to the start of its period (month and day 01, not 00).
    padded = padded[:4] + (padded[4:6] if padded[4:6] != "00" else "01") + padded[6:]
    padded = padded[:6] + (padded[6:8] if padded[6:8] != "00" else "01") + padded[8:]
    return datetime.strptime(padded, "%Y%m%d%H%M%S").replace(tzinfo=UTC).timestamp()


class _BadRequest(ValueError):
    """A query the archive cannot answer: 400, with this message as the body."""


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _ArchiveServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without TCP_NODELAY a keep-alive client
        # waits ~40 ms for a delayed ACK on every request.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: `WaybackArchive.requests` is the log."""

    def do_GET(self) -> None:
        archive = self.server.archive
        archive._record(self.path)
        retry_after = archive._over_limit()
        if retry_after is not None:
            self._send(429, b"Too Many Requests", {"Retry-After": str(retry_after)})
            return
        path = self.path
        if archive.prefix:
            if not path.startswith(f"{archive.prefix}/"):
                self._send(404, b"not found")
                return
            path = path[len(archive.prefix) :]
        parts = urlsplit(path)
        try:
            if parts.path == "/cdx/search/cdx":
                self._cdx(parse_qs(parts.query, keep_blank_values=True))
                return
            match = _REPLAY.match(path)
            if match:
                self._replay(match.group(1), match.group(2))
                return
        except _BadRequest as err:
            self._send(400, str(err).encode(), {"Content-Type": "text/plain; charset=utf-8"})
            return
        self._send(404, b"not found")

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _cdx(self, query: dict[str, list[str]]) -> None:
        archive = self.server.archive
        if "url" not in query:
            raise _BadRequest("url is required")
        bounds = query.get("from", [""])[0], query.get("to", [""])[0]
        if not all(_BOUND.fullmatch(bound) for bound in bounds):
            raise _BadRequest("from and to are timestamps of up to 14 digits")
        low, high = _pad(bounds[0], "0"), _pad(bounds[1], "9")
        rows = [c for c in archive.held(query["url"][0]) if low <= c.timestamp <= high]
        for rule in query.get("filter", []):
            negate, rule = rule.startswith("!"), rule.lstrip("!")
            name, _, pattern = rule.partition(":")
            if name not in _FILTER_FIELDS:
                raise _BadRequest(f"unsupported filter {name[:50]}")
            try:
                compiled = re.compile(pattern)
            except re.error as err:
                raise _BadRequest(f"bad filter pattern: {err}") from err
            field = _FILTER_FIELDS[name]
            rows = [
                capture
                for capture in rows
                if bool(compiled.fullmatch(str(getattr(capture, field)))) != negate
            ]
        if "digest" in query.get("collapse", []):
            # Adjacent only, as the archive does: A, A, B, A keeps A, B, A.
            rows = [c for i, c in enumerate(rows) if i == 0 or rows[i - 1].digest != c.digest]
        limit = query.get("limit", [""])[0]
        if limit:
            try:
                count = int(limit)
            except ValueError as err:
                raise _BadRequest("limit is a whole number") from err
            rows = rows[:count] if count >= 0 else rows[count:]
        if query.get("output", [""])[0] != "json":
            lines = [
                " ".join([c.key, c.timestamp, c.original, c.mimetype, str(c.status)]) for c in rows
            ]
            self._send(200, "\n".join(lines).encode(), {"Content-Type": "text/plain"})
            return
        table: list[list[str]] = []
        if rows:
            table = [CDX_HEADER] + [
                [
                    c.key,
                    c.timestamp,
                    c.original,
                    c.mimetype,
                    str(c.status),
                    c.digest,
                    str(len(c.body)),
                ]
                for c in rows
            ]
        self._send(200, json.dumps(table).encode(), {"Content-Type": "application/json"})

    def _replay(self, stamp: str, original: str) -> None:
        archive = self.server.archive
        # Some clients collapse the '//' after the scheme; the archive reads both forms.
        original = re.sub(r"^(https?):/+", r"\1://", original)
        held = archive.held(original)
        if not held:
            self._send(404, b"not in the archive", {"Content-Type": "text/html"})
            return
        exact = [capture for capture in held if capture.timestamp == stamp]
        if not exact:
            try:
                wanted = _seconds(stamp)
            except ValueError as err:
                raise _BadRequest(f"not a timestamp: {stamp}") from err
            near = min(held, key=lambda c: (abs(_seconds(c.timestamp) - wanted), c.timestamp))
            location = f"{archive.prefix}/web/{near.timestamp}id_/{near.original}"
            self._send(302, b"", {"Location": location})
            return
        capture = exact[-1]
        headers = {
            "Content-Type": capture.content_type,
            "Memento-Datetime": format_datetime(
                datetime.fromtimestamp(_seconds(capture.timestamp), UTC), usegmt=True
            ),
        }
        if capture.content_encoding:
            headers["Content-Encoding"] = capture.content_encoding
        self._send(capture.status, capture.body, headers)


class _ArchiveServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, archive: WaybackArchive) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.archive = archive


class WaybackArchive:
    """A Wayback-compatible archive on 127.0.0.1 (a free port), serving from a thread until
    closed; it starts serving when constructed.

    `rate_limit=(N, interval_s)`: past N requests answered within interval_s, answer 429 with
    a Retry-After of the seconds until the oldest leaves the window (`(0, s)`: always 429,
    Retry-After s). `clock` measures that interval (pass a fake clock to let time pass at
    will). `prefix` serves everything under a path (`/wayback`), as archives behind a proxy
    do. Captures can be added while it serves; it is safe to use from several threads.
    """

    def __init__(
        self,
        captures: Iterable[CaptureSpec] = (),
        *,
        rate_limit: tuple[int, float] | None = None,
        clock: Callable[[], float] = time.monotonic,
        prefix: str = "",
    ) -> None:
        self._lock = threading.Lock()
        self.captures: list[StoredCapture] = []
        self._by_key: dict[str, list[StoredCapture]] = {}
        for capture in captures:
            self.add(capture)
        self.rate_limit = rate_limit
        self.prefix = prefix.rstrip("/")
        self.requests: list[str] = []
        self._clock = clock
        self._served_at: list[float] = []
        self._server = _ArchiveServer(self)
        # serve_forever checks for shutdown every poll_interval: keep close() quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="wayback-archive",
            daemon=True,
        )
        self._thread.start()

    def add(self, capture: CaptureSpec) -> StoredCapture:
        """Store one capture (a StoredCapture or its first five fields); returns it stored."""
        stored = capture if isinstance(capture, StoredCapture) else StoredCapture(*capture)
        if not _TIMESTAMP.fullmatch(stored.timestamp):
            raise ValueError(f"a capture's timestamp has 14 digits: {stored.timestamp!r}")
        _seconds(stored.timestamp)  # ValueError for 14 digits that are no time (20211399…)
        with self._lock:
            self.captures.append(stored)
            self._by_key.setdefault(stored.key, []).append(stored)
        return stored

    def add_gzip_bomb(
        self, original: str, timestamp: str, decompressed_size: int = 20_000_000
    ) -> StoredCapture:
        """A capture whose body is small gzip that inflates to `decompressed_size` bytes."""
        return self.add(
            StoredCapture(
                original,
                timestamp,
                gzip_bomb(decompressed_size),
                content_encoding="gzip",
            )
        )

    def held(self, url: str) -> list[StoredCapture]:
        """The captures of `url` (by its URL key), oldest first; later additions last on a tie."""
        with self._lock:
            found = list(self._by_key.get(url_key(url), ()))
        return sorted(found, key=lambda capture: capture.timestamp)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """The archive's root as served on loopback (with the prefix, no trailing slash)."""
        return f"http://127.0.0.1:{self.port}{self.prefix}"

    def _record(self, path: str) -> None:
        with self._lock:
            self.requests.append(path)

    def _over_limit(self) -> int | None:
        """Retry-After seconds when this request is over the limit, else None (and count it)."""
        if self.rate_limit is None:
            return None
        most, interval = self.rate_limit
        with self._lock:
            now = self._clock()
            self._served_at = [t for t in self._served_at if now - t < interval]
            if len(self._served_at) >= most:
                oldest = self._served_at[0] if self._served_at else now
                return max(1, math.ceil(oldest + interval - now))
            self._served_at.append(now)
            return None

    def close(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> WaybackArchive:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
