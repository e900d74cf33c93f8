"""Outlets' sitemaps as a source of past stories: the URLs a site lists for a window of days.

    discover(site_root, client)   -> sitemap URLs from robots.txt `Sitemap:` lines,
                                     else <site>/sitemap.xml
    list_window(roots, client, since, until)
      -> fetches each sitemap       (HttpClient.fetch only: scheme, address, byte and time caps)
      -> unpacks a gzip file once   (decoded bytes capped at http.max_bytes; gzip in gzip refused)
      -> parses it                  (urlset, sitemapindex, Google News, plain text)
      -> follows index children     (depth, file count, loops and repeats bounded; a child whose
                                     own <lastmod> ends a day before the window is not fetched)
      -> keeps the window's URLs    (by news:publication_date, else <lastmod>; same site only)

A URL's date is its Google News publication date when it has one (the story's own date; an old
story whose <lastmod> moved because the page was touched is not a story of the window), else
its <lastmod>. URLs without either are left out unless keep_undated (plain-text sitemaps carry
no dates). W3C dates of year or month precision match every day of their period.

Every remote failure is data: `fetches` holds one FetchResult per file fetched (bodies
dropped), with a file that arrived but was refused (a bomb, gzip in gzip, a DTD, not a
sitemap) rewritten to its verdict; `refused` names each sitemap not fetched or cut short and
why, the why starting with a fixed word (loop, duplicate, depth, too_many_files,
too_many_urls, too_large, gzip_in_gzip, bad_gzip, dtd, parse_error, not_a_sitemap, not_http,
bad_url, off_site). Nothing here raises for a bad server; bad arguments raise ValueError.

Why not Media Cloud's ultimate-sitemap-parser (usp 1.8.1), the field's library: its web
client can be replaced, but it cannot be held to Parallax's bounds. `SitemapFetcher` fetches
children inside parsing, recursively, and forces its own limits: it calls
`set_max_response_data_length(100 MiB)` on the client and gunzips up to a private 100 MiB
(`__MAX_SITEMAP_SIZE`), to a private depth of 11 (`__MAX_RECURSION_LEVEL`); loops are
checked only against ancestors (no visited set, no file count, so an index fanning out to
indexes that share children is fetched over and over); `get_url_retry_on_client_errors`
retries 5 times with sleeps on top of the client's own retries; a gzip that fails to unpack
(over its cap, say) is parsed as if it were text; every <url> of a file is materialised with
no per-file cap; locs are not checked against the sitemap's host; and the index parser
(`IndexXMLSitemapParser.xml_element_end`) keeps only `sitemap:loc`, dropping the children's
<lastmod>, so months before the window could not be skipped. Its parse-only path
(`SitemapStrParser`) takes a decoded str and leaves every child "Un-fetched". So this module
parses with lxml instead: `iterparse` with no network, no DTD loading, no entity resolution
and huge_tree off; any DOCTYPE is refused outright (sitemaps have none), libxml2's own
amplification guard stops an entity bomb before that, and each entry is cleared once read.
"""

from __future__ import annotations

import io
import ipaddress
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree

from parallax.connectors.decoding import BoundedDecoder, DecodeError, TooLarge
from parallax.connectors.http import HttpClient
from parallax.connectors.records import FetchResult, FetchStatus, Reason
from parallax.connectors.robots import parse_robots_txt, robots_url
from parallax.connectors.urls import InvalidURL, check_url, host_of, normalize_url

SITEMAP_ACCEPT = "application/xml, text/xml;q=0.9, text/plain;q=0.8, */*;q=0.5"
ROBOTS_ACCEPT = "text/plain, */*;q=0.5"
GZIP_MAGIC = b"\x1f\x8b"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
MAX_TEXT = 2000  # characters kept of a title or a date, whatever a file holds


@dataclass(frozen=True)
class SitemapUrl:
    """One story URL a sitemap lists, with the dates and title it gives."""

    url: str
    lastmod: datetime | None
    published_at: datetime | None  # Google News news:publication_date
    title: str | None  # Google News news:title
    sitemap: str  # the sitemap file it came from


