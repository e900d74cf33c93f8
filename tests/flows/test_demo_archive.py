"""The demo's archive and sitemaps, through a real HttpClient and the real backfill connectors.

Expectations are worked out from the demo's own files with feedparser (not with the lxml code
that builds the captures), so a capture that drops or keeps the wrong items shows up.
"""

from __future__ import annotations

import calendar
import csv
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from parallax.connectors.feeds import parse_document
from parallax.connectors.http import HttpClient, HttpConfig
from parallax.connectors.sitemaps import discover, list_window
from parallax.connectors.urls import normalize_url
from parallax.connectors.wayback import CDX_FIELDS, WaybackClient, cdx_query_url
from parallax.flows.demo_archive import ARCHIVE_URL, FEED_CAPTURE_TIMES, DemoArchive
from parallax.flows.demo_site import DEMO_LABELS, DEMO_SITE, DEMO_SOURCES, DemoSite
from parallax.flows.sources import load_sources

EVENT = "blinken-lavrov-stockholm"
SINCE, UNTIL = date(2021, 11, 29), date(2021, 12, 9)
HOST = "stockholmsignal.example"  # months 2021-05, 2021-11 (to the 27th) and 2021-12
FEEDS = [feed for outlet in load_sources(DEMO_SOURCES) for feed in outlet.feeds]
with DEMO_LABELS.open(encoding="utf-8", newline="") as _labels:
    LABELS = list(csv.DictReader(_labels))
EVENT_STORIES = [row for row in LABELS if row["event"] == EVENT]
EVENT_KEYS = {normalize_url(row["url"]) for row in EVENT_STORIES}


def published(row: dict[str, str]) -> datetime:
    return datetime.fromisoformat(row["published_at"]).astimezone(UTC)


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%d%H%M%S")


@pytest.fixture(scope="module")
def archive() -> Iterator[DemoArchive]:
    with DemoArchive() as running:
        yield running


@pytest.fixture(scope="module")
def site() -> Iterator[DemoSite]:
    with DemoSite() as running:
        yield running


@pytest.fixture(scope="module")
def bare_site() -> Iterator[DemoSite]:
    with DemoSite(without_event=EVENT) as running:
        yield running


def client(host_map: dict[str, str]) -> HttpClient:
    return HttpClient(
        HttpConfig(allow_private_network=True, per_host_delay_s=0, retries=0, host_map=host_map)
    )


@pytest.fixture(scope="module")
def http(archive: DemoArchive, site: DemoSite) -> Iterator[HttpClient]:
    with client({**site.host_map(), **archive.host_map()}) as running:
        yield running


@pytest.fixture(scope="module")
def wayback(http: HttpClient) -> WaybackClient:
    # The real pacing, set for a loopback archive that has no limit to respect.
    return WaybackClient(ARCHIVE_URL, http, cdx_per_minute=60_000, replay_per_minute=60_000)


def entries(body: bytes, url: str, content_type: str = "") -> list[tuple[str, datetime | None]]:
    """(normalised link, published time or None) of every entry feedparser reads in a feed."""
    parsed = parse_document(body, url, content_type=content_type)
    assert not parsed.bozo, parsed.get("bozo_exception")
    found = []
    for entry in parsed.entries:
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        moment = datetime.fromtimestamp(calendar.timegm(when), UTC) if when else None
        found.append((normalize_url(entry.link), moment))
    return found


def site_feed(url: str) -> list[tuple[str, datetime | None]]:
    """A feed's entries as the demo site's file holds them (the snapshot of 2021-12-18)."""
    parts = urlsplit(url)
    body = (DEMO_SITE / str(parts.hostname) / parts.path.lstrip("/")).read_bytes()
    return entries(body, url, "application/xml; charset=utf-8")


def expected_stamps(url: str) -> list[str]:
    """The capture times CDX lists with collapse=digest: those where the feed read anew."""
    items = site_feed(url)
    kept, before = [], None
    for when in FEED_CAPTURE_TIMES:
        now = [link for link, at in items if at is None or at <= when]
        if now != before:
            kept.append(stamp(when))
        before = now
    return kept


def test_cdx_lists_each_demo_feeds_captures_in_the_window(
    http: HttpClient, wayback: WaybackClient
) -> None:
    assert len(FEEDS) == 19
    for feed in FEEDS:
        raw = http.fetch(
            cdx_query_url(ARCHIVE_URL, feed, SINCE, UNTIL).replace("&collapse=digest", "")
        )
        table = json.loads(raw.body)
        assert table[0] == list(CDX_FIELDS)
        assert [row[1] for row in table[1:]] == [stamp(t) for t in FEED_CAPTURE_TIMES]
        assert {row[2] for row in table[1:]} == {feed}

        listing = wayback.captures(feed, SINCE, UNTIL)
        assert listing.result.ok, listing.result.detail
        assert [c.timestamp for c in listing.captures] == expected_stamps(feed), feed
        assert {c.statuscode for c in listing.captures} == {200}

    # Outside the window, nothing; and a page is not a feed capture.
    assert wayback.captures(FEEDS[0], date(2021, 12, 7), date(2021, 12, 31)).captures == []


