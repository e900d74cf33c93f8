"""The `parallax serve` command: the pipeline as a Prefect deployment on a schedule."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import click

from parallax.flows.cli import cli
from parallax.flows.cli_common import (
    Failure,
    ingest_options,
    overrides_from,
    settings_for,
    sources_option,
)
from parallax.flows.cli_run import check_run_input, run_options
from parallax.flows.resources import seed_file, sources_file
from parallax.flows.serve import (
    DEFAULT_NAME,
    PrefectServer,
    Schedule,
    ServerError,
    prefect_home_for,
    serve_pipeline,
    sigterm_as_interrupt,
)

# One run at a time: a run holds the DuckDB file while it writes, so a second would only wait.
RUNS_AT_A_TIME = 1


def _absolute(path: str | None) -> str | None:
    """Runs start in a fresh process, maybe elsewhere: every path they get is absolute."""
    return str(Path(path).resolve()) if path else None


def _parameters(
    ctx: click.Context,
    db: str,
    overrides: dict[str, Any],
    *,
    sources: str,
    seed: str,
    report_dir: str,
    **window: str | None,
) -> dict[str, Any]:
    """The deployment's parameters: the pipeline flow's arguments, with absolute paths."""
    return {
        "sources": _absolute(str(sources_file(sources))),
        "seed": _absolute(str(seed_file(seed))),
        "db": db,
        "report_dir": _absolute(report_dir),
        "config": _absolute(ctx.obj.get("config")),
        "overrides": {**overrides, "storage.db": db},
        **window,  # seed_date, since, until
    }


def _announce(
    server: PrefectServer, schedule: Schedule, name: str, parameters: dict[str, Any]
) -> None:
    """Say where the Prefect server is, what is served and when."""
    if server.started:
        where = f"started here (pid {server.pid}; state and log in {server.home})"
    else:
        where = "from PREFECT_API_URL"
    click.echo(f"prefect    {server.url} {where}")
    click.echo(f"deployment pipeline/{name}, {schedule.describe()}, {RUNS_AT_A_TIME} run at a time")
    click.echo(f"database   {parameters['db']}")
    click.echo(f"report     {parameters['report_dir']}")
    click.echo("Serving until Ctrl-C or SIGTERM...")


def _serve(schedule: Schedule, name: str, parameters: dict[str, Any]) -> None:
    """Start or find the Prefect server, serve until stopped, then stop what was started."""
    server = PrefectServer(prefect_home_for(parameters["db"]))
    serving = False
    try:
        with server:
            _announce(server, schedule, name, parameters)
            serving = True
            serve_pipeline(
                name,
                cron=schedule.cron,
                interval=schedule.interval,
                parameters=parameters,
                limit=RUNS_AT_A_TIME,
            )
    except ServerError as err:
        raise Failure(str(err)) from err
    finally:
        if serving:  # the server, if this process started it, is stopped by now
            stopped = (
                f"; the Prefect server (pid {server.pid}) is stopped" if server.started else ""
            )
            click.echo(f"Stopped{stopped}.")


@cli.command()
@click.option(
    "--cron", metavar="EXPR", help="Run on this cron schedule (UTC), e.g. '*/30 * * * *'."
)
@click.option(
    "--interval", metavar="DURATION", help="Run every DURATION: 90s, 30m, 2h, 1d, or seconds."
)
@click.option(
    "--name",
    default=DEFAULT_NAME,
    show_default=True,
    help="Deployment name: runs show as pipeline/NAME in Prefect.",
)
@sources_option
@run_options
@ingest_options
@click.pass_context
def serve(
    ctx: click.Context,
    cron: str | None,
    interval: str | None,
    name: str,
    sources: str,
    seed: str,
    seed_date: str | None,
    since: str | None,
    until: str | None,
    report_dir: str,
    db: str | None,
    allow_private_network: bool | None,
    resolve: tuple[str, ...],
    workers: int | None,
) -> None:
    """Run the pipeline on a schedule, as a Prefect deployment, until Ctrl-C or SIGTERM.

    Starts a Prefect server beside the database unless PREFECT_API_URL names one.
    """
    schedule = Schedule.parse(cron, interval)
    overrides = overrides_from(db, allow_private_network, resolve, workers)
    settings = settings_for(ctx, overrides)
    check_run_input(sources, seed, seed_date, since, until)
    db_path = str(Path(settings.storage.db).resolve())
    parameters = _parameters(
        ctx,
        db_path,
        overrides,
        sources=sources,
        seed=seed,
        report_dir=report_dir,
        seed_date=seed_date,
        since=since,
        until=until,
    )
    # Stopping is how serving ends, so Ctrl-C and SIGTERM end it with exit status 0.
    with sigterm_as_interrupt(), contextlib.suppress(KeyboardInterrupt):
        _serve(schedule, name, parameters)
