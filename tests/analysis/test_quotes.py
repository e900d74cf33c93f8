"""Quotations: their marks, their speakers, one name per person, per-outlet counts, the demo."""

from __future__ import annotations

import csv
import json
import re
import time
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from parallax.analysis.quotes import (
    OTHER,
    UNATTRIBUTED,
    Quote,
    find_quotes,
    normalise_speakers,
    quote_stats,
)
from parallax.analysis.speaker_names import name_key

DEMO = Path(__file__).parents[2] / "config" / "demo"
FLOOR = 0.9  # the floor for precision and recall, detection and attribution


def texts(text: str) -> list[str]:
    return [q.text for q in find_quotes(text)]


def speakers(text: str) -> list[tuple[str | None, bool]]:
    return [(q.speaker, q.speaker_named) for q in find_quotes(text)]


# --- marks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('He called it "a frank exchange" on Friday.', ["a frank exchange"]),
        ("He called it “a frank exchange” on Friday.", ["a frank exchange"]),
        ("Il a parlé d'« un échange franc » vendredi.", ["un échange franc"]),
        ("Lawrow sprach von »einem offenen Austausch« am Freitag.", ["einem offenen Austausch"]),
        ("Lawrow sprach von „einem offenen Austausch“ am Freitag.", ["einem offenen Austausch"]),
        ("Ławrow mówił o „szczerej wymianie zdań” w piątek.", ["szczerej wymianie zdań"]),
        ("Lavrov talade om ”ett öppet utbyte” på fredagen.", ["ett öppet utbyte"]),
        ("«Мы не хотим конфликта», — сказал Лавров.", ["Мы не хотим конфликта"]),
        ("习近平说「我们愿意合作」,随后离开。", ["我们愿意合作"]),
        ("岸田首相は「『対話』を続ける」と述べた。", ["『対話』を続ける"]),
        ("قال بوتين: «لن يكون هناك منتصرون».", ["لن يكون هناك منتصرون"]),
        ("Biden seeks ‘guardrails’ with China.", ["guardrails"]),
        ("Il parle de « lignes ‹ rouges › » encore.", ["lignes ‹ rouges ›"]),
        # ’ is also the apostrophe: it closes only where no letter follows, and not a plural
        # possessive that another ’ closes later in the sentence.
        ("He said ‘the leaders’ talks were useful’ and left.", ["the leaders’ talks were useful"]),
        ("Perdeu nas ‘meias’ da Copa de 2019. Aos 38’, nada.", ["meias"]),
        ("She said ‘we didn’t agree’ on Friday.", ["we didn’t agree"]),
        # A closing mark closes what was left open inside its quotation.
        ("“The ‘90s are over,” he said.", ["The ‘90s are over,"]),
        # Nested quotes belong to the quotation around them.
        (
            "“They call these ‘red lines’, and they mean it,” she said.",
            ["They call these ‘red lines’, and they mean it,"],
        ),
        (
            "«Il a parlé de “lignes rouges”», a dit l'analyste.",
            ["Il a parlé de “lignes rouges”"],
        ),
        ('He said "this is a "test" case" today.', ['this is a "test" case']),
        # Two quotes in one sentence, and a quote around a sentence break.
        (
            "“We are ready,” he said. “Are they?”",
            ["We are ready,", "Are they?"],
        ),
    ],
)
def test_quotation_marks_of_several_languages(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Russia's troops didn’t move, and the minister's aides weren't told.",
        "He called it 'a frank exchange' and left.",  # ' is never a mark (see quote_spans.py)
        'The screen measured 12" across and 9" high.',
        "",
        "   \n\n  ",
        "The “ unbalanced quote never ends.\nThe next paragraph has none.",
        "A stray closing mark” and a stray » guillemet.",
        "An empty quote “” and “   ” are no quotes.",
    ],
)
def test_no_quotation_where_there_is_none(text: str) -> None:
    assert find_quotes(text) == []


def test_a_quote_over_paragraphs_continues_at_each_opening_mark() -> None:
    text = (
        "Lavrov told reporters: “We do not want a conflict.\n\n"
        "“We want guarantees, in writing.”\n\n"
        "The talks lasted 40 minutes."
    )
    (quote,) = find_quotes(text)
    assert quote.text == "We do not want a conflict. We want guarantees, in writing."
    assert quote.speaker == "Lavrov"


