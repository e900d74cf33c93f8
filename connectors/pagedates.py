"""An article's publication time from its page's own metadata, to the minute.

htmldate (inside trafilatura) is good at finding the day but drops the time of day and the
offset of many timestamps, and time of day matters for who reported first. This reads the
machine-readable places news sites put the exact time, in order of how reliably they mean
"first published": Open Graph, schema.org JSON-LD and microdata, common meta names, <time>.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from lxml.html import HtmlElement

_META_XPATHS = (
    "//meta[@property='article:published_time']/@content",
    "//meta[@itemprop='datePublished']/@content",
    "//meta[@name='article:published_time' or @name='article.published' or "
    "@name='parsely-pub-date' or @name='sailthru.date' or @name='publish-date' or "
    "@name='pubdate' or @name='date' or @name='DC.date.issued' or @name='dcterms.issued']/@content",
)
_TIME_XPATHS = (
    "//*[@itemprop='datePublished']/@datetime",
    "//time[@pubdate]/@datetime",
    "//article//time/@datetime",
    "//*[contains(@class, 'byline') or contains(@class, 'dateline')]//time/@datetime",
)
_ARTICLE_TYPES = re.compile(r"(News)?Article|BlogPosting|Report|LiveBlogPosting", re.IGNORECASE)
_HAS_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def parse_timestamp(value: str) -> datetime | None:
    """An ISO 8601 timestamp with a time of day, as UTC; None for a bare date or junk.

    A timestamp without an offset is taken as UTC: sites that omit it mostly mean UTC, and
    the feed or the day would be no more precise.
    """
    value = value.strip()
    if not _HAS_TIME.match(value):
        return None
    try:
        when = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _json_ld_dates(node: Any) -> Iterator[str]:
    """datePublished of every article-like object in a JSON-LD document, @graph included."""
    if isinstance(node, list):
        for item in node:
            yield from _json_ld_dates(item)
    elif isinstance(node, dict):
        kinds = node.get("@type", "")
        kinds = " ".join(kinds) if isinstance(kinds, list) else str(kinds)
        if _ARTICLE_TYPES.search(kinds) and isinstance(node.get("datePublished"), str):
            yield node["datePublished"]
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if key in node:
                yield from _json_ld_dates(node[key])


def _candidates(tree: HtmlElement) -> Iterator[str]:
    for xpath in _META_XPATHS:
        yield from (str(v) for v in tree.xpath(xpath))
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            yield from _json_ld_dates(json.loads(script))
        except (ValueError, RecursionError):
            continue  # broken JSON-LD is common; other places may still have the time
    for xpath in _TIME_XPATHS:
        yield from (str(v) for v in tree.xpath(xpath))


def find_published_time(tree: HtmlElement, *, latest: datetime | None = None) -> datetime | None:
    """The first plausible publication timestamp in the page's metadata, or None."""
    for candidate in _candidates(tree):
        when = parse_timestamp(candidate)
        if when is not None and when.year >= 1990 and (latest is None or when <= latest):
            return when
    return None
