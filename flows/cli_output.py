"""What the `parallax` commands print: summaries of runs, query results, a progress bar."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from parallax.storage.query import QueryResult


class ProgressBar:
    """A rich progress bar listening to flows.progress."""

    def __init__(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description:<9}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=True,
            console=stderr_console(),
        )
        self.tasks: dict[str, Any] = {}

    def begin(self, stage: str, total: int) -> None:
        self.tasks[stage] = self.progress.add_task(stage, total=total)

    def advance(self, stage: str, amount: int = 1) -> None:
        if stage in self.tasks:
            self.progress.advance(self.tasks[stage], amount)


def stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


@contextmanager
def progress_bar() -> Iterator[None]:
    """Show a progress bar on an interactive terminal; stay silent otherwise."""
    if not sys.stderr.isatty():
        yield
        return
    from parallax.flows import progress

    bar = ProgressBar()
    with bar.progress, progress.listening(bar):
        yield


def print_ingest_summary(summary: Any, db: str, elapsed: float) -> None:
    """The run's counts, failures by reason and timings, on stdout."""

    def counts(mapping: dict[str, int]) -> str:
        return ", ".join(f"{count} {name}" for name, count in sorted(mapping.items())) or "none"

    seconds = summary.seconds
    lines = [
        f"outlets    {summary.outlets}",
        f"feeds      {summary.feeds_polled} polled ({counts(summary.feed_status)}), "
        f"{summary.feeds_not_due} not due",
        f"entries    {summary.entries_seen} in feeds, {summary.entries_new} new"
        + (f", skipped: {counts(summary.entries_skipped)}" if summary.entries_skipped else ""),
        f"articles   {summary.articles_stored} stored of {summary.articles_pending} pending"
        + (f" ({counts(summary.article_status)})" if summary.article_status else ""),
    ]
    if summary.feeds_deferred or summary.articles_deferred:
        lines.append(
            f"deferred   {summary.feeds_deferred} feeds and {summary.articles_deferred} articles "
            "not fetched: the run's time budget ([ingest] max_run_s) ran out; the next run "
            "fetches them"
        )
    failures = "; ".join(f"{kind}: {counts(reasons)}" for kind, reasons in summary.failures.items())
    lines.append(f"failures   {failures or 'none'}")
    lines.append(
        f"time       {elapsed:.1f} s in all: ingest {seconds.get('total', 0):.1f} s "
        f"(feeds {seconds.get('feeds', 0):.1f} s, articles {seconds.get('articles', 0):.1f} s; "
        f"summed over workers: download {seconds.get('download', 0):.1f} s, "
        f"extraction {seconds.get('extract', 0):.1f} s, storage {seconds.get('store', 0):.1f} s)"
    )
    lines.append(f"database   {db}")
    click.echo("\n".join(lines))


def backfill_lines(summary: Any) -> list[str]:
    """What a backfill listed, fetched and stored, line by line (without the total time)."""

    def counts(mapping: dict[str, int]) -> str:
        return ", ".join(f"{count} {name}" for name, count in sorted(mapping.items())) or "none"

    lines = [f"window     {summary.since} .. {summary.until} (from {summary.origin})"]
    if summary.archive:
        lines.append(
            f"archive    {summary.archive}: {summary.listings_asked} feed listings asked, "
            f"{summary.listings_reused} reused, {summary.listings_failed} failed; captures "
            f"{summary.captures_listed} listed, {summary.captures_fetched} fetched"
            + (f" ({counts(summary.capture_status)})" if summary.capture_status else "")
            + f", {summary.captures_skipped} skipped (fetched before)"
        )
    if summary.origin in ("sitemaps", "all"):
        lines.append(
            f"sitemaps   {summary.sitemap_files} files read, {summary.sitemap_urls} stories in "
            f"the window, {summary.sitemaps_refused} refused"
        )
    lines.append(
        f"entries    {summary.entries_new} new"
        + (
            f", {summary.entries_outside_window} in captures but outside the window"
            if summary.entries_outside_window
            else ""
        )
    )
    lines.append(
        f"articles   {summary.articles_stored} stored of {summary.articles_pending} pending"
        + (f" ({counts(summary.article_status)})" if summary.article_status else "")
    )
    failures = "; ".join(f"{kind}: {counts(reasons)}" for kind, reasons in summary.failures.items())
    lines.append(f"failures   {failures or 'none'}")
    return lines


