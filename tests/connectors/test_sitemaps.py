"""Sitemaps through a real HttpClient on loopback: discovery, windows, indexes and hostile files."""

from __future__ import annotations

import functools
import gzip
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from parallax.connectors.http import HttpClient
from parallax.connectors.records import FetchStatus, Reason
from parallax.connectors.sitemaps import SitemapListing, discover, list_window
from tests.connectors.loopback import loopback_client
from tests.connectors.sitemap_site import File, SitemapSite

SITE = "http://news.example"
HOSTS = ("news.example", "www.news.example", "video.news.example", "other.example")
SINCE, UNTIL = date(2024, 5, 10), date(2024, 5, 20)
CAP = 1_000_000  # http.max_bytes where a test measures a bomb against it

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS_NS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
XML = "application/xml"


@pytest.fixture
def site() -> Iterator[SitemapSite]:
    with SitemapSite() as running:
        yield running


def client(site: SitemapSite, **overrides: Any) -> HttpClient:
    return loopback_client(host_map=site.host_map(*HOSTS), respect_robots=False, **overrides)


def xml(body: str, content_type: str = XML, **headers: str) -> File:
    return (body.encode(), content_type, headers)


def urlset(*entries: str, namespaces: str = NS) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {namespaces}>{"".join(entries)}</urlset>'
    )


def url(loc: str, lastmod: str | None = None) -> str:
    modified = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    return f"<url><loc>{loc}</loc>{modified}</url>"


def news_url(loc: str, published: str, title: str, lastmod: str | None = None) -> str:
    modified = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    return (
        f"<url><loc>{loc}</loc>{modified}<news:news><news:publication><news:name>Daily</news:name>"
        f"<news:language>en</news:language></news:publication>"
        f"<news:publication_date>{published}</news:publication_date>"
        f"<news:title>{title}</news:title></news:news></url>"
    )


def index(*children: tuple[str, str | None]) -> str:
    parts = [
        f"<sitemap><loc>{loc}</loc>" + (f"<lastmod>{mod}</lastmod>" if mod else "") + "</sitemap>"
        for loc, mod in children
    ]
    return f'<?xml version="1.0"?>\n<sitemapindex {NS}>{"".join(parts)}</sitemapindex>'


def listed(listing: SitemapListing) -> list[str]:
    return [u.url for u in listing.urls]


def whys(listing: SitemapListing) -> list[tuple[str, str]]:
    """The refusals as (URL, leading word)."""
    return [(u, why.split(":")[0]) for u, why in listing.refused]


def window(site: SitemapSite, *roots: str, **kwargs: Any) -> SitemapListing:
    http = client(site, **kwargs.pop("http", {}))
    return list_window(list(roots), http, SINCE, UNTIL, **kwargs)


# Discovery


def test_discover_reads_the_sitemap_lines_of_robots_txt(site: SitemapSite) -> None:
    site.files["/robots.txt"] = (
        b"User-agent: *\nDisallow: /private/\n"
        b"Sitemap: http://news.example/sitemap_index.xml\n"
        b"sitemap: /news-sitemap.xml\n"
        b"Sitemap: http://www.news.example/video.xml\n"
        b"Sitemap: http://other.example/theirs.xml\n"
        b"Sitemap: ftp://news.example/old.xml\n"
        b"Sitemap: http://news.example/sitemap_index.xml\n",
        "text/plain",
        {},
    )
    assert discover(f"{SITE}/", client(site)) == [
        f"{SITE}/sitemap_index.xml",
        f"{SITE}/news-sitemap.xml",
        "http://www.news.example/video.xml",
    ]
    assert site.requested == ["/robots.txt"]


@pytest.mark.parametrize("robots", [None, b"User-agent: *\nDisallow:\n", b"<html>oops</html>"])
def test_discover_falls_back_to_sitemap_xml(site: SitemapSite, robots: bytes | None) -> None:
    if robots is not None:
        site.files["/robots.txt"] = (robots, "text/plain", {})
    assert discover(SITE, client(site)) == [f"{SITE}/sitemap.xml"]


