"""A small news site on loopback for ingest tests: feeds and article pages on one TestServer."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.servers import Reply, Route, TestServer, serving

PAGE = """<!DOCTYPE html><html lang="en"><head><title>{title} | {outlet}</title>
<meta property="article:published_time" content="2021-12-02T{hour:02d}:30:00+00:00">
<meta name="author" content="Ingrid Holm"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>{title}</h1>
<p>{title}, officials said on Thursday. The ministers spoke for about forty minutes in a
conference hall near the harbour, according to officials from both delegations who briefed
reporters afterwards, and story number {n} has its own details.</p>
<p>Neither side announced an agreement, but both said they would keep talking in the coming
weeks, and diplomats described the tone as businesslike rather than warm.</p>
<p>Analysts said the meeting was less about a breakthrough than about keeping a channel open
at a moment of high tension over troop movements near the border.</p>
</article><footer>{outlet}, all rights reserved.</footer></body></html>"""

ITEM = "<item><title>{title}</title><link>{link}</link><guid>{link}</guid></item>"
RSS = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{outlet}</title>'
    "<link>{base}/</link><description>News</description>{items}</channel></rss>"
)
FEED_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}


class NewsSite:
    """Feeds and their article pages; failing feeds on demand; requests counted by path."""

    def __init__(self, server: TestServer, page_delay_s: float = 0.0) -> None:
        self.server = server
        self.page_delay_s = page_delay_s
        self.sources: list[tuple[str, str]] = []  # (outlet, feed URL)

    def article_path(self, slug: str, n: int) -> str:
        return f"/{slug}/news/story-{n}"

    def feed_body(self, slug: str, numbers: range | list[int]) -> bytes:
        items = "".join(
            ITEM.format(
                title=f"Story {n} of {slug}", link=self.server.url(self.article_path(slug, n))
            )
            for n in numbers
        )
        return RSS.format(outlet=slug, base=self.server.url(f"/{slug}"), items=items).encode()

    def add_outlet(self, slug: str, articles: int = 2, feed: Reply | Route | None = None) -> str:
        """An outlet with a feed of `articles` stories and their pages; `feed` replaces its reply."""
        for n in range(articles):
            page = PAGE.format(title=f"Story {n} of {slug}", outlet=slug, n=n, hour=n % 24).encode()
            self.server.route(self.article_path(slug, n), self._page(page))
        path = f"/{slug}/feed.xml"
        self.server.route(
            path, feed or Reply(body=self.feed_body(slug, range(articles)), headers=FEED_TYPE)
        )
        url = self.server.url(path)
        self.sources.append((slug, url))
        return url

    def _page(self, body: bytes) -> Any:
        def reply(_handler: Any) -> Reply:
            if self.page_delay_s:
                time.sleep(self.page_delay_s)
            return Reply(body=body, headers={"Content-Type": "text/html; charset=utf-8"})

        return reply

    def write_sources(self, path: Path) -> Path:
        path.write_text(
            "".join(
                f'[[outlets]]\nname = "{name}"\nfeeds = ["{url}"]\n\n' for name, url in self.sources
            )
        )
        return path

    def hits(self, prefix: str) -> int:
        """Requests whose path starts with prefix."""
        return sum(1 for hit in self.server.hits if hit.startswith(prefix))


@contextmanager
def news_site(page_delay_s: float = 0.0) -> Iterator[NewsSite]:
    with serving() as server:
        yield NewsSite(server, page_delay_s)


# Loopback allowed, no politeness delay and no retries: the tests are about outcomes, not pace.
OVERRIDES: dict[str, Any] = {
    "http.allow_private_network": True,
    "http.per_host_delay_s": 0.0,
    "http.retries": 0,
}
