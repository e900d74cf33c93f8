"""Render a validated corpus into the files of the demo site, in memory."""

from __future__ import annotations

import re

from .feeds import render_feed
from .furniture import LAYOUT_FURNITURE, pick_comments
from .layouts import LAYOUTS
from .outputs import furniture_toml, home_page, labels_csv, robots_txt, sources_toml
from .pages import Page, most_read, related_articles
from .stories import Article, Corpus, Outlet
from .urls import site_file


class FurnitureClashError(Exception):
    """A furniture phrase also occurs in an article body, so it cannot mark leaked furniture."""


def build(corpus: Corpus) -> dict[str, bytes]:
    """Every output file, keyed by its path relative to the output directory."""
    files: dict[str, bytes] = {}
    phrases: dict[str, set[str]] = {}
    headlines: dict[str, set[str]] = {}
    for outlet in corpus.outlets:
        root = f"site/{outlet.domain}"
        files[f"{root}/robots.txt"] = robots_txt().encode()
        files[f"{root}/index.html"] = home_page(outlet).encode()
        for feed in outlet.feeds:
            files[f"{root}/{site_file(feed.path)}"] = render_feed(outlet, feed)
        phrases[outlet.slug], headlines[outlet.slug] = set(), set()
        for article in outlet.articles:
            page = make_page(corpus, outlet, article)
            files[f"{root}/{site_file(article.path)}"] = LAYOUTS[outlet.layout](page).encode()
            phrases[outlet.slug] |= page.phrases()
            headlines[outlet.slug] |= page.headlines()
    check_phrases(corpus, phrases, headlines)
    files["sources.toml"] = sources_toml(corpus).encode()
    files["labels.csv"] = labels_csv(corpus).encode()
    files["furniture.toml"] = furniture_toml(corpus, phrases, headlines).encode()
    return files


def make_page(corpus: Corpus, outlet: Outlet, article: Article) -> Page:
    """The rendering context of one article page."""
    related = related_articles(outlet, article)
    return Page(
        outlet=outlet,
        article=article,
        furniture=LAYOUT_FURNITURE[outlet.layout].for_outlet(outlet.name),
        related=related,
        most_read=most_read(outlet, article, related),
        comments=pick_comments(outlet.domain, article.path),
        credit=wire_credit(corpus, article),
        translation_of=translation_url(corpus, article),
    )


def wire_credit(corpus: Corpus, article: Article) -> str:
    """The agency a wire copy, or a translated wire story, credits on the page, or ""."""
    original = corpus.article(article.copy_of) if article.role == "wire-copy" else None
    if article.translation_of:
        original = corpus.article(article.translation_of)
    if original is None or original.role != "wire":
        return ""
    agency = corpus.outlet(original.outlet).name
    # A copy whose text already credits the agency needs no second credit line.
    return "" if f"({agency})" in article.body or f"— {agency}" in article.body else agency


def translation_url(corpus: Corpus, article: Article) -> str:
    """The URL of the article a translation renders, or "" for an article in its own words."""
    original = corpus.article(article.translation_of) if article.translation_of else None
    return corpus.url_of(original) if original else ""


def page_text(corpus: Corpus, article: Article) -> str:
    """The article text as a reader sees it: body paragraphs and any wire credit line."""
    credit = wire_credit(corpus, article)
    return article.text + (f"\n— {credit}" if credit else "")


def squash(text: str) -> str:
    """Collapse runs of whitespace to one space, as furniture phrases are matched."""
    return re.sub(r"\s+", " ", text).strip()


def check_phrases(
    corpus: Corpus, phrases: dict[str, set[str]], headlines: dict[str, set[str]]
) -> None:
    """Raise FurnitureClashError when furniture occurs in an article's text.

    A headline may occur only in the text of the article it is the title of, since extractors
    often keep a page's own <h1>.
    """
    texts = [(a, squash(page_text(corpus, a))) for a in corpus.articles]
    clashes = [
        f"{slug}: furniture phrase {phrase!r} occurs in the text of {corpus.url_of(article)}"
        for slug, found in sorted(phrases.items())
        for phrase in sorted(found)
        for article, text in texts
        if squash(phrase) in text
    ]
    clashes += [
        f"{slug}: linked headline {title!r} occurs in the text of {corpus.url_of(article)}"
        for slug, found in sorted(headlines.items())
        for title in sorted(found)
        for article, text in texts
        if squash(title) in text and not (article.outlet == slug and article.title == title)
    ]
    if clashes:
        raise FurnitureClashError("\n".join(clashes))
