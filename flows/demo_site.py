"""The offline demo web site: every outlet of config/demo/site served from one loopback port.

Feed and article URLs keep their .example hosts; the HTTP client reaches them through a host
map (host -> 127.0.0.1:port), so the request still carries the real Host header and path, and
the server picks the outlet's folder by that header. It answers conditional GETs (ETag and
Last-Modified) and compresses pages when asked, like a real news site behind a CDN.

Every host with labelled stories (config/demo/labels.csv) also serves sitemaps generated from
the labels: `/sitemap.xml`, an index of one child per month (`/sitemaps/YYYY-MM.xml`, with a
<lastmod> of its newest story), each child a urlset of that month's stories with their
<loc> and <lastmod>; its robots.txt names the index in a `Sitemap:` line. A real file at one
of those paths would be served instead. `DemoSite(without_event=...)` serves the feeds as they
read long after an event: without the items that link to the event's stories (the pages stay).
"""

from __future__ import annotations

import csv
import email.utils
import gzip
import hashlib
import http.server
import json
import re
import socket
import threading
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape

from lxml import etree

from parallax.connectors.urls import InvalidURL, normalize_url
from parallax.flows.resources import DEMO_SEED_NAME, bundled_seeds, demo_dir

DEMO_DIR = demo_dir()
DEMO_SITE = DEMO_DIR / "site"
DEMO_SOURCES = DEMO_DIR / "sources.toml"
DEMO_SEED = bundled_seeds()[DEMO_SEED_NAME]
DEMO_LABELS = DEMO_DIR / "labels.csv"
# The snapshot's own time, so Last-Modified does not change with the checkout's file times.
SNAPSHOT_TIME = email.utils.format_datetime(
    email.utils.parsedate_to_datetime("Sat, 18 Dec 2021 12:00:00 GMT"), usegmt=True
)

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


def resolve_path(root: Path, host: str, path: str) -> Path | None:
    """The file for a request: /a/b and /a/b/ mean a/b/index.html; /a/b.html is itself."""
    site = (root / host).resolve()
    if not host or not site.is_dir() or site.parent != root.resolve():
        return None
    relative = unquote(urlsplit(path).path).lstrip("/")
    candidate = (site / relative).resolve()
    if candidate != site and site not in candidate.parents:
        return None  # ../ out of the site
    if candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


def _content_type(path: Path) -> str:
    if path.suffix == ".xml":
        head = path.read_bytes()[:500]
        if b"<feed" in head:
            return _TYPES[".atom"]
        if b"<rss" in head:
            return _TYPES[".rss"]
    return _TYPES.get(path.suffix, "application/octet-stream")


def content_type(path: Path) -> str:
    """The Content-Type the demo site sends for a file (an .xml feed says which kind)."""
    return _content_type(path)


# Labels


@dataclass(frozen=True)
class LabelledStory:
    """One story of labels.csv: where it is, which event it covers, when it was published."""

    url: str  # exactly as labels.csv writes it
    host: str
    event: str
    published_at: datetime  # UTC


def read_labels(path: Path = DEMO_LABELS) -> list[LabelledStory]:
    """Every story labels.csv lists, in its order; published_at in UTC (naive read as UTC)."""
    stories = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            when = datetime.fromisoformat(row["published_at"])
            when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
            host = (urlsplit(row["url"]).hostname or "").lower()
            stories.append(LabelledStory(row["url"], host, row["event"], when))
    return stories


def _normalized(url: str) -> str | None:
    try:
        return normalize_url(url)
    except InvalidURL:
        return None


# Feed items


# No network, no DTD, no entities, no huge trees: the files are the demo's own, but the parser
# is the one anything reading feeds should use. Comments and PIs stay: the XML stays as it was.
_FEED_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)
_ITEM_TAGS = ("{*}item", "{*}entry")
_DATE_TAGS = ("pubDate", "published", "date", "updated")  # in order of preference
_ROOT_START = re.compile(rb"<[A-Za-z_]")


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def item_link(item: etree._Element) -> str | None:
    """An RSS <item>'s <link> text, or an Atom <entry>'s alternate <link href>."""
    for child in item:
        if _local(child.tag) != "link":
            continue
        href = child.get("href")
        if href is not None:
            if child.get("rel", "alternate") == "alternate":
                return str(href).strip()
        elif child.text and child.text.strip():
            return str(child.text).strip()
    return None


def item_time(item: etree._Element) -> datetime | None:
    """When a feed item was published (pubDate, published, dc:date, else updated), in UTC;
    None when it has no date that parses."""
    found = {_local(child.tag): (child.text or "").strip() for child in item}
    for name in _DATE_TAGS:
        text = found.get(name)
        if not text:
            continue
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                continue
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return None


