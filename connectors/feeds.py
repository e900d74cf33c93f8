"""Feed bytes into typed `FeedEntry` records (feedparser on bytes we fetched, never on a URL)."""

from __future__ import annotations

import calendar
import io
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser

from parallax.connectors.feedxml import bound_entities
from parallax.connectors.http import HttpClient
from parallax.connectors.records import (
    FeedEntry,
    FeedParse,
    FeedPoll,
    FeedState,
    FetchStatus,
    Reason,
)
from parallax.connectors.text import markup_to_text, one_line
from parallax.connectors.urls import InvalidURL, absolute_url, check_url, normalize_url

# feedparser expands a feed's own entity declarations without limit: bound them before any
# feed is parsed (connectors/feedxml.py).
bound_entities()

DEFAULT_MAX_ENTRIES = 500
# feedparser accepts dates far in the past or future; these bound what is plausible.
_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)


class NotAFeed(Exception):
    """The bytes are not a feed (an HTML page, an empty body, garbage)."""


def _to_datetime(parsed: Any) -> datetime | None:
    """feedparser's UTC struct_time to an aware datetime, if plausible."""
    if not isinstance(parsed, time.struct_time):
        return None
    try:
        when = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None
    return when if when >= _EARLIEST else None


def _entry_link(entry: Any) -> str:
    """The entry's article link: rel=alternate first, then `link`, then a permalink guid."""
    for link in entry.get("links") or []:
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    if entry.get("link"):
        return str(entry["link"])
    if entry.get("guidislink") and entry.get("id"):
        return str(entry["id"])
    return ""


def parse_document(
    body: bytes, feed_url: str, *, content_type: str = ""
) -> feedparser.FeedParserDict:
    """feedparser's raw result for a fetched document, exactly as `parse_feed` reads it.

    Public so tests can hold Parallax's path to feedparser's own expectations; pipeline code
    uses `parse_feed`, whose typed records are all that leaves connectors/.
    """
    # The feed's URL is the base for relative links, and the Content-Type (with its charset)
    # is the only response header that reaches the parser: Parallax fetched the bytes itself.
    headers = {"content-location": feed_url}
    if content_type:
        headers["content-type"] = content_type
    # A BytesIO, never the bytes: feedparser treats a bytes argument that names a file as a path.
    return feedparser.parse(io.BytesIO(body), response_headers=headers)


def parse_feed(
    body: bytes,
    feed_url: str,
    *,
    content_type: str = "",
    max_entries: int = DEFAULT_MAX_ENTRIES,
) -> FeedParse:
    """Parse a feed document; raise NotAFeed when it holds no feed at all."""
    parsed = parse_document(body, feed_url, content_type=content_type)
    bozo = str(parsed.get("bozo_exception", "")) if parsed.get("bozo") else ""
    if not parsed.get("version") and not parsed.entries:
        raise NotAFeed(bozo or "no feed elements found")
    skipped: Counter[str] = Counter()
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    base = parsed.get("href") or feed_url
    for position, raw in enumerate(parsed.entries):
        if len(entries) >= max_entries:
            skipped["over_cap"] += len(parsed.entries) - position
            break
        link = _entry_link(raw)
        if not link:
            skipped["no_link"] += 1
            continue
        try:
            absolute = check_url(absolute_url(link, base))
            key = normalize_url(absolute)
        except InvalidURL as err:
            skipped[err.reason] += 1
            continue
        if key in seen:
            skipped["duplicate"] += 1
            continue
        seen.add(key)
        summary = raw.get("summary") or ""
        if not summary and raw.get("content"):
            summary = raw["content"][0].get("value", "")
        entries.append(
            FeedEntry(
                feed_url=feed_url,
                url=key,
                link=absolute,
                title=one_line(markup_to_text(raw.get("title"))),
                position=position,
                guid=one_line(raw.get("id"), 2048) or None,
                summary=markup_to_text(summary)[:5000],
                author=one_line(markup_to_text(raw.get("author")), 300) or None,
                # dict.get: feedparser's own get() maps a missing "updated" to "published",
                # with a DeprecationWarning, and the two must stay apart here.
                published_at=_to_datetime(dict.get(raw, "published_parsed")),
                updated_at=_to_datetime(dict.get(raw, "updated_parsed")),
            )
        )
    return FeedParse(
        entries=entries,
        title=one_line(markup_to_text(parsed.feed.get("title"))),
        version=str(parsed.get("version") or ""),
        total_entries=len(parsed.entries),
        skipped=dict(skipped),
        bozo=bozo[:500],
    )


FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)


def failure_backoff(failures: int, step: timedelta, cap: timedelta) -> timedelta:
    """How long a failing feed waits before its next try: linear in failures, capped.

    Linear rather than exponential, and capped, so a feed that comes back is noticed within a
    day; a feed is never dropped for good.
    """
    return min(step * max(failures, 0), cap)


def poll_feed(
    client: HttpClient,
    state: FeedState,
    *,
    max_entries: int = DEFAULT_MAX_ENTRIES,
    backoff_step: timedelta = timedelta(minutes=30),
    backoff_cap: timedelta = timedelta(hours=24),
) -> FeedPoll:
    """Fetch a feed conditionally and parse it; every outcome is a FeedPoll, never an error."""
    result = client.fetch(
        state.url, etag=state.etag, last_modified=state.last_modified, accept=FEED_ACCEPT
    )
    status, reason, detail = result.status, result.reason, result.detail
    parsed: FeedParse | None = None
    if result.ok and result.content_hash == state.content_hash:
        # Servers that ignore conditional GET, or send the same ETag with new content, are
        # judged by the bytes themselves.
        status, reason = FetchStatus.NOT_MODIFIED, Reason.UNCHANGED
    elif result.ok:
        try:
            parsed = parse_feed(
                result.body,
                result.final_url or state.url,
                content_type=result.content_type,
                max_entries=max_entries,
            )
        except NotAFeed as err:
            status, reason, detail = FetchStatus.SOFT, Reason.NOT_A_FEED, str(err)
        except Exception as err:  # noqa: BLE001 - a parser bug must not stop the run
            status, reason, detail = FetchStatus.HARD, Reason.PARSE_ERROR, repr(err)
        if parsed is not None:
            parsed = FeedParse(
                entries=[replace(e, feed_url=state.url) for e in parsed.entries],
                title=parsed.title,
                version=parsed.version,
                total_entries=parsed.total_entries,
                skipped=parsed.skipped,
                bozo=parsed.bozo,
            )
    failed = status not in (FetchStatus.OK, FetchStatus.NOT_MODIFIED)
    failures = state.consecutive_failures + 1 if failed else 0
    now = datetime.now(UTC)
    return FeedPoll(
        feed_url=state.url,
        outlet=state.outlet,
        status=status,
        reason=reason,
        fetch=replace(result, body=b""),
        parse=parsed,
        consecutive_failures=failures,
        next_due_at=now + failure_backoff(failures, backoff_step, backoff_cap),
        detail=detail[:500],
    )