def test_a_quote_left_open_does_not_swallow_the_next_paragraph() -> None:
    text = "Blinken warned of “severe costs.\n\nLavrov said Russia wanted “guarantees”."
    assert [(q.text, q.speaker) for q in find_quotes(text)] == [("guarantees", "Lavrov")]


def test_quote_records_where_it_is_and_its_sentence() -> None:
    text = "The talks ended. Blinken said the US was “deeply concerned”. Lavrov left."
    (quote,) = find_quotes(text, url="http://example.test/a")
    assert quote == Quote(
        url="http://example.test/a",
        text="deeply concerned",
        speaker="Blinken",
        speaker_named=True,
        sentence="Blinken said the US was “deeply concerned”.",
        start=text.index("“"),
    )


def test_a_long_text_without_quotes_is_quick() -> None:
    text = ("Sergey Lavrov met Antony Blinken in Stockholm on Thursday. " * 1800)[:100_000]
    started = time.perf_counter()
    assert find_quotes(text) == []
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(
    "text",
    [
        "“" * 50_000,
        '"' * 50_000,
        "He said “a” " * 8_000,  # one endless sentence with thousands of quotes
        "»«" * 30_000,
    ],
)
def test_hostile_marks_stay_fast(text: str) -> None:
    started = time.perf_counter()
    find_quotes(text)
    assert time.perf_counter() - started < 10.0


# --- attribution --------------------------------------------------------------------------

LAVROV = "Russian Foreign Minister Sergey Lavrov met reporters in Stockholm."
BLINKEN = "U.S. Secretary of State Antony Blinken spoke after the talks."


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        (f"{LAVROV} “We do not want a conflict,” Lavrov said.", "Sergey Lavrov"),
        (f"{LAVROV} “We do not want a conflict,” said Lavrov.", "Sergey Lavrov"),
        (f"{BLINKEN} Blinken says the US is “deeply concerned”.", "Antony Blinken"),
        (f"{BLINKEN} “Diplomacy is the only way,” Blinken added.", "Antony Blinken"),
        (f"{BLINKEN} Blinken told reporters: “We are deeply concerned.”", "Antony Blinken"),
        (f"{BLINKEN} Blinken warned of “severe costs” for Moscow.", "Antony Blinken"),
        (f"{BLINKEN} Mr Blinken stressed that the US was “deeply concerned”.", "Antony Blinken"),
        (f"{BLINKEN} Blinken noted that the talks were “useful”.", "Antony Blinken"),
        (f"{BLINKEN} “We will respond,” Blinken said in a statement.", "Antony Blinken"),
        (f"{LAVROV} According to Lavrov, the talks were “useful”.", "Sergey Lavrov"),
        (f"{LAVROV} The talks were “useful”, according to Lavrov.", "Sergey Lavrov"),
        # The speaker named in the sentence before a quote that stands alone.
        ("Lavrov spoke after the talks. “We do not want conflict.”", "Lavrov"),
        (f"{LAVROV} He added: “We want guarantees.”", "Sergey Lavrov"),
        # Pronouns: the person the sentences before were about, within two sentences.
        (
            "Dr Helen Carver, of the Institute for Eastern Studies, spoke in London. "
            "The talks ended early. “It was a waste of time,” she said.",
            "Helen Carver",
        ),
        (
            f"{BLINKEN} He said Washington was “deeply concerned”. If Moscow chose "
            "confrontation, he warned, there would be “severe costs”.",
            "Antony Blinken",
        ),
        # A name set off by commas, a name before an apposition, titles before a name.
        (
            f"{LAVROV} Lavrov, for his part, said Ukraine must not become a “bridgehead”.",
            "Sergey Lavrov",
        ),
        (
            "Igor Savelyev, a Moscow-based political analyst, told the Courier: "
            "«Stockholm will show whether the Americans came to talk.»",
            "Igor Savelyev",
        ),
        (
            "“Handshakes are cheap”, retired Army Col. Buck Harrington, a former NATO planner, "
            "told The Clarion.",
            "Buck Harrington",
        ),
        (
            "“An estimate is not a prediction”, said Mark Ellison, a Russia analyst at the "
            "Washington-based Center for Strategic Outlook.",
            "Mark Ellison",
        ),
        (
            "The meeting was overshadowed by remarks from President Vladimir Putin, who said "
            "such weapons would cross Russia's “red lines”.",
            "Vladimir Putin",
        ),
        # Other languages' attributions.
        ("„Wir wollen keinen Konflikt“, sagte Lawrow.", "Lawrow"),
        ("«Nous voulons la paix», a déclaré Lavrov.", "Lavrov"),
        ("„Nie chcemy wojny”, powiedział Ławrow.", "Ławrow"),
        ("”Det är viktigt i sig”, säger analytikern Karin Ekholm.", "Karin Ekholm"),
        ("”Det blir halt i natt”, säger Stockholm Signals meteorolog Jonas Ek.", "Jonas Ek"),
        ("Blinken varnade efter mötet för ”allvarliga konsekvenser”.", "Blinken"),
        (
            "Nach dem Treffen mit US-Außenminister Antony Blinken sagte Lawrow: "
            "»Wir wollen keinen Konflikt.«",
            "Lawrow",
        ),
        (
            "« Nous ne voulons pas de conflit », a déclaré M. Lavrov à l'issue de la rencontre.",
            "Lavrov",
        ),
        ("“We are fine,” said J. Smith, a resident.", "J. Smith"),
        # A pronoun chain: each "he" is the person the sentence before was about.
        (
            f"{BLINKEN}\n\n15:25 GMT — Mr Blinken has been speaking to reporters. He says the "
            "US is “deeply concerned”. He also repeated that Washington would help implement "
            "the Minsk agreements. And he warned there would be “serious consequences”.",
            "Antony Blinken",
        ),
    ],
)
def test_attribution_patterns(text: str, speaker: str) -> None:
    assert speakers(text)[-1] == (speaker, True)


