"""Direct quotations in news text, who said them, and which outlets carried the same words.

A quotation is found by its marks, in the conventions of English (“…”, "…"), German („…“,
»…«), French and Russian («…»), Polish and Romanian („…”) and Swedish (”…”), and attributed
the way a reader attributes it: from the clause around it ("X said", "said X", "according to
X"), from a pronoun for the person the sentences before were about, or, when it stands alone,
from the sentence before. A speaker is a name where the text gives one (a person, or an
organisation such as "Kremlin"), the description as written where it does not ("a senior US
official"), and None where nothing says who spoke: unattributed quotes are counted, never
guessed.

Known limits, each a choice of precision over recall:
- single quotes are not quotations (see _CLOSERS); a quote over paragraphs continues only
  where the next paragraph opens with the same mark (not the French » of continuation);
- speech verbs, pronouns and function words cover English well and the Nordic languages,
  German, French, Polish, Romanian, Spanish and Russian roughly; descriptions of speakers
  ("the minister") are recognised in English only;
- pronouns are resolved without gender; a bare surname the text never gives in full counts
  as a person only where it speaks ("Lavrov said") and never follows "in" ("in Moscow").
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from parallax.analysis.quote_words import (
    ACCORDING,
    ADDRESSING,
    ADVERBIAL,
    CALENDAR,
    CONJUNCTIONS,
    CONNECTORS,
    DETERMINERS,
    FUNCTION_WORDS,
    NAME_PARTICLES,
    ORG_WORDS,
    PLACE_WORDS,
    POSSESSIVES,
    PRONOUNS,
    RELATIVES,
    ROLE_NOUNS,
    SAY,
    TITLE_ENDINGS,
    TITLES,
)

# The same abbreviations text.sentences() keeps sentences whole after ("Mr.", "U.S.").
from parallax.analysis.text import ABBREVIATIONS


@dataclass(frozen=True)
class Quote:
    """A direct quotation and who said it."""

    url: str
    text: str  # the quoted words without the marks; a quote's paragraphs joined by a space
    speaker: str | None  # a name, a description ("a senior US official"), or None
    speaker_named: bool  # the speaker is a name the text gives, not a description
    sentence: str  # the sentence the quotation opens in
    start: int  # offset of the opening mark in the text


@dataclass(frozen=True)
class SharedQuote:
    """One quotation, as one or more outlets carried it."""

    text: str  # its longest wording
    speaker: str | None  # the speaker most of its carriers gave
    outlets: tuple[str, ...]


@dataclass(frozen=True)
class OutletQuotes:
    """Whom one outlet quoted, for which side, and how much of it others carried too."""

    outlet: str
    quotes: int
    by_speaker: dict[str, int]  # attributed quotes per speaker, most quoted first
    by_side: dict[str, int]  # quotes per side, with "other" and "unattributed"
    shares: dict[str, float]  # by_side over all the outlet's quotes
    reused: int  # quotes another outlet carried too
    exclusive: int  # quotes no other outlet carried


@dataclass(frozen=True)
class QuoteStats:
    """Per-outlet quoting, and the quotations outlets shared or carried alone."""

    outlets: list[OutletQuotes]
    reused: list[SharedQuote]  # carried by two or more outlets
    exclusive: list[SharedQuote]  # carried by one outlet


OTHER = "other"
UNATTRIBUTED = "unattributed"

# Opening mark -> the marks that close it. Single quotes (‘…’, '…', ‚…‘, ‹…›) are left out on
# purpose: ’ and ' are also the apostrophe ("Russia's", "didn’t"), so a single mark cannot be
# told from one; inside a double-quoted passage they are simply part of it (nested quotes).
_CLOSERS = {"“": "”", "„": "“”", "«": "»", "»": "«", '"': '"', "”": "”"}
_MARK_OR_BREAK = re.compile("[" + "".join(_CLOSERS) + "\n]")
# These also close quotations, so they open one only where a word starts right after them.
_CONTEXT_OPENERS = frozenset('"”»')
_BLANK = "\x00"  # masks the words inside a quotation: neither a word nor a space
_BOUNDARY = re.compile(r"[.!?…][\"”»“«)\]]*\s+(?=[\"“„«»”(\[]|[A-ZÀ-ÖØ-ÞĀ-ſА-Я0-9])")
_WORD = re.compile(r"(?:[^\W\d_]\.){2,}|[^\W\d_][\w’'-]*")
# How far from a quote its attribution is looked for: a clause or two, in characters; it also
# keeps a hostile text of one endless sentence linear.
_WINDOW = 400
_CHUNK_BREAK = re.compile(r"[,;:()—–\"“”„«»]")

_CUE = re.compile(
    r"\b(?:(?P<according>" + "|".join(ACCORDING) + r")|" + "|".join(sorted(SAY)) + r")\b",
    re.IGNORECASE,
)
# A word after these is a place, whatever else it does in the text ("in Moscow").
_PLACE_CONTEXT = re.compile(r"\b(?:in|near|across|inside|outside|throughout|around) ([A-Z]\w+)")
_CUE_BEFORE = re.compile(_CUE.pattern + r"\s+$", re.IGNORECASE)

_NOT_NAMES = TITLES | ORG_WORDS | CALENDAR | FUNCTION_WORDS | frozenset(ACCORDING)
_TITLE_WORDS = TITLES | CONNECTORS  # "Secretary of State"
_DOTTED = ABBREVIATIONS | TITLES  # words a full stop can follow inside a name ("Col. Buck")
_APPOSITION = re.compile(r",([^,.;]*)")


@dataclass(frozen=True)
class _Span:
    """Where one quotation lies in the text."""

    start: int  # the opening mark
    end: int  # just past the closing mark
    parts: tuple[tuple[int, int], ...]  # the quoted words, one range per paragraph


@dataclass(frozen=True)
class _Mention:
    """A possible speaker in a sentence: a name, a pronoun or a description."""

    start: int
    end: int
    kind: str  # person | proper | pronoun | possessive | description
    label: str
    role: frozenset[str] = frozenset()  # for a person: the words around the name


@dataclass(frozen=True)
class _Speaker:
    label: str
    named: bool


@dataclass(frozen=True)
class _Sentence:
    start: int
    end: int
    mentions: tuple[_Mention, ...]
    starts: tuple[int, ...]  # of the mentions, for bisection

    def within(self, a: int, b: int) -> list[_Mention]:
        """The mentions that lie between offsets a and b."""
        first, last = bisect_left(self.starts, a), bisect_left(self.starts, b)
        return [m for m in self.mentions[first:last] if m.end <= b]


def find_quotes(text: str, url: str = "") -> list[Quote]:
    """Every direct quotation in the text, in order, each with its speaker or None."""
    spans = _spans(text)
    if not spans:
        return []
    masked = _mask(text, spans)
    sentences = []
    for a, b in _sentence_bounds(masked):
        mentions = tuple(_mentions(masked, a, b))
        sentences.append(_Sentence(a, b, mentions, tuple(m.start for m in mentions)))
    return _Attributor(text, masked, sentences, url).quotes(spans)


# --- quotation marks ---------------------------------------------------------------------


def _opens(text: str, i: int) -> bool:
    """Whether the mark at i opens a quotation."""
    if text[i] not in _CONTEXT_OPENERS:
        return True
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return (before.isspace() or before in "([{—–-/" or before in _CLOSERS) and not after.isspace()


def _nests(text: str, i: int, top: str) -> bool:
    """Whether a symmetric mark inside a quotation of its own kind opens a nested one: it
    stands before a word, not after one ("He said "this is a "test" case"")."""
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return text[i] == top and top in _CONTEXT_OPENERS and before.isspace() and after.isalnum()


def _continuation(text: str, newline: int, opener: str) -> int | None:
    """Where a quotation left open at a paragraph's end goes on: after the next paragraph's
    opening mark, as news marks quotes that run over paragraphs; None when it does not."""
    resume = newline
    while resume < len(text) and text[resume].isspace():
        resume += 1
    return resume + 1 if resume < len(text) and text[resume] == opener else None


def _spans(text: str) -> list[_Span]:
    """Every balanced quotation, outermost only (nested quotes are part of theirs).

    A mark left open at a paragraph's end with no continuation is a stray, not a quotation,
    and is dropped with whatever it opened.
    """
    spans: list[_Span] = []
    stack: list[str] = []
    parts: list[tuple[int, int]] = []
    start = part_start = 0
    found = _MARK_OR_BREAK.search(text)
    while found is not None:
        i, char = found.start(), found.group()
        if char == "\n" and stack:
            resume = _continuation(text, i, stack[0])
            if resume is not None:
                parts.append((part_start, i))
                del stack[1:]
                part_start = resume
                found = _MARK_OR_BREAK.search(text, resume)
                continue
            stack.clear()
        elif stack and char in _CLOSERS[stack[-1]] and not _nests(text, i, stack[-1]):
            stack.pop()
            if not stack:
                spans.append(_Span(start, i + 1, (*parts, (part_start, i))))
        elif char in _CLOSERS and _opens(text, i):
            if not stack:
                start, part_start, parts = i, i + 1, []
            stack.append(char)
        found = _MARK_OR_BREAK.search(text, i + 1)
    return [s for s in spans if any(text[a:b].strip() for a, b in s.parts)]


def _mask(text: str, spans: Sequence[_Span]) -> str:
    """The text with the words inside quotations blanked, so nothing quoted splits a sentence
    or names a speaker; a quote's final full stop stays, as it ends the sentence too."""
    chars = list(text)
    for span in spans:
        keep = span.end - 2 if text[span.end - 2] in ".!?…" else -1
        for k in range(span.start + 1, span.end - 1):
            if k != keep:
                chars[k] = _BLANK
    return "".join(chars)


