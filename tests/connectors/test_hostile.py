"""Hostile input on loopback: bombs, entity tricks and addresses that must never be reached.

Already covered elsewhere and not repeated: feed links to file:, ftp:, data: and javascript:
skipped and counted, and titles and summaries with <script>, onerror= and javascript: links
stored as plain text (tests/data/feeds/hostile_links.xml); a redirect to file: or ftp: and
non-http(s) URLs refused (test_http.py); reports escape what they show (tests/reports).
"""

from __future__ import annotations

import functools
import gzip
import ipaddress
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import brotli
import httpcore
import pytest

from parallax.connectors.articles import fetch_article
from parallax.connectors.feeds import parse_feed, poll_feed
from parallax.connectors.feedxml import MAX_EXPANSION, entities_bounded
from parallax.connectors.http import HttpClient
from parallax.connectors.netguard import address_refusal
from parallax.connectors.records import (
    FeedEntry,
    FeedParse,
    FeedState,
    FetchStatus,
    PendingArticle,
    Reason,
)
from tests.connectors.loopback import Listener, loopback_client, read_request, replies
from tests.servers import Reply, TestServer

CAP = 1_000_000  # http.max_bytes in these tests
BOMB_SIZE = 32_000_000  # what each bomb decodes to: 32 times the cap


def client(**overrides: Any) -> HttpClient:
    """A loopback client with the byte cap the bombs are measured against."""
    return loopback_client(**{"total_timeout_s": 5.0, "max_bytes": CAP, **overrides})


def pending(url: str) -> PendingArticle:
    entry = FeedEntry(feed_url="http://feeds.example/f", url=url, link=url, title="t", position=0)
    return PendingArticle(url, url, "Outlet", datetime.now(UTC), entry)


def peak_memory(action: Callable[[], Any]) -> tuple[Any, int]:
    """Run `action` under tracemalloc; return its result and the peak of traced bytes."""
    tracemalloc.start()
    try:
        return action(), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# Compression bombs: aborted at the cap, with memory bounded by the cap, not by the bomb.


@functools.cache
def bomb(encoding: str) -> bytes:
    """BOMB_SIZE zero bytes under the given Content-Encoding (built once per session)."""
    zeros = b"\0" * BOMB_SIZE
    layers: dict[str, Callable[[bytes], bytes]] = {
        "gzip": lambda data: gzip.compress(data, 9),
        "deflate": lambda data: zlib.compress(data, 9),
        "br": lambda data: bytes(brotli.compress(data, quality=5)),
    }
    # Applied in the order listed: with "gzip, br" the bomb is the inner layer, behind an
    # innocent-looking brotli one.
    for name in encoding.split(", "):
        zeros = layers[name](zeros)
    return zeros


@pytest.mark.parametrize("target", ["feed", "page"])
@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "gzip, br", "br, gzip"])
def test_a_compression_bomb_stops_at_the_cap_in_bounded_memory(encoding: str, target: str) -> None:
    body = bomb(encoding)
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Encoding: {encoding}\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    # A raw listener: the client hangs up on a half-read body, which it shrugs off.
    with Listener(replies(head.encode() + body)) as bomber:
        http = client()
        url = bomber.url("/bomb")
        if target == "feed":
            outcome, peak = peak_memory(lambda: poll_feed(http, FeedState(url=url, outlet="X")))
        else:
            outcome, peak = peak_memory(lambda: fetch_article(http, pending(url)))
    assert (outcome.status, outcome.reason) == (FetchStatus.HARD, Reason.TOO_LARGE)
    assert outcome.fetch.body == b""
    # The decoded part in hand plus one copy of it; nothing near the 32 MB of the bomb. (Brotli's
    # own window, allocated in C, is outside tracemalloc's view; the format bounds it at 16 MB.)
    assert peak < 3 * CAP, f"peak {peak / 1e6:.1f} MB for a {CAP / 1e6:.0f} MB cap"


@pytest.mark.parametrize("encoding", ["gzip, br", "br, gzip", "deflate, gzip", "identity, gzip"])
def test_chained_content_encodings_come_off_in_reverse(server: TestServer, encoding: str) -> None:
    page = b"<html><body>Blinken and Lavrov</body></html>"
    layers = {
        "gzip": gzip.compress,
        "br": brotli.compress,
        "deflate": zlib.compress,
        "identity": lambda data: data,
    }
    body = page
    for name in (e.strip() for e in encoding.split(",")):
        body = layers[name](body)
    server.route("/page", Reply(body=body, headers={"Content-Encoding": encoding}))
    result = client().fetch(server.url("/page"))
    assert (result.status, result.body) == (FetchStatus.OK, page)


