"""Seed files and their dates."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from parallax.flows.demo_site import DEMO_SEED
from parallax.flows.seeds import SeedError, load_seed

TEXT = (
    "US Secretary of State Antony Blinken and Russian Foreign Minister Sergey Lavrov met in Stockholm on Thursday amid concern over Russia's buildup near Ukraine's border. "
    * 2
)


def test_the_bundled_seed_is_byte_for_byte_the_original() -> None:
    original = Path(__file__).resolve().parents[3] / "shared" / "seed" / DEMO_SEED.name
    if original.exists():  # beside the checkout on the project's machines and in CI
        assert DEMO_SEED.read_bytes() == original.read_bytes()
    assert "December 2st" in DEMO_SEED.read_text(encoding="utf-8")  # the author's typo, kept


def test_the_bundled_seed_has_its_date_and_title() -> None:
    seed = load_seed(DEMO_SEED)
    assert seed.seed_id == "blinken-lavrov-stockholm-2021-12-02"
    assert seed.published_at == datetime(2021, 12, 2, 12, tzinfo=UTC)
    assert seed.title.startswith("Blinken and Lavrov meet in Stockholm")


def test_the_date_comes_from_the_flag_then_the_sidecar_then_the_name(tmp_path: Path) -> None:
    named = tmp_path / "talks-2021-12-02.txt"
    named.write_text(TEXT)
    assert load_seed(named).published_at == datetime(2021, 12, 2, 12, tzinfo=UTC)
    named.with_suffix(".toml").write_text(
        "published = 2021-12-01T18:30:00+01:00\ntitle = 'Talks'\n"
    )
    seed = load_seed(named)
    assert (seed.published_at, seed.title) == (datetime(2021, 12, 1, 17, 30, tzinfo=UTC), "Talks")
    assert load_seed(named, "2021-12-03").published_at == datetime(2021, 12, 3, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "content", "date", "message"),
    [
        ("talks.txt", TEXT, None, "no date for the seed talks.txt: pass --seed-date"),
        ("talks.txt", TEXT, "soon", "the seed date must be a date like 2021-12-02"),
        ("talks.txt", "Too short.", "2021-12-02", "too little text"),
        ("absent.txt", None, None, "no seed file at"),
    ],
)
def test_bad_seeds_get_one_line(
    tmp_path: Path, name: str, content: str | None, date: str | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(SeedError, match=message):
        load_seed(path, date)