def test_discover_falls_back_when_robots_txt_fails(site: SitemapSite) -> None:
    site.files["/robots.txt"] = (b"Sitemap: /x.xml", "text/plain", {"X-Status": "500"})
    assert discover(SITE, client(site)) == [f"{SITE}/sitemap.xml"]


# Indexes and windows


def test_an_index_fetches_only_children_not_ended_before_the_window(site: SitemapSite) -> None:
    months = [(f"{SITE}/sitemap-2024-{m:02}.xml", f"2024-{m:02}-28T23:00:00Z") for m in range(1, 7)]
    site.files["/sitemap.xml"] = xml(
        index(*months, (f"{SITE}/sitemap-undated.xml", None), (f"{SITE}/sitemap-2024.xml", "2024"))
    )
    for m in range(1, 7):
        site.files[f"/sitemap-2024-{m:02}.xml"] = xml(
            urlset(url(f"{SITE}/world/story-{m}", f"2024-{m:02}-15"))
        )
    site.files["/sitemap-undated.xml"] = xml(
        urlset(url(f"{SITE}/world/undated-child", "2024-05-11"))
    )
    site.files["/sitemap-2024.xml"] = xml(urlset())

    listing = window(site, f"{SITE}/sitemap.xml")

    assert site.requested == [
        "/sitemap.xml",
        "/sitemap-2024-05.xml",
        "/sitemap-2024-06.xml",
        "/sitemap-undated.xml",
        "/sitemap-2024.xml",  # year precision: it may end on Dec 31
    ]
    assert listed(listing) == [f"{SITE}/world/story-5", f"{SITE}/world/undated-child"]
    assert listing.skipped["sitemap_before_window"] == 4
    assert listing.refused == []
    assert [f.status for f in listing.fetches] == [FetchStatus.OK] * 5
    assert all(f.body == b"" for f in listing.fetches)  # bodies are not kept
    assert listing.urls[0].sitemap == f"{SITE}/sitemap-2024-05.xml"


def test_window_by_lastmod_takes_whole_utc_days(site: SitemapSite) -> None:
    site.files["/sitemap.xml"] = xml(
        urlset(
            url(f"{SITE}/a", "2024-05-10"),  # first day
            url(f"{SITE}/b", "2024-05-20T23:59:59Z"),  # last second
            url(f"{SITE}/c", "2024-05-21T00:30:00+02:00"),  # 22:30 UTC on the 20th
            url(f"{SITE}/d", "2024-05-09T23:00:00-02:00"),  # 01:00 UTC on the 10th
            url(f"{SITE}/e", "2024-05-09T23:59:59Z"),  # a second early
            url(f"{SITE}/f", "2024-05-21T00:00:00Z"),  # a second late
            url(f"{SITE}/g", "2024-05"),  # month precision: overlaps
            url(f"{SITE}/h", "2024-04"),
            url(f"{SITE}/i"),  # no date
            url(f"{SITE}/j", "not a date"),
            url(f"{SITE}/k", "Sat, 11 May 2024 08:00:00 GMT"),
        )
    )
    listing = window(site, f"{SITE}/sitemap.xml")
    assert listed(listing) == [f"{SITE}/{x}" for x in "abcdgk"]
    assert listing.skipped == {"out_of_window": 3, "undated": 2}
    assert listing.urls[2].lastmod == datetime(2024, 5, 20, 22, 30, tzinfo=UTC)
    assert listing.urls[0].published_at is None

    undated = list_window([f"{SITE}/sitemap.xml"], client(site), SINCE, UNTIL, keep_undated=True)
    assert listed(undated) == [f"{SITE}/{x}" for x in "abcdgijk"]


