"""How URL paths on an outlet's domain map to files of the static site, and stable ids."""

from __future__ import annotations

import zlib


def site_file(path: str) -> str:
    """The file under `site/<domain>/` that serves a URL path.

    A path whose last segment has a dot (`/a/b.html`, `/world/rss.xml`, `/robots.txt`) is that
    file; any other path, with or without a trailing slash (`/a/b/`, `/a/b`), is the directory
    `a/b/` and is served by its `index.html`. A static server maps request paths the same way.
    """
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if "." in last and not path.endswith("/"):
        return path.lstrip("/")
    stem = path.strip("/")
    return f"{stem}/index.html" if stem else "index.html"


def feed_item_id(outlet_slug: str, path: str) -> str:
    """A feed item id that stays the same while the article's path does: `<slug>-<n>`."""
    # CRC-32 of the path: stable across runs and Python versions, unlike hash().
    return f"{outlet_slug}-{zlib.crc32(path.encode('utf-8'))}"
