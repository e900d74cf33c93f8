"""Formatting and escaping for the report templates: times, numbers, links and Markdown."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import quote, urlsplit

# Keyed by connectors.records.DateSource values; reports does not import the connector layer.
DATE_SOURCES = {
    "page_meta": "page metadata",
    "feed": "feed",
    "page_date": "date on page",
    "first_seen": "first seen",
}
LINK_SCHEMES = frozenset({"http", "https"})

# What browsers strip around a URL (C0 controls and space) and remove inside it (tab, CR, LF):
# "java\tscript:" is javascript: to them, so the scheme is judged on what they would see.
_URL_EDGE = "".join(chr(code) for code in range(0x21))
_URL_INSIDE = str.maketrans("", "", "\t\r\n")
# Characters that make inline Markdown (emphasis, code, links, raw HTML, table cells).
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|])")
# What turns the start of a line into a heading, list, quote, rule or fence.
# An ordered-list number keeps its digits and has its dot or parenthesis escaped.
_MD_LINE_START = re.compile(r"^(\d{1,9}(?=[.)])|)([#+=~-]|(?<=\d)[.)])")
# Destination characters percent-encoded in Markdown links: they would end or break the link.
_MD_URL_SAFE = "/:?#@!$&'*+,;=%"
MINUS = "\u2212"  # a real minus sign, as wide as a plus in tabular figures


class Dated(Protocol):
    """A story or timeline entry: a time, and where that time came from."""

    @property
    def published_at(self) -> datetime: ...

    @property
    def date_source(self) -> str: ...


def as_utc(moment: datetime) -> datetime:
    """The moment in UTC; a naive time is taken to be UTC already, as the Store keeps it."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_utc(moment: datetime) -> str:
    """A time as "2021-12-02 16:20", in UTC."""
    return as_utc(moment).strftime("%Y-%m-%d %H:%M")


def format_story_time(story: Dated) -> str:
    """A story's time; only the day when the page gave no time of day."""
    if story.date_source == "page_date":
        return as_utc(story.published_at).strftime("%Y-%m-%d")
    return format_utc(story.published_at)


def format_lag(hours: float) -> str:
    """A lag behind the first report as "+1 h 05 min", "+35 min", or "first"."""
    minutes = round(hours * 60)
    if minutes <= 0:
        return "first"
    whole_hours, rest = divmod(minutes, 60)
    if whole_hours == 0:
        return f"+{rest} min"
    return f"+{whole_hours} h {rest:02d} min"


def format_offset(hours: float | None) -> str:
    """A timeline lag: as format_lag, "−3 h 00 min" before the first report, "–" if unknown."""
    if hours is None:
        return "–"
    if round(hours * 60) < 0:
        return MINUS + format_lag(-hours)[1:]
    return format_lag(hours)


def format_z(value: float) -> str:
    """A z-score with one decimal and a real minus sign ("2.4", "−1.9"; never "−0.0")."""
    text = f"{value:.1f}"
    if text.startswith("-"):
        return "0.0" if text == "-0.0" else MINUS + text[1:]
    return text


def format_number(value: int) -> str:
    """A count with thousands separators."""
    return f"{value:,}"


def format_similarity(value: float) -> str:
    """A cosine similarity with two decimals."""
    return f"{value:.2f}"


def format_percent(share: float) -> str:
    """A share of 0..1 as a whole percentage."""
    return f"{share:.0%}"


def format_words(value: float) -> str:
    """A word count, rounded, with thousands separators."""
    return f"{value:,.0f}"


def format_seconds(value: float) -> str:
    """Seconds with one decimal."""
    return f"{value:,.1f}"


def format_duration(seconds: float) -> str:
    """A duration as "42 s", "3 min 05 s" or "1 h 02 min"."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def plural(count: int, singular: str, several: str) -> str:
    """A count with its noun, as "1 story" or "5 stories"."""
    return f"{count:,} {singular if count == 1 else several}"


def describe_date_source(source: str) -> str:
    """Where a story's date came from, in words."""
    return DATE_SOURCES.get(source, source.replace("_", " "))


def format_label(key: str) -> str:
    """A counter or stage name as a label: "articles_extracted" reads "articles extracted"."""
    return key.replace("_", " ")


def safe_href(url: str) -> str:
    """The URL when it is an absolute http(s) link, else "#", so no other scheme becomes a link."""
    seen = url.strip(_URL_EDGE).translate(_URL_INSIDE)
    try:
        parts = urlsplit(seen)
    except ValueError:  # a malformed host such as "http://[::1"
        return "#"
    if parts.scheme.lower() not in LINK_SCHEMES or not parts.netloc:
        return "#"
    return seen


def markdown_text(value: object) -> str:
    """Untrusted text as one line of inert Markdown: no emphasis, links, HTML or cell breaks."""
    return _escape_markdown_line(" ".join(str(value).split()))


def markdown_quote(value: str) -> str:
    """Untrusted multi-line text as an escaped Markdown block quote."""
    lines = [_escape_markdown_line(" ".join(line.split())) for line in value.strip().splitlines()]
    return "\n".join(f"> {line}" if line else ">" for line in lines)


def markdown_link(text: str, url: str) -> str:
    """A Markdown link when the URL is http(s); otherwise the text alone."""
    href = safe_href(url)
    if href == "#":
        return markdown_text(text)
    return f"[{markdown_text(text)}]({quote(href, safe=_MD_URL_SAFE)})"


def _escape_markdown_line(line: str) -> str:
    """Backslash-escape inline Markdown, then whatever would make the line a block."""
    return _MD_LINE_START.sub(r"\1\\\2", _MD_INLINE.sub(r"\\\1", line))
