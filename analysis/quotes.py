"""Direct quotations in news text, who said them, and which outlets carried the same words.

The public face of four modules, each one step:

- `quote_spans`: where the quotations are, by their marks in the conventions of many languages;
- `speakers`: who could be speaking in a sentence (names, pronouns, descriptions), and
  `arabic_speakers` for Arabic, which has no capitals;
- `attribution`: who said each quotation (`find_quotes`), with `speaker_names` for one name
  per person within a text;
- `quote_stats`: across an event's stories, one name per person (`normalise_speakers`) and
  whom each outlet quoted (`quote_stats`).

The words each language is read with are in `quote_words`.
"""

from __future__ import annotations

from parallax.analysis.attribution import Quote, find_quotes
from parallax.analysis.quote_stats import (
    OTHER,
    UNATTRIBUTED,
    OutletQuotes,
    QuoteStats,
    SharedQuote,
    normalise_speakers,
    quote_stats,
)

__all__ = [
    "OTHER",
    "UNATTRIBUTED",
    "OutletQuotes",
    "Quote",
    "QuoteStats",
    "SharedQuote",
    "find_quotes",
    "normalise_speakers",
    "quote_stats",
]
