"""The stories format (config/demo/STORIES-FORMAT.md): typed records and a checking loader."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LAYOUTS = ("wire", "broadcaster", "classic", "tabloid", "magazine", "modern")
KINDS = ("wire", "public", "private", "tabloid", "magazine", "state")
FEED_FORMATS = ("rss", "atom")
LINK_STYLES = ("plain", "tracking")
METAS = ("full", "byline", "none")
ROLES = (
    "preview",
    "news",
    "live",
    "analysis",
    "wire",
    "wire-copy",
    "brief",
    "opinion",
    "feature",
)
SEED_EVENT = "blinken-lavrov-stockholm"
NEIGHBOUR_EVENTS = (
    "nato-riga",
    "us-intel-175k",
    "biden-putin-call",
    "russia-draft-treaties",
    "blinken-lavrov-geneva",
    "blinken-lavrov-reykjavik",
)
EVENTS = (SEED_EVENT, *NEIGHBOUR_EVENTS, "unrelated")

_OUTLET_KEYS = ("slug", "name", "domain", "kind", "country", "language", "layout", "tagline")
_FEED_KEYS = ("path", "format", "title", "sections", "link_style", "dates", "language")
_ARTICLE_KEYS = (
    "path",
    "sections",
    "title",
    "summary",
    "published",
    "author",
    "meta",
    "language",
    "event",
    "role",
    "copy_of",
    "translation_of",
    "quotes",
    "body",
)


@dataclass(frozen=True)
class Quote:
    """A direct quotation in an article body, with its speaker."""

    speaker: str
    text: str


@dataclass(frozen=True)
class Feed:
    """One RSS or Atom feed of an outlet."""

    path: str
    format: str
    title: str
    sections: tuple[str, ...]
    link_style: str
    dates: bool
    language: str


@dataclass(frozen=True)
class Article:
    """One article page, as written in a stories file."""

    outlet: str
    path: str
    sections: tuple[str, ...]
    title: str
    summary: str
    published: datetime
    author: str
    meta: str
    language: str
    event: str
    role: str
    copy_of: str
    translation_of: str
    quotes: tuple[Quote, ...]
    body: str

    @property
    def key(self) -> str:
        """The article's corpus-wide id, as `copy_of` and `translation_of` write it."""
        return f"{self.outlet}:{self.path}"

    @property
    def blocks(self) -> tuple[str, ...]:
        """The body's paragraphs, each with its hard line wraps joined by one space."""
        # A line break inside a paragraph is whitespace on the page, so it is one space here.
        raw = self.body.strip().split("\n\n")
        return tuple(
            " ".join(line.strip() for line in b.strip().splitlines()) for b in raw if b.strip()
        )

    @property
    def text(self) -> str:
        """The body text as it reads on the page: paragraphs joined by newlines."""
        return "\n".join(b.removeprefix("## ") for b in self.blocks)


@dataclass(frozen=True)
class Outlet:
    """One invented outlet with its feeds and articles."""

    slug: str
    name: str
    domain: str
    kind: str
    country: str
    language: str
    layout: str
    tagline: str
    feeds: tuple[Feed, ...]
    articles: tuple[Article, ...]

    def url(self, path: str) -> str:
        """The absolute http URL of a path on the outlet's domain."""
        return f"http://{self.domain}{path}"

    def feeds_carrying(self, article: Article) -> tuple[Feed, ...]:
        """The feeds that list an article: those sharing one of its sections."""
        return tuple(f for f in self.feeds if set(f.sections) & set(article.sections))


@dataclass(frozen=True)
class Corpus:
    """All outlets of the demo corpus, sorted by slug."""

    outlets: tuple[Outlet, ...]

    @property
    def articles(self) -> tuple[Article, ...]:
        """Every article of every outlet."""
        return tuple(a for o in self.outlets for a in o.articles)

    def outlet(self, slug: str) -> Outlet:
        """The outlet with a slug."""
        return next(o for o in self.outlets if o.slug == slug)

    def article(self, key: str) -> Article | None:
        """The article with a `<slug>:<path>` key, or None."""
        return next((a for a in self.articles if a.key == key), None)

    def url_of(self, article: Article) -> str:
        """The absolute URL of an article."""
        return self.outlet(article.outlet).url(article.path)


