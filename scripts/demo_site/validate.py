"""Cross-checks of a loaded corpus against the stories format, and the corpus summary."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from .stories import NEIGHBOUR_EVENTS, SEED_EVENT, Article, Corpus, Outlet
from .urls import feed_item_id, site_file

_FeedRow = tuple[str, str, tuple[str, ...], str]
_OutletRow = tuple[str, str, str, str, str, tuple[_FeedRow, ...]]

# The fixed outlet table of STORIES-FORMAT.md: slug -> (name, domain, kind, country, layout,
# feeds as (path, format, sections, language)). A stories file must agree with it.
OUTLET_TABLE: dict[str, _OutletRow] = {
    "northwire": (
        "Northwire",
        "northwire.example",
        "wire",
        "US",
        "wire",
        (
            ("/world/rss.xml", "rss", ("world",), "en"),
            ("/politics/atom.xml", "atom", ("politics",), "en"),
        ),
    ),
    "abs": (
        "Albion Broadcasting Service",
        "abs-news.example",
        "public",
        "GB",
        "broadcaster",
        (
            ("/news/world/rss.xml", "rss", ("world",), "en"),
            ("/arabic/rss.xml", "rss", ("arabic",), "ar"),
        ),
    ),
    "rheinpost": (
        "Rhein Post",
        "rheinpost.example",
        "private",
        "DE",
        "classic",
        (
            ("/english/rss.xml", "rss", ("world", "politics"), "en"),
            ("/rss/nachrichten.xml", "rss", ("politik", "wirtschaft"), "de"),
        ),
    ),
    "clarion": (
        "The Daily Clarion",
        "dailyclarion.example",
        "tabloid",
        "US",
        "tabloid",
        (
            ("/feeds/news.rss", "rss", ("world",), "en"),
            ("/feeds/politics.rss", "rss", ("politics",), "en"),
        ),
    ),
    "apr": (
        "Atlantic Policy Review",
        "apreview.example",
        "magazine",
        "US",
        "magazine",
        (("/analysis/feed.atom", "atom", ("analysis",), "en"),),
    ),
    "courier": (
        "Moskva Courier",
        "moskvacourier.example",
        "state",
        "RU",
        "classic",
        (
            ("/en/feed.atom", "atom", ("world",), "en"),
            ("/ru/feed.atom", "atom", ("mir",), "ru"),
            ("/ar/feed.atom", "atom", ("arabic",), "ar"),
        ),
    ),
    "dnipro": (
        "Dnipro Daily",
        "dniprodaily.example",
        "private",
        "UA",
        "modern",
        (
            ("/rss/all.xml", "rss", ("world", "politics"), "en"),
            ("/rss/politics.xml", "rss", ("politics",), "en"),
            ("/uk/rss.xml", "rss", ("polityka", "suspilstvo"), "uk"),
        ),
    ),
    "signal": (
        "Stockholm Signal",
        "stockholmsignal.example",
        "public",
        "SE",
        "broadcaster",
        (("/feeds/world.atom", "atom", ("world",), "en"),),
    ),
    "quotidien": (
        "Le Quotidien Global",
        "quotidienglobal.example",
        "private",
        "FR",
        "modern",
        (
            ("/en/atom.xml", "atom", ("world", "analysis"), "en"),
            ("/fr/atom.xml", "atom", ("monde",), "fr"),
        ),
    ),
    "indus": (
        "Indus Chronicle",
        "induschronicle.example",
        "private",
        "IN",
        "classic",
        (("/world/feed.xml", "rss", ("world",), "en"),),
    ),
}

SHORT_BODY = 400
_PATH = re.compile(r"/(?:[A-Za-z0-9][A-Za-z0-9._~-]*/)*(?:[A-Za-z0-9][A-Za-z0-9._~-]*)?")
_LANGUAGE = re.compile(r"[a-z]{2}(?:-[A-Z]{2})?")
_COUNTRY = re.compile(r"[A-Z]{2}")
_DOMAIN = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.example")


def check_corpus(corpus: Corpus, files: dict[str, str]) -> list[str]:
    """Every problem of a corpus beyond single values, as `<file>: <where>: <message>` lines."""
    problems: list[str] = []
    for outlet in corpus.outlets:
        where = files.get(outlet.slug, outlet.slug)
        problems += [f"{where}: [outlet]: {p}" for p in _outlet_problems(outlet)]
        problems += [f"{where}: {p}" for p in _path_problems(outlet)]
        for article in outlet.articles:
            problems += [
                f"{where}: {article.path}: {p}" for p in _article_problems(article, outlet, corpus)
            ]
    for name, count in Counter(o.domain for o in corpus.outlets).items():
        if count > 1:
            problems.append(f"domain {name!r} is used by {count} outlets")
    return problems


def _outlet_problems(outlet: Outlet) -> Iterable[str]:
    """Problems of an outlet's own fields and its place in the fixed outlet table."""
    if not _LANGUAGE.fullmatch(outlet.language):
        yield f"language {outlet.language!r} is not a code like 'en' or 'en-GB'"
    if not _COUNTRY.fullmatch(outlet.country):
        yield f"country {outlet.country!r} is not a two-letter code"
    if not _DOMAIN.fullmatch(outlet.domain):
        yield f"domain {outlet.domain!r} is not a lower-case name under .example"
    fixed = OUTLET_TABLE.get(outlet.slug)
    if fixed is None:
        yield f"slug {outlet.slug!r} is not in the outlet table of STORIES-FORMAT.md"
        return
    name, domain, kind, country, layout, feeds = fixed
    actual = (outlet.name, outlet.domain, outlet.kind, outlet.country, outlet.layout)
    for key, want, got in zip(
        ("name", "domain", "kind", "country", "layout"),
        (name, domain, kind, country, layout),
        actual,
        strict=True,
    ):
        if want != got:
            yield f"{key} = {got!r}, but the outlet table says {want!r}"
    got_feeds = tuple((f.path, f.format, f.sections, f.language) for f in outlet.feeds)
    if sorted(got_feeds) != sorted(feeds):
        yield f"feeds {got_feeds} differ from the outlet table's {feeds}"
    for feed in outlet.feeds:
        if not _LANGUAGE.fullmatch(feed.language):
            yield f"feed {feed.path}: language {feed.language!r} is not a code like 'en' or 'en-GB'"


