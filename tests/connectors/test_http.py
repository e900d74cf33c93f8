"""The HTTP client against a real server on loopback."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from parallax.connectors.http import HostLimiter, HttpClient, HttpConfig, parse_retry_after
from parallax.connectors.records import FetchStatus, Reason
from tests.connectors.loopback import tracked
from tests.servers import Reply, TestServer, serving


@pytest.fixture
def server() -> Iterator[TestServer]:
    with serving() as running:
        yield running


def client(**overrides: object) -> HttpClient:
    config = {
        "allow_private_network": True,
        "backoff_s": 0.01,
        "per_host_delay_s": 0.0,
        "connect_timeout_s": 2.0,
        "read_timeout_s": 2.0,
        "total_timeout_s": 5.0,
        **overrides,
    }
    return tracked(HttpClient(HttpConfig(**config)))  # type: ignore[arg-type]


def test_ok_body_is_decoded_and_hashed(server: TestServer) -> None:
    page = b"<html><body>Blinken und Lawrow</body></html>"
    server.route(
        "/page",
        Reply(
            body=gzip.compress(page),
            headers={
                "Content-Encoding": "gzip",
                "Content-Type": "text/html; charset=utf-8",
                "ETag": '"v1"',
            },
        ),
    )
    result = client().fetch(server.url("/page"))
    assert (result.status, result.reason, result.http_status) == (FetchStatus.OK, Reason.OK, 200)
    assert result.body == page
    assert result.body_size == len(page)
    assert result.charset == "utf-8"
    assert result.etag == '"v1"'
    assert result.content_hash is not None and len(result.content_hash) == 64


def test_user_agent_names_the_project_and_a_contact(server: TestServer) -> None:
    server.route("/", Reply(body=b"ok"))
    client(contact="mailto:desk@newsroom.example").fetch(server.url("/"))
    agent = server.headers_seen[-1]["User-Agent"]
    assert agent.startswith("Parallax/") and "mailto:desk@newsroom.example" in agent


def test_conditional_get_sends_validators_and_reads_304(server: TestServer) -> None:
    def route(handler: BaseHTTPRequestHandler) -> Reply:
        if handler.headers.get("If-None-Match") == '"v1"':
            return Reply(304)
        return Reply(body=b"<rss/>", headers={"ETag": '"v1"'})

    server.route("/feed", route)
    http = client()
    first = http.fetch(server.url("/feed"))
    second = http.fetch(
        server.url("/feed"), etag=first.etag, last_modified="Thu, 02 Dec 2021 10:00:00 GMT"
    )
    assert first.status is FetchStatus.OK
    assert (second.status, second.reason, second.body) == (
        FetchStatus.NOT_MODIFIED,
        Reason.NOT_MODIFIED,
        b"",
    )
    assert server.headers_seen[-1]["If-Modified-Since"] == "Thu, 02 Dec 2021 10:00:00 GMT"


def test_redirects_are_followed_to_the_final_url(server: TestServer) -> None:
    server.route("/old", Reply(301, headers={"Location": "/middle"}))
    server.route("/middle", Reply(302, headers={"Location": server.url("/new")}))
    server.route("/new", Reply(body=b"here"))
    result = client().fetch(server.url("/old"))
    assert result.status is FetchStatus.OK
    assert result.final_url == server.url("/new")
    assert result.body == b"here"


@pytest.mark.parametrize(
    ("routes", "reason"),
    [
        ({"/a": "/b", "/b": "/a"}, Reason.REDIRECT_LOOP),
        ({f"/{i}": f"/{i + 1}" for i in range(10)}, Reason.TOO_MANY_REDIRECTS),
        ({"/a": None}, Reason.REDIRECT_WITHOUT_LOCATION),
        ({"/a": "ftp://files.example/x"}, Reason.BAD_SCHEME),
        ({"/a": "file:///etc/passwd"}, Reason.BAD_SCHEME),
    ],
    ids=["loop", "long-chain", "no-location", "to-ftp", "to-file"],
)
def test_bad_redirects_stop_with_a_reason(
    server: TestServer, routes: dict[str, str | None], reason: Reason
) -> None:
    for path, target in routes.items():
        server.route(path, Reply(302, headers={"Location": target} if target else {}))
    start = next(iter(routes))
    result = client(max_redirects=5).fetch(server.url(start))
    assert (result.status, result.reason) == (FetchStatus.HARD, reason)
    assert len(server.hits) <= 6


@pytest.mark.parametrize(
    ("code", "status", "reason"),
    [
        (404, FetchStatus.SOFT, Reason.NOT_FOUND),
        (410, FetchStatus.SOFT, Reason.GONE),
        (403, FetchStatus.HARD, Reason.FORBIDDEN),
        (400, FetchStatus.HARD, Reason.CLIENT_ERROR),
    ],
)
def test_client_errors_are_not_retried(
    server: TestServer, code: int, status: FetchStatus, reason: Reason
) -> None:
    server.route("/x", Reply(code, b"no"))
    result = client().fetch(server.url("/x"))
    assert (result.status, result.reason, result.http_status) == (status, reason, code)
    assert result.attempts == 1 and len(server.hits) == 1


def test_server_errors_are_retried_then_succeed(server: TestServer) -> None:
    answers = iter([Reply(500), Reply(502), Reply(body=b"finally")])
    server.route("/flaky", lambda _h: next(answers))
    result = client(retries=2).fetch(server.url("/flaky"))
    assert result.status is FetchStatus.OK and result.body == b"finally"
    assert result.attempts == 3


def test_retries_are_bounded(server: TestServer) -> None:
    server.route("/down", Reply(503))
    result = client(retries=2).fetch(server.url("/down"))
    assert (result.status, result.reason) == (FetchStatus.TEMPORARY, Reason.SERVER_ERROR)
    assert result.attempts == 3 and len(server.hits) == 3


def test_retry_after_is_honoured(server: TestServer) -> None:
    answers = iter([Reply(429, headers={"Retry-After": "1"}), Reply(body=b"ok")])
    server.route("/limited", lambda _h: next(answers))
    began = time.monotonic()
    result = client(retries=1).fetch(server.url("/limited"))
    assert result.status is FetchStatus.OK
    assert time.monotonic() - began >= 0.95


def test_a_retry_after_beyond_the_cap_ends_the_fetch_at_once(server: TestServer) -> None:
    server.route("/limited", Reply(429, headers={"Retry-After": "3600"}))
    began = time.monotonic()
    result = client(retries=3, max_retry_after_s=10).fetch(server.url("/limited"))
    assert (result.status, result.reason) == (FetchStatus.TEMPORARY, Reason.RATE_LIMITED)
    assert result.retry_after_s == 3600 and result.attempts == 1
    assert time.monotonic() - began < 1


def test_parse_retry_after_reads_seconds_and_dates() -> None:
    assert parse_retry_after("120") == 120
    from datetime import UTC, datetime

    now = datetime(2021, 12, 2, 10, 0, tzinfo=UTC)
    assert parse_retry_after("Thu, 02 Dec 2021 10:01:00 GMT", now) == 60
    assert parse_retry_after("soon") is None


def test_body_over_the_cap_is_refused(server: TestServer) -> None:
    server.route("/big", Reply(body=b"x" * 5000))
    result = client(max_bytes=1000).fetch(server.url("/big"))
    assert (result.status, result.reason, result.body) == (FetchStatus.HARD, Reason.TOO_LARGE, b"")


def test_a_gzip_bomb_stops_at_the_cap(server: TestServer) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000)
    server.route("/bomb", Reply(body=bomb, headers={"Content-Encoding": "gzip"}))
    result = client(max_bytes=1_000_000).fetch(server.url("/bomb"))
    assert (result.status, result.reason) == (FetchStatus.HARD, Reason.TOO_LARGE)


def test_a_broken_gzip_body_is_a_decode_error(server: TestServer) -> None:
    server.route("/bad", Reply(body=b"not gzip at all", headers={"Content-Encoding": "gzip"}))
    result = client().fetch(server.url("/bad"))
    assert (result.status, result.reason) == (FetchStatus.HARD, Reason.DECODE_ERROR)


def test_truncated_body_is_a_protocol_error_and_nothing_is_kept(server: TestServer) -> None:
    def truncated(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly this much")

    server.route("/cut", Reply(raw=truncated))
    result = client(retries=0).fetch(server.url("/cut"))
    assert (result.status, result.reason, result.body) == (
        FetchStatus.TEMPORARY,
        Reason.PROTOCOL_ERROR,
        b"",
    )


def test_the_total_deadline_ends_a_dripping_server(server: TestServer) -> None:
    def drip(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(100):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(0.2)

    server.route("/drip", Reply(raw=drip))
    began = time.monotonic()
    result = client(retries=0, read_timeout_s=1.0, total_timeout_s=1.5).fetch(server.url("/drip"))
    assert (result.status, result.reason) == (FetchStatus.TEMPORARY, Reason.DEADLINE)
    assert time.monotonic() - began < 3


def test_loopback_is_refused_unless_allowed(server: TestServer) -> None:
    server.route("/", Reply(body=b"ok"))
    result = client(allow_private_network=False).fetch(server.url("/"))
    assert (result.status, result.reason) == (FetchStatus.HARD, Reason.BLOCKED_ADDRESS)
    assert server.hits == []


def test_host_map_reaches_a_named_host_with_its_host_header(server: TestServer) -> None:
    server.route("/world/rss.xml", Reply(body=b"<rss/>"))
    http = client(host_map={"northwire.example": f"127.0.0.1:{server.port}"})
    result = http.fetch("http://northwire.example/world/rss.xml")
    assert result.status is FetchStatus.OK
    assert result.final_url == "http://northwire.example/world/rss.xml"
    assert server.headers_seen[-1]["Host"] == "northwire.example"


def test_unknown_host_is_a_dns_error_without_asking_a_real_resolver() -> None:
    def resolver(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "unknown")

    with HttpClient(HttpConfig(retries=0), resolver=resolver) as http:
        result = http.fetch("http://no-such-outlet.example/feed")
    assert (result.status, result.reason) == (FetchStatus.TEMPORARY, Reason.DNS_ERROR)


@pytest.mark.parametrize(
    "url", ["ftp://x.example/", "file:///etc/passwd", "javascript:alert(1)", "data:text/html,hi"]
)
def test_non_http_schemes_are_refused_before_connecting(url: str) -> None:
    with HttpClient(HttpConfig()) as http:
        result = http.fetch(url)
    assert (result.status, result.reason) == (FetchStatus.HARD, Reason.BAD_SCHEME)


def test_connection_refused_is_temporary() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = client(retries=0).fetch(f"http://127.0.0.1:{port}/")
    assert (result.status, result.reason) == (FetchStatus.TEMPORARY, Reason.CONNECT_ERROR)


def test_host_limiter_caps_concurrency_per_host() -> None:
    limiter = HostLimiter(concurrency=2, delay_s=0.0)
    active, peak = 0, 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal active, peak
        with limiter.slot("a.example"):
            with lock:
                active += 1
                peak = max(peak, active)
            time.sleep(0.05)
            with lock:
                active -= 1

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak == 2


def test_host_limiter_spaces_request_starts() -> None:
    limiter = HostLimiter(concurrency=4, delay_s=0.1)
    starts = []
    for _ in range(3):
        with limiter.slot("a.example"):
            starts.append(time.monotonic())
    assert starts[2] - starts[0] >= 0.19
