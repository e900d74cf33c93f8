"""The outlet-comparison sections, arranged for the templates: claims, what one outlet alone
reported, quotes, timeline, framing, coverage.

Each builder returns None when its data is empty, and the templates then leave the section (and
its menu entry) out, so a report from before these comparisons existed renders as it did.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath

from markupsafe import Markup

from parallax.analysis.framing import MIN_Z
from parallax.analysis.quotes import OTHER, UNATTRIBUTED
from parallax.reports.charts import (
    BarSegment,
    TimelineDot,
    side_colours,
    stacked_bar,
    swatch,
    timeline_svg,
    z_style,
)
from parallax.reports.data import (
    ClaimCell,
    ClaimRow,
    CoverageStatus,
    ExclusiveRow,
    LanguageCoverage,
    QuoteBalance,
    QuoteRow,
    ReportData,
    SplittingTerm,
    TermRow,
    TimelineEntry,
)
from parallax.reports.formats import as_utc, describe_date_source, format_offset, format_story_time

MAX_EXCLUSIVE = 5  # quotes listed per outlet among those only it carried
MAX_TERMS = 10  # distinctive terms listed per outlet
MAX_SPEAKERS = 3  # most-quoted speakers named per outlet
_WORDS = re.compile(r"\w+")

# Keyed by the Store's coverage_status values (storage/schema.py): a kind for styling, and the
# words. "Did not cover" is said only of an outlet whose stories we read and found none about
# the event among; failed feeds or an empty window say nothing about what an outlet published.
COVERAGE_WORDS = {
    "covered": ("covered", "covered"),
    "no story in the window": ("absent", "did not cover: no story about the event in the window"),
    "feeds failed": ("unread", "could not read: feeds or pages failed"),
    "no stories in the window": ("silent", "cannot tell: no stories at all in the window"),
}
COVERAGE_TALLY = {
    "covered": "covered",
    "absent": "did not cover",
    "unread": "could not be read",
    "silent": "had no stories in the window",
}


@dataclass(frozen=True)
class Side:
    """A side quotes are counted for, with its colour and legend swatch."""

    name: str
    colour: str
    swatch: Markup


@dataclass(frozen=True)
class SideCount:
    """An outlet's quotes for one side, and their share of its quotes."""

    count: int
    share: float | None  # None when the outlet has no quotes to share out


@dataclass(frozen=True)
class BalanceRow:
    """One outlet's quote balance: counts per side in column order, its bar, top speakers."""

    balance: QuoteBalance
    counts: list[SideCount]
    bar: Markup
    speakers: list[tuple[str, int]]


@dataclass(frozen=True)
class Quotation:
    """A quotation as listed: its words, who said it, how many outlets carried it."""

    text: str
    speaker: str | None
    outlets: int


@dataclass(frozen=True)
class OutletQuotations:
    """The quotations only one outlet carried, the first MAX_EXCLUSIVE of them."""

    outlet: str
    quotes: list[Quotation]
    more: int  # how many more it carried alone


@dataclass(frozen=True)
class QuoteSection:
    """The quotes section."""

    sides: list[Side]
    rows: list[BalanceRow]
    reused: list[Quotation]  # carried by two or more outlets, most outlets first
    exclusive: list[OutletQuotations]


@dataclass(frozen=True)
class TimelineRow:
    """One story on the timeline, with its time and lag as shown."""

    entry: TimelineEntry
    time: str
    lag: str
    first: bool  # the first report of the event


@dataclass(frozen=True)
class TimelineSection:
    """The timeline section: the chart and its table, earliest first."""

    chart: Markup
    rows: list[TimelineRow]
    outlets: int


@dataclass(frozen=True)
class OutletTerms:
    """An outlet's most distinctive terms, highest z first."""

    outlet: str
    terms: list[TermRow]
    more: int


@dataclass(frozen=True)
class ZCell:
    """One outlet's z-score for a splitting term, with its tint."""

    z: float | None  # None where the outlet has no score for the term
    style: str
    strong: bool  # |z| at or above the screen's threshold


@dataclass(frozen=True)
class SplitRow:
    """A splitting term and its cells, in column order."""

    term: SplittingTerm
    cells: list[ZCell]


