"""The extraction pool: spawned processes give what extraction in the flow's process gives,
and a page that kills its process costs that page, not the run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from parallax.connectors.articles import article_from
from parallax.connectors.extraction_pool import ExtractionPool
from parallax.connectors.records import FetchResult, FetchStatus, PendingArticle, Reason
from tests.connectors.crashing_extract import crash_on_marker

NOW = datetime(2021, 12, 2, 12, tzinfo=UTC)
PAGE = """<html lang="en"><head><title>{title}</title></head><body><article><h1>{title}</h1>
<p>{body} The foreign ministers met in Stockholm on Thursday for talks that lasted about
forty minutes, on the margins of the annual meeting of the security organisation.</p>
<p>Both sides said afterwards that the conversation had been frank and that contacts would
go on, while neither described any agreement on the questions that divide them.</p>
</article></body></html>"""


def page(n: int, marker: str = "") -> tuple[FetchResult, PendingArticle]:
    url = f"http://news.example/story/{n}.html"
    html = PAGE.format(title=f"Story {n}", body=f"{marker} Story number {n}.")
    result = FetchResult(
        url, FetchStatus.OK, Reason.OK, NOW, final_url=url, http_status=200,
        body=html.encode(), content_type="text/html", charset="utf-8",
    )  # fmt: skip
    return result, PendingArticle(url=url, link=url, outlet="News", first_seen_at=NOW, entry=None)


@pytest.fixture
def pool() -> Iterator[ExtractionPool]:
    made = ExtractionPool(2, extract=crash_on_marker)
    yield made
    made.close()


def test_processes_extract_what_the_flows_own_process_would(pool: ExtractionPool) -> None:
    pages = [page(n) for n in range(6)]
    pooled = [pool.collect(pool.submit(result, job)) for result, job in pages]
    here = [article_from(result, job) for result, job in pages]
    assert [f.status for f in pooled] == [FetchStatus.OK] * 6
    assert [f.article for f in pooled] == [f.article for f in here]
    assert pooled[0].article is not None and "Story number 0." in pooled[0].article.text
    assert pool.restarts == 0


def test_a_failed_download_is_settled_without_a_process(pool: ExtractionPool) -> None:
    _, job = page(1)
    failed = FetchResult(job.url, FetchStatus.TEMPORARY, Reason.TIMEOUT, NOW, detail="slow")
    queued = pool.submit(failed, job)
    assert queued.future.done()
    fetched = pool.collect(queued)
    assert (fetched.status, fetched.reason, fetched.article) == (
        FetchStatus.TEMPORARY,
        Reason.TIMEOUT,
        None,
    )


def test_a_page_that_kills_its_process_is_recorded_and_the_others_are_extracted(
    pool: ExtractionPool,
) -> None:
    pages = [page(n) for n in range(8)]
    pages[3] = page(3, marker="CRASH")
    queued = [pool.submit(result, job) for result, job in pages]
    fetched = [pool.collect(q) for q in queued]
    crashed = fetched[3]
    assert (crashed.status, crashed.reason, crashed.article) == (
        FetchStatus.TEMPORARY,  # the next run tries it again, up to max_article_attempts
        Reason.PARSE_ERROR,
        None,
    )
    assert "process died" in crashed.detail
    assert crashed.fetch.body == b""
    others = [f for n, f in enumerate(fetched) if n != 3]
    assert [f.status for f in others] == [FetchStatus.OK] * 7
    assert pool.restarts >= 1
    # and the pool still works afterwards
    result, job = page(99)
    assert pool.collect(pool.submit(result, job)).status is FetchStatus.OK


def test_a_pool_needs_a_process() -> None:
    with pytest.raises(ValueError, match="at least one process"):
        ExtractionPool(0)
