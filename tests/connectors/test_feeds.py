"""Feed parsing, driven by the self-describing files in tests/data/feeds/."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from parallax.connectors.feeds import NotAFeed, failure_backoff, parse_feed, poll_feed
from parallax.connectors.http import HttpClient, HttpConfig
from parallax.connectors.records import FeedState, FetchStatus, Reason
from tests.conftest import DATA
from tests.connectors.loopback import tracked
from tests.servers import Reply, serving

FEED_URL = "http://feeds.example/section/feed.xml"
FILES = sorted((DATA / "feeds").iterdir())


def expectation(path: Path) -> dict[str, Any]:
    """The JSON after 'Expect:' in the file's leading comment."""
    header = path.read_bytes()[:4000].decode("ascii", errors="replace")
    match = re.search(r"^Expect: (.*)$", header, re.MULTILINE)
    assert match, f"{path.name} has no Expect: line"
    return dict(json.loads(match.group(1)))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_feed_file(path: Path) -> None:
    expect = expectation(path)
    if "error" in expect:
        with pytest.raises(NotAFeed):
            parse_feed(path.read_bytes(), FEED_URL)
        return
    parsed = parse_feed(path.read_bytes(), FEED_URL)
    entries = parsed.entries
    assert len(entries) == expect["entries"]
    checks = {
        "version": lambda: parsed.version,
        "titles": lambda: [e.title for e in entries],
        "urls": lambda: [e.url for e in entries],
        "links": lambda: [e.link for e in entries],
        "authors": lambda: [e.author for e in entries],
        "summaries": lambda: [e.summary for e in entries],
        "published": lambda: [
            e.published_at.isoformat() if e.published_at else None for e in entries
        ],
        "updated": lambda: [e.updated_at.isoformat() if e.updated_at else None for e in entries],
        "skipped": lambda: parsed.skipped,
        "bozo": lambda: bool(parsed.bozo),
    }
    for key, actual in checks.items():
        if key in expect:
            assert actual() == expect[key], key
    for entry in entries:
        assert entry.feed_url == FEED_URL
        assert entry.url.startswith(("http://", "https://"))


def test_entries_past_the_cap_are_counted_not_kept() -> None:
    items = "".join(
        f"<item><title>Story {i}</title><link>http://feeds.example/s/{i}</link></item>"
        for i in range(10_000)
    )
    body = f'<rss version="2.0"><channel><title>Big</title>{items}</channel></rss>'.encode()
    parsed = parse_feed(body, FEED_URL, max_entries=500)
    assert len(parsed.entries) == 500
    assert parsed.total_entries == 10_000
    assert parsed.skipped == {"over_cap": 9_500}
    assert parsed.entries[0].url == "http://feeds.example/s/0"


def test_bytes_that_name_a_local_file_are_not_read_as_one() -> None:
    # feedparser opens a bytes argument as a path when one exists; Parallax never lets it.
    with pytest.raises(NotAFeed):
        parse_feed(b"/etc/hostname", FEED_URL)


def test_failure_backoff_is_linear_and_capped() -> None:
    step, cap = timedelta(minutes=30), timedelta(hours=2)
    assert [failure_backoff(n, step, cap) for n in range(6)] == [
        timedelta(0),
        step,
        2 * step,
        3 * step,
        cap,
        cap,
    ]


RSS = (DATA / "feeds" / "rss_basic.xml").read_bytes()


def test_poll_feed_parses_then_recognises_unchanged_content() -> None:
    with serving() as server:
        server.route("/feed.xml", Reply(body=RSS, headers={"Content-Type": "application/rss+xml"}))
        http = tracked(HttpClient(HttpConfig(allow_private_network=True, per_host_delay_s=0)))
        state = FeedState(url=server.url("/feed.xml"), outlet="Feeds Example")
        first = poll_feed(http, state)
        assert (first.status, first.reason) == (FetchStatus.OK, Reason.OK)
        assert first.parse is not None and len(first.parse.entries) == 3
        assert first.fetch.body == b"" and first.fetch.body_size == len(RSS)
        # A server that ignores conditional GET: the same bytes are still "not modified".
        again = poll_feed(
            http, FeedState(state.url, state.outlet, content_hash=first.fetch.content_hash)
        )
        assert (again.status, again.reason, again.parse) == (
            FetchStatus.NOT_MODIFIED,
            Reason.UNCHANGED,
            None,
        )
        assert again.consecutive_failures == 0


def test_poll_feed_counts_failures_and_backs_off() -> None:
    with serving() as server:
        server.route("/feed.xml", Reply(body=b"<html><body>moved</body></html>"))
        http = tracked(HttpClient(HttpConfig(allow_private_network=True, per_host_delay_s=0)))
        state = FeedState(url=server.url("/feed.xml"), outlet="X", consecutive_failures=2)
        poll = poll_feed(http, state, backoff_step=timedelta(minutes=10))
        assert (poll.status, poll.reason) == (FetchStatus.SOFT, Reason.NOT_A_FEED)
        assert poll.consecutive_failures == 3
        assert poll.next_due_at - poll.fetch.fetched_at >= timedelta(minutes=29)


UNICODE_FEED = (
    '<?xml version="1.0" encoding="{encoding}"?>'
    '<rss version="2.0"><channel><title>Ström</title>'
    "<item><title>Möte i Stockholm: Blinken och Lavrov</title>"
    "<link>http://feeds.example/mote</link></item></channel></rss>"
)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_feeds_decode(encoding: str) -> None:
    body = UNICODE_FEED.format(encoding=encoding.upper()).encode(encoding)
    if encoding == "utf-16-be":
        body = b"\xfe\xff" + body  # with a byte order mark, as servers send it
    parsed = parse_feed(body, FEED_URL)
    assert [e.title for e in parsed.entries] == ["Möte i Stockholm: Blinken och Lavrov"]


def test_a_wrong_charset_header_does_not_lose_the_feed() -> None:
    # The server says UTF-8 but sends Latin-1: the bytes are kept as valid text, not dropped.
    body = UNICODE_FEED.format(encoding="iso-8859-1").encode("latin-1")
    parsed = parse_feed(body, FEED_URL, content_type="application/rss+xml; charset=utf-8")
    assert len(parsed.entries) == 1
    title = parsed.entries[0].title
    assert title.encode("utf-8").decode("utf-8") == title and "Stockholm" in title


def test_undefined_entities_are_text_not_a_crash() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>'
        b"<item><title>Talks&nbsp;end &amp; &bogus; go on</title>"
        b"<link>http://feeds.example/a</link></item></channel></rss>"
    )
    parsed = parse_feed(body, FEED_URL)
    assert len(parsed.entries) == 1
    assert "Talks" in parsed.entries[0].title and "go on" in parsed.entries[0].title
