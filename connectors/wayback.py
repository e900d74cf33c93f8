"""Past coverage from a Wayback-compatible web archive: list captures (CDX), replay them.

    WaybackClient.captures(url, since, until)
      -> one CDX query (JSON, 200s only, adjacent duplicates collapsed), paced
      -> parse_cdx_json: fields by the header row's names, never by position
      -> keep 2xx captures of http(s) URLs inside the window
    WaybackClient.replay(capture) / nearest(url, when)
      -> {base}/web/{timestamp}id_/{original}: the original bytes, no banner, no rewriting
      -> the archive redirects to the nearest capture; its timestamp is read from the final URL

Every byte goes through Parallax's HttpClient (byte caps, deadlines, address and scheme
checks). The Internet Archive blocks clients that keep sending after a 429 (archive-notes):
so requests go one at a time at a steady pace, the first 429 pauses everything for its
Retry-After, a request is repeated at most once, and a pause longer than the client's
patience ends the call as `rate_limited` data without sending anything. Remote failures come
back as FetchResult data; only programming and configuration errors raise.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from urllib.parse import quote, urldefrag, urlencode

from parallax.connectors.http import HttpClient
from parallax.connectors.records import FetchResult, FetchStatus, Reason
from parallax.connectors.urls import InvalidURL, check_url

CDX_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
_TIMESTAMP = re.compile(r"\d{14}")
_PARTIAL_TIMESTAMP = re.compile(r"\d{4,14}")
_REPLAY_PATH = re.compile(r"/web/(\d{14})id_/")
_MAX_DETAIL = 200  # error messages quote at most this much of what the archive sent


class ArchiveError(ValueError):
    """An archive reply that is not what the CDX format promises (bounded message)."""


class ArchivePaused(RuntimeError):
    """The archive asked for a pause longer than the limiter will sleep; nothing was sent."""

    def __init__(self, wait_s: float) -> None:
        super().__init__(f"archive rate limit: resume in {wait_s:.0f} s")
        self.wait_s = wait_s


@dataclass(frozen=True)
class Capture:
    """One CDX row: a capture of `original` at `timestamp` (UTC, YYYYMMDDhhmmss)."""

    timestamp: str
    original: str
    mimetype: str = ""
    statuscode: int | None = None  # None: the archive wrote "-" (unknown, e.g. revisits)
    digest: str = ""
    length: int | None = None

    def __post_init__(self) -> None:
        if not _TIMESTAMP.fullmatch(self.timestamp):
            raise ArchiveError(f"capture timestamp is not 14 digits: {self.timestamp[:40]!r}")
        try:
            self.captured_at  # noqa: B018 - 20241399... is 14 digits but no time
        except ValueError as err:
            raise ArchiveError(f"capture timestamp is not a time: {self.timestamp!r}") from err

    @property
    def captured_at(self) -> datetime:
        """When the archive made the capture (the archive's timestamps are UTC)."""
        return datetime.strptime(self.timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)

    def replay_url(self, base: str) -> str:
        """The capture's original bytes, without the archive's banner or rewritten links."""
        return replay_url(base, self.timestamp, self.original)


@dataclass(frozen=True)
class CaptureListing:
    """What a CDX query found; `result` is the fetch without its body (failures are data)."""

    captures: list[Capture]
    result: FetchResult
    truncated: bool = False  # more than max_captures matched; the earliest are kept


@dataclass(frozen=True)
class ArchivedFetch:
    """A replayed capture: the original bytes in `result`, and which capture they came from."""

    result: FetchResult
    capture_timestamp: str | None  # from the final URL; None when no capture was served
    archive_url: str  # what was asked for (before the archive's redirect)


def _base(base: str) -> str:
    """The archive's root URL, checked (http/https only) and without a trailing slash."""
    return check_url(base).rstrip("/")


def replay_url(base: str, timestamp: str, original: str) -> str:
    """`{base}/web/{timestamp}id_/{original}`; `id_` asks for the bytes as captured."""
    # The fragment never reached the server that was captured, so it is not in the archive.
    return f"{_base(base)}/web/{timestamp}id_/{urldefrag(original).url}"


def cdx_query_url(
    base: str, url: str, since: date, until: date, *, limit: int | None = None
) -> str:
    """The CDX query for captures of `url` from `since` to `until` (whole days, inclusive)."""
    if since > until:
        raise ValueError(f"window starts after it ends: {since} > {until}")
    if limit is not None and limit <= 0:
        raise ValueError("limit must be positive")
    params = [
        ("url", url),
        ("from", since.strftime("%Y%m%d")),  # the archive pads a short bound: to=…235959
        ("to", until.strftime("%Y%m%d")),
        ("output", "json"),
        ("filter", "statuscode:200"),
        ("collapse", "digest"),  # adjacent captures with the same bytes: keep one
    ]
    if limit is not None:
        params.append(("limit", str(limit)))
    # ':' and '/' are legal in a query and keep the URL readable; '&', '?', '=' are escaped.
    return f"{_base(base)}/cdx/search/cdx?{urlencode(params, quote_via=quote, safe=':/')}"


def _optional_int(value: str, name: str, row: int) -> int | None:
    if value in ("", "-"):
        return None
    if not value.isdigit():
        raise ArchiveError(f"CDX row {row}: {name} is not a number: {value[:40]!r}")
    return int(value)


def parse_cdx_json(body: bytes) -> list[Capture]:
    """Captures from a CDX `output=json` reply: a header row of field names, then rows.

    Fields are looked up by the header's names (pywb and the Internet Archive order and choose
    them differently); missing optional fields are left empty. A reply that is not this shape
    raises ArchiveError saying what was wrong, quoting a bounded part of it.
    """
    if not body.strip():
        return []
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        start = body[:60].decode("utf-8", "replace")
        raise ArchiveError(f"CDX reply is not JSON ({err}); it starts {start!r}") from err
    if not isinstance(data, list):
        raise ArchiveError(f"CDX reply is a JSON {type(data).__name__}, not an array")
    if not data:
        return []
    header = data[0]
    if not isinstance(header, list) or not all(isinstance(name, str) for name in header):
        raise ArchiveError(f"CDX header row is not a list of names: {str(header)[:_MAX_DETAIL]}")
    missing = {"timestamp", "original"} - set(header)
    if missing:
        raise ArchiveError(f"CDX header row lacks {sorted(missing)}: {header[:10]}")
    captures = []
    for number, row in enumerate(data[1:], start=1):
        if row == []:
            break  # showResumeKey: an empty row, then the resume key, ends the results
        if not isinstance(row, list) or not all(isinstance(value, str) for value in row):
            raise ArchiveError(f"CDX row {number} is not a list of strings: {str(row)[:80]}")
        if len(row) != len(header):
            raise ArchiveError(f"CDX row {number} has {len(row)} fields, header {len(header)}")
        fields = dict(zip(header, row, strict=True))
        captures.append(
            Capture(
                timestamp=fields["timestamp"],
                original=fields["original"],
                mimetype=fields.get("mimetype", ""),
                statuscode=_optional_int(fields.get("statuscode", ""), "statuscode", number),
                digest=fields.get("digest", ""),
                length=_optional_int(fields.get("length", ""), "length", number),
            )
        )
    return captures


class ArchiveRateLimiter:
    """One request at a time to an archive endpoint, at a steady pace; pauses on 429.

    Starts are spaced 60/requests_per_minute seconds apart (never a burst that averages out:
    the Internet Archive's limit is enforced by its firewall). `pause` after a 429 holds every
    later start for the Retry-After (or `default_pause_s`); a pause longer than `max_wait_s`
    is not slept through: `slot` raises ArchivePaused at once, so a run moves on instead of
    hanging, and still sends nothing before the archive said it may. Thread-safe.
    """

    def __init__(
        self,
        requests_per_minute: float = 24.0,
        *,
        max_wait_s: float = 300.0,
        default_pause_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if requests_per_minute <= 0:
            raise ValueError("requests_per_minute must be positive")
        if max_wait_s < 0 or default_pause_s < 0:
            raise ValueError("max_wait_s and default_pause_s cannot be negative")
        self.interval_s = 60.0 / requests_per_minute
        self.max_wait_s = max_wait_s
        self.default_pause_s = default_pause_s
        self._clock = clock
        self._sleep = sleep
        self._turn = threading.Lock()  # held for the whole request: one at a time
        self._state = threading.Lock()  # guards the two times below; never held while asleep
        self._next_start: float | None = None
        self._resume_at: float | None = None

    @contextmanager
    def slot(self) -> Iterator[float]:
        """Hold the endpoint for one request; yields the seconds waited for the turn."""
        with self._turn:
            now = self._clock()
            with self._state:
                resume_at, next_start = self._resume_at, self._next_start
            if resume_at is not None and resume_at - now > self.max_wait_s:
                raise ArchivePaused(resume_at - now)
            start = max([now] + [t for t in (next_start, resume_at) if t is not None])
            if start > now:
                self._sleep(start - now)
            began = self._clock()
            with self._state:
                self._next_start = began + self.interval_s
            yield began - now

    def pause(self, retry_after_s: float | None) -> float:
        """After a 429: nothing starts for the Retry-After (default_pause_s if none)."""
        wait = self.default_pause_s if retry_after_s is None else max(0.0, retry_after_s)
        with self._state:
            resume_at = self._clock() + wait
            self._resume_at = max(self._resume_at or resume_at, resume_at)
        return wait


def _refused(url: str, err: InvalidURL) -> FetchResult:
    """A URL refused before any request (bad scheme, too long, no host)."""
    now = datetime.now(UTC)
    return FetchResult(
        url, FetchStatus.HARD, Reason(err.reason), now, final_url=url, detail=str(err)
    )


class WaybackClient:
    """Lists and replays captures of one Wayback-compatible archive; thread-safe.

    Give it an HttpClient with `retries=0`: a client that retries by itself sends again after
    a 429 on its own schedule, behind this pacing's back. CDX and replay are paced separately
    (the Internet Archive limits them separately); both are paced within this client only, so
    share one WaybackClient per archive across a run.
    """

    def __init__(
        self,
        base_url: str,
        http: HttpClient,
        cdx_per_minute: float = 24,
        replay_per_minute: float = 60,
        max_captures: int = 10_000,
        *,
        max_wait_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_captures <= 0:
            raise ValueError("max_captures must be positive")
        self.base_url = _base(base_url)  # InvalidURL (a ValueError) for a non-http(s) base
        self.max_captures = max_captures
        self._http = http
        self.cdx_limiter = ArchiveRateLimiter(
            cdx_per_minute, max_wait_s=max_wait_s, clock=clock, sleep=sleep
        )
        self.replay_limiter = ArchiveRateLimiter(
            replay_per_minute, max_wait_s=max_wait_s, clock=clock, sleep=sleep
        )

    def captures(self, url: str, since: date, until: date) -> CaptureListing:
        """The 2xx captures of `url` made from `since` to `until` (inclusive), oldest first."""
        try:
            check_url(url)
        except InvalidURL as err:
            return CaptureListing([], _refused(url, err))
        # One more than wanted, to know whether the archive held more than max_captures.
        query = cdx_query_url(self.base_url, url, since, until, limit=self.max_captures + 1)
        result = self._get(query, self.cdx_limiter, accept="application/json")
        if not result.ok:
            return CaptureListing([], replace(result, body=b""))
        try:
            found = parse_cdx_json(result.body)
        except ArchiveError as err:
            # An archive under load answers with an HTML error page behind a 200 at times:
            # temporary, so a later run asks again instead of losing the window for good.
            failed = replace(
                result,
                status=FetchStatus.TEMPORARY,
                reason=Reason.PARSE_ERROR,
                detail=str(err)[:500],
                body=b"",
            )
            return CaptureListing([], failed)
        truncated = len(found) > self.max_captures
        kept = [
            capture
            for capture in found[: self.max_captures]
            # The query asked for 200s in the window; an archive that ignores a filter (some
            # pywb versions) must not put a 404 page or another week into the backfill.
            if capture.statuscode is not None
            and 200 <= capture.statuscode < 300
            and since <= capture.captured_at.date() <= until
            and _is_http(capture.original)
        ]
        kept.sort(key=lambda capture: capture.timestamp)
        return CaptureListing(kept, replace(result, body=b""), truncated)

    def replay(self, capture_or_url: Capture | str, timestamp: str | None = None) -> ArchivedFetch:
        """The original bytes of a capture, or of the capture nearest `timestamp` for a URL."""
        if isinstance(capture_or_url, Capture):
            original, timestamp = capture_or_url.original, capture_or_url.timestamp
        else:
            original = capture_or_url
            if timestamp is None or not _PARTIAL_TIMESTAMP.fullmatch(timestamp):
                raise ValueError(f"replay needs a timestamp of 4-14 digits, not {timestamp!r}")
        try:
            check_url(original)
        except InvalidURL as err:
            return ArchivedFetch(_refused(original, err), None, "")
        archive_url = replay_url(self.base_url, timestamp, original)
        result = self._get(archive_url, self.replay_limiter)
        if not result.ok:
            return ArchivedFetch(result, None, archive_url)
        final = result.final_url or archive_url
        if not final.startswith(f"{self.base_url}/web/"):
            # Bytes from outside the archive are not a capture: never store them as one.
            detail = f"the archive sent the request on to {final[:200]}"
            left = replace(result, status=FetchStatus.SOFT, reason=Reason.NOT_FOUND, body=b"")
            return ArchivedFetch(replace(left, detail=detail), None, archive_url)
        served = _REPLAY_PATH.search(final[len(self.base_url) :])
        return ArchivedFetch(result, served.group(1) if served else None, archive_url)

    def nearest(self, url: str, when: datetime) -> ArchivedFetch:
        """The capture of `url` nearest to `when` (a naive time is taken as UTC)."""
        moment = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        return self.replay(url, moment.strftime("%Y%m%d%H%M%S"))

    def _once(self, url: str, limiter: ArchiveRateLimiter, accept: str) -> FetchResult:
        """One GET in the limiter's turn; ArchivePaused when the archive asked to wait long."""
        with limiter.slot():
            return self._http.fetch(url, accept=accept)

    def _get(self, url: str, limiter: ArchiveRateLimiter, accept: str = "*/*") -> FetchResult:
        """GET through the limiter; after a 429, wait as asked and try once more, no more."""
        first: FetchResult | None = None
        try:
            result = self._once(url, limiter, accept)
            if result.http_status != 429:
                return result
            first = result
            limiter.pause(result.retry_after_s)
            result = self._once(url, limiter, accept)  # waits out the pause, or refuses to
            if result.http_status == 429:
                limiter.pause(result.retry_after_s)  # and the next call waits too
            return result
        except ArchivePaused as paused:
            if first is not None:
                return replace(first, detail=f"not retried: {paused}")
            return FetchResult(
                url,
                FetchStatus.TEMPORARY,
                Reason.RATE_LIMITED,
                datetime.now(UTC),
                final_url=url,
                retry_after_s=paused.wait_s,
                detail=f"not sent: {paused}",
            )


def _is_http(url: str) -> bool:
    try:
        check_url(url)
    except InvalidURL:
        return False
    return True
