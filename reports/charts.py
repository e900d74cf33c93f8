"""Inline SVG for the HTML report: the coverage timeline, share bars, swatches and z colours.

Each function returns markup built here with html.escape on every text and attribute value that
comes from data, so a template can place it as it is. The SVG styles itself with attributes and
uses no fonts, images, scripts or links, so it reads the same offline, printed, or on its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from markupsafe import Markup

from parallax.analysis.quotes import OTHER, UNATTRIBUTED
from parallax.reports.formats import as_utc, format_percent

SVG_NS = "http://www.w3.org/2000/svg"  # a name, not a resource: nothing is fetched from it
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif"
INK, MUTED, RULE, ACCENT, BLUE = "#1b2127", "#5d6873", "#d8dde2", "#8c3b14", "#1d5ea8"

# The timeline, in viewBox units; the page scales it to the column's width.
WIDTH = 960
LABEL_WIDTH = 184  # room for outlet names left of the plot
RIGHT = 24
TOP = 56  # the legend, and room for the "first" label above the first row
ROW_HEIGHT = 30
AXIS_HEIGHT = 44
LABEL_CHARS = 26  # a longer outlet name is cut here; the full name is in its tooltip
MAX_TICKS = 8
LEGEND_CHAR = 7  # a wide estimate of one character's width at font-size 12
TICK_HOURS = (1, 2, 3, 6, 12, 24, 48, 72, 168)
MIN_PAD = timedelta(minutes=30)  # either side of the stories, so no dot sits on the frame

# Named sides take these in the order the report lists them; "other" and "unattributed" are
# greys, so the sides that matter stand out and the two catch-alls read as background.
SIDE_PALETTE = ("#1d5ea8", "#b5472a", "#2f7d4f", "#7a4fa0", "#b08a1e", "#1f8a8a")
CATCH_ALL_COLOURS = {OTHER: "#9aa3ab", UNATTRIBUTED: "#d3d8dc"}

# z-score cells: warm where an outlet uses a term more than the others, cool where less, the
# tint deepening up to Z_FULL. At most TINT of the way to the full colour, so ink stays legible.
Z_FULL = 4.0
TINT = 0.6
WARM, COOL = (200, 90, 40), (40, 100, 180)


@dataclass(frozen=True)
class TimelineDot:
    """One story on the timeline: its outlet's row, its time, how it is drawn, its tooltip."""

    row: str
    at: datetime
    mark: str  # "report", "preview" or "first" (the first report)
    tooltip: str


@dataclass(frozen=True)
class BarSegment:
    """One part of a stacked share bar."""

    label: str
    count: int
    colour: str


def timeline_svg(dots: Sequence[TimelineDot], seed_at: datetime | None = None) -> Markup:
    """A timeline: one row per outlet (earliest first), one mark per story, a dashed seed line."""
    if not dots:
        return Markup("")
    ordered = sorted(dots, key=lambda dot: as_utc(dot.at))
    rows = list(dict.fromkeys(dot.row for dot in ordered))
    moments = [as_utc(dot.at) for dot in ordered]
    start, end = _domain([*moments, as_utc(seed_at)] if seed_at else moments)
    bottom = TOP + len(rows) * ROW_HEIGHT
    height = bottom + AXIS_HEIGHT

    def x(moment: datetime) -> float:
        share = (as_utc(moment) - start) / (end - start)
        return LABEL_WIDTH + share * (WIDTH - LABEL_WIDTH - RIGHT)

    summary = f"Timeline of {len(dots)} stories from {len(rows)} outlets"
    parts = [
        f'<svg xmlns="{SVG_NS}" class="timeline-chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" font-family="{FONT}" font-size="12" '
        f'fill="{INK}"><title>{escape(summary)}</title>',
        _legend(),
    ]
    parts += _axis(start, end, x, bottom)
    for index, row in enumerate(rows):
        y = TOP + index * ROW_HEIGHT + ROW_HEIGHT / 2
        label = row if len(row) <= LABEL_CHARS else row[: LABEL_CHARS - 1].rstrip() + "…"
        parts.append(
            f'<line x1="{LABEL_WIDTH}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" stroke="{RULE}"/>'
            f'<text x="{LABEL_WIDTH - 10}" y="{y + 4}" text-anchor="end">'
            f"<title>{escape(row)}</title>{escape(label)}</text>"
        )
    if seed_at:
        seed_x = _number(x(seed_at))
        parts.append(
            f'<line class="seed" x1="{seed_x}" y1="{TOP - 8}" x2="{seed_x}" y2="{bottom}" '
            f'stroke="{ACCENT}" stroke-dasharray="4 3"><title>seed published</title></line>'
        )
    # The first report is drawn last, so no other mark covers it.
    for dot in sorted(ordered, key=lambda dot: dot.mark == "first"):
        y = TOP + rows.index(dot.row) * ROW_HEIGHT + ROW_HEIGHT / 2
        parts.append(_mark(dot, x(dot.at), y))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through escape()


