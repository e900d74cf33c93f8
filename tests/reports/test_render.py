"""The HTML and Markdown reports, rendered from hand-built ReportData."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import lxml.html
import pytest
from lxml import etree
from markdown_it import MarkdownIt  # rich's own dependency, pinned in constraints.txt

from parallax.connectors.records import DateSource
from parallax.reports.charts import TimelineDot, timeline_svg
from parallax.reports.data import LanguageCoverage, ReportData, SplittingTerm, TermRow
from parallax.reports.formats import (
    DATE_SOURCES,
    format_lag,
    format_offset,
    format_z,
    markdown_text,
    safe_href,
)
from parallax.reports.render import render_html, render_markdown, write_report
from tests.reports.sample import HERALD_COPY, NORTHWIRE_1, NORTHWIRE_2, compared, event

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
QUOTES = "\"quotes\" & 'apostrophes'"
EVIL = f"{SCRIPT} {IMG} {QUOTES} x|y"
SECTIONS = ["summary", "seed", "outlets", "stories", "neighbours", "run"]


@pytest.fixture
def data() -> ReportData:
    """A small event: 3 outlets, 5 stories (one a wire copy), 2 neighbours, a run with failures."""
    return event()


@pytest.fixture
def hostile(data: ReportData) -> ReportData:
    """The same event, with markup and a javascript: link where the web supplies text."""
    evil = EVIL
    first, *rest = data.stories
    stories = [replace(first, title=f"Title {evil}", url="javascript:alert(1)"), *rest]
    return replace(
        data,
        seed=replace(data.seed, title=f"Seed {evil}", text=f"Seed text {evil}\nsecond line"),
        stories=[replace(s, outlet=f"Outlet {evil}") if s.outlet == "Northwire" else s
                 for s in stories],
        outlets=[replace(data.outlets[0], outlet=f"Outlet {evil}"), *data.outlets[1:]],
        neighbours=[replace(data.neighbours[0], headlines=[f"Headline {evil}"])],
        outlets_without_story=[f"Silent {evil}"],
    )  # fmt: skip


def parse(html: str) -> lxml.html.HtmlElement:
    """Parse a rendered report."""
    return lxml.html.document_fromstring(html)


def text(element: lxml.html.HtmlElement) -> str:
    """An element's text with whitespace collapsed."""
    return " ".join(element.text_content().split())


def section(html: str, section_id: str) -> lxml.html.HtmlElement:
    """The one section with this id."""
    (found,) = parse(html).xpath(f"//section[@id='{section_id}']")
    return found


def test_html_has_every_section_in_order_and_a_footer(data: ReportData) -> None:
    html = render_html(data)
    ids = [s.get("id") for s in parse(html).xpath("//main/section")]
    assert ids == SECTIONS
    (footer,) = parse(html).xpath("//footer")
    assert "Generated 2021-12-03 09:03 UTC" in text(footer)


def test_summary_counts_stories_outlets_and_copies(data: ReportData) -> None:
    summary = section(render_html(data), "summary")
    stats = {text(dt): text(dt.getnext()) for dt in summary.xpath(".//dl[@class='stats']//dt")}
    assert stats == {"Stories": "5", "Outlets": "3", "Independent stories": "4", "Copies": "1"}
    facts = {text(dt): text(dt.getnext()) for dt in summary.xpath(".//dl[@class='facts']/dt")}
    assert facts["Seed"] == "Blinken and Lavrov meet in Stockholm"
    assert facts["Seed published"] == "2021-12-02 12:00 UTC"
    assert facts["Time window"] == "2021-12-01 00:00 – 2021-12-04 00:00 UTC"
    assert facts["Model"] == "all-MiniLM-L6-v2"
    assert facts["Tracked, no story"] == "2 outlets"
    assert "Northwire reported first, at 2021-12-02 16:20 UTC" in text(summary)


def test_seed_text_is_quoted_paragraph_by_paragraph(data: ReportData) -> None:
    quote = section(render_html(data), "seed").xpath(".//blockquote/p")
    assert [text(p) for p in quote] == [
        "On Thursday, Blinken and Lavrov met in Stockholm.",
        "Both sides agreed to talk.",
    ]


def test_outlet_table_has_one_formatted_row_per_outlet(data: ReportData) -> None:
    rows = section(render_html(data), "outlets").xpath(".//tbody/tr")
    assert [[text(cell) for cell in row] for row in rows] == [
        ["Northwire", "2", "2", "0", "2021-12-02 16:20", "first", "0.78", "0.84", "521"],
        ["Baltic Herald", "2", "1", "1", "2021-12-02 17:25", "+1 h 05 min", "0.74", "0.82",
         "1,450"],
        ["Capital Ledger", "1", "1", "0", "2021-12-03 08:05", "+15 h 45 min", "0.58", "0.58",
         "845"],
    ]  # fmt: skip
    numeric = rows[0].xpath("./td")
    assert all("num" in cell.get("class", "").split() for cell in numeric)


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        (0.0, "first"),
        (0.004, "first"),  # 15 seconds rounds to no lag
        (65 / 60, "+1 h 05 min"),
        (0.5, "+30 min"),
        (26.0, "+26 h 00 min"),
    ],
)
def test_lag_reads_in_hours_and_minutes(hours: float, expected: str) -> None:
    assert format_lag(hours) == expected


def test_stories_are_grouped_by_outlet_in_outlet_table_order(data: ReportData) -> None:
    stories = section(render_html(data), "stories")
    groups = stories.xpath("./section[contains(@class, 'outlet')]")
    assert [text(g.xpath("./h3")[0]) for g in groups] == [
        "Northwire · 2 stories",
        "Baltic Herald · 2 stories",
        "Capital Ledger · 1 story",
        "Tracked, no story about the event in the window · 2 outlets",
    ]
    herald = [[text(cell) for cell in row.xpath("./td")] for row in groups[1].xpath(".//tbody/tr")]
    # The copy was dated 18:25 at UTC+1; the page-dated story has no time of day to show.
    assert herald[0][0] == "2021-12-02 17:25"
    assert herald[0][2:] == ["–", "page metadata", "0.82", "598"]  # no language known
    assert herald[1][0] == "2021-12-03"
    assert herald[1][2:] == ["–", "date on page", "0.66", "2,302"]
    assert [text(li) for li in groups[3].xpath(".//li")] == ["Kyiv Courier", "Prairie Post"]


