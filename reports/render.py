"""Render a ReportData as one self-contained HTML file and a Markdown file."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2

from analysis.records import CopyLink, OutletCoverage
from reports.data import NeighbourCluster, ReportData, ReportStory, RunInfo

TEMPLATES = Path(__file__).parent / "templates"
HTML_TEMPLATE = "report.html.j2"
MARKDOWN_TEMPLATE = "report.md.j2"
HTML_NAME = "report.html"
MARKDOWN_NAME = "report.md"
MAX_HEADLINES = 3  # per neighbouring cluster
TITLE_CHARS = 140  # a seed without a title is named by its first line, cut to this length

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


@dataclass(frozen=True)
class ReportFiles:
    """The files one report was written to."""

    html: Path
    markdown: Path


@dataclass(frozen=True)
class Overview:
    """The headline figures of the event."""

    title: str
    stories: int
    outlets: int
    independent: int
    copies: int
    first: OutletCoverage | None  # the outlet that reported first


@dataclass(frozen=True)
class StoryRow:
    """One story as listed, with the story it copies when that is known."""

    story: ReportStory
    original: ReportStory | None  # the copied story, when it is among the event's stories
    copy: CopyLink | None


@dataclass(frozen=True)
class OutletStories:
    """One outlet's stories of the event, earliest first."""

    outlet: str
    anchor: str
    rows: list[StoryRow]


@dataclass(frozen=True)
class NeighbourRow:
    """A neighbouring cluster and the headlines shown for it."""

    cluster: NeighbourCluster
    headlines: list[str]


@dataclass(frozen=True)
class FailureRow:
    """How often one kind of fetch failed for one reason."""

    kind: str
    reason: str
    count: int


def render_html(data: ReportData) -> str:
    """Render the report as one self-contained HTML document."""
    return _environment().get_template(HTML_TEMPLATE).render(_context(data))


def render_markdown(data: ReportData) -> str:
    """Render the report as Markdown."""
    return _environment().get_template(MARKDOWN_TEMPLATE).render(_context(data))


def write_report(data: ReportData, directory: Path) -> ReportFiles:
    """Write report.html and report.md into a directory, each replaced atomically."""
    # Render both before writing either, so a template error leaves the old report whole.
    html, markdown = render_html(data), render_markdown(data)
    directory.mkdir(parents=True, exist_ok=True)
    files = ReportFiles(html=directory / HTML_NAME, markdown=directory / MARKDOWN_NAME)
    _write_atomically(files.html, html)
    _write_atomically(files.markdown, markdown)
    return files


def _write_atomically(path: Path, text: str) -> None:
    """Write a file through a temporary sibling and a rename, so readers never see half of it."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@cache
def _environment() -> jinja2.Environment:
    """The Jinja2 environment both templates share, with the report's filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        # Fail closed: only the Markdown templates, which escape with their own filters, are
        # left unescaped; any other template, or one rendered from a string, is HTML-escaped.
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html.j2",),
            disabled_extensions=("md.j2",),
            default_for_string=True,
            default=True,
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        safe_href=safe_href,
        utc=format_utc,
        story_time=format_story_time,
        lag=format_lag,
        number=format_number,
        similarity=format_similarity,
        percent=format_percent,
        words=format_words,
        seconds=format_seconds,
        duration=format_duration,
        plural=plural,
        date_source=describe_date_source,
        label=format_label,
        md=markdown_text,
        md_quote=markdown_quote,
        md_link=markdown_link,
    )
    return env


def _context(data: ReportData) -> dict[str, Any]:
    """Everything the templates read, with grouping and look-ups done here rather than there."""
    groups = _group_stories(data)
    return {
        "data": data,
        "overview": _overview(data),
        "groups": groups,
        "anchors": {group.outlet: group.anchor for group in groups},
        "neighbours": [_neighbour_row(cluster) for cluster in data.neighbours],
        "failures": _failure_rows(data.run) if data.run else [],
        "run_seconds": _run_seconds(data.run) if data.run else None,
    }


def _overview(data: ReportData) -> Overview:
    """Count the event's stories, outlets and copies, and find who reported first."""
    copies = sum(1 for story in data.stories if story.copy_of)
    first = min(data.outlets, key=lambda outlet: outlet.first_published_at, default=None)
    return Overview(
        title=seed_title(data),
        stories=len(data.stories),
        outlets=len(data.outlets),
        independent=len(data.stories) - copies,
        copies=copies,
        first=first,
    )


def seed_title(data: ReportData) -> str:
    """The seed's title, or its first line of text when it has none."""
    if data.seed.title.strip():
        return " ".join(data.seed.title.split())
    first_line = next((line.strip() for line in data.seed.text.splitlines() if line.strip()), "")
    if len(first_line) <= TITLE_CHARS:
        return first_line or data.seed.seed_id
    return first_line[:TITLE_CHARS].rsplit(" ", 1)[0] + "…"


def _group_stories(data: ReportData) -> list[OutletStories]:
    """Group the stories by outlet, outlets in the order of the outlet table."""
    by_url = {story.url: story for story in data.stories}
    links = {link.url: link for link in data.copies}
    order = [outlet.outlet for outlet in data.outlets]
    # An outlet with stories but no coverage row still gets listed, after the others.
    order += [name for name in dict.fromkeys(s.outlet for s in data.stories) if name not in order]
    groups = []
    for index, outlet in enumerate(order, start=1):
        stories = sorted(
            (story for story in data.stories if story.outlet == outlet),
            key=lambda story: story.published_at,
        )
        rows = [
            StoryRow(story, by_url.get(story.copy_of or ""), links.get(story.url))
            for story in stories
        ]
        groups.append(OutletStories(outlet=outlet, anchor=f"outlet-{index}", rows=rows))
    return [group for group in groups if group.rows]


def _neighbour_row(cluster: NeighbourCluster) -> NeighbourRow:
    """Pick up to MAX_HEADLINES headlines of a cluster, not repeating its label."""
    others = [headline for headline in cluster.headlines if headline != cluster.label]
    return NeighbourRow(cluster=cluster, headlines=others[:MAX_HEADLINES])


def _failure_rows(run: RunInfo) -> list[FailureRow]:
    """Flatten failures (kind -> reason -> count), most frequent reason first within a kind."""
    rows = []
    for kind, reasons in run.failures.items():
        ordered = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
        rows += [FailureRow(kind, reason, count) for reason, count in ordered if count]
    return rows


def _run_seconds(run: RunInfo) -> float | None:
    """How long the run took, when it has finished."""
    if run.finished_at is None:
        return None
    return (as_utc(run.finished_at) - as_utc(run.started_at)).total_seconds()


def as_utc(moment: datetime) -> datetime:
    """The moment in UTC; a naive time is taken to be UTC already, as the Store keeps it."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def format_utc(moment: datetime) -> str:
    """A time as "2021-12-02 16:20", in UTC."""
    return as_utc(moment).strftime("%Y-%m-%d %H:%M")


def format_story_time(story: ReportStory) -> str:
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