def _sentence_bounds(masked: str) -> list[tuple[int, int]]:
    """Start and end of every sentence, paragraph by paragraph, whitespace trimmed."""
    bounds: list[tuple[int, int]] = []
    for paragraph in re.finditer(r"[^\n]+", masked):
        start = paragraph.start()
        for end in _BOUNDARY.finditer(masked, paragraph.start(), paragraph.end()):
            word = re.search(r"[\w.]+$", masked[start : end.start()])
            if word and (word.group().lower() in ABBREVIATIONS or len(word.group()) == 1):
                continue  # "Mr. Lavrov", "U.S. officials", "J. Smith"
            bounds.append((start, end.start() + len(end.group().rstrip())))
            start = end.end()
        bounds.append((start, paragraph.end()))
    return [_trim(masked, a, b) for a, b in bounds if masked[a:b].strip()]


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    """The range without its leading and trailing whitespace."""
    while text[a].isspace():
        a += 1
    while text[b - 1].isspace():
        b -= 1
    return a, b


# --- who could be speaking: names, pronouns, descriptions ------------------------------------


def _mentions(masked: str, a: int, b: int) -> list[_Mention]:
    """The names, pronouns and descriptions of people in one sentence, in order."""
    tokens = list(_WORD.finditer(masked, a, b))
    found: list[_Mention] = []
    named: set[int] = set()  # tokens inside a name
    for run in _runs(masked, tokens):
        mention = _name(masked, tokens, run)
        if mention is not None:
            found.append(mention)
            if mention.kind == "person":
                named.update(run)
    for index, token in enumerate(tokens):
        word = token.group().lower()
        if word in PRONOUNS or word in POSSESSIVES:
            kind = "pronoun" if word in PRONOUNS else "possessive"
            found.append(_Mention(token.start(), token.end(), kind, word))
        elif index not in named and _singular(word) in ROLE_NOUNS:
            description = _description(masked, tokens, index)
            found += [description] if description else []
    return sorted(found, key=lambda m: (m.start, m.end))