@pytest.mark.parametrize(
    ("language", "text", "speaker"),
    [
        ("ru", "«Мы готовим почву», — сказал Макрон журналистам.", "Макрон"),
        ("ru", "Президент России Владимир Путин заявил: «Войны не будет».", "Владимир Путин"),
        ("uk", "«Є критичні глобальні виклики», – Байден прокоментував зустріч.", "Байден"),
        (
            "uk",
            "«Москва пропонує обмін», — вважає колишній дипломат Юрій Бондар з Києва.",
            "Юрій Бондар",
        ),
        ("de", "„Wir wollen keinen Krieg“, so Putin bei der Pressekonferenz.", "Putin"),
        (  # the first name after the verb, not one after "nach … mit"
            "de",
            "Bundeskanzler Olaf Scholz reiste an. „Das ist ein gutes Zeichen“, sagte Scholz nach "
            "seinem Gespräch mit Präsident Wladimir Putin.",
            "Olaf Scholz",
        ),
        (  # "„…“ haben, sagte X": the quote inside the clause the verb ends
            "de",
            "Sollte Russland angreifen, werde das „ernste Konsequenzen“ haben, sagte Blinken.",
            "Blinken",
        ),
        ("fr", "« Nous avons essayé », souligne Emmanuel Macron.", "Emmanuel Macron"),
        (
            "fr",
            "Xi Jinping a mis en garde Washington. « C'est une tendance dangereuse », a-t-il dit.",
            "Xi Jinping",
        ),
        (
            "fr",
            "« Dans l'ensemble nous voulons coopérer », a ajouté Vladimir Poutine en évoquant "
            "l'économie.",
            "Vladimir Poutine",
        ),
        (  # a description resolved by the role the text gives a name, in French
            "fr",
            "Le président chinois Xi Jinping a parlé lundi. Le président chinois a exhorté Biden à "
            "ne pas « jouer avec le feu ».",
            "Xi Jinping",
        ),
        ("es", "«La situación es crítica», dijo Emmanuel Macron en Moscú.", "Emmanuel Macron"),
        (  # Spanish drops the subject: "añadió" speaks for whom the text was about
            "es",
            "Emmanuel Macron llegó a Moscú el lunes. «Es necesario dialogar», añadió.",
            "Emmanuel Macron",
        ),
        (
            "es",
            "El presidente francés Emmanuel Macron habló. «Nos inquieta», sostuvo el mandatario "
            "francés.",
            "Emmanuel Macron",
        ),
        ("ar", "وقال الرئيس الروسي فلاديمير بوتين: «لن يكون هناك منتصرون».", "فلاديمير بوتين"),
        (
            "ar",
            "وقال المتحدث باسم الكرملين ديمتري بيسكوف إن «الوضع معقد جدا».",
            "ديمتري بيسكوف",
        ),
        (  # the subject after the verb, not the object after the name
            "ar",
            "حذر الرئيس الروسي فلاديمير بوتن الدول الأوروبية من أنها «ستنجر إلى صراع».",
            "فلاديمير بوتن",
        ),
        ("ar", "قال حسن المري: «جئت من الرياض».", "حسن المري"),
        (  # Arabic drops the subject too: "وأضاف:" is the speaker before
            "ar",
            "وقال فلاديمير بوتين إن المحادثات كانت مفيدة. وأضاف: «سنتحدث مرة أخرى».",
            "فلاديمير بوتين",
        ),
        (  # a title shortened from the role the text gave the name, opening after "meanwhile";
            # the pronoun of the "if" clause is not the subject of "called"
            "uk",
            "Зустріч державного секретаря США Ентоні Блінкена і Лаврова тривала 40 хвилин. "
            "В Україні побоюються тиску. Київ чекає. Водночас держсекретар попередив Москву про наслідки, "
            "якщо вона обере конфронтацію, і назвав дипломатію «єдиним відповідальним шляхом».",
            "Ентоні Блінкена",
        ),
        (
            "ru",
            "Государственный секретарь США Энтони Блинкен прилетел в Стокгольм. Дипломаты молчат. "
            "Госсекретарь заявил: «Мы готовы к диалогу».",
            "Энтони Блинкен",
        ),
        (  # English quotes in another language's story
            "es",
            "Joe Biden y Xi Jinping hablaron el lunes. Xi started by telling Biden: “I’m very "
            "happy to see my old friend.”",
            "Xi Jinping",
        ),
    ],
)
def test_attribution_in_other_languages(language: str, text: str, speaker: str) -> None:
    quotes = find_quotes(text, language=language)
    assert [(q.speaker, q.speaker_named) for q in quotes][-1] == (speaker, True)


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        # A clause of its own after the quote is not its attribution.
        (
            f"{BLINKEN} Blinken warned of “severe costs”, while Lavrov said NATO was to blame.",
            "Antony Blinken",
        ),
        (
            f"{LAVROV} Lavrov warned of a “nightmare scenario”, accused NATO of moving closer "
            "and called Ukraine a possible “bridgehead”.",
            "Sergey Lavrov",
        ),
        (
            f"{LAVROV} Lavrov said on Thursday that Europe risked a “nightmare scenario”, "
            "speaking after talks with U.S. Secretary of State Antony Blinken.",
            "Sergey Lavrov",
        ),
        # "told X" names whom it was said to: the subject spoke.
        (f"{BLINKEN} Blinken told Lavrov that Russia would face “severe costs”.", "Antony Blinken"),
        (f"{BLINKEN} Blinken told Lavrov: “You will pay a price.”", "Antony Blinken"),
    ],
)
def test_names_near_a_quote_that_did_not_say_it(text: str, speaker: str) -> None:
    assert all(s == (speaker, True) for s in speakers(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "“The talks were professional,” a senior US official said.",
            ("a senior US official", False),
        ),
        (
            "“The talks were professional,” said a senior US official.",
            ("a senior US official", False),
        ),
        (
            "A senior US official said the talks were “professional”.",
            ("a senior US official", False),
        ),
        (
            "In Washington, officials said the talks had been “useful”.",
            ("officials", False),
        ),
        # A role maps to a person only where the text names that person with it.
        (
            "Kremlin spokesman Dmitry Peskov briefed reporters in Moscow. Later, the Kremlin "
            "spokesman said the talks were “a chance to explain positions”.",
            ("Dmitry Peskov", True),
        ),
        (
            f"{LAVROV} The Russian foreign minister said Europe risked a “nightmare scenario”.",
            ("Sergey Lavrov", True),
        ),
        (
            "Talks went on. The Russian foreign minister said Europe risked a “nightmare”.",
            ("the Russian foreign minister", False),
        ),
        (
            "Ukraine's Foreign Minister, Dmytro Kuleba, met Blinken. "
            "The Russian foreign minister later warned of a “nightmare”.",
            ("the Russian foreign minister", False),
        ),
        # An organisation that speaks is named as one.
        (
            "“We will keep talking,” the Kremlin said in a statement.",
            ("Kremlin", True),
        ),
        (
            "The State Department said in a statement that it was “closely monitoring” events.",
            ("State Department", True),
        ),
    ],
)
def test_descriptions_of_speakers(text: str, expected: tuple[str, bool]) -> None:
    assert speakers(text)[-1] == expected


