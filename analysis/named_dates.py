"""The calendar dates a text names ("Thursday, 9 September", "12 февраля", "11月15日"), for
placing a story that carries no date of its own.

A page with no date in its markup or feed is dated by when Parallax first saw it, which says
nothing of when it appeared: such a story has no time for the time penalty to count from, and
in a window such stories let in the same people's other meetings (on the real coverage of
../shared/devsets every hard negative that joined the event was one). News often names its
occasion's day in its opening, so the date a story's lead names, the one nearest the seed's,
stands in for its time in clustering (analysis/cluster.py); a story that names the seed's own
day is compared as if published that day.

Only explicit dates count: a day with a month's name, in the text's language or in English, or
the numeric forms of Chinese, Japanese and Korean (11月15日, 11월 15일). Weekdays and "yesterday"
depend on the unknown day of publication; bare numbers ("1-1", "90 minutes") are not dates.
Month names come from dateparser's locale data (some 200 languages). A date without a year
takes the year that puts it nearest the seed. A date more than a year before the seed with its
year written out ("on Dec. 4, 2013", a photo caption) is background, not the story's occasion,
and is left out.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from datetime import date, timedelta

from dateparser.languages.loader import default_loader

from parallax.analysis.languages import primary

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
# A date this far before the seed, with its year written, is history the story recalls.
HISTORY = timedelta(days=365)
_YEAR = r"(?:,?\s+(?:de\s+|of\s+)?(?P<year>(?:19|20)\d\d))?"
# Chinese and Japanese 年 月 日, Korean 년 월 일.
_EAST_ASIAN = re.compile(
    r"(?:(?P<year>(?:19|20)\d\d)\s*[年년]\s*)?(?P<month>\d{1,2})\s*[月월]\s*(?P<day>\d{1,2})\s*[日일]"
)


def _fold(word: str) -> str:
    """A month name as looked up: case and accents folded, so that whatever the pattern matched
    without case ("NİSAN", whose lower case is not "nisan") finds its month."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class _Language:
    """One language's month names (and English's) and the patterns that find them."""

    def __init__(self, code: str | None) -> None:
        self.months: dict[str, int] = {}
        # English capitalises its months, and "may" and "march" are also words ("may 5 of
        # them", "they march 5 miles"); other languages write theirs in lower case ("le 15 mai").
        self.capitalised: set[str] = set()
        for locale in ["en", code or "en"]:
            try:
                info = default_loader.get_locale(locale).info
            except (KeyError, ValueError):  # a language dateparser does not know: English only
                continue
            for number, key in enumerate(_MONTHS, 1):
                for name in info.get(key, []):
                    # Numeric forms ("1月", "tháng 1") are not month names; one or two letters
                    # ("Oc", "Ka") would match inside other words' abbreviations.
                    if len(name) >= 3 and not any(c.isdigit() for c in name):
                        self.months[_fold(name)] = number
                        if locale == "en":
                            self.capitalised.add(_fold(name))
                        else:
                            self.capitalised.discard(_fold(name))
        names = "|".join(sorted(map(re.escape, self.months), key=len, reverse=True))
        self.patterns = (
            re.compile(
                r"(?<![\w])(?P<day>\d{1,2})(?:\.|er|º|st|nd|rd|th)?\s+(?:de\s+|of\s+)?"
                rf"(?P<month>{names})\.?(?!\w){_YEAR}",
                re.IGNORECASE,
            ),
            re.compile(
                rf"(?<![\w])(?P<month>{names})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?![\w]){_YEAR}",
                re.IGNORECASE,
            ),
        )

    def found(self, text: str) -> Iterator[tuple[int | None, int, int]]:
        """(year or None, month, day) of each date named."""
        for pattern in self.patterns:
            for match in pattern.finditer(text):
                word = match["month"]
                month = self.months.get(_fold(word))
                if month is None or (_fold(word) in self.capitalised and not word[0].isupper()):
                    continue
                year = match["year"]
                yield (int(year) if year else None), month, int(match["day"])
        for match in _EAST_ASIAN.finditer(text):
            year = match["year"]
            yield (int(year) if year else None), int(match["month"]), int(match["day"])


@functools.lru_cache(maxsize=256)
def _language(code: str | None) -> _Language:
    return _Language(code)


def _resolved(year: int | None, month: int, day: int, around: date) -> date | None:
    """The date, its year the one nearest `around` when not written; None when no such day."""
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            return None
    candidates = []
    for option in (around.year - 1, around.year, around.year + 1):
        try:
            candidates.append(date(option, month, day))
        except ValueError:  # 29 February, 31 April
            continue
    return min(candidates, key=lambda d: abs((d - around).days), default=None)


def named_dates(text: str, language: str | None, around: date) -> list[date]:
    """The explicit dates `text` names, in the order found, years resolved near `around`;
    written-out dates more than a year before it (background) left out."""
    found = (_resolved(*parts, around) for parts in _language(primary(language)).found(text))
    return [d for d in found if d is not None and d >= around - HISTORY]


def nearest_named_date(text: str, language: str | None, around: date) -> date | None:
    """The date named in `text` nearest `around`, the earlier on a tie; None if it names none."""
    dates = named_dates(text, language, around)
    return min(dates, key=lambda d: (abs((d - around).days), d), default=None)
