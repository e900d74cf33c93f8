"""The docs are tested: every command documented, every SQL example runs, every setting listed."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from parallax.connectors.records import FetchStatus, Reason
from parallax.flows.cli import cli
from parallax.flows.resources import defaults_file
from parallax.storage.query import run_query
from tests.conftest import DemoRun

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
CLI_DOC = DOCS / "cli.md"
CONFIG_DOC = DOCS / "configuration.md"
SCHEMA_DOC = DOCS / "schema.md"
COMMANDS = sorted(cli.commands)

_SQL_BLOCK = re.compile(r"^```sql[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def sections(path: Path, level: str = "##") -> dict[str, str]:
    """A Markdown file's sections of one heading level: heading text -> body."""
    found: dict[str, str] = {}
    heading: str | None = None
    lines: list[str] = []
    in_code = False
    for line in path.read_text("utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if not in_code and re.match(rf"^{level} \S", line):
            if heading is not None:
                found[heading] = "\n".join(lines)
            heading, lines = line[len(level) + 1 :].strip(), []
        elif heading is not None:
            lines.append(line)
    if heading is not None:
        found[heading] = "\n".join(lines)
    return found


def documented_names(param: click.Parameter) -> list[str]:
    """What a reader must find in a command's section: long option names, or the argument."""
    if isinstance(param, click.Argument):
        return [param.human_readable_name.upper()]
    return [opt for opt in param.opts if opt.startswith("--")]


@pytest.mark.parametrize("path", [README, CLI_DOC, CONFIG_DOC, SCHEMA_DOC], ids=lambda p: p.name)
def test_the_docs_exist(path: Path) -> None:
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing"


# -- (a) every command has a section and a working --help -------------------------------------


def test_the_group_lists_commands() -> None:
    assert COMMANDS, "parallax.flows.cli.cli registers no commands"


def test_the_group_and_its_options_are_documented() -> None:
    body = sections(CLI_DOC).get("parallax")
    assert body is not None, "docs/cli.md has no '## parallax' section for the group options"
    for param in cli.params:
        for name in documented_names(param):
            assert f"`{name}" in body, f"docs/cli.md '## parallax' does not document {name}"
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("name", COMMANDS)
def test_command_is_documented(name: str) -> None:
    body = sections(CLI_DOC).get(f"parallax {name}")
    assert body is not None, f"docs/cli.md has no '## parallax {name}' section"
    command = cli.commands[name]
    for param in command.params:
        for option in documented_names(param):
            assert f"`{option}" in body, f"'## parallax {name}' does not document {option}"


@pytest.mark.parametrize("name", COMMANDS)
def test_command_help_works(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert f" {name} [OPTIONS]" in result.output
    assert (cli.commands[name].help or "").strip(), f"parallax {name} has no help text"


@pytest.mark.parametrize("name", COMMANDS)
def test_command_is_in_the_readme(name: str) -> None:
    assert f"parallax {name}" in README.read_text("utf-8")


# -- (b) every SQL example runs against the demo database -------------------------------------


def sql_examples() -> list[tuple[str, str]]:
    """(where, sql) for each ```sql block of README.md and docs/*.md."""
    found = []
    for path in [README, *sorted(DOCS.glob("*.md"))]:
        if not path.is_file():
            continue  # test_the_docs_exist says so
        text = path.read_text("utf-8")
        for match in _SQL_BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append((f"{path.relative_to(ROOT)}:{line}", match.group(1)))
    return found


SQL_EXAMPLES = sql_examples()


def test_the_schema_doc_has_examples() -> None:
    assert sum(where.startswith("docs/schema.md:") for where, _ in SQL_EXAMPLES) >= 6


@pytest.fixture(scope="session")
def demo_db(demo_run: DemoRun) -> Path:
    """The demo run through the whole pipeline, as `parallax demo` does (shared: tests/conftest)."""
    stored = run_query(demo_run.db, "SELECT count(*) FROM cluster_members WHERE in_event").rows
    assert stored[0][0] > 0, "the demo pipeline found no event stories"
    return demo_run.db


@pytest.mark.slow
@pytest.mark.parametrize(("where", "sql"), SQL_EXAMPLES, ids=[w for w, _ in SQL_EXAMPLES])
def test_sql_example_runs(where: str, sql: str, demo_db: Path) -> None:
    result = run_query(demo_db, sql)
    assert result.columns, f"{where}: the example returns no columns"


# -- (c) every setting of config/parallax.toml is documented ----------------------------------


def toml_literal(value: Any) -> str:
    """A default as config/parallax.toml writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "{}" if not value else repr(value)
    return repr(value)


SHIPPED = tomllib.loads(defaults_file().read_text("utf-8"))
SETTINGS = [
    (section, key, value)
    for section, table in SHIPPED.items()
    if section != "models"
    for key, value in table.items()
]
# Each model's profile, as (model, dotted setting, value).
PROFILES = [
    (model, f"{section}.{key}", value)
    for model, profile in SHIPPED["models"].items()
    for section, table in profile.items()
    for key, value in table.items()
]


def test_settings_are_found() -> None:
    assert {section for section, _, _ in SETTINGS} >= {"storage", "http", "ingest"}


@pytest.mark.parametrize(
    ("section", "key", "default"), SETTINGS, ids=[f"{s}.{k}" for s, k, _ in SETTINGS]
)
def test_setting_is_documented(section: str, key: str, default: Any) -> None:
    body = sections(CONFIG_DOC).get(f"[{section}]")
    assert body is not None, f"docs/configuration.md has no '## [{section}]' section"
    rows = [line for line in body.splitlines() if line.startswith(f"| `{key}` |")]
    assert rows, f"docs/configuration.md [{section}] has no table row for {key}"
    cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert cells[1] == f"`{toml_literal(default)}`", f"{section}.{key}: default is {default!r}"


@pytest.mark.parametrize(
    ("model", "setting", "value"), PROFILES, ids=[f"{m}:{s}" for m, s, _ in PROFILES]
)
def test_model_profile_is_documented(model: str, setting: str, value: Any) -> None:
    body = sections(CONFIG_DOC).get("[models]")
    assert body is not None, "docs/configuration.md has no '## [models]' section"
    table = [line for line in body.splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in table[0].strip("|").split("|")]
    assert f"`{model}`" in header, f"the [models] table has no column for {model}"
    rows = [line for line in table if line.startswith(f"| `{setting}` |")]
    assert rows, f"the [models] table has no row for {setting}"
    cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert cells[header.index(f"`{model}`")] == f"`{toml_literal(value)}`", f"{model} {setting}"


def test_every_test_named_in_the_reliability_doc_exists() -> None:
    text = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(test_\w+)`", text))
    defined = {
        match
        for path in (ROOT / "tests").rglob("test_*.py")
        for match in re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), re.MULTILINE)
    }
    assert len(named) > 50
    assert not named - defined, sorted(named - defined)


def test_every_bench_the_docs_name_exists() -> None:
    """A figure's command must still run: `bench/NAME.py` named in the README or docs/."""
    named = {
        name
        for path in [README, *DOCS.glob("*.md")]
        for name in re.findall(r"bench/(\w+\.py)", path.read_text(encoding="utf-8"))
    }
    assert len(named) > 10
    missing = sorted(n for n in named if not (ROOT / "bench" / n).is_file())
    assert not missing, missing


def test_every_doc_is_linked_from_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    unlinked = sorted(p.name for p in DOCS.glob("*.md") if f"](docs/{p.name})" not in text)
    assert not unlinked, unlinked


def test_the_fetch_vocabularies_are_documented_in_full() -> None:
    vocabularies = sections(SCHEMA_DOC, "###")
    for heading, enum in (("Fetch status", FetchStatus), ("Fetch reason", Reason)):
        rows = re.findall(r"^\| `(\w+)` \|", vocabularies[heading], re.MULTILINE)
        assert sorted(rows) == sorted(member.value for member in enum), heading