# Words that name no one: weekdays, months, demonyms, places, common words that start a
# sentence, German nouns, pronoun phrases, objects of prepositions.
@pytest.mark.parametrize(
    ("language", "text", "not_speaker"),
    [
        ("en", "On Thursday: “We are ready to talk,” the statement said.", "Thursday"),
        ("en", "“It was useful,” the American side said in a note.", "American"),
        ("fr", "« Nous voulons la paix », a-t-on appris à Moscou.", "Moscou"),
        (
            "en",
            "“We agree,” the foreign ministers of all member states said.",
            "the foreign ministers of all",
        ),
        ("es", "Mientras Putin dijo que la reunión fue «útil».", "Mientras Putin"),
        ("ru", "Ранее Макрон заявил, что это «не вопрос ближайших дней».", "Ранее Макрон"),
        ("de", "Die Osterweiterung der Nato sei „inakzeptabel“, sagte Lawrow.", "Osterweiterung"),
        ("de", "Xi äußerte mit Biden die Hoffnung auf „einen Konsens“.", "Biden"),
        (
            "en",
            "Putin, in agreement with Macron, reiterated that “there is no alternative”.",
            "Macron",
        ),
        ("en", "Macron met Putin, who said the talks were “useful”, in Moscow.", "Macron"),
    ],
)
def test_words_that_name_no_one_are_no_speakers(language: str, text: str, not_speaker: str) -> None:
    for quote in find_quotes(text, language=language):
        assert not_speaker not in (quote.speaker or "")


