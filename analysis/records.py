"""Typed records of the analysis stages: stories in, clusters and comparisons out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath


@dataclass(frozen=True)
class Story:
    """A stored article as the analysis sees it."""

    url: str
    outlet: str
    title: str
    text: str
    published_at: datetime
    date_source: str  # page_meta | feed | page_date | first_seen (see connectors.records)
    language: str | None = None  # as the page declares it
    word_count: int = 0
    detected_language: str | None = None  # from the text; see languages.story_language
    detection_confidence: float | None = None  # the detector's probability for it, 0..1


@dataclass(frozen=True)
class Seed:
    """The document whose event Parallax looks for."""

    seed_id: str  # a slug, from the seed file's name
    text: str
    published_at: datetime
    title: str = ""
    path: str = ""  # where it was read from, as given
    language: str | None = None  # detected from its text

    @property
    def file_name(self) -> str:
        """The seed file's name without its folder: what a report may show of the path."""
        return PurePath(self.path).name if self.path else ""


@dataclass(frozen=True)
class Membership:
    """One story's place in a clustering, and why."""

    url: str
    cluster_id: str
    in_event: bool
    similarity_to_seed: (
        float | None
    )  # cosine of the story's and the seed's leads (None: unclustered)
    doc_similarity: float | None  # cosine of the story's and the seed's document vectors
    hours_from_seed: float | None  # None when the story's date is only when it was first seen
    reason: str


@dataclass(frozen=True)
class Cluster:
    """A group of stories about one event."""

    cluster_id: str
    size: int
    is_event: bool
    label: str  # the headline of its most central story
    first_published_at: datetime | None
    last_published_at: datetime | None
    urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Clustering:
    """The outcome of clustering one window of stories around a seed."""

    seed_id: str
    window_start: datetime
    window_end: datetime
    event_cluster_id: str
    clusters: list[Cluster]
    members: list[Membership]
    outside_window: list[str] = field(default_factory=list)  # urls not clustered
    params: dict[str, float | int] = field(default_factory=dict)


@dataclass(frozen=True)
class CopyLink:
    """A story that is a copy or light rewrite of an earlier one (wire copy)."""

    url: str
    original_url: str
    overlap: float  # share of the shorter text's word 5-grams found in the other, 0..1


@dataclass(frozen=True)
class OutletCoverage:
    """How one outlet covered the event, at a first level of detail."""

    outlet: str
    stories: int
    independent_stories: int  # stories that are not copies of another outlet's story
    copies: int
    first_published_at: datetime
    lag_hours: float  # behind the earliest report of any outlet
    mean_similarity: float  # to the seed
    max_similarity: float
    mean_words: float
    total_words: int


@dataclass(frozen=True)
class Comparison:
    """Per-outlet coverage of the event and the copies among its stories."""

    outlets: list[OutletCoverage]
    copies: list[CopyLink]
    earliest_published_at: datetime | None
