"""One import name: the checkout's folders, the wheel's mapping and the imports agree."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import parallax
from parallax.flows import resources
from parallax.flows.seeds import SeedError, load_seed
from parallax.flows.sources import load_sources

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
MAPPING: dict[str, str] = PYPROJECT["tool"]["setuptools"]["package-dir"]
OLD_NAMES = ("flows", "connectors", "storage", "analysis", "reports", "config")
_OLD_IMPORT = re.compile(rf"^\s*(from|import) ({'|'.join(OLD_NAMES)})(\.| |$)", re.MULTILINE)


def test_every_subpackage_maps_to_its_folder_and_the_links_mirror_the_mapping() -> None:
    assert MAPPING.pop("parallax") == "parallax"
    assert set(PYPROJECT["tool"]["setuptools"]["packages"]) == {"parallax", *MAPPING}
    for package, folder in MAPPING.items():
        assert package == f"parallax.{folder}"
        link = ROOT / "parallax" / folder
        assert link.is_symlink(), f"parallax/{folder} should link to ../{folder}"
        assert link.resolve() == (ROOT / folder).resolve()
    linked = {p.name for p in (ROOT / "parallax").iterdir() if p.is_symlink()}
    assert linked == set(MAPPING.values())


def test_no_code_imports_the_folders_by_their_old_top_level_names() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for folder in (*OLD_NAMES, "tests", "bench", "scripts")
        for path in (ROOT / folder).rglob("*.py")
        if _OLD_IMPORT.search(path.read_text("utf-8"))
    ]
    assert offenders == []


def test_the_shipped_data_is_found_through_the_package() -> None:
    config = resources.config_dir()
    assert config == Path(parallax.__file__).parent / "config"
    assert resources.defaults_file().is_file()
    assert (resources.demo_dir() / "site").is_dir()
    assert resources.DEMO_SEED_NAME in resources.bundled_seeds()


def test_bundled_seeds_and_sources_are_usable_by_name(tmp_path: Path) -> None:
    seed = load_seed(resources.DEMO_SEED_NAME)
    assert seed.file_name == f"{resources.DEMO_SEED_NAME}.txt"
    assert seed.published_at.date().isoformat() == "2021-12-02"
    assert len(load_sources("demo")) == 10
    assert len(load_sources("live")) >= 1
    with pytest.raises(SeedError, match="bundled seeds, usable by name: blinken-lavrov"):
        load_seed("no-such-seed")


def test_a_file_of_a_bundled_name_wins_over_the_bundled_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo").write_text(
        '[[outlets]]\nname = "Mine"\nfeeds = ["https://mine.example/rss.xml"]\n', "utf-8"
    )
    assert [outlet.name for outlet in load_sources("demo")] == ["Mine"]


def test_the_deployment_entrypoint_loads_the_installed_flow() -> None:
    from prefect.flows import load_flow_from_entrypoint

    from parallax.flows.pipeline import pipeline

    entrypoint = re.search(
        r"^\s*entrypoint: (\S+)", (ROOT / "prefect.yaml").read_text("utf-8"), re.MULTILINE
    )
    assert entrypoint is not None
    assert load_flow_from_entrypoint(entrypoint.group(1)) is pipeline


def test_the_version_is_the_project_version() -> None:
    script = Path(sys.executable).parent / "parallax"
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert PYPROJECT["project"]["version"] in done.stdout
    assert parallax.__version__ == PYPROJECT["project"]["version"]
