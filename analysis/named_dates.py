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
A weekday still says which day of the week the occasion fell on: named_weekdays finds them, so
that a story whose lead names only days far from the seed's is known to be on another occasion.
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
from parallax.analysis.wordcount import HAN_KANA

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
# dateparser's keys, in the order of date.weekday().
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Weekday names that are also everyday words: "minggu" is Sunday and "week" in Indonesian and
# Malay, "linggo" in Tagalog ("minggu lalu", last week).
_EVERYDAY = frozenset({"minggu", "linggo"})
# Scripts that write a word in few characters: Chinese, Japanese, Korean.
_DENSE = re.compile(f"{HAN_KANA.pattern}|[\uac00-\ud7af]")
_WORD = re.compile(r"\w+")
# A date this far before the seed, with its year written, is history the story recalls.
HISTORY = timedelta(days=365)
_YEAR = r"(?:,?\s+(?:de\s+|of\s+)?(?P<year>(?:19|20)\d\d))?"
# Chinese and Japanese 年 月 日, Korean 년 월 일.
_EAST_ASIAN = re.compile(
    r"(?:(?P<year>(?:19|20)\d\d)\s*[年년]\s*)?(?P<month>\d{1,2})\s*[月월]\s*(?P<day>\d{1,2})\s*[日일]"
)


def _fold(word: str) -> str:
    """A name as looked up and as a text is searched: case and accents folded ("NİSAN", whose
    lower case is not "nisan", is "nisan"; "février" is "fevrier"), Korean syllables whole."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare)  # Hangul decomposes into letters: put together


class _Language:
    """One language's month names (and English's) and the patterns that find them."""

    def __init__(self, code: str | None) -> None:
        self.months: dict[str, int] = {}
        weekdays: dict[str, int] = {}
        # English capitalises its months and days, and "may" and "march" are also words ("may 5
        # of them", "they march 5 miles"); other languages write theirs in lower case ("le 15
        # mai", "ce dimanche").
        self.capitalised: set[str] = set()
        for locale in ["en", code or "en"]:
            try:
                info = default_loader.get_locale(locale).info
            except (KeyError, ValueError):  # a language dateparser does not know: English only
                continue
            named = [(self.months, number, key) for number, key in enumerate(_MONTHS, 1)]
            named += [(weekdays, number, key) for number, key in enumerate(_WEEKDAYS)]
            for found, number, key in named:
                for name in info.get(key, []):
                    # Numeric forms ("1月", "tháng 1") are not names; one or two letters ("Oc",
                    # "Ka") would match inside other words' abbreviations.
                    if len(name) >= 3 and not any(c.isdigit() for c in name):
                        found[_fold(name)] = number
                        if locale == "en":
                            self.capitalised.add(_fold(name))
                        else:
                            self.capitalised.discard(_fold(name))
        self.weekdays, self.weekday_pattern = _full_day_names(weekdays)
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

    def found(self, text: str) -> Iterator[tuple[int | None, int, int, int | None]]:
        """(year or None, month, day, weekday or None) of each date named; the weekday is one
        named next to the date ("Wednesday, 15 November", "15 listopada (środa)")."""
        folded = _Folded(text)
        days = self._weekday_spans(folded)
        for pattern in self.patterns:
            for match in pattern.finditer(folded.text):
                word = match["month"]
                month = self.months.get(word)
                if month is None or (
                    word in self.capitalised and not folded.capital_at(match.start("month"))
                ):
                    continue
                year = match["year"]
                weekday = _beside(folded.text, match.start(), match.end(), days)
                yield (int(year) if year else None), month, int(match["day"]), weekday
        for match in _EAST_ASIAN.finditer(folded.text):
            year = match["year"]
            weekday = _beside(folded.text, match.start(), match.end(), days)
            yield (int(year) if year else None), int(match["month"]), int(match["day"]), weekday

    def _weekday_spans(self, folded: _Folded) -> list[tuple[int, int, int]]:
        """(start, end, weekday) of each weekday named in the folded text."""
        if self.weekday_pattern is None:
            return []
        return [
            (match.start(), match.end(), self.weekdays[match.group()])
            for match in self.weekday_pattern.finditer(folded.text)
            if match.group() not in self.capitalised or folded.capital_at(match.start())
        ]

    def weekdays_in(self, text: str) -> set[int]:
        """The weekdays named (0 is Monday)."""
        return {weekday for _, _, weekday in self._weekday_spans(_Folded(text))}


# What may stand between a date and its weekday: spaces, commas, brackets and two short words
# ("Wednesday this week (15 November"); not the end of a clause ("on Monday; on 9 September").
_BESIDE = re.compile(r"[\s,(\-–—]*(?:[^\W\d]{1,6}[\s,(\-–—]+){0,2}", re.UNICODE)
_BESIDE_AFTER = re.compile(r"[\s,(\-–—]*")


def _beside(text: str, start: int, end: int, days: list[tuple[int, int, int]]) -> int | None:
    """The weekday named just before the date at text[start:end], or just after it."""
    for day_start, day_end, weekday in days:
        if day_end <= start and _BESIDE.fullmatch(text, day_end, start):
            return weekday
        if day_start >= end and _BESIDE_AFTER.fullmatch(text, end, day_start):
            return weekday
    return None


class _Folded:
    """A text case- and accent-folded as the names are, with each folded character's offset in
    the original, to read its case there ("Sunday" is a day, "sunday" is not English)."""

    def __init__(self, text: str) -> None:
        self.original = text
        self.origin: list[int] | None = None  # None: each character folds to one
        if text.isascii():  # most leads: folding is lower-casing
            self.text = text.lower()
            return
        parts = [_fold_char(char) for char in text]
        self.text = "".join(parts)
        if any(len(part) != 1 for part in parts):  # "ß" is "ss"; a combining accent is dropped
            self.origin = [at for at, part in enumerate(parts) for _ in part]

    def capital_at(self, at: int) -> bool:
        return self.original[at if self.origin is None else self.origin[at]].isupper()


@functools.lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    return _fold(char)


def _full_day_names(forms: dict[str, int]) -> tuple[dict[str, int], re.Pattern[str] | None]:
    """The weekday names worth reading, by weekday number, and a pattern that finds them in
    folded text.

    Only full names: four letters or more, or three characters in the scripts that write a word
    in few ("星期一", "月曜日", "월요일"; "周一" also ends "每周一次", once a week). A name
    that is a word or the start of another name is left out: Portuguese "segunda" is "second"
    as well as Monday, whose full name is "segunda-feira"; Persian "شنبه" (Saturday) is a word
    of four other days' names."""
    kept = {
        form: number
        for form, number in forms.items()
        if len(form) >= (3 if _DENSE.search(form) else 4)
        and form not in _EVERYDAY
        and not any(
            other != form and (other.startswith(form) or form in _WORD.findall(other))
            for other in forms
        )
    }
    spaced = sorted((f for f in kept if not _DENSE.search(f)), key=len, reverse=True)
    dense = sorted((f for f in kept if _DENSE.search(f)), key=len, reverse=True)
    # Word boundaries where words are spaced; none in Chinese and Japanese.
    parts = [rf"(?<!\w)(?:{'|'.join(map(re.escape, spaced))})(?!\w)"] if spaced else []
    parts += [f"(?:{'|'.join(map(re.escape, dense))})"] if dense else []
    return kept, (re.compile("|".join(parts)) if parts else None)