def filter_feed_items(body: bytes, keep: Callable[[etree._Element], bool]) -> bytes:
    """An RSS or Atom document without the <item>/<entry> elements `keep` says no to.

    Everything else stays as it was: with nothing dropped, the very bytes; otherwise the prolog
    (XML declaration) and the end of the file are the original's, and the root is re-serialised
    by lxml (same elements, attributes and whitespace; an empty element may lose the space
    before its `/>`). A dropped item takes its indentation with it. A body that is not XML is
    returned as it is.
    """
    try:
        root = etree.fromstring(body, _FEED_PARSER)
    except etree.XMLSyntaxError:
        return body
    dropped = [item for item in root.iter(*_ITEM_TAGS) if not keep(item)]
    if not dropped:
        return body
    for item in dropped:
        parent = item.getparent()
        if parent is None:
            continue
        previous = item.getprevious()
        # The whitespace before the item becomes what followed it, so the next line keeps
        # its indentation and no blank line is left behind.
        if previous is not None:
            previous.tail = item.tail
        else:
            parent.text = item.tail
        parent.remove(item)
    start = _ROOT_START.search(body)
    prolog = body[: start.start()] if start else b""
    encoding = root.getroottree().docinfo.encoding or "UTF-8"
    epilogue = body[len(body.rstrip()) :]
    serialised: bytes = etree.tostring(root, encoding=encoding, xml_declaration=False)
    return prolog + serialised + epilogue


def _is_feed(file: Path) -> bool:
    return _content_type(file) in (_TYPES[".atom"], _TYPES[".rss"])


# Sitemaps


def _w3c(when: datetime) -> str:
    return when.astimezone(UTC).isoformat()


def sitemap_months(stories: Iterable[LabelledStory]) -> dict[str, list[LabelledStory]]:
    """Stories by month ("YYYY-MM"), months in order, each month's stories oldest first."""
    months: dict[str, list[LabelledStory]] = defaultdict(list)
    for story in stories:
        months[story.published_at.strftime("%Y-%m")].append(story)
    return {
        month: sorted(months[month], key=lambda s: (s.published_at, s.url))
        for month in sorted(months)
    }


def sitemap_index(host: str, stories: Iterable[LabelledStory]) -> bytes:
    """A sitemap index for a host: one child per month with stories, <lastmod> its newest."""
    entries = "".join(
        f"  <sitemap>\n    <loc>{escape(f'http://{host}/sitemaps/{month}.xml')}</loc>\n"
        f"    <lastmod>{_w3c(held[-1].published_at)}</lastmod>\n  </sitemap>\n"
        for month, held in sitemap_months(stories).items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}</sitemapindex>\n"
    ).encode()


def sitemap_urlset(stories: Iterable[LabelledStory]) -> bytes:
    """A urlset of stories, oldest first: <loc> as labels.csv writes it, <lastmod> published."""
    entries = "".join(
        f"  <url>\n    <loc>{escape(story.url)}</loc>\n"
        f"    <lastmod>{_w3c(story.published_at)}</lastmod>\n  </url>\n"
        for story in sorted(stories, key=lambda s: (s.published_at, s.url))
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}</urlset>\n"
    ).encode()


_MONTHLY = re.compile(r"/sitemaps/(\d{4}-\d{2})\.xml")
_DEFAULT_ROBOTS = b"User-agent: *\nDisallow:\n"


def with_sitemap_line(robots: bytes | None, host: str) -> bytes:
    """A robots.txt (or a permissive one, for None) with the host's sitemap index named."""
    body = _DEFAULT_ROBOTS if robots is None else robots
    if body and not body.endswith(b"\n"):
        body += b"\n"
    return body + f"Sitemap: http://{host}/sitemap.xml\n".encode()


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _SiteHTTPServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; with Nagle's algorithm on, keep-alive clients
        # then wait ~40 ms for a delayed ACK on every request.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:
        self.server.requests.append(f"{self.command} {self.headers.get('Host', '')}{self.path}")

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def _serve(self, *, send_body: bool) -> None:
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        file = resolve_path(self.server.root, host, self.path)
        generated = self.server.generated(host, self.path, file)
        if generated is not None:
            body, kind = generated
            self._answer(body, kind, compress=False, send_body=send_body)
            return
        if file is None:
            self._send(404, b"not found\n", "text/plain; charset=utf-8", send_body=send_body)
            return
        body = file.read_bytes()
        if self.server.hidden and _is_feed(file):
            body = filter_feed_items(body, self.server.keeps)
        self._answer(
            body, _content_type(file), compress=file.suffix == ".html", send_body=send_body
        )

    def _answer(self, body: bytes, kind: str, *, compress: bool, send_body: bool) -> None:
        """A 200 with ETag and Last-Modified, or a 304 for a conditional GET that matches."""
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        match = self.headers.get("If-None-Match")
        since = self.headers.get("If-Modified-Since")
        if (match and etag in [m.strip() for m in match.split(",")]) or (
            not match and since == SNAPSHOT_TIME
        ):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        extra = {"ETag": etag, "Last-Modified": SNAPSHOT_TIME}
        if "gzip" in (self.headers.get("Accept-Encoding") or "") and compress:
            body = gzip.compress(body, mtime=0)
            extra["Content-Encoding"] = "gzip"
            extra["Vary"] = "Accept-Encoding"
        self._send(200, body, kind, send_body=send_body, extra=extra)

    def _send(
        self,
        code: int,
        body: bytes,
        content_type: str,
        *,
        send_body: bool,
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)


