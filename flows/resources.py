"""The data Parallax ships: config/ installed as `parallax.config`, found by importlib.resources.

Defaults, the seeds, the live sources file and the offline demo travel inside the package, so a
wheel installed anywhere finds them; nothing here is a path relative to a checkout.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

# The bundled sources files, by the name a user can give instead of a path.
BUNDLED_SOURCES = {"live": "sources.toml", "demo": "demo/sources.toml"}
DEMO_SEED_NAME = "blinken-lavrov-stockholm-2021-12-02"
DEMO_EVENT = "blinken-lavrov-stockholm"  # the seed's event in the demo's labels.csv


def config_dir() -> Path:
    """The installed config/ folder (a real folder: Parallax is never imported from a zip)."""
    found = files("parallax") / "config"
    if not isinstance(found, Path) or not found.is_dir():
        raise FileNotFoundError(f"Parallax's data is missing from its installation ({found})")
    return found


def defaults_file() -> Path:
    """config/parallax.toml: every setting's default, commented."""
    return config_dir() / "parallax.toml"


def demo_dir() -> Path:
    """config/demo: the offline demo's site, sources file and labels."""
    return config_dir() / "demo"


def bundled_seeds() -> dict[str, Path]:
    """Seed name -> the bundled seed document (config/seeds/NAME.txt)."""
    return {path.stem: path for path in sorted((config_dir() / "seeds").glob("*.txt"))}


def seed_file(value: str | Path) -> Path:
    """A seed given as a file, or by the name of a bundled seed; a file of that name wins."""
    path = Path(value)
    if path.exists():
        return path
    bundled = bundled_seeds().get(str(value).removesuffix(".txt"))
    return bundled if bundled is not None else path


def sources_file(value: str | Path) -> Path:
    """A sources file given as a file, or as `live` or `demo` for a bundled one."""
    path = Path(value)
    if path.exists() or str(value) not in BUNDLED_SOURCES:
        return path
    return config_dir() / BUNDLED_SOURCES[str(value)]


def unknown_seed_hint() -> str:
    """What to say after 'no seed file': the names that would have worked."""
    names = ", ".join(bundled_seeds())
    return f" (bundled seeds, usable by name: {names})" if names else ""