def _path_problems(outlet: Outlet) -> Iterable[str]:
    """Malformed, duplicate or colliding paths of an outlet's pages and feeds."""
    owners: dict[str, str] = {"robots.txt": "robots.txt", "index.html": "the home page"}
    paths = [(f.path, f"feed {f.path}") for f in outlet.feeds]
    paths += [(a.path, a.path) for a in outlet.articles]
    for path, what in paths:
        problem = path_problem(path, is_feed=what.startswith("feed "))
        if problem:
            yield f"{what}: {problem}"
            continue
        file = site_file(path)
        if owners.get(file) == what:
            yield f"{what}: the path is used twice"
        elif file in owners:
            yield f"{what}: its file {file} is also that of {owners[file]}"
        owners[file] = what
    files = set(owners)
    for file, what in sorted(owners.items()):
        parents = [p for p in _parents(file) if p in files]
        if parents:
            yield f"{what}: its file {file} sits below the file {parents[0]}"
    ids = Counter(feed_item_id(outlet.slug, path) for path in {a.path for a in outlet.articles})
    for item_id, count in sorted(ids.items()):
        if count > 1:
            yield f"{count} paths share the feed item id {item_id}; rename one of them"


def path_problem(path: str, is_feed: bool = False) -> str:
    """Why a URL path is unusable, or "" when it is fine."""
    if not _PATH.fullmatch(path) or path == "/" or "/./" in path or "/../" in path:
        return "path must start with '/' and use only letters, digits and - . _ ~ between slashes"
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if is_feed:
        return "" if "." in last and not path.endswith("/") else "a feed path must name a file"
    if path.endswith("/") or last.endswith(".html") or "." not in last:
        return ""
    return "an article path must end in '/', '.html' or a bare slug without a dot"


def _parents(file: str) -> list[str]:
    """The directory prefixes of a relative file path, nearest last."""
    parts = file.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _article_problems(article: Article, outlet: Outlet, corpus: Corpus) -> Iterable[str]:
    """Problems of one article that need the rest of the corpus to see."""
    if not _LANGUAGE.fullmatch(article.language):
        yield f"language {article.language!r} is not a code like 'en' or 'en-GB'"
    fed = {s for f in outlet.feeds for s in f.sections}
    for section in article.sections:
        if section not in fed:
            yield f"section {section!r} is in none of the outlet's feeds"
    text = "\n\n".join(article.blocks)
    for quote in article.quotes:
        if quote.text and quote.text not in text:
            yield f"quote {quote.text!r} ({quote.speaker}) is not verbatim in the body"
    for feed in outlet.feeds_carrying(article):
        # An edition feed in another language than the outlet's carries that language only.
        if feed.language != outlet.language and article.language != feed.language:
            yield (
                f"language {article.language!r}, but it is in the {feed.language!r} "
                f"feed {feed.path}"
            )
    yield from _copy_problems(article, corpus)
    yield from _translation_problems(article, corpus)


