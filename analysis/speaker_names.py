"""One name per person: the spellings, transliterations and short forms of a speaker's name.

Names are compared by their letters' skeleton: transliterated to ASCII (anyascii: Путин is
Putin, بوتين is bwtyn), with vowels dropped and letters that transliterations swap taken as one
(v/w/f, p/b, c/k/q, z/s), so Sergei and Sergey, Lawrow and Lavrov, Poutine and Путин, Blinken
and بلينكن share a key. Two names are one person when their surnames share a key and their
given names, where both have one, agree (by key, or an initial). Within a text a short form
stands for the fullest form the text gives; across an event (normalise) every form of a person
is shown as the most common full form the event gives.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from anyascii import anyascii

from parallax.analysis.quote_words import CONNECTORS, DETERMINERS, LANGUAGES, OFFICES, TITLES
from parallax.analysis.speakers import Mention, Sentence, bare

_TITLE_WORDS = TITLES | CONNECTORS | frozenset().union(*(t.titles for t in LANGUAGES.values()))
_ARABIC = re.compile("[\u0600-\u06ff]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
# Instrumental, genitive and dative endings of Russian and Ukrainian surnames; the vowel
# endings (Лаврова, Путіна) drop out with the vowels anyway.
_CASE_ENDING = re.compile("(?:ым|им|ім|ом|ем|єм|ого|его|ому|ему|ой)$")
# German, English and French spellings of one sound; Arabic gh (غ) writes a foreign g.
_DIGRAPHS = (
    ("tsch", "ch"),
    ("sch", "sh"),
    ("th", "t"),
    ("ph", "f"),
    ("ck", "k"),
    ("kh", "h"),
    ("gh", "g"),
)
_LETTERS = str.maketrans({"w": "f", "v": "f", "p": "b", "c": "k", "q": "k", "z": "s", "x": "ks"})
_VOWELS = re.compile(r"[aeiouy]|j$")  # "Dmitrij", "Selenskyj": a final j is a vowel


@lru_cache(maxsize=65536)
def name_key(word: str) -> str:
    """The skeleton of a word of a name, the same across spellings and scripts (and Russian
    and Ukrainian cases: Лавровым, Зеленского are Лавров, Зеленский)."""
    if len(word) > 5 and _CYRILLIC.search(word):
        word = _CASE_ENDING.sub("", word)
    ascii_word = re.sub(r"[^a-z]", "", anyascii(word).lower())
    if _ARABIC.search(word):
        ascii_word = ascii_word.replace("w", "").replace("y", "")  # و and ي are vowels too
    for digraph, letter in _DIGRAPHS:
        ascii_word = ascii_word.replace(digraph, letter)
    skeleton = re.sub(r"(.)\1+", r"\1", _VOWELS.sub("", ascii_word.translate(_LETTERS)))
    return skeleton or ascii_word  # "Io": no consonant to go by


def untitled(name: str) -> str:
    """A name without the titles in front of it: "U.S. Secretary of State Antony Blinken"."""
    words = name.split()
    while len(words) > 1 and (words[0].lower().rstrip(".") in _TITLE_WORDS or "." in words[0][:-1]):
        words = words[1:]
    return " ".join(words)


def _agree(a: str, b: str) -> bool:
    """Whether two given names are one: the same key, or an initial and a name it starts."""
    a, b = a.rstrip("."), b.rstrip(".")
    if len(a) == 1 or len(b) == 1:
        return anyascii(a)[:1].lower() == anyascii(b)[:1].lower()
    return name_key(a) == name_key(b)


def compatible(a: str, b: str) -> bool:
    """Whether two names can be one person: one surname, and given names that agree (where
    both have one: "Blinken" is anyone called Blinken)."""
    words_a, words_b = a.split(), b.split()
    if name_key(words_a[-1]) != name_key(words_b[-1]):
        return False
    given_a, given_b = words_a[:-1], words_b[:-1]
    return not given_a or not given_b or any(_agree(x, y) for x in given_a for y in given_b)


def canonical(name: str, seen: Iterable[str]) -> str:
    """The longest full name that the name can stand for, or the name itself when the
    surname belongs to more than one person ("Biden" beside "Joe Biden" and "Jill Biden")."""
    group = sorted({n for n in seen if compatible(name, n)} | {name})
    if any(not compatible(a, b) for a in group for b in group):
        return name
    return min(group, key=lambda n: (-len(n.split()), -len(n), n))


def _initials_only(name: str) -> bool:
    """Whether a name's given names are initials only ("J. Biden")."""
    return all(len(w.rstrip(".")) == 1 for w in name.split()[:-1])


