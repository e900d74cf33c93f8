"""Render a ReportData as one self-contained HTML file and a Markdown file."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from parallax.analysis.records import CopyLink, OutletCoverage
from parallax.reports.comparison import (
    claim_section,
    coverage_section,
    exclusive_section,
    framing_section,
    quote_section,
    timeline_section,
)
from parallax.reports.data import NeighbourCluster, ReportData, ReportStory, RunInfo
from parallax.reports.formats import (
    as_utc,
    describe_date_source,
    format_duration,
    format_label,
    format_lag,
    format_number,
    format_percent,
    format_seconds,
    format_similarity,
    format_story_time,
    format_utc,
    format_words,
    format_z,
    markdown_link,
    markdown_quote,
    markdown_text,
    plural,
    safe_href,
)

HTML_TEMPLATE = "report.html.j2"
MARKDOWN_TEMPLATE = "report.md.j2"
HTML_NAME = "report.html"
MARKDOWN_NAME = "report.md"
MAX_HEADLINES = 3  # per neighbouring cluster
TITLE_CHARS = 140  # a seed without a title is named by its first line, cut to this length


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
        # mkstemp makes the file private (0600); a report is for sharing, so honour the umask.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@cache
def _environment() -> jinja2.Environment:
    """The Jinja2 environment both templates share, with the report's filters."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("parallax.reports", "templates"),
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
        z=format_z,
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
        "claims": claim_section(data),
        "exclusive": exclusive_section(data),
        "timeline": timeline_section(data),
        "quotes": quote_section(data),
        "framing": framing_section(data),
        "coverage": coverage_section(data),
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
