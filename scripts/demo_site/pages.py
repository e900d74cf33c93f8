"""What every article page shares across layouts: context, head, body blocks, dates, scripts."""

from __future__ import annotations

import html
import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .furniture import Comment, Furniture
from .stories import Article, Outlet

# Month names spelled out here: strftime("%B") would follow the machine's locale.
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Offsets of the outlets' home time zones in December, in minutes, and how pages name them.
_ZONES = {0: "GMT", 60: "CET", 120: "EET", 180: "MSK", 330: "IST", -300: "EST", -480: "PST"}
# A live update starts with its time, e.g. "16:05 GMT — ..." (French pages: "16h05 — ...");
# the time is set in bold.
_LIVE_TIME = re.compile(r"(\d{1,2}[:.h]\d{2}(?: [A-Z]{2,5})?)( [\u2014\u2013-] .*)", re.DOTALL)


# Languages written right to left: their pages say so with <html dir="rtl">.
_RTL = ("ar", "fa", "he", "ur")


def esc(text: str) -> str:
    """Escape text for HTML element content (apostrophes and quotes stay as written)."""
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    """Escape text for a double-quoted HTML attribute value."""
    return html.escape(text, quote=True)


@dataclass(frozen=True)
class Page:
    """Everything a layout needs to render one article page."""

    outlet: Outlet
    article: Article
    furniture: Furniture
    related: tuple[Article, ...]
    most_read: tuple[Article, ...]
    comments: tuple[Comment, ...]
    credit: str
    translation_of: str = ""  # the URL of the original, when the article is a translation

    @property
    def url(self) -> str:
        """The canonical URL of the page."""
        return self.outlet.url(self.article.path)

    @property
    def section(self) -> str:
        """The article's first section, which the breadcrumb and analytics name."""
        return self.article.sections[0]

    @property
    def section_label(self) -> str:
        """The first section as a navigation label."""
        return self.section.replace("-", " ").capitalize()

    def phrases(self) -> set[str]:
        """The furniture strings this page shows around the article, headlines aside."""
        return self.furniture.phrases() | {self.outlet.tagline} | {c.text for c in self.comments}

    def headlines(self) -> set[str]:
        """The titles of other articles that this page links to in its boxes and lists."""
        return {a.title for a in (*self.related, *self.most_read)}


def related_articles(outlet: Outlet, article: Article, count: int = 4) -> tuple[Article, ...]:
    """Other articles of the outlet: same event first, then nearest in time."""
    others = [a for a in outlet.articles if a.path != article.path]
    others.sort(
        key=lambda a: (
            a.event != article.event,
            abs((a.published - article.published).total_seconds()),
            a.path,
        )
    )
    return tuple(others[:count])


def most_read(
    outlet: Outlet, article: Article, skip: tuple[Article, ...], count: int = 5
) -> tuple[Article, ...]:
    """A stable pseudo-random pick of other articles, standing in for a "most read" box."""
    taken = {article.path, *(a.path for a in skip)}
    others = [a for a in outlet.articles if a.path not in taken]
    others.sort(key=lambda a: (zlib.crc32(a.path.encode()), a.path))
    return tuple(others[:count])


def zone(when: datetime) -> str:
    """The name of a time's UTC offset as a page prints it, e.g. "GMT" or "UTC+05:45"."""
    offset = when.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    if minutes in _ZONES:
        return _ZONES[minutes]
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def visible_date(when: datetime, style: str) -> str:
    """A date as a page shows it, in one of a few house styles, in the article's own offset."""
    day, month, year = when.day, MONTHS[when.month - 1], when.year
    clock = f"{when.hour:02d}:{when.minute:02d}"
    hour12 = f"{(when.hour - 1) % 12 + 1}:{when.minute:02d} {'AM' if when.hour < 12 else 'PM'}"
    styles = {
        "us": f"{month} {day}, {year}, {hour12} {zone(when)}",
        "us-date": f"{month} {day}, {year}",
        "uk": f"{day} {month} {year}",
        "uk-time": f"{day} {month} {year}, {clock} {zone(when)}",
        "tabloid": f"{clock} {zone(when)}, {day} {month[:3]} {year}",
        "short": f"{day} {month[:3]} {year}, {clock}",
    }
    return styles[style]


def byline_parts(page: Page, style: str) -> tuple[str, str]:
    """The author's name and the date element for the byline, each "" when not shown."""
    article = page.article
    if article.meta == "none":
        return "", ""
    shown = esc(visible_date(article.published, style))
    if article.meta == "full":
        return esc(article.author), (
            f'<time datetime="{article.published.isoformat()}">{shown}</time>'
        )
    # A byline-only page has no machine-readable date: a <time> without datetime or plain text.
    return esc(article.author), shown


