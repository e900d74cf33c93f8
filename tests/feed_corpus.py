"""feedparser's own test corpus, run through Parallax's byte path: fetch, then parse.

Each corpus file describes itself in a leading comment (`Description:`, `Expect:`, optional
`Header:` and `SkipUnless:` lines); see the README beside the corpus. Every case is served by
one loopback server with the headers its file names (compression/ files with the
Content-Encoding their extension names) and fetched by one HttpClient, so charsets, redirects
and decompression go through connectors/http.py as in production. A file that names no
Content-Type is served as application/xml, as feedparser's harness serves its HTTP cases: under
RFC 3023 that decodes exactly as the local file feedparser's harness parses (charset, else the
XML declaration, else UTF-8), where no Content-Type at all would make feedparser flag every
document "no Content-type specified".

`parse_document` (feedparser exactly as `parse_feed` calls it) gives the result each `Expect:`
expression is evaluated against; `parse_feed` runs on the same bytes to check what Parallax
stores: no exception but NotAFeed, valid strings, http(s) URLs only.
"""

from __future__ import annotations

import ast
import datetime
import io
import re
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser

from parallax.connectors.feeds import NotAFeed, parse_document, parse_feed
from parallax.connectors.http import HttpClient, HttpConfig
from parallax.connectors.records import FeedParse
from tests import netguard
from tests.servers import Reply, TestServer, serving

# feedparser 6.0.14's own test feeds (BSD-2-Clause, LICENSE inside), kept in the repository so
# the suite needs nothing beside the checkout.
CORPUS = Path(__file__).resolve().parent / "data" / "feedparser-6.0.14"
# feedparser's harness serves the corpus here; expectations and Location headers name it.
HARNESS_HOSTS = ("127.0.0.1:8097", "localhost:8097")
# What feedparser's harness sends when a file names no Content-Type (mimetypes' guess for .xml).
DEFAULT_CONTENT_TYPE = "application/xml"
COMPRESSION = {".gz": "gzip", ".z": "deflate"}

# compression/ files carry no comment: feedparser checks them in its TestCompression cases,
# written here as the expressions those assertions amount to.
COMPRESSION_EXPECT = {
    "gzip.gz": "version == 'atom10'",
    "gzip-not-compressed.gz": "bozo and feed['title'] == 'gzip'",
    "gzip-struct-error.gz": "bozo",
    "deflate.z": "version == 'atom10'",
    "deflate-no-headers.z": "version == 'atom10'",
    "deflate-not-compressed.z": "bozo and feed['title'] == 'deflate'",
}
# http/ files hold placeholder Expect lines ("0"): feedparser checks their status and final URL
# in its HTTP status tests instead. Parallax's equivalent is the fetch's reason and final path
# (a file with an ETag is fetched a second time, conditionally, as feedparser's 304 test does).
HTTP_EXPECT = {
    "http/http_redirect_to_304.xml": "not_modified /-/return-304.xml",
    "http/http_status_301.xml": "ok /tests/http/target.xml",
    "http/http_status_302-no-location.xml": "redirect_without_location /tests/http/http_status_302-no-location.xml",
    "http/http_status_302.xml": "ok /tests/http/target.xml",
    "http/http_status_303.xml": "ok /tests/http/target.xml",
    "http/http_status_304.xml": "not_modified /tests/http/http_status_304.xml",
    "http/http_status_307.xml": "ok /tests/http/target.xml",
    "http/http_status_404.xml": "not_found /tests/http/http_status_404.xml",
    "http/target.xml": "ok /tests/http/target.xml",
}

