"""Who could be speaking in Arabic text, which has no capitals to find names by.

Arabic puts the speech verb before its subject ("وقال الرئيس الروسي فلاديمير بوتين إن …"), so
the speaker is the phrase after a verb: its titles (words with the article ال, and title words
such as وزير and باسم), then the name. The phrase ends at punctuation or at a word that starts
what follows: إن/أن ("that"), a preposition, "to the journalists" (للصحفيين), or a participle
(مضيفا "adding"). A phrase of titles alone is a description ("الكرملين", "المتحدث باسم
الخارجية"). Descriptions are matched to names by the titles before a name ("الرئيس الصيني").
"""

from __future__ import annotations

import re

import stopwordsiso

from parallax.analysis.quote_words import Language
from parallax.analysis.speakers import Mention, Sentence

_ARABIC_WORD = re.compile(r"[\u0621-\u064a\u0671-\u06d3][\u0621-\u065f\u0671-\u06d3]*")
# Where an Arabic speaker phrase ends: punctuation, or a word that starts what they said
# (إن, أن "that"), whom they said it to, or when and where.
_ARABIC_STOP = re.compile(r"[،,:؛;.«»\"“”()\n—–-]")
ARABIC_AFTER = frozenset(
    [
        "إن",
        "أن",
        "بأن",
        "إنه",
        "أنه",
        "إنها",
        "أنها",
        "ان",
        "انه",
        "في",
        "خلال",
        "عن",
        "على",
        "مع",
        "من",
        "إلى",
        "الى",
        "أمس",
        "اليوم",
        "يوم",
        "مؤخرا",
        "مؤخراً",
        "سابقا",
        "سابقاً",
        "أيضا",
        "أيضاً",
        "كذلك",
        "قائلا",
        "قائلاً",
        "حول",
        "عقب",
        "بعد",
        "قبل",
    ]
)
_ARABIC_MAX = 7  # words of an Arabic speaker phrase: titles and a name


class ArabicReader:
    """Finds the speakers named in one Arabic text's sentences."""

    def __init__(self, masked: str, words: Language, cue: re.Pattern[str]) -> None:
        self.masked, self.words, self.cue = masked, words, cue
        self.places: frozenset[str] = frozenset()
        self.stop = frozenset(stopwordsiso.stopwords("ar"))

    def sentence(self, a: int, b: int) -> Sentence:
        """The sentence between offsets a and b, with its mentions."""
        found = self._mentions(a, b)
        return Sentence(a, b, tuple(found), tuple(m.start for m in found))

    def _mentions(self, a: int, b: int) -> list[Mention]:
        """The speakers an Arabic sentence names: the phrase after each speech verb. Its name is
        the run of words after its titles (words with the article ال, and title words):
        "الرئيس الروسي فلاديمير بوتين"; a phrase of titles alone ("الكرملين", "المصدر") is a
        description. The phrase ends at punctuation or a word that starts what follows (إن
        "that", في "in", a participle such as مضيفا "adding")."""
        found = []
        for cue in self.cue.finditer(self.masked, a, b):
            tokens: list[re.Match[str]] = []
            for token in _ARABIC_WORD.finditer(self.masked, cue.end(), b):
                gap = self.masked[(tokens[-1].end() if tokens else cue.end()) : token.start()]
                word = _plain_arabic(token.group())
                if _ARABIC_STOP.search(gap) or _ends_phrase(word) or len(tokens) == _ARABIC_MAX:
                    break
                tokens.append(token)
            titles = 0
            while titles < len(tokens) and _arabic_title(tokens[titles].group(), self.words):
                titles += 1
            name: list[re.Match[str]] = []
            for k, token in enumerate(tokens[titles:], titles):
                last = k == len(tokens) - 1 and _ends_at_mark(self.masked, token, b)
                if _arabic_title(token.group(), self.words) and not (name and last):
                    break  # "… فلاديمير بوتن الدول الأوروبية": the object after the name
                if name and token.group().startswith("و"):
                    break  # "واشنطن وحلفاءها": "and its allies" ends a name
                name.append(token)  # "حسن المري:" keeps the al- of a name before a mark
            if name:
                start, end = name[0].start(), name[-1].end()
                role = frozenset(t.group() for t in tokens[:titles])  # "الرئيس الصينى"
                found.append(Mention(start, end, "person", self.masked[start:end], role))
            elif titles:
                start, end = tokens[0].start(), tokens[titles - 1].end()
                found.append(Mention(start, end, "description", self.masked[start:end]))
        return found


def _ends_at_mark(masked: str, token: re.Match[str], b: int) -> bool:
    """Whether punctuation follows a word (the end of a speaker phrase, not a stop word)."""
    return bool(re.match(r"\s*[،,:؛;.]", masked[token.end() : b]))


def _plain_arabic(word: str) -> str:
    """An Arabic word without its vowel marks and shadda ("إنّ" is "إن")."""
    return re.sub("[\u064b-\u0652]", "", word)


def _arabic_title(word: str, words: Language) -> bool:
    """Whether an Arabic word is a title or an adjective of one: it has the article ال, or it
    is a title word (وزير, رئيس, باسم …)."""
    plain = _plain_arabic(word)
    return plain.startswith(("ال", "وال")) or plain in words.titles


def _ends_phrase(word: str) -> bool:
    """Whether an Arabic word starts what follows a speaker, not the speaker: a word of
    ARABIC_AFTER, "to the …" (للصحفيين), or an adverbial participle in -ا (مخاطبا, مضيفا)."""
    return (
        word in ARABIC_AFTER
        or word.startswith("لل")
        or (len(word) > 4 and word.startswith("م") and word.endswith("ا"))
    )