def test_a_copy_links_to_the_story_it_copies(data: ReportData) -> None:
    groups = section(render_html(data), "stories").xpath("./section")
    copy_row, original_row = groups[1].xpath(".//tbody/tr")
    assert copy_row.get("class") == "copy"
    assert original_row.get("class") is None
    links = copy_row.xpath(".//a")
    assert [(a.get("href"), text(a)) for a in links] == [
        (HERALD_COPY, "Blinken warns Lavrov of 'serious costs'"),
        (NORTHWIRE_1, "Northwire: Blinken warns Lavrov of costs over Ukraine"),
    ]
    assert "copy of Northwire" in text(copy_row)
    assert "93% of 5-word phrases shared" in text(copy_row)


def test_each_story_says_where_its_date_came_from(data: ReportData) -> None:
    cells = section(render_html(data), "stories").xpath(".//tbody/tr/td[4]")
    assert sorted(text(cell) for cell in cells) == [
        "date on page",
        "feed",
        "first seen",
        "page metadata",
        "page metadata",
    ]


def test_every_date_source_has_words() -> None:
    assert set(DATE_SOURCES) == {source.value for source in DateSource}


def test_neighbours_show_size_and_at_most_three_other_headlines(data: ReportData) -> None:
    rows = section(render_html(data), "neighbours").xpath(".//tbody/tr")
    assert [text(row.xpath("./th")[0]) for row in rows] == [
        "Omicron variant found in more countries",
        "Sweden hands OSCE chair to Poland",
    ]
    assert [text(row.xpath("./td")[0]) for row in rows] == ["12", "4"]
    assert [text(li) for li in rows[0].xpath(".//li")] == [
        "WHO urges calm as Omicron spreads",
        "Travel bans widen",
        "Markets slide on variant fears",
    ]
    assert text(rows[1].xpath("./td")[1]) == "–"


def test_run_section_shows_counts_failures_and_timings(data: ReportData) -> None:
    run = section(render_html(data), "run")
    assert "2021-12-03 09:03 UTC (3 min 12 s)" in text(run)
    tables = run.xpath(".//table")
    counts = [[text(c) for c in row] for row in tables[0].xpath(".//tr")]
    assert ["entries", "1,234"] in counts
    assert ["articles extracted", "67"] in counts
    failures = [[text(c) for c in row] for row in tables[1].xpath(".//tbody/tr")]
    assert failures == [
        ["feed", "server error", "3"],
        ["feed", "timeout", "2"],
        ["article", "too large", "1"],
    ]
    timings = [[text(c) for c in row] for row in tables[2].xpath(".//tbody/tr")]
    assert timings == [["ingest", "151.2"], ["embed", "30.4"], ["cluster", "1.0"]]


def test_report_without_run_or_neighbours_still_renders(data: ReportData) -> None:
    bare = replace(data, run=None, neighbours=[], outlets_without_story=[], copies=[])
    html = render_html(bare)
    ids = [s.get("id") for s in parse(html).xpath("//main/section")]
    assert ids == SECTIONS[:-1]
    assert 'href="#run"' not in html
    assert "No other cluster in the window." in text(section(html, "neighbours"))
    markdown = render_markdown(bare)
    assert "## Run" not in markdown
    assert "No other cluster in the window." in markdown


def test_an_empty_event_still_renders(data: ReportData) -> None:
    empty = replace(data, stories=[], outlets=[], copies=[], neighbours=[], run=None)
    html = render_html(empty)
    assert "No story in the window belongs to the seed's event." in html
    assert "No outlet covered the event in this window." in render_markdown(empty)


def test_seed_without_title_is_named_by_its_first_line(data: ReportData) -> None:
    untitled = replace(data, seed=replace(data.seed, title=""))
    (h1,) = parse(render_html(untitled)).xpath("//h1")
    assert text(h1) == "On Thursday, Blinken and Lavrov met in Stockholm."


def test_html_loads_nothing_from_elsewhere(data: ReportData) -> None:
    html = render_html(data)
    for pattern in (r"<script", r"<link", r"@import", r"url\(", r"\ssrc=", r"<iframe", r"<img"):
        assert not re.search(pattern, html, re.IGNORECASE), pattern
    assert len(parse(html).xpath("//style")) == 1


def test_hostile_html_input_stays_text(hostile: ReportData) -> None:
    html = render_html(hostile)
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert QUOTES not in html
    assert 'href="javascript:' not in html.lower()
    tree = parse(html)
    assert not tree.xpath("//script | //img | //*[@onerror]")
    (link,) = tree.xpath("//section[@id='stories']//a[contains(., 'Title')]")
    assert link.get("href") == "#"
    assert text(link) == f"Title {EVIL}"
    assert text(tree.xpath("//h1")[0]) == f"Seed {EVIL}"
    assert f"Outlet {SCRIPT}" in text(section(html, "outlets"))
    assert f"Headline {SCRIPT}" in text(section(html, "neighbours"))
    assert f"Silent {SCRIPT}" in text(section(html, "stories"))
    assert f"Seed text {SCRIPT}" in text(section(html, "seed"))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://northwire.example/a?b=1", "https://northwire.example/a?b=1"),
        ("HTTP://northwire.example/a", "HTTP://northwire.example/a"),
        ("  https://northwire.example/a\n", "https://northwire.example/a"),
        ("javascript:alert(1)", "#"),
        ("JavaScript:alert(1)", "#"),
        (" java\tscript:alert(1)", "#"),  # browsers drop the tab and run it
        ("\x01javascript:alert(1)", "#"),
        ("data:text/html,<script>alert(1)</script>", "#"),
        ("vbscript:msgbox(1)", "#"),
        ("//northwire.example/a", "#"),  # no scheme: it would borrow the report's
        ("/relative/path", "#"),
        ("http://[::1", "#"),  # malformed host
        ("", "#"),
    ],
)
def test_safe_href_lets_only_http_and_https_through(url: str, expected: str) -> None:
    assert safe_href(url) == expected


