"""What of a story gets embedded: its document text and its sentences, cut the same way always.

The document text is the title followed by the opening of the body: news puts the event (who,
what, where, when) in the headline and lead, and MiniLM-class models read at most 256 word
pieces anyway; cutting to ~200 words before tokenising gives the same vectors for less work.
Sentences are embedded for alignment with the seed's sentences. They come from one function,
`sentence_spans` (sentencex, in the text's language, with a few corrections for news on top),
which claims, seeds and quote attribution all call.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right

import sentencex

from parallax.analysis.language_id import detect_language as detect
from parallax.analysis.languages import primary
from parallax.analysis.quote_spans import quotation_spans
from parallax.analysis.wordcount import UNSPACED, count_words

DOC_WORDS = 200  # words of title + body kept for the document vector (256 model tokens)
MAX_SENTENCES = 60  # sentences of one story aligned with the seed
MIN_SENTENCE_WORDS = 4  # shorter "sentences" are datelines, captions and bylines

# Full stops of scripts that have no abbreviations: a sentence ends after them, always.
_STOP = re.compile('[。！？؟।]+(?=[^\\s。！？؟।”」』"’)）])')
_OPENING = '“„«»‘「『‹"'  # marks that open a quotation, and so the sentence after them
_CLOSING = '”“»«’」』›"'  # marks that close one
_INITIAL = re.compile(r"(?:^|[\s(\-–—])[^\W\d_]\.$")  # "J.", "С.", "then-U."
# What follows a full stop that does not end the sentence: a German date's month ("am 14.
# November", an ordinal), and a time zone after a clock time ("9 a.m. ET").
_NOT_AFTER = (
    (
        re.compile(r"\b\d{1,2}\.$"),
        re.compile(
            "(?:Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober"
            "|November|Dezember)\\b"
        ),
    ),
    (re.compile(r"\b[ap]\.m\.$"), re.compile(r"[A-Z]{1,4}T\b")),
)


def sentences(text: str, language: str | None = None) -> list[str]:
    """The text's sentences, dropping fragments (datelines, captions, bylines)."""
    found = (text[a:b] for a, b in sentence_spans(text, language))
    return [s for s in found if count_words(s) >= MIN_SENTENCE_WORDS]


def sentence_spans(text: str, language: str | None = None) -> list[tuple[int, int]]:
    """Start and end of every sentence, paragraph by paragraph, whitespace trimmed.

    sentencex finds the sentence ends, with the abbreviations of the text's language (declared,
    else detected). On top of it, a quotation that closes in its paragraph is one sentence of
    the text, whatever it holds: claims and quote attribution read a quote with its "she
    said". And the ends it gets wrong in news are corrected (see _stands).
    """
    code = _segmenter_language(text, language)
    quoted = [part for span in quotation_spans(text) for part in span.parts]
    quoted_starts = [a for a, _ in quoted]
    bounds: list[tuple[int, int]] = []
    for paragraph in re.finditer(r"[^\n]+", text):
        a, b = paragraph.span()
        ends = {a + e["end_index"] for e in sentencex.get_sentence_boundaries(code, text[a:b])}
        ends |= {m.end() for m in _STOP.finditer(text, a, b)}  # it misses "召开。19日"
        start = a
        for end in sorted(ends):
            while end > start and text[end - 1].isspace():
                end -= 1
            opens = end < b and not text[end].isspace() and text[end - 2 : end - 1].isspace()
            if end > start + 1 and text[end - 1] in _OPENING and opens:
                end -= 1  # "… Liz Truss. “They say": the mark opens the next sentence
            inside = bisect_right(quoted_starts, end - 1) - 1
            quoted_end = inside >= 0 and end < quoted[inside][1]
            if (
                start < end < b
                and not quoted_end
                and _stands(text[max(a, end - 8) : end], text[end:b])
            ):
                bounds.append((start, end))
                start = end
        bounds.append((start, b))
    return [_trim(text, a, b) for a, b in bounds if text[a:b].strip()]


