"""Words in a text in any script: what a minimum length in words means for Chinese or Thai.

Shared by connectors (a page's length) and analysis (a clause's or sentence's), so that the two
agree on what a word is, and neither imports the other.
"""

from __future__ import annotations

import re

# Scripts written without spaces between words, and how many characters make a word in them,
# so lengths compare with the space-separated words of other scripts. Segmented Chinese
# corpora average about 1.6 characters a word, Japanese about 1.8 (kana particles are short,
# katakana loanwords long): 1.7 for both. A Thai, Lao, Khmer or Burmese word runs to about 4
# code points, since vowel and tone marks are characters of their own. Korean spaces its words.
HAN_KANA = re.compile(
    "[\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\uff66-\uff9f\U00020000-\U0003134f]"
)
SOUTHEAST_ASIAN = re.compile("[\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff]")
UNSPACED = re.compile(f"{HAN_KANA.pattern}|{SOUTHEAST_ASIAN.pattern}")
_WORDLIKE = re.compile(r"\w")
HAN_KANA_CHARS_PER_WORD = 1.7
SOUTHEAST_ASIAN_CHARS_PER_WORD = 4.0


def count_words(text: str) -> int:
    """Words in a text: whitespace-separated ones, and in scripts written without spaces
    (Chinese, Japanese, Thai, ...) their characters at the usual characters per word."""
    words = 0
    han_kana = southeast_asian = 0
    for token in text.split():
        if not UNSPACED.search(token):
            words += 1
            continue
        han_kana += len(HAN_KANA.findall(token))
        southeast_asian += len(SOUTHEAST_ASIAN.findall(token))
        # What is left between those characters: Latin names, numbers ("15日" has one).
        words += sum(1 for rest in UNSPACED.split(token) if _WORDLIKE.search(rest))
    return words + round(
        han_kana / HAN_KANA_CHARS_PER_WORD + southeast_asian / SOUTHEAST_ASIAN_CHARS_PER_WORD
    )