def test_names_in_other_scripts_are_found_after_the_title() -> None:
    quotes = find_quotes("Президент России Владимир Путин заявил: «Войны не будет».", language="ru")
    assert [q.speaker for q in quotes] == ["Владимир Путин"]


@pytest.mark.parametrize(
    "text",
    [
        "The weather in Stockholm was “terrible” all week.",  # nobody to give it to
        "“We will see,” the statement ended.",  # a speech verb with no speaker
        # A pronoun whose person is three sentences back is not guessed.
        "Sergey Lavrov arrived early. The hall was cold. Tea was served. The hosts were late. "
        "“It was a long day,” he said.",
    ],
)
def test_unattributed_quotes_are_kept_with_no_speaker(text: str) -> None:
    (quote,) = find_quotes(text)
    assert (quote.speaker, quote.speaker_named) == (None, False)


@pytest.mark.parametrize(
    "mention",
    [
        "Blinken",
        "Secretary Blinken",
        "Antony Blinken",
        "Mr Blinken",
        "Mr. Blinken",
        "U.S. Secretary of State Antony Blinken",
    ],
)
def test_one_person_under_one_name_within_a_text(mention: str) -> None:
    text = f"Antony Blinken arrived on Thursday. “We are concerned,” {mention} said."
    assert speakers(text) == [("Antony Blinken", True)]


def test_two_people_with_one_surname_are_not_merged() -> None:
    text = (
        "Joe Biden and Jill Biden visited Delaware. “It was lovely,” Jill Biden said. "
        "“We will be back,” Biden added."
    )
    assert speakers(text) == [("Jill Biden", True), ("Biden", True)]


# --- across stories -----------------------------------------------------------------------


def quote(url: str, text: str, speaker: str | None, named: bool = True) -> Quote:
    return Quote(url, text, speaker, named and speaker is not None, "", 0)


def test_speakers_get_one_name_across_stories() -> None:
    quotes = [
        quote("a", "deeply concerned", "Blinken"),
        quote("b", "severe costs", "Antony Blinken"),
        quote("c", "bridgehead", "Lavrov"),
        quote("c", "the only way", "Blinken"),
        quote("d", "nightmare", "Sergey Lavrov"),
        quote("d", "professional", "a senior US official", named=False),
        quote("e", "candid", None),
        quote("f", "we stand with Ukraine", "Mr. Blinken"),
        quote("f", "no breakthrough", "U.S. Secretary of State Antony Blinken"),
    ]
    assert [q.speaker for q in normalise_speakers(quotes)] == [
        "Antony Blinken",
        "Antony Blinken",
        "Sergey Lavrov",
        "Antony Blinken",
        "Sergey Lavrov",
        "a senior US official",
        None,
        "Antony Blinken",
        "Antony Blinken",
    ]


def test_a_surname_shared_across_stories_stays_bare() -> None:
    quotes = [
        quote("a", "lovely", "Jill Biden"),
        quote("b", "strong measures", "Joe Biden"),
        quote("c", "we will see", "Biden"),
        quote("d", "a long talk", "J. Biden"),  # fits both: left as it is
    ]
    assert [q.speaker for q in normalise_speakers(quotes)] == [
        "Jill Biden",
        "Joe Biden",
        "Biden",
        "J. Biden",
    ]


