"""Claim matching, first carriers and exclusive sentences on hand-made vectors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from parallax.analysis.claims import (
    CLAUSE_MARGIN,
    CROSS_LANGUAGE_COSINE,
    CROSS_LANGUAGE_OVERLAP,
    NEAREST_CLAIMS,
    Claim,
    ClaimParams,
    StorySentences,
    WordWeights,
    claim_cosines,
    clauses,
    content_words,
    exclusive_sentences,
    match_claims,
    sentence_clauses,
    sentences_to_split,
    story_units,
    summarise_claims,
)
from parallax.analysis.records import Story

T0 = datetime(2021, 12, 2, 12, tzinfo=UTC)
CLAIMS = [Claim("c01", "The ministers met in Stockholm."), Claim("c02", "Talks will go on.")]
# Directions: 0 = claim c01, 1 = claim c02, 2.. = other facts.
CLAIM_VECTORS = np.eye(6, dtype=np.float32)[:2]
# Cosine alone (no word weights) against 0.6, so the hand-made vectors decide.
COSINE_ONLY = ClaimParams(carried_threshold=0.6, cosine_weight=1.0)


def unit(*weights: float) -> np.ndarray:
    vector = np.zeros(6, dtype=np.float32)
    vector[: len(weights)] = weights
    return vector / np.linalg.norm(vector)


def rest(*cosines: float) -> float:
    """The component that makes a vector with these cosines to the claims unit length."""
    return float(np.sqrt(1 - sum(c**2 for c in cosines)))


def item(
    url: str,
    outlet: str,
    hours: float,
    rows: list[tuple[str, np.ndarray]],
    source: str = "feed",
    language: str | None = None,
) -> StorySentences:
    text = " ".join(s for s, _ in rows)
    story = Story(url, outlet, url, text, T0 + timedelta(hours=hours), source, language)
    return StorySentences(story, [s for s, _ in rows], np.vstack([v for _, v in rows]))


def test_a_claim_is_carried_by_its_best_sentence_above_the_threshold() -> None:
    stories = [
        item(
            "a",
            "North",
            1,
            [
                ("They met in Stockholm on Thursday.", unit(1, 0.1)),
                ("Other news here today.", unit(0, 0, 1)),
            ],
        ),
        item("b", "South", 2, [("Diplomats hinted at more talks.", unit(0.2, 0.5, 1))]),
    ]
    matches = match_claims(CLAIMS, CLAIM_VECTORS, stories, params=COSINE_ONLY)
    carried = {(m.url, m.claim_id): (m.carried, m.sentence) for m in matches}
    assert carried[("a", "c01")] == (True, "They met in Stockholm on Thursday.")
    assert carried[("a", "c02")][0] is False
    assert carried[("b", "c02")] == (False, "Diplomats hinted at more talks.")  # 0.44 < 0.6
    assert {(m.outlet, m.claim_id) for m in matches if m.carried} == {("North", "c01")}


def test_the_first_carrier_is_the_earliest_dated_story() -> None:
    stories = [
        item("late", "North", 5, [("They met in Stockholm.", unit(1))]),
        item("early", "South", 1, [("The two met in Stockholm.", unit(1))]),
        item("undated", "East", -9, [("Met in Stockholm.", unit(1))], source="first_seen"),
    ]
    matches = match_claims(CLAIMS, CLAIM_VECTORS, stories, params=COSINE_ONLY)
    summary = summarise_claims(CLAIMS, matches, [s.story for s in stories])
    c01 = next(s for s in summary if s.claim_id == "c01")
    assert c01.outlets == ("East", "North", "South")
    assert (c01.first_outlet, c01.first_url) == ("South", "early")  # first sight is no date
    c02 = next(s for s in summary if s.claim_id == "c02")
    assert (c02.outlets, c02.first_outlet) == ((), None)


def test_exclusive_sentences_skip_shared_claimed_and_boilerplate_ones() -> None:
    boilerplate = "Follow our live coverage of the crisis here."
    stories = [
        item(
            "n1",
            "North",
            1,
            [
                ("A Swedish official said the hall was booked for weeks.", unit(0, 0, 0, 0, 1)),
                ("They met in Stockholm on Thursday afternoon.", unit(1)),
                (boilerplate, unit(0, 0, 0, 1)),
            ],
        ),
        item("n2", "North", 2, [(boilerplate, unit(0, 0, 0, 1))]),
        item(
            "s1",
            "South",
            3,
            [
                ("Markets in Moscow barely moved after the talks ended.", unit(0, 0, 1)),
                ("Too short to matter.", unit(0, 0, 0, 0, 0, 1)),
            ],
        ),
        item(
            "e1",
            "East",
            4,
            [("Stock markets in Moscow hardly moved after the talks.", unit(0, 0, 1))],
        ),
    ]
    found = exclusive_sentences(
        stories, CLAIM_VECTORS, ClaimParams(exclusive_threshold=0.5, exclusive_min_words=8)
    )
    assert {o: [e.sentence for e in items] for o, items in found.items()} == {
        "North": ["A Swedish official said the hall was booked for weeks."],
    }


def test_a_sentence_splits_into_clauses_at_commas_and_second_reporting_verbs() -> None:
    sentence = (
        "Blinken said Russia would face severe costs if it chose confrontation"
        " and urged Moscow to pull back its forces."
    )
    assert clauses(sentence) == [
        "Blinken said Russia would face severe costs if it chose confrontation",
        "urged Moscow to pull back its forces.",
    ]
    assert clauses("Those talks produced no breakthrough, though both sides agreed to talk.") == [
        "Those talks produced no breakthrough",
        "both sides agreed to talk.",
    ]
    assert clauses("The ministers met in Stockholm on Thursday.") == []


def test_story_units_are_the_headline_sentences_then_new_clauses() -> None:
    story = Story(
        "u",
        "North",
        "Ministers meet in Stockholm",
        "Ministers meet in Stockholm\n\nThe talks ended without a breakthrough, and both "
        "sides agreed to keep talking. Nothing else was agreed on Thursday.",
        T0,
        "feed",
    )
    found, parts = story_units(story)
    assert found == [
        "Ministers meet in Stockholm",
        "The talks ended without a breakthrough, and both sides agreed to keep talking.",
        "Nothing else was agreed on Thursday.",
    ]
    assert parts == ["The talks ended without a breakthrough", "both sides agreed to keep talking."]


def test_only_the_named_sentences_are_split_into_clauses() -> None:
    found = [
        "The ministers met in Stockholm, and the talks will go on.",
        "Both sides spoke to reporters, as was expected, for a long time.",
    ]
    assert sentence_clauses(found, [found[1]]) == [
        "Both sides spoke to reporters",
        "for a long time.",
    ]
    assert sentence_clauses(found, []) == []
    assert sentence_clauses(found) == sentence_clauses(found, found)


def test_sentences_near_a_claim_are_split_and_far_ones_are_not() -> None:
    # Cosine alone against 0.6: the first sentence is within the margin, the second below it.
    # Each is as close to one claim as to the other, so the margin over its nearest claims
    # (claim_cosines) leaves its cosine as it is.
    near, far = 0.6 - CLAUSE_MARGIN / 2, 0.6 - CLAUSE_MARGIN * 2
    story = item(
        "a",
        "North",
        1,
        [
            ("Ministers met in Stockholm, and talks went on.", unit(near, near, rest(near, near))),
            ("Nothing else happened, said officials.", unit(far, far, rest(far, far))),
            ("The second claim is stated here.", unit(0, 1)),
        ],
    )
    split = sentences_to_split(CLAIMS, CLAIM_VECTORS, story, None, COSINE_ONLY)
    assert split == [story.sentences[0], story.sentences[2]]
    assert sentences_to_split([], CLAIM_VECTORS[:0], story, None, COSINE_ONLY) == []


def test_a_cosine_counts_by_its_margin_over_the_units_nearest_claims() -> None:
    """A generic sentence, close to every claim, ranks below one that states a claim alone,
    though its cosine to that claim is higher: each cosine gains its margin over the mean of
    the unit's NEAREST_CLAIMS best cosines."""
    claims = np.eye(6, dtype=np.float32)[:4]
    generic = unit(0.5, 0.5, 0.5, 0.3, rest(0.5, 0.5, 0.5, 0.3))
    specific = unit(0.45, 0.1, 0.1, 0.0, rest(0.45, 0.1, 0.1))
    scores = claim_cosines(claims, np.vstack([generic, specific]))
    assert NEAREST_CLAIMS == 3
    assert scores[0, 0] == pytest.approx(2 * 0.5 - 0.5, abs=1e-6)  # its three nearest: 0.5
    assert scores[0, 1] == pytest.approx(2 * 0.45 - (0.45 + 0.1 + 0.1) / 3, abs=1e-6)
    assert scores[0, 1] > scores[0, 0]
    assert scores[3, 0] == pytest.approx(2 * 0.3 - 0.5, abs=1e-6)  # below its raw cosine
    # One claim has no other to be measured against: its cosines stay as they are.
    assert claim_cosines(claims[:1], specific[None, :])[0, 0] == pytest.approx(0.45, abs=1e-6)
    assert claim_cosines(claims, np.zeros((0, 6), dtype=np.float32)).shape == (4, 0)