def test_markdown_has_the_same_sections_in_order(data: ReportData) -> None:
    headings = re.findall(r"^## (.+)$", render_markdown(data), re.MULTILINE)
    assert headings == ["Summary", "Seed", "Outlets", "Stories", "Neighbouring events", "Run"]


def test_markdown_outlet_table_is_formatted(data: ReportData) -> None:
    markdown = render_markdown(data)
    assert (
        "| Baltic Herald | 2 | 1 | 1 | 2021-12-02 17:25 | +1 h 05 min | 0.74 | 0.82 | 1,450 |"
        in markdown
    )
    assert "| Northwire | 2 | 2 | 0 | 2021-12-02 16:20 | first | 0.78 | 0.84 | 521 |" in markdown
    assert "| feed | server error | 3 |" in markdown
    assert "- Kyiv Courier" in markdown


def test_markdown_copy_links_to_its_original(data: ReportData) -> None:
    markdown = render_markdown(data)
    (row,) = [line for line in markdown.splitlines() if HERALD_COPY in line]
    cells = row.split(" | ")
    assert cells[1] == f"[Blinken warns Lavrov of 'serious costs']({HERALD_COPY})"
    assert cells[-1] == (
        f"[Northwire: Blinken warns Lavrov of costs over Ukraine]({NORTHWIRE_1}) (93% shared) |"
    )


def test_markdown_escapes_what_would_format_or_link() -> None:
    assert markdown_text("*bold* _it_ [a](b) x|y") == r"\*bold\* \_it\_ \[a\](b) x\|y"
    assert markdown_text("# not a heading") == r"\# not a heading"
    assert markdown_text("a\\b `code`") == r"a\\b \`code\`"
    assert markdown_text("line\nbreak") == "line break"


def test_markdown_from_hostile_input_is_inert(hostile: ReportData) -> None:
    title = "*Breaking* _news_ [click](javascript:alert(1)) a|b"
    first, *rest = hostile.stories
    markdown = render_markdown(replace(hostile, stories=[replace(first, title=title), *rest]))
    assert SCRIPT not in markdown
    assert not re.search(r"(?<!\\)<", markdown)  # no raw HTML at all: every "<" is escaped
    assert r"\<script\>alert(1)\</script\>" in markdown
    assert not re.search(r"(?<!\\)\]\(javascript:", markdown)
    assert r"\*Breaking\* \_news\_ \[click\](javascript:alert(1)) a\|b" in markdown
    # A "|" in an outlet's name must not add a column to its row.
    (row,) = [line for line in markdown.splitlines() if line.startswith(r"| Outlet \<script")]
    assert len(re.findall(r"(?<!\\)\|", row)) == 10
    seed = [line for line in markdown.splitlines() if "Seed text" in line]
    assert seed == [r"> Seed text \<script\>alert(1)\</script\> \<img src=x onerror=alert(1)\> "
                    "\"quotes\" & 'apostrophes' x\\|y"]  # fmt: skip


def test_markdown_link_urls_cannot_break_out(data: ReportData) -> None:
    url = "https://northwire.example/a (b)|c<d>"
    first, *rest = data.stories
    markdown = render_markdown(replace(data, stories=[replace(first, url=url), *rest]))
    assert "(https://northwire.example/a%20%28b%29%7Cc%3Cd%3E)" in markdown


def test_write_report_writes_both_files_atomically(data: ReportData, tmp_path: Path) -> None:
    directory = tmp_path / "reports" / "run-1"
    files = write_report(data, directory)
    assert files.html == directory / "report.html"
    assert files.markdown == directory / "report.md"
    assert files.html.read_text(encoding="utf-8") == render_html(data)
    assert files.markdown.read_text(encoding="utf-8") == render_markdown(data)
    again = write_report(replace(data, model="other-model"), directory)
    assert "other-model" in again.html.read_text(encoding="utf-8")
    assert sorted(p.name for p in directory.iterdir()) == ["report.html", "report.md"]


def test_markdown_renders_to_no_markup_from_the_web(hostile: ReportData) -> None:
    # A real CommonMark renderer with raw HTML switched on: only escaping keeps the markup out.
    renderer = MarkdownIt("commonmark", {"html": True}).enable("table")
    tree = parse(renderer.render(render_markdown(hostile)))
    assert not tree.xpath("//script | //img | //*[@onerror]")
    assert all(href.startswith(("http://", "https://")) for href in tree.xpath("//a/@href"))
    outlet_table = tree.xpath("//h2[.='Outlets']/following-sibling::table[1]")[0]
    assert {len(row.xpath("./td")) for row in outlet_table.xpath(".//tbody/tr")} == {9}
    assert text(outlet_table.xpath(".//tbody/tr/td")[0]) == f"Outlet {EVIL}"


# The outlet comparisons: timeline, quotes, framing, coverage.

ALL_SECTIONS = ["summary", "seed", "outlets", "stories", "claims", "exclusive", "timeline",
                "quotes", "framing", "coverage", "neighbours", "run"]  # fmt: skip
COMPARISONS = {
    "claims": {"claims": [], "claim_cells": []},
    "exclusive": {"exclusive_sentences": []},
    "timeline": {"timeline": []},
    "quotes": {"quote_balance": [], "quotes": []},
    "framing": {"terms": [], "splitting_terms": []},
    "coverage": {"coverage_status": []},
}
HEADINGS = {"claims": "Claims", "exclusive": "What only one outlet reported",
            "timeline": "Timeline", "quotes": "Quotes", "framing": "Framing",
            "coverage": "Coverage"}  # fmt: skip


@pytest.fixture
def full() -> ReportData:
    """The event with every comparison filled in."""
    return compared()


