from __future__ import annotations

from datetime import UTC, datetime

from parallax.analysis.languages import main_language, primary, reads, split_by_main_language
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
