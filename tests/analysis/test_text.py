"""Sentences, leads, names and document texts."""

from __future__ import annotations

import pytest

from parallax.analysis.text import DOC_WORDS, doc_text, lead_text, names, sentences, text_hash


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mr. Lavrov met U.S. officials at 3 p.m. on Thursday. He said “No, never.” Then he left the room.",
            [
                "Mr. Lavrov met U.S. officials at 3 p.m. on Thursday.",
                "He said “No, never.”",
                "Then he left the room.",
            ],
        ),
        (
            "First paragraph has four words.\nSecond paragraph has four words",
            ["First paragraph has four words.", "Second paragraph has four words"],
        ),
        ("Short. Too short. This one is long enough.", ["This one is long enough."]),
        (
            "„Wir bleiben im Gespräch“, sagte Lawrow. Das Treffen dauerte vierzig Minuten.",
            ["„Wir bleiben im Gespräch“, sagte Lawrow.", "Das Treffen dauerte vierzig Minuten."],
        ),
        (  # a quotation of two sentences stays whole, with its attribution
            "“Moscow wants a veto over NATO. No Western government can sign up to that”, she "
            "said. The talks lasted forty minutes.",
            [
                "“Moscow wants a veto over NATO. No Western government can sign up to that”, "
                "she said.",
                "The talks lasted forty minutes.",
            ],
        ),
        (  # a mark that nothing closes, or a closing mark alone, joins nothing
            "A stray “ mark sits here. Then he left the room.\nPeace is possible now.” Then he "
            "left the room.",
            [
                "A stray “ mark sits here.",
                "Then he left the room.",
                "Peace is possible now.”",
                "Then he left the room.",
            ],
        ),
        (
            "”Att de alls sätter sig ner. Det är viktigt”, säger Karin Ekholm. Mötet varade länge.",
            ["”Att de alls sätter sig ner. Det är viktigt”, säger Karin Ekholm."],
        ),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_the_lead_is_the_title_and_two_sentences_without_repeating_the_title() -> None:
    text = "Talks end in Stockholm\nThe ministers met for forty minutes. Both sides will keep talking. A third sentence here."
    assert lead_text("Talks end in Stockholm", text) == (
        "Talks end in Stockholm The ministers met for forty minutes. Both sides will keep talking."
    )


def test_the_document_text_is_capped_and_drops_a_repeated_headline() -> None:
    body = "Headline here\n" + " ".join(f"w{i}" for i in range(500))
    doc = doc_text("Headline here", body)
    assert doc.split()[:3] == ["Headline", "here", "w0"]
    assert len(doc.split()) == DOC_WORDS


def test_names_are_runs_of_capitalised_words_by_their_last_word() -> None:
    text = (
        "On Thursday, US Secretary of State Antony Blinken met Russian Foreign Minister Sergey "
        "Lavrov in Stockholm. The Blinken-Lavrov talks lasted 40 minutes, Sweden’s host said."
    )
    assert names(text) == {"blinken", "lavrov", "stockholm", "sweden"}
    assert names("Blinken arrived.") == set()  # a single word starting a sentence is not a name


def test_text_hash_is_sha256_of_utf8() -> None:
    expected = "b982d7ebca1ea21a2d427983da88ad1b8a692109024155ecb460703f25544a4e"
    assert text_hash("Stockholm") == expected
