"""The sources file: one [[outlets]] table per outlet, checked with one-line errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from parallax.connectors.records import Outlet
from parallax.connectors.urls import InvalidURL, check_url
from parallax.flows.errors import ConfigError, SourcesError
from parallax.flows.resources import sources_file
from parallax.flows.settings import read_toml

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_KNOWN = {"name", "domain", "country", "language", "kind", "feeds", "sitemaps", "sitemap_sections"}


def _optional_str(item: dict[str, Any], key: str, where: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SourcesError(f"{where}: {key} must be a non-empty string")
    return value.strip()


def _string_list(item: dict[str, Any], key: str, where: str) -> list[str]:
    value = item.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SourcesError(f"{where}: {key} must be a list of non-empty strings")
    return [v.strip() for v in value]


def _outlet(item: Any, where: str) -> Outlet:
    if not isinstance(item, dict):
        raise SourcesError(f"{where}: each [[outlets]] entry must be a table")
    name = _optional_str(item, "name", where)
    if name is None:
        raise SourcesError(f"{where}: name is required")
    where = f"{where} ({name})"
    country = _optional_str(item, "country", where)
    if country is not None and not _COUNTRY.match(country):
        raise SourcesError(
            f"{where}: country must be an ISO 3166 alpha-2 code like 'US', not {country!r}"
        )
    language = _optional_str(item, "language", where)
    if language is not None and not _LANGUAGE.match(language):
        raise SourcesError(
            f"{where}: language must be a code like 'en' or 'pt-BR', not {language!r}"
        )
    feeds = item.get("feeds")
    if not isinstance(feeds, list) or not feeds or not all(isinstance(f, str) for f in feeds):
        raise SourcesError(f"{where}: feeds must be a non-empty list of URLs")
    checked = []
    for feed in feeds:
        try:
            checked.append(check_url(feed))
        except InvalidURL as err:
            raise SourcesError(
                f"{where}: feed {feed[:200]!r} is not an http(s) URL ({err.reason})"
            ) from err
    sitemaps = []
    for sitemap in _string_list(item, "sitemaps", where):
        try:
            sitemaps.append(check_url(sitemap))
        except InvalidURL as err:
            raise SourcesError(
                f"{where}: sitemap {sitemap[:200]!r} is not an http(s) URL ({err.reason})"
            ) from err
    sections = _string_list(item, "sitemap_sections", where)
    for section in sections:
        if not section.startswith("/"):
            raise SourcesError(
                f"{where}: sitemap_sections are URL paths starting with '/', not {section[:200]!r}"
            )
    extra = {k: v for k, v in item.items() if k not in _KNOWN}
    return Outlet(
        name=name,
        feeds=tuple(dict.fromkeys(checked)),
        domain=_optional_str(item, "domain", where),
        country=country,
        language=language,
        kind=_optional_str(item, "kind", where),
        extra=extra,
        sitemaps=tuple(dict.fromkeys(sitemaps)),
        sitemap_sections=tuple(dict.fromkeys(sections)),
    )


def load_sources(path: str | Path) -> list[Outlet]:
    """Read and check a sources file (or `live`/`demo`, the bundled ones); raise SourcesError
    naming the file and the problem."""
    path = sources_file(path)
    try:
        data = read_toml(path)
    except ConfigError as err:
        raise SourcesError(f"sources: {err}") from err
    items = data.get("outlets")
    if not isinstance(items, list) or not items:
        raise SourcesError(f"{path}: no [[outlets]] tables found")
    outlets = [_outlet(item, f"{path}: outlet {i + 1}") for i, item in enumerate(items)]
    names: set[str] = set()
    owner: dict[str, str] = {}
    for outlet in outlets:
        if outlet.name in names:
            raise SourcesError(f"{path}: outlet {outlet.name!r} appears twice")
        names.add(outlet.name)
        for feed in outlet.feeds:
            if feed in owner:
                raise SourcesError(
                    f"{path}: feed {feed} is listed under both {owner[feed]!r} and {outlet.name!r}"
                )
            owner[feed] = outlet.name
    return outlets
