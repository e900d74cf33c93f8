"""What a report shows, as typed records the Store fills and the templates read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from analysis.records import CopyLink, OutletCoverage, Seed


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