@pytest.fixture
def hostile_full(full: ReportData) -> ReportData:
    """Every comparison with markup where the web (or a seed's config) supplies text."""
    evil = EVIL
    return replace(
        full,
        quotes=[replace(q, text=f"Quote {evil}", speaker=f"Speaker {evil}") for q in full.quotes],
        quote_balance=[replace(b, by_speaker={f"Speaker {evil}": 2}, by_side={f"Side {evil}": 2})
                       for b in full.quote_balance],
        sides=[f"Side {evil}"],
        terms=[replace(t, term=f"term {evil}") for t in full.terms],
        splitting_terms=[replace(t, term=f"split {evil}",
                                 z_by_outlet={f"Outlet {evil}": 2.5, "Northwire": -1.0})
                         for t in full.splitting_terms],
        timeline=[replace(e, title=f"Title {evil}", outlet=f"Outlet {evil}",
                          url="javascript:alert(1)", phase=f"phase {evil}")
                  for e in full.timeline],
        coverage_status=[replace(c, outlet=f"Outlet {evil}", detail=f"every feed failed: {evil}",
                                 status=f"status {evil}")
                         for c in full.coverage_status],
        claims=[replace(c, text=f"Claim {evil}") for c in full.claims],
        claim_cells=[replace(c, sentence=f"Sentence {evil}", url="javascript:alert(1)")
                     for c in full.claim_cells],
        exclusive_sentences=[replace(e, sentence=f"Alone {evil}", url="javascript:alert(1)")
                             for e in full.exclusive_sentences],
    )  # fmt: skip


def rows_of(table: lxml.html.HtmlElement) -> list[list[str]]:
    """A table's body rows as lists of cell texts."""
    return [[text(cell) for cell in row.xpath("./th | ./td")] for row in table.xpath("./tbody/tr")]


def svg_of(html: str, section_id: str) -> etree._Element:
    """The section's first inline SVG, parsed as XML (it must be well-formed on its own)."""
    found = re.search(rf'<section id="{section_id}".*?(<svg\b.*?</svg>)', html, re.DOTALL)
    assert found, f"no svg in #{section_id}"
    return etree.fromstring(found.group(1))


def test_comparison_sections_come_in_order_with_menu_entries(full: ReportData) -> None:
    html = render_html(full)
    assert [s.get("id") for s in parse(html).xpath("//main/section")] == ALL_SECTIONS
    menu = [a.get("href") for a in parse(html).xpath("//nav//a")]
    assert menu == [f"#{section_id}" for section_id in ALL_SECTIONS]
    headings = re.findall(r"^## (.+)$", render_markdown(full), re.MULTILINE)
    assert headings == ["Summary", "Seed", "Outlets", "Stories", "Claims",
                        "What only one outlet reported", "Timeline", "Quotes", "Framing",
                        "Coverage", "Neighbouring events", "Run"]  # fmt: skip


@pytest.mark.parametrize("empty", list(COMPARISONS))
def test_a_comparison_without_data_is_left_out(full: ReportData, empty: str) -> None:
    html = render_html(replace(full, **COMPARISONS[empty]))
    expected = [s for s in ALL_SECTIONS if s != empty]
    assert [s.get("id") for s in parse(html).xpath("//main/section")] == expected
    assert f'href="#{empty}"' not in html
    markdown = render_markdown(replace(full, **COMPARISONS[empty]))
    assert f"## {HEADINGS[empty]}\n" not in markdown
    assert all(f"## {HEADINGS[s]}\n" in markdown for s in COMPARISONS if s != empty)


def test_a_report_without_comparisons_renders_as_before(data: ReportData) -> None:
    html = render_html(data)
    assert not parse(html).xpath("//svg")
    for section_id in COMPARISONS:
        assert f'id="{section_id}"' not in html
        assert f'href="#{section_id}"' not in html


def dated(data: ReportData) -> list[str]:
    """Titles of the timeline's stories with a real date (those dated only by first sight
    stay off the chart)."""
    entries = sorted(data.timeline, key=lambda e: e.published_at)
    return [e.title for e in entries if e.date_source != "first_seen"]


def test_timeline_chart_has_one_mark_per_dated_story(full: ReportData) -> None:
    svg = svg_of(render_html(full), "timeline")
    marks = svg.xpath("//*[contains(concat(' ', @class, ' '), ' dot ')]")
    assert len(full.timeline) == 6
    assert len(marks) == len(dated(full)) == 5
    kinds = [mark.get("class").split()[1] for mark in marks]
    assert sorted(kinds) == ["dot-first", "dot-preview", "dot-report", "dot-report", "dot-report"]
    rows = [
        t.xpath("string(.)") for t in svg.xpath("/*/*[local-name()='text']/*[local-name()='title']")
    ]
    assert rows == ["Capital Ledger", "Northwire", "Baltic Herald"]  # earliest story first
    (first,) = svg.xpath("//*[contains(@class, 'dot-first')]")
    assert first.xpath("string(*[local-name()='title'])") == (
        "Blinken warns Lavrov of costs over Ukraine\n"
        "Northwire · 2021-12-02 16:20 UTC (page metadata) · first report · lag first"
    )
    assert len(svg.xpath("//*[contains(@class, 'seed')]")) == 1


def test_timeline_marks_are_placed_in_time_order(full: ReportData) -> None:
    svg = svg_of(render_html(full), "timeline")
    placed = []
    for mark in svg.xpath("//*[contains(concat(' ', @class, ' '), ' dot ')]"):
        # A circle's centre, or a diamond's top vertex ("M<x> <y> ...").
        x = float(mark.get("cx") or mark.get("d").split()[0][1:])
        placed.append((x, mark.xpath("string(*[local-name()='title'])").split("\n")[0]))
    assert [title for _, title in sorted(placed)] == dated(full)


def test_timeline_table_reads_time_source_phase_and_lag(full: ReportData) -> None:
    section_ = section(render_html(full), "timeline")
    (table,) = section_.xpath(".//table")
    assert rows_of(table) == [
        ["2021-12-01 18:00", "Capital Ledger", "Blinken and Lavrov to meet in Stockholm on Thursday",
         "page metadata", "preview", "−22 h 20 min"],
        ["2021-12-02 16:20", "Northwire", "first report Blinken warns Lavrov of costs over Ukraine",
         "page metadata", "report", "first"],
        ["2021-12-02 17:25", "Baltic Herald", "Blinken warns Lavrov of 'serious costs'",
         "page metadata", "report", "+1 h 05 min"],
        ["2021-12-02 21:45", "Northwire", "Lavrov demands NATO security guarantees", "feed",
         "report", "+5 h 25 min"],
        ["2021-12-03", "Baltic Herald", "What the OSCE meeting in Stockholm settled",
         "date on page", "report", "+7 h 40 min"],
        ["2021-12-03 08:05", "Capital Ledger", "Diplomats trade warnings in Stockholm",
         "first seen", "report", "–"],
    ]  # fmt: skip
    links = table.xpath(".//a/@href")
    assert links[1] == NORTHWIRE_1
    assert "6 stories from 3 outlets" in text(section_)