def test_word_overlap_is_weighted_by_rarity_and_lifts_a_claim_over_the_threshold() -> None:
    assert content_words("The guarantees Russia wants") == {"guara", "russi", "wants"}
    weights = WordWeights.of(
        ["Russia and NATO", "Russia talks", "Russia wants security guarantees", "Russia again"]
    )
    assert weights.weight("guara") > weights.weight("russi")
    claims = [Claim("c10", "Russia wants security guarantees.")]
    vectors = np.eye(6, dtype=np.float32)[:1]
    stories = [
        item("a", "North", 1, [("Moscow seeks security guarantees, Lavrov said.", unit(0.6, 0.8))]),
        item("b", "South", 1, [("Russia held talks.", unit(0.6, 0.8))]),
    ]
    params = ClaimParams(carried_threshold=0.6, cosine_weight=0.5)
    carried = {m.url: m.carried for m in match_claims(claims, vectors, stories, weights, params)}
    # Same cosine (0.6, so 0.3 weighted); "a" holds the rare words, "b" only the common one.
    assert carried == {"a": True, "b": False}


def test_claim_settings_refuse_values_that_cannot_work() -> None:
    for bad in (
        {"carried_threshold": 0.0},
        {"carried_threshold": 2.2, "cosine_weight": 0.5},
        {"cosine_weight": -1.0},
        {"exclusive_threshold": 1.5},
        {"exclusive_min_words": 0},
    ):
        with pytest.raises(ValueError, match="compare\\."):
            ClaimParams(**bad)  # type: ignore[arg-type]


