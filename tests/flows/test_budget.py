"""The run's time budget: what is not begun in time is deferred, not attempted and not failed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from parallax.connectors.records import FeedEntry, FeedState, FetchStatus, PendingArticle, Reason
from parallax.flows.budget import RunBudget
from parallax.flows.cli_output import print_ingest_summary
from parallax.flows.ingest import (
    IngestSummary,
    close_http_clients,
    fetch_articles_task,
    http_client,
    poll_feed_task,
)
from parallax.flows.settings import load_settings
from tests.flows.news_site import OVERRIDES, news_site

SETTINGS = load_settings(overrides=OVERRIDES, environ={})


def spent() -> RunBudget:
    return RunBudget(datetime.now(UTC) - timedelta(seconds=1), max_run_s=30)


def job(url: str) -> PendingArticle:
    entry = FeedEntry(feed_url="http://feeds.example/f", url=url, link=url, title="t", position=0)
    return PendingArticle(url, url, "Outlet", datetime.now(UTC), entry)


def test_a_spent_budget_defers_a_feed_as_it_was_without_a_request() -> None:
    due = datetime.now(UTC) - timedelta(minutes=5)
    with news_site() as site:
        url = site.add_outlet("late")
        state = FeedState(url=url, outlet="late", consecutive_failures=2, next_due_at=due)
        poll = poll_feed_task.fn(state, SETTINGS, spent())
        assert site.server.hits == []
    assert (poll.status, poll.reason, poll.parse) == (FetchStatus.DEFERRED, Reason.DEFERRED, None)
    # No failure counted and no backoff: the feed is as due as it was.
    assert (poll.consecutive_failures, poll.next_due_at) == (2, due)
    assert poll.fetch.attempts == 0
    assert "max_run_s (30 s)" in poll.detail and "next run" in poll.detail


def test_a_batch_begun_in_time_stops_where_the_budget_ends() -> None:
    with news_site(page_delay_s=1.0) as site:
        site.add_outlet("slow", articles=3)
        jobs = [job(site.server.url(site.article_path("slow", n))) for n in range(3)]
        http_client(SETTINGS.http)  # built first: the budget is for fetching
        try:
            # The first page is begun in time and outlasts what is left of the budget.
            fetched = fetch_articles_task.fn(jobs, SETTINGS, RunBudget.starting_now(0.5))
        finally:
            close_http_clients()
        assert site.hits("/slow/news/") == 1
    assert [f.status for f in fetched] == [
        FetchStatus.OK,
        FetchStatus.DEFERRED,
        FetchStatus.DEFERRED,
    ]
    assert [f.fetch.attempts for f in fetched] == [1, 0, 0]
    assert all(f.article is None and f.reason is Reason.DEFERRED for f in fetched[1:])


@pytest.mark.parametrize(("feeds", "articles"), [(0, 0), (2, 0), (0, 5), (3, 40)])
def test_the_cli_summary_says_what_was_deferred(
    capsys: pytest.CaptureFixture[str], feeds: int, articles: int
) -> None:
    summary = IngestSummary(run_id="r", feeds_deferred=feeds, articles_deferred=articles)
    print_ingest_summary(summary, "parallax.duckdb", 1.0)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("deferred")]
    if feeds or articles:
        assert lines == [
            f"deferred   {feeds} feeds and {articles} articles not fetched: the run's time budget "
            "([ingest] max_run_s) ran out; the next run fetches them"
        ]
    else:
        assert lines == []
