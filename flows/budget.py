"""The ingest run's time budget ([ingest] max_run_s): fetches not begun in time are deferred.

A deferred fetch is a record like any other (status and reason `deferred`, no attempt), so the
run stores it, completes, and says how much it left; the next run picks the work up, because a
deferred row is neither a feed failure (no backoff) nor an article attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from parallax.connectors.records import (
    ArticleFetch,
    FeedPoll,
    FeedState,
    FetchResult,
    FetchStatus,
    PendingArticle,
    Reason,
)


@dataclass(frozen=True)
class RunBudget:
    """When a run must stop starting fetches; fetches already in flight finish."""

    until: datetime  # wall clock, not monotonic: tasks may run in other processes
    max_run_s: float

    @classmethod
    def starting_now(cls, max_run_s: float) -> RunBudget:
        return cls(datetime.now(UTC) + timedelta(seconds=max_run_s), max_run_s)

    def spent(self) -> bool:
        """Whether the budget has run out."""
        return datetime.now(UTC) >= self.until

    def _not_attempted(self, url: str) -> FetchResult:
        return FetchResult(
            url,
            FetchStatus.DEFERRED,
            Reason.DEFERRED,
            datetime.now(UTC),
            attempts=0,
            detail=f"not attempted: the run's [ingest] max_run_s ({self.max_run_s:g} s) had "
            "passed; left for the next run",
        )

    def defer_feed(self, state: FeedState) -> FeedPoll:
        """A feed left unpolled; its failure count and due time stay as they were."""
        fetch = self._not_attempted(state.url)
        return FeedPoll(
            state.url,
            state.outlet,
            FetchStatus.DEFERRED,
            Reason.DEFERRED,
            fetch,
            None,
            consecutive_failures=state.consecutive_failures,
            next_due_at=state.next_due_at or fetch.fetched_at,
            detail=fetch.detail,
        )

    def defer_article(self, job: PendingArticle) -> ArticleFetch:
        """An article page left unfetched; it stays pending without using up an attempt."""
        fetch = self._not_attempted(job.link)
        return ArticleFetch(
            job, FetchStatus.DEFERRED, Reason.DEFERRED, fetch, None, detail=fetch.detail
        )