class _Table:
    """A TOML table read with type checks: problems are collected, never raised."""

    def __init__(
        self, data: dict[str, Any], where: str, problems: list[str], known: tuple[str, ...]
    ) -> None:
        self.data, self.where, self.problems = data, where, problems
        for key in sorted(set(data) - set(known)):
            self.problem(f"unknown key {key!r}")

    def problem(self, message: str) -> None:
        """Record one problem at this table's location."""
        self.problems.append(f"{self.where}: {message}")

    def text(
        self,
        key: str,
        choices: tuple[str, ...] = (),
        default: str | None = None,
        blank: bool = True,
    ) -> str:
        """A string value, optionally from a fixed set or required to be more than whitespace."""
        value = self.data.get(key, default)
        if value is None:
            self.problem(f"missing key {key!r}")
            return ""
        if not isinstance(value, str):
            self.problem(f"{key!r} must be a string, not {type(value).__name__}")
            return ""
        if not blank and not value.strip():
            self.problem(f"{key!r} is empty")
        if choices and value not in choices:
            self.problem(f"{key} = {value!r} is not one of {', '.join(choices)}")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        """A non-empty list of non-empty strings."""
        value = self.data.get(key)
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v for v in value)
        ):
            self.problem(f"{key!r} must be a non-empty list of non-empty strings")
            return ()
        return tuple(value)

    def flag(self, key: str) -> bool:
        """A boolean value."""
        value = self.data.get(key)
        if not isinstance(value, bool):
            self.problem(f"{key!r} must be true or false")
            return False
        return value

    def tables(self, key: str) -> list[dict[str, Any]]:
        """A list of tables (an array of tables or inline tables)."""
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(f"{key!r} must be a list of tables")
            return []
        return value


def load_corpus(stories_dir: Path, problems: list[str]) -> Corpus:
    """Read every `*.toml` under a directory into a Corpus, collecting format problems."""
    outlets = []
    for file in sorted(stories_dir.glob("*.toml")):
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(f"{file}: not valid TOML: {exc}")
            continue
        outlets.append(_read_outlet(data, file, problems))
    return Corpus(tuple(outlets))


def _read_outlet(data: dict[str, Any], file: Path, problems: list[str]) -> Outlet:
    """Read one stories file."""
    top = _Table(data, str(file), problems, ("outlet", "articles"))
    raw = data.get("outlet")
    if not isinstance(raw, dict):
        top.problem("missing [outlet] table")
        raw = {}
    table = _Table(raw, f"{file}: [outlet]", problems, (*_OUTLET_KEYS, "feeds"))
    slug = table.text("slug")
    if slug and slug != file.stem:
        table.problem(f"slug {slug!r} differs from the file name {file.stem!r}")
    language = table.text("language")
    feeds = tuple(
        _read_feed(_Table(f, f"{file}: feed {f.get('path', '?')}", problems, _FEED_KEYS), language)
        for f in table.tables("feeds")
    )
    if not feeds:
        table.problem("the outlet has no [[outlet.feeds]]")
    articles = tuple(
        _read_article(
            _Table(a, f"{file}: {a.get('path', '?')}", problems, _ARTICLE_KEYS), slug, language
        )
        for a in top.tables("articles")
    )
    return Outlet(
        slug=slug,
        name=table.text("name", blank=False),
        domain=table.text("domain", blank=False),
        kind=table.text("kind", KINDS),
        country=table.text("country", blank=False),
        language=language,
        layout=table.text("layout", LAYOUTS),
        tagline=table.text("tagline", blank=False),
        feeds=feeds,
        articles=articles,
    )


def _read_feed(table: _Table, outlet_language: str) -> Feed:
    """Read one [[outlet.feeds]] table; its language defaults to the outlet's."""
    return Feed(
        path=table.text("path", blank=False),
        format=table.text("format", FEED_FORMATS),
        title=table.text("title", blank=False),
        sections=table.texts("sections"),
        link_style=table.text("link_style", LINK_STYLES),
        dates=table.flag("dates"),
        language=table.text("language", default=outlet_language),
    )


def _read_article(table: _Table, outlet: str, outlet_language: str) -> Article:
    """Read one [[articles]] table."""
    published = table.text("published")
    try:
        when = datetime.fromisoformat(published)
    except ValueError:
        table.problem(f"published = {published!r} is not an ISO 8601 date-time")
        when = datetime.fromisoformat("2000-01-01T00:00:00+00:00")
    if when.tzinfo is None:
        table.problem(f"published = {published!r} has no UTC offset")
        when = when.replace(tzinfo=UTC)
    quotes = []
    for raw in table.tables("quotes"):
        quote = _Table(raw, table.where, table.problems, ("speaker", "text"))
        quotes.append(Quote(quote.text("speaker", blank=False), quote.text("text", blank=False)))
    return Article(
        outlet=outlet,
        path=table.text("path", blank=False),
        sections=table.texts("sections"),
        title=table.text("title", blank=False),
        summary=table.text("summary", blank=False),
        published=when,
        author=table.text("author"),
        meta=table.text("meta", METAS),
        language=table.text("language", default=outlet_language),
        event=table.text("event", EVENTS),
        role=table.text("role", ROLES),
        copy_of=table.text("copy_of", default=""),
        translation_of=table.text("translation_of", default=""),
        quotes=tuple(quotes),
        body=table.text("body", blank=False),
    )