def _runs(masked: str, tokens: Sequence[re.Match[str]]) -> list[list[int]]:
    """Runs of capitalised words (with "of", "von" and the like between them), as indices."""
    runs: list[list[int]] = []
    for index, token in enumerate(tokens):
        word = token.group()
        joined = bool(runs) and runs[-1][-1] == index - 1 and _adjacent(masked, tokens, index)
        if word[0].isupper():
            if joined:
                runs[-1].append(index)
            else:
                runs.append([index])
        elif joined and word in CONNECTORS and _leads_to_name(masked, tokens, index):
            runs[-1].append(index)
    return runs


def _adjacent(masked: str, tokens: Sequence[re.Match[str]], index: int) -> bool:
    """Whether a word follows the one before with only a space (or a title's full stop)."""
    before = tokens[index - 1]
    gap = masked[before.end() : tokens[index].start()]
    dotted = before.group().lower() in _DOTTED or len(before.group()) == 1
    if gap.startswith(".") and dotted:
        gap = gap[1:]  # "Col. Buck Harrington", "Mr. Blinken", "J. Smith"
    return bool(gap) and gap.isspace()


def _leads_to_name(masked: str, tokens: Sequence[re.Match[str]], index: int) -> bool:
    """Whether connecting words from index on lead to a capitalised word."""
    for later in range(index + 1, len(tokens)):
        if not _adjacent(masked, tokens, later):
            return False
        if tokens[later].group()[0].isupper():
            return True
        if tokens[later].group() not in CONNECTORS:
            return False
    return False


def _is_name_word(word: str) -> bool:
    """Whether a capitalised word can be part of a person's name."""
    lower = word.lower().rstrip(".")
    return (
        word[0].isupper()
        and not (word.isupper() and len(word) > 1)
        and "." not in word
        and lower not in _NOT_NAMES
        and not lower.endswith(TITLE_ENDINGS)
    )


