"""Article pages into text and metadata with trafilatura, and where the date came from."""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import Document

from parallax.analysis.language_id import detect_language
from parallax.analysis.wordcount import count_words
from parallax.connectors.http import HttpClient
from parallax.connectors.pagedates import find_published_time
from parallax.connectors.records import (
    Article,
    ArticleFetch,
    DateSource,
    FeedEntry,
    FetchResult,
    FetchStatus,
    PendingArticle,
    Reason,
)
from parallax.connectors.text import clean_text, one_line
from parallax.connectors.urls import InvalidURL, check_url

_LANG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
# Below this, what the extractor found is a menu or a caption, not a story; the shortest real
# news briefs run to 40 words and more. Words as count_words counts them, so a Chinese or
# Japanese text needs about 34 characters, as much as one sentence of news holds.
MIN_WORDS = 20


class NoText(Exception):
    """The page holds no article text that the extractor could find."""


@dataclass(frozen=True)
class ExtractedPage:
    """What trafilatura found on one page."""

    text: str
    title: str | None
    author: str | None
    date: datetime | None
    date_has_time: bool  # False when the page gives only a day
    language: str | None
    canonical_url: str | None
    description: str | None
    sitename: str | None


def _page_language(tree: HtmlElement) -> str | None:
    """The language the page declares (<html lang>, Content-Language meta), lower-cased."""
    candidates = [tree.get("lang"), tree.get("xml:lang")]
    candidates += tree.xpath("//meta[@http-equiv='content-language' or @name='language']/@content")
    for value in candidates:
        value = (value or "").strip()
        if _LANG.match(value):
            return value.split("-")[0].split("_")[0].lower()
    return None


def _parse_page_date(value: str | None) -> tuple[datetime | None, bool]:
    """htmldate's output to an aware UTC datetime, and whether it carried a time of day."""
    if not value:
        return None, False
    try:
        when = datetime.strptime(value, _DATE_FORMAT)
    except ValueError:
        try:
            day = datetime.strptime(value[:10], "%Y-%m-%d")
        except ValueError:
            return None, False
        return day.replace(tzinfo=UTC), False
    return when.astimezone(UTC), True


def _optional_url(value: str | None) -> str | None:
    try:
        return check_url(value) if value else None
    except InvalidURL:
        return None


def extract_page(html: bytes, url: str, *, charset: str | None = None) -> ExtractedPage:
    """Extract the main text and metadata of an article page; raise NoText when there is none."""
    markup: bytes | str = html
    if charset:
        # An unknown charset name leaves the bytes for trafilatura to detect the encoding.
        with contextlib.suppress(LookupError):
            markup = html.decode(charset, errors="replace")
    tree = trafilatura.load_html(markup)
    if tree is None:
        raise NoText("not an HTML document")
    language = _page_language(tree)
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    # Read before trafilatura, which prunes the tree in place.
    published = find_published_time(tree, latest=tomorrow)
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        # Metadata and markup only: a date guessed from the URL or from any number in the text
        # is wrong too often to beat the feed's date.
        date_extraction_params={
            "original_date": True,
            "extensive_search": False,
            "outputformat": _DATE_FORMAT,
            "max_date": tomorrow.strftime("%Y-%m-%d"),
        },
    )
    if not isinstance(doc, Document) or not doc.text or not doc.text.strip():
        raise NoText("no main text found")
    words = count_words(doc.text)
    if words < MIN_WORDS:
        raise NoText(f"only {words} words of text found")
    date, has_time = (published, True) if published else _parse_page_date(doc.date)
    return ExtractedPage(
        text=clean_text(doc.text),
        title=one_line(doc.title) or None,
        author=one_line(doc.author, 300) or None,
        date=date,
        date_has_time=has_time,
        language=language,
        canonical_url=_optional_url(doc.url),
        description=clean_text(doc.description)[:2000] or None,
        sitename=one_line(doc.sitename, 300) or None,
    )


def choose_published(
    page: ExtractedPage, entry: FeedEntry | None, first_seen: datetime
) -> tuple[datetime, DateSource]:
    """Pick the publication time, most precise source first: page, feed, page day, first seen."""
    if page.date is not None and page.date_has_time:
        return page.date, DateSource.PAGE_META
    feed_date = entry.published_at or entry.updated_at if entry is not None else None
    if feed_date is not None:
        return feed_date, DateSource.FEED
    if page.date is not None:
        return page.date, DateSource.PAGE_DATE
    return first_seen, DateSource.FIRST_SEEN


def sha256(data: bytes | str) -> str:
    """Hex SHA-256 of bytes, or of text encoded as UTF-8."""
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def build_article(
    html: bytes,
    url: str,
    outlet: str,
    *,
    entry: FeedEntry | None,
    first_seen: datetime,
    final_url: str = "",
    charset: str | None = None,
) -> Article:
    """Turn a fetched page into an Article; raise NoText when the page has no article text."""
    page = extract_page(html, final_url or url, charset=charset)
    published, source = choose_published(page, entry, first_seen)
    title = page.title or (entry.title if entry is not None else "") or ""
    detected = detect_language(page.text)
    return Article(
        url=url,
        outlet=outlet,
        title=title,
        text=page.text,
        published_at=published,
        date_source=source,
        text_hash=sha256(page.text),
        html_hash=sha256(html),
        final_url=final_url or url,
        canonical_url=page.canonical_url,
        author=page.author or (entry.author if entry is not None else None),
        language=page.language,
        description=page.description or (entry.summary[:2000] if entry is not None else None),
        sitename=page.sitename,
        word_count=count_words(page.text),
        detected_language=detected.language,
        detection_confidence=detected.confidence,
    )


PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


def download_article(client: HttpClient, job: PendingArticle) -> FetchResult:
    """Download one article page (extract it with article_from)."""
    # Pages, unlike feeds, are what robots.txt speaks of: a disallowed one ends soft, unfetched.
    return client.fetch(job.link, accept=PAGE_ACCEPT, check_robots=True)


def fetch_article(client: HttpClient, job: PendingArticle) -> ArticleFetch:
    """Download and extract one article; every outcome is an ArticleFetch, never an error."""
    return article_from(download_article(client, job), job)


def article_from(result: FetchResult, job: PendingArticle) -> ArticleFetch:
    """Extract a fetched page (live or replayed from an archive) into an ArticleFetch."""
    bare = replace(result, body=b"")
    if not result.ok:
        return ArticleFetch(job, result.status, result.reason, bare, None, detail=result.detail)
    began = time.perf_counter()
    try:
        article = build_article(
            result.body,
            job.url,
            job.outlet,
            entry=job.entry,
            first_seen=job.first_seen_at,
            final_url=result.final_url,
            charset=result.charset,
        )
    except NoText as err:
        return ArticleFetch(
            job,
            FetchStatus.SOFT,
            Reason.NO_TEXT,
            bare,
            None,
            extract_s=time.perf_counter() - began,
            detail=str(err),
        )
    except Exception as err:  # noqa: BLE001 - an extractor bug on one page must not stop the run
        return ArticleFetch(
            job,
            FetchStatus.HARD,
            Reason.PARSE_ERROR,
            bare,
            None,
            extract_s=time.perf_counter() - began,
            detail=repr(err)[:500],
        )
    return ArticleFetch(
        job, FetchStatus.OK, Reason.OK, bare, article, extract_s=time.perf_counter() - began
    )
