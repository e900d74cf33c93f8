"""The Wayback client against a loopback imitation archive, through a real HttpClient."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from parallax.connectors.records import FetchStatus, Reason
from parallax.connectors.urls import InvalidURL
from parallax.connectors.wayback import (
    ArchiveError,
    ArchivePaused,
    ArchiveRateLimiter,
    Capture,
    WaybackClient,
    cdx_query_url,
    parse_cdx_json,
)
from parallax.flows.archive_site import StoredCapture, WaybackArchive
from tests.connectors.loopback import loopback_client
from tests.servers import Reply, TestServer

FEED = "https://news.example/world/rss.xml"
OTHER = "https://wire.example/rss.xml"
RSS = b"<rss version='2.0'><channel><title>World</title></channel></rss>"


class FakeClock:
    """A monotonic clock that moves only when slept on; records every sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def archive() -> Iterator[WaybackArchive]:
    captures = [
        StoredCapture(FEED, "20240301120000", RSS + b"<!-- a -->", "application/rss+xml"),
        StoredCapture(FEED, "20240302120000", RSS + b"<!-- a -->", "application/rss+xml"),
        StoredCapture(FEED, "20240303080000", RSS + b"<!-- b -->", "application/rss+xml"),
        StoredCapture(FEED, "20240303090000", b"gone", "text/html", 404),
        StoredCapture(FEED, "20240305000000", RSS + b"<!-- c -->", "application/rss+xml"),
        StoredCapture(FEED, "20240320000000", RSS + b"<!-- d -->", "application/rss+xml"),
        StoredCapture(OTHER, "20240302000000", RSS, "application/rss+xml"),
    ]
    with WaybackArchive(captures) as running:
        yield running


def wayback(base: str, clock: FakeClock, **kwargs: object) -> WaybackClient:
    http = loopback_client(**kwargs.pop("http", {}))  # type: ignore[arg-type]
    return WaybackClient(base, http, clock=clock, sleep=clock.sleep, **kwargs)  # type: ignore[arg-type]


def cdx_body(rows: list[list[str]]) -> bytes:
    return json.dumps(rows).encode()


# parse_cdx_json -------------------------------------------------------------------------------


def test_cdx_fields_are_read_by_the_header_names_not_positions() -> None:
    body = cdx_body(
        [
            ["original", "length", "timestamp", "statuscode", "urlkey"],
            [FEED, "1234", "20240301120000", "200", "example,news)/world/rss.xml"],
            [FEED, "-", "20240302120000", "-", "example,news)/world/rss.xml"],
        ]
    )
    first, second = parse_cdx_json(body)
    assert first == Capture("20240301120000", FEED, "", 200, "", 1234)
    assert (second.statuscode, second.length, second.mimetype, second.digest) == (
        None,
        None,
        "",
        "",
    )
    assert first.captured_at == datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("body", [b"", b"  \n", b"[]"])
def test_an_empty_cdx_reply_has_no_captures(body: bytes) -> None:
    assert parse_cdx_json(body) == []


