"""Backfill throughput per 1,000 archived feed captures, against a baseline in this process.

    python bench/backfill_throughput.py [--feeds 50] [--captures 20] [--items 5]

Builds a loopback Wayback-compatible archive (flows/archive_site.py) holding `--captures`
captures of each of `--feeds` synthetic feeds over ten days (each capture lists the feed's
latest `--items` stories, so consecutive captures differ) and a capture of every story's page.
Then, with the archive's rate limits lifted (a loopback archive has none; the Internet
Archive's are in docs/backfill.md), it measures:

  baseline          a plain loop in this process: replay every feed capture with Parallax's
                    HTTP client and parse it (no listing, no storage, no Prefect)
  backfill flow     `parallax backfill --from wayback` as the CLI runs it (Prefect flow, CDX
                    listings, replay tasks, DuckDB writes, then the stories' pages from the
                    archive), with the Prefect server already up
  resumed           the same backfill again on the same database: everything is listed and
                    fetched already, so it should send no listing and no replay

and prints captures per second and seconds per 1,000 captures for each, the flow's ratio to the
baseline, and what the configured rates (24 listings and 60 replays a minute) would make of the
same work against the public Wayback Machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parallax.flows import runtime

runtime.prepare()

from parallax.connectors.feeds import parse_feed  # noqa: E402
from parallax.connectors.http import HttpClient, HttpConfig  # noqa: E402
from parallax.flows.archive_site import StoredCapture, WaybackArchive  # noqa: E402
from parallax.flows.backfill import Origin, backfill_sources  # noqa: E402
from parallax.flows.settings import ArchiveSettings  # noqa: E402

START = datetime(2021, 11, 29, tzinfo=UTC)
DAYS = 10
PAGE = (
    "<html lang='en'><head><title>{title}</title>"
    "<meta property='article:published_time' content='{when}'></head><body><article>"
    "<h1>{title}</h1><p>{text}</p><p>{text}</p></article></body></html>"
)
SENTENCE = (
    "Ministers met on the sidelines of the conference on day {n} and agreed to keep talking, "
    "officials from both delegations told reporters after the meeting in the capital."
)


def rss(host: str, stories: list[tuple[int, datetime]]) -> bytes:
    items = "".join(
        f"<item><title>Story {n} of {host}</title><link>http://{host}/story/{n}</link>"
        f"<pubDate>{format_datetime(when)}</pubDate></item>"
        for n, when in stories
    )
    return (
        f"<?xml version='1.0'?><rss version='2.0'><channel><title>{host}</title>"
        f"<link>http://{host}/</link>{items}</channel></rss>"
    ).encode()


def build(feeds: int, captures: int, items: int) -> tuple[list[StoredCapture], str]:
    """The archive's captures and a sources file naming the feeds."""
    held: list[StoredCapture] = []
    sources = []
    step = timedelta(days=DAYS) / captures
    for f in range(feeds):
        host = f"outlet{f}.example"
        feed = f"http://{host}/rss.xml"
        sources.append(f'[[outlets]]\nname = "Outlet {f}"\nfeeds = ["{feed}"]\n')
        stories = [(n, START + step * n) for n in range(captures + items)]
        for c in range(captures):
            when = START + step * (c + items)
            listed = stories[c : c + items]
            stamp = when.strftime("%Y%m%d%H%M%S")
            held.append(StoredCapture(feed, stamp, rss(host, listed), "application/rss+xml"))
        for n, published in stories[: captures + items - 1]:
            page = PAGE.format(
                title=f"Story {n} of {host}",
                when=published.isoformat(),
                text=SENTENCE.format(n=n),
            ).encode()
            stamp = (published + timedelta(hours=1)).strftime("%Y%m%d%H%M%S")
            held.append(StoredCapture(f"http://{host}/story/{n}", stamp, page))
    return held, "\n".join(sources)


