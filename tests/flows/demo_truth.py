"""The demo corpus's labels and furniture, keyed the way Parallax stores articles."""

from __future__ import annotations

import csv
import json
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime

from parallax.connectors.urls import normalize_url
from parallax.flows.demo_site import DEMO_DIR, DEMO_LABELS


@dataclass(frozen=True)
class Label:
    url: str
    outlet: str
    event: str
    role: str
    title: str
    published_at: datetime
    author: str
    meta: str
    feed_date: bool
    language: str
    quotes: list[dict[str, str]]


def labels() -> dict[str, Label]:
    """Every demo article's truth, by normalised URL."""
    with DEMO_LABELS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {
        normalize_url(row["url"]): Label(
            url=normalize_url(row["url"]),
            outlet=row["outlet"],
            event=row["event"],
            role=row["role"],
            title=row["title"],
            published_at=datetime.fromisoformat(row["published_at"]),
            author=row["author"],
            meta=row["meta"],
            feed_date=row["feed_date"] == "true",
            language=row["language"],
            quotes=json.loads(row["quotes"]),
        )
        for row in rows
    }


def furniture() -> dict[str, list[str]]:
    """Per outlet, phrases of page furniture that must never reach extracted text."""
    data = tomllib.loads((DEMO_DIR / "furniture.toml").read_text("utf-8"))
    return {outlet["name"]: outlet["phrases"] for outlet in data["outlets"]}


def squash(text: str) -> str:
    """Whitespace runs to one space, as the furniture file's phrases are matched."""
    return re.sub(r"\s+", " ", text)