@dataclass(frozen=True)
class FramingLanguage:
    """One language's framing: its outlets' distinctive terms and the terms that split them."""

    language: str
    stories: int | None  # None: not recorded (a clustering compared before migration 9)
    outlets: list[OutletTerms]
    columns: list[str]  # the outlets of the splitting-terms table
    rows: list[SplitRow]


@dataclass(frozen=True)
class FramingSection:
    """The framing section: a part per language compared, and the languages left out."""

    languages: list[FramingLanguage]  # most stories first
    threshold: float
    compared: list[LanguageCoverage] = field(default_factory=list)  # as the stage recorded
    left_out: list[LanguageCoverage] = field(default_factory=list)


@dataclass(frozen=True)
class CoverageRow:
    """A tracked outlet's coverage status, in words."""

    status: CoverageStatus
    kind: str  # covered | absent | unread | silent | other
    words: str


@dataclass(frozen=True)
class CoverageSection:
    """The coverage section: every tracked outlet, and a tally by kind."""

    rows: list[CoverageRow]
    tally: list[str]  # "3 covered", "1 could not be read", ...


@dataclass(frozen=True)
class GridCell:
    """One claim and one outlet in the claims grid."""

    cell: ClaimCell | None  # None: not judged (no story in a language the model reads)
    first: bool  # this outlet carried the claim first

    @property
    def carried(self) -> bool:
        return self.cell is not None and self.cell.carried


@dataclass(frozen=True)
class ClaimGridRow:
    """A claim's row: a cell per outlet, in column order."""

    claim: ClaimRow
    cells: list[GridCell]


@dataclass(frozen=True)
class OutletClaims:
    """One outlet's column total in the claims grid."""

    outlet: str
    carried: int
    judged: bool  # False: none of its stories is in a language the model reads


@dataclass(frozen=True)
class ClaimSection:
    """The claims section: the outlets-by-claims grid and the matching sentences."""

    columns: list[str]  # outlets, earliest first report first
    rows: list[ClaimGridRow]
    totals: list[OutletClaims]
    matches: list[ClaimCell]  # the carried cells, by claim then outlet order
    carried_by_none: int
    not_judged: list[str]  # outlets with no story in a language the model reads
    judge: str | None = None  # the claim judge's folder name; None: matched by score
    threshold: float | None = None  # what counts as carried (None: not recorded)
    left_out: list[LanguageCoverage] = field(default_factory=list)  # languages not matched


@dataclass(frozen=True)
class OutletSentences:
    """The sentences only one outlet reported."""

    outlet: str
    sentences: list[ExclusiveRow]


def claim_section(data: ReportData) -> ClaimSection | None:
    """Which of the seed's claims each outlet carried, who first, and with which sentence."""
    if not data.claims:
        return None
    # Every outlet covering the event, judged or not: one whose stories are all in a language
    # the model does not read gets a column of "not judged", never one of "not carried".
    columns = _outlet_order(
        data, [o.outlet for o in data.outlets] + [cell.outlet for cell in data.claim_cells]
    )
    cells = {(cell.claim_id, cell.outlet): cell for cell in data.claim_cells}
    rows = [
        ClaimGridRow(
            claim,
            [
                GridCell(cells.get((claim.claim_id, outlet)), claim.first_outlet == outlet)
                for outlet in columns
            ],
        )
        for claim in data.claims
    ]
    totals = [
        OutletClaims(
            outlet,
            sum(row.cells[i].carried for row in rows),
            judged=any(row.cells[i].cell is not None for row in rows),
        )
        for i, outlet in enumerate(columns)
    ]
    matches = [cell.cell for row in rows for cell in row.cells if cell.carried and cell.cell]
    return ClaimSection(
        columns=columns,
        rows=rows,
        totals=totals,
        matches=matches,
        carried_by_none=sum(1 for claim in data.claims if not claim.outlets),
        not_judged=[t.outlet for t in totals if not t.judged],
        # The folder's name, not its path on the machine that ran the comparison.
        judge=PurePath(data.claims[0].judge).name if data.claims[0].judge else None,
        threshold=data.claims[0].threshold,
        left_out=[row for row in data.languages if row.comparison == "claims" and not row.compared],
    )


def exclusive_section(data: ReportData) -> list[OutletSentences] | None:
    """Per outlet, in the report's order, what it alone reported."""
    if not data.exclusive_sentences:
        return None
    order = _outlet_order(data, [row.outlet for row in data.exclusive_sentences])
    return [
        OutletSentences(outlet, [r for r in data.exclusive_sentences if r.outlet == outlet])
        for outlet in order
    ]