@dataclass
class SitemapListing:
    """What list_window found, fetched and refused."""

    urls: list[SitemapUrl] = field(default_factory=list)
    fetches: list[FetchResult] = field(default_factory=list)  # one per file fetched, no bodies
    refused: list[tuple[str, str]] = field(default_factory=list)  # (sitemap URL, why)
    # Entries left out, by reason: out_of_window, undated, section, off_site, not_http,
    # bad_url, duplicate (URLs); sitemap_before_window (index children not fetched).
    skipped: dict[str, int] = field(default_factory=dict)


class _Refusal(Exception):
    """A fetched file that is not read: why (a fixed word first) and the fetch's verdict."""

    def __init__(self, why: str, status: FetchStatus, reason: Reason) -> None:
        super().__init__(why)
        self.why = why
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class _Entry:
    """One <url> or <sitemap> of a file, or one line of a plain-text sitemap, as text."""

    loc: str
    lastmod: str | None = None
    published: str | None = None
    title: str | None = None


@dataclass
class _Parsed:
    index: bool  # a sitemapindex: entries are sitemaps, not stories
    entries: list[_Entry]
    problem: str | None = None  # why the file was read only in part


@dataclass(frozen=True)
class _Pending:
    url: str
    depth: int
    ancestors: tuple[str, ...]  # normalised URLs of the indexes that led here
    site: str  # the root sitemap's site: every child and story must be on it


# Dates


def _period(text: str | None) -> tuple[datetime, datetime] | None:
    """The first and last instant (UTC) a W3C datetime (or an RFC 2822 date) stands for."""
    if not text:
        return None
    text = text.strip()[:64]
    try:
        if len(text) == 4 and text.isdigit():  # YYYY
            first = datetime(int(text), 1, 1, tzinfo=UTC)
            return first, datetime(int(text) + 1, 1, 1, tzinfo=UTC) - timedelta(microseconds=1)
        if len(text) == 7 and text[4] == "-":  # YYYY-MM
            year, month = int(text[:4]), int(text[5:])
            first = datetime(year, month, 1, tzinfo=UTC)
            after = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
            return first, after - timedelta(microseconds=1)
        if len(text) == 10:  # YYYY-MM-DD: the whole day, in UTC
            day = date.fromisoformat(text)
            first = datetime.combine(day, time(), UTC)
            return first, first + timedelta(days=1, microseconds=-1)
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            when = parsedate_to_datetime(text)
    except (ValueError, TypeError, OverflowError, IndexError):
        return None
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return when, when


def _in_window(period: tuple[datetime, datetime], since: date, until: date) -> bool:
    return period[0].date() <= until and period[1].date() >= since


# Sites


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _site_of(url: str) -> str:
    """The site a sitemap speaks for: its host, less a leading `www.`."""
    host = host_of(url).rstrip(".")
    if host.startswith("www.") and host.count(".") >= 2:
        return host[4:]
    return host


def _on_site(host: str, site: str) -> bool:
    """Whether a host is on the site: the site's host, `www.` or another subdomain of it."""
    host = host.lower().rstrip(".")
    if not host or not site:
        return False
    if host == site or host == f"www.{site}":
        return True
    return not _is_ip(site) and host.endswith(f".{site}")


def _resolve(base: str, loc: str) -> str:
    """A listed URL made absolute against the sitemap's (one with a scheme stays as it is)."""
    return loc if _SCHEME.match(loc) else urljoin(base, loc)


# Bytes to entries