@pytest.mark.parametrize(
    ("hours", "expected"),
    [(None, "–"), (0.0, "first"), (2.5, "+2 h 30 min"), (-22 - 1 / 3, "−22 h 20 min"),
     (-0.004, "first"), (-0.5, "−30 min")],
)  # fmt: skip
def test_timeline_lag_reads_before_and_after_the_first_report(
    hours: float | None, expected: str
) -> None:
    assert format_offset(hours) == expected


@pytest.mark.parametrize(
    ("z", "expected"),
    [(4.21, "4.2"), (-1.62, "−1.6"), (-0.04, "0.0"), (0.0, "0.0"), (12.349, "12.3")],
)
def test_z_scores_have_one_decimal_and_a_real_minus(z: float, expected: str) -> None:
    assert format_z(z) == expected


def test_quote_balance_has_a_column_per_side_and_a_bar(full: ReportData) -> None:
    quotes = section(render_html(full), "quotes")
    table = quotes.xpath(".//table[contains(@class, 'balance')]")[0]
    header = [text(th) for th in table.xpath("./thead//th")]
    assert header == ["Outlet", "Quotes", "Russia", "United States", "other", "unattributed",
                      "Share by side", "Reused", "Only here"]  # fmt: skip
    rows = rows_of(table)
    assert [row[0].split(" most quoted")[0] for row in rows] == [
        "Northwire", "Baltic Herald", "Capital Ledger"]  # fmt: skip  # the report's outlet order
    assert rows[0][1:6] == ["8", "3 38%", "3 38%", "1 12%", "1 12%"]
    assert rows[0][7:] == ["2", "6"]
    assert "most quoted: Antony Blinken (3), Sergey Lavrov (3), Jens Stoltenberg (1)" in rows[0][0]
    assert rows[2][1:6] == ["2", "0 0%", "1 50%", "1 50%", "0 0%"]
    bar = etree.fromstring(lxml.html.tostring(table.xpath(".//tbody/tr[1]//svg")[0]))
    rects = bar.xpath("//rect")
    assert [r.xpath("string(title)") for r in rects] == [
        "Russia: 3 (38%)", "United States: 3 (38%)", "other: 1 (12%)", "unattributed: 1 (12%)"]  # fmt: skip
    assert sum(float(r.get("width")) for r in rects) == pytest.approx(100)
    legend = [text(span) for span in quotes.xpath(".//p[@class='legend']/span")]
    assert legend == ["Russia", "United States", "other", "unattributed"]


def test_quote_balance_shows_catch_all_sides_only_when_counted(full: ReportData) -> None:
    balance = [replace(b, by_side={k: v for k, v in b.by_side.items() if k != "unattributed"})
               for b in full.quote_balance]  # fmt: skip
    quotes = section(render_html(replace(full, quote_balance=balance)), "quotes")
    header = [text(th) for th in quotes.xpath(".//table[contains(@class, 'balance')]/thead//th")]
    assert header == ["Outlet", "Quotes", "Russia", "United States", "other", "Share by side",
                      "Reused", "Only here"]  # fmt: skip


def test_reused_quotes_are_listed_once_against_each_outlets_own(full: ReportData) -> None:
    quotes = section(render_html(full), "quotes")
    reused = quotes.xpath(
        ".//h3[starts-with(., 'Quoted by several')]/following-sibling::div[1]//table"
    )[0]
    assert rows_of(reused) == [
        ["“There will be serious consequences if Russia pursues confrontation.”",
         "Antony Blinken", "3"],
        ["“a return to the nightmare scenario of military confrontation”", "Sergey Lavrov", "2"],
    ]  # fmt: skip
    groups = quotes.xpath(".//div[@class='exclusive']")
    assert [text(g.xpath("./h4")[0]) for g in groups] == [
        "Northwire · 6 quotations", "Baltic Herald · 1 quotation", "Capital Ledger · 1 quotation"]  # fmt: skip
    northwire = [text(li) for li in groups[0].xpath(".//li")]
    assert len(northwire) == 5  # at most five per outlet
    assert northwire[0] == "“We are deeply concerned by Russia's plans” — Antony Blinken"
    assert text(groups[0].xpath(".//p[@class='note']")[0]) == "and 1 more"
    assert not groups[1].xpath(".//p[@class='note']")


def test_quotes_without_speaker_read_unattributed(full: ReportData) -> None:
    only = [replace(q, speaker=None) for q in full.quotes]
    quotes = section(render_html(replace(full, quotes=only)), "quotes")
    assert "“Allies stand united” — unattributed" in text(quotes)
    assert (
        "| “a return to the nightmare scenario of military confrontation” | _unattributed_ | 2 |"
        in render_markdown(replace(full, quotes=only))
    )


def test_framing_lists_terms_per_outlet_and_colours_the_splitting_table(full: ReportData) -> None:
    framing = section(render_html(full), "framing")
    groups = framing.xpath(".//div[@class='terms']")
    assert [text(g.xpath("./h4")[0]) for g in groups] == [
        "Northwire", "Baltic Herald", "Capital Ledger"]  # fmt: skip
    assert rows_of(groups[0].xpath(".//table")[0]) == [
        ["serious costs", "4.2", "9"], ["military buildup", "3.0", "6"],
        ["de-escalation", "2.4", "5"]]  # fmt: skip
    split = framing.xpath(".//table[contains(@class, 'split')]")[0]
    assert [text(th) for th in split.xpath("./thead//th")] == [
        "Term", "Spread", "Northwire", "Baltic Herald", "Capital Ledger"]  # fmt: skip
    assert rows_of(split) == [
        ["serious costs", "6.1", "4.2", "−0.5", "−1.9"],
        ["security guarantees", "5.9", "−1.6", "3.9", "−2.0"],
        ["nato expansion", "4.0", "−1.1", "2.9", "–"],
    ]
    cells = split.xpath("./tbody/tr[1]/td")
    warm, cool = cells[1].get("style"), cells[3].get("style")
    assert re.fullmatch(r"background-color: #[0-9a-f]{6}", warm)
    assert re.fullmatch(r"background-color: #[0-9a-f]{6}", cool)
    red, blue = int(warm[-6:-4], 16), int(warm[-2:], 16)
    assert red > blue  # warm above zero
    red, blue = int(cool[-6:-4], 16), int(cool[-2:], 16)
    assert blue > red  # cool below zero
    assert "strong" in cells[1].get("class") and "strong" not in cells[2].get("class")
    assert split.xpath("./tbody/tr[3]/td[last()]")[0].get("style") is None