@pytest.mark.parametrize(
    "encoding", ["zstd", "compress", "x-bogus", "gzip, gzip, gzip, gzip"], ids=str
)
def test_an_unknown_or_too_deep_content_encoding_is_a_decode_error(
    server: TestServer, encoding: str
) -> None:
    server.route(
        "/feed", Reply(body=b"\x28\xb5\x2f\xfd" + b"?" * 50, headers={"Content-Encoding": encoding})
    )
    poll = poll_feed(client(), FeedState(url=server.url("/feed"), outlet="X"))
    assert (poll.status, poll.reason, poll.parse) == (FetchStatus.HARD, Reason.DECODE_ERROR, None)
    assert poll.fetch.body == b""


# XML entities in feeds: nothing expanded past a small bound, nothing read, nothing fetched.


def rss(doctype: str, text: str, *, prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n{prolog}{doctype}\n'
        '<rss version="2.0"><channel><title>Hostile</title><link>http://feeds.example/</link>'
        f"<item><title>T {text}</title><link>http://feeds.example/a</link>"
        f"<guid>g {text}</guid><description>{text}</description></item></channel></rss>"
    ).encode()


_LAUGHS = '<!ENTITY lol "lol">\n' + "".join(
    f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "&lol;") * 10}">\n' for i in range(1, 10)
)
_BIG = "A" * 10_000
EXPANSIONS = {
    "billion-laughs": rss(f"<!DOCTYPE rss [\n{_LAUGHS}]>", "&lol9;"),
    "billion-laughs-one-line": rss(f"<!DOCTYPE rss [{_LAUGHS.replace(chr(10), '')}]>", "&lol9;"),
    "quadratic": rss(f'<!DOCTYPE rss [\n<!ENTITY a "{_BIG}">\n]>', "&a;" * 5_000),
    "quadratic-one-line": rss(f'<!DOCTYPE rss [<!ENTITY a "{_BIG}">]>', "&a;" * 5_000),
    # feedparser stops looking for declarations at the first "<name"; a value holding one hides
    # the rest of the DOCTYPE from its clean-up.
    "quadratic-behind-markup": rss(
        f'<!DOCTYPE rss [\n<!ENTITY b "<b>">\n<!ENTITY a "{_BIG}">\n]>', "&a;" * 5_000
    ),
    "quadratic-outside-doctype": rss(
        "<!DOCTYPE rss>", "&a;" * 5_000, prolog=f'<!ENTITY a "{_BIG}">\n'
    ),
    "quadratic-utf-16": rss(f'<!DOCTYPE rss [\n<!ENTITY a "{_BIG}">\n]>', "&a;" * 5_000)
    .decode()
    .replace('encoding="utf-8"', 'encoding="utf-16"')
    .encode("utf-16"),
}


def stored_text(parsed: FeedParse) -> str:
    """Every text field Parallax keeps from a parsed feed, in one string."""
    fields = [parsed.title, parsed.bozo]
    for entry in parsed.entries:
        fields += [entry.title, entry.summary, entry.guid or "", entry.author or "", entry.link]
    return "\n".join(fields)


def test_feedparser_hook_point_is_in_place() -> None:
    # If a feedparser upgrade moved replace_doctype, the bound would silently stop applying.
    assert entities_bounded()


@pytest.mark.parametrize("body", EXPANSIONS.values(), ids=EXPANSIONS.keys())
def test_entity_expansion_is_not_carried_out(body: bytes) -> None:
    began = time.perf_counter()
    parsed, peak = peak_memory(lambda: parse_feed(body, "http://feeds.example/feed"))
    elapsed = time.perf_counter() - began
    assert len(parsed.entries) == 1
    text = stored_text(parsed)
    assert _BIG not in text and "lol" * 100 not in text
    assert elapsed < 5  # unguarded, the quadratic cases take minutes and gigabytes
    assert peak < 50_000_000


def test_a_small_declared_entity_still_expands() -> None:
    # feedparser's corpus has feeds that declare a short prefix; the bound leaves them be.
    body = rss('<!DOCTYPE rss [\n<!ENTITY id "tag:example.com,">\n]>', "&id;2006")
    entry = parse_feed(body, "http://feeds.example/feed").entries[0]
    assert entry.title == "T tag:example.com,2006"