def _unpack(body: bytes, limit: int) -> bytes:
    """The sitemap in a body: gunzipped once when it is a gzip file, within `limit` bytes."""
    if not body.startswith(GZIP_MAGIC):
        return body
    decoder = BoundedDecoder("gzip", limit)
    try:
        data = decoder.feed(body) + decoder.flush()
    except TooLarge as err:
        why = f"too_large: unpacks to more than {limit} bytes"
        raise _Refusal(why, FetchStatus.HARD, Reason.TOO_LARGE) from err
    except DecodeError as err:
        raise _Refusal(f"bad_gzip: {err}", FetchStatus.HARD, Reason.DECODE_ERROR) from err
    if data.startswith(GZIP_MAGIC):
        why = "gzip_in_gzip: a gzip file inside a gzip file is not unpacked"
        raise _Refusal(why, FetchStatus.HARD, Reason.DECODE_ERROR)
    return data


def _local(tag: object) -> str:
    """An element's name without its namespace ('' for comments and the like)."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _text(element: etree._Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip()[:MAX_TEXT] or None


def _child(element: etree._Element, name: str) -> etree._Element | None:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _entry(element: etree._Element) -> _Entry | None:
    """A <url> or <sitemap> element as an entry (None without a <loc>)."""
    loc = _text(_child(element, "loc"))
    if loc is None:
        return None
    news = _child(element, "news")
    published = title = None
    if news is not None:
        published = _text(_child(news, "publication_date"))
        title = _text(_child(news, "title"))
    return _Entry(loc, _text(_child(element, "lastmod")), published, title)


def _opened(tree: etree._ElementTree) -> _Parsed:
    """An empty parse for a document's root, or a refusal: not a sitemap, or with a DTD."""
    root = _local(tree.getroot().tag)
    if root not in ("urlset", "sitemapindex"):
        why = f"not_a_sitemap: the document is <{root[:50]}>"
        raise _Refusal(why, FetchStatus.SOFT, Reason.PARSE_ERROR)
    if tree.docinfo.doctype:
        raise _Refusal(
            "dtd: a sitemap with a DOCTYPE is not read", FetchStatus.HARD, Reason.PARSE_ERROR
        )
    return _Parsed(index=root == "sitemapindex", entries=[])


