from __future__ import annotations

from datetime import UTC, datetime

from parallax.analysis.languages import (
    MIN_CONFIDENCE,
    by_language,
    language_to_use,
    main_language,
    primary,
    reads,
    split_by_main_language,
    story_language,
)
from parallax.analysis.records import Story

NOW = datetime(2021, 12, 2, tzinfo=UTC)


def test_a_story_is_read_only_in_a_language_the_method_reads() -> None:
    english = frozenset({"en"})
    assert reads(english, "en") and reads(english, "en-GB") and reads(english, "EN-us")
    assert reads(english, "en_US")  # the underscore some CMSs write
    assert not reads(english, "sv") and not reads(english, "fr-CA")
    assert reads(english, None) and reads(english, "")  # undeclared: read
    assert reads(frozenset(), "sv")  # a method that reads any language


def test_primary_subtag() -> None:
    assert primary("de-AT") == "de"
    assert primary(" SV ") == "sv"
    assert primary(None) is None and primary("") is None and primary("-") is None


def test_the_main_language_is_the_one_most_stories_declare() -> None:
    assert main_language(["en", "en-GB", "sv", None, None, None]) == "en"
    assert main_language(["sv", "de", "de-CH"]) == "de"
    assert main_language(["sv", "de"]) == "de"  # a tie goes to the first alphabetically
    assert main_language([None, ""]) is None
    assert main_language([]) is None


def test_split_by_main_language_keeps_the_undeclared_with_the_main_language() -> None:
    stories = [
        Story(f"http://x.example/{i}", "X", "", "", NOW, "feed", lang)
        for i, lang in enumerate(["en", "en-GB", "de", None, "sv", "en-US", "de-AT"])
    ]
    language, kept, other = split_by_main_language(stories)
    assert language == "en"
    assert [s.language for s in kept] == ["en", "en-GB", None, "en-US"]
    assert [s.language for s in other] == ["de", "sv", "de-AT"]
    assert split_by_main_language([]) == (None, [], [])


def test_the_language_to_use_is_the_detected_one_when_the_detector_is_sure() -> None:
    assert language_to_use("en", "de", 0.99) == "de"  # a site's language on a German story
    assert language_to_use("en-GB", "en", 0.99) == "en"
    assert language_to_use(None, "sv", MIN_CONFIDENCE) == "sv"  # undeclared: the detection
    assert language_to_use("id", "ms", MIN_CONFIDENCE - 0.01) == "id"  # unsure: the page's
    assert language_to_use("pt-BR", None, None) == "pt"  # stored before detection
    assert language_to_use(None, "ru", 0.3) is None
    assert language_to_use(None, None, None) is None


def test_stories_split_by_the_language_they_are_written_in() -> None:
    """An English site declares English on a German story: framing leaves the story out."""
    rows = [
        ("en", "en", 0.99),
        ("en", "de", 0.99),  # confidently German
        ("en", "de", 0.40),  # unsure: the page's English stands
        (None, "en", 0.97),
        ("de", None, None),  # stored before detection: the declaration stands
    ]
    stories = [
        Story(f"http://x.example/{i}", "X", "", "", NOW, "feed", declared, 0, detected, sure)
        for i, (declared, detected, sure) in enumerate(rows)
    ]
    assert [story_language(s) for s in stories] == ["en", "de", "en", "en", "de"]
    language, kept, other = split_by_main_language(stories, story_language)
    assert language == "en"
    assert [s.url[-1] for s in kept] == ["0", "2", "3"]
    assert [s.url[-1] for s in other] == ["1", "4"]
    # By default, the language the record holds (a report's row holds the one used).
    assert [s.url[-1] for s in split_by_main_language(stories)[1]] == ["0", "1", "2", "3"]


def test_stories_grouped_by_language_most_first_the_undeclared_in_the_main_one() -> None:
    rows = [("de", None, None), (None, "en", 0.97), ("en-GB", None, None), (None, None, None)]
    rows += [("en", "sv", 0.99), ("sv", None, None), ("fr", None, None)]
    stories = [
        Story(f"http://x.example/{i}", "X", "", "", NOW, "feed", declared, 0, detected, sure)
        for i, (declared, detected, sure) in enumerate(rows)
    ]
    groups = by_language(stories, story_language)
    assert list(groups) == ["en", "sv", "de", "fr"]  # ties alphabetical
    assert [s.url[-1] for s in groups["en"]] == ["1", "2", "3"]  # "3" has no language
    assert [s.url[-1] for s in groups["sv"]] == ["4", "5"]
    nothing = [Story("http://x.example/a", "X", "", "", NOW, "feed")]
    assert by_language(nothing) == {None: nothing}
    assert by_language([]) == {}
