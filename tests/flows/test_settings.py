"""Settings: defaults, the shipped file, a user file, the environment and flags."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from parallax.flows.errors import ConfigError
from parallax.flows.resources import defaults_file
from parallax.flows.settings import Settings, load_settings, read_toml


def test_the_shipped_file_states_exactly_the_code_defaults() -> None:
    shipped = read_toml(defaults_file())
    defaults = Settings()
    documented = {(s, k) for s, table in shipped.items() for k in table}
    declared = {
        (section, f.name)
        for section in ("storage", "http", "ingest", "embed", "cluster", "compare")
        for f in dataclasses.fields(getattr(defaults, section))
    }
    assert documented == declared
    for section, table in shipped.items():
        for key, value in table.items():
            assert getattr(getattr(defaults, section), key) == value, f"{section}.{key}"


def test_precedence_is_file_then_environment_then_flags(tmp_path: Path) -> None:
    user = tmp_path / "mine.toml"
    user.write_text("[http]\nretries = 5\nmax_bytes = 123\n[ingest]\nworkers = 3\n")
    settings = load_settings(
        user,
        overrides={"ingest.workers": 4},
        environ={"PARALLAX_HTTP_MAX_BYTES": "456", "PARALLAX_INGEST_WORKERS": "2"},
    )
    assert settings.http.retries == 5  # from the file
    assert settings.http.max_bytes == 456  # the environment beats the file
    assert settings.ingest.workers == 4  # flags beat both
    assert settings.http.connect_timeout_s == Settings().http.connect_timeout_s  # untouched


def test_parallax_config_names_the_file(tmp_path: Path) -> None:
    user = tmp_path / "mine.toml"
    user.write_text('[storage]\ndb = "elsewhere.duckdb"\n')
    assert load_settings(environ={"PARALLAX_CONFIG": str(user)}).storage.db == "elsewhere.duckdb"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[http]\nretries = 'many'\n", "http.retries .* must be int"),
        ("[http]\nmax_byte = 1\n", "unknown setting 'http.max_byte'"),
        ("[nope]\nx = 1\n", "unknown setting 'nope.x'"),
        ("[http]\nmax_bytes = -5\n", "must be positive"),
        ("[http\n", "not valid TOML"),
        ("http = 3\n", r"\[http\] must be a table"),
    ],
)
def test_bad_settings_files_get_one_clear_line(tmp_path: Path, content: str, message: str) -> None:
    user = tmp_path / "bad.toml"
    user.write_text(content)
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings(user, environ={})
    assert "\n" not in str(caught.value)


def test_a_missing_settings_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(tmp_path / "absent.toml", environ={})


def test_booleans_from_the_environment() -> None:
    env = {"PARALLAX_HTTP_ALLOW_PRIVATE_NETWORK": "yes"}
    assert load_settings(environ=env).http.allow_private_network is True
    with pytest.raises(ConfigError):
        load_settings(environ={"PARALLAX_HTTP_ALLOW_PRIVATE_NETWORK": "maybe"})


def test_host_map_from_the_environment() -> None:
    env = {"PARALLAX_HTTP_HOST_MAP": "a.example=127.0.0.1:8080, b.example=127.0.0.2"}
    assert load_settings(environ=env).http.host_map == {
        "a.example": "127.0.0.1:8080",
        "b.example": "127.0.0.2",
    }
    with pytest.raises(ConfigError, match="host_map"):
        load_settings(environ={"PARALLAX_HTTP_HOST_MAP": "nonsense"})


def test_an_unknown_environment_setting_is_an_error() -> None:
    with pytest.raises(ConfigError, match="PARALLAX_STORGE_DB"):
        load_settings(environ={"PARALLAX_STORGE_DB": "x.duckdb"})


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("ingest.workers", 0),
        ("ingest.article_batch_size", 0),
        ("ingest.max_feed_failure_share", 1.5),
        ("ingest.feed_backoff_step_s", -1),
        ("ingest.max_run_s", 0),
        ("ingest.max_run_s", -5),
    ],
)
def test_ingest_settings_are_range_checked(key: str, value: float) -> None:
    with pytest.raises(ConfigError, match=key.split(".")[1]):
        load_settings(overrides={key: value}, environ={})


def test_embed_languages_are_codes_or_a_star() -> None:
    assert load_settings(None, {"embed.languages": "en, DE"}).embed.model_languages == {"en", "de"}
    assert load_settings(None, {"embed.languages": "*"}).embed.model_languages == frozenset()
    assert Settings().embed.model_languages == {"en"}
    for bad in ("", "english!", "en;de", "e"):
        with pytest.raises(ConfigError, match=r"embed\.languages"):
            load_settings(None, {"embed.languages": bad})


def test_a_claim_judge_must_be_a_folder_on_disk(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"compare\.judge_model: no folder at 'cross-encoder/x'"):
        load_settings(None, {"compare.judge_model": "cross-encoder/x"})
    settings = load_settings(None, {"compare.judge_model": str(tmp_path)})
    assert settings.compare.judge_model == str(tmp_path)
