"""The ingest flow end to end: the demo site on loopback, real Prefect, a real DuckDB file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from parallax.flows.demo_site import DEMO_SOURCES, DemoSite
from parallax.flows.ingest import IngestSummary, ingest
from parallax.storage.query import run_query
from tests.flows.demo_truth import Label, furniture, labels, squash

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
