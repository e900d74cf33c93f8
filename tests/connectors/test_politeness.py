"""Politeness on loopback: robots.txt for article pages, and the gap between requests to a host."""

from __future__ import annotations

import gzip
import itertools
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler

import brotli
import pytest

from parallax.connectors.articles import fetch_article
from parallax.connectors.feeds import poll_feed
from parallax.connectors.records import (
    FeedEntry,
    FeedState,
    FetchResult,
    FetchStatus,
    PendingArticle,
    Reason,
)
from parallax.connectors.robots import ROBOTS_MAX_BYTES, RobotsCache, robots_url, rules_from
from tests.connectors.loopback import loopback_client
from tests.servers import Reply, TestServer

ROBOTS = b"User-agent: *\nDisallow: /private/\nDisallow: /search\n"


client = loopback_client


def pending(url: str) -> PendingArticle:
    entry = FeedEntry(feed_url="http://feeds.example/f", url=url, link=url, title="t", position=0)
    return PendingArticle(url, url, "Outlet", datetime.now(UTC), entry)


def test_a_disallowed_article_ends_soft_without_being_requested(server: TestServer) -> None:
    server.route("/robots.txt", Reply(body=ROBOTS, headers={"Content-Type": "text/plain"}))
    server.route("/private/story", Reply(body=b"<html>secret</html>"))
    fetched = fetch_article(client(), pending(server.url("/private/story")))
    assert (fetched.status, fetched.reason, fetched.article) == (
        FetchStatus.SOFT,
        Reason.ROBOTS_DISALLOWED,
        None,
    )
    assert "robots.txt disallows Parallax" in fetched.detail
    assert server.hits == ["/robots.txt"]