def test_an_exclusive_sentence_must_name_someone_somewhere_or_a_number() -> None:
    stories = [
        item(
            "n1",
            "North",
            1,
            [
                ("What matters more now may be what comes next for everyone.", unit(0, 0, 1)),
                ("The hall in the Swedish capital was booked for weeks.", unit(0, 0, 0, 1)),
                ("The talks ran for about 40 minutes in a side room.", unit(0, 0, 0, 0, 1)),
            ],
        ),
        item("s1", "South", 2, [("They met in Stockholm on Thursday afternoon.", unit(1))]),
    ]
    found = exclusive_sentences(stories, CLAIM_VECTORS, ClaimParams(exclusive_min_words=8))
    assert [e.sentence for e in found["North"]] == [
        "The hall in the Swedish capital was booked for weeks.",
        "The talks ran for about 40 minutes in a side room.",
    ]


def test_an_outlet_saying_one_exclusive_fact_twice_lists_it_once() -> None:
    stories = [
        item(
            "n1",
            "North",
            1,
            [("A new German government led by Olaf Scholz takes office.", unit(0, 0, 1))],
        ),
        item(
            "n2",
            "North",
            2,
            [
                ("The government under Olaf Scholz is due to take office.", unit(0, 0, 1, 0.2)),
                ("Gas prices in Europe rose sharply in the autumn.", unit(0, 0, 0, 0, 1)),
            ],
        ),
        item("s1", "South", 3, [("They met in Stockholm on Thursday afternoon.", unit(1))]),
    ]
    found = exclusive_sentences(stories, CLAIM_VECTORS, ClaimParams(exclusive_min_words=6))
    assert [e.sentence for e in found["North"]] == [
        "A new German government led by Olaf Scholz takes office.",
        "Gas prices in Europe rose sharply in the autumn.",
    ]


def test_a_judge_decides_among_each_storys_best_candidates() -> None:
    """The judge sees the `judge_candidates` best-scoring sentences and its verdict decides."""
    stories = [
        item(
            "a",
            "North",
            1,
            [
                ("They met in Stockholm.", unit(1, 0.1)),  # c01's best by cosine
                ("Nothing was agreed.", unit(0.2, 0.6, 1)),  # c02's second by cosine
                ("Talks go on, officials hinted.", unit(0, 0.9, 0.2)),  # c02's best by cosine
                ("Weather was cold.", unit(0, 0, 0, 1)),  # far from both
            ],
        ),
    ]
    asked: list[tuple[str, str]] = []

    def judge(pairs: list[tuple[str, str]]) -> np.ndarray:
        asked.extend(pairs)
        # States c01 only in the Stockholm sentence; no sentence states c02.
        return np.array(
            [0.9 if s.startswith("They met") and c == CLAIMS[0].text else 0.2 for s, c in pairs]
        )

    params = ClaimParams(carried_threshold=0.6, cosine_weight=1.0, judge_candidates=2)
    matches = match_claims(CLAIMS, CLAIM_VECTORS, stories, params=params, judge=judge)
    by_claim = {m.claim_id: m for m in matches}
    assert (by_claim["c01"].carried, by_claim["c01"].score) == (True, 0.9)
    assert by_claim["c01"].sentence == "They met in Stockholm."
    # c02's best sentence by cosine (0.97) would carry it without a judge; the judge says no.
    assert (by_claim["c02"].carried, by_claim["c02"].score) == (False, 0.2)
    assert len(asked) == 4  # two candidates for each of two claims, in one call
    assert ("Weather was cold.", CLAIMS[1].text) not in asked
    assert match_claims(CLAIMS, CLAIM_VECTORS, stories, params=params)[1].carried is True


