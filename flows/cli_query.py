"""The `parallax` commands that read the database: sql, feeds."""

from __future__ import annotations

import click

from parallax.flows.cli import cli
from parallax.flows.cli_common import settings_for
from parallax.flows.cli_output import render

db_option = click.option(
    "--db", type=click.Path(dir_okay=False), help="DuckDB file (default: [storage] db)."
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)


@cli.command()
@click.argument("query")
@db_option
@format_option
@click.option("--limit", type=click.IntRange(min=1), help="Print at most this many rows.")
@click.pass_context
def sql(ctx: click.Context, query: str, db: str | None, fmt: str, limit: int | None) -> None:
    """Run read-only SQL against the database and print the result.

    Files and URLs are disabled inside the query: it reads only the database.
    """
    from parallax.storage.query import run_query

    settings = settings_for(ctx, {"storage.db": db} if db else {})
    result = run_query(
        settings.storage.db,
        query,
        lock_timeout_s=min(settings.storage.lock_timeout_s, 5),
        limit=limit,
    )
    click.echo(render(result, fmt))


@cli.command()
@db_option
@format_option
@click.pass_context
def feeds(ctx: click.Context, db: str | None, fmt: str) -> None:
    """Show each feed's health: last status and reason, failures in a row, next due time."""
    from parallax.storage.query import feed_health

    settings = settings_for(ctx, {"storage.db": db} if db else {})
    result = feed_health(
        settings.storage.db, lock_timeout_s=min(settings.storage.lock_timeout_s, 5)
    )
    click.echo(render(result, fmt))
