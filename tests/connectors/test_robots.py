"""robots.txt read as RFC 9309 says: patterns, precedence, the group for Parallax, hostile files.

Already covered in test_politeness.py and not repeated: a Parallax group replacing the `*`
group, what 401/403/404/5xx and a plain HTML page mean, the cap counted after decompression,
the cache per site and the TTL.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from parallax.connectors.records import FetchResult, FetchStatus, Reason
from parallax.connectors.robots import ROBOTS_MAX_BYTES, parse_robots_txt, rules_from
from tests.connectors.loopback import loopback_client
from tests.servers import Reply, TestServer

SITE = "http://news.example"  # never fetched: these rules are asked, not requested


def noise(seed: bytes, size: int) -> bytes:
    """`size` bytes that look random and are the same on every run."""
    return hashlib.shake_256(seed).digest(size)


def allows(robots: str | bytes, path: str) -> bool:
    """Whether Parallax may fetch `path` under a robots.txt with this body."""
    body = robots.encode() if isinstance(robots, str) else robots
    return parse_robots_txt(body).allows(SITE + path)


@pytest.mark.parametrize(
    ("robots", "path", "allowed"),
    [
        # `*` stands for any run of characters, anywhere in the pattern.
        ("Disallow: /*?print=", "/a?print=1", False),
        ("Disallow: /*?print=", "/2024/05/a?print=", False),
        ("Disallow: /*?print=", "/a", True),
        ("Disallow: /*?print=", "/a?page=2", True),
        ("Disallow: /*/amp/*.html", "/world/amp/x.html", False),
        ("Disallow: /*/amp/*.html", "/world/x.html", True),
        # A final `$` anchors the pattern to the end of the path and query.
        ("Disallow: /*.pdf$", "/x.pdf", False),
        ("Disallow: /*.pdf$", "/x.pdf?download=1", True),
        ("Disallow: /*.pdf$", "/x.pdfs", True),
        ("Disallow: /$", "/", False),
        ("Disallow: /$", "/story", True),
        # A `$` before the end is an ordinary character.
        ("Disallow: /a$b", "/a$b/c", False),
        ("Disallow: /a$b", "/a", True),
    ],
)
def test_wildcards_and_end_anchors(robots: str, path: str, allowed: bool) -> None:
    assert allows(f"User-agent: *\n{robots}\n", path) is allowed


@pytest.mark.parametrize(
    ("rules", "path", "allowed"),
    [
        # The longest matching pattern wins, wherever it stands in the file.
        (["Allow: /news/", "Disallow: /news/private/"], "/news/private/x", False),
        (["Disallow: /news/private/", "Allow: /news/"], "/news/private/x", False),
        (["Allow: /news/", "Disallow: /news/private/"], "/news/today", True),
        (["Disallow: /news/", "Allow: /news/public/"], "/news/public/x", True),
        (["Disallow: /news/", "Allow: /news/public/"], "/news/other", False),
        (["Disallow: /", "Allow: /*.html$"], "/a.html", True),
        # At equal length Allow wins, in either order.
        (["Disallow: /page", "Allow: /page"], "/page", True),
        (["Allow: /page", "Disallow: /page"], "/page", True),
        (["Disallow: /*.html", "Allow: /a*html"], "/a.html", True),
    ],
)
def test_the_longest_match_wins_and_allow_wins_a_tie(
    rules: list[str], path: str, allowed: bool
) -> None:
    assert allows("User-agent: *\n" + "\n".join(rules) + "\n", path) is allowed


@pytest.mark.parametrize(
    ("rule", "path", "allowed"),
    [
        ("/caf%C3%A9", "/café", False),
        ("/café", "/caf%C3%A9", False),
        ("/caf%c3%a9", "/caf%C3%A9", False),
        ("/%7Euser/", "/~user/x", False),
        ("/~user/", "/%7euser/x", False),
        # Reserved characters keep their meaning: an encoded slash is not a slash.
        ("/a%2Fb", "/a/b", True),
        ("/a/b", "/a%2Fb", True),
    ],
)
def test_percent_encoded_and_plain_spellings_compare_equal(
    rule: str, path: str, allowed: bool
) -> None:
    assert allows(f"User-agent: *\nDisallow: {rule}\n", path) is allowed


@pytest.mark.parametrize(
    ("robots", "allowed"),
    [
        pytest.param("User-agent: PARALLAX\nDisallow: /\n", False, id="upper-case"),
        pytest.param("user-agent: parallax\nDisallow: /\n", False, id="lower-case"),
        # As Google's parser reads it: the token is the leading letters, `_` and `-`.
        pytest.param("User-agent: Parallax/1.0\nDisallow: /\n", False, id="version"),
        pytest.param("User agent: Parallax\nDisallow: /\n", False, id="user-space-agent"),
        pytest.param("User-agent Parallax # us\nDisallow: /\n", False, id="no-colon-comment"),
        # Neither a prefix nor a longer name is the product token.
        pytest.param("User-agent: Para\nDisallow: /\n", True, id="prefix"),
        pytest.param(
            "User-agent: P\nDisallow: /\n\nUser-agent: *\nAllow: /\n", True, id="one-letter"
        ),
        pytest.param("User-agent: ParallaxBot\nDisallow: /\n", True, id="longer-name"),
        pytest.param("User-agent: Parallax-News\nDisallow: /\n", True, id="hyphenated-name"),
        pytest.param("User-agent: *bot\nDisallow: /\n", True, id="star-bot"),
        # Groups for Parallax merge; a line naming Parallax beside another agent counts.
        pytest.param(
            "User-agent: Parallax\nDisallow: /a\n\nUser-agent: parallax\nDisallow: /story\n",
            False,
            id="merged",
        ),
        pytest.param(
            "User-agent: OtherBot\nUser-agent: Parallax\nDisallow: /story\n",
            False,
            id="shared-line",
        ),
        # An empty group for Parallax still replaces the one for everyone.
        pytest.param(
            "User-agent: Parallax\nDisallow:\n\nUser-agent: *\nDisallow: /\n",
            True,
            id="empty-group",
        ),
        # With no group for Parallax, every `*` group binds, merged.
        pytest.param(
            "User-agent: *\nDisallow: /a\n\nUser-agent: *\nDisallow: /story\n",
            False,
            id="star-merged",
        ),
        pytest.param("User-agent: * # everyone\nDisallow: /\n", False, id="star-comment"),
        pytest.param("User-agent: OtherBot\nDisallow: /\n", True, id="other-only"),
        # Rules before any user-agent belong to no group.
        pytest.param(
            "Disallow: /\nUser-agent: OtherBot\nDisallow: /x\n", True, id="before-any-agent"
        ),
    ],
)
def test_the_group_for_parallax_is_chosen_as_rfc_9309_says(robots: str, allowed: bool) -> None:
    assert allows(robots, "/story") is allowed


def test_a_byte_order_mark_does_not_hide_the_first_line() -> None:
    assert not allows(b"\xef\xbb\xbfUser-agent: *\nDisallow: /\n", "/story")


def test_only_the_first_robots_max_bytes_are_parsed_and_a_cut_line_is_dropped() -> None:
    head = b"User-agent: *\nDisallow: /early/\n"
    cut = b"Disallow: /private-archive/\n"
    # Filler rules up to where the cap cuts `cut` to `Disallow: /`, then megabytes more.
    filler_size = ROBOTS_MAX_BYTES - len(head) - len(b"Disallow: /")
    line = b"Disallow: /*/filler-0000*.html$\n"
    filler = line * (filler_size // len(line)) + b"#" * (filler_size % len(line) - 1) + b"\n"
    tail = b"Disallow: /late/\n" + line * 200_000
    body = head + filler + cut + tail
    assert len(body) > 6 * 1024 * 1024
    assert (head + filler + cut)[:ROBOTS_MAX_BYTES].endswith(b"\nDisallow: /")
    rules = rules_from(
        FetchResult(SITE + "/robots.txt", FetchStatus.OK, Reason.OK, datetime.now(UTC), body=body)
    )
    assert not rules.allows(SITE + "/early/x")
    assert not rules.allows(SITE + "/a/filler-0000.html")
    assert rules.allows(SITE + "/story")  # not shut by the cut `Disallow: /`
    assert rules.allows(SITE + "/private-archive/x")
    assert rules.allows(SITE + "/late/x")


@pytest.mark.parametrize(
    "body",
    [
        noise(b"random", 256 * 1024),
        b"\x89PNG\r\n\x1a\n" + noise(b"png", 4096),
        b"\x00" * 10_000,
        b"\xff\xfe" + "User-agent: *\nDisallow: /\n".encode("utf-16-le"),  # RFC 9309: UTF-8 only
        b"\x1f\x8b\x08\x00" + noise(b"gzip", 2048),  # gzip served undecoded
    ],
    ids=["random", "png", "nul", "utf-16", "gzip"],
)
def test_binary_garbage_reads_as_no_rules(body: bytes) -> None:
    rules = parse_robots_txt(body)
    assert all(rules.allows(SITE + path) for path in ("/", "/story", "/a?print=1"))


def test_stray_bytes_hide_no_rule_around_them() -> None:
    robots = b"User-agent: *\n\xff\xfe\x00\x9c garbage \xc3\nDisallow: /private/\n\x80\x81\n"
    assert not allows(robots, "/private/x")
    assert allows(robots, "/story")


@pytest.mark.parametrize(
    "page",
    [
        b"<!DOCTYPE html>\n<html><head><title>Not found</title></head><body>\n"
        b"<p>Looking for our crawler rules? Here they are:</p>\n<pre>\n"
        b"User-agent: *\nDisallow: /\n</pre>\n</body></html>\n",
        b"\xef\xbb\xbf\n  <html>\nUser-agent: *\nDisallow: /\n</html>",
        b"<?xml version='1.0'?>\n<error>\nUser-agent: *\nDisallow: /\n</error>\n",
    ],
    ids=["soft-404", "bom-and-space", "xml"],
)
def test_a_page_served_as_robots_txt_disallows_nothing(server: TestServer, page: bytes) -> None:
    # Its lines read as rules, but a body that opens with markup is a page, not a robots.txt.
    server.route("/robots.txt", Reply(body=page, headers={"Content-Type": "text/html"}))
    server.route("/story", Reply(body=b"page"))
    with loopback_client() as http:
        result = http.fetch(server.url("/story"), check_robots=True)
    assert result.status is FetchStatus.OK
    assert server.hits == ["/robots.txt", "/story"]


def test_rules_served_as_html_are_still_rules(server: TestServer) -> None:
    # A wrong Content-Type is common; what decides is what the body is.
    robots = b"User-agent: *\nDisallow: /story\n"
    server.route("/robots.txt", Reply(body=robots, headers={"Content-Type": "text/html"}))
    with loopback_client() as http:
        result = http.fetch(server.url("/story"), check_robots=True)
    assert result.reason is Reason.ROBOTS_DISALLOWED


def test_wildcards_hold_from_fetch_to_verdict(server: TestServer) -> None:
    robots = b"User-agent: *\nDisallow: /*?print=\nDisallow: /*.pdf$\nAllow: /files/*.pdf$\n"
    server.route("/robots.txt", Reply(body=robots, headers={"Content-Type": "text/plain"}))
    for path in ("/a", "/x.pdf", "/files/y.pdf"):
        server.route(path, Reply(body=b"page"))
    with loopback_client() as http:
        verdicts = {
            path: http.fetch(server.url(path), check_robots=True).reason
            for path in ("/a?print=1", "/a", "/x.pdf", "/x.pdf?download=1", "/files/y.pdf")
        }
    assert verdicts == {
        "/a?print=1": Reason.ROBOTS_DISALLOWED,
        "/a": Reason.OK,
        "/x.pdf": Reason.ROBOTS_DISALLOWED,
        "/x.pdf?download=1": Reason.OK,
        "/files/y.pdf": Reason.OK,
    }
    assert server.hits == ["/robots.txt", "/a", "/x.pdf?download=1", "/files/y.pdf"]


def test_a_robots_txt_of_megabytes_through_the_client(server: TestServer) -> None:
    line = b"Disallow: /*/filler-0000*.html$\n"
    robots = (
        b"User-agent: Parallax\nDisallow: /*?print=\n"
        + line * (8 * 1024 * 1024 // len(line))
        + b"Disallow: /story\n"
    )
    server.route("/robots.txt", Reply(body=robots))
    for path in ("/story", "/a"):
        server.route(path, Reply(body=b"page"))
    with loopback_client() as http:
        printed = http.fetch(server.url("/a?print=1"), check_robots=True)
        late = http.fetch(server.url("/story"), check_robots=True)
    assert printed.reason is Reason.ROBOTS_DISALLOWED
    assert late.reason is Reason.OK  # disallowed past the cap
    assert server.hits == ["/robots.txt", "/story"]