def test_markdown_comparisons_are_formatted(full: ReportData) -> None:
    markdown = render_markdown(full)
    assert (
        "| 2021-12-01 18:00 | Capital Ledger | [Blinken and Lavrov to meet in Stockholm on Thursday](https://capitalledger.example/a/5498) | page metadata | preview | −22 h 20 min |"
        in markdown
    )
    assert (
        "| Outlet | Quotes | Russia | United States | other | unattributed | Reused | Only here |"
        in markdown
    )
    assert "| Northwire | 8 | 3 (38%) | 3 (38%) | 1 (12%) | 1 (12%) | 2 | 6 |" in markdown
    assert "- “Allies stand united” — Jens Stoltenberg\n- and 1 more\n" in markdown
    assert (
        "- **Northwire:** serious costs (z 4.2), military buildup (z 3.0), de-escalation (z 2.4)\n"
        in markdown
    )
    assert "| security guarantees | 5.9 | −1.6 | **3.9** | **−2.0** |" in markdown
    assert (
        "| Kyiv Courier | could not read: feeds or pages failed | every feed failed: timeout, server\\_error |"
        in markdown
    )


def test_markdown_comparison_tables_render_whole(full: ReportData) -> None:
    renderer = MarkdownIt("commonmark", {"html": True}).enable("table")
    tree = parse(renderer.render(render_markdown(full)))
    widths = {
        "Timeline": 6, "Quotes": 8, "Framing": 5, "Coverage": 3}  # fmt: skip
    for heading, columns in widths.items():
        table = tree.xpath(f"//h2[.='{heading}']/following::table[1]")[0]
        assert {len(row.xpath("./td")) for row in table.xpath(".//tbody/tr")} == {columns}, heading


def test_coverage_never_says_did_not_cover_of_an_outlet_it_could_not_read(
    full: ReportData,
) -> None:
    coverage = section(render_html(full), "coverage")
    rows = {row[0]: row[1:] for row in rows_of(coverage.xpath(".//table")[0])}
    assert rows == {
        "Baltic Herald": ["covered", ""],
        "Capital Ledger": ["covered", ""],
        "Kyiv Courier": ["could not read: feeds or pages failed",
                         "every feed failed: timeout, server_error"],
        "Northwire": ["covered", ""],
        "Prairie Post": ["did not cover: no story about the event in the window",
                         "stories in the window, none about the event"],
        "Steppe Daily": ["cannot tell: no stories at all in the window",
                         "nothing published in the window, or nothing read"],
    }  # fmt: skip
    said = [name for name, (words, _) in rows.items() if "did not cover" in words]
    assert said == ["Prairie Post"]
    assert "“Did not cover” is said only of an outlet whose stories" in text(coverage)
    assert "never said of an outlet we could not read" in text(coverage)
    assert "3 covered, 1 did not cover, 1 could not be read, 1 had no stories" in text(coverage)


def test_an_unknown_coverage_status_is_shown_as_it_is(full: ReportData) -> None:
    odd = [replace(full.coverage_status[0], status="paused by operator", detail="")]
    coverage = section(render_html(replace(full, coverage_status=odd)), "coverage")
    assert rows_of(coverage.xpath(".//table")[0]) == [["Baltic Herald", "paused by operator", ""]]


def test_hostile_comparisons_stay_text_in_html(hostile_full: ReportData) -> None:
    html = render_html(hostile_full)
    assert SCRIPT not in html
    assert "<img" not in html
    assert QUOTES not in html
    assert "javascript:" not in html.lower()
    tree = parse(html)
    assert not tree.xpath("//script | //img | //*[@onerror]")
    assert all(href == "#" or href.startswith(("https://", "http://"))
               for href in tree.xpath("//a/@href") if not href.startswith("#"))  # fmt: skip
    assert set(tree.xpath("//section[@id='timeline']//a/@href")) == {"#"}
    for section_id, expected in [
        ("timeline", f"Title {SCRIPT}"), ("timeline", f"phase {SCRIPT}"),
        ("quotes", f"Quote {SCRIPT}"), ("quotes", f"Speaker {SCRIPT}"),
        ("quotes", f"Side {SCRIPT}"), ("framing", f"term {SCRIPT}"), ("framing", f"split {SCRIPT}"),
        ("framing", f"Outlet {SCRIPT}"), ("coverage", f"Outlet {SCRIPT}"),
        ("coverage", f"status {SCRIPT}"), ("coverage", f"every feed failed: {SCRIPT}"),
        ("claims", f"Claim {SCRIPT}"), ("claims", f"Sentence {SCRIPT}"),
        ("exclusive", f"Alone {SCRIPT}"),
    ]:  # fmt: skip
        assert expected in text(section(html, section_id)), (section_id, expected)
    # The SVG is still well-formed XML, with the markup as text in its tooltips and labels.
    svg = svg_of(html, "timeline")
    assert len(svg.xpath("//*[contains(concat(' ', @class, ' '), ' dot ')]")) == 5
    assert all(f"Title {EVIL}" in t for t in svg.xpath("//*[contains(@class, 'dot')]/*/text()"))
    assert not svg.xpath("//*[local-name()='script' or local-name()='img' or @onerror]")
    labels = svg.xpath("/*/*[local-name()='text']/*[local-name()='title']/text()")
    assert labels == [f"Outlet {EVIL}"]


