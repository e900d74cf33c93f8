"""Article extraction and the choice of publication date."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from parallax.connectors.articles import (
    ExtractedPage,
    NoText,
    build_article,
    choose_published,
    extract_page,
)
from parallax.connectors.pagedates import parse_timestamp
from parallax.connectors.records import DateSource, FeedEntry

PAGE = """<html lang="de-DE"><head><meta charset="{charset}"><title>{title} | Rhein Post</title>
<link rel="canonical" href="https://rheinpost.example/english/{slug}.html">
<script type="application/ld+json">{{"@context": "https://schema.org", "@graph": [
 {{"@type": "WebPage"}}, {{"@type": "NewsArticle", "datePublished": "2021-12-02T18:45:00+01:00"}}]}}
</script></head><body><nav>Politik Wirtschaft Sport</nav><article><h1>{title}</h1>
<p class="byline">Von Jürgen Weiß</p>
<p>Die Außenminister trafen sich in Stockholm am Rande des OSZE-Treffens zu einem Gespräch,
das nach Angaben beider Seiten etwa vierzig Minuten dauerte und ohne Durchbruch endete.</p>
<p>Beide Seiten vereinbarten jedoch, den Dialog fortzusetzen, während die Spannungen wegen
der Truppenbewegungen an der Grenze zur Ukraine weiter zunahmen, wie Diplomaten berichteten.</p>
</article><footer>Impressum Datenschutz</footer></body></html>"""


def page(charset: str = "utf-8", title: str = "Gespräch in Stockholm") -> bytes:
    return PAGE.format(charset=charset, title=title, slug="talks").encode(charset)


def test_extracts_text_title_author_language_canonical_and_time() -> None:
    extracted = extract_page(page(), "https://rheinpost.example/english/talks.html?utm_source=x")
    assert extracted.title == "Gespräch in Stockholm"
    assert "vierzig Minuten" in extracted.text
    assert "Impressum" not in extracted.text and "Wirtschaft" not in extracted.text
    assert extracted.language == "de"
    assert extracted.canonical_url == "https://rheinpost.example/english/talks.html"
    assert extracted.date == datetime(2021, 12, 2, 17, 45, tzinfo=UTC)  # JSON-LD in a @graph
    assert extracted.date_has_time


def test_the_header_charset_decodes_the_page() -> None:
    raw = page(charset="iso-8859-1")
    assert "Außenminister" in extract_page(raw, "http://x.example/a", charset="iso-8859-1").text
    # An unknown charset name falls back to detection instead of failing.
    assert "Gespräch" in extract_page(page(), "http://x.example/a", charset="no-such-charset").text


def test_a_page_without_text_raises_no_text() -> None:
    with pytest.raises(NoText):
        extract_page(b"<html><body><nav>Home</nav></body></html>", "http://x.example/")
    with pytest.raises(NoText):
        extract_page(b"", "http://x.example/")


ENTRY = FeedEntry(
    feed_url="http://x.example/feed",
    url="http://x.example/a",
    link="http://x.example/a",
    title="From the feed",
    position=0,
    published_at=datetime(2021, 12, 2, 16, 0, tzinfo=UTC),
)
SEEN = datetime(2021, 12, 3, 9, 0, tzinfo=UTC)


def extracted(date: datetime | None, has_time: bool) -> ExtractedPage:
    return ExtractedPage("text", None, None, date, has_time, None, None, None, None)


@pytest.mark.parametrize(
    ("page_date", "has_time", "entry", "expected"),
    [
        (
            datetime(2021, 12, 2, 15, 0, tzinfo=UTC),
            True,
            ENTRY,
            (datetime(2021, 12, 2, 15, 0, tzinfo=UTC), DateSource.PAGE_META),
        ),
        (datetime(2021, 12, 2, tzinfo=UTC), False, ENTRY, (ENTRY.published_at, DateSource.FEED)),
        (
            datetime(2021, 12, 2, tzinfo=UTC),
            False,
            None,
            (datetime(2021, 12, 2, tzinfo=UTC), DateSource.PAGE_DATE),
        ),
        (None, False, None, (SEEN, DateSource.FIRST_SEEN)),
        (None, False, ENTRY, (ENTRY.published_at, DateSource.FEED)),
    ],
    ids=["page-time-wins", "feed-beats-page-day", "page-day", "first-seen", "feed-only"],
)
def test_the_most_precise_date_wins(
    page_date: datetime | None,
    has_time: bool,
    entry: FeedEntry | None,
    expected: tuple[datetime, DateSource],
) -> None:
    assert choose_published(extracted(page_date, has_time), entry, SEEN) == expected


def test_the_feed_fills_what_the_page_lacks() -> None:
    bare = (
        b"<html><body><article>"
        + b"<p>"
        + b"A sentence about the talks in Stockholm. " * 20
        + b"</p></article></body></html>"
    )
    article = build_article(bare, "http://x.example/a", "Outlet", entry=ENTRY, first_seen=SEEN)
    assert article.title == "From the feed"
    assert (article.published_at, article.date_source) == (ENTRY.published_at, DateSource.FEED)
    assert article.word_count > 100 and len(article.text_hash) == 64


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-12-02T16:20:00+00:00", datetime(2021, 12, 2, 16, 20, tzinfo=UTC)),
        ("2021-12-02T17:20:00+01:00", datetime(2021, 12, 2, 16, 20, tzinfo=UTC)),
        ("2021-12-02T16:20:00Z", datetime(2021, 12, 2, 16, 20, tzinfo=UTC)),
        ("2021-12-02 16:20", datetime(2021, 12, 2, 16, 20, tzinfo=UTC)),
        ("2021-12-02", None),
        ("yesterday", None),
    ],
)
def test_timestamps_need_a_time_of_day(value: str, expected: datetime | None) -> None:
    assert parse_timestamp(value) == expected
