"""URL normalisation, driven by tests/data/urls/normalisation.toml."""

from __future__ import annotations

import tomllib

import pytest

from parallax.connectors.urls import MAX_URL_LENGTH, InvalidURL, absolute_url, normalize_url
from tests.conftest import DATA

CASES = tomllib.loads((DATA / "urls" / "normalisation.toml").read_text("utf-8"))["case"]


@pytest.mark.parametrize("case", CASES, ids=[c["why"] for c in CASES])
def test_normalisation_case(case: dict[str, str]) -> None:
    if "error" in case:
        with pytest.raises(InvalidURL) as caught:
            normalize_url(case["url"])
        assert caught.value.reason == case["error"]
    else:
        assert normalize_url(case["url"]) == case["key"]


def test_normalising_twice_changes_nothing() -> None:
    for case in CASES:
        if "key" in case:
            assert normalize_url(case["key"]) == case["key"]


def test_overlong_urls_are_refused() -> None:
    with pytest.raises(InvalidURL) as caught:
        normalize_url("http://news.example/" + "a" * MAX_URL_LENGTH)
    assert caught.value.reason == "url_too_long"


def test_scheme_relative_links_take_the_feed_scheme() -> None:
    assert absolute_url("//cdn.example/a", "https://news.example/feed") == "https://cdn.example/a"
    assert absolute_url("/b", "http://news.example/feed.xml") == "http://news.example/b"
