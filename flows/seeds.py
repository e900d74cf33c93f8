"""The seed document: its text, and the date it anchors the time window on.

The date comes from --seed-date, else from a TOML file beside the seed with the same name
(`published = 2021-12-02`, optional `title`), else from a YYYY-MM-DD in the file name. A date
without a time of day means 12:00 UTC, the middle of that day around the world.
"""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, date, datetime, time
from pathlib import Path

from parallax.analysis.claims import Claim
from parallax.analysis.language_id import detect_language
from parallax.analysis.records import Seed
from parallax.analysis.text import sentences
from parallax.flows.errors import UserInputError
from parallax.flows.resources import seed_file, unknown_seed_hint

_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")
_SLUG = re.compile(r"[^a-z0-9]+")


class SeedError(UserInputError):
    """A seed file that is missing, empty or without a date."""


def parse_when(value: str | date | datetime, what: str) -> datetime:
    """A date or ISO 8601 time as an aware UTC datetime (a bare date means 12:00 UTC)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(12), tzinfo=UTC)
    try:
        if len(value.strip()) == 10:
            return datetime.combine(date.fromisoformat(value.strip()), time(12), tzinfo=UTC)
        return parse_when(datetime.fromisoformat(value.strip()), what)
    except ValueError as err:
        raise SeedError(
            f"{what} must be a date like 2021-12-02 or an ISO 8601 time, not {value!r}"
        ) from err


def load_seed(path: str | Path, seed_date: str | None = None) -> Seed:
    """Read a seed file (or a bundled seed, by name) and find its date; raise SeedError with one
    line when that fails."""
    path = seed_file(path)
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError as err:
        raise SeedError(f"no seed file at {path}{unknown_seed_hint()}") from err
    except (IsADirectoryError, UnicodeDecodeError) as err:
        raise SeedError(f"{path} is not a UTF-8 text file") from err
    if len(text.split()) < 20:
        raise SeedError(
            f"{path} holds too little text to stand for an event ({len(text.split())} words)"
        )
    meta = _sidecar(path)
    when = seed_date or meta.get("published")
    if when is not None and not isinstance(when, str | date | datetime):
        raise SeedError(f"`published` in {path.with_suffix('.toml').name} must be a date")
    if when is None:
        found = _DATE_IN_NAME.search(path.name)
        if not found:
            raise SeedError(
                f"no date for the seed {path.name}: pass --seed-date, or put "
                f"`published = YYYY-MM-DD` in {path.with_suffix('.toml').name}"
            )
        when = found.group(1)
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        first = sentences(text)
        title = (first[0] if first else text)[:200]
    return Seed(
        seed_id=_SLUG.sub("-", path.stem.lower()).strip("-") or "seed",
        text=text,
        published_at=parse_when(when, "the seed date"),
        title=title.strip(),
        path=str(path),
        language=detect_language(text).language,
    )


def _sidecar(path: Path) -> dict[str, object]:
    meta = path.with_suffix(".toml")
    if not meta.is_file() or meta == path:
        return {}
    try:
        return tomllib.loads(meta.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise SeedError(f"{meta} is not valid TOML: {err}") from err


def load_claims(seed: Seed) -> list[Claim]:
    """The seed's claims: from `<seed>.claims.toml` beside it, else its sentences."""
    path = Path(seed.path).with_suffix(".claims.toml") if seed.path else None
    if path is None or not path.is_file():
        return [Claim(f"s{i + 1:02d}", s) for i, s in enumerate(sentences(seed.text))]
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise SeedError(f"{path} is not valid TOML: {err}") from err
    items = data.get("claims")
    if not isinstance(items, list) or not items:
        raise SeedError(f"{path}: no [[claims]] tables found")
    claims = []
    for n, item in enumerate(items, 1):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("text"), str)
            or not item["text"].strip()
        ):
            raise SeedError(f"{path}: claim {n} needs a text")
        claims.append(Claim(str(item.get("id") or f"c{n:02d}"), item["text"].strip()))
    if len({c.claim_id for c in claims}) != len(claims):
        raise SeedError(f"{path}: claim ids must be unique")
    return claims


def load_sides(seed: Seed) -> dict[str, str]:
    """speaker -> side from the [sides] table of the seed's .toml (empty when none)."""
    if not seed.path:
        return {}
    sides = _sidecar(Path(seed.path)).get("sides", {})
    if not isinstance(sides, dict) or not all(isinstance(v, str) for v in sides.values()):
        raise SeedError(
            f"[sides] in {Path(seed.path).with_suffix('.toml')} must map names to sides"
        )
    return {str(k): v for k, v in sides.items()}