def baseline(archive: WaybackArchive, feed_captures: list[StoredCapture]) -> float:
    """Replay and parse every feed capture in turn with Parallax's client; seconds."""
    config = HttpConfig(allow_private_network=True, per_host_delay_s=0.0, retries=0)
    began = time.perf_counter()
    with HttpClient(config) as client:
        for capture in feed_captures:
            url = f"{archive.base_url}/web/{capture.timestamp}id_/{capture.original}"
            result = client.fetch(url)
            parse_feed(result.body, capture.original, content_type=result.content_type)
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--captures", type=int, default=20, help="captures per feed")
    parser.add_argument("--items", type=int, default=5, help="stories per feed capture")
    args = parser.parse_args()
    held, sources_text = build(args.feeds, args.captures, args.items)
    feed_captures = [c for c in held if c.original.endswith("/rss.xml")]
    n = len(feed_captures)
    with tempfile.TemporaryDirectory() as tmp, WaybackArchive(held) as archive:
        sources = Path(tmp) / "sources.toml"
        sources.write_text(sources_text)
        overrides = {
            "storage.db": str(Path(tmp) / "backfill.duckdb"),
            "http.allow_private_network": True,
            "http.per_host_delay_s": 0.0,
            "archive.wayback_url": archive.base_url,
            "archive.cdx_per_minute": 1e9,
            "archive.replay_per_minute": 1e9,
        }
        since, until = START.date(), START.date() + timedelta(days=DAYS - 1)
        # Prefect's server starts on the first flow: start it before timing anything.
        backfill_sources(
            sources,
            date(2000, 1, 1),
            date(2000, 1, 1),
            Origin.WAYBACK,
            overrides={**overrides, "storage.db": str(Path(tmp) / "warm.duckdb")},
        )
        plain = baseline(archive, feed_captures)
        began = time.perf_counter()
        summary = backfill_sources(sources, since, until, Origin.WAYBACK, overrides=overrides)
        flow_s = time.perf_counter() - began
        began = time.perf_counter()
        again = backfill_sources(sources, since, until, Origin.WAYBACK, overrides=overrides)
        resumed_s = time.perf_counter() - began
    archive_s = summary.seconds.get("archive", 0.0)
    articles_s = summary.seconds.get("articles", 0.0)
    print(
        f"archive: {args.feeds} feeds x {args.captures} captures = {n} feed captures, "
        f"{len(held) - n} page captures"
    )
    print(
        f"backfill: {summary.listings_asked} listings, {summary.captures_fetched} captures "
        f"fetched ({summary.capture_status}), {summary.entries_new} entries, "
        f"{summary.articles_stored} of {summary.articles_pending} pages stored"
    )
    print(
        f"baseline       {plain:7.2f} s  {n / plain:7.1f} captures/s  "
        f"{1000 * plain / n:6.1f} s per 1,000"
    )
    print(
        f"flow (feeds)   {archive_s:7.2f} s  {n / archive_s:7.1f} captures/s  "
        f"{1000 * archive_s / n:6.1f} s per 1,000  ratio to baseline {plain / archive_s:.2f}"
    )
    print(
        f"flow (pages)   {articles_s:7.2f} s  "
        f"{summary.articles_stored / max(articles_s, 1e-9):7.1f} pages/s"
    )
    print(f"flow in all    {flow_s:7.2f} s (Prefect and start-up included)")
    print(
        f"resumed        {resumed_s:7.2f} s: {again.listings_asked} listings asked, "
        f"{again.listings_reused} reused, {again.captures_fetched} captures fetched, "
        f"{again.captures_skipped} skipped, {again.articles_pending} pages pending"
    )
    rates = ArchiveSettings()
    pages = summary.articles_pending
    minutes = (args.feeds / rates.cdx_per_minute) + (n + pages) / rates.replay_per_minute
    print(
        f"at the default rates ({rates.cdx_per_minute:g} listings, {rates.replay_per_minute:g} "
        f"replays a minute): {minutes:.0f} min for this archive; "
        f"{1000 / rates.replay_per_minute:.1f} min per 1,000 captures"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
