"""Who said each quotation of a text, the way a reader attributes it.

From the clause around the quote ("X said", "said X", "according to X", "„…“, so X"), from a
pronoun for the person the sentences before were about, from a speech verb with no subject in
a language that drops it ("«…», añadió"), or, when the quote stands alone, from the sentence
before. A speaker is a name where the text gives one (a person, or an organisation such as
"Kremlin"), the description as written where it does not ("a senior US official"), and None
where nothing says who spoke: unattributed quotes are counted, never guessed. Pronouns are
resolved without gender.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from parallax.analysis.arabic_speakers import ARABIC_AFTER, ArabicReader
from parallax.analysis.languages import primary
from parallax.analysis.quote_spans import Span, mask_quotations, quotation_spans
from parallax.analysis.quote_words import (
    ADDRESSING,
    ADVERBIAL,
    CONJUNCTIONS,
    DETERMINERS,
    EN,
    FUNCTION_WORDS,
    OBJECT_MARKERS,
    PREPOSITIONS,
    RELATIVES,
    SUBORDINATORS,
    TITLES,
)
from parallax.analysis.quote_words import language as words_of
from parallax.analysis.speaker_names import TextNames
from parallax.analysis.speakers import Mention, MentionReader, Sentence
from parallax.analysis.text import detect_language, sentence_spans

# How far from a quote its attribution is looked for: a clause or two, in characters; it also
# keeps a hostile text of one endless sentence linear.
_WINDOW = 400
_CHUNK_BREAK = re.compile(r"[,;:()—–\"“”„«»،؛]")
_INVERTED_PRONOUN = re.compile(r"-(?:t-)?(?:il|elle)\b")  # "dit-il", "a-t-elle ajouté"
# Words that open a clause whose subject, if any, is not the subject of the speech verb after it.
_NO_SUBJECT = RELATIVES | PREPOSITIONS | SUBORDINATORS


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
class _Speaker:
    label: str
    named: bool


@cache
def _cues(code: str) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
    """A language's speech cues (verbs, and "according to" as the group `according`), and
    the words that name a speaker only right after a quote."""
    words = words_of(code)
    # English verbs too: news in any language embeds English posts and quotes them so.
    say = sorted(set(words.say) | set(EN.say))
    according = words.according + EN.according
    cue = re.compile(
        r"(?<!\w)(?:(?P<according>" + "|".join(according) + r")|" + "|".join(say) + r")(?![\w-])",
        re.IGNORECASE,
    )
    tag = re.compile(r"[\s,]*(?:" + "|".join(words.tags) + r")\s", re.IGNORECASE)
    return cue, tag if words.tags else None


def find_quotes(text: str, url: str = "", language: str | None = None) -> list[Quote]:
    """Every direct quotation in the text, in order, each with its speaker or None; the text
    is read in its declared language, else in the one detected."""
    spans = quotation_spans(text)
    if not spans:
        return []
    code = primary(language) or detect_language(text)
    masked = mask_quotations(text, spans)
    cue, tag = _cues(code)
    words = words_of(code)
    reader: MentionReader | ArabicReader = (
        ArabicReader(masked, words, cue)
        if words.caseless
        else MentionReader(masked, code, words, cue)
    )
    sentences = [reader.sentence(a, b) for a, b in sentence_spans(text, code)]
    return _Attributor(text, masked, sentences, url, reader, tag).quotes(spans)


class _Attributor:
    """Attributes the quotations of one text, sentence by sentence, remembering whom each
    sentence was about so that "he said" and a quote standing alone can be resolved."""

    def __init__(
        self,
        text: str,
        masked: str,
        sentences: list[Sentence],
        url: str,
        reader: MentionReader | ArabicReader,
        tag: re.Pattern[str] | None,
    ) -> None:
        self.text, self.masked, self.sentences, self.url = text, masked, sentences, url
        self.cue, self.tag, self.words, self.stop = reader.cue, tag, reader.words, reader.stop
        self.names = TextNames(sentences, self._speaks, reader.places)
        self.focus: list[_Speaker | None] = []

    def quotes(self, spans: Sequence[Span]) -> list[Quote]:
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

    def _sentence_quotes(self, index: int, inside: Sequence[Span]) -> list[Quote]:
        """The quotations opening in one sentence, attributed; notes whom it was about."""
        sentence = self.sentences[index]
        ends = [s.start for s in inside[1:]] + [sentence.end] if inside else []
        cued = bool(self.cue.search(self.masked, sentence.start, sentence.end))
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

    def _attribute(self, index: int, span: Span, tail_end: int, cued: bool) -> _Speaker | None:
        """Who said one quotation: the clause right after it (up to `tail_end`), then a speech
        verb before it, then one later on, then a person named before it; failing all that, a
        quote standing alone in a sentence with no speech verb (`cued`) belongs to whom the
        sentence before was about."""
        sentence = self.sentences[index]
        for mention in (
            self._right_after(sentence, span.end, tail_end),
            self._before(sentence, span.start),
            self._later(sentence, span.end, min(sentence.end, span.end + _WINDOW)),
            self._nearest(sentence, span.start),
        ):
            if mention is not None:
                return self._speaker(mention, index)
        return self.focus[index - 1] if index and not cued else None

    def _right_after(self, sentence: Sentence, lo: int, hi: int) -> Mention | None:
        """The speaker of an attribution that follows the quote: "…”, said X", "…”, X said"."""
        tag = self.tag.match(self.masked, lo, hi) if self.tag else None
        if tag is not None:
            return self._named_after(sentence, tag.end(), hi)  # "„…“, so Scholz"
        cue = self.cue.search(self.masked, lo, hi)
        if cue is None:
            return None
        between = self.masked[lo : cue.start()]
        if _INVERTED_PRONOUN.search(cue.group()):
            return Mention(cue.start(), cue.end(), "pronoun", cue.group())  # "dit-il"
        if cue.group("according") or not re.search(r"\w", between):
            if cue.group().lower().endswith("ing"):
                return None  # "…”, adding that": the subject is the sentence's, before the quote
            strict = self._addressing(cue) or bool(cue.group("according"))
            named = self._named_after(sentence, cue.end(), hi, strict)
            return named or self._dropped(cue, hi)
        words = between.lower().split()
        if len(words) > 12 or any(w.strip(",;:") in CONJUNCTIONS for w in words):
            return None  # "…”, while Lavrov said": a clause of its own, not an attribution
        subject = self._subject(sentence, lo, cue.start())
        if subject is None and between.rstrip().endswith(",") and not self._addressing(cue):
            return self._named_after(sentence, cue.end(), hi)  # "„…“ haben, sagte Blinken."
        return subject

    def _before(self, sentence: Sentence, quote_start: int) -> Mention | None:
        """The subject of the last speech verb before the quote: "X said Russia was “…”"."""
        lo = max(sentence.start, quote_start - _WINDOW)
        cues = list(self.cue.finditer(self.masked, lo, quote_start))
        for cue in reversed(cues):
            mention = None
            if cue.group().lower().endswith("ing") and cue is not cues[0]:
                continue  # "X said …, adding that “…”": the subject is the first verb's
            if cue.group("according") or self._inverted(cue, quote_start):
                mention = self._named_after(sentence, cue.end(), quote_start)
            if mention is None and not cue.group("according"):
                mention = self._subject(sentence, lo, cue.start())
            if mention is None and not cue.group("according"):
                mention = self._dropped(cue, quote_start)  # "Añadió: «…»"
            if mention is not None:
                return mention
        return None

    def _inverted(self, cue: re.Match[str], quote_start: int) -> bool:
        """Whether a verb before a quote has its speaker after it, as German, Swedish and
        French put it ("sagte Lawrow: „…“"), English now and then ("said Lavrov: “…”") and
        Arabic always; not a verb whose object is whom it was said to ("told Lavrov: “…”")."""
        if self._addressing(cue):
            return False
        if self.words.caseless:
            return True
        phrase = self.masked[cue.end() : quote_start].rstrip()
        if not phrase.endswith((":", "—", "–")):
            return False  # "said the talks were “useful”": the quote is what was said
        return 0 < len(phrase.split()) <= 6 and not _CHUNK_BREAK.search(phrase[:-1])

    @staticmethod
    def _addressing(cue: re.Match[str]) -> bool:
        """Whether a verb's object is whom it was said to ("told Lavrov"), not its speaker."""
        return cue.group().lower().split()[-1] in ADDRESSING

    def _dropped(self, cue: re.Match[str], hi: int) -> Mention | None:
        """In a language that drops the subject, a verb with nothing after it in its clause
        ("«…», añadió.", "وأضاف: «…»") speaks for whom the text was about: a pronoun."""
        if not self.words.pro_drop:
            return None
        cut = _CHUNK_BREAK.search(self.masked, cue.end(), hi)
        rest = self.masked[cue.end() : cut.start() if cut else hi]
        words = rest.split(".")[0].split()
        if words and not (self.words.caseless and words[0] in ARABIC_AFTER):
            return None  # "وحذر من «…»": "warned of", a preposition where a name would be
        return Mention(cue.start(), cue.end(), "pronoun", "")

    def _later(self, sentence: Sentence, lo: int, hi: int) -> Mention | None:
        """The subject of a speech verb further on: "…”, and it was ready, he said, to"."""
        for cue in self.cue.finditer(self.masked, lo, hi):
            if _INVERTED_PRONOUN.search(cue.group()):
                return Mention(cue.start(), cue.end(), "pronoun", cue.group())
            if cue.group("according"):
                mention = self._named_after(sentence, cue.end(), hi)
            else:
                mention = self._subject(sentence, lo, cue.start())
            if mention is not None:
                return mention
        return None

    def _nearest(self, sentence: Sentence, quote_start: int) -> Mention | None:
        """The person or pronoun nearest before the quote ("Diplomacy, in his words, was “…”")."""
        candidates = [
            m
            for m in sentence.within(max(sentence.start, quote_start - _WINDOW), quote_start)
            if (self._is_person(m) or m.kind in ("pronoun", "possessive", "description"))
            and not self._object(m)
        ]
        return candidates[-1] if candidates else None

    def _object(self, mention: Mention) -> bool:
        """Whether a mention follows a word that makes it an object ("with Biden", "a Biden")."""
        before = self.masked[max(0, mention.start - 12) : mention.start].split()
        return bool(before) and before[-1].lower() in OBJECT_MARKERS

    def _named_after(
        self, sentence: Sentence, lo: int, hi: int, strict: bool = True
    ) -> Mention | None:
        """The speaker named right after a verb: "said Mark Ellison, a Russia analyst",
        "säger analytikern Karin Ekholm", "according to a senior US official". Only words that
        describe the speaker may come before the name and only a time or place after it, so
        "…”, accused NATO of moving" and "…”, speaking after talks with Blinken" name no one."""
        cut = _CHUNK_BREAK.search(self.masked, lo, hi)
        end = cut.start() if cut else hi
        inside = [m for m in sentence.within(lo, end) if m.kind != "possessive"]
        if self.words.caseless:  # the phrase after the verb, read as such (arabic_speakers.py)
            return inside[0] if inside and not self.masked[lo : inside[0].start].strip() else None
        people = [m for m in inside if self._is_person(m)]
        if not people and not inside:
            return None
        chosen = people[0] if people else inside[0]
        for later in people[1:]:  # "säger Stockholm Signals meteorolog Jonas Ek": the last
            gap = self.masked[chosen.end : later.start].lower().split()  # name of one phrase,
            if any(w in ADVERBIAL or w in FUNCTION_WORDS or w in OBJECT_MARKERS for w in gap):
                break  # not one after "nach …" or "with …"
            chosen = later
        before = [
            w
            for w in self.masked[lo : chosen.start].lower().split()
            if w not in DETERMINERS and w not in self.words.definite and w.rstrip(".") not in TITLES
        ]
        after = re.sub(r"[^\w\s]", " ", self.masked[chosen.end : end]).lower().split()
        if any(w in FUNCTION_WORDS or w in self.stop for w in before):
            return None  # "selon un texte publié par la Maison Blanche": not the speaker
        a_name = self._is_person(chosen) or (chosen.kind == "proper" and not strict)
        if after and after[0] not in ADVERBIAL and not a_name:
            return None  # "…”, accused NATO of moving": NATO is no speaker
        if chosen.kind == "description" and cut:
            named = self._named_after(sentence, cut.end(), hi)  # "said the minister, Ann Linde"
            if named is not None and self._is_person(named):
                return named
        return chosen

    def _subject(self, sentence: Sentence, lo: int, verb: int) -> Mention | None:
        """Who a speech verb at `verb` has as subject, looking back clause by clause: the
        nearest person or pronoun, a name set off by commas ("Lavrov, for his part, said"),
        a description, or a name before an apposition ("Igor Savelyev, an analyst, told")."""
        bounds = [lo, *(m.end() for m in _CHUNK_BREAK.finditer(self.masked, lo, verb)), verb]
        description: Mention | None = None
        for k in range(len(bounds) - 2, -1, -1):
            a, b = bounds[k], bounds[k + 1]
            words = self.masked[a:b].strip(" ,;:()—–").split()
            if not words or words[0].lower() in _NO_SUBJECT:
                continue  # "who will be in Kiev", "in agreement with Macron", "if she chose"
            while len(words) > 1 and words[0].lower() in DETERMINERS:
                words = words[1:]  # "The Global Times, a tabloid, said"
            inside = [m for m in sentence.within(a, b) if not self._object(m)]
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

    def _is_person(self, mention: Mention) -> bool:
        """Whether a mention names a person the text knows as one."""
        return mention.kind == "person" or (
            mention.kind == "proper" and self.names.known(mention.label)
        )

    def _speaks(self, mention: Mention) -> bool:
        """Whether a mention is the subject of a speech verb: "Lavrov said", "said Lavrov."."""
        after = self.masked[mention.end : mention.end + 1]
        if after == " " and self.cue.match(self.masked, mention.end + 1):
            return True
        before = self.masked[max(0, mention.start - 24) : mention.start].rstrip()
        ends = [cue.end() for cue in self.cue.finditer(before)]
        return after in (",", ".", ";") and bool(ends) and ends[-1] == len(before)

    def _speaker(self, mention: Mention, index: int) -> _Speaker | None:
        """The speaker a mention stands for."""
        if self._is_person(mention):
            return _Speaker(self.names.canonical(mention.label), True)
        if mention.kind == "proper":
            return _Speaker(mention.label, True)
        if mention.kind == "description":
            definite = self.words.definite | EN.definite if self.words.definite else frozenset()
            person = self.names.by_role(mention.label, mention.start, definite)
            if person is not None:
                return _Speaker(person, True)
            label = mention.label
            if label.split()[0].lower() in DETERMINERS | self.words.definite:
                label = label[0].lower() + label[1:]
            return _Speaker(label, False)
        return self._resolve(mention, index)

    def _resolve(self, pronoun: Mention, index: int) -> _Speaker | None:
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

    def _antecedent(self, mention: Mention) -> bool:
        """Whether a pronoun later in the mention's sentence can stand for it."""
        return mention.kind == "person" or (
            mention.kind == "proper" and (self.names.named(mention.label) or self._speaks(mention))
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
