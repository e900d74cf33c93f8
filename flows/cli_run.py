"""The `parallax` commands that fetch and analyse: ingest, run, report, demo."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from parallax.flows.cli import (
    DEMO_DB,
    DEMO_PAST_DB,
    DEMO_PAST_REPORT_DIR,
    DEMO_REPORT_DIR,
    DEMO_SITE_CONFIG,
    cli,
)
from parallax.flows.cli_common import (
    F,
    Failure,
    ingest_options,
    overrides_from,
    settings_for,
    sources_option,
)
from parallax.flows.cli_output import (
    print_backfill_summary,
    print_ingest_summary,
    print_pipeline_summary,
    progress_bar,
)
from parallax.flows.settings import Settings


def _run_ingest(
    ctx: click.Context, sources: str, settings: Settings, overrides: dict[str, Any]
) -> None:
    from parallax.flows.ingest import IngestFailed, ingest_sources

    began = time.perf_counter()
    try:
        with progress_bar():
            summary = ingest_sources(sources, config=ctx.obj.get("config"), overrides=overrides)
    except IngestFailed as err:
        print_ingest_summary(err.summary, settings.storage.db, time.perf_counter() - began)
        raise Failure(f"run failed: {err.summary.message}") from err
    print_ingest_summary(summary, settings.storage.db, time.perf_counter() - began)


@cli.command()
@sources_option
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
    from parallax.flows.sources import load_sources

    overrides = overrides_from(db, allow_private_network, resolve, workers)
    settings = settings_for(ctx, overrides)
    load_sources(sources)  # fail on a bad file before starting Prefect
    _run_ingest(ctx, sources, settings, overrides)


ORIGINS = ("wayback", "sitemaps", "all")
origin_option = click.option(
    "--from",
    "origin",
    type=click.Choice(ORIGINS),
    default="all",
    show_default=True,
    help="Where a backfill looks: the web archive ([archive] wayback_url), the outlets' "
    "sitemaps, or both.",
)


def _day(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=flag) from None


@cli.command()
@sources_option
@click.option("--since", required=True, metavar="DATE", help="First day of the window (UTC).")
@click.option("--until", required=True, metavar="DATE", help="Last day of the window (UTC).")
@origin_option
@ingest_options
@click.pass_context
def backfill(
    ctx: click.Context,
    sources: str,
    since: str,
    until: str,
    origin: str,
    db: str | None,
    allow_private_network: bool | None,
    resolve: tuple[str, ...],
    workers: int | None,
) -> None:
    """Gather a past window's stories from a web archive and the outlets' sitemaps.

    Archived captures of each feed in the window are listed and read, and the stories they
    list are fetched from the capture nearest their date; sitemaps add the stories they date in
    the window. A backfill stopped half-way resumes where it stopped: nothing is fetched twice.
    """
    from parallax.flows.backfill import BackfillFailed, Origin, backfill_sources
    from parallax.flows.sources import load_sources

    first, last = _day(since, "--since"), _day(until, "--until")
    if first > last:
        raise click.BadParameter("must not be after --until", param_hint="--since")
    overrides = overrides_from(db, allow_private_network, resolve, workers)
    settings = settings_for(ctx, overrides)
    load_sources(sources)  # fail on a bad file before starting Prefect
    began = time.perf_counter()
    try:
        with progress_bar():
            summary = backfill_sources(
                sources,
                first,
                last,
                Origin(origin),
                config=ctx.obj.get("config"),
                overrides=overrides,
            )
    except BackfillFailed as err:
        print_backfill_summary(err.summary, settings.storage.db, time.perf_counter() - began)
        raise Failure(f"backfill failed: {err.summary.message}") from err
    print_backfill_summary(summary, settings.storage.db, time.perf_counter() - began)


def _run_pipeline(
    ctx: click.Context, sources: str, seed: str, settings: Settings, **params: Any
) -> None:
    from parallax.flows.pipeline import PipelineFailed, run_pipeline

    began = time.perf_counter()
    try:
        with progress_bar():
            summary = run_pipeline(sources, seed, config=ctx.obj.get("config"), **params)
    except PipelineFailed as err:
        print_pipeline_summary(err.summary, settings.storage.db, time.perf_counter() - began)
        raise Failure(f"run failed: {err.summary.message}") from err
    print_pipeline_summary(summary, settings.storage.db, time.perf_counter() - began)


_run_options = [
    click.option(
        "--seed",
        required=True,
        type=click.Path(dir_okay=False),
        help="Seed document (text): the event to find and compare; a file, or the name of a "
        "bundled seed.",
    ),
    click.option(
        "--seed-date",
        metavar="DATE",
        help="When the seed was published (YYYY-MM-DD or ISO time); else from the seed's "
        ".toml beside it or its file name.",
    ),
    click.option("--since", metavar="DATE", help="Window start (default: before the seed's date)."),
    click.option("--until", metavar="DATE", help="Window end (default: after the seed's date)."),
    click.option(
        "--report-dir",
        default="report",
        show_default=True,
        type=click.Path(file_okay=False),
        help="Where report.html and report.md go.",
    ),
]


def run_options(func: F) -> F:
    for option in reversed(_run_options):
        func = option(func)
    return func


def check_run_input(
    sources: str, seed: str, seed_date: str | None, since: str | None, until: str | None
) -> None:
    """Fail on a bad sources file, seed or date before Prefect starts."""
    from parallax.flows.seeds import load_seed, parse_when
    from parallax.flows.sources import load_sources

    load_sources(sources)
    load_seed(seed, seed_date)
    for flag, value in (("--since", since), ("--until", until)):
        if value:
            parse_when(value, flag)


@cli.command()
@sources_option
@run_options
@click.option(
    "--backfill",
    "with_backfill",
    is_flag=True,
    help="First gather the window's stories from the past (as `parallax backfill`, over the "
    "days of the seed's window or --since/--until).",
)
@origin_option
@ingest_options
@click.pass_context
def run(
    ctx: click.Context,
    sources: str,
    seed: str,
    seed_date: str | None,
    since: str | None,
    until: str | None,
    report_dir: str,
    with_backfill: bool,
    origin: str,
    db: str | None,
    allow_private_network: bool | None,
    resolve: tuple[str, ...],
    workers: int | None,
) -> None:
    """Ingest, embed, cluster around the seed, compare the outlets, and write the report.

    With --backfill, a seed in the past just works: the window's stories are first gathered
    from the web archive and the outlets' sitemaps (--from), then the feeds are read as usual.
    """
    overrides = overrides_from(db, allow_private_network, resolve, workers)
    settings = settings_for(ctx, overrides)
    check_run_input(sources, seed, seed_date, since, until)
    _run_pipeline(
        ctx,
        sources,
        seed,
        settings,
        db=db,
        report_dir=report_dir,
        seed_date=seed_date,
        since=since,
        until=until,
        overrides=overrides,
        backfill=origin if with_backfill else None,
    )


@cli.command()
@click.option("--db", type=click.Path(dir_okay=False), help="DuckDB file (default: [storage] db).")
@click.option(
    "--report-dir",
    default="report",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Where report.html and report.md go.",
)
@click.pass_context
def report(ctx: click.Context, db: str | None, report_dir: str) -> None:
    """Render the report of the latest clustering from the database alone (no fetching)."""
    from parallax.flows.pipeline import report_flow

    overrides = {"storage.db": db} if db else {}
    settings = settings_for(ctx, overrides)
    if not Path(settings.storage.db).exists():
        raise Failure(f"no database at {settings.storage.db}: run `parallax run` first")
    summary = report_flow(
        db=db, report_dir=report_dir, config=ctx.obj.get("config"), overrides=overrides
    )
    click.echo(f"report     {summary.html}, {summary.markdown} ({summary.stories} stories)")


@cli.command()
@click.option(
    "--db",
    default=DEMO_DB,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="DuckDB file for the demo.",
)
@click.option(
    "--report-dir",
    default=DEMO_REPORT_DIR,
    show_default=True,
    type=click.Path(file_okay=False),
    help="Where the demo's report goes.",
)
@click.option("--serve", is_flag=True, help="Only serve the demo site until Ctrl-C.")
@click.option(
    "--site-config",
    default=DEMO_SITE_CONFIG,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="With --serve: the settings file written for reaching the served site.",
)
@click.option(
    "--backfill",
    "past",
    is_flag=True,
    help="Show a backfill: the site's feeds no longer list the event, a loopback web archive "
    f"and the sitemaps still do (default --db {DEMO_PAST_DB}, "
    f"--report-dir {DEMO_PAST_REPORT_DIR}).",
)
@click.option("--workers", type=click.IntRange(1, 64), help="Concurrent fetch tasks.")
@click.pass_context
def demo(
    ctx: click.Context,
    db: str,
    report_dir: str,
    serve: bool,
    site_config: str,
    past: bool,
    workers: int | None,
) -> None:
    """Serve the bundled offline news site on loopback and run the whole pipeline on it."""
    from parallax.flows.demo_site import DEMO_SEED, DEMO_SOURCES, DemoSite

    if past and serve:
        raise click.UsageError("--backfill runs the demo; it cannot be combined with --serve")
    if past:
        source = ctx.get_parameter_source
        db = DEMO_PAST_DB if source("db") is ParameterSource.DEFAULT else db
        if source("report_dir") is ParameterSource.DEFAULT:
            report_dir = DEMO_PAST_REPORT_DIR
        _past_demo(ctx, db, report_dir, workers)
        return
    with DemoSite() as site:
        if serve:
            _serve_demo_site(site, Path(site_config))
            return
        overrides = overrides_from(db, True, (), workers)
        # Loopback serves instantly; the politeness delay for real sites would only slow it.
        overrides |= {"http.host_map": site.host_map(), "http.per_host_delay_s": 0.0}
        settings = settings_for(ctx, overrides)
        click.echo(f"Serving {len(site.hosts)} demo outlets on 127.0.0.1:{site.port}; running...")
        _run_pipeline(
            ctx,
            str(DEMO_SOURCES),
            str(DEMO_SEED),
            settings,
            db=db,
            report_dir=report_dir,
            overrides=overrides,
        )
    click.echo(f"Open {Path(report_dir) / 'report.html'}, or ask the database, for example:")
    example = "SELECT outlet, title FROM event_coverage ORDER BY published_at"
    click.echo(f'  parallax sql "{example}" --db {db}')


def _past_demo(ctx: click.Context, db: str, report_dir: str, workers: int | None) -> None:
    """The demo as it would run years later: feeds without the event, found by a backfill."""
    from parallax.flows.demo_archive import DemoArchive, past_demo_overrides
    from parallax.flows.demo_site import DEMO_SEED, DEMO_SOURCES, DemoSite
    from parallax.flows.resources import DEMO_EVENT

    with DemoSite(without_event=DEMO_EVENT) as site, DemoArchive() as archive:
        overrides = overrides_from(db, True, (), workers)
        overrides |= past_demo_overrides(site.host_map(), archive)
        settings = settings_for(ctx, overrides)
        click.echo(
            f"Serving {len(site.hosts)} demo outlets, their feeds without the event's stories, "
            f"and an archive of {len(archive.captures)} captures from 2021 on loopback; "
            "backfilling, then running..."
        )
        _run_pipeline(
            ctx,
            str(DEMO_SOURCES),
            str(DEMO_SEED),
            settings,
            db=db,
            report_dir=report_dir,
            overrides=overrides,
            backfill="all",
        )
    click.echo(f"Open {Path(report_dir) / 'report.html'}, or ask where each story came from:")
    example = (
        "SELECT a.source, e.source AS listed_by, count(*) AS stories FROM articles a "
        "JOIN entries e USING (url) GROUP BY ALL ORDER BY ALL"
    )
    click.echo(f'  parallax sql "{example}" --db {db}')


def _serve_demo_site(site: Any, site_config: Path) -> None:
    """Serve until Ctrl-C, with a settings file that maps the outlets' hosts to the server."""
    from parallax.flows.demo_site import site_settings
    from parallax.flows.resources import DEMO_SEED_NAME

    site_config.write_text(site_settings(site.host_map()), encoding="utf-8")
    click.echo(f"Demo site on 127.0.0.1:{site.port}; {site_config} maps its hosts. For example:")
    click.echo(f"  curl -H 'Host: {site.hosts[0]}' http://127.0.0.1:{site.port}/")
    click.echo(
        f"  parallax --config {site_config} run --sources demo --seed {DEMO_SEED_NAME} "
        "--db served.duckdb"
    )
    click.echo("Serving until Ctrl-C.", nl=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return