def stacked_bar(segments: Sequence[BarSegment], label: str) -> Markup:
    """A horizontal bar split by share, each part with its count and share as a tooltip."""
    total = sum(segment.count for segment in segments)
    parts = [
        '<svg class="bar" viewBox="0 0 100 14" preserveAspectRatio="none" width="100%" '
        f'height="14" role="img"><title>{escape(label)}</title>'
    ]
    if total == 0:
        parts.append(f'<rect width="100" height="14" fill="{RULE}"><title>none</title></rect>')
    offset = 0.0
    for segment in segments:
        if segment.count <= 0:
            continue
        width = 100 * segment.count / total
        tip = f"{segment.label}: {segment.count:,} ({format_percent(segment.count / total)})"
        parts.append(
            f'<rect x="{_number(offset)}" width="{_number(width)}" height="14" '
            f'fill="{escape(segment.colour)}"><title>{escape(tip)}</title></rect>'
        )
        offset += width
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through escape()


def swatch(colour: str) -> Markup:
    """A small square of colour for a legend; SVG, so it prints where a CSS background would not."""
    return Markup(  # noqa: S704 - the colour is escaped
        '<svg class="swatch" viewBox="0 0 10 10" width="10" height="10" aria-hidden="true">'
        f'<rect width="10" height="10" fill="{escape(colour)}"/></svg>'
    )


def side_colours(sides: Sequence[str]) -> dict[str, str]:
    """A colour per side: the palette in order for named sides, greys for the catch-alls."""
    named = [side for side in sides if side not in CATCH_ALL_COLOURS]
    colours = {side: SIDE_PALETTE[i % len(SIDE_PALETTE)] for i, side in enumerate(named)}
    return {side: colours.get(side) or CATCH_ALL_COLOURS[side] for side in sides}


def z_style(z: float) -> str:
    """An inline background for a z-score cell: warm above zero, cool below, deeper when larger."""
    strength = TINT * min(abs(z) / Z_FULL, 1.0)
    base = WARM if z > 0 else COOL
    red, green, blue = (round(255 - strength * (255 - channel)) for channel in base)
    return f"background-color: #{red:02x}{green:02x}{blue:02x}"


def _domain(moments: Sequence[datetime]) -> tuple[datetime, datetime]:
    """The time span drawn: the moments, padded a little either side."""
    low, high = min(moments), max(moments)
    pad = max((high - low) * 0.04, MIN_PAD)
    return low - pad, high + pad


def _ticks(start: datetime, end: datetime) -> list[datetime]:
    """Round times (whole hours, days) at most MAX_TICKS apart across the span."""
    hours = (end - start) / timedelta(hours=1)
    step_hours = next(
        (step for step in TICK_HOURS if hours / step <= MAX_TICKS),
        24 * math.ceil(hours / MAX_TICKS / 24),
    )
    step = timedelta(hours=step_hours)
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    tick = midnight + step * math.ceil((start - midnight) / step)
    ticks = []
    while tick <= end:
        ticks.append(tick)
        tick += step
    return ticks