def _name(masked: str, tokens: Sequence[re.Match[str]], run: list[int]) -> _Mention | None:
    """The person, or else the organisation or place, a run of capitalised words names.

    A person's name is the run's last one to four words that can be part of a name, after any
    title ("U.S. Secretary of State Antony Blinken"); a single word is a person's only after a
    title ("Mr Blinken"), else it is a proper name the attribution weighs by where it stands.
    """
    words = [tokens[i].group() for i in run]
    first = len(words)  # the name is words[first:]
    while first > 0 and _may_end_name(words, first - 1):
        first -= 1
    while first < len(words) and words[first] in NAME_PARTICLES:
        first += 1  # "von der Leyen" keeps particles inside a name, not in front of it
    name = words[first:]
    if name and len(name) <= 4 and name[0].lower() not in PLACE_WORDS:
        start, end = tokens[run[first]].start(), tokens[run[-1]].end()
        label = _bare(" ".join(masked[start:end].split()))
        titled = first > 0 and words[first - 1].lower() in TITLES
        if len(name) > 1 or titled:
            return _Mention(start, end, "person", label, _role_words(masked, tokens, run, first))
        return _Mention(start, end, "proper", label)
    head = words[-1].lower()
    if head in TITLES or _singular(head) in ROLE_NOUNS:
        return None  # "Russia's Foreign Minister": a description, found as one
    kept = [_bare(w) for w in words if w.lower() not in FUNCTION_WORDS]
    start = tokens[run[0]].start()
    return _Mention(start, tokens[run[-1]].end(), "proper", " ".join(kept)) if kept else None


def _may_end_name(words: list[str], index: int) -> bool:
    """Whether words[index] can belong to a name that runs to the end of the words: a name
    word, or a particle inside it; a possessive only at the end ("Ukraine's Dmytro Kuleba")."""
    word, last = words[index], index == len(words) - 1
    if not last and _bare(word) != word:
        return False
    return _is_name_word(_bare(word)) or (word in NAME_PARTICLES and not last)


def _bare(word: str) -> str:
    """The word without a possessive ending."""
    return re.sub(r"[’']s?$", "", word)


def _singular(word: str) -> str:
    """A plural's singular, crudely: "officials" is "official"."""
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _role_words(
    masked: str, tokens: Sequence[re.Match[str]], run: list[int], suffix: int
) -> frozenset[str]:
    """The words that say what a named person is: before the name, and in an apposition after
    it ("Kremlin spokesman Dmitry Peskov", "Mark Ellison, a Russia analyst at …")."""
    first, last = run[0] + suffix, run[-1]
    words = [t.group() for t in tokens[max(0, first - 6) : first]]
    apposition = _APPOSITION.match(masked, tokens[last].end())
    words += apposition.group(1).split()[:8] if apposition else []
    return frozenset(_bare(w).lower() for w in words)


def _description(masked: str, tokens: Sequence[re.Match[str]], index: int) -> _Mention | None:
    """A description of a speaker headed by the role noun at index ("a senior US official")."""
    following = index + 1 < len(tokens) and tokens[index + 1].group()[0].isupper()
    if following and _adjacent(masked, tokens, index + 1):
        return None  # "Kremlin spokesman Dmitry Peskov": a title before a name
    first = index
    while first > 0 and index - first < 5 and _adjacent(masked, tokens, first):
        word = tokens[first - 1].group().lower()
        if word in DETERMINERS:
            first -= 1
            break
        if word in FUNCTION_WORDS or _CUE.fullmatch(word):
            break
        first -= 1
    last = index
    of = index + 2 < len(tokens) and tokens[index + 1].group() == "of"
    if of and tokens[index + 2].group().lower() not in DETERMINERS:
        last = index + 2  # "the secretary of state", not "the head of the"
    starts_clause = (
        first == 0 or not masked[tokens[first - 1].end() : tokens[first].start()].isspace()
    )
    if tokens[first].group().lower() not in DETERMINERS and not starts_clause:
        return None
    start, end = tokens[first].start(), tokens[last].end()
    return _Mention(start, end, "description", masked[start:end])


# --- names within one text ------------------------------------------------------------------


def _compatible(a: str, b: str) -> bool:
    """Whether two names can be one person: same surname, and first names that agree."""
    words_a, words_b = a.split(), b.split()
    first_a, last_a, first_b, last_b = words_a[0], words_a[-1], words_b[0], words_b[-1]
    if last_a != last_b:
        return False
    if first_a in (last_a, first_b) or first_b == last_b:
        return True  # one is the bare surname, or the same first name
    short, other = sorted((first_a.rstrip("."), first_b.rstrip(".")), key=len)
    return len(short) == 1 and other.startswith(short)  # "A. Blinken", "Antony Blinken"


def _canonical(name: str, seen: Iterable[str]) -> str:
    """The longest full name that the name can stand for, or the name itself when the
    surname belongs to more than one person ("Biden" beside "Joe Biden" and "Jill Biden")."""
    group = sorted({n for n in seen if _compatible(name, n)} | {name})
    if any(not _compatible(a, b) for a in group for b in group):
        return name
    return min(group, key=lambda n: (-len(n.split()), -len(n), n))


def _same_word(a: str, b: str) -> bool:
    """Whether two words are one, give or take an ending ("Russian", "Russia's")."""
    return a == b or (min(len(a), len(b)) >= 5 and a[:5] == b[:5])