def print_backfill_summary(summary: Any, db: str, elapsed: float) -> None:
    """A backfill's counts, failures by reason and timings, on stdout."""
    seconds = summary.seconds
    parts = [
        f"{name} {seconds[key]:.1f} s"
        for name, key in (
            ("archive", "archive"),
            ("sitemaps", "sitemaps"),
            ("articles", "articles"),
        )
        if key in seconds
    ]
    lines = backfill_lines(summary)
    lines.append(f"time       {elapsed:.1f} s in all: " + ", ".join(parts))
    lines.append(f"database   {db}")
    click.echo("\n".join(lines))


def print_pipeline_summary(summary: Any, db: str, elapsed: float) -> None:
    """The ingest lines, then one line per analysis stage, then where the time went."""
    from parallax.flows.backfill import BackfillSummary
    from parallax.flows.ingest import IngestSummary

    if getattr(summary, "backfill", None):
        click.echo("\n".join(backfill_lines(BackfillSummary(**summary.backfill))))
    if summary.ingest:
        print_ingest_summary(IngestSummary(**summary.ingest), db, summary.seconds.get("ingest", 0))
    embed, cluster, compare, report = (
        summary.embed,
        summary.cluster,
        summary.compare,
        summary.report,
    )
    lines = []
    if embed.get("skipped"):
        lines.append(
            "embed      skipped: the stories, the seed and the settings are those of the latest "
            "clustering, reused below ([run] reuse_unchanged)"
        )
    elif embed:
        lines.append(
            f"embed      {embed['texts']} texts of {embed['stories']} stories and the seed: "
            f"{embed['embedded']} embedded, {embed['reused']} already stored ({embed['model']})"
        )
    if cluster:
        lines.append(
            f"cluster    {cluster['stories']} stories in the window, {cluster['clusters']} "
            f"clusters; the seed's event: {cluster['event_stories']} stories"
            + (" (reused)" if cluster.get("reused") else "")
        )
    if compare:
        line = f"compare    {compare['outlets']} outlets, {compare['copies']} copies"
        if compare.get("claims"):
            line += (
                f"; {compare['claims_carried']} of {compare['claims']} claims carried,"
                f" {compare['exclusive_sentences']} sentences one outlet alone reported"
            )
        # Stories sit out claims in a language the model does not read, and framing in a
        # language with too few stories or outlets to compare (the report says why, per language).
        parts = []
        skipped = compare.get("stories_not_aligned", 0)
        if skipped:
            unread = ", ".join(compare.get("languages_not_aligned", []))
            parts.append(
                f"{skipped} {'story' if skipped == 1 else 'stories'} from claims and exclusives"
                + (f" ({unread})" if unread else "")
            )
        unframed = compare.get("stories_not_framed", 0)
        if unframed:
            left = ", ".join(compare.get("languages_not_framed", []))
            parts.append(f"{unframed} from framing" + (f" ({left})" if left else ""))
        framed = compare.get("framing_languages", [])
        if framed:
            line += f"; framing within {', '.join(framed)}"
        if parts:
            line += "; left out for their language: " + ", ".join(parts)
        lines.append(line + (" (reused)" if compare.get("reused") else ""))
    if report:
        lines.append(f"report     {report['html']}, {report['markdown']}")
    stages = summary.seconds
    startup = max(0.0, elapsed - sum(stages.values()))
    spent = [f"Prefect and start-up {startup:.1f} s"]
    spent += [f"{name} {seconds:.1f} s" for name, seconds in stages.items()]
    lines.append(f"time       {elapsed:.1f} s in all: {', '.join(spent)}")
    click.echo("\n".join(lines))


def render(result: QueryResult, fmt: str) -> str:
    """A query result as an aligned table, CSV, or JSON (JSON columns nested, not quoted)."""
    columns, rows = result.columns, result.rows
    if fmt == "json":
        is_json = [kind == "JSON" for kind in result.types] or [False] * len(columns)
        records = [
            {
                name: json.loads(value) if nested and isinstance(value, str) else value
                for name, value, nested in zip(columns, row, is_json, strict=True)
            }
            for row in rows
        ]
        return json.dumps(records, default=str, ensure_ascii=False, indent=2)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        return buffer.getvalue().rstrip("\n")
    from rich.console import Console
    from rich.table import Table

    table = Table(*columns, show_lines=False)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    width = max(80, min(200, 30 * max(len(columns), 1)))
    buffer = io.StringIO()
    Console(file=buffer, width=width, force_terminal=False).print(table)
    return buffer.getvalue().rstrip("\n") + f"\n({len(rows)} row{'s' if len(rows) != 1 else ''})"
