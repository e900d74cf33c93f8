"""HTTP faults on loopback: each ends as a status and a reason, in seconds, with nothing half-kept.

Already covered in test_http.py and not repeated here: 404/410 soft and 403/400 hard without a
retry, 5xx retried then successful, retries bounded, 429 with a Retry-After in seconds, a
Retry-After past the cap, a short Content-Length body, the server that drips bytes, redirect
loops and long chains, a redirect without Location, connection refused, an unknown host.
"""

from __future__ import annotations

import email.utils
import gzip
import itertools
import socket
import struct
import time
import zlib
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import brotli
import pytest

from parallax.connectors.articles import fetch_article
from parallax.connectors.feeds import poll_feed
from parallax.connectors.http import HttpClient, HttpConfig
from parallax.connectors.records import (
    FeedEntry,
    FeedState,
    FetchResult,
    FetchStatus,
    PendingArticle,
    Reason,
)
from tests.connectors.loopback import (
    Listener,
    loopback_client,
    read_request,
    replies,
    silent,
    tracked,
)
from tests.servers import Reply, TestServer


def client(**overrides: Any) -> HttpClient:
    """A loopback client with a half-second read timeout, so stalls end quickly."""
    return loopback_client(**{"read_timeout_s": 0.5, **overrides})


def assert_nothing_kept(result: FetchResult) -> None:
    assert (result.body, result.body_size, result.content_hash) == (b"", 0, None)


# Retry-After: waited out, between attempts the server itself can time.


def _http_date(seconds_ahead: float) -> tuple[str, float]:
    """An HTTP-date that many seconds ahead, and the time.monotonic() it stands for."""
    now_wall, now_mono = time.time(), time.monotonic()
    when = datetime.fromtimestamp(now_wall, UTC) + timedelta(seconds=seconds_ahead)
    header = email.utils.format_datetime(when, usegmt=True)
    # The header drops the fraction of a second: the wait is up to that fraction shorter.
    return header, now_mono + (email.utils.parsedate_to_datetime(header).timestamp() - now_wall)


@pytest.mark.parametrize("code", [429, 503])
@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_retry_after_is_waited_out_before_the_next_request(
    server: TestServer, code: int, form: str
) -> None:
    stamps: list[float] = []
    not_before: list[float] = []

    def route(_handler: BaseHTTPRequestHandler) -> Reply:
        stamps.append(time.monotonic())
        if len(stamps) > 1:
            return Reply(body=b"<rss/>")
        if form == "seconds":
            not_before.append(stamps[0] + 1)
            return Reply(code, headers={"Retry-After": "1"})
        header, when = _http_date(2)
        not_before.append(when)
        return Reply(code, headers={"Retry-After": header})

    server.route("/feed", route)
    # backoff_s is 10 ms: only the Retry-After can account for a wait of a second.
    result = client(retries=3).fetch(server.url("/feed"))
    assert (result.status, result.attempts, len(stamps)) == (FetchStatus.OK, 2, 2)
    assert stamps[1] >= not_before[0] - 0.05, f"retried {not_before[0] - stamps[1]:.2f} s early"
    assert result.waited_s >= 0.9


def test_a_server_that_keeps_asking_to_wait_gets_a_bounded_number_of_spaced_requests(
    server: TestServer,
) -> None:
    stamps: list[float] = []

    def route(_handler: BaseHTTPRequestHandler) -> Reply:
        stamps.append(time.monotonic())
        return Reply(503, headers={"Retry-After": "1"})

    server.route("/busy", route)
    result = client(retries=2).fetch(server.url("/busy"))
    assert (result.status, result.reason, result.http_status) == (
        FetchStatus.TEMPORARY,
        Reason.SERVER_ERROR,
        503,
    )
    assert result.attempts == 3 and len(stamps) == 3
    assert min(b - a for a, b in itertools.pairwise(stamps)) >= 0.95


def test_a_503_asking_for_longer_than_the_cap_is_not_waited_for(server: TestServer) -> None:
    server.route("/down", Reply(503, headers={"Retry-After": "3600"}))
    began = time.monotonic()
    result = client(retries=3, max_retry_after_s=10).fetch(server.url("/down"))
    assert (result.status, result.reason, result.attempts) == (
        FetchStatus.TEMPORARY,
        Reason.SERVER_ERROR,
        1,
    )
    assert result.retry_after_s == 3600 and len(server.hits) == 1
    assert time.monotonic() - began < 1


# Servers that go quiet.