def _copy_problems(article: Article, corpus: Corpus) -> Iterable[str]:
    """Problems of `copy_of`: set exactly on wire copies, pointing at another outlet's article."""
    if article.role != "wire-copy":
        if article.copy_of:
            yield f"copy_of is set but role is {article.role!r}, not 'wire-copy'"
        return
    if not article.copy_of:
        yield "role 'wire-copy' needs copy_of = '<slug>:<path>'"
        return
    original = corpus.article(article.copy_of)
    if original is None:
        yield f"copy_of {article.copy_of!r} names no article of the corpus"
    elif original.outlet == article.outlet:
        yield f"copy_of {article.copy_of!r} is an article of the same outlet"
    elif original.role != "wire":
        yield f"copy_of {article.copy_of!r} has role {original.role!r}, not 'wire'"


def _translation_problems(article: Article, corpus: Corpus) -> Iterable[str]:
    """Problems of `translation_of`: another article of the corpus, in another language."""
    if not article.translation_of:
        return
    if article.role == "wire-copy":
        yield "a translation is not a 'wire-copy': give it another role and no copy_of"
    original = corpus.article(article.translation_of)
    if original is None:
        yield f"translation_of {article.translation_of!r} names no article of the corpus"
    elif original.key == article.key:
        yield "translation_of names the article itself"
    elif original.language == article.language:
        yield f"translation_of {article.translation_of!r} is in the same language"
    elif original.translation_of:
        yield f"translation_of {article.translation_of!r} is itself a translation"


def summary(corpus: Corpus) -> tuple[list[str], list[str]]:
    """Counts of the corpus as printable lines, and warnings for unmet corpus minimums."""
    articles = corpus.articles
    lines = [f"outlets: {len(corpus.outlets)}", f"articles: {len(articles)}"]
    for label, key in (
        ("event", "event"),
        ("role", "role"),
        ("meta", "meta"),
        ("language", "language"),
    ):
        counts = Counter(str(getattr(a, key)) for a in articles)
        lines.append(f"per {label}: " + ", ".join(f"{k} {n}" for k, n in sorted(counts.items())))
    lines.append(f"translations: {sum(bool(a.translation_of) for a in articles)}")
    return lines, _minimum_warnings(corpus) + _short_body_warnings(corpus)


def _short_body_warnings(corpus: Corpus) -> list[str]:
    """Warnings for bodies so short that extractors fall back to cruder algorithms."""
    # Below ~250 characters trafilatura 2.3.1 also runs its fallback extractors, which keep
    # newsletter and cookie texts on most layouts; 400 leaves a margin.
    return [
        f"{corpus.url_of(a)}: body has only {len(a.text)} characters; extraction of pages "
        f"this short picks up page furniture"
        for a in corpus.articles
        if len(a.text) < SHORT_BODY
    ]


def _minimum_warnings(corpus: Corpus) -> list[str]:
    """Warnings for the corpus minimums that the stories do not meet (yet)."""
    articles = corpus.articles
    seed = [a for a in articles if a.event == SEED_EVENT]
    copies = Counter(a.copy_of for a in articles if a.role == "wire-copy")
    wired = [a for a in seed if a.role == "wire" and copies[a.key] >= 2]
    wants = [
        (len(corpus.outlets) >= 8, f"at least 8 outlets (has {len(corpus.outlets)})"),
        (len(articles) >= 60, f"at least 60 articles (has {len(articles)})"),
        (len(seed) >= 20, f"at least 20 articles on {SEED_EVENT} (has {len(seed)})"),
        (bool(wired), f"a wire story on {SEED_EVENT} with at least 2 wire copies"),
    ]
    roles = {a.role for a in seed}
    wants += [
        (r in roles, f"a {r!r} article on {SEED_EVENT}")
        for r in ("preview", "news", "live", "analysis")
    ]
    near = sum(a.event in NEIGHBOUR_EVENTS for a in articles)
    other = sum(a.event == "unrelated" for a in articles)
    wants += [
        (near >= 15, f"at least 15 articles on neighbouring events (has {near})"),
        (other >= 15, f"at least 15 unrelated articles (has {other})"),
    ]
    return [f"corpus minimum not met: {what}" for ok, what in wants if not ok]