def _speaks(masked: str, mention: _Mention) -> bool:
    """Whether a mention is the subject of a speech verb: "Lavrov said", "said Lavrov."."""
    after = masked[mention.end : mention.end + 1]
    if after == " " and _CUE.match(masked, mention.end + 1):
        return True
    before = masked[max(0, mention.start - 24) : mention.start]
    return after in (",", ".", ";") and bool(_CUE_BEFORE.search(before))


class _Names:
    """The people one text names, by surname, and the roles the text gives them.

    A person is named in full ("Sergey Lavrov"), with a title ("Mr Lavrov"), or as a single
    word that speaks ("Lavrov said", "said Lavrov.") and is never a place ("in Moscow").
    """

    def __init__(self, masked: str, sentences: Sequence[_Sentence]) -> None:
        mentions = [m for s in sentences for m in s.mentions]
        self.people = [m for m in mentions if m.kind == "person"]
        self.full: defaultdict[str, set[str]] = defaultdict(set)
        for person in self.people:
            self.full[person.label.split()[-1]].add(person.label)
        self.speaking: set[str] = set()  # single words that speak and are no place
        places = set(_PLACE_CONTEXT.findall(masked))
        for mention in mentions:
            word = mention.label
            single = mention.kind == "proper" and " " not in word and not word.isupper()
            if single and word not in places and _speaks(masked, mention):
                self.speaking.add(word)

    def named(self, word: str) -> bool:
        """Whether the word is the surname of someone the text names in full or with a title."""
        return word in self.full

    def known(self, word: str) -> bool:
        """Whether the word is a person's name: a surname the text names, or one that speaks."""
        return word in self.full or word in self.speaking

    def canonical(self, name: str) -> str:
        """The fullest form of the name this text gives."""
        return _canonical(name, self.full.get(name.split()[-1], ()))

    def by_role(self, description: str, offset: int) -> str | None:
        """The person a definite description refers to ("the Kremlin spokesman"), when the text
        names one with those words beside the name, nearest before the offset first."""
        words = [_bare(w).lower() for w in description.split()]
        if not words or words[0] != "the":
            return None  # "a senior US official" introduces someone new
        content = [w for w in words if w not in DETERMINERS and w != "of"]
        matches = [
            p for p in self.people if all(any(_same_word(w, r) for r in p.role) for w in content)
        ]
        before = [p for p in matches if p.start < offset]
        chosen = before[-1:] or [p for p in matches if p.start > offset][:1]
        return self.canonical(chosen[0].label) if chosen else None


# --- attribution ----------------------------------------------------------------------------