def test_replayed_feeds_parse_and_hold_only_the_items_published_by_the_capture(
    wayback: WaybackClient,
) -> None:
    undated = 0
    for feed in FEEDS:
        snapshot = site_feed(feed)
        for capture in wayback.captures(feed, SINCE, UNTIL).captures:
            replayed = wayback.replay(capture)
            assert replayed.result.ok and replayed.capture_timestamp == capture.timestamp
            kind = replayed.result.content_type.split(";")[0]
            assert kind in ("application/rss+xml", "application/atom+xml")
            held = entries(replayed.result.body, feed, replayed.result.content_type)
            then = capture.captured_at
            assert all(at is None or at <= then for _, at in held), (feed, capture.timestamp)
            # Nothing published by then is missing, and the order is the file's.
            assert held == [(link, at) for link, at in snapshot if at is None or at <= then]
            undated += sum(at is None for _, at in held)
    assert undated > 0  # the Indus Chronicle's items carry no date: they stay in every capture


def test_a_backfill_of_the_window_finds_every_event_story_in_the_archived_feeds(
    wayback: WaybackClient,
) -> None:
    found: set[str] = set()
    for feed in FEEDS:
        for capture in wayback.captures(feed, SINCE, UNTIL).captures:
            replayed = wayback.replay(capture)
            held = entries(replayed.result.body, feed, replayed.result.content_type)
            found |= {link for link, _ in held}
    assert found >= EVENT_KEYS
    assert len(EVENT_KEYS) == 37


def test_event_pages_replay_from_the_archive_at_their_nearest_capture(
    wayback: WaybackClient, http: HttpClient, archive: DemoArchive
) -> None:
    for row in EVENT_STORIES:
        captured = stamp(published(row) + timedelta(hours=1))
        for asked in (published(row), published(row) + timedelta(days=3)):
            replayed = wayback.nearest(row["url"], asked)
            assert replayed.result.ok, (row["url"], replayed.result.detail)
            assert replayed.capture_timestamp == captured
            live = http.fetch(row["url"])
            assert replayed.result.body == live.body
            assert replayed.result.content_type == live.content_type
    assert any(path.startswith(f"/web/{captured}id_/") for path in archive.requests)
    assert len([c for c in archive.captures if c.original not in FEEDS]) == len(LABELS) == 85


def test_without_event_feeds_leave_out_the_event_and_only_the_event(
    site: DemoSite, bare_site: DemoSite
) -> None:
    with client(bare_site.host_map()) as bare_http, client(site.host_map()) as http:
        listed: set[str] = set()
        for feed in FEEDS:
            full = http.fetch(feed)
            bare = bare_http.fetch(feed)
            assert full.ok and bare.ok
            full_links = [link for link, _ in entries(full.body, feed, full.content_type)]
            bare_links = [link for link, _ in entries(bare.body, feed, bare.content_type)]
            assert not set(bare_links) & EVENT_KEYS
            assert bare_links == [link for link in full_links if link not in EVENT_KEYS]
            assert bare.content_type == full.content_type
            listed |= set(full_links)
        assert listed >= EVENT_KEYS
        # The pages themselves are still there.
        page = bare_http.fetch(EVENT_STORIES[0]["url"])
        assert page.ok and page.body == http.fetch(EVENT_STORIES[0]["url"]).body


def test_sitemaps_list_a_hosts_stories_and_a_window_reads_only_its_month(
    site: DemoSite, bare_site: DemoSite
) -> None:
    ours = [row for row in LABELS if urlsplit(row["url"]).hostname == HOST]
    with client(site.host_map()) as http:
        robots = http.fetch(f"http://{HOST}/robots.txt")
        assert b"Disallow: /search\n" in robots.body
        assert robots.body.endswith(f"Sitemap: http://{HOST}/sitemap.xml\n".encode())
        roots = discover(f"http://{HOST}/", http)
        assert roots == [f"http://{HOST}/sitemap.xml"]

        everything = list_window(roots, http, date(2000, 1, 1), date(2030, 1, 1))
        assert not everything.refused
        assert sorted(u.url for u in everything.urls) == sorted(row["url"] for row in ours)
        assert {u.url: u.lastmod for u in everything.urls} == {r["url"]: published(r) for r in ours}

        before = len(site.requests)
        window = list_window(roots, http, date(2021, 12, 1), date(2021, 12, 3))
        days = [r for r in ours if date(2021, 12, 1) <= published(r).date() <= date(2021, 12, 3)]
        assert sorted(u.url for u in window.urls) == sorted(row["url"] for row in days)
        assert len(days) == 3
        assert site.requests[before:] == [
            f"GET {HOST}/sitemap.xml",
            f"GET {HOST}/sitemaps/2021-12.xml",
        ]
        assert window.skipped["sitemap_before_window"] == 2
    with client(bare_site.host_map()) as bare_http:
        bare = list_window(roots, bare_http, date(2000, 1, 1), date(2030, 1, 1))
        assert sorted(u.url for u in bare.urls) == sorted(row["url"] for row in ours)