_DESCRIPTION = re.compile(r"Description:\s*(.*?)\s*Expect:\s*(.*)\s*-->")
_SKIP_UNLESS = re.compile(r"SkipUnless:\s*(.*?)\n")
_HEADER = re.compile(r"^Header:\s+([^:]+):(.+)$", re.MULTILINE)
# Byte patterns feedparser's harness decodes before reading a file's comment.
_SIGNATURES = (
    (b"\x4c\x6f\xa7\x94", 0, "cp037"),
    (b"\x00\x00\xfe\xff", 4, "utf-32-be"),
    (b"\xff\xfe\x00\x00", 4, "utf-32-le"),
    (b"\x00\x00\x00\x3c", 0, "utf-32-be"),
    (b"\x3c\x00\x00\x00", 0, "utf-32-le"),
    (b"\x00\x3c\x00\x3f", 0, "utf-16-be"),
    (b"\x3c\x00\x3f\x00", 0, "utf-16-le"),
    (b"\xfe\xff", 2, "utf-16-be"),
    (b"\xff\xfe", 2, "utf-16-le"),
    (b"\xef\xbb\xbf", 3, "utf-8"),
)


@dataclass(frozen=True)
class Case:
    """One corpus file and what it says about itself."""

    name: str  # relative to the corpus, with forward slashes
    body: bytes
    description: str
    expect: str  # a Python expression over feedparser's result
    skip_unless: str = "1"
    headers: tuple[tuple[str, str], ...] = ()  # as feedparser's harness serves the file

    @property
    def folder(self) -> str:
        """The top folder (wellformed/sanitize counted apart: it is 745 cases on its own)."""
        parts = self.name.split("/")
        return "/".join(parts[:2]) if self.name.startswith("wellformed/sanitize/") else parts[0]


def comment_text(data: bytes) -> str:
    """The file as text, decoded the way feedparser's harness does before reading its comment."""
    for signature, skip, codec in _SIGNATURES:
        if data.startswith(signature) and not (skip == 2 and data[2:4] == b"\x00\x00"):
            return data[skip:].decode(codec, errors="replace")
    return data.decode("utf-8", errors="replace")


def read_case(path: Path, root: Path) -> Case:
    """A Case from one corpus file; compression files get their expectations from the table."""
    name = path.relative_to(root).as_posix()
    body = path.read_bytes()
    if path.suffix in COMPRESSION:
        return Case(name, body, f"{COMPRESSION[path.suffix]} body", COMPRESSION_EXPECT[path.name])
    text = comment_text(body)
    found = _DESCRIPTION.search(text)
    if not found:
        raise ValueError(f"{name}: no Description/Expect comment")
    skip = _SKIP_UNLESS.search(text)
    headers = tuple((k.strip(), v.strip()) for k, v in _HEADER.findall(text.split("-->")[0]))
    return Case(
        name,
        body,
        description=found.group(1).strip(),
        expect=found.group(2).strip(),
        skip_unless=skip.group(1).strip() if skip else "1",
        headers=headers,
    )


def load_cases(root: Path = CORPUS) -> list[Case]:
    """Every case of the corpus, in a stable order."""
    paths = sorted(p for p in root.rglob("*") if p.suffix in (".xml", *COMPRESSION))
    return [read_case(path, root) for path in paths]


@dataclass
class Outcome:
    """What Parallax's path made of one case."""

    case: Case
    held: bool | None  # None: not evaluated (its SkipUnless failed)
    seconds: float  # the fetch and both parses
    crash: str = ""  # an exception that escaped Parallax's path
    problems: list[str] = field(default_factory=list)  # bad stored strings, traffic off loopback
    detail: str = ""  # why the expectation did not hold
    fetch: str = ""  # the fetch's reason and final path
    entries: int = 0  # entries parse_feed kept


def _empty_result() -> Any:
    """What feedparser returns when there is no document at all."""
    return feedparser.FeedParserDict(
        bozo=False, entries=[], feed=feedparser.FeedParserDict(), headers={}
    )


