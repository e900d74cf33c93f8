"""A small hand-built event for the report tests: its stories, and the outlet comparisons."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from parallax.analysis.records import CopyLink, OutletCoverage, Seed
from parallax.reports.data import (
    ClaimCell,
    ClaimRow,
    CoverageStatus,
    ExclusiveRow,
    NeighbourCluster,
    QuoteBalance,
    QuoteRow,
    ReportData,
    ReportStory,
    RunInfo,
    SplittingTerm,
    TermRow,
    TimelineEntry,
)

CET = timezone(timedelta(hours=1))
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


def event() -> ReportData:
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


LEDGER_PREVIEW = "https://capitalledger.example/a/5498"
US, RUSSIA = "United States", "Russia"
BLINKEN, LAVROV = "Antony Blinken", "Sergey Lavrov"
SERIOUS = "there will be serious consequences if Russia pursues confrontation"
NIGHTMARE = "a return to the nightmare scenario of military confrontation"


def quote(outlet: str, url: str, text: str, speaker: str | None, side: str, outlets: int = 1) -> QuoteRow:  # fmt: skip
    """A quotation as one outlet's story carried it."""
    return QuoteRow(url, outlet, text, speaker, side, outlets)


def compared() -> ReportData:
    """The same event with every comparison: a preview on the timeline, quotes reused by several
    outlets and carried by one (six by Northwire, one more than are listed), distinctive and
    splitting terms, and tracked outlets covered, not covering, unread, and silent."""
    base = event()
    quotes = [
        quote("Northwire", NORTHWIRE_1, SERIOUS, BLINKEN, US, outlets=3),
        quote("Baltic Herald", HERALD_COPY, SERIOUS, BLINKEN, US, outlets=3),
        quote("Capital Ledger", LEDGER_1, "There will be serious consequences if Russia pursues confrontation.", BLINKEN, US, outlets=3),
        quote("Northwire", NORTHWIRE_2, NIGHTMARE, LAVROV, RUSSIA, outlets=2),
        quote("Baltic Herald", HERALD_2, NIGHTMARE, None, "unattributed", outlets=2),
        quote("Northwire", NORTHWIRE_1, "We are deeply concerned by Russia's plans", BLINKEN, US),
        quote("Northwire", NORTHWIRE_1, "the best way to avert a crisis is diplomacy", BLINKEN, US),
        quote("Northwire", NORTHWIRE_2, "NATO's eastward expansion is unacceptable", LAVROV, RUSSIA),
        quote("Northwire", NORTHWIRE_2, "we need long-term security guarantees", LAVROV, RUSSIA),
        quote("Northwire", NORTHWIRE_2, "Allies stand united", "Jens Stoltenberg", "other"),
        quote("Northwire", NORTHWIRE_2, "the talks were frank", None, "unattributed"),
        quote("Baltic Herald", HERALD_2, "We are not looking for a conflict", LAVROV, RUSSIA),
        quote("Capital Ledger", LEDGER_1, "the door to diplomacy remains open", "a senior State Department official", "other"),
    ]  # fmt: skip
    balance = [
        QuoteBalance("Baltic Herald", 3, {US: 1, RUSSIA: 1, "unattributed": 1},
                     {BLINKEN: 1, LAVROV: 1}, reused=2, exclusive=1),
        QuoteBalance("Capital Ledger", 2, {US: 1, "other": 1},
                     {BLINKEN: 1, "a senior State Department official": 1}, reused=1, exclusive=1),
        QuoteBalance("Northwire", 8, {US: 3, RUSSIA: 3, "other": 1, "unattributed": 1},
                     {BLINKEN: 3, LAVROV: 3, "Jens Stoltenberg": 1}, reused=2, exclusive=6),
    ]  # fmt: skip
    terms = [
        TermRow("Baltic Herald", "security guarantees", 3.87, 8),
        TermRow("Baltic Herald", "nato expansion", 2.91, 5),
        TermRow("Capital Ledger", "diplomats", 2.63, 4),
        TermRow("Capital Ledger", "osce ministerial", 2.05, 3),
        TermRow("Northwire", "serious costs", 4.21, 9),
        TermRow("Northwire", "military buildup", 3.05, 6),
        TermRow("Northwire", "de-escalation", 2.44, 5),
    ]
    splitting = [
        SplittingTerm("serious costs", 6.1,
                      {"Northwire": 4.21, "Baltic Herald": -0.45, "Capital Ledger": -1.89}),
        SplittingTerm("security guarantees", 5.9,
                      {"Northwire": -1.62, "Baltic Herald": 3.87, "Capital Ledger": -2.03}),
        SplittingTerm("nato expansion", 4.01, {"Northwire": -1.1, "Baltic Herald": 2.91}),
    ]  # fmt: skip
    first = datetime(2021, 12, 2, 16, 20, tzinfo=UTC)

    def lag(moment: datetime) -> float:
        return round((moment - first).total_seconds() / 3600, 2)

    preview = datetime(2021, 12, 1, 18, 0, tzinfo=UTC)
    timeline = [
        TimelineEntry(LEDGER_PREVIEW, "Capital Ledger",
                      "Blinken and Lavrov to meet in Stockholm on Thursday", preview, "page_meta",
                      "preview", lag(preview)),
    ] + [
        TimelineEntry(s.url, s.outlet, s.title, s.published_at, s.date_source, "report",
                      None if s.date_source == "first_seen" else lag(s.published_at))
        for s in base.stories
    ]  # fmt: skip
    status = [
        CoverageStatus("Baltic Herald", "covered", ""),
        CoverageStatus("Capital Ledger", "covered", ""),
        CoverageStatus("Kyiv Courier", "feeds failed", "every feed failed: timeout, server_error"),
        CoverageStatus("Northwire", "covered", ""),
        CoverageStatus("Prairie Post", "no story in the window",
                       "stories in the window, none about the event"),
        CoverageStatus("Steppe Daily", "no stories in the window",
                       "nothing published in the window, or nothing read"),
    ]  # fmt: skip
    claims = [
        ClaimRow("c01", "Blinken and Lavrov met in Stockholm.", 3, "Northwire", NORTHWIRE_1,
                 first),
        ClaimRow("c02", "Lavrov asked for long-term security guarantees.", 1, "Baltic Herald",
                 HERALD_2, first + timedelta(hours=2)),
        ClaimRow("c03", "The talks yielded no concrete path forward.", 0, None, None, None),
    ]  # fmt: skip

    def cell(outlet: str, claim_id: str, score: float, sentence: str, url: str) -> ClaimCell:
        return ClaimCell(outlet, claim_id, score >= 0.6, score, sentence, url)

    cells = [
        cell("Northwire", "c01", 1.21, "Blinken met Lavrov in Stockholm on Thursday.", NORTHWIRE_1),
        cell("Northwire", "c02", 0.41, "Lavrov spoke of NATO.", NORTHWIRE_2),
        cell("Northwire", "c03", 0.33, "Talks went on for 40 minutes.", NORTHWIRE_1),
        cell("Baltic Herald", "c01", 1.05, "The two ministers met in Stockholm.", HERALD_COPY),
        cell("Baltic Herald", "c02", 0.93, "Lavrov wants long-term security guarantees.",
             HERALD_2),
        cell("Baltic Herald", "c03", 0.2, "Moscow calls the warnings hysteria.", HERALD_2),
        cell("Capital Ledger", "c01", 0.88, "They met in the Swedish capital.", LEDGER_1),
        cell("Capital Ledger", "c02", 0.52, "Moscow seeks guarantees from NATO.", LEDGER_1),
        cell("Capital Ledger", "c03", 0.4, "Diplomats left without a statement.", LEDGER_1),
    ]  # fmt: skip
    exclusive = [
        ExclusiveRow("Capital Ledger", LEDGER_1,
                     "The Swedish hosts had booked the hall at the Stockholmsmässan for weeks.",
                     0.31),
        ExclusiveRow("Northwire", NORTHWIRE_2,
                     "Kremlin aide Yuri Ushakov said a call with Biden was being prepared.", 0.42),
    ]  # fmt: skip
    return replace(
        base,
        claims=claims,
        claim_cells=cells,
        exclusive_sentences=exclusive,
        quote_balance=balance,
        quotes=quotes,
        sides=[RUSSIA, US],
        terms=terms,
        splitting_terms=splitting,
        timeline=timeline,
        coverage_status=status,
    )
