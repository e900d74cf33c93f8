"""The HTML and Markdown reports, rendered from hand-built ReportData."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import lxml.html
import pytest
from markdown_it import MarkdownIt  # rich's own dependency, pinned in constraints.txt

from analysis.records import CopyLink, OutletCoverage, Seed
from connectors.records import DateSource
from reports.data import NeighbourCluster, ReportData, ReportStory, RunInfo
from reports.render import (
    DATE_SOURCES,
    format_lag,
    markdown_text,
    render_html,
    render_markdown,
    safe_href,
    write_report,
)

CET = timezone(timedelta(hours=1))
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
QUOTES = "\"quotes\" & 'apostrophes'"
EVIL = f"{SCRIPT} {IMG} {QUOTES} x|y"
SECTIONS = ["summary", "seed", "outlets", "stories", "neighbours", "run"]

NORTHWIRE_1 = "https://northwire.example/world/blinken-lavrov-stockholm"
NORTHWIRE_2 = "https://northwire.example/world/lavrov-nato-guarantees"
HERALD_COPY = "https://balticherald.example/news/2021/12/02/blinken-lavrov"
HERALD_2 = "https://balticherald.example/analysis/stockholm-osce"
LEDGER_1 = "http://capitalledger.example/a/5512"
SEED_TEXT = "\nOn Thursday, Blinken and Lavrov met in Stockholm.\n\nBoth sides agreed to talk."


def story(
    url: str,
    outlet: str,
    title: str,
    published_at: datetime,
    date_source: str = "page_meta",
    similarity_to_seed: float = 0.8,
    word_count: int = 600,
    copy_of: str | None = None,
) -> ReportStory:
    """A story of the event; the reason is the same for all."""
    reason = "in the seed's cluster"
    return ReportStory(
        url, outlet, title, published_at, date_source, similarity_to_seed, word_count, reason,
        copy_of,
    )  # fmt: skip


def coverage(outlet: str, *figures: float, first: datetime) -> OutletCoverage:
    """An outlet's coverage row: stories, independent, copies, lag, mean, max, words, total."""
    stories, independent, copies, lag, mean, best, words, total = figures
    return OutletCoverage(
        outlet, int(stories), int(independent), int(copies), first, lag, mean, best, words,
        int(total),
    )  # fmt: skip


@pytest.fixture
def data() -> ReportData:
    """A small event: 3 outlets, 5 stories (one a wire copy), 2 neighbours, a run with failures."""
    stories = [
        story(NORTHWIRE_1, "Northwire", "Blinken warns Lavrov of costs over Ukraine",
              datetime(2021, 12, 2, 16, 20, tzinfo=UTC), similarity_to_seed=0.8412,
              word_count=612),
        story(HERALD_COPY, "Baltic Herald", "Blinken warns Lavrov of 'serious costs'",
              datetime(2021, 12, 2, 18, 25, tzinfo=CET), similarity_to_seed=0.8236,
              word_count=598, copy_of=NORTHWIRE_1),
        story(NORTHWIRE_2, "Northwire", "Lavrov demands NATO security guarantees",
              datetime(2021, 12, 2, 21, 45, tzinfo=UTC), date_source="feed",
              similarity_to_seed=0.7091, word_count=430),
        story(LEDGER_1, "Capital Ledger", "Diplomats trade warnings in Stockholm",
              datetime(2021, 12, 3, 8, 5, tzinfo=UTC), date_source="first_seen",
              similarity_to_seed=0.5803, word_count=845),
        story(HERALD_2, "Baltic Herald", "What the OSCE meeting in Stockholm settled",
              datetime(2021, 12, 3, tzinfo=UTC), date_source="page_date",
              similarity_to_seed=0.6649, word_count=2302),
    ]  # fmt: skip
    outlets = [
        coverage("Northwire", 2, 2, 0, 0.0, 0.77515, 0.8412, 521, 1042,
                 first=datetime(2021, 12, 2, 16, 20, tzinfo=UTC)),
        coverage("Baltic Herald", 2, 1, 1, 65 / 60, 0.74425, 0.8236, 1450, 2900,
                 first=datetime(2021, 12, 2, 17, 25, tzinfo=UTC)),
        coverage("Capital Ledger", 1, 1, 0, 15.75, 0.5803, 0.5803, 845, 845,
                 first=datetime(2021, 12, 3, 8, 5, tzinfo=UTC)),
    ]  # fmt: skip
    omicron = "Omicron variant found in more countries"
    neighbours = [
        NeighbourCluster("c-0007", 12, omicron,
                         [omicron, "WHO urges calm as Omicron spreads", "Travel bans widen",
                          "Markets slide on variant fears", "Airlines cut December flights"],
                         datetime(2021, 12, 1, 22, 10, tzinfo=UTC)),
        NeighbourCluster("c-0011", 4, "Sweden hands OSCE chair to Poland",
                         ["Sweden hands OSCE chair to Poland", "Linde closes OSCE council"], None),
    ]  # fmt: skip
    run = RunInfo(
        run_id="run-20211203-0900",
        status="Completed",
        started_at=datetime(2021, 12, 3, 9, 0, tzinfo=UTC),
        finished_at=datetime(2021, 12, 3, 9, 3, 12, tzinfo=UTC),
        counts={"outlets": 4, "feeds": 6, "entries": 1234, "articles_extracted": 67},
        failures={"feed": {"timeout": 2, "server_error": 3}, "article": {"too_large": 1}},
        stage_seconds={"ingest": 151.25, "embed": 30.44, "cluster": 1.02},
    )
    return ReportData(
        generated_at=datetime(2021, 12, 3, 9, 3, 30, tzinfo=UTC),
        seed=Seed(
            seed_id="blinken-lavrov-stockholm-2021-12-02",
            text=SEED_TEXT,
            published_at=datetime(2021, 12, 2, 12, 0, tzinfo=UTC),
            title="Blinken and Lavrov meet in Stockholm",
        ),
        model="all-MiniLM-L6-v2",
        window_start=datetime(2021, 12, 1, tzinfo=UTC),
        window_end=datetime(2021, 12, 4, tzinfo=UTC),
        event_cluster_id="c-0003",
        stories=stories,
        outlets=outlets,
        copies=[CopyLink(HERALD_COPY, NORTHWIRE_1, 0.93)],
        neighbours=neighbours,
        outlets_without_story=["Kyiv Courier", "Prairie Post"],
        run=run,
    )


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
    assert herald[0][2:] == ["page metadata", "0.82", "598"]
    assert herald[1][0] == "2021-12-03"
    assert herald[1][2:] == ["date on page", "0.66", "2,302"]
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
    cells = section(render_html(data), "stories").xpath(".//tbody/tr/td[3]")
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