def test_a_judge_that_answers_for_the_wrong_number_of_pairs_is_an_error() -> None:
    stories = [item("a", "North", 1, [("They met in Stockholm.", unit(1))])]
    with pytest.raises(ValueError, match="gave 1 verdicts for 2 pairs"):
        match_claims(CLAIMS, CLAIM_VECTORS, stories, judge=lambda pairs: np.array([0.5]))


@pytest.mark.parametrize(
    ("setting", "value"),
    [("judge_threshold", 0.0), ("judge_threshold", 1.0), ("judge_candidates", 0)],
)
def test_judge_settings_out_of_range_are_refused(setting: str, value: float) -> None:
    with pytest.raises(ValueError, match=f"compare.{setting}"):
        ClaimParams(**{setting: value})  # type: ignore[arg-type]


def at(cosine: float) -> np.ndarray:
    """A unit vector at this cosine to claim c01's direction."""
    return unit(cosine, 0, 0, float(np.sqrt(1 - cosine**2)))


def test_a_story_in_another_language_is_scored_by_meaning_with_a_stand_in_for_the_words() -> None:
    """No word of a Russian sentence is in an English claim: its cosine, raised by what a
    translation loses, and CROSS_LANGUAGE_OVERLAP in the overlap's place, make its score."""
    claims = [Claim("c01", "Blinken and Lavrov met in Stockholm.")]
    params = ClaimParams(carried_threshold=3.88, cosine_weight=4.0)
    weights = WordWeights.of(["Blinken and Lavrov met in Stockholm.", "Other news."])
    russian = item("ru", "Moskva", 1, [("Блинкен и Лавров встретились в Стокгольме.", at(0.9))],
                   language="ru")  # fmt: skip
    english = item("en", "North", 1, [("The two diplomats held talks.", at(0.9))], language="en")
    found = {
        m.url: m
        for m in match_claims(
            claims, CLAIM_VECTORS[:1], [russian, english], weights, params, claim_language="en"
        )
    }
    expected = 4.0 * (0.9 + CROSS_LANGUAGE_COSINE) + CROSS_LANGUAGE_OVERLAP
    assert found["ru"].score == pytest.approx(expected, abs=1e-4) and found["ru"].carried
    assert found["en"].score == pytest.approx(4.0 * 0.9, abs=1e-4)  # no shared content word
    assert not found["en"].carried
    # Unknown languages, or none given for the claims: scored as one language.
    same = match_claims(claims, CLAIM_VECTORS[:1], [russian], weights, params)
    assert same[0].score == pytest.approx(4.0 * 0.9, abs=1e-4)
    # Without word weights, the cosine alone, raised the same way.
    alone = match_claims(claims, CLAIM_VECTORS[:1], [russian], None, COSINE_ONLY, None, "en")
    assert alone[0].score == pytest.approx(0.9 + CROSS_LANGUAGE_COSINE, abs=1e-4)


def test_a_translation_of_another_outlets_sentence_is_not_exclusive() -> None:
    """Across two languages a translation scores lower than a copy would: the cosine between
    sentences in different languages is raised by CROSS_LANGUAGE_COSINE before the threshold."""
    original = "Moscow says 175,000 troops are on Russian soil and no threat to anyone."
    translated = "Москва заявляет, что 175 000 военных находятся на российской земле."
    base = unit(0, 0, 1)
    close = unit(0, 0, 0.86, float(np.sqrt(1 - 0.86**2)))  # cosine 0.86 to the original
    stories = [
        item("n1", "North", 1, [(original, base)], language="en"),
        item("m1", "Moskva", 2, [(translated, close)], language="ru"),
    ]
    params = ClaimParams(exclusive_threshold=0.87, exclusive_min_words=6)
    assert exclusive_sentences(stories, CLAIM_VECTORS, params, claim_language="en") == {}
    # In one language, 0.86 is a different sentence: both are their outlet's own.
    one_language = [
        item("n1", "North", 1, [(original, base)], language="en"),
        item("m1", "Moskva", 2, [(translated, close)], language="en"),
    ]
    found = exclusive_sentences(one_language, CLAIM_VECTORS, params, claim_language="en")
    assert set(found) == {"North", "Moskva"}