DOMINANT = 4  # a bare surname is the person quoted this many times as often as all its namesakes


def merge_names(names: Iterable[str]) -> dict[str, str]:
    """Each name (with its titles) -> the name its person is shown under across an event;
    `names` holds each story's names once, so that "most often" counts stories.

    Names group by the key of their surname, and within a group into people by their given
    names. A bare surname joins the group's person when there is one, or one quoted far more
    often than its namesakes (DOMINANT); a bare word no surname matches joins the one person
    whose given name it is ("Xi" and "Xi Jinping"). Two surnames side by side ("zwischen Biden
    Xi") are no one's name. Each person is shown under the full form the event gives most
    often (then the longest); a name that fits several people stays as it is.
    """
    counts = Counter(names)
    plain = {name: untitled(name) for name in counts}
    surnames: Counter[str] = Counter()
    for name, count in counts.items():
        if len(plain[name].split()) > 1:
            surnames[name_key(plain[name].split()[-1])] += count
    by_key: defaultdict[str, list[str]] = defaultdict(list)
    shown: dict[str, str] = {}
    for name in counts:
        words = plain[name].split()
        acronym = any(w.isalpha() and w.isupper() and len(w) > 1 for w in words)  # "МИД РФ"
        if acronym or (len(words) == 2 and surnames[name_key(words[0])] > counts[name]):
            shown[name] = plain[name]  # an organisation; "Biden Xi": two people's surnames
        else:
            by_key[name_key(words[-1])].append(name)
    people: list[list[str]] = []  # each a list of names of one person
    alone: list[str] = []  # names that could be several people
    for group in by_key.values():
        persons = _people(group, plain, counts, alone)
        bare_names = [n for n in group if len(plain[n].split()) == 1]
        owner = _dominant([(sum(counts[n] for n in p), i) for i, p in enumerate(persons)])
        if owner is not None:
            persons[owner] += bare_names
        else:
            alone += bare_names
        people += persons
    by_given: defaultdict[str, list[int]] = defaultdict(list)
    for index, person in enumerate(people):
        for key in {name_key(plain[n].split()[0]) for n in person if len(plain[n].split()) > 1}:
            by_given[key].append(index)
    for name in alone:
        single = len(plain[name].split()) == 1
        owners = by_given.get(name_key(plain[name]), []) if single else []
        owner = _dominant([(sum(counts[n] for n in people[i]), i) for i in owners])
        if owner is not None:
            people[owner].append(name)
        else:
            shown[name] = plain[name]
    for person in people:
        shown.update(dict.fromkeys(person, _display(person, plain, counts)))
    return shown


def _dominant(weights: list[tuple[int, int]]) -> int | None:
    """Of (weight, index) pairs, the index of the one weighing DOMINANT times all the others
    together, if any."""
    if not weights:
        return None
    weight, index = max(weights)
    return index if weight >= DOMINANT * (sum(w for w, _ in weights) - weight) else None


def _people(
    group: list[str], plain: dict[str, str], counts: Counter[str], alone: list[str]
) -> list[list[str]]:
    """The full names of one surname, as people: names whose given names agree. Names with
    given names in full come first, so that "J. Biden" meets both Joe and Jill; a name that
    fits several people goes to `alone`."""
    persons: list[list[str]] = []
    full = [n for n in group if len(plain[n].split()) > 1]
    for name in sorted(full, key=lambda n: (_initials_only(plain[n]), -counts[n], n)):
        homes = [p for p in persons if all(compatible(plain[name], plain[o]) for o in p)]
        if not homes:
            persons.append([name])
        elif len(homes) == 1:
            homes[0].append(name)
        else:
            alone.append(name)
    return persons


def _display(person: list[str], plain: dict[str, str], counts: Counter[str]) -> str:
    """The form a person is shown under: the full form given most often; among equals one in
    Latin letters, of two words ("Dmitri Peskov" before "Kremla Dmitrij Pieskow"), the longest."""
    forms: Counter[str] = Counter()
    for name in person:
        forms[plain[name]] += counts[name]
    full = [f for f in forms if len(f.split()) > 1] or list(forms)
    return min(
        full,
        key=lambda f: (-forms[f], not f.isascii(), abs(len(f.split()) - 2), -len(f), f),
    )