class _Attributor:
    """Attributes the quotations of one text, sentence by sentence, remembering whom each
    sentence was about so that "he said" and a quote standing alone can be resolved."""

    def __init__(self, text: str, masked: str, sentences: list[_Sentence], url: str) -> None:
        self.text, self.masked, self.sentences, self.url = text, masked, sentences, url
        self.names = _Names(masked, sentences)
        self.focus: list[_Speaker | None] = []

    def quotes(self, spans: Sequence[_Span]) -> list[Quote]:
        """The quotations, each with its speaker."""
        found: list[Quote] = []
        first = 0
        for index, sentence in enumerate(self.sentences):
            last = first
            while last < len(spans) and spans[last].start < sentence.end:
                last += 1
            found += self._sentence_quotes(index, spans[first:last])
            first = last
        return found

    def _sentence_quotes(self, index: int, inside: Sequence[_Span]) -> list[Quote]:
        """The quotations opening in one sentence, attributed; notes whom it was about."""
        sentence = self.sentences[index]
        ends = [s.start for s in inside[1:]] + [sentence.end] if inside else []
        cued = bool(_CUE.search(self.masked, sentence.start, sentence.end))
        speakers = [
            self._attribute(index, span, min(end, span.end + _WINDOW), cued)
            for span, end in zip(inside, ends, strict=True)
        ]
        self.focus.append(self._focus(index, speakers))
        words = self.text[sentence.start : sentence.end]
        return [
            Quote(
                url=self.url,
                text=" ".join(self.text[a:b].strip() for a, b in span.parts),
                speaker=speaker.label if speaker else None,
                speaker_named=bool(speaker and speaker.named),
                sentence=words,
                start=span.start,
            )
            for span, speaker in zip(inside, speakers, strict=True)
        ]

    def _attribute(self, index: int, span: _Span, tail_end: int, cued: bool) -> _Speaker | None:
        """Who said one quotation: the clause right after it (up to `tail_end`), then a speech
        verb before it, then one later on, then a person named before it; failing all that, a
        quote standing alone in a sentence with no speech verb (`cued`) belongs to whom the
        sentence before was about."""
        sentence = self.sentences[index]
        for mention in (
            self._right_after(sentence, span.end, tail_end),
            self._before(sentence, span.start),
            self._later(sentence, span.end, tail_end),
            self._nearest(sentence, span.start),
        ):
            if mention is not None:
                return self._speaker(mention, index)
        return self.focus[index - 1] if index and not cued else None

    def _right_after(self, sentence: _Sentence, lo: int, hi: int) -> _Mention | None:
        """The speaker of an attribution that follows the quote: "…”, said X", "…”, X said"."""
        cue = _CUE.search(self.masked, lo, hi)
        if cue is None:
            return None
        between = self.masked[lo : cue.start()]
        if cue.group("according") or not re.search(r"\w", between):
            if cue.group().lower().endswith("ing"):
                return None  # "…”, adding that": the subject is the sentence's, before the quote
            return self._named_after(sentence, cue.end(), hi)
        words = between.lower().split()
        if len(words) > 12 or any(w.strip(",;:") in CONJUNCTIONS for w in words):
            return None  # "…”, while Lavrov said": a clause of its own, not an attribution
        return self._subject(sentence, lo, cue.start())

    def _before(self, sentence: _Sentence, quote_start: int) -> _Mention | None:
        """The subject of the last speech verb before the quote: "X said Russia was “…”"."""
        lo = max(sentence.start, quote_start - _WINDOW)
        cues = list(_CUE.finditer(self.masked, lo, quote_start))
        for cue in reversed(cues):
            mention = None
            if cue.group("according") or self._inverted(cue, quote_start):
                mention = self._named_after(sentence, cue.end(), quote_start)
            if mention is None and not cue.group("according"):
                mention = self._subject(sentence, lo, cue.start())
            if mention is not None:
                return mention
        return None

    def _inverted(self, cue: re.Match[str], quote_start: int) -> bool:
        """Whether a verb before a quote has its speaker after it, as German, Swedish and
        French put it ("sagte Lawrow: „…“"), and English now and then ("said Lavrov: “…”");
        not a verb whose object is whom it was said to ("told Lavrov: “…”")."""
        if cue.group().lower() in ADDRESSING:
            return False
        phrase = self.masked[cue.end() : quote_start].rstrip()
        if not phrase.endswith((":", "—", "–")):
            return False  # "said the talks were “useful”": the quote is what was said
        return 0 < len(phrase.split()) <= 6 and not _CHUNK_BREAK.search(phrase[:-1])

    def _later(self, sentence: _Sentence, lo: int, hi: int) -> _Mention | None:
        """The subject of a speech verb further on: "…”, and it was ready, he said, to"."""
        for cue in _CUE.finditer(self.masked, lo, hi):
            if cue.group("according"):
                mention = self._named_after(sentence, cue.end(), hi)
            else:
                mention = self._subject(sentence, lo, cue.start())
            if mention is not None:
                return mention
        return None

    def _nearest(self, sentence: _Sentence, quote_start: int) -> _Mention | None:
        """The person or pronoun nearest before the quote ("Diplomacy, in his words, was “…”")."""
        candidates = [
            m
            for m in sentence.within(max(sentence.start, quote_start - _WINDOW), quote_start)
            if self._is_person(m) or m.kind in ("pronoun", "possessive")
        ]
        return candidates[-1] if candidates else None

    def _named_after(self, sentence: _Sentence, lo: int, hi: int) -> _Mention | None:
        """The speaker named right after a verb: "said Mark Ellison, a Russia analyst",
        "säger analytikern Karin Ekholm", "according to a senior US official". Only words that
        describe the speaker may come before the name and only a time or place after it, so
        "…”, accused NATO of moving" and "…”, speaking after talks with Blinken" name no one."""
        cut = _CHUNK_BREAK.search(self.masked, lo, hi)
        end = cut.start() if cut else hi
        inside = [m for m in sentence.within(lo, end) if m.kind != "possessive"]
        people = [m for m in inside if self._is_person(m)]
        chosen = people[-1] if people else (inside[0] if inside else None)
        if chosen is None:
            return None
        before = self.masked[lo : chosen.start].lower().split()
        after = re.sub(r"[^\w\s]", " ", self.masked[chosen.end : end]).lower().split()
        if any(w in FUNCTION_WORDS for w in before) or (after and after[0] not in ADVERBIAL):
            return None
        if chosen.kind == "description" and cut:
            named = self._named_after(sentence, cut.end(), hi)  # "said the minister, Ann Linde"
            if named is not None and self._is_person(named):
                return named
        return chosen

    def _subject(self, sentence: _Sentence, lo: int, verb: int) -> _Mention | None:
        """Who a speech verb at `verb` has as subject, looking back clause by clause: the
        nearest person or pronoun, a name set off by commas ("Lavrov, for his part, said"),
        a description, or a name before an apposition ("Igor Savelyev, an analyst, told")."""
        bounds = [lo, *(m.end() for m in _CHUNK_BREAK.finditer(self.masked, lo, verb)), verb]
        description: _Mention | None = None
        for k in range(len(bounds) - 2, -1, -1):
            a, b = bounds[k], bounds[k + 1]
            words = self.masked[a:b].strip(" ,;:()—–").split()
            if not words or words[0].lower() in RELATIVES:
                continue
            inside = sentence.within(a, b)
            people = [m for m in inside if self._is_person(m) or m.kind == "pronoun"]
            if description is not None:
                return (
                    people[-1]
                    if people and not self.masked[people[-1].end : b].strip(" ,")
                    else description
                )
            if people:
                return people[-1]
            propers = [m for m in inside if m.kind == "proper"]
            if propers and (
                not self.masked[propers[-1].end : verb].strip()
                or " ".join(words) == self.masked[propers[-1].start : propers[-1].end]
            ):
                return propers[-1]
            descriptions = [m for m in inside if m.kind == "description"]
            if descriptions and (b == verb or k == 0):
                return descriptions[-1]
            description = descriptions[-1] if descriptions else None
        return description

    def _is_person(self, mention: _Mention) -> bool:
        """Whether a mention names a person the text knows as one."""
        return mention.kind == "person" or (
            mention.kind == "proper" and self.names.known(mention.label)
        )

    def _speaker(self, mention: _Mention, index: int) -> _Speaker | None:
        """The speaker a mention stands for."""
        if self._is_person(mention):
            return _Speaker(self.names.canonical(mention.label), True)
        if mention.kind == "proper":
            return _Speaker(mention.label, True)
        if mention.kind == "description":
            person = self.names.by_role(mention.label, mention.start)
            if person is not None:
                return _Speaker(person, True)
            label = mention.label
            if label.split()[0].lower() in DETERMINERS:
                label = label[0].lower() + label[1:]
            return _Speaker(label, False)
        return self._resolve(mention, index)

    def _resolve(self, pronoun: _Mention, index: int) -> _Speaker | None:
        """A pronoun's person: the nearest named before it in its sentence (a bare word only
        if it speaks there: "Putin warned … what he called"), else whom one of the two
        sentences before was about (their subject, or the speaker they quoted). Gender is not
        checked: news rarely leaves two candidates of different genders that close."""
        sentence = self.sentences[index]
        lo = max(sentence.start, pronoun.start - _WINDOW)
        earlier = [m for m in sentence.within(lo, pronoun.start) if self._antecedent(m)]
        if earlier:
            return self._speaker(earlier[-1], index)
        for back in (1, 2):
            if index - back >= 0 and self.focus[index - back] is not None:
                return self.focus[index - back]
        return None

    def _antecedent(self, mention: _Mention) -> bool:
        """Whether a pronoun later in the mention's sentence can stand for it."""
        return mention.kind == "person" or (
            mention.kind == "proper"
            and (self.names.named(mention.label) or _speaks(self.masked, mention))
        )

    def _focus(self, index: int, speakers: list[_Speaker | None]) -> _Speaker | None:
        """Whom a sentence is about: the speaker it quotes, else the first person it names
        (its subject, mostly), else the first description of a speaker."""
        quoted = [s for s in speakers if s is not None]
        if quoted:
            return quoted[-1]
        mentions = self.sentences[index].mentions
        for mention in mentions:
            if self._is_person(mention) or mention.kind == "pronoun":
                return self._speaker(mention, index)
        for mention in mentions:
            if mention.kind == "description":
                return self._speaker(mention, index)
        return None


