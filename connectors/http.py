"""The one HTTP client for feeds and pages: deadlines, caps, redirects, retries, politeness.

Every remote failure comes back as a `FetchResult` with a status and a reason from a fixed
vocabulary; nothing here raises for a bad server. Configuration errors raise ValueError.

    HttpClient.fetch(url)
      -> checks the scheme           (http/https only)
      -> asks robots.txt             (article pages only: fetch(..., check_robots=True))
      -> waits for the host's slot   (per-host concurrency and minimum delay)
      -> GuardedBackend.connect_tcp  (resolve, refuse blocked addresses, connect)
      -> follows redirects by hand   (each hop checked again, loops and long chains stopped)
      -> reads raw bytes, decodes    (BoundedDecoder: cap on decoded bytes)
      -> retries temporary failures  (bounded, exponential backoff, Retry-After honoured;
                                      never after a deadline spent while bytes were arriving)
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib.metadata import version
from types import TracebackType
from urllib.parse import urljoin

import httpcore
import httpx

from parallax.connectors.decoding import BoundedDecoder, DecodeError, TooLarge, Truncated
from parallax.connectors.netguard import (
    AddressPolicy,
    BlockedAddressError,
    ByteCount,
    DeadlineExceeded,
    DNSError,
    GuardedBackend,
    Resolver,
    request_bytes,
    request_deadline,
)
from parallax.connectors.records import FetchResult, FetchStatus, Reason
from parallax.connectors.robots import ROBOTS_MAX_BYTES, RobotsCache
from parallax.connectors.urls import InvalidURL, check_url, host_of

# A placeholder: operators set their own page or mailto: in config ([http] contact).
DEFAULT_CONTACT = "https://parallax.example/bot"
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
ACCEPT_ENCODING = "gzip, deflate, br"


def default_user_agent(contact: str = DEFAULT_CONTACT) -> str:
    """A User-Agent that names the project and where to reach whoever runs it."""
    return f"Parallax/{version('parallax')} (+{contact})"


@dataclass(frozen=True)
class HttpConfig:
    """How Parallax talks to the web; every default is also in config/parallax.toml."""

    connect_timeout_s: float = 10.0
    read_timeout_s: float = 20.0
    total_timeout_s: float = 60.0  # one attempt, all redirect hops included
    max_bytes: int = 10_000_000  # after decompression
    max_redirects: int = 5
    retries: int = 2  # extra attempts after a temporary failure
    backoff_s: float = 1.0  # first retry delay; doubles each time, with jitter
    max_retry_after_s: float = 120.0  # a longer Retry-After ends the fetch as rate_limited
    per_host_concurrency: int = 2
    per_host_delay_s: float = 0.5  # minimum gap between request starts to one host
    user_agent: str = ""  # empty: "Parallax/<version> (+<contact>)"
    contact: str = DEFAULT_CONTACT  # a page or mailto: where site owners can reach the operator
    allow_private_network: bool = False
    host_map: Mapping[str, str] = field(default_factory=dict)
    respect_robots: bool = True  # article pages a site's robots.txt disallows are not fetched

    def __post_init__(self) -> None:
        for name in ("connect_timeout_s", "read_timeout_s", "total_timeout_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"http.{name} must be positive")
        if self.max_bytes <= 0 or self.per_host_concurrency <= 0:
            raise ValueError("http.max_bytes and http.per_host_concurrency must be positive")
        if self.retries < 0 or self.max_redirects < 0 or self.per_host_delay_s < 0:
            raise ValueError("http.retries, http.max_redirects and delays cannot be negative")


def classify_status(code: int) -> tuple[FetchStatus, Reason]:
    """Map an HTTP status code to Parallax's status and reason."""
    if 200 <= code < 300:
        return FetchStatus.OK, Reason.OK
    if code == 304:
        return FetchStatus.NOT_MODIFIED, Reason.NOT_MODIFIED
    if code == 404:
        return FetchStatus.SOFT, Reason.NOT_FOUND
    if code == 410:
        return FetchStatus.SOFT, Reason.GONE
    if code == 429:
        return FetchStatus.TEMPORARY, Reason.RATE_LIMITED
    if code in (401, 403, 451):
        return FetchStatus.HARD, Reason.FORBIDDEN
    if 400 <= code < 500:
        return FetchStatus.HARD, Reason.CLIENT_ERROR
    if 500 <= code < 600:
        return FetchStatus.TEMPORARY, Reason.SERVER_ERROR
    return FetchStatus.HARD, Reason.UNEXPECTED_STATUS


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class HostLimiter:
    """Per-host politeness shared by every thread: a concurrency cap and a minimum gap."""

    def __init__(self, concurrency: int, delay_s: float) -> None:
        self._concurrency = concurrency
        self._delay_s = delay_s
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._next_start: dict[str, float] = {}

    @contextmanager
    def slot(self, host: str) -> Iterator[float]:
        """Hold one of the host's slots; yields the seconds spent waiting for it."""
        began = time.monotonic()
        with self._lock:
            semaphore = self._slots.setdefault(host, threading.BoundedSemaphore(self._concurrency))
        semaphore.acquire()
        try:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next_start.get(host, now))
                self._next_start[host] = start + self._delay_s
            if start > now:
                time.sleep(start - now)
            yield time.monotonic() - began
        finally:
            semaphore.release()