def test_robots_txt_is_read_once_per_site_however_many_pages_ask(server: TestServer) -> None:
    server.route("/robots.txt", Reply(body=ROBOTS))
    for path in ("/a", "/b", "/c", "/d"):
        server.route(path, Reply(body=b"page"))
    http = client()
    results: list[FetchResult] = []
    threads = [
        threading.Thread(
            target=lambda p=p: results.append(http.fetch(server.url(p), check_robots=True))
        )
        for p in ("/a", "/b", "/c", "/d", "/private/x", "/search?q=1")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert server.hits.count("/robots.txt") == 1
    reasons = sorted(r.reason for r in results)
    assert reasons == sorted([Reason.OK] * 4 + [Reason.ROBOTS_DISALLOWED] * 2)
    assert "/private/x" not in server.hits and not any(h.startswith("/search") for h in server.hits)


@pytest.mark.parametrize(
    ("path", "allowed"),
    [("/members/x", False), ("/private/x", True), ("/news/x", True)],
)
def test_a_group_for_parallax_replaces_the_group_for_everyone(
    server: TestServer, path: str, allowed: bool
) -> None:
    robots = (
        ROBOTS
        + b"\nUser-agent: Parallax\nDisallow: /members/\n\nUser-agent: OtherBot\nDisallow: /\n"
    )
    server.route("/robots.txt", Reply(body=robots))
    server.route(path, Reply(body=b"page"))
    result = client().fetch(server.url(path), check_robots=True)
    assert (result.reason is Reason.OK) == allowed


def _cut_short(handler: BaseHTTPRequestHandler) -> None:
    handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\nUser-agent: *")


@pytest.mark.parametrize(
    ("reply", "allowed"),
    [
        (Reply(404), True),
        (Reply(410), True),
        (Reply(500), True),  # a failing robots.txt must not cost the article (module docstring)
        (Reply(200, b"<html><body>Welcome</body></html>"), True),  # a soft 404 page: no rules
        (Reply(401), False),
        (Reply(403), False),
        (Reply(raw=_cut_short), True),
    ],
    ids=["404", "410", "500", "html", "401", "403", "truncated"],
)
def test_what_an_unreadable_robots_txt_means(
    server: TestServer, reply: Reply, allowed: bool
) -> None:
    server.route("/robots.txt", reply)
    server.route("/story", Reply(body=b"page"))
    result = client().fetch(server.url("/story"), check_robots=True)
    if allowed:
        assert result.status is FetchStatus.OK
        assert server.hits[-1] == "/story"
    else:
        assert (result.status, result.reason) == (FetchStatus.SOFT, Reason.ROBOTS_DISALLOWED)
        assert "/story" not in server.hits


@pytest.mark.parametrize("encoding", ["identity", "gzip", "br"])
def test_robots_txt_past_the_cap_is_read_up_to_the_cap(server: TestServer, encoding: str) -> None:
    padding = b"# " + b"x" * 98 + b"\n"
    robots = (
        b"User-agent: *\nDisallow: /early/\n"
        + padding * (ROBOTS_MAX_BYTES // len(padding) + 10)
        + b"Disallow: /late/\n"
    )
    # Compressed or not, the cap applies to what the body decodes to, as for any body.
    encode = {"identity": bytes, "gzip": gzip.compress, "br": brotli.compress}[encoding]
    server.route("/robots.txt", Reply(body=encode(robots), headers={"Content-Encoding": encoding}))
    for path in ("/early/x", "/late/x"):
        server.route(path, Reply(body=b"page"))
    http = client()
    early = http.fetch(server.url("/early/x"), check_robots=True)
    late = http.fetch(server.url("/late/x"), check_robots=True)
    assert early.reason is Reason.ROBOTS_DISALLOWED
    assert late.reason is Reason.OK


def test_respect_robots_off_fetches_without_asking(server: TestServer) -> None:
    server.route("/robots.txt", Reply(body=b"User-agent: *\nDisallow: /\n"))
    server.route("/story", Reply(body=b"page"))
    result = client(respect_robots=False).fetch(server.url("/story"), check_robots=True)
    assert result.status is FetchStatus.OK
    assert server.hits == ["/story"]


def test_feeds_are_polled_whatever_robots_txt_says(server: TestServer) -> None:
    server.route("/robots.txt", Reply(body=b"User-agent: *\nDisallow: /\n"))
    server.route(
        "/feed.xml", Reply(body=b'<rss version="2.0"><channel><title>t</title></channel></rss>')
    )
    poll = poll_feed(client(), FeedState(url=server.url("/feed.xml"), outlet="X"))
    assert poll.status is FetchStatus.OK
    assert server.hits == ["/feed.xml"]


def test_a_redirect_to_another_site_asks_that_site_robots_txt(server: TestServer) -> None:
    rules = {
        "news.example": b"User-agent: *\nDisallow:\n",
        "wire.example": b"User-agent: *\nDisallow: /\n",
    }

    def robots(handler: BaseHTTPRequestHandler) -> Reply:
        return Reply(body=rules[handler.headers["Host"].split(":")[0]])

    server.route("/robots.txt", robots)
    server.route("/go", Reply(302, headers={"Location": "http://wire.example/landing"}))
    server.route("/landing", Reply(body=b"page"))
    address = f"127.0.0.1:{server.port}"
    http = client(host_map={"news.example": address, "wire.example": address})
    result = http.fetch("http://news.example/go", check_robots=True)
    assert (result.status, result.reason) == (FetchStatus.SOFT, Reason.ROBOTS_DISALLOWED)
    assert result.final_url == "http://wire.example/landing"
    assert server.hits == ["/robots.txt", "/go", "/robots.txt"]


def test_robots_txt_is_kept_for_its_ttl_per_scheme_host_and_port() -> None:
    asked: list[str] = []
    now = [0.0]

    def fetch(url: str) -> FetchResult:
        asked.append(url)
        return FetchResult(
            url, FetchStatus.SOFT, Reason.NOT_FOUND, datetime.now(UTC), http_status=404
        )

    cache = RobotsCache(fetch, ttl_s=60, clock=lambda: now[0])
    for url in (
        "http://a.example/1",
        "http://a.example/2",
        "https://a.example/1",
        "http://a.example:8080/",
    ):
        assert cache.refusal(url) is None
    now[0] = 61
    cache.refusal("http://a.example/3")
    assert asked == [
        "http://a.example/robots.txt",
        "https://a.example/robots.txt",
        "http://a.example:8080/robots.txt",
        "http://a.example/robots.txt",
    ]


def test_robots_url_ignores_credentials_and_case() -> None:
    assert (
        robots_url("HTTP://user:pw@News.Example:8080/a/b?c")
        == "http://news.example:8080/robots.txt"
    )


@pytest.mark.parametrize(
    ("code", "reason", "allowed"),
    [
        (None, Reason.TIMEOUT, True),
        (None, Reason.DNS_ERROR, True),
        (429, Reason.RATE_LIMITED, True),
        (503, Reason.SERVER_ERROR, True),
        (451, Reason.FORBIDDEN, True),
        (401, Reason.FORBIDDEN, False),
        (403, Reason.FORBIDDEN, False),
    ],
)
def test_rules_from_a_failed_fetch(code: int | None, reason: Reason, allowed: bool) -> None:
    failed = FetchResult(
        "http://a.example/robots.txt",
        FetchStatus.TEMPORARY,
        reason,
        datetime.now(UTC),
        http_status=code,
    )
    assert rules_from(failed).allows("http://a.example/story") is allowed


# The minimum gap between two requests to one host, as the server saw them.


def test_requests_to_one_host_are_spaced_by_the_minimum_delay(server: TestServer) -> None:
    stamps: list[float] = []

    def stamped(_handler: BaseHTTPRequestHandler) -> Reply:
        stamps.append(time.monotonic())
        return Reply(body=b"page")

    for path in ("/robots.txt", "/a", "/b"):
        server.route(path, stamped)
    http = client(per_host_delay_s=0.3, per_host_concurrency=2)
    threads = [
        threading.Thread(target=http.fetch, args=(server.url(p),), kwargs={"check_robots": True})
        for p in ("/a", "/b")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # robots.txt, then the two pages: three request starts, each 0.3 s after the one before,
    # even with two requests allowed in flight at once.
    assert len(stamps) == 3
    assert min(b - a for a, b in itertools.pairwise(stamps)) >= 0.29