def _evaluate(expression: str, result: Any) -> tuple[bool, str]:
    """Evaluate a corpus expression the way feedparser's harness does: result keys as names."""
    names = {"feedparser": feedparser, "datetime": datetime, "time": time}
    with warnings.catch_warnings():
        # feedparser's own expressions use its deprecated aliases; that is not Parallax's code.
        warnings.simplefilter("ignore")
        try:
            held = bool(eval(expression, names, result))  # noqa: S307 - corpus expressions
        except Exception as err:  # noqa: BLE001 - a failing expression is a failed expectation
            return False, f"{type(err).__name__}: {err}"[:200]
    return held, "" if held else "the expression is false"


def _skipped(condition: str) -> bool:
    """Whether the case's SkipUnless condition fails here (a missing codec or module)."""
    try:
        return not eval(condition, {"feedparser": feedparser})  # noqa: S307 - corpus condition
    except (ImportError, LookupError, AttributeError):
        return True


def _bad_string(value: object) -> str:
    """Why a stored value is not a clean string, or '' when it is."""
    if not isinstance(value, str):
        return f"not a str: {type(value).__name__}"
    if "\x00" in value:
        return "holds NUL"
    try:
        value.encode("utf-8", errors="strict")
    except UnicodeEncodeError:
        return "not encodable as UTF-8 (lone surrogate)"
    return ""


def stored_problems(parsed: FeedParse) -> list[str]:
    """Everything parse_feed produced that could not be stored as is."""
    problems = []
    values: list[tuple[str, object]] = [("feed title", parsed.title), ("bozo", parsed.bozo)]
    for i, entry in enumerate(parsed.entries):
        for key in ("title", "summary", "author", "guid", "url", "link"):
            value = getattr(entry, key)
            if value is not None or key not in ("author", "guid"):
                values.append((f"entry {i} {key}", value))
        for key in ("url", "link"):
            if not str(getattr(entry, key)).startswith(("http://", "https://")):
                problems.append(f"entry {i} {key} is not http(s): {getattr(entry, key)!r:.80}")
    problems += [f"{where}: {why}" for where, value in values if (why := _bad_string(value))]
    return problems


class CorpusRunner:
    """Runs cases through one loopback server and one HttpClient."""

    def __init__(self, server: TestServer, cases: list[Case]) -> None:
        self.server = server
        self.netloc = f"127.0.0.1:{server.port}"
        self.client = HttpClient(
            HttpConfig(allow_private_network=True, per_host_delay_s=0, retries=0)
        )
        # The target of feedparser's redirect-to-304 case.
        server.route("/-/return-304.xml", Reply(304, headers={"Content-Type": "text/xml"}))
        for case in cases:
            server.route(self.path(case), self._route(case))

    def close(self) -> None:
        """Close the client (the server belongs to the caller)."""
        self.client.close()

    @staticmethod
    def path(case: Case) -> str:
        """Where the case is served, as in feedparser's harness (its expectations name it)."""
        return f"/tests/{case.name}"

    def local(self, text: str) -> str:
        """Text with feedparser's harness address replaced by this server's."""
        for host in HARNESS_HOSTS:
            text = text.replace(host, self.netloc)
        return text

    def _route(self, case: Case) -> Any:
        headers = {name: self.local(value) for name, value in case.headers}
        status = int(headers.pop("Status", "200"))
        if not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = DEFAULT_CONTENT_TYPE
        suffix = Path(case.name).suffix
        if suffix in COMPRESSION:
            headers["Content-Encoding"] = COMPRESSION[suffix]
        etag = headers.get("ETag")
        # Parallax never reads the body of a redirect or an error, and one left unread makes the
        # client drop the connection with a reset that the server thread prints as a traceback.
        body = case.body if 200 <= status < 300 else b""

        def reply(handler: BaseHTTPRequestHandler) -> Reply:
            if etag and handler.headers.get("If-None-Match") == etag:
                return Reply(304, headers={"ETag": etag})
            return Reply(status, body, headers)

        return reply

    def _obtain(self, case: Case) -> tuple[bytes | None, str, str, str]:
        """Body (None when the fetch gave none), Content-Type, document URL, fetch summary."""
        url = self.server.url(self.path(case))
        result = self.client.fetch(url)
        if case.name in HTTP_EXPECT and result.etag:
            result = self.client.fetch(url, etag=result.etag, last_modified=result.last_modified)
        summary = f"{result.reason} {urlsplit(result.final_url).path}"
        if not result.ok:
            return None, "", url, summary
        return result.body, result.content_type, result.final_url, summary

    def run(self, case: Case) -> Outcome:
        """One case: fetch, parse as feedparser does and as Parallax stores it."""
        seen = len(netguard.violations)
        crash, fetched, problems, entries = "", "", [], 0
        document = _empty_result()
        began = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # warnings are errors in tests, and so here
            try:
                body, content_type, url, fetched = self._obtain(case)
                if body is not None:
                    document = parse_document(body, url, content_type=content_type)
                else:  # nothing fetched (404, a refused encoding): parse_feed still sees the file
                    body, content_type = case.body, ""
                parsed = parse_feed(body, url, content_type=content_type)
                problems, entries = stored_problems(parsed), len(parsed.entries)
            except NotAFeed:
                pass
            except Exception as err:  # noqa: BLE001 - a crash is what this run counts
                crash = f"{type(err).__name__}: {err}"[:300]
        seconds = time.perf_counter() - began
        problems += netguard.violations[seen:]
        if case.name in HTTP_EXPECT:
            held, detail = fetched == HTTP_EXPECT[case.name], fetched
        elif _skipped(case.skip_unless):
            held, detail = None, f"SkipUnless {case.skip_unless}"
        else:
            held, detail = _evaluate(self.local(case.expect), document)
        return Outcome(case, held, seconds, crash, problems, detail, fetched, entries)