def test_hostile_comparisons_are_inert_in_markdown(hostile_full: ReportData) -> None:
    markdown = render_markdown(hostile_full)
    assert SCRIPT not in markdown
    assert not re.search(r"(?<!\\)<", markdown)
    assert "](javascript:" not in markdown
    for expected in ("Title", "Quote", "Speaker", "Side", "term", "split", "Outlet", "status",
                     "every feed failed:", "Claim", "Sentence", "Alone"):  # fmt: skip
        assert rf"{expected} \<script\>alert(1)\</script\>" in markdown, expected
    renderer = MarkdownIt("commonmark", {"html": True}).enable("table")
    tree = parse(renderer.render(markdown))
    assert not tree.xpath("//script | //img | //*[@onerror]")
    assert all(href.startswith(("http://", "https://")) for href in tree.xpath("//a/@href"))
    quotes = tree.xpath("//h2[.='Quotes']/following::table[1]")[0]
    assert {len(row.xpath("./td")) for row in quotes.xpath(".//tbody/tr")} == {5}  # no extra cell


def test_timeline_svg_alone_parses_and_escapes() -> None:
    moment = datetime(2021, 12, 2, 16, 20, tzinfo=UTC)
    dots = [TimelineDot(f"Outlet {EVIL}", moment, "first", f"Title {EVIL}"),
            TimelineDot("Other", moment, "preview", "A & B")]  # fmt: skip
    svg = etree.fromstring(str(timeline_svg(dots)))
    assert len(svg.xpath("//*[contains(concat(' ', @class, ' '), ' dot ')]")) == 2
    assert svg.xpath("string(//*[contains(@class, 'dot-first')]/*)") == f"Title {EVIL}"
    assert not svg.xpath("//*[contains(@class, 'seed')]")


def test_timeline_svg_handles_one_story_naive_times_and_long_spans() -> None:
    naive = datetime(2021, 12, 2, 16, 20)  # the Store keeps UTC without a zone
    one = etree.fromstring(str(timeline_svg([TimelineDot("A", naive, "report", "t")])))
    assert len(one.xpath("//*[contains(@class, 'dot')]")) == 1
    ticks = one.xpath("/*/*[local-name()='text'][@text-anchor='middle']/text()")
    assert "16:00" in ticks or "17:00" in ticks
    month = [TimelineDot("A", naive + timedelta(days=days), "report", "t") for days in (0, 30)]
    long = etree.fromstring(str(timeline_svg(month, seed_at=naive)))
    labels = long.xpath("/*/*[local-name()='text'][@text-anchor='middle']/text()")
    assert 2 <= len(labels) <= 8
    assert all(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2}", label) for label in labels)  # days only
    assert str(timeline_svg([])) == ""


def test_written_reports_follow_the_umask_not_private_temp_files(
    data: ReportData, tmp_path: Path
) -> None:
    import os
    import stat

    previous = os.umask(0o022)
    try:
        files = write_report(data, tmp_path / "out")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(files.html.stat().st_mode) == 0o644


def test_stories_dated_only_by_first_sight_stay_off_the_timeline_chart() -> None:
    from dataclasses import replace as swap
    from datetime import datetime as moment

    from parallax.reports.data import TimelineEntry
    from tests.reports.sample import compared

    data = compared()
    late = TimelineEntry(
        "http://late.example/a",
        "Late Outlet",
        "Seen years later",
        moment(2026, 11, 27, tzinfo=UTC),
        "first_seen",
        "report",
        None,
    )
    html = render_html(swap(data, timeline=[*data.timeline, late]))
    chart = svg_of(html, "timeline")
    assert "2026" not in " ".join(chart.itertext())
    assert "Seen years later" not in " ".join(chart.itertext())
    assert "Seen years later" in " ".join(parse(html).get_element_by_id("timeline").itertext())


def test_claims_grid_marks_carried_first_and_missing_with_the_sentence_on_hover(
    full: ReportData,
) -> None:
    claims = section(render_html(full), "claims")
    grid = claims.xpath(".//table[contains(@class, 'claims')]")[0]
    assert [text(th) for th in grid.xpath("./thead//th")] == [
        "Claim", "Northwire", "Baltic Herald", "Capital Ledger",
    ]  # fmt: skip
    assert rows_of(grid) == [
        ["c01Blinken and Lavrov met in Stockholm.", "★", "✓", "✓"],
        ["c02Lavrov asked for long-term security guarantees.", "·", "★", "·"],
        ["c03The talks yielded no concrete path forward.", "·", "·", "·"],
    ]
    cells = grid.xpath("./tbody/tr[1]/td")
    assert cells[1].get("title") == "The two ministers met in Stockholm. (1.05)"
    missing = grid.xpath("./tbody/tr[2]/td")[0]
    assert missing.get("title") == "closest: Lavrov spoke of NATO. (0.41)"
    assert [text(td) for td in grid.xpath("./tfoot//td")] == ["1", "2", "1"]
    details = claims.xpath(".//table[contains(@class, 'claim-matches')]")[0]
    assert len(details.xpath("./tbody/tr")) == 4  # one per carried cell
    assert (
        details.xpath(".//a/@href")[0] == "https://northwire.example/world/blinken-lavrov-stockholm"
    )
    assert "1 claim no outlet carried" in text(claims)


def test_exclusive_sentences_are_grouped_by_outlet_in_report_order(full: ReportData) -> None:
    exclusive = section(render_html(full), "exclusive")
    groups = exclusive.xpath(".//div[@class='exclusive']")
    assert [text(g.xpath("./h4")[0]) for g in groups] == [
        "Northwire · 1 sentence", "Capital Ledger · 1 sentence",
    ]  # fmt: skip
    assert text(groups[1].xpath(".//li")[0]).startswith("The Swedish hosts had booked the hall")


def test_markdown_carries_the_claims_grid_and_exclusive_sentences(full: ReportData) -> None:
    markdown = render_markdown(full)
    assert "| c02 Lavrov asked for long-term security guarantees. | · | ★ | · |" in markdown
    assert "| **Claims carried** | 1 | 2 | 1 |" in markdown
    tree = parse(MarkdownIt("commonmark").enable("table").render(markdown))
    grid = tree.xpath("//h2[.='Claims']/following::table[1]")[0]
    assert len(grid.xpath(".//tbody/tr")) == 4  # three claims and the totals
    exclusive = tree.xpath("//h2[.='What only one outlet reported']/following::ul[1]//a/@href")
    assert exclusive == [NORTHWIRE_2]