@functools.lru_cache(maxsize=256)
def _language(code: str | None) -> _Language:
    return _Language(code)


# How many years either side of the seed a date with its weekday but no year is looked for: a
# day and month fall on each weekday within eleven years (29 February aside).
WEEKDAY_YEARS = 11


def _resolved(
    year: int | None, month: int, day: int, weekday: int | None, around: date
) -> date | None:
    """The date; without a written year, in the year nearest `around`, or, when a weekday is
    named with it (and not None), the nearest year in which it falls on that weekday
    ("Wednesday, 15 November" near 16 November 2021 is 2023's, not 2021's Monday). None when
    there is no such day."""
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            return None
    options: tuple[int, ...] = (around.year - 1, around.year, around.year + 1)
    if weekday is not None:
        options = tuple(range(around.year - WEEKDAY_YEARS, around.year + WEEKDAY_YEARS + 1))
    candidates = []
    for option in options:
        try:
            candidates.append(date(option, month, day))
        except ValueError:  # 29 February, 31 April
            continue
    if weekday is not None:
        matching = [d for d in candidates if d.weekday() == weekday]
        candidates = matching or [d for d in candidates if abs(d.year - around.year) <= 1]
    return min(candidates, key=lambda d: (abs((d - around).days), d), default=None)


def named_dates(
    text: str, language: str | None, around: date, *, weekdays: bool = True
) -> list[date]:
    """The explicit dates `text` names, in the order found, years resolved near `around` (by
    the weekday named with a date too, unless `weekdays` is False: for a text whose own date is
    known, that date fixes the year, and a weekday that does not fit it is a slip); written-out
    dates more than a year before it (background) left out."""
    parts = _language(primary(language)).found(text)
    found = (_resolved(y, m, d, w if weekdays else None, around) for y, m, d, w in parts)
    return [d for d in found if d is not None and d >= around - HISTORY]


def nearest_named_date(
    text: str, language: str | None, around: date, *, weekdays: bool = True
) -> date | None:
    """The date named in `text` nearest `around`, the earlier on a tie; None if it names none."""
    dates = named_dates(text, language, around, weekdays=weekdays)
    return min(dates, key=lambda d: (abs((d - around).days), d), default=None)


def named_weekdays(text: str, language: str | None) -> set[int]:
    """The days of the week `text` names (0 is Monday), in its language or in English;
    English's only capitalised ("Sunday", not "sunday")."""
    return _language(primary(language)).weekdays_in(text)