@contextmanager
def corpus_runner(cases: list[Case]) -> Iterator[CorpusRunner]:
    """A runner on a fresh loopback server, closed afterwards."""
    with serving() as server:
        runner = CorpusRunner(server, cases)
        try:
            yield runner
        finally:
            runner.close()


def run_corpus(cases: list[Case]) -> list[Outcome]:
    """Every case, in order."""
    with corpus_runner(cases) as runner:
        return [runner.run(case) for case in cases]


# Keys that feedparser's own fetcher adds to its result; Parallax's fetch keeps them apart.
HTTP_METADATA = frozenset({"etag", "headers", "href", "modified", "status"})


def _names(expression: str) -> set[str]:
    """The names an expression reads."""
    tree = ast.parse(expression, mode="eval")
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def _holds_as_a_file(case: Case) -> bool:
    """Whether the expectation holds when feedparser parses the file with no URL or headers."""
    return _evaluate(case.expect, feedparser.parse(io.BytesIO(case.body)))[0]


def difference(outcome: Outcome) -> str:
    """Why an expectation fails on Parallax's path: one of DIFFERENCES, or 'unexplained'."""
    headers = {name.lower() for name, _ in outcome.case.headers}
    if outcome.fetch.startswith("decode_error"):
        return "content-encoding"
    if "content-location" in headers:
        return "content-location"
    if "content-language" in headers:
        return "content-language"
    if _names(outcome.case.expect) & HTTP_METADATA:
        return "http-metadata"
    if _holds_as_a_file(outcome.case):
        return "document-url"
    return "unexplained"


# Where Parallax's path deliberately differs from feedparser's harness.
DIFFERENCES = {
    "content-encoding": "a body not valid for its Content-Encoding is refused (decode_error); "
    "feedparser falls back to the raw bytes",
    "content-location": "links resolve against the URL Parallax fetched; the Content-Location "
    "header does not reach the parser",
    "content-language": "the Content-Language header does not reach the parser",
    "http-metadata": "ETag and response headers stay on FetchResult, not in feedparser's result",
    "document-url": "relative references resolve against the feed's URL; feedparser's harness "
    "parses a local file, with no URL",
}
