"""Which stories a language-bound method can read, by the language their pages declare.

Pages declare their language as a BCP 47 tag ("en", "en-GB", "sv"); only the primary subtag
matters here. A story that declares none is read: most pages declare theirs, and one that does
not is more often in the main language of its outlet than not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar


def primary(language: str | None) -> str | None:
    """A language tag's primary subtag, lower-cased ("en-GB" -> "en"); None when undeclared."""
    if not language:
        return None
    return language.split("-")[0].split("_")[0].strip().lower() or None


def reads(languages: frozenset[str], language: str | None) -> bool:
    """Whether a method reading `languages` (empty: any) can read a story in `language`."""
    code = primary(language)
    return not languages or code is None or code in languages


def main_language(languages: Iterable[str | None]) -> str | None:
    """The language most of the stories declare (ties: the first in alphabetical order), or
    None when none declares one."""
    counts = Counter(code for code in map(primary, languages) if code)
    if not counts:
        return None
    return min(counts, key=lambda code: (-counts[code], code))


class Declares(Protocol):
    """Anything with a declared language: a story, a report's story row."""

    @property
    def language(self) -> str | None: ...


T = TypeVar("T", bound=Declares)


def split_by_main_language(items: Sequence[T]) -> tuple[str | None, list[T], list[T]]:
    """The items' main language, the items read in it, and those in another language."""
    language = main_language(item.language for item in items)
    languages = frozenset({language} if language else ())
    kept: list[T] = []
    other: list[T] = []
    for item in items:
        (kept if reads(languages, item.language) else other).append(item)
    return language, kept, other