def test_google_news_publication_dates_and_titles(site: SitemapSite) -> None:
    site.files["/news.xml"] = xml(
        urlset(
            news_url(f"{SITE}/world/kept", "2024-05-12T09:30:00+01:00", "Kept &amp; told"),
            # Published in the window, touched after it: the story is of the window.
            news_url(f"{SITE}/world/touched", "2024-05-19", "Touched", "2024-06-02"),
            # An old story touched in the window is not a story of the window.
            news_url(f"{SITE}/world/old", "2023-01-01T00:00:00Z", "Old", "2024-05-15"),
            namespaces=f"{NS} {NEWS_NS}",
        )
    )
    listing = window(site, f"{SITE}/news.xml")
    assert listed(listing) == [f"{SITE}/world/kept", f"{SITE}/world/touched"]
    first, second = listing.urls
    assert first.published_at == datetime(2024, 5, 12, 8, 30, tzinfo=UTC)
    assert first.title == "Kept & told"
    assert second.lastmod == datetime(2024, 6, 2, tzinfo=UTC)
    assert listing.skipped == {"out_of_window": 1}


def test_sections_keep_only_their_paths(site: SitemapSite) -> None:
    site.files["/sitemap.xml"] = xml(
        urlset(
            url(f"{SITE}/world/europe/a", "2024-05-11"),
            url(f"{SITE}/worldcup/b", "2024-05-11"),
            url(f"{SITE}/politics/c", "2024-05-11"),
            url(f"{SITE}/sport/d", "2024-05-11"),
        )
    )
    listing = window(site, f"{SITE}/sitemap.xml", sections=["/world/", "politics/"])
    assert listed(listing) == [f"{SITE}/world/europe/a", f"{SITE}/politics/c"]
    assert listing.skipped == {"section": 2}


def test_plain_text_sitemaps_list_undated_urls(site: SitemapSite) -> None:
    body = f"\ufeff{SITE}/a\n\n  {SITE}/b  \r\nftp://news.example/c\n{SITE}/a\n"
    site.files["/sitemap.txt"] = (body.encode(), "text/plain", {})
    listing = window(site, f"{SITE}/sitemap.txt", keep_undated=True)
    assert listed(listing) == [f"{SITE}/a", f"{SITE}/b"]
    assert listing.skipped == {"not_http": 1, "duplicate": 1}
    assert listed(window(site, f"{SITE}/sitemap.txt")) == []


# Gzip


def test_gzip_children_are_unpacked(site: SitemapSite) -> None:
    story = urlset(url(f"{SITE}/world/zipped", "2024-05-12")).encode()
    site.files["/sitemap.xml"] = xml(
        index((f"{SITE}/a.xml.gz", None), (f"{SITE}/b.xml", None), (f"{SITE}/c.xml.gz", None))
    )
    site.files["/a.xml.gz"] = (gzip.compress(story), "application/x-gzip", {})
    # gzip bytes without the suffix, and a .gz file sent with Content-Encoding: gzip as well.
    site.files["/b.xml"] = (gzip.compress(story.replace(b"zipped", b"bare")), XML, {})
    doubled = gzip.compress(gzip.compress(story.replace(b"zipped", b"twice")))
    site.files["/c.xml.gz"] = (doubled, "application/gzip", {"Content-Encoding": "gzip"})
    listing = window(site, f"{SITE}/sitemap.xml")
    assert listed(listing) == [f"{SITE}/world/{x}" for x in ("zipped", "bare", "twice")]
    assert listing.refused == []