def test_a_resume_key_after_the_results_is_not_a_capture() -> None:
    header = ["timestamp", "original"]
    body = cdx_body([header, ["20240301120000", FEED], [], ["example,news)/ 20240301120000"]])
    assert [c.timestamp for c in parse_cdx_json(body)] == ["20240301120000"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>Service Unavailable</html>", "not JSON"),
        (b'{"captures": []}', "JSON dict, not an array"),
        (b"[1, 2]", "header row is not a list"),
        (cdx_body([["urlkey", "original"], ["k", FEED]]), "lacks ['timestamp']"),
        (cdx_body([["timestamp", "original"], ["20240301120000"]]), "row 1 has 1 fields"),
        (cdx_body([["timestamp", "original"], ["2024-03-01", FEED]]), "not 14 digits"),
        (cdx_body([["timestamp", "original"], ["20241399000000", FEED]]), "not a time"),
        (
            cdx_body([["timestamp", "original", "statuscode"], ["20240301120000", FEED, "OK"]]),
            "statuscode is not a number",
        ),
        (b'[["timestamp", "original"], ["20240301120000", 7]]', "not a list of strings"),
        (b"\xff\xfe not utf-8", "not JSON"),
    ],
)
def test_malformed_cdx_raises_archive_error_saying_what(body: bytes, message: str) -> None:
    with pytest.raises(ArchiveError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_cdx_json(body)


def test_archive_error_quotes_a_bounded_part_of_a_huge_reply() -> None:
    with pytest.raises(ArchiveError) as caught:
        parse_cdx_json(b"<html>" + b"x" * 200_000)
    assert len(str(caught.value)) < 300
    assert isinstance(caught.value, ValueError)


# URLs -----------------------------------------------------------------------------------------


def test_cdx_query_url_encodes_the_url_and_names_every_parameter() -> None:
    query = cdx_query_url(
        "https://archive.example/wayback/",
        "https://news.example/feed?section=world&lang=en",
        date(2024, 3, 1),
        date(2024, 3, 10),
        limit=500,
    )
    assert query == (
        "https://archive.example/wayback/cdx/search/cdx"
        "?url=https://news.example/feed%3Fsection%3Dworld%26lang%3Den"
        "&from=20240301&to=20240310&output=json&filter=statuscode:200&collapse=digest&limit=500"
    )
    params = parse_qs(urlsplit(query).query)
    assert params["url"] == ["https://news.example/feed?section=world&lang=en"]


def test_cdx_query_url_refuses_a_backwards_window_and_a_non_http_base() -> None:
    with pytest.raises(ValueError, match="starts after it ends"):
        cdx_query_url("https://archive.example", FEED, date(2024, 3, 2), date(2024, 3, 1))
    with pytest.raises(InvalidURL, match="bad_scheme"):
        cdx_query_url("ftp://archive.example", FEED, date(2024, 3, 1), date(2024, 3, 2))


def test_a_capture_knows_its_replay_url_and_time() -> None:
    capture = Capture("20240301120000", FEED + "#top")
    assert capture.replay_url("https://archive.example/") == (
        f"https://archive.example/web/20240301120000id_/{FEED}"
    )
    assert capture.captured_at.tzinfo is UTC
    with pytest.raises(ArchiveError):
        Capture("2024030112", FEED)


# Listing captures -----------------------------------------------------------------------------


def test_captures_lists_2xx_captures_in_the_window_with_one_request(
    archive: WaybackArchive, clock: FakeClock
) -> None:
    listing = wayback(archive.base_url, clock).captures(FEED, date(2024, 3, 1), date(2024, 3, 5))
    assert listing.result.status is FetchStatus.OK
    # 03-02 repeats 03-01's bytes (collapsed), 03-03 09:00 was a 404, 03-20 is outside.
    assert [c.timestamp for c in listing.captures] == [
        "20240301120000",
        "20240303080000",
        "20240305000000",
    ]
    assert {c.original for c in listing.captures} == {FEED}
    assert all(
        c.statuscode == 200 and c.mimetype == "application/rss+xml" for c in listing.captures
    )
    assert listing.result.body == b"" and listing.result.body_size > 0
    assert not listing.truncated
    (request,) = archive.requests
    params = parse_qs(urlsplit(request).query)
    assert params["url"] == [FEED] and params["output"] == ["json"]
    assert (params["from"], params["to"]) == (["20240301"], ["20240305"])


def test_no_captures_in_the_window_is_an_empty_ok_listing(
    archive: WaybackArchive, clock: FakeClock
) -> None:
    listing = wayback(archive.base_url, clock).captures(FEED, date(2023, 1, 1), date(2023, 1, 31))
    assert (listing.captures, listing.result.status) == ([], FetchStatus.OK)


def test_more_than_max_captures_is_cut_and_marked(
    archive: WaybackArchive, clock: FakeClock
) -> None:
    client = wayback(archive.base_url, clock, max_captures=2)
    listing = client.captures(FEED, date(2024, 3, 1), date(2024, 3, 31))
    assert [c.timestamp for c in listing.captures] == ["20240301120000", "20240303080000"]
    assert listing.truncated
    assert parse_qs(urlsplit(archive.requests[0]).query)["limit"] == ["3"]


def test_captures_an_archive_should_have_filtered_out_are_dropped(
    server: TestServer, clock: FakeClock
) -> None:
    # An archive that ignores filter= and from/to (some pywb setups): the client still keeps
    # only 2xx captures of http(s) URLs inside the window.
    header = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
    rows = [
        ["k", "20240301000000", FEED, "text/xml", "200", "A", "10"],
        ["k", "20240302000000", FEED, "text/html", "404", "B", "10"],
        ["k", "20240302100000", FEED, "text/html", "-", "C", "-"],
        ["k", "20240303000000", FEED, "text/xml", "301", "D", "10"],
        ["k", "20240310000000", FEED, "text/xml", "200", "E", "10"],
        ["k", "20240302000000", "dns:news.example", "text/dns", "200", "F", "10"],
        ["k", "20240302235959", FEED, "text/xml", "206", "G", "10"],
    ]
    server.route("/cdx/search/cdx", Reply(body=cdx_body([header, *rows])))
    listing = wayback(server.url("/"), clock).captures(FEED, date(2024, 3, 1), date(2024, 3, 2))
    assert [c.digest for c in listing.captures] == ["A", "G"]


@pytest.mark.parametrize(
    ("reply", "status", "reason"),
    [
        (
            Reply(body=b"<html>Down for maintenance</html>"),
            FetchStatus.TEMPORARY,
            Reason.PARSE_ERROR,
        ),
        (Reply(503, b"busy"), FetchStatus.TEMPORARY, Reason.SERVER_ERROR),
        (Reply(403, b"no"), FetchStatus.HARD, Reason.FORBIDDEN),
    ],
    ids=["not-json", "503", "403"],
)
def test_a_failed_cdx_query_is_data_not_an_exception(
    server: TestServer, clock: FakeClock, reply: Reply, status: FetchStatus, reason: Reason
) -> None:
    server.route("/cdx/search/cdx", reply)
    listing = wayback(server.url("/"), clock).captures(FEED, date(2024, 3, 1), date(2024, 3, 2))
    assert (listing.captures, listing.result.status, listing.result.reason) == ([], status, reason)
    assert listing.result.body == b""
    if reason is Reason.PARSE_ERROR:
        assert "not JSON" in listing.result.detail
    assert len(server.hits) == 1


# Replay ---------------------------------------------------------------------------------------


def test_replay_returns_the_original_bytes_of_the_capture(
    archive: WaybackArchive, clock: FakeClock
) -> None:
    client = wayback(archive.base_url, clock)
    capture = client.captures(FEED, date(2024, 3, 3), date(2024, 3, 3)).captures[0]
    fetched = client.replay(capture)
    assert fetched.result.status is FetchStatus.OK
    assert fetched.result.body == RSS + b"<!-- b -->"
    assert fetched.result.content_type == "application/rss+xml"
    assert fetched.capture_timestamp == "20240303080000"
    assert fetched.archive_url == f"{archive.base_url}/web/20240303080000id_/{FEED}"
    assert archive.requests[1] == f"/web/20240303080000id_/{FEED}"
    assert len(archive.requests) == len(set(archive.requests)) == 2


def test_nearest_follows_the_redirect_and_records_the_served_capture(
    archive: WaybackArchive, clock: FakeClock
) -> None:
    fetched = wayback(archive.base_url, clock).nearest(
        FEED, datetime(2024, 3, 4, 23, 0, tzinfo=UTC)
    )
    assert fetched.result.status is FetchStatus.OK
    assert fetched.capture_timestamp == "20240305000000"
    assert fetched.result.body == RSS + b"<!-- c -->"
    assert fetched.archive_url.endswith(f"/web/20240304230000id_/{FEED}")
    assert fetched.result.final_url == f"{archive.base_url}/web/20240305000000id_/{FEED}"
    assert archive.requests == [
        f"/web/20240304230000id_/{FEED}",
        f"/web/20240305000000id_/{FEED}",
    ]


def test_nearest_reads_an_aware_time_in_utc(archive: WaybackArchive, clock: FakeClock) -> None:
    from datetime import timedelta, timezone

    kyiv = timezone(timedelta(hours=2))
    wayback(archive.base_url, clock).nearest(FEED, datetime(2024, 3, 1, 14, 0, tzinfo=kyiv))
    assert archive.requests[0] == f"/web/20240301120000id_/{FEED}"


def test_a_url_never_captured_is_a_soft_not_found(
    archive: WaybackArchive, clock: FakeClock
) -> None:
    fetched = wayback(archive.base_url, clock).replay("https://never.example/", "20240301000000")
    assert (fetched.result.status, fetched.result.reason) == (FetchStatus.SOFT, Reason.NOT_FOUND)
    assert fetched.capture_timestamp is None
    assert len(archive.requests) == 1


def test_a_redirect_out_of_the_archive_is_not_taken_for_a_capture(
    server: TestServer, clock: FakeClock
) -> None:
    server.route(
        f"/archive/web/20240301000000id_/{FEED}", Reply(302, headers={"Location": "/live"})
    )
    server.route("/live", Reply(body=b"today's page, not March's"))
    fetched = wayback(server.url("/archive"), clock).replay(FEED, "20240301000000")
    assert (fetched.result.status, fetched.result.reason) == (FetchStatus.SOFT, Reason.NOT_FOUND)
    assert fetched.result.body == b""
    assert fetched.capture_timestamp is None
    assert "/live" in fetched.result.detail


def test_a_gzip_bomb_capture_is_refused_by_the_byte_cap(
    archive: WaybackArchive, clock: FakeClock
) -> None:
    archive.add_gzip_bomb(OTHER, "20240304000000", decompressed_size=20_000_000)
    client = wayback(archive.base_url, clock, http={"max_bytes": 1_000_000})
    began = time.monotonic()
    fetched = client.replay(OTHER, "20240304000000")
    assert (fetched.result.status, fetched.result.reason) == (FetchStatus.HARD, Reason.TOO_LARGE)
    assert fetched.result.body == b""
    assert time.monotonic() - began < 2


@pytest.mark.parametrize(
    "original", ["ftp://news.example/feed", "file:///etc/passwd", "javascript:alert(1)"]
)
def test_a_non_http_original_is_refused_without_a_request(
    archive: WaybackArchive, clock: FakeClock, original: str
) -> None:
    client = wayback(archive.base_url, clock)
    listing = client.captures(original, date(2024, 3, 1), date(2024, 3, 2))
    fetched = client.replay(original, "20240301000000")
    for result in (listing.result, fetched.result):
        assert (result.status, result.reason) == (FetchStatus.HARD, Reason.BAD_SCHEME)
    assert archive.requests == []
    assert clock.sleeps == []


def test_a_non_http_base_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="bad_scheme"):
        WaybackClient("file:///var/archive", loopback_client())