def blocks(page: Page, paragraph: Callable[[str], str], live_class: str) -> list[str]:
    """The body as HTML blocks: paragraphs, subheadings, live updates and a wire credit."""
    out = []
    for number, block in enumerate(page.article.blocks, start=1):
        if block.startswith("## "):
            out.append(f"<h2>{esc(block[3:])}</h2>")
        elif page.article.role == "live":
            out.append(
                f'<div class="{live_class}" id="update-{number}"><p>{_live_text(block)}</p></div>'
            )
        else:
            out.append(paragraph(esc(block)))
    if page.credit:
        out.append(f'<p class="credit">— {esc(page.credit)}</p>')
    return out


def _live_text(block: str) -> str:
    """A live update's text with its leading time in bold."""
    match = _LIVE_TIME.fullmatch(block)
    if not match:
        return esc(block)
    return f'<strong class="update-time">{esc(match[1])}</strong>{esc(match[2])}'


def text_direction(page: Page) -> str:
    """The `dir` attribute of a page written right to left, else ""."""
    return ' dir="rtl"' if page.article.language.split("-")[0] in _RTL else ""


def head(page: Page, css: str, og: bool = True) -> str:
    """The <head> element: title, canonical, social and article metadata, feeds, style, script."""
    article, outlet = page.article, page.outlet
    lines = [
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(article.title)} | {esc(outlet.name)}</title>",
        f'<meta name="description" content="{attr(article.summary)}">',
        f'<link rel="canonical" href="{attr(page.url)}">',
    ]
    if og:
        lines += [
            '<meta property="og:type" content="article">',
            f'<meta property="og:title" content="{attr(article.title)}">',
            f'<meta property="og:site_name" content="{attr(outlet.name)}">',
            f'<meta property="og:url" content="{attr(page.url)}">',
        ]
    if article.meta == "full":
        lines += _full_meta(page)
    for feed in outlet.feeds:
        kind = "rss" if feed.format == "rss" else "atom"
        lines.append(
            f'<link rel="alternate" type="application/{kind}+xml" '
            f'title="{attr(feed.title)}" href="{attr(outlet.url(feed.path))}">'
        )
    lines += [f"<style>\n{css.strip()}\n</style>", analytics(page)]
    return "<head>\n" + "\n".join(lines) + "\n</head>"


def _full_meta(page: Page) -> list[str]:
    """Author and date <meta> tags and a JSON-LD NewsArticle, for `meta = "full"` pages."""
    article = page.article
    when = article.published.isoformat()
    lines = []
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": when,
        "inLanguage": article.language,
        "mainEntityOfPage": page.url,
        "publisher": {"@type": "Organization", "name": page.outlet.name},
    }
    if article.author:
        lines.append(f'<meta name="author" content="{attr(article.author)}">')
        data["author"] = {"@type": "Person", "name": article.author}
    if page.translation_of:
        data["translationOfWork"] = {"@id": page.translation_of}
    lines.append(f'<meta property="article:published_time" content="{when}">')
    lines.append(f'<script type="application/ld+json">{script_json(data)}</script>')
    return lines


def script_json(data: object) -> str:
    """JSON that is safe inside a <script> element."""
    # "</" would end the script element early; JSON allows the escaped form "<\/".
    return json.dumps(data, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")


def analytics(page: Page) -> str:
    """An inline analytics stub of the kind most news pages carry."""
    push = script_json(
        {
            "event": "pageview",
            "pageType": "article",
            "section": page.section,
            "site": page.outlet.slug,
        }
    )
    return (
        "<script>\n"
        "window.dataLayer = window.dataLayer || [];\n"
        f"window.dataLayer.push({push});\n"
        "(function () {\n"
        '  var s = document.createElement("script");\n'
        '  s.async = true; s.src = "/static/js/metrics.js";\n'
        "  document.head.appendChild(s);\n"
        "})();\n"
        "</script>"
    )


def page_config(page: Page, element_id: str) -> str:
    """A JSON configuration block for the page's scripts."""
    data = {
        "ads": {"enabled": True, "slots": ["top", "mpu"]},
        "comments": True,
        "consentVersion": 3,
        "section": page.section,
    }
    return f'<script type="application/json" id="{element_id}">{script_json(data)}</script>'


def links(articles: tuple[Article, ...], item: str = "<li>{link}</li>") -> str:
    """Links to articles as list items (or another per-link template)."""
    return "\n".join(
        item.format(link=f'<a href="{attr(a.path)}">{esc(a.title)}</a>') for a in articles
    )


def nav_href(label: str) -> str:
    """The path a navigation label links to."""
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    return "/" if slug in ("home", "front-page") else f"/{slug}/"


def section_href(page: Page) -> str:
    """The path of the article's section front."""
    return f"/{page.section}/"