def test_an_outlet_with_no_story_the_model_reads_is_not_judged(full: ReportData) -> None:
    cells = [c for c in full.claim_cells if c.outlet != "Capital Ledger"]
    data = replace(full, claim_cells=cells)
    claims = section(render_html(data), "claims")
    grid = claims.xpath(".//table[contains(@class, 'claims')]")[0]
    assert [row[3] for row in rows_of(grid)] == ["–", "–", "–"]
    assert [text(td) for td in grid.xpath("./tfoot//td")] == ["1", "2", "–"]
    assert "not judged" in grid.xpath("./tbody/tr[1]/td")[2].get("title")
    assert "(Capital Ledger)" in text(claims)
    markdown = render_markdown(data)
    assert "| c01 Blinken and Lavrov met in Stockholm. | ★ | ✓ | – |" in markdown
    assert "– not judged (no story in a language the model reads: Capital Ledger)" in markdown


def test_each_story_shows_its_language(full: ReportData) -> None:
    stories = [replace(s, language="de" if i else "sv<i>") for i, s in enumerate(full.stories)]
    data = replace(full, stories=stories)
    table = section(render_html(data), "stories").xpath(".//table")[0]
    assert [text(th) for th in table.xpath("./thead//th")][2] == "Language"
    cells = section(render_html(data), "stories").xpath(".//tbody/tr/td[3]")
    assert sorted(text(cell) for cell in cells) == ["de", "de", "de", "de", "sv<i>"]
    markdown = render_markdown(data)
    assert "| Published (UTC) | Title | Language | Date from |" in markdown
    assert "| sv\\<i\\> |" in markdown


FRAMING_LANGUAGES = [
    LanguageCoverage("framing", "en", 24, 10, True),
    LanguageCoverage("framing", "ja", 2, 2, False, "2 stories, too few to compare"),
    LanguageCoverage("framing", "<b>sv</b>", 1, 1, False, "1 story, all from one outlet"),
]


def test_framing_says_which_languages_it_compared_and_left_out(full: ReportData) -> None:
    """Word use is compared within each language; the languages left out are named with the
    reason, escaped."""
    assert "Word use is compared" not in render_html(full)  # nothing recorded: nothing said
    data = replace(full, languages=FRAMING_LANGUAGES)
    note = section(render_html(data), "framing").xpath(".//p[@class='note']")[0]
    assert text(note) == (
        "Word use is compared within each language, never across languages: en (24 stories, "
        "10 outlets). Left out: ja: 2 stories, too few to compare; <b>sv</b>: 1 story, all "
        "from one outlet."
    )
    assert (
        "Left out: ja: 2 stories, too few to compare; \\<b\\>sv\\</b\\>: 1 story, all from "
        "one outlet." in render_markdown(data)
    )
    # A language left out and nothing compared still gets its section, to say so.
    only = replace(full, terms=[], splitting_terms=[], languages=FRAMING_LANGUAGES[1:])
    assert "Left out: ja" in text(section(render_html(only), "framing"))


def test_framing_shows_each_language_compared_apart(full: ReportData) -> None:
    german = [
        TermRow("Rhein Post", "sanktionen", 2.4, 5, "de"),
        TermRow("Northwire", "gespräche", 2.1, 3, "de"),
    ]
    split = [SplittingTerm("sanktionen", 4.0, {"Rhein Post": 2.4, "Northwire": -1.6}, "de")]
    data = replace(
        full,
        terms=[replace(t, language="en") for t in full.terms] + german,
        splitting_terms=[replace(t, language="en") for t in full.splitting_terms] + split,
        languages=[
            LanguageCoverage("framing", "en", 4, 3, True),
            LanguageCoverage("framing", "de", 4, 2, True),
            LanguageCoverage("framing", "fr", 4, 2, True),
        ],
    )
    framing = section(render_html(data), "framing")
    headings = [text(h) for h in framing.xpath("./h3")]
    assert headings == [
        "Distinctive terms by outlet, in en", "Terms that split the outlets, in en",
        "Distinctive terms by outlet, in de", "Terms that split the outlets, in de",
    ]  # fmt: skip
    assert "No term passed the screen in fr." in text(framing)
    german_table = framing.xpath(".//table[contains(@class, 'split')]")[1]
    assert rows_of(german_table) == [["sanktionen", "4.0", "−1.6", "2.4"]]  # report order
    markdown = render_markdown(data)
    assert "### Terms that split the outlets, in de" in markdown
    assert "- **Rhein Post:** sanktionen (z 2.4)" in markdown


def test_claims_say_which_languages_they_left_out(full: ReportData) -> None:
    unread = LanguageCoverage(
        "claims", "sv", 1, 1, False, "1 story, in a language the model does not read"
    )
    data = replace(full, languages=[LanguageCoverage("claims", "en", 4, 3, True), unread])
    note = section(render_html(data), "claims").xpath(".//p[@class='note']")[0]
    assert text(note) == (
        "Left out of the claims and of what only one outlet reported: sv: 1 story, in a "
        "language the model does not read."
    )
    assert "reported: sv: 1 story, in a language the model does not read." in render_markdown(data)
    assert not section(render_html(full), "claims").xpath(".//p[@class='note']")


def test_the_claims_section_says_what_decided_carried(full: ReportData) -> None:
    """By score at the recorded threshold, or by a claim judge named by its folder."""
    scored = replace(full, claims=[replace(c, threshold=0.6) for c in full.claims])
    intro = text(section(render_html(scored), "claims").xpath(".//p")[0])
    assert "matches it closely enough by meaning and wording: a score of 0.60 or more" in intro
    assert "scores 0.60 or more against the claim" in render_markdown(scored)
    judged = replace(
        full,
        claims=[replace(c, judge="/srv/models/<nli-small>", threshold=0.5) for c in full.claims],
    )
    claims = section(render_html(judged), "claims")
    assert "the claim judge, <nli-small>, rates as stating it: 0.50 or more" in text(claims)
    assert "three in ten" not in text(claims)  # the demo's figure is the scores', not a judge's
    assert "/srv/models" not in render_html(judged)  # the folder's name, not where it is
    markdown = render_markdown(judged)
    assert (
        "the claim judge, \\<nli-small\\>, rates a sentence as stating the claim (0.50" in markdown
    )
    assert "three in ten" not in markdown
    # Claims stored before the method was recorded: no threshold is claimed.
    assert "a score of" not in text(section(render_html(full), "claims").xpath(".//p")[0])
