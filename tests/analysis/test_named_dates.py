"""The dates a lead names, in several languages and scripts, and what is not a date."""

from __future__ import annotations

from datetime import date

import pytest

from parallax.analysis.named_dates import named_dates, named_weekdays, nearest_named_date

AROUND = date(2021, 11, 16)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("The two leaders spoke on Thursday, 9 September.", "en", [date(2021, 9, 9)]),
        ("They will meet on November 15th, 2021 by video link.", "en", [date(2021, 11, 15)]),
        ("Talks are set for Feb 8 in Moscow.", "en", [date(2022, 2, 8)]),
        ("Entretien vendredi 28 janvier à l'Élysée.", "fr", [date(2022, 1, 28)]),
        ("Переговоры назначены на 12 февраля.", "ru", [date(2022, 2, 12)]),
        ("Розмова відбулася 15 листопада.", "uk", [date(2021, 11, 15)]),
        ("Das Treffen am 9. Dezember in Paris.", "de", [date(2021, 12, 9)]),
        ("La cumbre del 9 de noviembre de 2021.", "es", [date(2021, 11, 9)]),
        ("Spotkanie 15 listopada w Waszyngtonie.", "pl", [date(2021, 11, 15)]),
        # Accented names are read as written, and without their accents.
        ("Rencontre le 7 février à Moscou.", "fr", [date(2022, 2, 7)]),
        ("Sommet prévu le 15 decembre.", "fr", [date(2021, 12, 15)]),
        ("Rozmowa 2 października.", "pl", [date(2021, 10, 2)]),
        ("Am 9. März in Berlin.", "de", [date(2022, 3, 9)]),
        # Upper case whose lower case is not the month's name ("İ" lowers to "i" + a dot).
        ("ZİRVE 15 NİSAN 2022", "tr", [date(2022, 4, 15)]),
        ("Le sommet aura lieu le 15 mai.", "fr", [date(2022, 5, 15)]),
        ("De top vindt plaats op 15 mei.", "nl", [date(2022, 5, 15)]),
        ("القمة في 15 نوفمبر", "ar", [date(2021, 11, 15)]),
        ("首脳会談は11月15日に行われた", "ja", [date(2021, 11, 15)]),
        ("2021年11月16日上午举行视频会晤", "zh", [date(2021, 11, 16)]),
        ("2022년 2월 7일 정상회담", "ko", [date(2022, 2, 7)]),
        # English month names count in any language's text; an unknown language reads English.
        ("Le sommet du 15 November.", "fr", [date(2021, 11, 15)]),
        ("Met on 9 September.", "xx", [date(2021, 9, 9)]),
    ],
)
def test_explicit_dates_are_found_in_their_language(
    text: str, language: str, expected: list[date]
) -> None:
    assert named_dates(text, language, AROUND) == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Italy 1-1 Switzerland after 90 minutes.", "en"),  # numbers, not dates
        ("Leaders may 5 times meet.", "en"),  # English months are capitalised: not "May"
        ("Protesters march 5 miles to the embassy.", "en"),
        ("They talked on Monday, two years ago.", "en"),  # relative to an unknown day
        ("会談は15日に行われた", "ja"),  # a day without its month
        ("Ngày 16/11", "vi"),  # numeric day/month is ambiguous across countries: not read
        ("Xi shakes hands with Biden in Beijing on Dec. 4, 2013.", "en"),  # background
        ("Le 31 février", "fr"),  # no such day
    ],
)
def test_what_is_not_a_date_of_the_occasion_is_not_found(text: str, language: str) -> None:
    assert named_dates(text, language, AROUND) == []


def test_the_nearest_date_to_the_seed_places_the_story() -> None:
    text = "After their call on 9 September, Biden and Xi met by video on 15 November."
    assert nearest_named_date(text, "en", AROUND) == date(2021, 11, 15)
    assert nearest_named_date("No date here.", "en", AROUND) is None
    # A year written out is kept when it is recent; the story is on that occasion.
    assert nearest_named_date("At the G20 on 14 November 2022.", "en", AROUND) == date(2022, 11, 14)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("The two leaders spoke on Thursday.", "en", {3}),
        ("Rozmawiali w sobotę o Ukrainie.", "pl", {5}),
        ("Ce que Macron et Poutine se sont dit ce dimanche.", "fr", {6}),
        ("Переговоры прошли в понедельник и во вторник.", "ru", {0, 1}),
        ("Reunião nesta segunda-feira em Moscou.", "pt", {0}),
        ("Pertemuan pada Senin di Jakarta.", "id", {0}),
        ("كشف الكرملين الجمعة", "ar", {4}),
        ("双方星期四举行会谈", "zh", {3}),
        ("会談は木曜日に行われた", "ja", {3}),
        ("목요일 정상회담", "ko", {3}),
        ("Le sommet, Thursday.", "fr", {3}),  # English names count in any language
        # Case is read where the name stands in the text, when folding changes its length.
        ("Die Straße, Sunday.", "de", {6}),
        ("Le cafe\u0301 du Thursday.", "fr", {3}),
    ],
)
def test_weekdays_are_found_in_their_language(text: str, language: str, expected: set[int]) -> None:
    assert named_weekdays(text, language) == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("They met on a sunny sunday afternoon.", "en"),  # English days are capitalised
        ("The Sun reported the talks.", "en"),  # short forms are not read
        ("Die Straße, sunday.", "de"),  # English names only capitalised, in any language
        ("Pela segunda vez, pela sexta vez.", "pt"),  # ordinals; Monday is "segunda-feira"
        ("Minggu lalu kedua pemimpin bertemu.", "id"),  # "minggu" is also a week
        ("每周一次的会谈", "zh"),  # "周一" inside "每周一次", once a week
    ],
)
def test_words_that_are_not_weekdays_are_not_read(text: str, language: str) -> None:
    assert named_weekdays(text, language) == set()


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # 15 November was a Monday in 2021: a Wednesday's is 2023's.
        ("They meet on Wednesday, 15 November.", "en", date(2023, 11, 15)),
        ("They met on Monday, 15 November.", "en", date(2021, 11, 15)),
        ("Spotkanie 15 listopada (środa).", "pl", date(2023, 11, 15)),
        ("روز چهارشنبه هفته جاری (۱۵ نوامبر", "fa", date(2023, 11, 15)),
        ("星期三 11月15日", "zh", date(2023, 11, 15)),
        # A written year is kept, and a weekday of another clause is not the date's.
        ("On Wednesday, 15 November 2021, it rained.", "en", date(2021, 11, 15)),
        ("They met on Wednesday; on 15 November they spoke.", "en", date(2021, 11, 15)),
    ],
)
def test_a_weekday_named_with_a_date_chooses_its_year(
    text: str, language: str, expected: date
) -> None:
    assert named_dates(text, language, AROUND) == [expected]


def test_a_text_of_known_date_keeps_its_year_whatever_weekday_it_names() -> None:
    # Published two days after the summit, "Tuesday, November 15" is that 15 November with
    # the weekday wrong, not 2022's Tuesday.
    text = "On Tuesday, November 15, U.S. President Joe Biden held a call with Xi Jinping."
    assert nearest_named_date(text, "en", AROUND) == date(2022, 11, 15)
    assert nearest_named_date(text, "en", AROUND, weekdays=False) == date(2021, 11, 15)