# --- across stories -------------------------------------------------------------------------


def normalise_speakers(quotes: Iterable[Quote]) -> list[Quote]:
    """The quotes with each named speaker under one name across stories: "Blinken" here and
    "Antony Blinken" there are both "Antony Blinken", unless the surname is shared by people
    the stories cannot tell apart."""
    quotes = list(quotes)
    seen: defaultdict[str, set[str]] = defaultdict(set)
    for quote in quotes:
        if quote.speaker_named and quote.speaker:
            name = _untitled(quote.speaker)
            seen[name.split()[-1]].add(name)

    def renamed(quote: Quote) -> Quote:
        if not (quote.speaker_named and quote.speaker):
            return quote  # descriptions and unattributed quotes stay as they are
        name = _untitled(quote.speaker)
        return replace(quote, speaker=_canonical(name, seen[name.split()[-1]]))

    return [renamed(q) for q in quotes]


def _untitled(name: str) -> str:
    """A name without the titles in front of it: "U.S. Secretary of State Antony Blinken"."""
    words = name.split()
    while len(words) > 1 and (words[0].lower().rstrip(".") in _TITLE_WORDS or "." in words[0][:-1]):
        words = words[1:]
    return " ".join(words)


def _key(text: str) -> str:
    """A quote's words for comparison: lower case, no punctuation, single spaces."""
    return " ".join(re.sub(r"[^\w\s]|_", " ", text.lower()).split())