def quote_section(data: ReportData) -> QuoteSection | None:
    """Quote balance per outlet, and the quotations several outlets reused against one's own."""
    if not data.quote_balance and not data.quotes:
        return None
    names = _side_order(data.sides, data.quote_balance)
    colours = side_colours(names)
    sides = [Side(name, colours[name], swatch(colours[name])) for name in names]
    order = _outlet_order(data, [b.outlet for b in data.quote_balance])
    balances = sorted(data.quote_balance, key=lambda b: order.index(b.outlet))
    return QuoteSection(
        sides=sides,
        rows=[_balance_row(balance, sides) for balance in balances],
        reused=_reused(data.quotes),
        exclusive=_exclusive(data, data.quotes),
    )


def timeline_section(data: ReportData) -> TimelineSection | None:
    """The stories in time order, the first report marked, and the chart drawn from them."""
    if not data.timeline:
        return None
    entries = sorted(data.timeline, key=lambda entry: as_utc(entry.published_at))
    first = _first_report(entries)
    rows = [
        TimelineRow(entry, format_story_time(entry), format_offset(entry.lag_hours), entry is first)
        for entry in entries
    ]
    dots = [
        TimelineDot(
            row=row.entry.outlet,
            at=row.entry.published_at,
            mark="first" if row.first else "preview" if row.entry.phase == "preview" else "report",
            tooltip=_tooltip(row),
        )
        for row in rows
        # A time that is only when Parallax first saw the story would stretch the axis to the
        # day of the run: such stories are in the table, not on the chart.
        if row.entry.date_source != "first_seen"
    ]
    return TimelineSection(
        chart=timeline_svg(dots, data.seed.published_at),
        rows=rows,
        outlets=len({entry.outlet for entry in entries}),
    )


def framing_section(data: ReportData) -> FramingSection | None:
    """Per language compared, each outlet's distinctive terms and the terms that split the
    outlets most; and the languages framing left out, and why."""
    recorded = [row for row in data.languages if row.comparison == "framing"]
    compared = [row for row in recorded if row.compared]
    left_out = [row for row in recorded if not row.compared]
    if not data.terms and not data.splitting_terms and not left_out:
        return None
    stories = {row.language: row.stories for row in compared}
    # The languages compared as the stage recorded them (most stories first), then any that
    # only the terms name.
    codes = list(
        dict.fromkeys(
            [row.language for row in compared]
            + [t.language for t in data.terms]
            + [t.language for t in data.splitting_terms]
        )
    )
    languages = [_framing_language(data, code, stories.get(code)) for code in codes]
    return FramingSection(languages, MIN_Z, compared, left_out)


def _framing_language(data: ReportData, language: str, stories: int | None) -> FramingLanguage:
    """One language's part of the framing section."""
    mine = [t for t in data.terms if t.language == language]
    splitting = [t for t in data.splitting_terms if t.language == language]
    outlets = []
    for outlet in _outlet_order(data, [term.outlet for term in mine]):
        terms = sorted((t for t in mine if t.outlet == outlet), key=lambda t: -t.z)
        outlets.append(OutletTerms(outlet, terms[:MAX_TERMS], max(len(terms) - MAX_TERMS, 0)))
    columns = _outlet_order(data, [o for term in splitting for o in term.z_by_outlet])
    rows = [
        SplitRow(term, [_z_cell(term.z_by_outlet.get(outlet)) for outlet in columns])
        for term in splitting
    ]
    return FramingLanguage(language, stories, outlets, columns, rows)


def coverage_section(data: ReportData) -> CoverageSection | None:
    """Every tracked outlet's coverage status in words, never "did not cover" for an unread one."""
    if not data.coverage_status:
        return None
    rows = []
    for status in data.coverage_status:
        kind, words = COVERAGE_WORDS.get(status.status, ("other", status.status))
        rows.append(CoverageRow(status, kind, words))
    kinds = Counter(row.kind for row in rows)
    tally = [f"{kinds[kind]:,} {words}" for kind, words in COVERAGE_TALLY.items() if kinds[kind]]
    if kinds["other"]:
        tally.append(f"{kinds['other']:,} otherwise")
    return CoverageSection(rows=rows, tally=tally)


