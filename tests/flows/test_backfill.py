"""The backfill flow end to end: the demo site with its feeds emptied of the event, the demo's
Wayback-compatible archive on loopback, real Prefect, a real DuckDB file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from parallax.connectors.urls import normalize_url
from parallax.flows import backfill as backfill_module
from parallax.flows.backfill import BackfillFailed, BackfillSummary, Origin, backfill_sources
from parallax.flows.cli import cli
from parallax.flows.demo_archive import DemoArchive, past_demo_overrides
from parallax.flows.demo_site import DEMO_SOURCES, DemoSite
from parallax.flows.ingest import ingest_sources
from parallax.flows.resources import DEMO_EVENT
from parallax.storage.query import run_query
from tests.flows.demo_truth import labels

pytestmark = pytest.mark.usefixtures("prefect_server")

SINCE, UNTIL = date(2021, 11, 29), date(2021, 12, 9)
EVENT_URLS = {url for url, label in labels().items() if label.event == DEMO_EVENT}


@dataclass
class Past:
    site: DemoSite
    archive: DemoArchive
    overrides: dict[str, Any]


@pytest.fixture
def past() -> Iterator[Past]:
    """The demo years later: feeds without the event, and an archive that kept it."""
    with DemoSite(without_event=DEMO_EVENT) as site, DemoArchive() as archive:
        yield Past(site, archive, past_demo_overrides(site.host_map(), archive))


def backfill(past: Past, db: Path, origin: Origin, **more: Any) -> BackfillSummary:
    return backfill_sources(
        DEMO_SOURCES,
        SINCE,
        UNTIL,
        origin,
        overrides={**past.overrides, "storage.db": str(db), **more},
    )


def replays(archive: DemoArchive) -> list[str]:
    return [path for path in archive.requests if "/web/" in path]


def test_live_feeds_alone_no_longer_find_the_event(past: Past, tmp_path: Path) -> None:
    db = tmp_path / "live.duckdb"
    ingest_sources(DEMO_SOURCES, overrides={**past.overrides, "storage.db": str(db)})
    stored = {row[0] for row in run_query(db, "SELECT url FROM articles").rows}
    assert stored and not stored & EVENT_URLS


def test_the_archive_gives_back_every_story_of_the_event(past: Past, tmp_path: Path) -> None:
    db = tmp_path / "past.duckdb"
    summary = backfill(past, db, Origin.WAYBACK)
    assert summary.status == "completed" and summary.failures == {}
    assert summary.listings_asked == 19 and summary.listings_failed == 0
    assert summary.captures_fetched == summary.captures_listed > 0
    rows = run_query(
        db,
        "SELECT a.url, a.source, a.captured_at, a.archive_url, e.source, e.captured_at "
        "FROM articles a JOIN entries e USING (url)",
    ).rows
    found = {row[0] for row in rows}
    assert found >= EVENT_URLS
    for url, source, captured, archive_url, listed_by, listed_at in rows:
        # Read from the archive, keyed by the original URL, with the capture beside it.
        assert (source, listed_by) == ("archive", "archived_feed"), url
        assert archive_url.startswith(f"{past.archive.base_url}/web/") and url in archive_url
        assert captured is not None and listed_at is not None
    # Entries come from captures of the days the archive crawled, and only the window's.
    dates = run_query(db, "SELECT min(published_at), max(published_at) FROM entries").rows[0]
    assert all(d is None or SINCE <= d.date() <= UNTIL for d in dates)
    # Nothing was replayed twice: captures with the same bytes were left out.
    assert not [path for path, n in Counter(replays(past.archive)).items() if n > 1]


def test_sitemaps_alone_list_the_window_and_pages_come_live(past: Past, tmp_path: Path) -> None:
    db = tmp_path / "sitemaps.duckdb"
    summary = backfill(past, db, Origin.SITEMAPS)
    assert summary.sitemap_files > 10 and summary.sitemaps_refused == 0
    assert summary.listings_asked == 0 and not past.archive.requests  # the archive is not asked
    rows = run_query(
        db, "SELECT DISTINCT e.source, a.source FROM entries e JOIN articles a USING (url)"
    )
    assert rows.rows == [("sitemap", "live")]
    stored = {row[0] for row in run_query(db, "SELECT url FROM articles").rows}
    assert stored >= EVENT_URLS
    windowed = {
        url for url, label in labels().items() if SINCE <= label.published_at.date() <= UNTIL
    }
    assert stored <= windowed  # only stories dated in the window


def test_a_backfill_stopped_half_way_resumes_without_fetching_twice(
    past: Past, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "resumed.duckdb"
    real = backfill_module.replay_capture
    calls = Counter[str]()

    def dies_after_twenty(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] > 20:
            raise KeyboardInterrupt("stopped by the operator")
        return real(*args, **kwargs)

    monkeypatch.setattr(backfill_module, "replay_capture", dies_after_twenty)
    with pytest.raises(BaseException, match="stopped by the operator"):
        backfill(past, db, Origin.WAYBACK, **{"ingest.workers": 1})
    status = run_query(db, "SELECT status FROM runs WHERE flow = 'backfill'").rows
    assert status == [("crashed",)]
    done_before = run_query(db, "SELECT count(*) FROM archive_captures WHERE status = 'ok'").rows
    assert 0 < done_before[0][0] <= 20
    first_requests = len(past.archive.requests)

    monkeypatch.setattr(backfill_module, "replay_capture", real)
    summary = backfill(past, db, Origin.WAYBACK)
    assert summary.listings_asked == 0 and summary.listings_reused == 19  # listed once only
    assert summary.captures_skipped == done_before[0][0]
    assert not [p for p, n in Counter(replays(past.archive)).items() if n > 1]
    assert not [p for p in past.archive.requests[first_requests:] if "/cdx/" in p]
    stored = {row[0] for row in run_query(db, "SELECT url FROM articles").rows}
    assert stored >= EVENT_URLS
    again = backfill(past, db, Origin.WAYBACK)  # a third run finds nothing left to do
    assert (again.captures_fetched, again.articles_pending, again.entries_new) == (0, 0, 0)


def test_an_archive_that_answers_nothing_fails_the_run_and_keeps_its_record(
    past: Past, tmp_path: Path
) -> None:
    db = tmp_path / "refused.duckdb"
    closed = "http://archive.demo.example:9"  # mapped below to a port nothing listens on
    overrides = {"http.host_map": past.site.host_map() | {"archive.demo.example": "127.0.0.1:9"}}
    with pytest.raises(BackfillFailed) as failed:
        backfill(past, db, Origin.WAYBACK, **overrides, **{"archive.wayback_url": closed})
    summary = failed.value.summary
    assert summary.listings_failed == summary.listings_asked == 19
    assert "answered none of 19 capture listings (connect_error 19)" in summary.message
    reasons = run_query(
        db, "SELECT DISTINCT kind, reason FROM fetches WHERE kind = 'archive_listing'"
    ).rows
    assert reasons == [("archive_listing", "connect_error")]
    assert run_query(db, "SELECT status FROM runs").rows == [("failed",)]


def test_the_command_checks_its_dates_before_anything_runs(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["backfill", "--sources", str(DEMO_SOURCES), "--db", str(tmp_path / "x.duckdb")]
    result = runner.invoke(cli, [*base, "--since", "2021-12-09", "--until", "2021-11-29"])
    assert result.exit_code == 2 and "must not be after --until" in result.output
    result = runner.invoke(cli, [*base, "--since", "yesterday", "--until", "2021-11-29"])
    assert result.exit_code == 2 and "is not a date" in result.output
    assert not (tmp_path / "x.duckdb").exists()


def test_labels_are_keyed_as_stories_are() -> None:
    # The comparison above relies on the labels' URLs being the stored keys.
    assert all(normalize_url(url) == url for url in EVENT_URLS)
