"""The language of a text, detected with py3langid: one detector for the pages connectors
extract, the seed, migrations that backfill stored articles, and the sentence splitter."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from py3langid.langid import MODEL_FILE, LanguageIdentifier

# The start of a story says its language as well as the whole: on the real coverage of
# ../shared/devsets (653 excerpts, median 900 characters) the first 500 characters are
# identified as often as the full text. Time grows with length (a few ms per 3,000 characters
# of Chinese), so longer stories are cut; 3,000 leaves room for a menu or a dateline first.
# Every language stays possible (no set_languages): on those excerpts only one detection
# disagrees with the labels, a story labelled Chinese that is mostly English, so a shorter
# list has nothing to gain and would mislabel stories in the languages it left out.
DETECT_CHARS = 3000
# py3langid's label for text with no linguistic content (numbers, symbols): no language.
_NO_LANGUAGE = "zxx"
# Varieties the model tells apart that pages declare, and news is written, as one language:
# py3langid takes short Mandarin news for Wu and some Hong Kong news for Cantonese, splitting
# the probability of Chinese between them, and a list of Arabic headlines for Moroccan Arabic.
# They count as their ISO 639 macrolanguage (zh includes yue and wuu; ar, ary and arz), with
# the probabilities summed.
_MACROLANGUAGES = {"yue": "zh", "wuu": "zh", "ary": "ar", "arz": "ar"}

_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Detection:
    """What the detector made of a text: a language code, and how sure it was."""

    language: str | None  # ISO 639 code as py3langid names it ("en", "zh"); None: no language
    confidence: float  # its probability among the model's languages, 0..1


_identifier: LanguageIdentifier | None = None
_lock = threading.Lock()


def _model() -> LanguageIdentifier:
    """The detector, loaded once per process (about a second) by whichever thread asks first.

    Classifying only reads the model, so threads share it; set_languages would change it for
    all of them, so it is never called: every language the model knows stays possible."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                # Probabilities, not raw scores: py3langid scales them by the text's length,
                # so one threshold means the same for a brief and a long story.
                _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def detect_language(text: str) -> Detection:
    """The language a text is written in, from its first DETECT_CHARS characters."""
    sample = text[:DETECT_CHARS]
    if not _LETTER.search(sample):
        return Detection(None, 0.0)
    totals: dict[str, float] = {}
    for code, probability in _model().rank(sample):  # every language the model knows
        language = _MACROLANGUAGES.get(code, code)
        totals[language] = totals.get(language, 0.0) + probability
    best = max(totals, key=totals.__getitem__)
    # A sum of float32 probabilities can pass 1 by a hair.
    confidence = min(float(totals[best]), 1.0)
    return Detection(None if best == _NO_LANGUAGE else str(best), confidence)