def _stands(before: str, after: str) -> bool:
    """Whether a sentence end the splitter found between `before` and `after` is one: not
    before a lower-case word ("т.е. пример", "po str. białoruskiej"), not after an initial
    ("Antony J. Blinken", "С. Лавров", "M. Macron", "then-U.S."), not in a German date or after a
    clock time ("am 14. November", "9 a.m. ET"), and not right after a quote that no space
    follows ("“你好。”他说": what follows goes with it)."""
    if before[-1] in _CLOSING and not after[:1].isspace() and after[:1] not in _OPENING:
        return False
    after = after.lstrip()
    if not after or after[0].islower():
        return False
    if before.endswith("."):
        if _INITIAL.search(before):
            return False
        return not any(left.search(before) and right.match(after) for left, right in _NOT_AFTER)
    return True


def _segmenter_language(text: str, language: str | None) -> str:
    """The language sentencex splits a text as: the declared one, else the one detected."""
    return primary(language) or detect_language(text)


def detect_language(text: str) -> str:
    """The language to split a text as (ISO 639-1): the detector's, English when it finds none."""
    return detect(text[:600]).language or "en"  # the opening says the language of the whole


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    """The range without its leading and trailing whitespace."""
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def doc_text(title: str, text: str) -> str:
    """The text whose embedding stands for the whole story: title, then the body's opening."""
    body = text.split()
    if title and text.startswith(title):
        body = body[len(title.split()) :]  # extractors often repeat the headline
    kept: list[str] = []
    room = DOC_WORDS
    for token in (title.split() if title else []) + body:
        # Chinese or Japanese runs on without spaces: a "token" can be a whole article, which
        # would cost the model many windows of 512 tokens. Count its words as lengths do.
        size = count_words(token) if UNSPACED.search(token) else 1
        if size > room:
            if size > 1 and room > 0:
                kept.append(token[: len(token) * room // size])
            break
        kept.append(token)
        room -= size
    return " ".join(kept)


def text_hash(text: str) -> str:
    """The key an embedding is stored under, with the model's name."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


LEAD_SENTENCES = 2  # sentences of the body after the title that make up the lead
_TOKEN = re.compile(r"[\w’'-]+")
_CONNECTORS = frozenset(
    {"of", "de", "von", "van", "der", "den", "al", "bin", "la", "le", "du", "da", "di"}
)
# Capitalised in English but never a who or a where.
_CALENDAR = frozenset(
    {
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
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
    }
)


def lead_text(title: str, text: str, count: int = LEAD_SENTENCES) -> str:
    """The title and the first sentences of the body: where news says who, what, where, when.

    Extractors often keep the headline as the body's first line. That line is skipped whole:
    skipping only a sentence equal to the title misses a headline that the splitter cuts in
    two ("SEVEN UP! Messi grabs ...") or that runs into the next line, and the lead then holds
    the headline twice and no sentence of the story.
    """
    first, newline, rest = text.partition("\n")
    if title and newline and first.strip() == title.strip():
        text = rest
    body = [s for s in sentences(text) if s != title][:count]
    return " ".join(([title] if title else []) + body)


def _heads(run: list[str]) -> list[str]:
    """The name a run of capitalised words refers to: its last word ("Antony Blinken" is
    Blinken, "Secretary of State Antony Blinken" too); both halves of "Blinken-Lavrov"."""
    last = re.sub(r"[’']s$", "", run[-1])
    return [part for part in re.split(r"[-’']", last) if len(part) >= 3 and part[0].isupper()]


def names(text: str) -> set[str]:
    """People and places a text names, by their last word, lower-cased.

    A name is a run of capitalised words ("Foreign Minister Sergey Lavrov", "Stockholm");
    a single capitalised word that starts a sentence is not one. Title-case headlines add
    noise, which callers filter by how distinctive a name is, not by a word list.
    """
    found: set[str] = set()
    for sentence in sentences(text) or [text]:
        tokens = _TOKEN.findall(sentence)
        run: list[str] = []
        run_start = 0
        for index, token in enumerate([*tokens, ""]):
            if token[:1].isupper():
                if not run:
                    run_start = index
                run.append(token)
                continue
            if (
                run
                and token in _CONNECTORS
                and index + 1 < len(tokens)
                and tokens[index + 1][:1].isupper()
            ):
                run.append(token)
                continue
            if run and not (run_start == 0 and len(run) == 1):
                found.update(h.lower() for h in _heads(run))
            run = []
    return found - _CALENDAR
