"""Plain, valid text out of whatever markup and bytes the web sends."""

from __future__ import annotations

import html
import re
import unicodedata

import lxml.html
from lxml import etree

_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_TAG_HINT = re.compile(r"<[a-zA-Z/!]")


def clean_text(value: str | None) -> str:
    """Drop control characters and lone surrogates, collapse runs of spaces, trim.

    Web text can carry NULs, stray C1 controls and unpaired surrogates (from bad decoding),
    which DuckDB and JSON refuse; newlines between paragraphs are kept.
    """
    if not value:
        return ""
    kept = []
    for char in value:
        if char in "\n\t":
            kept.append(char)
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Cs", "Co", "Cn"):
            continue
        kept.append(char)
    text = _SPACE.sub(" ", "".join(kept).replace("\t", " "))
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def markup_to_text(value: str | None) -> str:
    """Text of an HTML fragment (feed titles and summaries), entities resolved."""
    if not value:
        return ""
    if not _TAG_HINT.search(value):
        return clean_text(html.unescape(value))
    try:
        fragment = lxml.html.fragment_fromstring(value, create_parent="div")
    except (etree.ParserError, ValueError):
        return clean_text(html.unescape(re.sub(r"<[^>]*>", " ", value)))
    for bad in fragment.xpath(".//script|.//style"):
        bad.drop_tree()
    return clean_text(fragment.text_content())


def one_line(value: str | None, limit: int = 1000) -> str:
    """Text on a single line, at most `limit` characters (titles, authors)."""
    return clean_text(value).replace("\n", " ")[:limit].strip()
