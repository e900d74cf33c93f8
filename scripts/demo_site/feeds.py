"""RSS 2.0 and Atom 1.0 feeds of an outlet."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from email.utils import format_datetime

from .stories import Article, Feed, Outlet
from .urls import feed_item_id

ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/elements/1.1/"
TRACKING = "?utm_source=rss&utm_medium=feed"
XML = "http://www.w3.org/XML/1998/namespace"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

ET.register_namespace("atom", ATOM)
ET.register_namespace("dc", DC)


def feed_items(outlet: Outlet, feed: Feed) -> list[Article]:
    """The articles a feed carries, newest first (ties broken by path, for stable output)."""
    items = [a for a in outlet.articles if set(a.sections) & set(feed.sections)]
    return sorted(items, key=lambda a: (-a.published.timestamp(), a.path))


def render_feed(outlet: Outlet, feed: Feed) -> bytes:
    """The feed document as UTF-8 bytes with an XML declaration."""
    items = feed_items(outlet, feed)
    root = _rss(outlet, feed, items) if feed.format == "rss" else _atom(outlet, feed, items)
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode")
    return (_DECLARATION + text + "\n").encode("utf-8")


def _item_link(outlet: Outlet, feed: Feed, article: Article) -> str:
    """The link a feed gives for an article, with tracking parameters when the feed adds them."""
    url = outlet.url(article.path)
    return url + TRACKING if feed.link_style == "tracking" else url


def _newest(items: list[Article]) -> datetime | None:
    """The publication time of the newest item."""
    return items[0].published if items else None


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    """Append a child element with optional text and attributes."""
    child = ET.SubElement(parent, tag, attrs)
    child.text = text
    return child


def _rss(outlet: Outlet, feed: Feed, items: list[Article]) -> ET.Element:
    """An RSS 2.0 document."""
    root = ET.Element("rss", {"version": "2.0"})
    channel = _sub(root, "channel")
    _sub(channel, "title", feed.title)
    _sub(channel, "link", outlet.url("/"))
    _sub(channel, "description", outlet.tagline)
    _sub(channel, "language", feed.language)
    _sub(
        channel,
        f"{{{ATOM}}}link",
        href=outlet.url(feed.path),
        rel="self",
        type="application/rss+xml",
    )
    newest = _newest(items)
    if newest is not None:
        _sub(channel, "lastBuildDate", format_datetime(newest))
    for article in items:
        item = _sub(channel, "item")
        _sub(item, "title", article.title)
        _sub(item, "link", _item_link(outlet, feed, article))
        _sub(item, "guid", feed_item_id(outlet.slug, article.path), isPermaLink="false")
        _sub(item, "description", article.summary)
        if feed.dates:
            _sub(item, "pubDate", format_datetime(article.published))
        if article.author:
            _sub(item, f"{{{DC}}}creator", article.author)
        for section in article.sections:
            _sub(item, "category", section)
    return root


def _atom(outlet: Outlet, feed: Feed, items: list[Article]) -> ET.Element:
    """An Atom 1.0 document."""
    # Atom is the default namespace here, declared as a plain attribute: ElementTree's own
    # default_namespace option refuses the unqualified attributes (rel, href) Atom uses.
    root = ET.Element("feed", {"xmlns": ATOM, f"{{{XML}}}lang": feed.language})
    _sub(root, "id", f"tag:{outlet.domain},2021:feed:{feed.path}")
    _sub(root, "title", feed.title)
    _sub(root, "subtitle", outlet.tagline)
    _sub(root, "link", rel="alternate", type="text/html", href=outlet.url("/"))
    _sub(root, "link", rel="self", type="application/atom+xml", href=outlet.url(feed.path))
    newest = _newest(items)
    if newest is not None:
        # Atom requires a feed-level updated; it is the newest item's time even when the
        # items themselves carry no dates.
        _sub(root, "updated", newest.isoformat())
    # Unsigned entries inherit the feed's author, which Atom requires somewhere.
    _sub(_sub(root, "author"), "name", outlet.name)
    for article in items:
        entry = _sub(root, "entry")
        item_id = feed_item_id(outlet.slug, article.path)
        _sub(entry, "id", f"tag:{outlet.domain},2021:{item_id}")
        _sub(entry, "title", article.title)
        _sub(
            entry, "link", rel="alternate", type="text/html", href=_item_link(outlet, feed, article)
        )
        if feed.dates:
            _sub(entry, "published", article.published.isoformat())
            _sub(entry, "updated", article.published.isoformat())
        if article.author:
            _sub(_sub(entry, "author"), "name", article.author)
        for section in article.sections:
            _sub(entry, "category", term=section)
        _sub(entry, "summary", article.summary)
    return root
