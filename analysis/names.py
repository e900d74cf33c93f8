"""The names a text mentions, as keys that hold across spellings and scripts.

Seeded clustering's names rule (analysis/cluster.py) asks whether a story names an event's
distinctive people and places. Stories of one event are written in many scripts, so a name is
compared by its key (speaker_names.name_key: transliterated with anyascii, reduced to its
consonants, Russian and Ukrainian case endings dropped): Blinken, Блинкен, Блінкена and بلينكن
share one key, and so do Lavrov, Лавровым and Lawrow.

Where a script has capitals, a name is a run of capitalised words, referred to by its last word
(text.names). Arabic and Hebrew have no capitals: there every word of four letters or more is a
candidate, and the callers keep only the candidates that are frequent in the event and rare
elsewhere, which ordinary words are not.
"""

from __future__ import annotations

import re

from parallax.analysis.speaker_names import name_key
from parallax.analysis.text import names

_CASELESS_WORD = re.compile(r"[\u0590-\u05ff\u0600-\u06ff\u0750-\u077f]{4,}")
MIN_KEY = 3  # a key of one or two consonants ("Xi", "Io") matches too many other words


def name_keys(text: str) -> dict[str, str]:
    """The keys of the names a text mentions, each with the first spelling found."""
    found: dict[str, str] = {}
    spellings = [*sorted(names(text)), *_CASELESS_WORD.findall(text)]
    for spelling in spellings:
        key = name_key(spelling)
        if len(key) >= MIN_KEY:
            found.setdefault(key, spelling)
    return found
