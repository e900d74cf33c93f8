"""Where the direct quotations of a text are: its quotation marks, paired.

Marks of the languages news is written in: English “…” and "…", German „…“ and »…«, French,
Russian, Spanish and Arabic «…», Polish and Romanian „…”, Swedish ”…”, Chinese and Japanese
「…」 and 『…』, single quotes ‘…’ and ‹…›. Limits, each a choice of precision over recall:
- the straight single quote ' is never a quotation mark (it is far more often the apostrophe),
  and ’ closes a ‘…’ quotation only where no letter follows it ("didn’t" is a word) and it does
  not end a plural possessive ("the leaders’ talks");
- a quotation over paragraphs continues only where the next paragraph opens with the same mark
  (not the French » of continuation), and a mark left open at a paragraph's end is a stray;
- the dash of dialogue (Russian, French, Spanish "— Мы готовы, — сказал он") is not read: the
  real coverage this was measured on has none, and a dash also opens lists and asides.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Opening mark -> the marks that close it.
CLOSERS = {
    "“": "”",  # English, and Chinese written with Western marks
    "„": "“”",  # German, Czech „…“; Polish, Romanian, Hungarian „…”
    "«": "»",  # French, Russian, Ukrainian, Spanish, Italian, Arabic
    "»": "«",  # German and Danish »…«
    '"': '"',  # typewriter quotes, everywhere
    "”": "”",  # Swedish, Finnish
    "「": "」",  # Chinese, Japanese
    "『": "』",  # the same, nested or for titles
    "‘": "’",  # English single quotes (headlines, British style)
    "‹": "›",  # single guillemets, nested inside «…»
    "›": "‹",  # German single guillemets, nested inside »…«
}
_MARKS = "".join(sorted(set("".join(k + v for k, v in CLOSERS.items()))))
_MARK_OR_BREAK = re.compile("[" + re.escape(_MARKS) + "\n]")
# These also close quotations, so they open one only where a word starts right after them.
_CONTEXT_OPENERS = frozenset('"”»›‘')
_BEFORE_OPENER = "([{—–-/"
_BLANK = "\x00"  # masks the words inside a quotation: neither a word nor a space
_SENTENCE_END = ".!?…。！？؟"
_CLAUSE_END = re.compile(r"[.!?]\s|\n")
_SINGLE_CLOSER = re.compile(r"’(?!\w)")
_MAX_DEPTH = 8  # quotations nest two or three deep; deeper marks are noise, and ignoring them
# keeps a hostile text of thousands of opening marks linear


@dataclass(frozen=True)
class Span:
    """Where one quotation lies in a text."""

    start: int  # the opening mark
    end: int  # just past the closing mark
    parts: tuple[tuple[int, int], ...]  # the quoted words, one range per paragraph


def _opens(text: str, i: int) -> bool:
    """Whether the mark at i opens a quotation."""
    if text[i] not in _CONTEXT_OPENERS:
        return True
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return (before.isspace() or before in _BEFORE_OPENER or before in CLOSERS) and not (
        after.isspace()
    )


def _closes(text: str, i: int, top: str) -> bool:
    """Whether the mark at i closes the quotation opened by `top`."""
    if text[i] not in CLOSERS[top]:
        return False
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if text[i] == "’":  # also the apostrophe: "didn’t", "the leaders’ talks"
        if after.isalnum():
            return False
        if before == "s" and after == " " and text[i + 2 : i + 3].islower():
            # "‘the leaders’ talks were useful’" or "as ‘meias’ da Copa": a possessive only
            # where another ’ closes the quote before the sentence ends
            rest = _CLAUSE_END.split(text[i + 1 : i + 300], maxsplit=1)[0]
            return not _SINGLE_CLOSER.search(rest)
        return True
    # A symmetric mark inside a quotation of its own kind opens a nested one where it stands
    # before a word, not after one ("He said "this is a "test" case"").
    return not (top in _CONTEXT_OPENERS and text[i] == top and before.isspace() and after.isalnum())


def _continuation(text: str, newline: int, opener: str) -> int | None:
    """Where a quotation left open at a paragraph's end goes on: after the next paragraph's
    opening mark, as news marks quotes that run over paragraphs; None when it does not."""
    resume = newline
    while resume < len(text) and text[resume].isspace():
        resume += 1
    return resume + 1 if resume < len(text) and text[resume] == opener else None


def quotation_spans(text: str) -> list[Span]:
    """Every balanced quotation, outermost only (nested quotes are part of theirs), in order.

    A closing mark also closes the quotations opened inside its own and left open ("“the
    ‘90s were over,” he said"). A mark left open at a paragraph's end with no continuation is
    a stray, not a quotation, and is dropped with whatever it opened.
    """
    spans: list[Span] = []
    stack: list[str] = []
    parts: list[tuple[int, int]] = []
    start = part_start = 0
    found = _MARK_OR_BREAK.search(text)
    while found is not None:
        i, char = found.start(), found.group()
        if char == "\n":
            if stack:
                resume = _continuation(text, i, stack[0])
                if resume is not None:
                    parts.append((part_start, i))
                    del stack[1:]
                    part_start = resume
                    found = _MARK_OR_BREAK.search(text, resume)
                    continue
                stack.clear()
            found = _MARK_OR_BREAK.search(text, i + 1)
            continue
        closed = next((k for k in range(len(stack) - 1, -1, -1) if _closes(text, i, stack[k])), -1)
        if closed >= 0:
            del stack[closed:]
            if not stack:
                spans.append(Span(start, i + 1, (*parts, (part_start, i))))
        elif char in CLOSERS and len(stack) < _MAX_DEPTH and _opens(text, i):
            if not stack:
                start, part_start, parts = i, i + 1, []
            stack.append(char)
        found = _MARK_OR_BREAK.search(text, i + 1)
    return [s for s in spans if any(text[a:b].strip() for a, b in s.parts)]


def mask_quotations(text: str, spans: Sequence[Span]) -> str:
    """The text with the words inside quotations blanked, so nothing quoted names a speaker;
    a quote's final full stop stays, as it ends the sentence too. Offsets are unchanged."""
    chars = list(text)
    for span in spans:
        keep = span.end - 2 if text[span.end - 2] in _SENTENCE_END else -1
        for k in range(span.start + 1, span.end - 1):
            if k != keep:
                chars[k] = _BLANK
    return "".join(chars)