def test_the_same_fact_follows_the_exclusive_threshold() -> None:
    """With a model whose unrelated sentences score 0.8 (exclusive_threshold 0.87), two
    different facts at 0.9 are both listed; MiniLM's 0.8 would have kept one."""
    facts = [
        "Gas prices in Europe rose sharply in the autumn of 2021.",
        "The hall in the Swedish capital was booked for 3 weeks.",
    ]
    first, second = unit(0, 0, 1), unit(0, 0, 0.9, float(np.sqrt(1 - 0.81)))
    stories = [
        item("n1", "North", 1, [(facts[0], first), (facts[1], second)]),
        item("s1", "South", 2, [("They met in Stockholm on Thursday afternoon.", unit(1))]),
    ]
    params = ClaimParams(exclusive_threshold=0.87, exclusive_min_words=6)
    found = exclusive_sentences(stories, CLAIM_VECTORS, params)
    assert [e.sentence for e in found["North"]] == facts


def test_words_are_counted_in_any_script() -> None:
    """A Chinese clause has no spaces: its words are counted by characters (count_words)."""
    sentence = "美国国务卿布林肯与俄罗斯外长拉夫罗夫周四在斯德哥尔摩会谈，双方同意继续保持对话。"
    assert clauses(sentence) == [
        "美国国务卿布林肯与俄罗斯外长拉夫罗夫周四在斯德哥尔摩会谈",
        "双方同意继续保持对话。",
    ]
    arabic = "أجرى بلينكن ولافروف محادثات في ستوكهولم يوم الخميس، على هامش الاجتماع الوزاري للمنظمة"
    assert len(clauses(arabic)) == 2  # the Arabic comma
    long_enough = "2021年12月2日，美国国务卿布林肯与俄罗斯外长拉夫罗夫在斯德哥尔摩举行了会谈。"
    stories = [
        item("z1", "Huaxia", 1, [(long_enough, unit(0, 0, 1))], language="zh"),
        item("s1", "South", 2, [("They met in Stockholm on Thursday afternoon.", unit(1))]),
    ]
    found = exclusive_sentences(stories, CLAIM_VECTORS, ClaimParams(exclusive_min_words=8))
    assert [e.sentence for e in found["Huaxia"]] == [long_enough]  # not "one word" long


def test_content_words_leave_out_the_claims_languages_stop_words() -> None:
    assert content_words("Лавров заявил, что это провокации НАТО", "ru") == {
        "лавро", "заяви", "прово", "нато"}  # fmt: skip
    assert "serio" in content_words("the most serious consequences")  # not a stop word here
    weights = WordWeights.of(["Лавров и НАТО", "Лавров"], "ru")
    assert weights.language == "ru" and weights.document_frequency["лавро"] == 2


def test_exclusive_sentences_are_the_same_in_blocks_of_one_row_as_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sentence-by-sentence cosines are held a block of rows at a time (an event of
    thousands of stories would need gigabytes whole); the block's size changes nothing, ties
    of copied sentences and the cross-language raise included."""
    import parallax.analysis.claims as claims_module

    rng = np.random.default_rng(3)
    facts = rng.normal(size=(30, 16)).astype(np.float32)
    stories = []
    for n in range(24):
        picked = rng.integers(0, 30, size=5)
        noise = 0 if n % 4 == 0 else 0.35  # every fourth story copies its facts exactly
        vectors = facts[picked] + rng.normal(scale=noise, size=(5, 16)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        language = ("en", "ru", "de", None)[n % 4]
        story = Story(
            f"http://news.example/{n}", f"Outlet {n % 6}", f"Story {n}", "", T0, "feed",
            language, 100, language, 0.9,
        )  # fmt: skip
        sentences = [f"Lavrov said {int(k)} things in Stockholm, story {n}." for k in picked]
        stories.append(StorySentences(story, sentences, vectors.astype(np.float32)))
    claims = facts[:3] / np.linalg.norm(facts[:3], axis=1, keepdims=True)
    params = ClaimParams(exclusive_threshold=0.9)
    whole = exclusive_sentences(stories, claims, params, "en")
    monkeypatch.setattr(claims_module, "BLOCK_CELLS", 1)
    assert exclusive_sentences(stories, claims, params, "en") == whole
    assert sum(len(found) for found in whole.values()) > 5  # something to compare