@pytest.mark.parametrize(
    ("names", "shown"),
    [
        (  # spellings, transliterations and scripts of one person
            [
                "Sergey Lavrov",
                "Sergey Lavrov",
                "Sergei Lavrov",
                "Сергей Лавров",
                "Lawrow",
                "لافروف",
            ],
            "Sergey Lavrov",
        ),
        (
            ["Vladimir Putin", "Vladimir Putin", "Vladimir Poutine", "Путин", "بوتين", "Putina"],
            "Vladimir Putin",
        ),
        (["Antony J. Blinken", "Anthony Blinken", "Anthony Blinken", "Блинкен"], "Anthony Blinken"),
        (["Xi Jinping", "Xi Jinping", "Xi"], "Xi Jinping"),  # a given name first: Xi is Xi Jinping
        (  # Russian and Ukrainian case endings: instrumental, genitive
            ["Сергей Лавров", "Сергей Лавров", "Сергієм Лавровим", "Лаврова"],
            "Сергей Лавров",
        ),
    ],
)
def test_one_person_is_one_name_across_spellings_and_scripts(names: list[str], shown: str) -> None:
    quotes = [quote(f"u{i}", f"q{i}", name) for i, name in enumerate(names)]
    assert {q.speaker for q in normalise_speakers(quotes)} == {shown}


def test_the_name_shown_is_the_full_form_most_stories_give() -> None:
    quotes = [
        quote("a", "x", "Dmitry Peskov"),
        quote("b", "y", "Dmitry Peskov"),
        quote("c", "z", "Rzecznik Kremla Dmitrij Pieskow"),  # one story, many quotes
        quote("c", "w", "Rzecznik Kremla Dmitrij Pieskow"),
        quote("c", "v", "Rzecznik Kremla Dmitrij Pieskow"),
        quote("d", "u", "Песков"),
    ]
    assert {q.speaker for q in normalise_speakers(quotes)} == {"Dmitry Peskov"}


def test_a_bare_surname_goes_to_the_person_quoted_far_more_often() -> None:
    quotes = [quote(f"j{i}", "x", "Joe Biden") for i in range(8)]
    quotes += [quote("h", "y", "Hunter Biden"), quote("b", "z", "Biden")]
    assert [q.speaker for q in normalise_speakers(quotes)][-2:] == ["Hunter Biden", "Joe Biden"]


def test_two_surnames_side_by_side_are_no_name() -> None:
    quotes = [quote(f"b{i}", "x", "Joe Biden") for i in range(3)]
    quotes += [quote("x", "y", "Xi Jinping"), quote("g", "z", "Biden Xi"), quote("h", "w", "Xi")]
    assert [q.speaker for q in normalise_speakers(quotes)][-3:] == [
        "Xi Jinping",
        "Biden Xi",
        "Xi Jinping",
    ]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Lavrov", "Лавров", True),
        ("Lavrov", "Lawrow", True),
        ("Putin", "بوتين", True),
        ("Poutine", "Путин", True),
        ("Zelensky", "Selenskyj", True),
        ("Blinken", "Biden", False),
        ("Putin", "Peskov", False),
    ],
)
def test_name_keys_are_one_across_spellings(a: str, b: str, same: bool) -> None:
    assert (name_key(a) == name_key(b)) is same


def test_a_description_is_never_merged_with_a_name() -> None:
    quotes = [quote("a", "x", "official", named=False), quote("b", "y", "Mark Official")]
    assert [q.speaker for q in normalise_speakers(quotes)] == ["official", "Mark Official"]


# --- per-outlet statistics ----------------------------------------------------------------

OUTLETS = {"w1": "Wire", "w2": "Wire", "c1": "Courier", "d1": "Daily", "d2": "Daily"}
SIDES = {"Antony Blinken": "US", "Sergey Lavrov": "Russia"}
STATS_QUOTES = [
    quote("w1", "deeply concerned", "Antony Blinken"),
    quote("w1", "nightmare scenario of military confrontation", "Sergey Lavrov"),
    quote("w2", "Both sides want to be seen talking.", "Mark Ellison"),
    quote("c1", "“Nightmare scenario of military confrontation”!", "Sergey Lavrov"),
    quote("c1", "Stockholm will show whether they came to talk", "Igor Savelyev"),
    quote("d1", "deeply  CONCERNED,", "Antony Blinken"),
    quote("d1", "Europe risks a return to the nightmare scenario of military confrontation", None),
    quote("d2", "professional", "a senior US official", named=False),
]