def test_an_archive_under_a_path_and_a_host_name(clock: FakeClock) -> None:
    with WaybackArchive(
        [(FEED, "20240301120000", RSS, "application/rss+xml", 200)], prefix="/wayback"
    ) as served:
        base = "http://archive.example/wayback/"
        http = {"host_map": {"archive.example": f"127.0.0.1:{served.port}"}}
        client = wayback(base, clock, http=http)
        listing = client.captures(FEED, date(2024, 3, 1), date(2024, 3, 1))
        fetched = client.replay(listing.captures[0])
    assert fetched.result.body == RSS
    assert fetched.capture_timestamp == "20240301120000"
    assert served.requests[0].startswith("/wayback/cdx/search/cdx?")
    assert served.requests[1] == f"/wayback/web/20240301120000id_/{FEED}"


# Pace and 429 ---------------------------------------------------------------------------------


def test_requests_keep_a_steady_pace_per_endpoint(
    archive: WaybackArchive, clock: FakeClock
) -> None:
    client = wayback(archive.base_url, clock, cdx_per_minute=12, replay_per_minute=30)
    listing = client.captures(FEED, date(2024, 3, 1), date(2024, 3, 31))
    client.captures(OTHER, date(2024, 3, 1), date(2024, 3, 31))
    for capture in listing.captures:
        assert client.replay(capture).result.ok
    # CDX starts 5 s apart; four replays 2 s apart, not held back by the CDX pace.
    assert clock.sleeps == [5.0, 2.0, 2.0, 2.0]
    assert len(archive.requests) == len(set(archive.requests)) == 6


