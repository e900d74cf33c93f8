"""The Store: every read and write of Parallax's DuckDB file, with parameters, in bulk.

Only the flow process writes, through one Store held for the length of a run; tasks return
records and never open the database. Bulk writes go through Arrow tables, since DuckDB takes
them some 40 times faster than row-by-row inserts. The methods live in one mixin per side:

    Store
    ├── ArchiveStore   archive listings and captures, sitemap entries    (archive_store.py)
    │   └── IngestStore  runs, outlets, feeds, fetches, entries, articles (ingest_store.py)
    ├── AnalysisStore  seeds, embeddings, clusterings, coverage, copies  (analysis_store.py)
    └── ReportStore    the read side of a report                         (report_store.py)
"""

from __future__ import annotations

from parallax.storage.analysis_store import AnalysisStore
from parallax.storage.archive_store import ArchiveStore
from parallax.storage.connection import connect
from parallax.storage.ingest_store import TableCounts
from parallax.storage.report_store import ReportStore

__all__ = ["Store", "TableCounts", "connect"]


class Store(ArchiveStore, AnalysisStore, ReportStore):
    """Parallax's DuckDB file; use as a context manager, one per process that writes."""

    def __enter__(self) -> Store:
        return self