def test_quote_stats_per_outlet() -> None:
    stats = quote_stats(STATS_QUOTES, OUTLETS, SIDES)
    by_outlet = {o.outlet: o for o in stats.outlets}
    assert [o.outlet for o in stats.outlets] == ["Courier", "Daily", "Wire"]
    wire, daily = by_outlet["Wire"], by_outlet["Daily"]
    assert wire.quotes == 3
    assert wire.by_speaker == {"Antony Blinken": 1, "Mark Ellison": 1, "Sergey Lavrov": 1}
    assert wire.by_side == {OTHER: 1, "Russia": 1, "US": 1}
    assert wire.shares == pytest.approx({OTHER: 1 / 3, "Russia": 1 / 3, "US": 1 / 3})
    assert daily.by_speaker == {"Antony Blinken": 1, "a senior US official": 1}
    assert daily.by_side == {OTHER: 1, UNATTRIBUTED: 1, "US": 1}
    assert sum(daily.shares.values()) == pytest.approx(1.0)
    # Reused: the same words in case, spacing and punctuation, or within a longer quote.
    assert (wire.reused, wire.exclusive) == (2, 1)
    assert (daily.reused, daily.exclusive) == (2, 1)
    assert (by_outlet["Courier"].reused, by_outlet["Courier"].exclusive) == (1, 1)


def test_quote_stats_reused_and_exclusive_quotes() -> None:
    stats = quote_stats(STATS_QUOTES, OUTLETS, SIDES)
    assert [(s.text, s.speaker, s.outlets) for s in stats.reused] == [
        (
            "Europe risks a return to the nightmare scenario of military confrontation",
            "Sergey Lavrov",
            ("Courier", "Daily", "Wire"),
        ),
        ("deeply  CONCERNED,", "Antony Blinken", ("Daily", "Wire")),
    ]
    assert [(s.text, s.outlets) for s in stats.exclusive] == [
        ("Stockholm will show whether they came to talk", ("Courier",)),
        ("professional", ("Daily",)),
        ("Both sides want to be seen talking.", ("Wire",)),
    ]


def test_a_short_quote_inside_two_long_ones_does_not_merge_them() -> None:
    quotes = [
        quote("w1", "bridgehead", "Sergey Lavrov"),
        quote("c1", "Ukraine must not become a bridgehead against Russia", "Sergey Lavrov"),
        quote("d1", "Nobody in Kyiv wants to be a bridgehead for anyone", "Oksana Tkachuk"),
    ]
    stats = quote_stats(quotes, OUTLETS)
    assert [(s.text, s.outlets) for s in stats.reused] == [
        ("Nobody in Kyiv wants to be a bridgehead for anyone", ("Daily", "Wire")),
        ("Ukraine must not become a bridgehead against Russia", ("Courier", "Wire")),
    ]
    assert [(o.outlet, o.reused) for o in stats.outlets] == [
        ("Courier", 1),
        ("Daily", 1),
        ("Wire", 1),
    ]


def test_quote_stats_are_deterministic_and_take_no_sides_by_default() -> None:
    backwards = STATS_QUOTES[::-1]
    assert quote_stats(backwards, OUTLETS, SIDES) == quote_stats(STATS_QUOTES, OUTLETS, SIDES)
    plain = quote_stats(STATS_QUOTES, OUTLETS)
    assert {o.outlet: o.by_side for o in plain.outlets}["Wire"] == {OTHER: 3}
    assert quote_stats([], OUTLETS).outlets == []


# --- the demo corpus ----------------------------------------------------------------------


@dataclass(frozen=True)
class DemoArticle:
    outlet: str
    url: str
    text: str
    quotes: tuple[tuple[str, str], ...]  # (text, speaker), as labelled