def _parse_xml(data: bytes, max_entries: int) -> _Parsed:
    """Entries of an XML sitemap, read as each ends and then dropped from the tree."""
    events = etree.iterparse(
        io.BytesIO(data),
        events=("end",),
        tag=("{*}url", "{*}sitemap"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    parsed: _Parsed | None = None
    try:
        for _event, element in events:
            if parsed is None:
                parsed = _opened(element.getroottree())
            parent = element.getparent()
            if parent is None or parent.getparent() is not None:
                continue  # the root itself, or an element nested in an entry
            if _local(element.tag) == ("sitemap" if parsed.index else "url"):
                if len(parsed.entries) >= max_entries:
                    parsed.problem = (
                        f"too_many_urls: more than {max_entries} entries; the rest were not read"
                    )
                    break
                entry = _entry(element)
                if entry is not None:
                    parsed.entries.append(entry)
            # Read: drop it, and whatever came before it, so a long file never builds a tree.
            element.clear(keep_tail=False)
            while element.getprevious() is not None:
                del parent[0]
    except etree.LxmlError as err:
        if parsed is None:
            why = f"parse_error: {str(err)[:300]}"
            raise _Refusal(why, FetchStatus.SOFT, Reason.PARSE_ERROR) from err
        # A file cut short (servers time out on long ones): keep what was read before it.
        parsed.problem = f"parse_error: {str(err)[:300]} (after {len(parsed.entries)} entries)"
    if parsed is None:  # no entry at all: the root still decides
        root = events.root
        if root is None:
            raise _Refusal("parse_error: no document", FetchStatus.SOFT, Reason.PARSE_ERROR)
        parsed = _opened(root.getroottree())
    return parsed


def _parse_text(data: bytes, max_entries: int) -> _Parsed:
    """A plain-text sitemap: one URL per line."""
    parsed = _Parsed(index=False, entries=[])
    for line in data.decode("utf-8-sig", errors="replace").splitlines():
        loc = line.strip()
        if not loc:
            continue
        if len(parsed.entries) >= max_entries:
            parsed.problem = f"too_many_urls: more than {max_entries} lines; the rest were not read"
            break
        parsed.entries.append(_Entry(loc))
    return parsed


def _parse(data: bytes, max_entries: int) -> _Parsed:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<") or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _parse_xml(data, max_entries)
    return _parse_text(data, max_entries)


# Discovery and listing


def discover(site_root: str, client: HttpClient) -> list[str]:
    """The site's sitemaps: its robots.txt `Sitemap:` lines on the same site, else /sitemap.xml.

    Never raises for a remote problem: a robots.txt that is missing or fails gives the
    fallback. Raises InvalidURL for a site_root that is not an http(s) URL.
    """
    site_root = check_url(site_root)
    robots = robots_url(site_root)
    found: list[str] = []
    result = client.fetch(robots, accept=ROBOTS_ACCEPT)
    if result.ok:
        rules = parse_robots_txt(result.body)
        site = _site_of(site_root)
        if rules.parser is not None:
            for line in rules.parser.sitemaps:
                url = _resolve(robots, str(line).strip())
                try:
                    check_url(url)
                except InvalidURL:
                    continue
                if _on_site(host_of(url), site) and url not in found:
                    found.append(url)
    return found or [urljoin(robots, "/sitemap.xml")]


def _prefixes(sections: Sequence[str]) -> tuple[str, ...]:
    if isinstance(sections, str):
        raise ValueError("sections must be a sequence of path prefixes, not one string")
    return tuple(s if s.startswith("/") else f"/{s}" for s in sections if s.strip("/ "))


class _Walk:
    """One list_window run: the stack of sitemaps to read and what has come of them."""

    def __init__(
        self,
        client: HttpClient,
        since: date,
        until: date,
        *,
        sections: tuple[str, ...],
        max_files: int,
        max_depth: int,
        max_urls_per_file: int,
        keep_undated: bool,
    ) -> None:
        self.client = client
        self.since, self.until = since, until
        self.sections = sections
        self.max_files, self.max_depth = max_files, max_depth
        self.max_urls_per_file = max_urls_per_file
        self.keep_undated = keep_undated
        self.listing = SitemapListing()
        self.skipped: Counter[str] = Counter()
        self.visited: set[str] = set()
        self.stories: set[str] = set()
        self.files = 0

    def run(self, roots: Sequence[str]) -> SitemapListing:
        stack = [_Pending(url.strip(), 0, (), _site_of(url.strip())) for url in reversed(roots)]
        while stack:
            item = stack.pop()
            stack.extend(reversed(self._visit(item)))
        self.listing.skipped = dict(self.skipped)
        return self.listing

    def _refuse(self, url: str, why: str) -> None:
        self.listing.refused.append((url, why))

    def _visit(self, item: _Pending) -> list[_Pending]:
        """Fetch and read one sitemap; the children of an index come back to be visited."""
        try:
            key = normalize_url(item.url)
        except InvalidURL as err:
            word = "not_http" if err.reason == "bad_scheme" else "bad_url"
            self._refuse(item.url, f"{word}: only http(s) sitemaps are fetched ({err.reason})")
            return []
        if key in item.ancestors:
            self._refuse(item.url, "loop: an index leads back to itself or to an index above it")
            return []
        if key in self.visited:
            self._refuse(item.url, "duplicate: already read in this run")
            return []
        if item.depth > self.max_depth:
            self._refuse(item.url, f"depth: more than {self.max_depth} indexes deep")
            return []
        if self.files >= self.max_files:
            self._refuse(item.url, f"too_many_files: more than {self.max_files} sitemap files")
            return []
        self.visited.add(key)
        self.files += 1
        result = self.client.fetch(item.url, accept=SITEMAP_ACCEPT)
        record = replace(result, body=b"")
        if not result.ok:
            self.listing.fetches.append(record)
            return []
        try:
            parsed = _parse(
                _unpack(result.body, self.client.config.max_bytes), self.max_urls_per_file
            )
        except _Refusal as refusal:
            self.listing.fetches.append(
                replace(record, status=refusal.status, reason=refusal.reason, detail=refusal.why)
            )
            self._refuse(item.url, refusal.why)
            return []
        self.listing.fetches.append(record)
        if parsed.problem:
            self._refuse(item.url, parsed.problem)
        if parsed.index:
            return list(self._children(item, key, parsed.entries))
        for entry in parsed.entries:
            self._story(item, entry)
        return []

    def _children(self, item: _Pending, key: str, entries: list[_Entry]) -> Iterator[_Pending]:
        """An index's children worth fetching: http(s), on the site, not ended before the window."""
        ancestors = (*item.ancestors, key)
        for entry in entries:
            url = _resolve(item.url, entry.loc)
            try:
                check_url(url)
            except InvalidURL as err:
                word = "not_http" if err.reason == "bad_scheme" else "bad_url"
                self._refuse(url[:500], f"{word}: only http(s) sitemaps are fetched")
                continue
            if not _on_site(host_of(url), item.site):
                self._refuse(url[:500], f"off_site: not on {item.site}, whose index lists it")
                continue
            period = _period(entry.lastmod)
            if period is not None and period[1].date() < self.since - timedelta(days=1):
                self.skipped["sitemap_before_window"] += 1
                continue
            yield _Pending(url, item.depth + 1, ancestors, item.site)

    def _story(self, item: _Pending, entry: _Entry) -> None:
        """Keep one listed story if it is fetchable, on the site, in a section and the window."""
        try:
            url = check_url(_resolve(item.url, entry.loc))
        except InvalidURL as err:
            self.skipped["not_http" if err.reason == "bad_scheme" else "bad_url"] += 1
            return
        parts = urlsplit(url)
        if not _on_site(parts.hostname or "", item.site):
            self.skipped["off_site"] += 1
            return
        if self.sections and not parts.path.startswith(self.sections):
            self.skipped["section"] += 1
            return
        lastmod, published = _period(entry.lastmod), _period(entry.published)
        dated = published or lastmod
        if dated is None:
            if not self.keep_undated:
                self.skipped["undated"] += 1
                return
        elif not _in_window(dated, self.since, self.until):
            self.skipped["out_of_window"] += 1
            return
        key = normalize_url(url)
        if key in self.stories:
            self.skipped["duplicate"] += 1
            return
        self.stories.add(key)
        self.listing.urls.append(
            SitemapUrl(
                url=url,
                lastmod=lastmod[0] if lastmod else None,
                published_at=published[0] if published else None,
                title=entry.title,
                sitemap=item.url,
            )
        )


def list_window(
    roots: Sequence[str],
    client: HttpClient,
    since: date,
    until: date,
    *,
    sections: Sequence[str] = (),
    max_files: int = 200,
    max_depth: int = 4,
    max_urls_per_file: int = 50_000,
    keep_undated: bool = False,
) -> SitemapListing:
    """The story URLs the sitemaps at `roots` (and their indexes' children) list for the window.

    The window is [since, until], whole days in UTC. With `sections`, only URLs whose path
    starts with one of the prefixes ("/world/") are kept. At most max_files files are fetched,
    max_depth indexes below a root, and max_urls_per_file entries read from one file; what a
    bound cuts off is named in `refused`. Never raises for a remote problem.
    """
    if isinstance(roots, str):
        raise ValueError("roots must be a sequence of sitemap URLs, not one string")
    if since > until:
        raise ValueError("since must not be after until")
    if min(max_files, max_urls_per_file) <= 0 or max_depth < 0:
        raise ValueError("max_files and max_urls_per_file must be positive, max_depth not negative")
    walk = _Walk(
        client,
        since,
        until,
        sections=_prefixes(sections),
        max_files=max_files,
        max_depth=max_depth,
        max_urls_per_file=max_urls_per_file,
        keep_undated=keep_undated,
    )
    return walk.run(roots)
