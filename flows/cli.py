"""The `parallax` command: a thin shell over the flows and the Store.

Each command checks its input, calls one flow or library function, and prints the result.
Errors in the user's input end in one line on stderr and exit status 2; a failed run in its
summary and exit status 1; never a traceback.
"""

from __future__ import annotations

import atexit
import csv
import io
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from flows import runtime
from flows.errors import ConfigError, UserInputError
from flows.settings import Settings, load_settings
from storage.errors import QueryError, StorageError
from storage.query import QueryResult

F = TypeVar("F", bound=Callable[..., Any])
DEMO_DB = "demo.duckdb"


class Failure(Exception):
    """A command that ran and failed; printed as one line with its exit status."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _settings(ctx: click.Context, overrides: dict[str, Any]) -> Settings:
    return load_settings(ctx.obj.get("config"), overrides)


def _parse_resolve(values: tuple[str, ...]) -> dict[str, str]:
    """--resolve HOST=ADDR[:PORT] pairs as a host map."""
    mapping = {}
    for value in values:
        host, sep, target = value.partition("=")
        if not sep or not host or not target:
            raise ConfigError(f"--resolve takes HOST=ADDRESS[:PORT], not {value!r}")
        mapping[host.strip().lower()] = target.strip()
    return mapping


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    envvar="PARALLAX_CONFIG",
    help="Settings file (TOML); its keys override the defaults listed in config/parallax.toml. "
    "Also PARALLAX_CONFIG.",
)
@click.option("-v", "--verbose", is_flag=True, help="Show Prefect's and Parallax's logs.")
@click.version_option(package_name="parallax")
@click.pass_context
def cli(ctx: click.Context, config: str | None, verbose: bool) -> None:
    """Parallax: collect many outlets' coverage of one event and compare it.

    Feeds and article pages go into one DuckDB file that you can query with SQL.
    """
    ctx.ensure_object(dict)
    ctx.obj["config"] = config
    ctx.obj["verbose"] = verbose
    runtime.prepare(verbose=verbose)


# -- output ----------------------------------------------------------------------------------


class _Bar:
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
            console=_stderr_console(),
        )
        self.tasks: dict[str, Any] = {}

    def begin(self, stage: str, total: int) -> None:
        self.tasks[stage] = self.progress.add_task(stage, total=total)

    def advance(self, stage: str, amount: int = 1) -> None:
        if stage in self.tasks:
            self.progress.advance(self.tasks[stage], amount)


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


@contextmanager
def _progress_bar() -> Iterator[None]:
    """Show a progress bar on an interactive terminal; stay silent otherwise."""
    if not sys.stderr.isatty():
        yield
        return
    from flows import progress

    bar = _Bar()
    with bar.progress, progress.listening(bar):
        yield


def _print_ingest_summary(summary: Any, db: str, elapsed: float) -> None:
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


def _run_ingest(
    ctx: click.Context, sources: str, settings: Settings, overrides: dict[str, Any]
) -> None:
    from flows.ingest import IngestFailed, ingest_sources

    began = time.perf_counter()
    try:
        with _progress_bar():
            summary = ingest_sources(sources, config=ctx.obj.get("config"), overrides=overrides)
    except IngestFailed as err:
        _print_ingest_summary(err.summary, settings.storage.db, time.perf_counter() - began)
        raise Failure(f"run failed: {err.summary.message}") from err
    _print_ingest_summary(summary, settings.storage.db, time.perf_counter() - began)


_ingest_options = [
    click.option(
        "--db", type=click.Path(dir_okay=False), help="DuckDB file (default: [storage] db)."
    ),
    click.option(
        "--allow-private-network",
        is_flag=True,
        default=None,
        help="Allow feeds and pages on loopback and private addresses.",
    ),
    click.option(
        "--resolve",
        multiple=True,
        metavar="HOST=ADDR[:PORT]",
        help="Reach HOST at ADDR (repeatable), keeping the URL and Host header.",
    ),
    click.option("--workers", type=click.IntRange(1, 64), help="Concurrent fetch tasks."),
]


def ingest_options(func: F) -> F:
    for option in reversed(_ingest_options):
        func = option(func)
    return func


def _overrides(
    db: str | None,
    allow_private_network: bool | None,
    resolve: tuple[str, ...],
    workers: int | None,
) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    if db:
        overrides["storage.db"] = db
    if allow_private_network:
        overrides["http.allow_private_network"] = True
    if resolve:
        overrides["http.host_map"] = _parse_resolve(resolve)
    if workers:
        overrides["ingest.workers"] = workers
    return overrides


@cli.command()
@click.option(
    "--sources",
    required=True,
    type=click.Path(dir_okay=False),
    help="Sources file: one [[outlets]] table per outlet with its feeds.",
)
@ingest_options
@click.pass_context
def ingest(
    ctx: click.Context,
    sources: str,
    db: str | None,
    allow_private_network: bool | None,
    resolve: tuple[str, ...],
    workers: int | None,
) -> None:
    """Fetch the feeds of a sources file and store entries and article text.

    Feeds that are backing off after failures wait until they are due again.
    """
    from flows.sources import load_sources

    overrides = _overrides(db, allow_private_network, resolve, workers)
    settings = _settings(ctx, overrides)
    load_sources(sources)  # fail on a bad file before starting Prefect
    _run_ingest(ctx, sources, settings, overrides)


@cli.command()
@click.option(
    "--db",
    default=DEMO_DB,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="DuckDB file for the demo.",
)
@click.option("--serve", is_flag=True, help="Only serve the demo site until Ctrl-C.")
@click.option("--workers", type=click.IntRange(1, 64), help="Concurrent fetch tasks.")
@click.pass_context
def demo(ctx: click.Context, db: str, serve: bool, workers: int | None) -> None:
    """Serve the bundled offline news site on loopback and ingest it."""
    from flows.demo_site import DEMO_SOURCES, DemoSite

    with DemoSite() as site:
        if serve:
            click.echo(f"Demo site on 127.0.0.1:{site.port}; for example:")
            host = site.hosts[0]
            click.echo(f"  curl -H 'Host: {host}' http://127.0.0.1:{site.port}/")
            click.echo(
                f"  parallax ingest --sources {DEMO_SOURCES} --allow-private-network "
                + " ".join(f"--resolve {h}=127.0.0.1:{site.port}" for h in site.hosts[:2])
                + " ..."
            )
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return
        overrides = _overrides(db, True, (), workers)
        # Loopback serves instantly; the politeness delay for real sites would only slow it.
        overrides |= {"http.host_map": site.host_map(), "http.per_host_delay_s": 0.0}
        settings = _settings(ctx, overrides)
        click.echo(f"Serving {len(site.hosts)} demo outlets on 127.0.0.1:{site.port}; ingesting...")
        _run_ingest(ctx, str(DEMO_SOURCES), settings, overrides)
    example = "SELECT outlet, count(*) AS articles FROM articles GROUP BY ALL"
    click.echo(f'Try: parallax sql "{example}" --db {db}')


def _render(result: QueryResult, fmt: str) -> str:
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


@cli.command()
@click.argument("query")
@click.option("--db", type=click.Path(dir_okay=False), help="DuckDB file (default: [storage] db).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Print at most this many rows.")
@click.pass_context
def sql(ctx: click.Context, query: str, db: str | None, fmt: str, limit: int | None) -> None:
    """Run read-only SQL against the database and print the result.

    Files and URLs are disabled inside the query: it reads only the database.
    """
    from storage.query import run_query

    settings = _settings(ctx, {"storage.db": db} if db else {})
    result = run_query(
        settings.storage.db,
        query,
        lock_timeout_s=min(settings.storage.lock_timeout_s, 5),
        limit=limit,
    )
    click.echo(_render(result, fmt))


@cli.command()
@click.option("--db", type=click.Path(dir_okay=False), help="DuckDB file (default: [storage] db).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.pass_context
def feeds(ctx: click.Context, db: str | None, fmt: str) -> None:
    """Show each feed's health: last status and reason, failures in a row, next due time."""
    from storage.query import feed_health

    settings = _settings(ctx, {"storage.db": db} if db else {})
    result = feed_health(
        settings.storage.db, lock_timeout_s=min(settings.storage.lock_timeout_s, 5)
    )
    click.echo(_render(result, fmt))


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning errors into one line and an exit status."""
    try:
        cli.main(args=argv, prog_name="parallax", standalone_mode=False)
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.exceptions.Abort:
        click.echo("parallax: interrupted", err=True)
        return 130
    except click.exceptions.NoArgsIsHelpError as err:
        click.echo(err.ctx.get_help() if err.ctx else "", err=True)
        return 2
    except click.UsageError as err:
        path = err.ctx.command_path if err.ctx else "parallax"
        hint = f" (see '{path} --help')"
        click.echo(f"parallax: error: {err.format_message()}{hint}", err=True)
        return 2
    except click.ClickException as err:
        click.echo(f"parallax: error: {err.format_message()}", err=True)
        return err.exit_code
    except UserInputError as err:
        click.echo(f"parallax: error: {err}", err=True)
        return 2
    except QueryError as err:
        click.echo(f"parallax: error in SQL: {err}", err=True)
        return 2
    except StorageError as err:
        click.echo(f"parallax: error: {err}", err=True)
        return 1
    except Failure as err:
        click.echo(f"parallax: {err}", err=True)
        return err.exit_code
    except KeyboardInterrupt:
        click.echo("parallax: interrupted", err=True)
        return 130
    except Exception as err:
        if "-v" in (argv or sys.argv) or "--verbose" in (argv or sys.argv):
            raise
        click.echo(
            f"parallax: internal error: {type(err).__name__}: {err} (rerun with --verbose "
            "for the traceback)",
            err=True,
        )
        return 70
    return 0


if __name__ == "__main__":
    sys.exit(main())


def console_main() -> None:
    """The console script: exit with main()'s status.

    Exit handlers run (Prefect drains its logs and stops its temporary server), then the
    process ends without interpreter teardown, where DuckDB's bindings print spurious
    "nanobind: leaked instance" lines after a flow has used the database.
    """
    code = main()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