def test_a_server_that_accepts_and_never_answers_is_a_read_timeout() -> None:
    with Listener() as mute:
        began = time.monotonic()
        result = client(retries=1).fetch(mute.url("/feed"))
        elapsed = time.monotonic() - began
    assert (result.status, result.reason, result.attempts) == (
        FetchStatus.TEMPORARY,
        Reason.TIMEOUT,
        2,
    )
    assert mute.connections == 2  # retried once, as configured, and no more
    assert_nothing_kept(result)
    assert elapsed < 2.5


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 5000\r\n\r\n<rss>",
        b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n<rss>\r\n",
    ],
    ids=["mid-body", "mid-headers", "mid-chunks"],
)
@pytest.mark.parametrize(
    ("timeouts", "reason"),
    [
        ({"read_timeout_s": 0.3, "total_timeout_s": 5.0}, Reason.TIMEOUT),
        ({"read_timeout_s": 5.0, "total_timeout_s": 0.6}, Reason.DEADLINE),
    ],
    ids=["read-timeout", "total-deadline"],
)
def test_a_server_that_stalls_part_way_ends_at_the_first_limit(
    raw: bytes, timeouts: dict[str, float], reason: Reason
) -> None:
    with Listener(replies(raw, stall=True)) as staller:
        began = time.monotonic()
        result = client(**timeouts).fetch(staller.url("/feed"))
        elapsed = time.monotonic() - began
    assert (result.status, result.reason) == (FetchStatus.TEMPORARY, reason)
    assert_nothing_kept(result)
    assert elapsed < 2


# A slow server costs one deadline, not three.


