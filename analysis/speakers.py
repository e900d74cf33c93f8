"""Who could be speaking in a sentence: the names, pronouns and descriptions of people in it.

Names are read from capitalisation: a run of capitalised words ("U.S. Secretary of State
Antony Blinken") names a person when its last words can be a name, else an organisation or a
place. A capitalised word is no name where it is a title, a weekday, a month, a demonym, the
last word of an organisation, a place the text puts after "in"/"à"/"в", or a common word that
only starts the sentence ("Mientras Putin", "Ранее Макрон", "Zugleich"). Arabic, which has no
capitals, names its speaker right after the speech verb ("وقال الرئيس الروسي فلاديمير بوتين"):
there the name is the phrase after a verb, less its titles.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import stopwordsiso

from parallax.analysis.quote_words import (
    ABBREVIATIONS,
    CONJUNCTIONS,
    CONNECTORS,
    DETERMINERS,
    EN,
    FUNCTION_WORDS,
    NAME_PARTICLES,
    ORG_WORDS,
    PLACE_WORDS,
    ROLE_NOUNS,
    TITLE_ENDINGS,
    TITLES,
    Language,
)

WORD = re.compile(r"(?:[^\W\d_]\.){2,}|[^\W\d_][\w’'-]*")
_APPOSITION = re.compile(r",([^,.;]*)")
# Endings of the French and Spanish past tenses that follow a description's noun where an
# adjective would: "el mandatario ruso agradeció", "les dirigeants ont déclaré".
_VERB_ENDING = re.compile(r"(?:ó|é|aron|ieron|ait|aient)$")
_DOTTED = ABBREVIATIONS | TITLES  # words a full stop can follow inside a name ("Col. Buck")
_INVERTED_PRONOUN = re.compile(r"-t-(il|elle)$")  # French "a-t-il déclaré"


@dataclass(frozen=True)
class Mention:
    """A possible speaker in a sentence: a name, a pronoun or a description."""

    start: int
    end: int
    kind: str  # person | proper | pronoun | possessive | description
    label: str
    role: frozenset[str] = frozenset()  # for a person: the words around the name


@dataclass(frozen=True)
class Sentence:
    """One sentence of a text and the mentions in it."""

    start: int
    end: int
    mentions: tuple[Mention, ...]
    starts: tuple[int, ...]  # of the mentions, for bisection

    def within(self, a: int, b: int) -> list[Mention]:
        """The mentions that lie between offsets a and b."""
        first, last = bisect_left(self.starts, a), bisect_left(self.starts, b)
        return [m for m in self.mentions[first:last] if m.end <= b]


@cache
def _stopwords(code: str) -> frozenset[str]:
    """The common words of a language (stopwords-iso), which start sentences, not names."""
    return frozenset(stopwordsiso.stopwords(code)) if stopwordsiso.has_lang(code) else frozenset()


class MentionReader:
    """Finds the mentions of one text's sentences, knowing its language and its places."""

    def __init__(self, masked: str, code: str, words: Language, cue: re.Pattern[str]) -> None:
        self.masked, self.words, self.cue = masked, words, cue
        # "Laut Lawrow": a one-word "according to" is no name either
        according = frozenset(a.lower() for a in words.according if " " not in a)
        self.not_names = words.not_names | EN.not_names | words.titles | according
        self.roles = words.roles or ROLE_NOUNS  # English "general" is a Spanish adjective
        # "На думку французького президента": an "according to" is no part of a description
        self.according = frozenset(w.lower() for a in words.according for w in a.split())
        self.determiners = DETERMINERS | words.definite | words.indefinite
        self.stop = _stopwords(code)
        self.common = self.stop | frozenset(
            t.group() for t in WORD.finditer(masked) if t.group().islower()
        )
        prepositions = "|".join(words.places or EN.places)
        found = re.findall(rf"(?<!\w)(?:{prepositions}) ([^\W\d_][\w-]+)", masked, re.IGNORECASE)
        self.places = frozenset(w for w in found if w[0].isupper())
        self._place_stems = frozenset(_stem(w) for w in self.places)
        self.nouns: frozenset[str] = frozenset()
        if words.articles:  # "die Osterweiterung", "la Russie": nouns, not names
            articles = "|".join(re.escape(a) for a in words.articles)
            self.nouns = frozenset(re.findall(rf"(?<!\w)(?:{articles}) ([^\W\d_][\w-]*)", masked))

    def sentence(self, a: int, b: int) -> Sentence:
        """The sentence between offsets a and b, with its mentions."""
        found = self._mentions(a, b)
        return Sentence(a, b, tuple(found), tuple(m.start for m in found))

    def _mentions(self, a: int, b: int) -> list[Mention]:
        """The names, pronouns and descriptions of people in one sentence, in order."""
        tokens = list(WORD.finditer(self.masked, a, b))
        found: list[Mention] = []
        named: set[int] = set()  # tokens inside a name
        for run in self._runs(tokens):
            mention = self._name(tokens, run)
            if mention is not None:
                found.append(mention)
                if mention.kind == "person":
                    named.update(run)
        for index, token in enumerate(tokens):
            word = token.group().lower()
            inverted = _INVERTED_PRONOUN.search(word) if "-" in word else None
            if word in self.words.pronouns or inverted:
                start = token.start() + inverted.start() + 3 if inverted else token.start()
                found.append(Mention(start, token.end(), "pronoun", word))
            elif word in self.words.possessives:
                found.append(Mention(token.start(), token.end(), "possessive", word))
            elif index not in named and self._is_role(token.group()):
                description = self._description(tokens, index, named)
                found += [description] if description else []
        return sorted(found, key=lambda m: (m.start, m.end))

    def _is_role(self, word: str) -> bool:
        """Whether a word can head a description of a speaker ("official", "mandatario",
        German "US-Präsident")."""
        lower = word.lower()
        return _singular(lower) in self.roles or (
            word[0].isupper() and lower.endswith(TITLE_ENDINGS) and bool(self.words.articles)
        )

    def _runs(self, tokens: Sequence[re.Match[str]]) -> list[list[int]]:
        """Runs of capitalised words (with "of", "von" and the like between them), as indices;
        a common word that starts the sentence or a clause starts no run."""
        runs: list[list[int]] = []
        for index, token in enumerate(tokens):
            word = token.group()
            joined = bool(runs) and runs[-1][-1] == index - 1 and self._adjacent(tokens, index)
            if word[0].isupper():
                if not joined and word.lower() in self.common and self._initial(tokens, index):
                    continue  # "Mientras Putin", "Ранее Макрон", "Bei der Videokonferenz"
                if joined:
                    runs[-1].append(index)
                else:
                    runs.append([index])
            elif joined and word in CONNECTORS and self._leads_to_name(tokens, index):
                runs[-1].append(index)
        return runs

    def _initial(self, tokens: Sequence[re.Match[str]], index: int) -> bool:
        """Whether a word starts its sentence or a clause (after a colon, dash or quote)."""
        if index == 0:
            return True
        gap = self.masked[tokens[index - 1].end() : tokens[index].start()]
        return bool(re.search(r"[:;—–\x00«»“”„\"(]", gap))

    def _adjacent(self, tokens: Sequence[re.Match[str]], index: int) -> bool:
        """Whether a word follows the one before with only a space (or a title's full stop)."""
        before = tokens[index - 1]
        gap = self.masked[before.end() : tokens[index].start()]
        dotted = before.group().lower() in _DOTTED or len(before.group()) == 1
        if gap.startswith(".") and dotted:
            gap = gap[1:]  # "Col. Buck Harrington", "Mr. Blinken", "J. Smith"
        return bool(gap) and gap.isspace()

    def _leads_to_name(self, tokens: Sequence[re.Match[str]], index: int) -> bool:
        """Whether connecting words from index on lead to a capitalised word."""
        for later in range(index + 1, len(tokens)):
            if not self._adjacent(tokens, later):
                return False
            if tokens[later].group()[0].isupper():
                return True
            if tokens[later].group() not in CONNECTORS:
                return False
        return False

    def _is_name_word(self, word: str) -> bool:
        """Whether a capitalised word can be part of a person's name."""
        lower = word.lower().rstrip(".")
        return (
            word[0].isupper()
            and not (word.isupper() and len(word) > 1)
            and "." not in word
            and lower not in _NOT_NAMES
            and lower not in self.not_names
            and _stem(word) not in self._place_stems
            and word not in self.nouns
            and not lower.endswith(TITLE_ENDINGS)
        )

    def _name(self, tokens: Sequence[re.Match[str]], run: list[int]) -> Mention | None:
        """The person, or else the organisation or place, a run of capitalised words names.

        A person's name is the run's last one to four words that can be part of a name, after
        any title ("U.S. Secretary of State Antony Blinken"); a single word is a person's only
        after a title ("Mr Blinken"), else it is a proper name the attribution weighs by where
        it stands.
        """
        words = [tokens[i].group() for i in run]
        if words[0] in self.nouns and len(words) > 1:  # "la Maison Blanche": an organisation
            start, end = tokens[run[0]].start(), tokens[run[-1]].end()
            return Mention(start, end, "proper", " ".join(words))
        first = len(words)  # the name is words[first:]
        while first > 0 and self._may_end_name(words, first - 1):
            first -= 1
        while first < len(words) and words[first] in NAME_PARTICLES:
            first += 1  # "von der Leyen" keeps particles inside a name, not in front of it
        office = first > 0 and words[first - 1].lower() in self.words.titles
        if self.words.genitive_follows and office and len(words) - first >= 3:
            first += 1  # "Президент России Владимир Путин": the office's country, not a name
        name = words[first:]
        if name and len(name) <= 4 and name[0].lower() not in PLACE_WORDS:
            start, end = tokens[run[first]].start(), tokens[run[-1]].end()
            label = bare(" ".join(self.masked[start:end].split()))
            before = words[first - 1].lower().rstrip(".") if first > 0 else ""
            titled = (
                before in TITLES or before in self.words.titles or before.endswith(TITLE_ENDINGS)
            )
            if len(name) > 1 or titled:
                role = self._role_words(tokens, run, first)
                return Mention(start, end, "person", label, role)
            return Mention(start, end, "proper", label)
        head = words[-1].lower()
        if head in TITLES or _singular(head) in self.roles or head.endswith(TITLE_ENDINGS):
            return None  # "Russia's Foreign Minister", "US-Präsident": a description
        kept = [bare(w) for w in words if w.lower() not in FUNCTION_WORDS]
        if not kept or (len(kept) == 1 and kept[0].lower() in self.not_names):
            return None  # "Thursday", "American": no one
        start = tokens[run[0]].start()
        return Mention(start, tokens[run[-1]].end(), "proper", " ".join(kept))

    def _may_end_name(self, words: list[str], index: int) -> bool:
        """Whether words[index] can belong to a name that runs to the end of the words: a
        name word, or a particle inside it; a possessive only at the end ("Ukraine's Dmytro
        Kuleba")."""
        word, last = words[index], index == len(words) - 1
        if not last and bare(word) != word:
            return False
        return self._is_name_word(bare(word)) or (word in NAME_PARTICLES and not last)

    def _role_words(
        self, tokens: Sequence[re.Match[str]], run: list[int], suffix: int
    ) -> frozenset[str]:
        """The words that say what a named person is: before the name, and in an apposition
        after it ("Kremlin spokesman Dmitry Peskov", "Mark Ellison, a Russia analyst at …")."""
        first, last = run[0] + suffix, run[-1]
        words: list[str] = []
        for token in reversed(tokens[max(0, first - 6) : first]):
            word = token.group()
            if word.lower() in CONJUNCTIONS or self.cue.fullmatch(word):
                break  # "Chinese President Xi Jinping warned Joe Biden": Xi's words, not Biden's
            words.append(word)
        apposition = _APPOSITION.match(self.masked, tokens[last].end())
        words += apposition.group(1).split()[:8] if apposition else []
        return frozenset(bare(w).lower() for w in words)

    def _description(
        self, tokens: Sequence[re.Match[str]], index: int, named: set[int]
    ) -> Mention | None:
        """A description of a speaker headed by the role noun at index ("a senior US
        official", "le président chinois", "президент США")."""
        following = index + 1 < len(tokens) and self._adjacent(tokens, index + 1)
        titled = following and tokens[index + 1].group()[0].isupper()
        if titled and (index + 1 in named or index + 2 in named or not self.words.genitive_follows):
            return None  # "Kremlin spokesman Dmitry Peskov": a title before a name
        first = index
        while first > 0 and index - first < 5 and self._adjacent(tokens, first):
            word = tokens[first - 1].group().lower()
            if word in self.determiners:
                first -= 1
                break
            if word in FUNCTION_WORDS or word in self.according or self.cue.fullmatch(word):
                break
            first -= 1
        last = index + 1 if titled else index
        of = index + 2 < len(tokens) and tokens[index + 1].group() == "of"
        if of and tokens[index + 2].group().lower() not in FUNCTION_WORDS:
            last = index + 2  # "the secretary of state", not "the head of the", "of all"
        while (
            self.words.adjectives_follow
            and last + 1 < len(tokens)
            and last - index < 2
            and self._adjacent(tokens, last + 1)
            and tokens[last + 1].group().islower()
            and tokens[last + 1].group() not in self.stop
            and not _VERB_ENDING.search(tokens[last + 1].group())
            and not self.cue.fullmatch(tokens[last + 1].group())
        ):
            last += 1  # "le président chinois", "el mandatario francés"
        gap = self.masked[tokens[first - 1].end() : tokens[first].start()] if first else ""
        after_cue = bool(first) and bool(self.cue.fullmatch(tokens[first - 1].group()))
        bare_noun = tokens[first].group().lower() not in self.determiners
        # Without articles, a bare noun is the one the text means where it opens the sentence
        # (after words such as "Водночас", meanwhile, at most), or follows a speech verb.
        opening = not self.words.definite and all(
            tokens[j].group().lower() in FUNCTION_WORDS for j in range(first)
        )
        if (
            bare_noun
            and first
            and gap.isspace()
            and (self.words.definite or not after_cue)
            and not opening
        ):
            return None  # "a senior US official"; without articles, "сказал президент США"
        start, end = tokens[first].start(), tokens[last].end()
        return Mention(start, end, "description", self.masked[start:end])


_NOT_NAMES = TITLES | ORG_WORDS | FUNCTION_WORDS


def bare(word: str) -> str:
    """The word without a possessive ending."""
    return re.sub(r"[’']s?$", "", word)


def _stem(word: str) -> str:
    """A word less its last letter, so that inflected forms of a place meet ("в Москве",
    "Москва")."""
    return word[:-1] if len(word) > 4 else word


def _singular(word: str) -> str:
    """A plural's singular, crudely: "officials" is "official"."""
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word
