"""Entity declarations in feeds, bounded: no expansion bombs, nothing read or fetched for them.

feedparser keeps a DOCTYPE's "safe" entity declarations (a name and a plain text value) and,
when expat gives up on the document, its loose parser expands them without any limit. expat
gives up exactly when its own amplification guard trips, so one 100 kB entity referenced
20,000 times (a 2 MB feed) became 2 GB of text. feedparser's own clean-up also misses
declarations that do not start a line, which then reach expat, whose guard still lets a 10 MB
feed expand a hundredfold.

So after feedparser's clean-up, the document is checked: what is left may declare only a few
plain-text entities whose references, all together, expand to at most MAX_EXPANSION bytes
(the one legitimate use seen in feeds: a short prefix written once). Anything else, and every
declaration is neutralised (`<!ENTITY` becomes text) before feedparser looks again: references
stay as literal `&name;` text, and nothing is expanded, read or fetched.

The hook sits on `feedparser.api.replace_doctype`, which feedparser calls after decoding the
document to UTF-8 and before either parser sees it: the one point where every charset a server
may claim (UTF-16, UTF-7, EBCDIC...) has been undone, so a declaration cannot hide in an
encoding. feedparser is pinned (constraints.txt); tests/connectors/test_hostile.py fails if the
hook point moves.
"""

from __future__ import annotations

import re
from typing import Any

import feedparser.api

MAX_DECLARATIONS = 16
MAX_EXPANSION = 1_000_000  # bytes that all references to declared entities may expand to

_MARKER = b"<!ENTITY"
_DECLARATION = re.compile(rb"<!ENTITY([^>]*?)>")
# feedparser's own notion of a safe declaration, anchored at both ends: one name, one quoted
# value that is plain text or a single character reference (so entities cannot nest).
_PLAIN = re.compile(rb'\s+(\w+)\s+"(&#\w+;|[^&"]*)"\s*')
# Text, not markup, wherever it lands: in a DTD it is a syntax error (expat gives up and the
# loose parser, now without entities, reads on); in CDATA it reads as the literal it was.
_NEUTRALISED = b"&lt;!ENTITY"

_original_replace_doctype = feedparser.api.replace_doctype


def declarations_are_bounded(data: bytes) -> bool:
    """Whether every entity declared in `data` is plain text and all references stay small."""
    found = _DECLARATION.findall(data)
    if len(found) != data.count(_MARKER) or len(found) > MAX_DECLARATIONS:
        return False  # a declaration inside another, unterminated, or too many to count
    longest: dict[bytes, int] = {}
    for body in found:
        plain = _PLAIN.fullmatch(body)
        if plain is None:
            return False  # external (SYSTEM/PUBLIC), parameter (%), or nesting references
        name, value = plain.groups()
        longest[name] = max(longest.get(name, 0), len(value))
    expansion = sum(data.count(b"&" + name + b";") * size for name, size in longest.items())
    return expansion <= MAX_EXPANSION


def _replace_doctype_bounded(data: bytes) -> Any:
    """feedparser's replace_doctype, then every declaration neutralised unless bounded."""
    result = _original_replace_doctype(data)
    if declarations_are_bounded(result[1]):
        return result
    return _original_replace_doctype(data.replace(_MARKER, _NEUTRALISED))


def bound_entities() -> None:
    """Install the check into feedparser; idempotent, process-wide."""
    feedparser.api.replace_doctype = _replace_doctype_bounded


def entities_bounded() -> bool:
    """Whether `bound_entities` is in force (feedparser's hook point is where it was)."""
    return feedparser.api.replace_doctype is _replace_doctype_bounded
