"""What the `parallax` commands share: errors, settings, and the options of fetching runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from parallax.flows.errors import ConfigError
from parallax.flows.settings import Settings, load_settings

F = TypeVar("F", bound=Callable[..., Any])


class Failure(Exception):
    """A command that ran and failed; printed as one line with its exit status."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def settings_for(ctx: click.Context, overrides: dict[str, Any]) -> Settings:
    return load_settings(ctx.obj.get("config"), overrides)


def parse_resolve(values: tuple[str, ...]) -> dict[str, str]:
    """--resolve HOST=ADDR[:PORT] pairs as a host map."""
    mapping = {}
    for value in values:
        host, sep, target = value.partition("=")
        if not sep or not host or not target:
            raise ConfigError(f"--resolve takes HOST=ADDRESS[:PORT], not {value!r}")
        mapping[host.strip().lower()] = target.strip()
    return mapping


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


def overrides_from(
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
        overrides["http.host_map"] = parse_resolve(resolve)
    if workers:
        overrides["ingest.workers"] = workers
    return overrides


sources_option = click.option(
    "--sources",
    required=True,
    type=click.Path(dir_okay=False),
    help="Sources file: one [[outlets]] table per outlet with its feeds; `live` or `demo` for "
    "the bundled ones.",
)