def test_a_429_is_waited_out_as_retry_after_says_then_tried_once_more(clock: FakeClock) -> None:
    captures = [(FEED, "20240301120000", RSS, "application/rss+xml", 200)]
    with WaybackArchive(captures, rate_limit=(1, 10.0), clock=clock) as served:
        client = wayback(served.base_url, clock)
        first = client.captures(FEED, date(2024, 3, 1), date(2024, 3, 2))
        second = client.captures(OTHER, date(2024, 3, 1), date(2024, 3, 2))
    assert first.result.ok and second.result.ok
    # 2.5 s of pace (24 a minute); then a 429 at t=2.5 asking for 8 s, waited once.
    assert clock.sleeps == [2.5, 8.0]
    assert len(served.requests) == 3
    assert served.requests[1] == served.requests[2]


def test_an_archive_that_keeps_answering_429_gets_two_requests_not_a_loop(clock: FakeClock) -> None:
    with WaybackArchive([], rate_limit=(0, 5.0), clock=clock) as served:
        client = wayback(served.base_url, clock)
        listing = client.captures(FEED, date(2024, 3, 1), date(2024, 3, 2))
        fetched = client.replay(FEED, "20240301000000")
    assert (listing.result.status, listing.result.reason) == (
        FetchStatus.TEMPORARY,
        Reason.RATE_LIMITED,
    )
    assert listing.result.http_status == 429 and listing.result.retry_after_s == 5.0
    # Each endpoint: a 429, its Retry-After waited once, a second 429, and no third request.
    assert clock.sleeps == [5.0, 5.0]
    assert fetched.result.reason is Reason.RATE_LIMITED
    assert len(served.requests) == 4