def _side_order(sides: list[str], balances: list[QuoteBalance]) -> list[str]:
    """The report's sides in order, any other side counted, then "other" and "unattributed"."""
    counted = list(dict.fromkeys(side for b in balances for side in b.by_side))
    catch_alls = [OTHER, UNATTRIBUTED]
    named = [s for s in dict.fromkeys([*sides, *counted]) if s not in catch_alls]
    # A named side shows even with no quotes (that is the finding); a catch-all only if counted.
    return named + [side for side in catch_alls if side in counted]


def _balance_row(balance: QuoteBalance, sides: list[Side]) -> BalanceRow:
    """An outlet's counts and shares per side, and its bar."""
    total = sum(balance.by_side.values())
    counts = [
        SideCount(count, count / total if total else None)
        for count in (balance.by_side.get(side.name, 0) for side in sides)
    ]
    parts = zip(sides, counts, strict=True)
    segments = [BarSegment(side.name, count.count, side.colour) for side, count in parts]
    speakers = sorted(balance.by_speaker.items(), key=lambda item: (-item[1], item[0]))
    return BalanceRow(
        balance=balance,
        counts=counts,
        bar=stacked_bar(segments, f"{balance.outlet}: quotes by side"),
        speakers=speakers[:MAX_SPEAKERS],
    )


def _reused(quotes: Iterable[QuoteRow]) -> list[Quotation]:
    """The quotations two or more outlets carried, each once (its longest wording, its commonest
    speaker), most outlets first."""
    groups: dict[str, list[QuoteRow]] = {}
    for quote in quotes:
        if quote.outlets >= 2:
            groups.setdefault(_key(quote.text), []).append(quote)
    found = []
    for group in groups.values():
        speakers = Counter(quote.speaker for quote in group if quote.speaker)
        found.append(
            Quotation(
                text=max((quote.text for quote in group), key=len),
                speaker=speakers.most_common(1)[0][0] if speakers else None,
                outlets=max(quote.outlets for quote in group),
            )
        )
    return sorted(found, key=lambda q: (-q.outlets, _key(q.text)))


def _exclusive(data: ReportData, quotes: Iterable[QuoteRow]) -> list[OutletQuotations]:
    """Per outlet, the quotations no other outlet carried: the first MAX_EXCLUSIVE of them."""
    by_outlet: dict[str, dict[str, Quotation]] = {}
    for quote in quotes:
        if quote.outlets >= 2:
            continue
        carried = by_outlet.setdefault(quote.outlet, {})
        carried.setdefault(_key(quote.text), Quotation(quote.text, quote.speaker, quote.outlets))
    groups = []
    for outlet in _outlet_order(data, list(by_outlet)):
        own = list(by_outlet[outlet].values())
        more = max(len(own) - MAX_EXCLUSIVE, 0)
        groups.append(OutletQuotations(outlet, own[:MAX_EXCLUSIVE], more))
    return groups


def _key(text: str) -> str:
    """A quotation's words, lower case, without punctuation: one wording however it is typed."""
    return " ".join(_WORDS.findall(text.casefold()))


def _first_report(entries: list[TimelineEntry]) -> TimelineEntry | None:
    """The earliest report (not preview), preferring one with a real date to a first sighting."""
    reports = [entry for entry in entries if entry.phase == "report"]
    dated = [entry for entry in reports if entry.lag_hours is not None]
    return next(iter(dated or reports), None)


def _tooltip(row: TimelineRow) -> str:
    """What hovering a story's mark tells: its title, outlet, time, date source, phase, lag."""
    entry = row.entry
    phase = "first report" if row.first else entry.phase
    source = describe_date_source(entry.date_source)
    return f"{entry.title}\n{entry.outlet} · {row.time} UTC ({source}) · {phase} · lag {row.lag}"


def _z_cell(z: float | None) -> ZCell:
    """A z-score cell: tinted by sign and size, bold past the threshold."""
    if z is None or not math.isfinite(z):
        return ZCell(None, "", False)
    return ZCell(z, z_style(z), abs(z) >= MIN_Z)


def _outlet_order(data: ReportData, names: Iterable[str]) -> list[str]:
    """These outlets in the report's order (earliest first report first), then as they came."""
    wanted = list(dict.fromkeys(names))
    known = [outlet.outlet for outlet in data.outlets if outlet.outlet in wanted]
    return known + [name for name in wanted if name not in known]