class _SiteHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        root: Path,
        stories: dict[str, list[LabelledStory]] | None = None,
        hidden: Collection[str] = frozenset(),
    ) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.root = root
        self.requests: list[str] = []
        self.stories = stories or {}  # host -> its labelled stories: its sitemaps
        self.hidden = frozenset(hidden)  # normalised story URLs no feed lists

    def keeps(self, item: etree._Element) -> bool:
        """Whether a feed item stays: its link is not one of the hidden stories."""
        link = item_link(item)
        return link is None or _normalized(link) not in self.hidden

    def generated(self, host: str, path: str, file: Path | None) -> tuple[bytes, str] | None:
        """The body and type of a robots.txt or sitemap made from the labels, else None."""
        stories = self.stories.get(host)
        if not stories:
            return None
        wanted = unquote(urlsplit(path).path)
        if wanted == "/robots.txt":
            robots = file.read_bytes() if file is not None else None
            return with_sitemap_line(robots, host), _TYPES[".txt"]
        if file is not None:
            return None  # a real file wins over a generated sitemap
        if wanted == "/sitemap.xml":
            return sitemap_index(host, stories), _TYPES[".xml"]
        monthly = _MONTHLY.fullmatch(wanted)
        if monthly:
            held = sitemap_months(stories).get(monthly.group(1))
            if held:
                return sitemap_urlset(held), _TYPES[".xml"]
        return None


class DemoSite:
    """A static multi-host site on a free loopback port, served from a thread."""

    def __init__(
        self,
        root: Path = DEMO_SITE,
        *,
        without_event: str | None = None,
        labels: Path | None = DEMO_LABELS,
    ) -> None:
        """Serve `root`; sitemaps come from `labels` (None: no sitemaps, robots.txt as is).

        `without_event`: every feed leaves out the items linking to that event's stories, as
        feeds read long after it do (ValueError when no labelled story has that event).
        """
        if not root.is_dir():
            raise FileNotFoundError(f"no demo site at {root}")
        self.root = root
        self.without_event = without_event
        stories = read_labels(labels) if labels is not None else []
        hidden: set[str] = set()
        if without_event is not None:
            covering = [story for story in stories if story.event == without_event]
            if not covering:
                raise ValueError(f"no labelled story covers the event {without_event!r}")
            hidden = {key for story in covering if (key := _normalized(story.url)) is not None}
        served = {p.name for p in root.iterdir() if p.is_dir()}
        by_host: dict[str, list[LabelledStory]] = defaultdict(list)
        for story in stories:
            if story.host in served:
                by_host[story.host].append(story)
        self._server = _SiteHTTPServer(root, dict(by_host), hidden)
        # serve_forever checks for shutdown every poll_interval; 0.5 s (the default) would add
        # half a second to every stop.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="demo-site",
            daemon=True,
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def hosts(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir())

    @property
    def requests(self) -> list[str]:
        """Every request served so far, as 'GET host/path'."""
        return list(self._server.requests)

    def host_map(self) -> dict[str, str]:
        """host -> 127.0.0.1:port for every outlet of the site."""
        return {host: f"127.0.0.1:{self.port}" for host in self.hosts}

    def start(self) -> DemoSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> DemoSite:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def site_settings(host_map: dict[str, str]) -> str:
    """A Parallax settings file (TOML) that reaches a served demo site: its host map, loopback
    allowed, and no politeness delay (loopback serves instantly)."""
    # JSON strings are valid TOML basic strings: the quoting is exact for any host name.
    hosts = "".join(f"{json.dumps(h)} = {json.dumps(t)}\n" for h, t in sorted(host_map.items()))
    return (
        "# Written by `parallax demo --serve`: reach the demo site it serves on loopback.\n"
        "[http]\nallow_private_network = true\nper_host_delay_s = 0.0\n\n"
        f"[http.host_map]\n{hosts}"
    )
