"""The Store's read side for reports: one clustering's data, as typed records."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from parallax.analysis.languages import language_to_use
from parallax.analysis.records import CopyLink, OutletCoverage, Seed
from parallax.reports.data import (
    ClaimCell,
    ClaimRow,
    CoverageStatus,
    ExclusiveRow,
    LanguageCoverage,
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
from parallax.storage.connection import Database
from parallax.storage.errors import StorageError

NEIGHBOURS = 12  # neighbouring clusters a report lists, largest first
HEADLINES = 3


class NothingToReport(StorageError):
    """The database holds no clustering yet."""


class ReportStore(Database):
    """Reads everything a report shows."""

    def report_data(self, clustering_id: str | None = None) -> ReportData:
        """The data of a clustering's report (the latest clustering by default)."""
        rows = self._con.execute(
            """SELECT c.clustering_id, c.seed_id, c.model, c.window_start, c.window_end,
                      c.event_cluster_id, c.run_id, s.text, s.published_at, s.title, s.path
               FROM clusterings c JOIN seeds s USING (seed_id)
               WHERE $id IS NULL OR c.clustering_id = $id
               ORDER BY c.created_at DESC, c.clustering_id DESC LIMIT 1""",
            {"id": clustering_id},
        ).fetchall()
        if not rows:
            raise NothingToReport(f"{self.path} holds no clustering yet: run `parallax run` first")
        cid, seed_id, model, start, end, event_id, run_id, text, published, title, path = rows[0]
        return ReportData(
            generated_at=datetime.now(UTC),
            seed=Seed(seed_id, text, published, title or "", path or ""),
            model=model,
            window_start=start,
            window_end=end,
            event_cluster_id=event_id,
            stories=self._report_stories(cid),
            outlets=self._outlet_coverage(cid),
            copies=self._copies(cid),
            neighbours=self._neighbours(cid),
            outlets_without_story=self._outlets_without_story(cid),
            run=self._run_info(run_id),
            **self._comparison(cid, published),
        )

    def _comparison(self, cid: str, seed_published: datetime) -> dict[str, Any]:
        """Quotes, framing terms, the timeline and coverage status of a clustering."""
        quotes = [
            QuoteRow(*row)
            for row in self._con.execute(
                """SELECT url, outlet, quote, speaker, side, outlets FROM quotes
                   WHERE clustering_id = ? ORDER BY outlets DESC, outlet, url, position""",
                [cid],
            ).fetchall()
        ]
        sides = sorted({q.side for q in quotes} - {"other", "unattributed"})
        balance = []
        for outlet in sorted({q.outlet for q in quotes}):
            mine = [q for q in quotes if q.outlet == outlet]
            by_side = {s: sum(q.side == s for q in mine) for s in [*sides, "other", "unattributed"]}
            speakers: dict[str, int] = {}
            for q in mine:
                if q.speaker:
                    speakers[q.speaker] = speakers.get(q.speaker, 0) + 1
            balance.append(
                QuoteBalance(
                    outlet,
                    len(mine),
                    {k: v for k, v in by_side.items() if v},
                    dict(sorted(speakers.items(), key=lambda kv: (-kv[1], kv[0]))),
                    reused=sum(q.outlets > 1 for q in mine),
                    exclusive=sum(q.outlets == 1 for q in mine),
                )
            )
        terms = [
            TermRow(*row)
            for row in self._con.execute(
                """SELECT outlet, term, z, count, language FROM framing_terms
                   WHERE clustering_id = ? ORDER BY language, outlet, rank""",
                [cid],
            ).fetchall()
        ]
        splitting = [
            SplittingTerm(term, spread, json.loads(z), language)
            for term, spread, z, language in self._con.execute(
                """SELECT term, spread, z_by_outlet, language FROM splitting_terms
                   WHERE clustering_id = ? ORDER BY language, rank""",
                [cid],
            ).fetchall()
        ]
        stories = self._report_stories(cid)
        seed_day = seed_published.replace(hour=0, minute=0, second=0, microsecond=0)
        # Lag is behind the first report; previews (before the seed's day) are not reports.
        reports = [
            s.published_at
            for s in stories
            if s.date_source != "first_seen" and s.published_at >= seed_day
        ]
        first = min(reports, default=None)
        timeline = [
            TimelineEntry(
                s.url,
                s.outlet,
                s.title,
                s.published_at,
                s.date_source,
                "preview" if s.published_at < seed_day else "report",
                None
                if s.date_source == "first_seen" or first is None
                else round((s.published_at - first).total_seconds() / 3600, 2),
            )
            for s in stories
        ]
        status = [
            CoverageStatus(*row)
            for row in self._con.execute(
                "SELECT outlet, status, detail FROM coverage_status"
            ).fetchall()
        ]
        return {
            **self._claims(cid),
            "languages": self._framing_languages(cid) + self._claim_languages(cid, stories),
            "quote_balance": balance,
            "quotes": quotes,
            "sides": sides,
            "terms": terms,
            "splitting_terms": splitting,
            "timeline": timeline,
            "coverage_status": status,
        }

    def _claims(self, cid: str) -> dict[str, Any]:
        """The seed's claims, each outlet's best match per claim, and the exclusive sentences."""
        claims = [
            ClaimRow(*row)
            for row in self._con.execute(
                """SELECT claim_id, text, outlets, first_outlet, first_url, first_published_at,
                          judge, threshold
                   FROM claims WHERE clustering_id = ? ORDER BY position""",
                [cid],
            ).fetchall()
        ]
        cells = [
            ClaimCell(*row)
            for row in self._con.execute(
                """SELECT outlet, claim_id, carried, score, sentence, url FROM claim_grid
                   WHERE clustering_id = ? ORDER BY outlet, position""",
                [cid],
            ).fetchall()
        ]
        exclusive = [
            ExclusiveRow(*row)
            for row in self._con.execute(
                """SELECT outlet, url, sentence, best_other FROM exclusive_sentences
                   WHERE clustering_id = ? ORDER BY outlet, rank""",
                [cid],
            ).fetchall()
        ]
        return {"claims": claims, "claim_cells": cells, "exclusive_sentences": exclusive}

    def _framing_languages(self, cid: str) -> list[LanguageCoverage]:
        """How framing treated each language of the event's original stories."""
        return [
            LanguageCoverage("framing", *row)
            for row in self._con.execute(
                """SELECT language, stories, outlets, compared, coalesce(reason, '')
                   FROM framing_languages WHERE clustering_id = ?
                   ORDER BY stories DESC, language""",
                [cid],
            ).fetchall()
        ]

    def _claim_languages(self, cid: str, stories: list[ReportStory]) -> list[LanguageCoverage]:
        """Per language of the event's stories, whether claims were matched in them: a story
        the compare stage left out for its language has no claim_matches rows (none at all
        when the clustering has no claims)."""
        matched = {
            url
            for (url,) in self._con.execute(
                "SELECT DISTINCT url FROM claim_matches WHERE clustering_id = ?", [cid]
            ).fetchall()
        }
        if not matched:
            return []
        groups: dict[str, list[ReportStory]] = {}
        for story in stories:
            groups.setdefault(story.language or "und", []).append(story)
        found = []
        for language, group in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            compared = any(story.url in matched for story in group)
            count = len(group)
            reason = (
                ""
                if compared
                else f"{count} {'story' if count == 1 else 'stories'}, in a language the model"
                " does not read"
            )
            outlets = len({story.outlet for story in group})
            found.append(LanguageCoverage("claims", language, count, outlets, compared, reason))
        return found

    def _copies(self, cid: str) -> list[CopyLink]:
        rows = self._con.execute(
            "SELECT url, original_url, overlap FROM copies WHERE clustering_id = ? ORDER BY url",
            [cid],
        ).fetchall()
        return [CopyLink(*row) for row in rows]

    def _report_stories(self, cid: str) -> list[ReportStory]:
        rows = self._con.execute(
            """SELECT a.url, a.outlet, coalesce(a.title, ''), a.published_at, a.date_source,
                      m.similarity_to_seed, coalesce(a.word_count, 0), m.reason, k.original_url,
                      a.language, a.detected_language, a.detection_confidence
               FROM cluster_members m JOIN articles a USING (url)
               LEFT JOIN copies k ON k.clustering_id = m.clustering_id AND k.url = m.url
               WHERE m.clustering_id = ? AND m.in_event
               ORDER BY a.published_at, a.url""",
            [cid],
        ).fetchall()
        # The language the compare stage used (detected when confident, else declared), so the
        # report names what sat out of framing as the stage decided it.
        return [
            ReportStory(
                url, outlet, title, published, source, similarity, words, reason, copy_of,
                language_to_use(declared, detected, confidence),
            )
            for (url, outlet, title, published, source, similarity, words, reason, copy_of,
                 declared, detected, confidence) in rows
        ]  # fmt: skip

    def _outlet_coverage(self, cid: str) -> list[OutletCoverage]:
        rows = self._con.execute(
            """SELECT outlet, stories, independent_stories, copies, first_published_at, lag_hours,
                      mean_similarity, max_similarity, mean_words, total_words
               FROM outlet_coverage WHERE clustering_id = ?
               ORDER BY first_published_at NULLS LAST, outlet""",
            [cid],
        ).fetchall()
        return [OutletCoverage(*row) for row in rows]

    def _neighbours(self, cid: str) -> list[NeighbourCluster]:
        rows = self._con.execute(
            """SELECT c.cluster_id, c.size, c.label, c.first_published_at,
                      list(a.title ORDER BY m.similarity_to_seed DESC, a.url)
               FROM clusters c
               JOIN cluster_members m ON m.clustering_id = c.clustering_id
                                     AND m.cluster_id = c.cluster_id
               JOIN articles a ON a.url = m.url
               WHERE c.clustering_id = ? AND NOT c.is_event
               GROUP BY ALL ORDER BY c.size DESC, c.first_published_at, c.cluster_id LIMIT ?""",
            [cid, NEIGHBOURS],
        ).fetchall()
        return [
            NeighbourCluster(cluster_id, size, label or "", list(titles)[:HEADLINES], first)
            for cluster_id, size, label, first, titles in rows
        ]

    def _outlets_without_story(self, cid: str) -> list[str]:
        rows = self._con.execute(
            """SELECT name FROM outlets WHERE name NOT IN (
                   SELECT a.outlet FROM cluster_members m JOIN articles a USING (url)
                   WHERE m.clustering_id = ? AND m.in_event)
               ORDER BY name""",
            [cid],
        ).fetchall()
        return [str(row[0]) for row in rows]

    def _run_info(self, run_id: str | None) -> RunInfo | None:
        if run_id is None:
            return None
        rows = self._con.execute(
            "SELECT run_id, status, started_at, finished_at, summary FROM runs WHERE run_id = ?",
            [run_id],
        ).fetchall()
        if not rows:
            return None
        run_id, status, started, finished, summary = rows[0]
        data = json.loads(summary) if summary else {}
        return RunInfo(
            run_id=run_id,
            status=status,
            started_at=started,
            finished_at=finished,
            counts={k: int(v) for k, v in data.get("counts", {}).items()},
            failures=data.get("failures", {}),
            stage_seconds={k: float(v) for k, v in data.get("seconds", {}).items()},
        )