def test_a_retry_after_past_the_patience_sends_nothing_until_it_passes(clock: FakeClock) -> None:
    with WaybackArchive([], rate_limit=(0, 600.0), clock=clock) as served:
        client = wayback(served.base_url, clock, max_wait_s=60.0)
        first = client.captures(FEED, date(2024, 3, 1), date(2024, 3, 2))
        again = client.captures(FEED, date(2024, 3, 1), date(2024, 3, 2))
        assert len(served.requests) == 1
        assert clock.sleeps == []
        assert (first.result.http_status, first.result.retry_after_s) == (429, 600.0)
        assert "not retried" in first.result.detail
        assert (again.result.reason, again.result.http_status) == (Reason.RATE_LIMITED, None)
        assert again.result.retry_after_s == pytest.approx(600.0)
        assert "not sent" in again.result.detail
        clock.now += 600.0
        client.captures(FEED, date(2024, 3, 1), date(2024, 3, 2))
        assert len(served.requests) == 2


def test_the_rate_limiter_spaces_starts_on_a_fake_clock(clock: FakeClock) -> None:
    limiter = ArchiveRateLimiter(30, clock=clock, sleep=clock.sleep)
    waits = []
    for _ in range(3):
        with limiter.slot() as waited:
            waits.append(waited)
    assert clock.sleeps == [2.0, 2.0] and waits == [0.0, 2.0, 2.0]
    clock.now += 10.0  # idle for longer than the interval: no wait
    with limiter.slot():
        pass
    assert clock.sleeps == [2.0, 2.0]


def test_the_rate_limiter_pauses_after_a_429(clock: FakeClock) -> None:
    limiter = ArchiveRateLimiter(
        60, max_wait_s=100.0, default_pause_s=30.0, clock=clock, sleep=clock.sleep
    )
    assert limiter.pause(None) == 30.0
    with limiter.slot():
        pass
    assert clock.sleeps == [30.0]
    limiter.pause(500.0)
    with pytest.raises(ArchivePaused) as caught, limiter.slot():
        pytest.fail("a slot was given during a long pause")
    assert caught.value.wait_s == pytest.approx(500.0)
    assert clock.sleeps == [30.0]


def test_the_rate_limiter_lets_one_request_through_at_a_time() -> None:
    limiter = ArchiveRateLimiter(60_000)  # 1 ms apart: real time, but short
    active, most, starts = [0], [0], []
    guard = threading.Lock()

    def work() -> None:
        for _ in range(5):
            with limiter.slot():
                with guard:
                    active[0] += 1
                    most[0] = max(most[0], active[0])
                    starts.append(time.monotonic())
                time.sleep(0.001)
                with guard:
                    active[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert most[0] == 1 and len(starts) == 20
    starts.sort()
    assert min(b - a for a, b in itertools.pairwise(starts)) >= 0.0009
