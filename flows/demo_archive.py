"""The offline demo's web archive: the demo site as a Wayback-compatible archive saw it in 2021.

A backfill needs the past, and the demo site (flows/demo_site.py) serves only its snapshot.
DemoArchive builds captures from the site's files when it starts and serves them through
flows/archive_site.py (CDX API and `id_` replay) on a free loopback port:

- every feed of the demo sources file, captured at each of FEED_CAPTURE_TIMES (the days of the
  Stockholm meeting), each capture holding the feed as it read then: only the items published
  up to the capture time (items without a date stay), the XML otherwise as it is. Captures
  that read the same have the same bytes, so the same digest (CDX collapse=digest drops them);
- every story page that labels.csv lists, captured once, PAGE_CAPTURE_DELAY after it was
  published, with the Content-Type the site sends.

The archive's URL keeps an .example host (ARCHIVE_URL); the HTTP client reaches it through
`host_map()`, like the demo site. Replay URLs are `{ARCHIVE_URL}/web/{timestamp}id_/{url}`, the
CDX API is `{ARCHIVE_URL}/cdx/search/cdx`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from parallax.flows.archive_site import StoredCapture, WaybackArchive
from parallax.flows.demo_site import (
    DEMO_LABELS,
    DEMO_SITE,
    DEMO_SOURCES,
    content_type,
    filter_feed_items,
    item_time,
    read_labels,
    resolve_path,
)
from parallax.flows.sources import load_sources

ARCHIVE_HOST = "archive.demo.example"
ARCHIVE_URL = f"http://{ARCHIVE_HOST}"
# When the archive crawled the demo feeds: the eve of the meeting, its day, the day after, and
# the Monday after (UTC).
FEED_CAPTURE_TIMES: tuple[datetime, ...] = (
    datetime(2021, 12, 1, 18, 0, tzinfo=UTC),
    datetime(2021, 12, 2, 20, 0, tzinfo=UTC),
    datetime(2021, 12, 3, 20, 0, tzinfo=UTC),
    datetime(2021, 12, 6, 12, 0, tzinfo=UTC),
)
PAGE_CAPTURE_DELAY = timedelta(hours=1)  # a story page is captured this long after publication


def timestamp(when: datetime) -> str:
    """A capture timestamp: 14 digits, UTC (a naive time is taken as UTC)."""
    moment = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return moment.strftime("%Y%m%d%H%M%S")


def feed_as_of(body: bytes, when: datetime) -> bytes:
    """A feed document as it read at `when`: without the items published after it.

    Items without a date that parses stay. With nothing to drop, the very bytes come back.
    """
    moment = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)

    def published_by_then(item: etree._Element) -> bool:
        published = item_time(item)
        return published is None or published <= moment

    return filter_feed_items(body, published_by_then)


def _site_file(site: Path, url: str) -> Path:
    parts = urlsplit(url)
    file = resolve_path(site, (parts.hostname or "").lower(), parts.path)
    if file is None:
        raise FileNotFoundError(f"the demo site at {site} has no file for {url}")
    return file


def demo_feed_urls(sources: Path = DEMO_SOURCES) -> list[str]:
    """Every feed URL of a sources file, in its order, each once."""
    return list(dict.fromkeys(feed for outlet in load_sources(sources) for feed in outlet.feeds))


def demo_captures(
    site: Path = DEMO_SITE,
    *,
    sources: Path = DEMO_SOURCES,
    labels: Path = DEMO_LABELS,
    feed_times: Sequence[datetime] = FEED_CAPTURE_TIMES,
) -> list[StoredCapture]:
    """The captures the demo archive holds: feeds at each of `feed_times`, then story pages.

    Raises FileNotFoundError when a feed or a labelled story has no file in the site.
    """
    captures = []
    for url in demo_feed_urls(sources):
        file = _site_file(site, url)
        body, kind = file.read_bytes(), content_type(file)
        for when in sorted(feed_times):
            captures.append(StoredCapture(url, timestamp(when), feed_as_of(body, when), kind))
    for story in read_labels(labels):
        file = _site_file(site, story.url)
        captured = timestamp(story.published_at + PAGE_CAPTURE_DELAY)
        captures.append(StoredCapture(story.url, captured, file.read_bytes(), content_type(file)))
    return captures


class DemoArchive:
    """The demo's Wayback-compatible archive on a free loopback port, served from a thread.

    Captures are built from the site's files by `start` (or entering the context); `port`,
    `captures` and `requests` are there once started.
    """

    def __init__(
        self,
        site: Path = DEMO_SITE,
        *,
        sources: Path = DEMO_SOURCES,
        labels: Path = DEMO_LABELS,
        feed_times: Iterable[datetime] = FEED_CAPTURE_TIMES,
    ) -> None:
        if not site.is_dir():
            raise FileNotFoundError(f"no demo site at {site}")
        self.site = site
        self.sources = sources
        self.labels = labels
        self.feed_times = tuple(feed_times)
        self.base_url = ARCHIVE_URL
        self._archive: WaybackArchive | None = None

    def _running(self) -> WaybackArchive:
        if self._archive is None:
            raise RuntimeError("the demo archive is not started")
        return self._archive

    @property
    def port(self) -> int:
        return self._running().port

    @property
    def captures(self) -> list[StoredCapture]:
        """Every capture the archive holds: the feeds' (by feed, oldest first), then pages'."""
        return list(self._running().captures)

    @property
    def requests(self) -> list[str]:
        """Every request path served so far (`/cdx/search/cdx?…`, `/web/…id_/…`), in order."""
        return list(self._running().requests)

    def host_map(self) -> dict[str, str]:
        """The archive's host -> 127.0.0.1:port, for HttpConfig.host_map."""
        return {ARCHIVE_HOST: f"127.0.0.1:{self.port}"}

    def start(self) -> DemoArchive:
        if self._archive is not None:
            raise RuntimeError("the demo archive is already started")
        captures = demo_captures(
            self.site, sources=self.sources, labels=self.labels, feed_times=self.feed_times
        )
        self._archive = WaybackArchive(captures)
        return self

    def stop(self) -> None:
        if self._archive is not None:
            self._archive.close()

    def __enter__(self) -> DemoArchive:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def past_demo_overrides(site_map: dict[str, str], archive: DemoArchive) -> dict[str, Any]:
    """The settings that reach a served demo site and its archive: both hosts' maps, loopback
    allowed, no per-host delay, and the archive's rate limits lifted (a loopback archive has
    none to respect)."""
    return {
        "http.host_map": site_map | archive.host_map(),
        "http.allow_private_network": True,
        "http.per_host_delay_s": 0.0,
        "archive.wayback_url": archive.base_url,
        "archive.cdx_per_minute": 60_000.0,
        "archive.replay_per_minute": 60_000.0,
    }
