"""The ingest flow end to end: the demo site on loopback, real Prefect, a real DuckDB file."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from parallax.flows.demo_site import DEMO_SOURCES, DemoSite
from parallax.flows.ingest import IngestSummary, article_batch_size, ingest, ingest_sources
from parallax.flows.settings import load_settings
from parallax.storage import Store
from parallax.storage.query import run_query
from tests.flows.demo_truth import Label, furniture, labels, squash
from tests.flows.news_site import FEED_TYPE, news_site
from tests.servers import Reply

pytestmark = pytest.mark.usefixtures("prefect_server")


@dataclass
class TwoRuns:
    db: Path
    first: IngestSummary
    second: IngestSummary
    began: datetime
    ended: datetime
    counts_after_first: dict[str, int]
    requests_in_second: list[str]


def table_counts(db: Path) -> dict[str, int]:
    tables = ("outlets", "feeds", "entries", "articles", "fetches")
    row = run_query(db, "SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in tables)).rows[
        0
    ]
    return dict(zip(tables, row, strict=True))


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoRuns]:
    db = tmp_path_factory.mktemp("ingest") / "demo.duckdb"
    with DemoSite() as site:
        overrides = {
            "http.host_map": site.host_map(),
            "http.allow_private_network": True,
            "http.per_host_delay_s": 0.0,
        }
        began = datetime.now(UTC)
        first = ingest(sources=str(DEMO_SOURCES), db=str(db), overrides=overrides)
        ended = datetime.now(UTC)
        counts = table_counts(db)
        served = len(site.requests)
        second = ingest(sources=str(DEMO_SOURCES), db=str(db), overrides=overrides)
        yield TwoRuns(db, first, second, began, ended, counts, site.requests[served:])


def stored(db: Path) -> dict[str, dict[str, object]]:
    result = run_query(
        db,
        "SELECT url, outlet, title, text, author, published_at, date_source, language, word_count "
        "FROM articles",
    )
    return {row[0]: dict(zip(result.columns, row, strict=True)) for row in result.rows}


def test_every_labelled_article_arrives(two_runs: TwoRuns) -> None:
    truth = labels()
    articles = stored(two_runs.db)
    assert set(articles) == set(truth)
    assert two_runs.first.articles_stored == len(truth)
    assert two_runs.first.failures == {}
    for url, label in truth.items():
        article = articles[url]
        assert article["outlet"] == label.outlet, url
        assert article["title"] == label.title, url
        assert article["language"] == label.language, url


def test_text_is_the_story_without_page_furniture(two_runs: TwoRuns) -> None:
    truth, phrases = labels(), furniture()
    for url, article in stored(two_runs.db).items():
        text = squash(str(article["text"]))
        label = truth[url]
        for quote in label.quotes:  # the body's quotations survive extraction word for word
            assert squash(quote["text"]) in text, (url, quote["text"])
        leaked = [p for p in phrases[label.outlet] if squash(p) in text]
        assert not leaked, (url, leaked)
        assert int(article["word_count"]) >= 100, url  # type: ignore[call-overload]


def expected_source(label: Label) -> str:
    if label.meta == "full":
        return "page_meta"
    if label.feed_date:
        return "feed"
    return "page_date" if label.meta == "byline" else "first_seen"


def test_dates_and_where_they_came_from(two_runs: TwoRuns) -> None:
    truth = labels()
    for url, article in stored(two_runs.db).items():
        label = truth[url]
        source = expected_source(label)
        assert article["date_source"] == source, url
        published = article["published_at"]
        assert isinstance(published, datetime)
        if source in ("page_meta", "feed"):
            assert published == label.published_at, url
        elif source == "page_date":
            assert published.date() == label.published_at.date(), url
        else:
            assert two_runs.began <= published <= two_runs.ended, url


def test_authors_from_metadata_or_byline(two_runs: TwoRuns) -> None:
    truth = labels()
    for url, article in stored(two_runs.db).items():
        label = truth[url]
        if label.meta in ("full", "byline") and label.author:
            assert article["author"] == label.author, url


def test_the_same_story_in_two_feeds_is_one_article(two_runs: TwoRuns) -> None:
    rows = run_query(
        two_runs.db,
        "SELECT url, count(*) AS feeds, count(DISTINCT link) AS links FROM entries "
        "GROUP BY url HAVING count(*) > 1",
    ).rows
    assert rows, "the demo has stories in two feeds"
    assert any(links > 1 for _, _, links in rows), "some appear under tracking variants"
    assert table_counts(two_runs.db)["articles"] == len(labels())


def test_a_second_run_changes_nothing_and_downloads_no_unchanged_feed(two_runs: TwoRuns) -> None:
    second = two_runs.second
    assert second.feed_status == {"not_modified": second.feeds_polled}
    assert (second.entries_new, second.articles_pending, second.articles_stored) == (0, 0, 0)
    after = table_counts(two_runs.db)
    before = two_runs.counts_after_first
    assert {k: v for k, v in after.items() if k != "fetches"} == {
        k: v for k, v in before.items() if k != "fetches"
    }
    assert after["fetches"] == before["fetches"] + second.feeds_polled
    rows = run_query(
        two_runs.db,
        "SELECT kind, http_status, count(*) FROM fetches WHERE run_id = ? GROUP BY ALL",
        params=[second.run_id],
    ).rows
    assert rows == [("feed", 304, second.feeds_polled)]
    # Only feeds were requested, and no page at all.
    assert len(two_runs.requests_in_second) == second.feeds_polled
    assert all(
        r.split("/", 1)[1].endswith((".xml", ".rss", ".atom")) for r in two_runs.requests_in_second
    )


def test_runs_are_recorded_with_their_summary(two_runs: TwoRuns) -> None:
    rows = run_query(
        two_runs.db,
        "SELECT status, summary->>'$.articles_stored' FROM runs ORDER BY started_at",
    ).rows
    assert rows == [("completed", str(len(labels()))), ("completed", "0")]


def test_a_run_past_max_run_s_defers_what_it_has_not_begun_and_the_next_run_fetches_it(
    tmp_path: Path,
) -> None:
    db = tmp_path / "budget.duckdb"
    with Store(db):  # migrated beforehand, so the run's budget is spent on fetching
        pass
    budget_s = 2.0
    with DemoSite() as site, news_site() as late:
        polls = 0

        def slow_feed(_handler: object) -> Reply:
            nonlocal polls
            polls += 1
            if polls == 1:  # the first poll outlasts the whole budget, which began before it
                time.sleep(budget_s + 0.3)
            return Reply(body=late.feed_body("late", range(2)), headers=FEED_TYPE)

        late.add_outlet("late", articles=2, feed=slow_feed)
        # The slow feed first and one worker: nothing else can begin before the budget is spent.
        sources = late.write_sources(tmp_path / "sources.toml")
        sources.write_text(sources.read_text() + DEMO_SOURCES.read_text())
        overrides = {
            "storage.db": str(db),
            "http.host_map": site.host_map(),
            "http.allow_private_network": True,
            "http.per_host_delay_s": 0.0,
        }
        first = ingest_sources(
            sources, overrides={**overrides, "ingest.max_run_s": budget_s, "ingest.workers": 1}
        )
        assert site.requests == []  # not one demo feed or page was attempted
        untouched = run_query(
            db,
            "SELECT count(*) FROM feeds "
            "WHERE last_fetched_at IS NULL AND consecutive_failures = 0 AND next_due_at <= now()",
        ).rows
        second = ingest_sources(sources, overrides=overrides)

    demo_feeds = first.feeds - 1
    assert (first.status, first.feeds_polled, first.feed_status) == ("completed", 1, {"ok": 1})
    assert (first.feeds_deferred, first.articles_pending, first.articles_deferred) == (
        demo_feeds,
        2,
        2,
    )
    assert (first.articles_stored, first.article_status, first.failures) == (0, {}, {})
    deferred = run_query(
        db,
        "SELECT kind, status, reason, attempts, count(*) FROM fetches "
        "WHERE run_id = ? AND status <> 'ok' GROUP BY ALL ORDER BY kind",
        params=[first.run_id],
    ).rows
    assert deferred == [
        ("article", "deferred", "deferred", 0, 2),
        ("feed", "deferred", "deferred", 0, demo_feeds),
    ]
    # The deferred feeds were not pushed into backoff: never fetched, no failure counted.
    assert untouched == [(demo_feeds,)]
    runs = run_query(
        db, "SELECT status, summary->>'$.feeds_deferred' FROM runs ORDER BY started_at"
    ).rows
    assert runs == [("completed", str(demo_feeds)), ("completed", "0")]

    # The next run, with the default budget, fetches every feed and page the first one deferred.
    assert (second.feeds_polled, second.feeds_deferred, second.articles_deferred) == (
        first.feeds,
        0,
        0,
    )
    assert second.failures == {}
    left = run_query(
        db,
        "SELECT d.url FROM fetches d WHERE d.run_id = ? AND d.status = 'deferred' "
        "AND NOT EXISTS (SELECT 1 FROM fetches f "
        "                WHERE f.run_id = ? AND f.url = d.url AND f.status = 'ok')",
        params=[first.run_id, second.run_id],
    ).rows
    assert left == []
    articles = set(stored(db))
    assert set(labels()) <= articles and len(articles) == len(labels()) + 2
    assert second.articles_stored == len(labels()) + 2


def test_processes_extract_the_same_articles_as_the_flows_threads(
    two_runs: TwoRuns, tmp_path: Path
) -> None:
    db = tmp_path / "pooled.duckdb"
    with DemoSite() as site:
        overrides = {
            "http.host_map": site.host_map(),
            "http.allow_private_network": True,
            "http.per_host_delay_s": 0.0,
            "ingest.extract_processes": 2,
            "ingest.extract_pool_min_pages": 1,
        }
        pooled = ingest(sources=str(DEMO_SOURCES), db=str(db), overrides=overrides)
    assert two_runs.first.extract_processes == 1  # the demo's pages are too few for a pool
    assert pooled.extract_processes == 2
    assert pooled.articles_stored == two_runs.first.articles_stored
    theirs, ours = stored(two_runs.db), stored(db)
    assert set(ours) == set(theirs)
    for rows in (theirs, ours):
        for row in rows.values():
            if row["date_source"] == "first_seen":  # when each run saw the link: not the same
                row.pop("published_at")
    assert ours == theirs


def test_a_large_run_makes_about_four_batches_per_worker() -> None:
    settings = load_settings(overrides={"ingest.workers": 8, "ingest.article_batch_size": 10})
    assert article_batch_size(85, settings) == 10  # the setting is the least
    assert article_batch_size(10_000, settings) == 313  # 10,000 / 32
    assert article_batch_size(1_000_000, settings) == 500  # bounded: a batch's texts are held