@dataclass(frozen=True)
class _Request:
    """What one fetch asks for, the same on every attempt and redirect hop."""

    headers: dict[str, str]
    max_bytes: int
    clip: bool = False  # keep the first max_bytes of a longer body instead of refusing it
    check_robots: bool = False


class HttpClient:
    """Fetches URLs under one HttpConfig; thread-safe, one per run.

    `resolver` and `address_policy` replace name resolution and the address check (tests).
    """

    def __init__(
        self,
        config: HttpConfig | None = None,
        *,
        resolver: Resolver | None = None,
        address_policy: AddressPolicy | None = None,
    ):
        self.config = config or HttpConfig()
        self._limiter = HostLimiter(self.config.per_host_concurrency, self.config.per_host_delay_s)
        # One cache per client, so per run: robots.txt is read once per site, not per page.
        self._robots = RobotsCache(self._fetch_robots_txt)
        backend = GuardedBackend(
            allow_private=self.config.allow_private_network,
            resolver=resolver,
            host_map=self.config.host_map,
            policy=address_policy,
        )
        transport = httpx.HTTPTransport(trust_env=False)
        # httpx 0.28 takes no network backend, so the pool is rebuilt around the guarded one.
        transport._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=backend,
        )
        self._client = httpx.Client(
            transport=transport,
            # trust_env=False: a proxy from the environment would bypass the address checks.
            trust_env=False,
            follow_redirects=False,
            headers={
                "User-Agent": self.config.user_agent or default_user_agent(self.config.contact),
                "Accept-Encoding": ACCEPT_ENCODING,
            },
        )
        self._timeout = httpx.Timeout(
            connect=self.config.connect_timeout_s,
            read=self.config.read_timeout_s,
            write=self.config.read_timeout_s,
            pool=self.config.connect_timeout_s,
        )

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled connections."""
        self._client.close()

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "*/*",
        check_robots: bool = False,
    ) -> FetchResult:
        """GET a URL, retrying temporary failures; never raises for a remote problem.

        With check_robots (article pages), a URL the site's robots.txt disallows ends `soft`,
        `robots_disallowed`, unfetched, unless http.respect_robots is off. Feeds do not ask:
        a feed is published to be polled.
        """
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        request = _Request(
            headers,
            self.config.max_bytes,
            check_robots=check_robots and self.config.respect_robots,
        )
        return self._fetch(url, request)

    def _fetch_robots_txt(self, url: str) -> FetchResult:
        """GET a robots.txt: its first ROBOTS_MAX_BYTES, through the same checks and limits."""
        request = _Request({"Accept": "text/plain, */*;q=0.5"}, ROBOTS_MAX_BYTES, clip=True)
        return self._fetch(url, request)

    def _fetch(self, url: str, request: _Request) -> FetchResult:
        """Check the URL, then attempt until success, a lasting failure or the retry budget."""
        began = time.monotonic()
        fetched_at = datetime.now(UTC)
        try:
            check_url(url)
        except InvalidURL as err:
            return FetchResult(
                url,
                FetchStatus.HARD,
                Reason(err.reason),
                fetched_at,
                final_url=url,
                detail=str(err),
            )
        attempts, waited = 0, 0.0
        while True:
            attempts += 1
            result = self._attempt(url, request, fetched_at)
            waited += result.waited_s
            delay = self._retry_delay(result, attempts)
            if delay is None:
                break
            time.sleep(delay)
            waited += delay
        return replace(
            result, attempts=attempts, elapsed_s=time.monotonic() - began, waited_s=waited
        )

    def _retry_delay(self, result: FetchResult, attempts: int) -> float | None:
        """Seconds to wait before the next attempt, or None to stop here."""
        if (
            result.status is not FetchStatus.TEMPORARY
            or not result.retryable
            or attempts > self.config.retries
        ):
            return None
        if result.retry_after_s is not None:
            if result.retry_after_s > self.config.max_retry_after_s:
                return None
            return result.retry_after_s
        backoff = self.config.backoff_s * 2 ** (attempts - 1)
        return float(backoff * random.uniform(0.5, 1.5))  # noqa: S311 - jitter, not secrets

    def _attempt(self, url: str, request: _Request, fetched_at: datetime) -> FetchResult:
        """One attempt: follow redirects by hand, each hop through the guarded backend."""
        deadline = time.monotonic() + self.config.total_timeout_s
        current, seen, waited_total = url, {url}, 0.0

        def failed(
            status: FetchStatus, reason: Reason, detail: str = "", *, retryable: bool = True
        ) -> FetchResult:
            return FetchResult(
                url,
                status,
                reason,
                fetched_at,
                final_url=current,
                detail=detail[:500],
                waited_s=waited_total,
                retryable=retryable,
            )

        def out_of_time(received: int) -> FetchResult:
            total = f"total deadline ({self.config.total_timeout_s:g} s) passed"
            if not received:
                return failed(FetchStatus.TEMPORARY, Reason.DEADLINE, f"{total} before any reply")
            # Bytes were arriving: the server is slow, not away, and another attempt would
            # spend the whole deadline again (a page dripped a byte at a time, say).
            return failed(
                FetchStatus.TEMPORARY,
                Reason.DEADLINE,
                f"{total} while the reply was arriving ({received} bytes in); not retried",
                retryable=False,
            )

        for _hop in range(self.config.max_redirects + 1):
            if request.check_robots:
                # Every hop: a redirect to another site is governed by that site's robots.txt.
                asked = time.monotonic()
                refusal = self._robots.refusal(current)
                spent = time.monotonic() - asked
                deadline += spent  # reading robots.txt is politeness, not the page's slowness
                waited_total += spent
                if refusal is not None:
                    return failed(FetchStatus.SOFT, Reason.ROBOTS_DISALLOWED, refusal)
            with self._limiter.slot(host_of(current)) as waited:
                deadline += waited  # waiting our turn is politeness, not the server's slowness
                waited_total += waited
                hop_bytes = ByteCount()
                token = request_deadline.set(deadline)
                bytes_token = request_bytes.set(hop_bytes)
                try:
                    outcome = self._one_request(current, request, url, fetched_at)
                except DeadlineExceeded:
                    return out_of_time(hop_bytes.received)
                except httpx.TimeoutException as err:
                    # Reads are clamped to the deadline, so a timeout past it is the deadline's.
                    if time.monotonic() >= deadline:
                        return out_of_time(hop_bytes.received)
                    return failed(FetchStatus.TEMPORARY, Reason.TIMEOUT, type(err).__name__)
                except BlockedAddressError as err:
                    return failed(FetchStatus.HARD, Reason.BLOCKED_ADDRESS, str(err))
                except DNSError as err:
                    return failed(FetchStatus.TEMPORARY, Reason.DNS_ERROR, str(err))
                except httpx.ConnectError as err:
                    return failed(FetchStatus.TEMPORARY, Reason.CONNECT_ERROR, str(err))
                except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as err:
                    return failed(FetchStatus.TEMPORARY, Reason.PROTOCOL_ERROR, str(err))
                except TooLarge:
                    return failed(
                        FetchStatus.HARD, Reason.TOO_LARGE, f"over {request.max_bytes} bytes"
                    )
                except Truncated as err:
                    # A compressed body cut short, like a short Content-Length: a transport
                    # failure that may not recur, and no partial body is kept.
                    return failed(FetchStatus.TEMPORARY, Reason.PROTOCOL_ERROR, str(err))
                except DecodeError as err:
                    return failed(FetchStatus.HARD, Reason.DECODE_ERROR, str(err))
                except (
                    httpx.InvalidURL,
                    httpx.UnsupportedProtocol,
                    httpx.LocalProtocolError,
                ) as err:
                    return failed(FetchStatus.HARD, Reason.BAD_URL, str(err))
                finally:
                    request_bytes.reset(bytes_token)
                    request_deadline.reset(token)
            if isinstance(outcome, FetchResult):
                return replace(outcome, waited_s=waited_total)
            # A redirect: outcome is the Location header (None when missing).
            if not outcome:
                return failed(FetchStatus.HARD, Reason.REDIRECT_WITHOUT_LOCATION)
            target = urljoin(current, outcome.strip())
            try:
                check_url(target)
            except InvalidURL as err:
                return failed(FetchStatus.HARD, Reason(err.reason), f"redirect to {target[:200]}")
            if target in seen:
                return failed(FetchStatus.HARD, Reason.REDIRECT_LOOP, f"back to {target[:200]}")
            seen.add(target)
            current = target
        return failed(
            FetchStatus.HARD, Reason.TOO_MANY_REDIRECTS, f"more than {self.config.max_redirects}"
        )

    def _one_request(
        self, current: str, request: _Request, url: str, fetched_at: datetime
    ) -> FetchResult | str | None:
        """One HTTP exchange: a final FetchResult, or the Location of a redirect."""
        with self._client.stream(
            "GET", current, headers=request.headers, timeout=self._timeout
        ) as resp:
            code = resp.status_code
            if code in REDIRECT_CODES:
                location: str | None = resp.headers.get("location")
                return location
            status, reason = classify_status(code)
            head = FetchResult(
                url,
                status,
                reason,
                fetched_at,
                final_url=str(resp.url),
                http_status=code,
                etag=resp.headers.get("etag"),
                last_modified=resp.headers.get("last-modified"),
                content_type=resp.headers.get("content-type", ""),
            )
            if status is not FetchStatus.OK:
                return replace(
                    head, retry_after_s=parse_retry_after(resp.headers.get("retry-after"))
                )
            body = self._read_body(resp, request)
            return replace(
                head,
                body=body,
                body_size=len(body),
                charset=resp.charset_encoding,
                content_hash=hashlib.sha256(body).hexdigest(),
            )

    def _read_body(self, resp: httpx.Response, request: _Request) -> bytes:
        """Read the raw body and decode it under the byte cap."""
        encoding = resp.headers.get("content-encoding")
        declared = resp.headers.get("content-length", "")
        too_long = declared.isdigit() and int(declared) > request.max_bytes
        if not encoding and too_long and not request.clip:
            raise TooLarge
        decoder = BoundedDecoder(encoding, request.max_bytes, clip=request.clip)
        parts = []
        for raw in resp.iter_raw():
            parts.append(decoder.feed(raw))
            if decoder.clipped:
                # The rest is not wanted; closing the stream drops the connection unread.
                return b"".join(parts)
        parts.append(decoder.flush())
        return b"".join(parts)