def _same_word(a: str, b: str, prefix: int = 5) -> bool:
    """Whether two words are one, give or take an ending ("Russian", "Russia's")."""
    return a == b or (min(len(a), len(b)) >= prefix and a[:prefix] == b[:prefix])


class TextNames:
    """The people one text names, by surname, and the roles the text gives them.

    A person is named in full ("Sergey Lavrov"), with a title ("Mr Lavrov"), or as a single
    word that speaks ("Lavrov said", "said Lavrov.") and is never a place ("in Moscow"). A
    single word is also the person whose name it starts when no surname matches it: "Xi" is
    "Xi Jinping".
    """

    def __init__(
        self,
        sentences: Sequence[Sentence],
        speaks: Callable[[Mention], bool],
        places: Iterable[str],
    ) -> None:
        mentions = [m for s in sentences for m in s.mentions]
        self.people = [m for m in mentions if m.kind == "person"]
        self.full: defaultdict[str, set[str]] = defaultdict(set)
        self.given: defaultdict[str, set[str]] = defaultdict(set)
        for person in self.people:
            words = person.label.split()
            self.full[name_key(words[-1])].add(person.label)
            if len(words) > 1:
                self.given[name_key(words[0])].add(person.label)
        self.speaking: set[str] = set()  # single words that speak and are no place
        places = set(places)
        for mention in mentions:
            word = mention.label
            single = mention.kind == "proper" and " " not in word and not word.isupper()
            if single and word not in places and speaks(mention):
                self.speaking.add(word)

    def _full_forms(self, name: str) -> set[str]:
        """The full names the text gives that the name can be short for."""
        key = name_key(name.split()[-1])
        if key in self.full:
            return self.full[key]
        return self.given.get(key, set()) if " " not in name else set()

    def named(self, word: str) -> bool:
        """Whether the word is the surname of someone the text names in full or with a title,
        or the first word of one such name."""
        return bool(self._full_forms(word))

    def known(self, word: str) -> bool:
        """Whether the word is a person's name: a surname the text names, or one that speaks."""
        return self.named(word) or word in self.speaking

    def canonical(self, name: str) -> str:
        """The fullest form of the name this text gives."""
        forms = self._full_forms(name)
        if forms and name_key(name.split()[-1]) not in self.full:
            return next(iter(forms)) if len(forms) == 1 else name  # "Xi": "Xi Jinping"
        return canonical(name, forms)

    def by_role(self, description: str, offset: int, definite: frozenset[str]) -> str | None:
        """The person a definite description refers to ("the Kremlin spokesman", "le président
        chinois"), when the text names one with those words beside the name, nearest before
        the offset first. A head that is a country's one office ("president") needs only the
        country: "the Russian president" is the one the text calls Russia's anything."""
        words = [bare(w).lower() for w in description.split()]
        if not words or (definite and words[0] not in definite):
            return None  # "a senior US official" introduces someone new
        # A language without articles has no determiner to leave out: "держсекретар" is all role.
        rest = words[1:] if definite or words[0] in DETERMINERS else words
        content = [p for w in rest for p in w.split("-") if p not in DETERMINERS and p != "of"]
        prefix = 5
        offices = [w for w in content if w in OFFICES or w.endswith(("präsident", "kanzler"))]
        if offices and len(content) > len(offices):
            content, prefix = [w for w in content if w not in offices], 3  # ruso ~ Rusia
        matches = [
            p
            for p in self.people
            if content and all(_role_word(w, _split(p.role), prefix) for w in content)
        ]
        before = [p for p in matches if p.start < offset]
        chosen = before[-1:] or [p for p in matches if p.start > offset][:1]
        return self.canonical(chosen[0].label) if chosen else None


def _role_word(word: str, role: set[str], prefix: int) -> bool:
    """Whether a description's word is one of the role's, give or take an ending, or a compound
    shortened from two of them, as Russian and Ukrainian shorten titles: "госсекретарь" is
    "государственный секретарь", "держсекретар" "державного секретаря"."""
    if any(_same_word(word, r, prefix) for r in role):
        return True
    return any(
        word.startswith(head[:cut]) and _same_word(word[cut:], tail, prefix)
        for head in role
        for tail in role
        if head != tail
        for cut in (3, 4)
        if len(head) > cut
    )


def _split(words: Iterable[str]) -> set[str]:
    """Words and the parts of their hyphenated compounds ("US-Präsident": "us", "präsident")."""
    return {part for word in words for part in (word, *word.split("-"))}
