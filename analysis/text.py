"""What of a story gets embedded: its document text and its sentences, cut the same way always.

The document text is the title followed by the opening of the body: news puts the event (who,
what, where, when) in the headline and lead, and MiniLM-class models read at most 256 word
pieces anyway; cutting to ~200 words before tokenising gives the same vectors for less work.
Sentences are embedded for alignment with the seed's sentences.
"""

from __future__ import annotations

import hashlib
import re

DOC_WORDS = 200  # words of title + body kept for the document vector (256 model tokens)
MAX_SENTENCES = 60  # sentences of one story aligned with the seed
MIN_SENTENCE_WORDS = 4  # shorter "sentences" are datelines, captions and bylines

# Abbreviations after which a full stop does not end a sentence.
ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "gen",
    "col",
    "lt",
    "sgt",
    "capt",
    "adm",
    "gov",
    "sen",
    "rep",
    "rev",
    "st",
    "jr",
    "sr",
    "vs",
    "etc",
    "inc",
    "ltd",
    "co",
    "corp",
    "dept",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "u.s",
    "u.k",
    "u.n",
    "e.g",
    "i.e",
    "a.m",
    "p.m",
}
_BOUNDARY = re.compile(r"([.!?…][\"'”’»)\]]*)\s+(?=[\"'“‘«(\[]?[A-ZÀ-ÖØ-ÞĀ-ſА-Я0-9])")
_LAST_WORD = re.compile(r"([\w.]+)[.!?…][\"'”’»)\]]*$")


# Opening double quotation marks and the marks that close them (English, German, French,
# Swedish); a straight " closes itself.
_QUOTE_CLOSERS = {"“": "”", "„": "“”", "«": "»", '"': '"', "”": "”", "»": "«"}
# These also close quotations, so they open one only where a word starts right after them.
_BOTH_WAYS = frozenset('"”»')


def _quoted_spans(paragraph: str) -> list[tuple[int, int]]:
    """(start, end) of each closed quotation in a paragraph, outermost only.

    A mark with no closing mark later in the paragraph opens nothing, so a stray or missing
    quotation mark never joins the rest of a paragraph into one sentence."""
    spans = []
    i = 0
    while i < len(paragraph):
        closers = _QUOTE_CLOSERS.get(paragraph[i])
        opens_here = paragraph[i] not in _BOTH_WAYS or paragraph[i + 1 : i + 2].isalnum()
        if closers is None or not opens_here:
            i += 1
            continue
        end = min((k for k in (paragraph.find(c, i + 1) for c in closers) if k >= 0), default=-1)
        if end < 0:
            i += 1
            continue
        spans.append((i, end + 1))
        i = end + 1
    return spans


def sentences(text: str) -> list[str]:
    """Split text into sentences (paragraphs first, then sentence ends), dropping fragments."""
    found: list[str] = []
    for paragraph in re.split(r"\n+", text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        start = 0
        quoted = _quoted_spans(paragraph)
        for match in _BOUNDARY.finditer(paragraph):
            candidate = paragraph[start : match.end(1)].strip()
            last = _LAST_WORD.search(candidate)
            if last and (last.group(1).lower() in ABBREVIATIONS or len(last.group(1)) == 1):
                continue  # "Mr. Lavrov", "U.S. officials", "J. Smith"
            if any(a < match.end(1) < b for a, b in quoted):
                continue  # a quotation of several sentences is one sentence of the story
            found.append(candidate)
            start = match.end()
        found.append(paragraph[start:].strip())
    return [s for s in found if len(s.split()) >= MIN_SENTENCE_WORDS]


def doc_text(title: str, text: str) -> str:
    """The text whose embedding stands for the whole story: title, then the body's opening."""
    body = text.split()
    if title and text.startswith(title):
        body = body[len(title.split()) :]  # extractors often repeat the headline
    words = (title.split() if title else []) + body
    return " ".join(words[:DOC_WORDS])


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
    """The title and the first sentences of the body: where news says who, what, where, when."""
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
