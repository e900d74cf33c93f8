"""Sources files, driven by tests/data/sources/*.toml (each says what to expect on line 1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from parallax.flows.errors import SourcesError
from parallax.flows.sources import load_sources
from tests.conftest import DATA

FILES = sorted((DATA / "sources").glob("*.toml"))


def expectation(path: Path) -> str:
    first = path.read_text("utf-8").splitlines()[0]
    assert first.startswith("# Expect: "), path.name
    return first.removeprefix("# Expect: ")


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_sources_file(path: Path) -> None:
    expect = expectation(path)
    if expect == "ok":
        outlets = load_sources(path)
        assert [o.name for o in outlets] == ["Northwire", "Stockholm Signal"]
        assert outlets[0].feeds == (
            "http://northwire.example/world/rss.xml",
            "http://northwire.example/politics/atom.xml",
        )
        assert (outlets[0].country, outlets[0].kind, outlets[0].extra) == (
            "US",
            "wire",
            {"desk": "world"},
        )
        assert outlets[1].country is None
        return
    with pytest.raises(SourcesError, match=expect) as caught:
        load_sources(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match="no such file"):
        load_sources(tmp_path / "absent.toml")


def test_the_shipped_sources_files_load() -> None:
    from parallax.flows.demo_site import DEMO_SOURCES
    from parallax.flows.resources import config_dir

    assert len(load_sources(DEMO_SOURCES)) == 10
    live = load_sources(config_dir() / "sources.toml")
    assert len(live) >= 8
    assert all(feed.startswith("https://") for o in live for feed in o.feeds)
