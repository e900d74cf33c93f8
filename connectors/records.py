"""Typed records that cross the layers, so nothing downstream touches feedparser or trafilatura."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit


class FetchStatus(StrEnum):
    """What a fetch came to, in the six words runs are summarised by."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"  # 304, or the same bytes as last time
    SOFT = "soft"  # the server answered, but there is nothing usable (404, not a feed, no text)
    HARD = "hard"  # refused by policy or broken beyond retrying (bad scheme, too large, 403)
    TEMPORARY = "temporary"  # may work later (timeouts, 5xx, 429, connection errors)
    DEFERRED = "deferred"  # not attempted: the run's time budget ran out; the next run does it


class Reason(StrEnum):
    """The fixed vocabulary of fetch outcomes; every fetch row carries exactly one."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    UNCHANGED = "unchanged"  # 200 with the same content hash as the last fetch
    NOT_FOUND = "not_found"
    GONE = "gone"
    FORBIDDEN = "forbidden"
    CLIENT_ERROR = "client_error"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    UNEXPECTED_STATUS = "unexpected_status"
    TIMEOUT = "timeout"
    DEADLINE = "deadline"  # the whole request outlived its total deadline
    CONNECT_ERROR = "connect_error"
    DNS_ERROR = "dns_error"
    PROTOCOL_ERROR = "protocol_error"  # truncated body, broken chunking, bad headers
    BLOCKED_ADDRESS = "blocked_address"
    BAD_SCHEME = "bad_scheme"
    BAD_URL = "bad_url"
    URL_TOO_LONG = "url_too_long"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    REDIRECT_LOOP = "redirect_loop"
    REDIRECT_WITHOUT_LOCATION = "redirect_without_location"
    TOO_LARGE = "too_large"
    DECODE_ERROR = "decode_error"  # bad gzip/deflate/brotli, unknown content-encoding
    NOT_A_FEED = "not_a_feed"
    PARSE_ERROR = "parse_error"
    NO_TEXT = "no_text"
    ROBOTS_DISALLOWED = "robots_disallowed"
    DEFERRED = "deferred"  # left for the next run: the run's [ingest] max_run_s had passed


@dataclass(frozen=True)
class FetchResult:
    """One HTTP fetch: what was asked, what came back, and how it went."""

    url: str
    status: FetchStatus
    reason: Reason
    fetched_at: datetime
    final_url: str = ""
    http_status: int | None = None
    body: bytes = b""
    content_type: str = ""
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    elapsed_s: float = 0.0
    attempts: int = 1
    retry_after_s: float | None = None
    detail: str = ""

    body_size: int = 0  # bytes of the decoded body, kept when the body itself is dropped
    waited_s: float = 0.0  # of elapsed_s, time spent on politeness and retry delays
    # False for a temporary failure that another attempt now would only repeat: a server that
    # was still sending when the total deadline passed. Later runs try again as usual.
    retryable: bool = True

    @property
    def ok(self) -> bool:
        """Whether a body arrived and can be used."""
        return self.status is FetchStatus.OK


@dataclass(frozen=True)
class Outlet:
    """A news outlet and the feeds Parallax reads for it."""

    name: str
    feeds: tuple[str, ...]
    domain: str | None = None
    country: str | None = None
    language: str | None = None
    kind: str | None = None
    extra: dict[str, object] = field(default_factory=dict)
    # For backfills: sitemaps to read (empty: those robots.txt names, else /sitemap.xml), and
    # the path prefixes of the sections to keep from them (empty: every story).
    sitemaps: tuple[str, ...] = ()
    sitemap_sections: tuple[str, ...] = ()

    @property
    def site(self) -> str:
        """The outlet's home page: its domain's, else its first feed's scheme and host."""
        if self.domain:
            scheme = urlsplit(self.feeds[0]).scheme if self.feeds else "https"
            return f"{scheme}://{self.domain}/"
        parts = urlsplit(self.feeds[0])
        return f"{parts.scheme}://{parts.netloc}/"


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed, with its link normalised into the key its article is stored under."""

    feed_url: str
    url: str
    link: str
    title: str
    position: int
    guid: str | None = None
    summary: str = ""
    author: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class FeedParse:
    """A parsed feed: its entries, plus what was left out and why."""

    entries: list[FeedEntry]
    title: str = ""
    version: str = ""
    total_entries: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    bozo: str = ""  # feedparser's complaint about the document, when it had one


class EntrySource(StrEnum):
    """Where an entry (a story's link) was found."""

    FEED = "feed"  # a live feed
    ARCHIVED_FEED = "archived_feed"  # a web archive's capture of a feed
    SITEMAP = "sitemap"  # the outlet's sitemap


class ArticleSource(StrEnum):
    """Where an article's page was read."""

    LIVE = "live"  # the outlet's site
    ARCHIVE = "archive"  # a web archive's capture of the page


class DateSource(StrEnum):
    """Where an article's publication time came from, best first."""

    PAGE_META = "page_meta"  # <meta>, JSON-LD or <time datetime> on the page, with a time of day
    FEED = "feed"  # the feed item's published/updated date
    PAGE_DATE = "page_date"  # a date on the page without a time of day (day precision)
    FIRST_SEEN = "first_seen"  # when Parallax first saw the link


@dataclass(frozen=True)
class Article:
    """An article page turned into text and metadata."""

    url: str
    outlet: str
    title: str
    text: str
    published_at: datetime
    date_source: DateSource
    text_hash: str
    html_hash: str
    final_url: str = ""
    canonical_url: str | None = None
    author: str | None = None
    language: str | None = None  # as the page declares it (<html lang>, Content-Language)
    description: str | None = None
    sitename: str | None = None
    word_count: int = 0  # words in any script (analysis.wordcount.count_words)
    detected_language: str | None = None  # from the text, beside the declared `language`
    detection_confidence: float | None = None  # the detector's probability for it, 0..1
    source: ArticleSource = ArticleSource.LIVE
    captured_at: datetime | None = None  # an archived page's capture time
    archive_url: str | None = None  # and where the archive replays it


@dataclass(frozen=True)
class FeedState:
    """What Parallax remembers of a feed between runs."""

    url: str
    outlet: str
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    consecutive_failures: int = 0
    next_due_at: datetime | None = None


@dataclass(frozen=True)
class FeedPoll:
    """One feed polled: the fetch, the parse, and the feed's state after it."""

    feed_url: str
    outlet: str
    status: FetchStatus
    reason: Reason
    fetch: FetchResult  # without its body
    parse: FeedParse | None
    consecutive_failures: int
    next_due_at: datetime
    detail: str = ""


@dataclass(frozen=True)
class PendingArticle:
    """An article link seen in a feed and not yet stored."""

    url: str  # the normalised key
    link: str  # the link as the feed gave it (fetched as is)
    outlet: str
    first_seen_at: datetime
    entry: FeedEntry
    source: EntrySource = EntrySource.FEED  # where the entry came from (which fetch suits it)
    captured_at: datetime | None = None  # the archived feed capture that listed it


@dataclass(frozen=True)
class ArticleFetch:
    """One article page fetched and extracted, or the reason it was not."""

    job: PendingArticle
    status: FetchStatus
    reason: Reason
    fetch: FetchResult  # without its body
    article: Article | None
    extract_s: float = 0.0
    detail: str = ""
