"""Across the stories of an event: one name per speaker, and whom each outlet quoted.

Which quotations several outlets carried and which only one did: two quotes are one quotation
when their words (lower case, no punctuation) are equal or one holds the other.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from parallax.analysis.attribution import Quote
from parallax.analysis.speaker_names import merge_names

OTHER = "other"
UNATTRIBUTED = "unattributed"


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


def normalise_speakers(quotes: Iterable[Quote]) -> list[Quote]:
    """The quotes with each named speaker under one name across stories: "Blinken" here,
    "Antony Blinken" there and "Блинкен" in a third are all the event's commonest full form,
    unless the surname is shared by people the stories cannot tell apart (speaker_names)."""
    quotes = list(quotes)
    named = {(q.url, q.speaker) for q in quotes if q.speaker_named and q.speaker}
    shown = merge_names(speaker for _, speaker in sorted(named))
    return [
        replace(q, speaker=shown[q.speaker]) if q.speaker_named and q.speaker else q for q in quotes
    ]


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