def _containers(keys: Sequence[str]) -> list[list[int]]:
    """For each key, the keys that contain it word for word, itself included; only keys that
    share its rarest word are compared, which keeps this near linear on real coverage."""
    having: defaultdict[str, list[int]] = defaultdict(list)
    for j, key in enumerate(keys):
        for word in set(key.split()):
            having[word].append(j)
    padded = [f" {k} " for k in keys]
    containers = []
    for i, key in enumerate(keys):
        if not key:
            containers.append([i])
            continue
        rarest = min(key.split(), key=lambda w: (len(having[w]), w))
        containers.append([j for j in having[rarest] if padded[i] in padded[j]])
    return containers


def _shared_quote(
    quotes: list[Quote], wording: list[Quote], outlet_of: Mapping[str, str]
) -> SharedQuote:
    """One quotation: its longest wording, the commonest speaker of all who carried it or a
    part of it (`quotes`), and their outlets."""
    text = min((q.text for q in wording), key=lambda t: (-len(t), t))
    speakers = Counter(q.speaker for q in quotes if q.speaker)
    speaker = min(speakers, key=lambda s: (-speakers[s], s)) if speakers else None
    return SharedQuote(text, speaker, tuple(sorted({outlet_of.get(q.url, q.url) for q in quotes})))


def quote_stats(
    quotes: Iterable[Quote], outlet_of: Mapping[str, str], sides: Mapping[str, str] | None = None
) -> QuoteStats:
    """Per outlet (by `outlet_of`, url to outlet): whom it quoted and for which side (`sides`
    maps a speaker to a side; any other speaker is "other", no speaker "unattributed"), and
    which quotations several outlets carried against those only one did.

    Two quotes are one quotation when their words (lower case, no punctuation) are equal or
    one holds the other ("nightmare scenario" within "a return to the nightmare scenario"); a
    quote is reused when another outlet carried the same quotation. Each quotation is listed
    once, under its longest wording, with the outlets that carried it or a part of it.
    """
    quotes = sorted(quotes, key=lambda q: (outlet_of.get(q.url, q.url), q.url, q.start))
    shared, carriers = _quotations(quotes, outlet_of)
    by_outlet: defaultdict[str, list[Quote]] = defaultdict(list)
    for quote in quotes:
        by_outlet[outlet_of.get(quote.url, quote.url)].append(quote)
    outlets = [
        _outlet_quotes(
            outlet, own, sides or {}, sum(bool(carriers[_key(q.text)] - {outlet}) for q in own)
        )
        for outlet, own in sorted(by_outlet.items())
    ]
    return QuoteStats(
        outlets=outlets,
        reused=sorted(
            (s for s in shared if len(s.outlets) > 1), key=lambda s: (-len(s.outlets), s.text)
        ),
        exclusive=sorted(
            (s for s in shared if len(s.outlets) == 1), key=lambda s: (s.outlets, s.text)
        ),
    )


def _quotations(
    quotes: Sequence[Quote], outlet_of: Mapping[str, str]
) -> tuple[list[SharedQuote], dict[str, set[str]]]:
    """Each quotation under its longest wording, and for each quote's words the outlets that
    carried the same quotation."""
    keys = sorted({_key(q.text) for q in quotes})
    index = {key: i for i, key in enumerate(keys)}
    by_key: list[list[Quote]] = [[] for _ in keys]
    for quote in quotes:
        by_key[index[_key(quote.text)]].append(quote)
    containers = _containers(keys)
    parts: list[list[int]] = [[] for _ in keys]  # the keys each key contains, itself included
    for i, holding in enumerate(containers):
        for j in holding:
            parts[j].append(i)
    carried = [{outlet_of.get(q.url, q.url) for q in qs} for qs in by_key]
    shared = [
        _shared_quote([q for j in parts[i] for q in by_key[j]], by_key[i], outlet_of)
        for i in range(len(keys))
        if containers[i] == [i]  # the longest wordings: no other quote contains them
    ]
    carriers = {
        key: {o for j in {*containers[i], *parts[i]} for o in carried[j]}
        for i, key in enumerate(keys)
    }
    return shared, carriers


def _outlet_quotes(
    outlet: str, quotes: list[Quote], sides: Mapping[str, str], reused: int
) -> OutletQuotes:
    """One outlet's quoting: by speaker, by side, reused and exclusive."""
    speakers = Counter(q.speaker for q in quotes if q.speaker)
    by_side = Counter(sides.get(q.speaker, OTHER) if q.speaker else UNATTRIBUTED for q in quotes)
    return OutletQuotes(
        outlet=outlet,
        quotes=len(quotes),
        by_speaker=dict(sorted(speakers.items(), key=lambda item: (-item[1], item[0]))),
        by_side=dict(sorted(by_side.items())),
        shares={side: count / len(quotes) for side, count in sorted(by_side.items())},
        reused=reused,
        exclusive=len(quotes) - reused,
    )