def _drip(raw: bytes, at_once: int, every_s: float) -> Any:
    """A raw reply: its first `at_once` bytes together, then the rest a byte every every_s."""

    def drip(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(raw[:at_once])
        for byte in raw[at_once:]:
            handler.wfile.flush()
            time.sleep(every_s)
            handler.wfile.write(bytes([byte]))

    return drip


@pytest.mark.parametrize("where", ["body", "headers"])
def test_a_server_dripping_its_reply_gets_one_attempt_ending_at_the_deadline(
    server: TestServer, where: str
) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 40\r\n\r\n"
    at_once = len(head) if where == "body" else 1
    # A byte every 0.2 s: never silent for the read timeout, always past the total deadline.
    server.route("/drip", Reply(raw=_drip(head + b"x" * 40, at_once, 0.2)))
    began = time.monotonic()
    with client(retries=2, read_timeout_s=2.0, total_timeout_s=1.0) as http:
        result = http.fetch(server.url("/drip"))
    elapsed = time.monotonic() - began
    assert (result.status, result.reason, result.attempts) == (
        FetchStatus.TEMPORARY,
        Reason.DEADLINE,
        1,
    )
    assert server.hits == ["/drip"]  # one request, where retries=2 would have made three
    assert not result.retryable
    assert "while the reply was arriving" in result.detail and "not retried" in result.detail
    assert_nothing_kept(result)
    assert elapsed < 2.5  # one deadline of 1 s, not three


def test_a_deadline_that_passes_before_any_reply_is_retried() -> None:
    # No byte came: like a read timeout, another attempt may find the server answering.
    with Listener() as mute, client(retries=1, read_timeout_s=5.0, total_timeout_s=0.5) as http:
        result = http.fetch(mute.url("/"))
    assert (result.status, result.reason, result.attempts) == (
        FetchStatus.TEMPORARY,
        Reason.DEADLINE,
        2,
    )
    assert mute.connections == 2
    assert result.retryable and "before any reply" in result.detail


def _reset(conn: socket.socket, closing: Any) -> None:
    """Read the request, then reset the connection (RST, not a polite FIN)."""
    read_request(conn)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


TRANSIENT = {
    "503": (
        replies(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"),
        Reason.SERVER_ERROR,
    ),
    "429": (
        replies(b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n"),
        Reason.RATE_LIMITED,
    ),
    "reset": (_reset, Reason.PROTOCOL_ERROR),
    "silent": (silent, Reason.TIMEOUT),
}


@pytest.mark.parametrize(("answer", "reason"), TRANSIENT.values(), ids=TRANSIENT.keys())
def test_transient_failures_are_still_retried(answer: Any, reason: Reason) -> None:
    with Listener(answer) as flaky, client(retries=2) as http:
        result = http.fetch(flaky.url("/feed"))
    assert (result.status, result.reason, result.attempts) == (FetchStatus.TEMPORARY, reason, 3)
    assert flaky.connections == 3
    assert result.retryable


# Bodies that end wrong: never kept in part.

PAGE = b"<html><body><p>" + b"Blinken and Lavrov met in Stockholm. " * 40 + b"</p></body></html>"


def _close_delimited(body: bytes, encoding: str) -> bytes:
    """A reply whose body ends when the server hangs up (no length, no chunking)."""
    head = f"HTTP/1.1 200 OK\r\nContent-Encoding: {encoding}\r\nConnection: close\r\n\r\n"
    return head.encode() + body


BROKEN = {
    "short-content-length-retried": b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly this",
    "chunk-size-not-hex": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n",
    "chunk-longer-than-sent": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100\r\nhello",
    "no-last-chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
    "gzip-cut-short": _close_delimited(gzip.compress(PAGE)[:-40], "gzip"),
    "deflate-cut-short": _close_delimited(zlib.compress(PAGE)[:-40], "deflate"),
    "brotli-cut-short": _close_delimited(brotli.compress(PAGE)[:-10], "br"),
    "not-http": b"SSH-2.0-OpenSSH_9.6\r\n",
    "bad-status-line": b"HTTP/1.1 abc\r\n\r\n",
}


@pytest.mark.parametrize("raw", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_body_is_a_protocol_error_and_nothing_is_kept(raw: bytes) -> None:
    with Listener(replies(raw)) as broken:
        result = client(retries=1).fetch(broken.url("/page"))
    assert (result.status, result.reason) == (FetchStatus.TEMPORARY, Reason.PROTOCOL_ERROR)
    assert result.attempts == 2 and broken.connections == 2
    assert_nothing_kept(result)


def test_a_whole_compressed_body_in_a_close_delimited_reply_is_kept() -> None:
    # The counterpart of the cut-short cases: the end marker, not the hang-up, makes it whole.
    with Listener(replies(_close_delimited(gzip.compress(PAGE), "gzip"))) as whole:
        result = client().fetch(whole.url("/page"))
    assert (result.status, result.body) == (FetchStatus.OK, PAGE)


# The run goes on: a fault is a counted failure of one feed or one article.


def _entry(url: str) -> PendingArticle:
    entry = FeedEntry(feed_url="http://feeds.example/f", url=url, link=url, title="t", position=0)
    return PendingArticle(url, url, "Outlet", datetime.now(UTC), entry)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", Reason.SERVER_ERROR),
        (BROKEN["no-last-chunk"], Reason.PROTOCOL_ERROR),
        (BROKEN["gzip-cut-short"], Reason.PROTOCOL_ERROR),
        (None, Reason.TIMEOUT),
    ],
    ids=["503", "broken-chunks", "cut-gzip", "silent"],
)
def test_faults_reach_feeds_and_articles_as_counted_temporary_failures(
    raw: bytes | None, reason: Reason
) -> None:
    with Listener(replies(raw) if raw else silent) as bad:
        http = client()
        state = FeedState(url=bad.url("/feed"), outlet="Outlet", consecutive_failures=2)
        poll = poll_feed(http, state)
        article = fetch_article(http, _entry(bad.url("/story")))
    assert (poll.status, poll.reason, poll.parse) == (FetchStatus.TEMPORARY, reason, None)
    assert poll.consecutive_failures == 3 and poll.next_due_at > datetime.now(UTC)
    assert (article.status, article.reason, article.article) == (
        FetchStatus.TEMPORARY,
        reason,
        None,
    )


def test_an_unknown_host_reaches_a_feed_as_a_dns_error_without_a_real_lookup() -> None:
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    http = tracked(HttpClient(HttpConfig(retries=0), resolver=resolver))
    poll = poll_feed(http, FeedState(url="http://gone.example/feed.xml", outlet="Gone"))
    assert (poll.status, poll.reason, poll.consecutive_failures) == (
        FetchStatus.TEMPORARY,
        Reason.DNS_ERROR,
        1,
    )
    assert asked == ["gone.example"]


def test_a_gzip_body_of_several_members_is_decoded_whole(server: TestServer) -> None:
    # Members concatenated in one read once lost all but the first, silently.
    server.route(
        "/page",
        Reply(
            body=gzip.compress(PAGE[:100]) + gzip.compress(PAGE[100:]),
            headers={"Content-Encoding": "gzip"},
        ),
    )
    result = client().fetch(server.url("/page"))
    assert (result.status, result.body) == (FetchStatus.OK, PAGE)
