"""Chinese in one script: traditional characters read as simplified ones.

Mainland outlets write simplified characters; Hong Kong, Taiwan and many overseas outlets write
traditional ones, and mirror each other's stories across the two. Compared character by
character, a mirror shares nothing with its original, and in word counts every traditional
character looks like a word of its own outlet. OpenCC's t2s conversion (phrase-aware, so 乾隆
stays 乾隆 while 乾淨 becomes 干净) puts both in simplified characters before they are compared.
"""

from __future__ import annotations

import functools

import opencc


def simplified(text: str) -> str:
    """The text with traditional Chinese characters written as simplified ones."""
    converted: str = _converter().convert(text)
    return converted


@functools.cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")
