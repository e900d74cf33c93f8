"""The `parallax` command: a thin shell over the flows and the Store.

Each command checks its input, calls one flow or library function, and prints the result.
Errors in the user's input end in one line on stderr and exit status 2; a failed run in its
summary and exit status 1; never a traceback.
"""

from __future__ import annotations

import atexit
import os
import sys

import click

from parallax.analysis.embed import ModelError
from parallax.flows import runtime
from parallax.flows.cli_common import Failure
from parallax.flows.errors import UserInputError
from parallax.storage.errors import QueryError, StorageError

DEMO_DB = "demo.duckdb"
DEMO_REPORT_DIR = "demo-report"
DEMO_SITE_CONFIG = "demo-site.toml"
DEMO_PAST_DB = "demo-past.duckdb"  # `parallax demo --backfill`
DEMO_PAST_REPORT_DIR = "demo-past-report"


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
    except ModelError as err:
        click.echo(f"parallax: error: {err} (see docs/configuration.md)", err=True)
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


def console_main() -> None:
    """The console script: exit with main()'s status.

    Exit handlers run (Prefect drains its logs and stops its temporary server), then the
    process ends without interpreter teardown, where DuckDB's bindings can print spurious
    "nanobind: leaked instance" lines after a flow has used the database: a Prefect thread
    cut off at exit can keep the flow's modules alive (flows.runtime explains).
    """
    code = main()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _register_commands() -> None:
    """Import the command modules, which attach their commands to the group."""
    from parallax.flows import cli_query, cli_run, cli_serve  # noqa: F401


_register_commands()