def test_the_expansion_bound_counts_every_reference() -> None:
    just_over = "&a;" * (MAX_EXPANSION // len(_BIG) + 1)
    body = rss(f'<!DOCTYPE rss [\n<!ENTITY a "{_BIG}">\n]>', just_over)
    assert _BIG not in stored_text(parse_feed(body, "http://feeds.example/feed"))


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("PARALLAX-SECRET-7f3a9\n")
    return path


EXTERNAL = {
    "file-entity": '<!DOCTYPE rss [\n<!ENTITY x SYSTEM "{file}">\n]>',
    "passwd-entity": '<!DOCTYPE rss [\n<!ENTITY x SYSTEM "file:///etc/passwd">\n]>',
    "http-entity": '<!DOCTYPE rss [\n<!ENTITY x SYSTEM "{url}">\n]>',
    "http-entity-one-line": '<!DOCTYPE rss [<!ENTITY x SYSTEM "{url}">]>',
    "parameter-entity": '<!DOCTYPE rss [\n<!ENTITY % p SYSTEM "{url}">\n%p;\n]>',
    "external-dtd": '<!DOCTYPE rss SYSTEM "{url}">',
    "public-dtd": '<!DOCTYPE rss PUBLIC "-//Hostile//DTD RSS//EN" "{url}">',
}


@pytest.mark.parametrize("doctype", EXTERNAL.values(), ids=EXTERNAL.keys())
@pytest.mark.parametrize("path", ["parse_feed", "poll_feed"])
def test_external_entities_are_neither_read_nor_fetched(
    server: TestServer, secret: Path, doctype: str, path: str
) -> None:
    with Listener() as listener:
        body = rss(doctype.format(file=secret.as_uri(), url=listener.url("/x.dtd")), "&x;")
        began = time.perf_counter()
        if path == "parse_feed":
            parsed = parse_feed(body, "http://feeds.example/feed")
        else:
            server.route("/feed", Reply(body=body, headers={"Content-Type": "application/xml"}))
            poll = poll_feed(client(), FeedState(url=server.url("/feed"), outlet="X"))
            assert poll.status is FetchStatus.OK and poll.parse is not None
            parsed = poll.parse
        elapsed = time.perf_counter() - began
        # Give a stray connection attempt from a parser thread time to show up.
        time.sleep(0.05)
        assert listener.connections == 0
    text = stored_text(parsed)
    assert "PARALLAX-SECRET" not in text and "root:" not in text
    assert elapsed < 2


def test_an_entity_bomb_in_a_page_is_not_expanded(server: TestServer) -> None:
    words = " ".join(["Blinken and Lavrov met in Stockholm on Thursday."] * 10)
    page = (
        f'<!DOCTYPE html [<!ENTITY a "{_BIG}">]><html><body><article><p>'
        f"{'&a;' * 5000} {words}</p></article></body></html>"
    ).encode()
    server.route("/story", Reply(body=page, headers={"Content-Type": "text/html"}))
    began = time.perf_counter()
    fetched = fetch_article(client(), pending(server.url("/story")))
    assert time.perf_counter() - began < 5
    assert fetched.article is None or _BIG not in fetched.article.text


# Addresses: refused before any connection is attempted.


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every TCP connection the HTTP stack attempts, each one failed instead of made."""
    attempted: list[tuple[str, int]] = []

    def connect_tcp(self: httpcore.SyncBackend, host: str, port: int, **_: Any) -> Any:
        attempted.append((host, port))
        raise httpcore.ConnectError("test: connections are recorded, not made")

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", connect_tcp)
    return attempted


ALWAYS_REFUSED = [
    "169.254.1.1",  # link-local
    "fe80::1",
    "169.254.169.254",  # cloud metadata (AWS, GCP, Azure)
    "fd00:ec2::254",  # AWS metadata over IPv6
    "::ffff:169.254.169.254",  # IPv4-mapped
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "0.0.0.0",  # noqa: S104 - "this host": reaches loopback on Linux
    "::",
    "224.0.0.1",
]
PRIVATE = [
    "127.0.0.1",
    "127.1.2.3",
    "::1",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.1.1",
    "fc00::1",
    "100.64.0.1",  # carrier-grade NAT
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:192.168.1.1",
    "::127.0.0.1",  # IPv4-compatible, deprecated
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b:1::a00:1",  # local-use NAT64
    "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
]


def literal_url(address: str) -> str:
    host = f"[{address}]" if ipaddress.ip_address(address).version == 6 else address
    return f"http://{host}:8080/feed.xml"


@pytest.mark.parametrize("address", ALWAYS_REFUSED + PRIVATE)
@pytest.mark.parametrize("form", ["resolved-name", "literal"])
def test_blocked_addresses_are_refused_before_connecting(
    connects: list[tuple[str, int]], address: str, form: str
) -> None:
    def resolver(host: str, port: int) -> list[str]:
        assert host == "news.example"
        return [address]

    url = "http://news.example/feed.xml" if form == "resolved-name" else literal_url(address)
    result = client(allow_private_network=False, resolver=resolver).fetch(url)
    assert (result.status, result.reason) == (FetchStatus.HARD, Reason.BLOCKED_ADDRESS)
    assert connects == []


@pytest.mark.parametrize("address", ALWAYS_REFUSED)
def test_link_local_and_metadata_stay_refused_when_private_networks_are_allowed(
    connects: list[tuple[str, int]], address: str
) -> None:
    result = client(allow_private_network=True).fetch(literal_url(address))
    assert (result.status, result.reason) == (FetchStatus.HARD, Reason.BLOCKED_ADDRESS)
    assert connects == []


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1::1", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_refusal(address, allow_private=False) is None


# Every redirect hop is checked. 127.0.0.2 stands in for a public server: the address policy
# lets it (and only it) through, so a public page that redirects inward can be played on
# loopback, and the inward target must then be refused like any other.

STAND_IN = "127.0.0.2"


def stand_in_policy(address: str) -> str | None:
    return None if address == STAND_IN else address_refusal(address, allow_private=False)


def resolver_for(names: dict[str, list[str]]) -> Callable[[str, int], list[str]]:
    def resolve(host: str, port: int) -> list[str]:
        if host not in names:
            raise socket.gaierror(socket.EAI_NONAME, "unknown")
        return names[host]

    return resolve


def redirecting(location: Callable[[str], str]) -> Callable[[socket.socket, threading.Event], None]:
    """A listener answer: /final is a page, any other path redirects to location(path)."""

    def answer(conn: socket.socket, closing: threading.Event) -> None:
        path = read_request(conn).split(b" ", 2)[1].decode()
        if path == "/final":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nfine")
        else:
            target = location(path).encode()
            conn.sendall(
                b"HTTP/1.1 302 Found\r\nLocation: " + target + b"\r\n"
                b"Content-Length: 0\r\nConnection: close\r\n\r\n"
            )

    return answer


@pytest.fixture
def inside() -> Iterator[Listener]:
    """A loopback service no outside page may lead Parallax to; it counts who came."""
    with Listener(host="127.0.0.1") as listener:
        yield listener


TARGETS = {
    "loopback-literal": "http://127.0.0.1:{port}/admin",
    "loopback-name": "http://intranet.example:{port}/admin",
    "loopback-mapped": "http://[::ffff:127.0.0.1]:{port}/admin",
    "private-name": "http://router.example/admin",
    "metadata": "http://169.254.169.254/latest/meta-data/",
    "metadata-v6": "http://[fd00:ec2::254]/latest/meta-data/",
}


@pytest.mark.parametrize("target", TARGETS.values(), ids=TARGETS.keys())
def test_a_public_page_redirecting_inward_is_refused_at_that_hop(
    inside: Listener, target: str
) -> None:
    location = target.format(port=inside.port)
    with Listener(redirecting(lambda _path: location), host=STAND_IN) as outside:
        names = {
            "news.example": [STAND_IN],
            "intranet.example": ["127.0.0.1"],
            "router.example": ["192.168.1.1"],
        }
        http = client(
            allow_private_network=False,
            resolver=resolver_for(names),
            address_policy=stand_in_policy,
        )
        result = http.fetch(f"http://news.example:{outside.port}/story")
    assert (result.status, result.reason) == (FetchStatus.HARD, Reason.BLOCKED_ADDRESS)
    assert result.final_url == location
    assert outside.connections == 1
    assert inside.connections == 0


def test_the_stand_in_is_reachable_and_its_own_redirects_followed() -> None:
    # The control for the test above: the refusal is about the target, not the stand-in.
    with Listener(redirecting(lambda _path: "/final"), host=STAND_IN) as outside:
        http = client(
            allow_private_network=False,
            resolver=resolver_for({"news.example": [STAND_IN]}),
            address_policy=stand_in_policy,
        )
        result = http.fetch(f"http://news.example:{outside.port}/story")
    assert (result.status, result.body) == (FetchStatus.OK, b"fine")
    assert outside.connections == 2


def test_a_name_with_blocked_and_allowed_answers_connects_only_to_the_allowed() -> None:
    # DNS may mix answers; the blocked one (10.0.0.1) is never tried. The session's network
    # guard would fail this test if it were.
    with Listener(redirecting(lambda _path: "/final"), host=STAND_IN) as outside:
        http = client(
            allow_private_network=False,
            resolver=resolver_for({"news.example": ["10.0.0.1", STAND_IN]}),
            address_policy=stand_in_policy,
        )
        result = http.fetch(f"http://news.example:{outside.port}/final")
    assert (result.status, result.body) == (FetchStatus.OK, b"fine")
