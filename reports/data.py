"""What a report shows, as typed records the Store fills and the templates read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from parallax.analysis.records import CopyLink, OutletCoverage, Seed


@dataclass(frozen=True)
class ReportStory:
    """One story of the event, as listed under its outlet."""

    url: str
    outlet: str
    title: str
    published_at: datetime
    date_source: str
    similarity_to_seed: float
    word_count: int
    reason: str
    copy_of: str | None = None  # the original's URL when this story is a copy
    language: str | None = None  # as the comparisons used it: detected if sure, else declared


@dataclass(frozen=True)
class NeighbourCluster:
    """A cluster of the window that is not the event: its size and headlines."""

    cluster_id: str
    size: int
    label: str
    headlines: list[str]
    first_published_at: datetime | None


@dataclass(frozen=True)
class RunInfo:
    """How the run that produced the data went."""

    run_id: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, int] = field(default_factory=dict)  # outlets, feeds, entries, articles, ...
    failures: dict[str, dict[str, int]] = field(default_factory=dict)  # kind -> reason -> count
    stage_seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class QuoteBalance:
    """One outlet's quotes by side (e.g. US, Russia, other, unattributed)."""

    outlet: str
    quotes: int
    by_side: dict[str, int]
    by_speaker: dict[str, int]
    reused: int  # quotes another outlet carried too
    exclusive: int  # quotes no other outlet carried


@dataclass(frozen=True)
class QuoteRow:
    """One direct quotation in the event's coverage."""

    url: str
    outlet: str
    text: str
    speaker: str | None
    side: str
    outlets: int  # how many outlets carried this quotation


@dataclass(frozen=True)
class TermRow:
    """A term distinctive of one outlet's coverage (weighted log-odds z-score)."""

    outlet: str
    term: str
    z: float
    count: int
    language: str = ""  # the language whose stories it was compared among


@dataclass(frozen=True)
class SplittingTerm:
    """A term whose use splits the outlets most, with each outlet's z-score."""

    term: str
    spread: float
    z_by_outlet: dict[str, float]
    language: str = ""  # the language whose stories it was compared among


@dataclass(frozen=True)
class LanguageCoverage:
    """How a comparison treated the event's stories in one language: compared, or left out
    and why."""

    comparison: str  # "framing" or "claims"
    language: str
    stories: int
    outlets: int
    compared: bool
    reason: str = ""  # why not, in words, starting with the stories' count


@dataclass(frozen=True)
class TimelineEntry:
    """One story on the event's timeline."""

    url: str
    outlet: str
    title: str
    published_at: datetime
    date_source: str
    phase: str  # "preview" (before the seed's day) or "report"
    lag_hours: float | None  # behind the first report; None when dated only by first sight


@dataclass(frozen=True)
class CoverageStatus:
    """Whether a tracked outlet covered the event, and if not, why we can tell."""

    outlet: str
    status: str  # covered | no story in the window | feeds failed | no stories in the window
    detail: str


@dataclass(frozen=True)
class ClaimRow:
    """One of the seed's claims: how many outlets carried it, and who first."""

    claim_id: str
    text: str
    outlets: int
    first_outlet: str | None
    first_url: str | None
    first_published_at: datetime | None
    judge: str | None = None  # the claim judge that decided; None: the score did
    threshold: float | None = None  # the score or rating that counts as carried


@dataclass(frozen=True)
class ClaimCell:
    """One outlet and one claim: whether any of its stories carried it, and the best match."""

    outlet: str
    claim_id: str
    carried: bool
    score: float
    sentence: str  # the outlet's best-matching sentence or clause, carried or not
    url: str


@dataclass(frozen=True)
class ExclusiveRow:
    """A sentence only one outlet reported."""

    outlet: str
    url: str
    sentence: str
    best_other: float  # its highest cosine to a claim or another outlet's sentence


@dataclass(frozen=True)
class ReportData:
    """Everything a report shows."""

    generated_at: datetime
    seed: Seed
    model: str
    window_start: datetime
    window_end: datetime
    event_cluster_id: str
    stories: list[ReportStory]  # the event's stories, earliest first
    outlets: list[OutletCoverage]  # per outlet, earliest first report first
    copies: list[CopyLink]
    neighbours: list[NeighbourCluster]  # largest first
    outlets_without_story: list[str] = field(default_factory=list)  # tracked, nothing in event
    run: RunInfo | None = None
    quote_balance: list[QuoteBalance] = field(default_factory=list)
    quotes: list[QuoteRow] = field(default_factory=list)
    sides: list[str] = field(default_factory=list)  # the order sides are shown in
    terms: list[TermRow] = field(default_factory=list)
    splitting_terms: list[SplittingTerm] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    coverage_status: list[CoverageStatus] = field(default_factory=list)
    claims: list[ClaimRow] = field(default_factory=list)  # in the seed's order
    claim_cells: list[ClaimCell] = field(default_factory=list)
    exclusive_sentences: list[ExclusiveRow] = field(default_factory=list)
    languages: list[LanguageCoverage] = field(default_factory=list)  # most stories first
