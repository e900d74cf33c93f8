"""Settings, declared once and typed: defaults here and in config/parallax.toml (kept equal by a
test), then a user file, then PARALLAX_* environment variables, then command-line flags."""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from parallax.analysis.claims import ClaimParams
from parallax.analysis.cluster import ClusterParams
from parallax.analysis.embed import DEFAULT_MODEL
from parallax.connectors.http import HttpConfig
from parallax.flows.errors import ConfigError

ENV_PREFIX = "PARALLAX_"


@dataclass(frozen=True)
class StorageSettings:
    """Where the database lives and how long to wait for it."""

    db: str = "parallax.duckdb"
    lock_timeout_s: float = 30.0


@dataclass(frozen=True)
class IngestSettings:
    """The [ingest] table: concurrency, caps and the run's verdict."""

    workers: int = 8
    article_batch_size: int = 10
    max_entries_per_feed: int = 500
    max_article_attempts: int = 3
    feed_backoff_step_s: float = 1800.0
    feed_backoff_cap_s: float = 86400.0
    max_feed_failure_share: float = 0.5
    max_run_s: float = 600.0  # past it, fetches not yet begun are deferred to the next run

    def __post_init__(self) -> None:
        for name in (
            "workers",
            "article_batch_size",
            "max_entries_per_feed",
            "max_article_attempts",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"ingest.{name} must be at least 1")
        if self.feed_backoff_step_s < 0 or self.feed_backoff_cap_s < 0:
            raise ValueError("ingest.feed_backoff_step_s and feed_backoff_cap_s cannot be negative")
        if not 0 <= self.max_feed_failure_share <= 1:
            raise ValueError("ingest.max_feed_failure_share must be between 0 and 1")
        if self.max_run_s <= 0:
            raise ValueError("ingest.max_run_s must be positive")

    @property
    def backoff_step(self) -> timedelta:
        return timedelta(seconds=self.feed_backoff_step_s)

    @property
    def backoff_cap(self) -> timedelta:
        return timedelta(seconds=self.feed_backoff_cap_s)


@dataclass(frozen=True)
class EmbedSettings:
    """The [embed] table: which model turns stories into vectors, and how."""

    model: str = DEFAULT_MODEL
    device: str = "cpu"
    batch_size: int = 32
    texts_per_task: int = 256
    languages: str = "en"  # the languages the model reads: codes, comma-separated; "*" for any

    def __post_init__(self) -> None:
        if not self.model.strip():
            raise ValueError("embed.model cannot be empty")
        if self.batch_size < 1 or self.texts_per_task < 1:
            raise ValueError("embed.batch_size and embed.texts_per_task must be at least 1")
        codes = [c.strip() for c in self.languages.split(",")]
        if self.languages.strip() != "*" and not all(
            re.fullmatch(r"[A-Za-z]{2,3}", c) for c in codes
        ):
            raise ValueError(
                'embed.languages must be language codes separated by commas ("en,de"), or "*"'
            )

    @property
    def model_languages(self) -> frozenset[str]:
        """The primary language codes the model reads; empty when it reads any."""
        if self.languages.strip() == "*":
            return frozenset()
        return frozenset(c.strip().lower() for c in self.languages.split(","))


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know besides its sources and seed."""

    storage: StorageSettings = field(default_factory=StorageSettings)
    http: HttpConfig = field(default_factory=HttpConfig)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    embed: EmbedSettings = field(default_factory=EmbedSettings)
    cluster: ClusterParams = field(default_factory=ClusterParams)
    compare: ClaimParams = field(default_factory=ClaimParams)


_SECTIONS: dict[str, type[Any]] = {
    "storage": StorageSettings,
    "http": HttpConfig,
    "ingest": IngestSettings,
    "embed": EmbedSettings,
    "cluster": ClusterParams,
    "compare": ClaimParams,
}


def _field_types(cls: type[Any]) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _coerce(where: str, value: Any, kind: Any) -> Any:
    """Check a value against a field's type, converting the lenient cases (int for float)."""
    origin = typing.get_origin(kind)
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in (
            "1",
            "true",
            "yes",
            "on",
            "0",
            "false",
            "no",
            "off",
        ):
            return value.lower() in ("1", "true", "yes", "on")
    elif kind is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
    elif kind is str:
        if isinstance(value, str):
            return value
    elif origin in (dict, Mapping):
        if isinstance(value, Mapping) and all(isinstance(v, str) for v in value.values()):
            return {str(k): v for k, v in value.items()}
        if isinstance(value, str):  # from the environment: "host=address,host2=address2"
            pairs = [item.partition("=") for item in value.split(",") if item.strip()]
            if all(sep and k.strip() and v.strip() for k, sep, v in pairs):
                return {k.strip(): v.strip() for k, _, v in pairs}
    elif isinstance(kind, types.UnionType):
        return value
    name = (
        "a table of host = address"
        if origin in (dict, Mapping)
        else getattr(kind, "__name__", str(kind))
    )
    raise ConfigError(f"{where} must be {name}, not {value!r}")


def _apply(settings: Settings, overrides: Mapping[str, Any], origin: str) -> Settings:
    """Return settings with dotted keys ("http.max_bytes") replaced, each checked."""
    sections = {name: getattr(settings, name) for name in _SECTIONS}
    for dotted, value in overrides.items():
        section, _, key = dotted.partition(".")
        if section not in _SECTIONS or not key:
            raise ConfigError(f"unknown setting {dotted!r} in {origin}")
        types_ = _field_types(_SECTIONS[section])
        if key not in types_:
            known = ", ".join(sorted(types_))
            raise ConfigError(
                f"unknown setting {dotted!r} in {origin} (known in [{section}]: {known})"
            )
        coerced = _coerce(f"{dotted} in {origin}", value, types_[key])
        try:
            sections[section] = dataclasses.replace(sections[section], **{key: coerced})
        except ValueError as err:
            raise ConfigError(f"{err} (from {origin})") from err
    return Settings(**sections)


def _flatten(data: Mapping[str, Any], origin: str) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for section, table in data.items():
        if not isinstance(table, Mapping):
            raise ConfigError(f"{origin}: [{section}] must be a table of settings")
        for key, value in table.items():
            flat[f"{section}.{key}"] = value
    return flat


def read_toml(path: Path) -> dict[str, Any]:
    """Load a TOML file, with a one-line error for a missing or malformed one."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as err:
        raise ConfigError(f"no such file: {path}") from err
    except IsADirectoryError as err:
        raise ConfigError(f"{path} is a directory, not a TOML file") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path} is not valid TOML: {err}") from err
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path} is not UTF-8 text") from err


def env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """PARALLAX_HTTP_MAX_BYTES=... style variables as dotted settings."""
    found: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name == "PARALLAX_CONFIG":
            continue
        rest = name[len(ENV_PREFIX) :].lower()
        section, _, key = rest.partition("_")
        if section not in _SECTIONS or not key:
            raise ConfigError(f"unknown setting in environment variable {name}")
        found[f"{section}.{key}"] = value
    return found


def load_settings(
    config_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Defaults, then the user's file, then the environment, then explicit overrides."""
    environ = os.environ if environ is None else environ
    settings = Settings()
    path = config_file or environ.get("PARALLAX_CONFIG")
    if path:
        settings = _apply(settings, _flatten(read_toml(Path(path)), str(path)), str(path))
    settings = _apply(settings, env_overrides(environ), "the environment")
    return _apply(settings, overrides or {}, "the command line")