def _axis(
    start: datetime, end: datetime, x: Callable[[datetime], float], bottom: float
) -> list[str]:
    """Grid lines and time labels; the date is written under the first tick of each day."""
    parts = [
        f'<line x1="{LABEL_WIDTH}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" '
        f'stroke="{MUTED}"/>'
    ]
    ticks = _ticks(start, end)
    daily = len(ticks) > 1 and ticks[1] - ticks[0] >= timedelta(days=1)
    last_day = None
    for tick in ticks:
        at = _number(x(tick))
        parts.append(
            f'<line x1="{at}" y1="{TOP - 8}" x2="{at}" y2="{bottom + 4}" stroke="{RULE}"/>'
        )
        day = f"{tick.day} {tick:%b}"
        lines = [day] if daily else [f"{tick:%H:%M}"] + ([day] if tick.date() != last_day else [])
        last_day = tick.date()
        for number, line in enumerate(lines):
            parts.append(
                f'<text x="{at}" y="{bottom + 17 + 14 * number}" text-anchor="middle" '
                f'fill="{MUTED}">{escape(line)}</text>'
            )
    parts.append(
        f'<text x="{WIDTH - RIGHT}" y="{TOP - 14}" text-anchor="end" fill="{MUTED}">UTC</text>'
    )
    return parts


def _legend() -> str:
    """What each mark means, in a row above the plot."""
    y = 18
    items = [
        (f'<circle cx="{{x}}" cy="{y}" r="5" fill="{BLUE}"/>', "report"),
        (
            f'<path d="{{diamond}}" fill="#fff" stroke="{BLUE}" stroke-width="1.6"/>',
            "preview (before the seed’s day)",
        ),
        (f'<circle cx="{{x}}" cy="{y}" r="7" fill="{ACCENT}"/>', "first report"),
        (
            f'<line x1="{{x}}" y1="{y - 7}" x2="{{x}}" y2="{y + 7}" stroke="{ACCENT}" '
            'stroke-dasharray="4 3"/>',
            "seed published",
        ),
    ]
    parts = [f'<g class="legend" fill="{MUTED}">']
    x = LABEL_WIDTH + 7.0
    for mark, label in items:
        parts.append(mark.format(x=_number(x), diamond=_diamond(x, y)))
        parts.append(f'<text x="{_number(x + 12)}" y="{y + 4}">{escape(label)}</text>')
        x += 12 + LEGEND_CHAR * len(label) + 28  # a generous guess at the label's width
    parts.append("</g>")
    return "".join(parts)


def _mark(dot: TimelineDot, x: float, y: float) -> str:
    """One story's mark, with its tooltip: a dot, a hollow diamond, or the first report's disc."""
    tip = f"<title>{escape(dot.tooltip)}</title>"
    cx, cy = _number(x), _number(y)
    if dot.mark == "preview":
        return (
            f'<path class="dot dot-preview" d="{_diamond(x, y)}" fill="#fff" stroke="{BLUE}" '
            f'stroke-width="1.6">{tip}</path>'
        )
    if dot.mark == "first":
        return (
            f'<circle class="dot dot-first" cx="{cx}" cy="{cy}" r="7" fill="{ACCENT}" '
            f'stroke="#fff" stroke-width="1.5">{tip}</circle>'
            f'<text x="{cx}" y="{_number(y - 11)}" text-anchor="middle" fill="{ACCENT}" '
            'font-weight="600">first</text>'
        )
    return (
        f'<circle class="dot dot-report" cx="{cx}" cy="{cy}" r="5" fill="{BLUE}" '
        f'fill-opacity="0.85" stroke="#fff" stroke-width="1">{tip}</circle>'
    )


def _diamond(x: float, y: float, size: float = 6) -> str:
    """The path of a diamond centred on (x, y)."""
    return (
        f"M{_number(x)} {_number(y - size)} L{_number(x + size)} {_number(y)} "
        f"L{_number(x)} {_number(y + size)} L{_number(x - size)} {_number(y)} Z"
    )


def _number(value: float) -> str:
    """A coordinate with at most two decimals."""
    return f"{value:.2f}".rstrip("0").rstrip(".")