def demo_text(body: str) -> str:
    """A demo body as the pipeline stores it: paragraphs, subheadings as plain lines."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    return "\n\n".join(p.removeprefix("## ") for p in paragraphs)


def demo_tables() -> Iterator[tuple[dict[str, Any], dict[str, Any], str]]:
    """(outlet, article, url) for every article table of the demo's story files."""
    for path in sorted((DEMO / "stories").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        outlet = data["outlet"]
        for a in data["articles"]:
            yield outlet, a, f"http://{outlet['domain']}{a['path']}"


def demo_articles() -> list[DemoArticle]:
    """Every demo article, with the quotations its labels list."""
    articles = []
    for outlet, a, url in demo_tables():
        labels = tuple((q["text"], q["speaker"]) for q in a.get("quotes", []))
        articles.append(DemoArticle(outlet["name"], url, demo_text(a["body"]), labels))
    return articles


def same_words(text: str) -> str:
    """A quote's text for matching: whitespace normalised, no trailing punctuation."""
    return " ".join(text.split()).rstrip(" .,;:!?…")


@dataclass(frozen=True)
class Scores:
    detection: tuple[float, float]  # precision, recall
    attribution: tuple[float, float]
    found: int
    labelled: int


def score(found: list[Quote], articles: list[DemoArticle]) -> Scores:
    """Detection and attribution precision and recall of found quotes against the labels.

    Labels list each quotation of an article once, so a quote counts as found when its words
    are among the article's labels (however often the body repeats it). An unattributed quote
    counts against attribution recall only.
    """
    by_url: defaultdict[str, list[Quote]] = defaultdict(list)
    for q in found:
        by_url[q.url].append(q)
    hits = attributed = right = 0
    recalled = recalled_pairs = labelled = 0
    for article in articles:
        words = {same_words(t) for t, _ in article.quotes}
        pairs = {(same_words(t), s) for t, s in article.quotes}
        mine = by_url[article.url]
        hits += sum(same_words(q.text) in words for q in mine)
        named = [(same_words(q.text), q.speaker) for q in mine if q.speaker is not None]
        attributed += len(named)
        right += sum(pair in pairs for pair in named)
        recalled += len(words & {same_words(q.text) for q in mine})
        recalled_pairs += len(pairs & set(named))
        labelled += len(pairs)
    return Scores(
        detection=(hits / len(found) if found else 1.0, recalled / labelled if labelled else 1.0),
        attribution=(
            right / attributed if attributed else 1.0,
            recalled_pairs / labelled if labelled else 1.0,
        ),
        found=len(found),
        labelled=labelled,
    )


def demo_quotes(articles: list[DemoArticle]) -> list[Quote]:
    """find_quotes on every article, then one name per speaker across them all."""
    found: list[Quote] = []
    for article in articles:
        found += find_quotes(article.text, article.url)
    return normalise_speakers(found)


def test_demo_labels_in_the_csv_agree_with_the_stories() -> None:
    with (DEMO / "labels.csv").open(encoding="utf-8") as handle:
        csv_quotes = {
            row["url"]: [(q["text"], q["speaker"]) for q in json.loads(row["quotes"])]
            for row in csv.DictReader(handle)
        }
    assert {a.url: list(a.quotes) for a in demo_articles()} == csv_quotes


def test_demo_quote_detection_and_attribution_reach_the_floor() -> None:
    articles = demo_articles()
    scores = score(demo_quotes(articles), articles)
    print(
        f"\nquotes: {scores.found} found, {scores.labelled} labelled; "
        f"detection P {scores.detection[0]:.3f} R {scores.detection[1]:.3f}; "
        f"attribution P {scores.attribution[0]:.3f} R {scores.attribution[1]:.3f}"
    )
    assert min(scores.detection) >= FLOOR
    assert min(scores.attribution) >= FLOOR


def test_demo_wire_quotes_are_reused_and_analysts_exclusive() -> None:
    articles = demo_articles()
    outlet_of = {a.url: a.outlet for a in articles}
    stats = quote_stats(demo_quotes(articles), outlet_of, SIDES)
    reused = {s.text: s for s in stats.reused}
    assert reused["deeply concerned"].speaker == "Antony Blinken"
    assert len(reused["nightmare scenario of military confrontation"].outlets) >= 8
    assert all(len(s.outlets) == 1 for s in stats.exclusive)
    assert any(s.speaker == "Helen Carver" for s in stats.exclusive)


# --- real coverage ------------------------------------------------------------------------

REAL_LABELS = Path(__file__).parents[1] / "data" / "quotes-real" / "labels.csv"


def test_real_labels_hold_only_urls_speakers_and_first_words() -> None:
    with REAL_LABELS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 60
    assert all(set(row) == {"event", "url", "speaker", "quote_start"} for row in rows)
    assert all(1 <= len(row["quote_start"].split()) <= 4 for row in rows)
    assert len({row["event"] for row in rows}) == 2
