"""Article pages of a past window, read from a web archive's captures.

The capture nearest the story's date is replayed (`id_`: the page's own bytes) and extracted
exactly as a live page is; the article keeps its original URL as its key, with the capture's
time and archive URL beside it. A page the archive does not hold is fetched live when the
backfill allows it ([archive] live_fallback), else its failure is recorded like any other.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from parallax.connectors.articles import article_from, fetch_article
from parallax.connectors.http import HttpClient
from parallax.connectors.records import (
    ArticleFetch,
    ArticleSource,
    EntrySource,
    FetchStatus,
    PendingArticle,
    Reason,
)
from parallax.connectors.wayback import WaybackClient


def story_time(job: PendingArticle) -> datetime:
    """When the story most likely appeared: its feed date, else when a capture listed it."""
    return job.entry.published_at or job.captured_at or job.first_seen_at


def fetch_past_article(
    archive: WaybackClient | None,
    client: HttpClient,
    job: PendingArticle,
    *,
    live_fallback: bool = False,
) -> ArticleFetch:
    """A backfilled story's page: from the archive for a link an archived feed listed (live
    too when the archive lacks it and live_fallback is on), live for one a sitemap listed (a
    sitemap is the outlet's own list of pages it still serves)."""
    if job.source is not EntrySource.ARCHIVED_FEED or archive is None:
        return fetch_article(client, job)
    replayed = archive.nearest(job.link, story_time(job))
    if replayed.result.reason is Reason.NOT_FOUND and job.url != job.link:
        # Archives file a page under the URL they crawled, seldom with a feed's tracking
        # parameters: the story's key (normalised, without them) is the other name to ask for.
        replayed = archive.nearest(job.url, story_time(job))
    result = replayed.result
    if not result.ok:
        if live_fallback and result.status is not FetchStatus.TEMPORARY:
            return fetch_article(client, job)
        return ArticleFetch(
            job, result.status, result.reason, replace(result, body=b""), None, detail=result.detail
        )
    # Extract against the original URL: relative links and the canonical URL are the site's.
    fetched = article_from(replace(result, final_url=job.link), job)
    if fetched.article is None:
        return fetched
    captured = _capture_time(replayed.capture_timestamp)
    article = replace(
        fetched.article,
        source=ArticleSource.ARCHIVE,
        captured_at=captured,
        archive_url=result.final_url or replayed.archive_url,
    )
    return replace(
        fetched, article=article, fetch=replace(fetched.fetch, final_url=article.archive_url or "")
    )


def _capture_time(timestamp: str | None) -> datetime | None:
    if not timestamp:
        return None
    return datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