@functools.cache
def zero_bomb() -> bytes:
    """100 MB of zeros, gzipped (about 100 kB), built once."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1 << 20)
    return b"".join(packer.compress(chunk) for _ in range(100)) + packer.flush()


def test_a_sitemap_bomb_is_refused_at_the_byte_cap(site: SitemapSite) -> None:
    site.files["/bomb.xml.gz"] = (zero_bomb(), "application/gzip", {})
    site.files["/xmlbomb.xml.gz"] = (
        gzip.compress(urlset(url(f"{SITE}/x", "2024-05-12") * 40_000).encode()),
        "application/gzip",
        {},
    )
    began = time.monotonic()
    tracemalloc.start()
    try:
        listing = window(
            site, f"{SITE}/bomb.xml.gz", f"{SITE}/xmlbomb.xml.gz", http={"max_bytes": CAP}
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - began < 2
    assert peak < 8 * CAP
    assert whys(listing) == [
        (f"{SITE}/bomb.xml.gz", "too_large"),
        (f"{SITE}/xmlbomb.xml.gz", "too_large"),
    ]
    assert [(f.status, f.reason) for f in listing.fetches] == [
        (FetchStatus.HARD, Reason.TOO_LARGE)
    ] * 2
    assert listing.urls == []


def test_gzip_inside_gzip_is_refused(site: SitemapSite) -> None:
    inner = gzip.compress(urlset(url(f"{SITE}/x", "2024-05-12")).encode())
    site.files["/nested.xml.gz"] = (gzip.compress(inner), "application/gzip", {})
    site.files["/broken.xml.gz"] = (gzip.compress(b"<urlset/>")[:-6], "application/gzip", {})
    listing = window(site, f"{SITE}/nested.xml.gz", f"{SITE}/broken.xml.gz")
    assert whys(listing) == [
        (f"{SITE}/nested.xml.gz", "gzip_in_gzip"),
        (f"{SITE}/broken.xml.gz", "bad_gzip"),
    ]
    assert {f.reason for f in listing.fetches} == {Reason.DECODE_ERROR}
    assert listing.urls == []


# Loops and bounds


def test_indexes_that_loop_are_read_once(site: SitemapSite) -> None:
    site.files["/sitemap.xml"] = xml(
        index(
            (f"{SITE}/sitemap.xml", None),  # itself
            (f"{SITE}/sub.xml", None),
            (f"{SITE}/stories.xml", None),
        )
    )
    site.files["/sub.xml"] = xml(
        index(
            (f"{SITE}/sitemap.xml/", None),  # its parent, spelled differently
            (f"{SITE}/sub.xml?utm_source=x", None),  # itself
            (f"{SITE}/stories.xml", None),  # a sibling: read already
        )
    )
    site.files["/stories.xml"] = xml(urlset(url(f"{SITE}/world/a", "2024-05-12")))
    listing = window(site, f"{SITE}/sitemap.xml")
    assert site.requested == ["/sitemap.xml", "/sub.xml", "/stories.xml"]
    assert whys(listing) == [
        (f"{SITE}/sitemap.xml", "loop"),
        (f"{SITE}/sitemap.xml/", "loop"),
        (f"{SITE}/sub.xml?utm_source=x", "loop"),
        (f"{SITE}/stories.xml", "duplicate"),
    ]
    assert listed(listing) == [f"{SITE}/world/a"]


def test_no_more_than_max_files_are_fetched(site: SitemapSite) -> None:
    children = [(f"{SITE}/part-{n}.xml", None) for n in range(10)]
    site.files["/sitemap.xml"] = xml(index(*children))
    for n in range(10):
        site.files[f"/part-{n}.xml"] = xml(urlset(url(f"{SITE}/s{n}", "2024-05-12")))
    listing = window(site, f"{SITE}/sitemap.xml", max_files=4)
    assert site.requested == ["/sitemap.xml", "/part-0.xml", "/part-1.xml", "/part-2.xml"]
    assert len(listing.fetches) == 4
    assert whys(listing) == [(f"{SITE}/part-{n}.xml", "too_many_files") for n in range(3, 10)]
    assert listed(listing) == [f"{SITE}/s{n}" for n in range(3)]


def test_indexes_deeper_than_max_depth_are_not_fetched(site: SitemapSite) -> None:
    for level in range(6):
        site.files[f"/level-{level}.xml"] = xml(index((f"{SITE}/level-{level + 1}.xml", None)))
    listing = window(site, f"{SITE}/level-0.xml", max_depth=2)
    assert site.requested == ["/level-0.xml", "/level-1.xml", "/level-2.xml"]
    assert whys(listing) == [(f"{SITE}/level-3.xml", "depth")]


def test_a_file_with_too_many_urls_is_read_up_to_the_cap(site: SitemapSite) -> None:
    entries = "".join(url(f"{SITE}/s/{n}", "2024-05-12") for n in range(50_001))
    site.files["/big.xml"] = xml(urlset(entries))
    listing = window(site, f"{SITE}/big.xml")
    assert len(listing.urls) == 50_000
    assert listing.urls[-1].url == f"{SITE}/s/49999"
    assert whys(listing) == [(f"{SITE}/big.xml", "too_many_urls")]
    assert listing.fetches[0].status is FetchStatus.OK


# Hostile and broken content


LAUGHS = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n else "lol"}">' for n in range(10))


@pytest.mark.parametrize(
    "body",
    [
        f'<?xml version="1.0"?><!DOCTYPE urlset [{LAUGHS}]>{urlset(url("&lol9;"))}',
        f'<?xml version="1.0"?><!DOCTYPE urlset [{LAUGHS}]><urlset {NS} a="&lol9;"/>',
        f'<!DOCTYPE urlset [<!ENTITY big "{"x" * 10_000}">]>'
        + urlset(url(f"{SITE}/&big;" * 1000, "2024-05-12")),
        f'<!DOCTYPE urlset SYSTEM "http://other.example/evil.dtd">{urlset(url("&ext;"))}',
        f'<!DOCTYPE urlset [<!ENTITY ext SYSTEM "file:///etc/passwd">]>{urlset(url("&ext;"))}',
    ],
    ids=["billion-laughs", "laughs-in-attribute", "quadratic", "external-dtd", "external-entity"],
)
def test_entities_and_dtds_are_refused_without_expansion(site: SitemapSite, body: str) -> None:
    site.files["/sitemap.xml"] = xml(body)
    began = time.monotonic()
    listing = window(site, f"{SITE}/sitemap.xml")
    assert time.monotonic() - began < 1
    assert listing.urls == []
    assert whys(listing)[0][1] in ("dtd", "parse_error")
    assert listing.fetches[0].reason is Reason.PARSE_ERROR
    assert site.requested == ["/sitemap.xml"]  # nothing fetched for a DTD or an entity


def test_locs_off_the_site_or_not_http_are_dropped(site: SitemapSite) -> None:
    site.files["/sitemap.xml"] = xml(
        urlset(
            *(
                url(loc, "2024-05-12")
                for loc in (
                    f"{SITE}/ok",
                    "https://www.news.example/www-ok",
                    "http://video.news.example/subdomain-ok",
                    "http://other.example/foreign",
                    "http://evilnews.example/suffix-trick",
                    "http://news.example.other.example/prefix-trick",
                    "http://127.0.0.1/address",
                    "ftp://news.example/ftp",
                    "javascript:alert(1)",
                    "file:///etc/passwd",
                    "http://",
                    "/relative-ok",
                )
            )
        )
    )
    listing = window(site, f"{SITE}/sitemap.xml")
    assert listed(listing) == [
        f"{SITE}/ok",
        "https://www.news.example/www-ok",
        "http://video.news.example/subdomain-ok",
        f"{SITE}/relative-ok",
    ]
    assert listing.skipped == {"off_site": 4, "not_http": 3, "bad_url": 1}


def test_index_children_off_the_site_or_not_http_are_not_fetched(site: SitemapSite) -> None:
    site.files["/sitemap.xml"] = xml(
        index(
            ("http://other.example/theirs.xml", None),
            ("file:///etc/passwd", None),
            ("http://www.news.example/ours.xml", None),
        )
    )
    site.files["/ours.xml"] = xml(urlset(url("http://www.news.example/a", "2024-05-12")))
    listing = window(site, f"{SITE}/sitemap.xml")
    assert site.requested == ["/sitemap.xml", "/ours.xml"]
    assert whys(listing) == [
        ("http://other.example/theirs.xml", "off_site"),
        ("file:///etc/passwd", "not_http"),
    ]
    assert listed(listing) == ["http://www.news.example/a"]


def test_roots_that_are_not_http_are_refused_unfetched(site: SitemapSite) -> None:
    listing = window(site, "ftp://news.example/sitemap.xml", "file:///etc/passwd")
    assert whys(listing) == [
        ("ftp://news.example/sitemap.xml", "not_http"),
        ("file:///etc/passwd", "not_http"),
    ]
    assert listing.fetches == []


def test_remote_failures_are_recorded_not_raised(site: SitemapSite) -> None:
    site.files["/sitemap.xml"] = xml(
        index((f"{SITE}/missing.xml", None), (f"{SITE}/broken.xml", None), (f"{SITE}/ok.xml", None))
    )
    site.files["/broken.xml"] = xml("<h1>oops</h1>", "text/html", **{"X-Status": "500"})
    site.files["/ok.xml"] = xml(urlset(url(f"{SITE}/a", "2024-05-12")))
    listing = window(site, f"{SITE}/sitemap.xml", f"{SITE}/gone.xml")
    assert [(f.url, f.status, f.reason) for f in listing.fetches] == [
        (f"{SITE}/sitemap.xml", FetchStatus.OK, Reason.OK),
        (f"{SITE}/missing.xml", FetchStatus.SOFT, Reason.NOT_FOUND),
        (f"{SITE}/broken.xml", FetchStatus.TEMPORARY, Reason.SERVER_ERROR),
        (f"{SITE}/ok.xml", FetchStatus.OK, Reason.OK),
        (f"{SITE}/gone.xml", FetchStatus.SOFT, Reason.NOT_FOUND),
    ]
    assert listed(listing) == [f"{SITE}/a"]
    assert listing.refused == []


def test_pages_that_are_not_sitemaps_are_refused(site: SitemapSite) -> None:
    site.files["/soft404.xml"] = xml("<html><body>Not here</body></html>", "text/html")
    site.files["/rss.xml"] = xml('<rss version="2.0"><channel/></rss>')
    listing = window(site, f"{SITE}/soft404.xml", f"{SITE}/rss.xml")
    assert [w for _, w in whys(listing)] == ["not_a_sitemap", "not_a_sitemap"]
    assert [(f.status, f.reason) for f in listing.fetches] == [
        (FetchStatus.SOFT, Reason.PARSE_ERROR)
    ] * 2


def test_a_file_cut_short_keeps_what_was_read(site: SitemapSite) -> None:
    whole = urlset(url(f"{SITE}/a", "2024-05-12"), url(f"{SITE}/b", "2024-05-12"))
    site.files["/cut.xml"] = xml(whole[: whole.index("/b")])
    listing = window(site, f"{SITE}/cut.xml")
    assert listed(listing) == [f"{SITE}/a"]
    assert whys(listing) == [(f"{SITE}/cut.xml", "parse_error")]
    assert listing.fetches[0].status is FetchStatus.OK


def test_bad_arguments_raise(site: SitemapSite) -> None:
    http = client(site)
    with pytest.raises(ValueError, match="since"):
        list_window([], http, UNTIL, SINCE)
    with pytest.raises(ValueError, match="max_files"):
        list_window([], http, SINCE, UNTIL, max_files=0)
    with pytest.raises(ValueError, match="roots"):
        list_window(f"{SITE}/sitemap.xml", http, SINCE, UNTIL)
    with pytest.raises(ValueError, match="sections"):
        list_window([], http, SINCE, UNTIL, sections="/world/")
