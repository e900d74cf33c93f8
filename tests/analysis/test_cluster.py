"""Seeded clustering on hand-made vectors: windows, time, names, stable ids, determinism."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from parallax.analysis.cluster import (
    ClusterParams,
    Embedded,
    centered,
    cluster_around_seed,
    distinctive_names,
)
from parallax.analysis.names import name_keys
from parallax.analysis.records import Seed, Story
from parallax.analysis.speaker_names import name_key

SEED_TIME = datetime(2021, 12, 2, 12, tzinfo=UTC)
SEED = Seed("stockholm", "The seed text.", SEED_TIME)
DIM = 8


def unit(*weights: float) -> np.ndarray:
    vector = np.zeros(DIM, dtype=np.float32)
    vector[: len(weights)] = weights
    return (vector / np.linalg.norm(vector)).astype(np.float32)


# Directions: 0 = the seed's event, 1 = a neighbouring event, 2 = unrelated news.
EVENT, NEIGHBOUR, OTHER = unit(1), unit(0.55, 1), unit(0, 0, 1)


def story(
    url: str, hours: float, lead: str = "", source: str = "feed", language: str | None = None
) -> Story:
    return Story(
        url, "Outlet", url, "text", SEED_TIME + timedelta(hours=hours), source, language=language
    )


def embedded(vector: np.ndarray, lead: str = "") -> Embedded:
    return Embedded(lead, vector, vector)


def run(stories: list[tuple[Story, Embedded]], **kw: object) -> dict[str, object]:
    clustering = cluster_around_seed(
        SEED,
        embedded(EVENT, "Blinken and Lavrov met in Stockholm"),
        [s for s, _ in stories],
        {s.url: e for s, e in stories},
        **kw,  # type: ignore[arg-type]
    )
    return {"clustering": clustering, "event": {m.url for m in clustering.members if m.in_event}}


def test_the_seed_event_is_separated_from_a_neighbour_and_noise() -> None:
    stories = [
        (story("a", 4), embedded(unit(1, 0.1))),
        (story("b", 20), embedded(unit(1, 0.05, 0.1))),
        (story("c", -18), embedded(unit(0.95, 0.1))),  # a preview, the day before
        (story("n1", 30), embedded(NEIGHBOUR)),
        (story("n2", 34), embedded(unit(0.5, 1, 0.05))),
        (story("x", 10), embedded(OTHER)),
    ]
    result = run(stories)
    assert result["event"] == {"a", "b", "c"}
    clustering = result["clustering"]
    neighbour = next(c for c in clustering.clusters if set(c.urls) == {"n1", "n2"})  # type: ignore[attr-defined]
    assert not neighbour.is_event


def test_time_apart_splits_look_alike_events() -> None:
    # The same words five days later (the call after the meeting) is another event.
    stories = [
        (story("a", 3), embedded(unit(1, 0.1))),
        (story("later", 5 * 24), embedded(unit(1, 0.8))),
    ]
    assert run(stories)["event"] == {"a"}
    assert run(stories, params=ClusterParams(time_penalty_per_day=0.0))["event"] == {"a", "later"}


def test_an_undated_story_is_placed_at_the_date_its_lead_names() -> None:
    # Two undated stories that read the same: one names the seed's day, one a call two months
    # before; a third names no date. Only the one on the other occasion is penalised.
    look_alike = unit(1, 0.3)
    stories = [
        (story("a", 3), embedded(unit(1, 0.1))),
        (
            story("today", 24 * 30, source="first_seen"),
            embedded(look_alike, "Blinken and Lavrov met in Stockholm on 2 December"),
        ),
        (
            story("earlier", 24 * 30, source="first_seen"),
            embedded(look_alike, "Blinken and Lavrov spoke by phone on Thursday, 30 September"),
        ),
        (
            story("undated", 24 * 30, source="first_seen"),
            embedded(look_alike, "Blinken and Lavrov met"),
        ),
    ]
    result = run(stories)
    assert result["event"] == {"a", "today", "undated"}
    members = {m.url: m for m in result["clustering"].members}  # type: ignore[attr-defined]
    assert members["earlier"].reason.endswith(
        "date unknown, its lead names 30 September 2021 (63.0 days before the seed))"
    )
    assert members["earlier"].hours_from_seed is None  # its publication is still unknown
    assert "its lead names 2 December 2021 (0 h after the seed)" in members["today"].reason
    assert members["undated"].reason.endswith("date unknown)")
    # Without the time penalty the named date changes nothing.
    free = run(stories, params=ClusterParams(time_penalty_per_day=0.0))
    assert free["event"] == {"a", "today", "earlier", "undated"}


def test_an_undated_story_on_another_weekday_stays_out_of_the_event() -> None:
    # The seed's day is a Thursday. Undated stories that read like the event: one names that
    # day, one the next (time zones, next-morning reports), one only a Monday, one both.
    assert SEED_TIME.weekday() == 3
    look_alike = unit(1, 0.1)
    leads = {
        "thursday": "Blinken and Lavrov met in Stockholm on Thursday",
        "friday": "Lavrov said on Friday that the talks in Stockholm",
        "monday": "Blinken and Lavrov spoke by phone on Monday",
        "both": "After Monday's call, Blinken and Lavrov met on Thursday",
    }
    stories = [(story("a", 3), embedded(unit(1, 0.05)))]
    stories += [
        (story(url, 24 * 30, source="first_seen"), embedded(look_alike, lead))
        for url, lead in leads.items()
    ]
    result = run(stories)
    assert result["event"] == {"a", "thursday", "friday", "both"}
    members = {m.url: m for m in result["clustering"].members}  # type: ignore[attr-defined]
    assert members["monday"].reason.startswith("out: ")
    assert members["monday"].reason.endswith(
        "date unknown, its lead names Monday, not the seed's Thursday or a day next to it)"
    )
    # A date it names places it instead: the weekday is then the date's.
    dated = [
        (
            story("dated", 24 * 30, source="first_seen"),
            embedded(look_alike, "Monday, 29 November: Blinken"),
        )
    ]
    assert "its lead names Monday" not in run(dated)["clustering"].members[0].reason  # type: ignore[attr-defined]


def test_a_story_naming_the_seeds_day_joins_at_half_the_threshold() -> None:
    # Both read less like the event than event_threshold (0.7) asks, more than half of it: the
    # one whose lead names the seed's date joins, the other not; naming it is not enough alone.
    halfway = unit(1, 1.5)  # cosine 0.55 to the event
    stories = [
        (story("a", 3), embedded(unit(1, 0.05))),
        (story("on-the-day", 5), embedded(halfway, "Lavrov and Blinken, 2 December: the talks")),
        (story("no-day", 5), embedded(halfway, "Lavrov and Blinken: the talks")),
        (story("far", 5), embedded(unit(0.2, 1), "Markets on 2 December")),
    ]
    result = run(stories)
    assert result["event"] == {"a", "on-the-day"}
    members = {m.url: m for m in result["clustering"].members}  # type: ignore[attr-defined]
    assert members["on-the-day"].reason.startswith(
        "in: names the seed's day, 2 December 2021, and is 0.5"
    )
    assert members["no-day"].reason.startswith("out: ")


def test_a_dated_story_naming_the_seeds_date_with_a_wrong_weekday_still_names_it() -> None:
    # The seed is on Thursday 2 December 2021; "Friday, 2 December" fits 2022. A story dated
    # the day after the seed means the seed's day; an undated one may mean 2022's.
    halfway = unit(1, 1.5)  # cosine 0.55 to the event: in only by the seed's day
    lead = "Blinken and Lavrov, Friday, 2 December: the talks"
    dated = (story("dated", 24), embedded(halfway, lead))
    undated = (story("undated", 24, source="first_seen"), embedded(halfway, lead))
    result = run([(story("a", 3), embedded(unit(1, 0.05))), dated, undated])
    assert result["event"] == {"a", "dated"}


def test_the_window_bounds_what_is_clustered() -> None:
    stories = [(story("in", 2), embedded(EVENT)), (story("geneva", 50 * 24), embedded(EVENT))]
    result = run(stories)
    assert result["event"] == {"in"}
    clustering = result["clustering"]
    outside = next(m for m in clustering.members if m.url == "geneva")  # type: ignore[attr-defined]
    assert outside.reason == "out: published outside the time window"
    assert outside.cluster_id == "" and outside.similarity_to_seed is None


def test_a_first_seen_date_is_only_an_upper_bound() -> None:
    # Seen years later (a replayed archive) but with nothing else to date it: still a candidate.
    late = story("undated", 24 * 365 * 4, source="first_seen")
    result = run([(late, embedded(EVENT))])
    assert result["event"] == {"undated"}
    member = result["clustering"].members[0]  # type: ignore[attr-defined]
    assert member.hours_from_seed is None and "date unknown" in member.reason
    early = story("old", -24 * 30, source="first_seen")  # seen before the window opened
    assert run([(early, embedded(EVENT))])["event"] == set()


def test_names_bring_in_a_story_the_vectors_miss() -> None:
    # A story in another language: the model's vector is far off, the names are the same.
    leads = [
        "Blinken and Lavrov met in Stockholm on Thursday",
        "In Stockholm, Blinken warned Lavrov of consequences",
        "Talks in Stockholm between Lavrov and Blinken end without breakthrough",
    ]
    stories = [
        (story(f"e{i}", i + 2), embedded(unit(1, 0.05 * i), lead)) for i, lead in enumerate(leads)
    ]
    stories += [
        (story("sv", 6), embedded(unit(0.1, 0, 0.2, 1), "I Stockholm möttes Blinken och Lavrov")),
        (story("riga", 5), embedded(unit(0.2, 0, 0.3, 1), "In Riga, Nato ministers heard Blinken")),
    ]
    result = run(stories)
    assert result["event"] == {"e0", "e1", "e2", "sv"}
    reason = next(m.reason for m in result["clustering"].members if m.url == "sv")  # type: ignore[attr-defined]
    # Blinken is named by the Riga story too, so only Lavrov and Stockholm mark this event.
    assert reason.startswith("in: names the event's Lavrov, Stockholm")


def test_distinctive_names_are_frequent_inside_and_rare_outside() -> None:
    inside = ["Talks in Stockholm with Lavrov", "In Stockholm, Lavrov and Blinken spoke"]
    outside = ["Nato ministers heard Blinken in Riga", "Blinken visits Kyiv", "Markets in London"]
    assert distinctive_names(inside, outside, ClusterParams()) == {
        name_key("Stockholm"),
        name_key("Lavrov"),
    }


@pytest.mark.parametrize(
    "text",
    [
        "В четверг Лавров и Блинкен встретились в Стокгольме",
        "У четвер Лавров і Блінкен зустрілися у Стокгольмі",
        "Am Donnerstag trafen sich Lawrow und Blinken in Stockholm",
        "التقى لافروف وبلينكن في ستوكهولم",
    ],
)
def test_names_are_one_key_across_scripts_and_spellings(text: str) -> None:
    english = set(name_keys("On Thursday Lavrov and Blinken met in Stockholm"))
    assert {name_key("Lavrov"), name_key("Blinken")} <= english
    assert {name_key("Lavrov"), name_key("Blinken")} <= set(name_keys(text))


def test_a_name_every_story_of_the_crisis_carries_is_not_distinctive_in_any_script() -> None:
    inside = ["Blinken and Lavrov meet in Stockholm over Ukraine", "Stockholm talks on Ukraine"]
    outside = ["Украина готовится", "Ukraine braces", "Україна чекає", "Kyiv: Ukraine waits"]
    assert name_key("Ukraine") not in distinctive_names(inside, outside, ClusterParams())


def test_language_centering_compares_stories_across_languages() -> None:
    # Each language's stories share a direction (3, 4) of their own besides the event (0) or
    # another topic (1): raw cosines put a Russian event story nearer Russian news on another
    # topic than the English event story; less each language's mean, the event comes first.
    en_event, en_other = unit(1, 0, 0, 2), unit(0, 1, 0, 2)
    ru_event, ru_other = unit(1, 0, 0, 0, 2), unit(0, 1, 0, 0, 2)
    rows = np.vstack([en_event, en_other, ru_event, ru_other])
    assert float(ru_event @ ru_other) > float(ru_event @ en_event)
    flat = centered(rows, ["en", "en", "ru", "ru"], prior=0.0)
    assert float(flat[2] @ flat[0]) > float(flat[2] @ flat[3])
    assert np.allclose(np.linalg.norm(flat, axis=1), 1.0)


def test_a_story_in_another_language_joins_the_event_when_languages_are_centred() -> None:
    en = [
        (story(f"e{i}", i + 2, language="en"), embedded(unit(1, 0.05 * i, 0, 2))) for i in range(3)
    ]
    en += [(story("n", 5, language="en"), embedded(unit(0, 1, 0, 2)))]
    ru = [
        (story("r1", 4, language="ru"), embedded(unit(1, 0, 0, 0, 2))),
        (story("r2", 6, language="ru"), embedded(unit(0, 1, 0, 0, 2))),
    ]
    seed_vector = unit(1, 0, 0, 2)
    plain = cluster_around_seed(
        SEED, embedded(seed_vector), [s for s, _ in en + ru], {s.url: e for s, e in en + ru}
    )
    assert "r1" not in {m.url for m in plain.members if m.in_event}
    flat = cluster_around_seed(
        Seed("stockholm", "The seed text.", SEED_TIME, language="en"),
        embedded(seed_vector),
        [s for s, _ in en + ru],
        {s.url: e for s, e in en + ru},
        ClusterParams(language_prior=0.0, distance_threshold=1.0),
    )
    assert {m.url for m in flat.members if m.in_event} == {"e0", "e1", "e2", "r1"}


def vote_window() -> list[tuple[Story, Embedded]]:
    """Five English stories on the event (0) and five on a neighbouring event (1), all with
    English's direction (3); three Russian stories on the event, with Russian's direction (4) and
    a little of their own (5-7): less Russian's mean, what is left of each is its own. And a
    German story (German's direction: 2) on the neighbouring event."""
    en = [
        (story(f"e{i}", i + 1, language="en"), embedded(unit(1, 0.05 * i, 0, 2))) for i in range(5)
    ]
    en += [
        (story(f"n{i}", i + 1, language="en"), embedded(unit(0.05 * i, 1, 0, 2))) for i in range(5)
    ]
    ru = [
        ("r-dated", 5.0, "feed", unit(1, 0, 0, 0, 2, 0.3)),
        ("r-undated", 5.0, "first_seen", unit(1, 0, 0, 0, 2, 0, 0.3)),
        ("r-late", 80.0, "feed", unit(1, 0, 0, 0, 2, 0, 0, 0.3)),
    ]
    return [
        *en,
        *(
            (story(url, hours, source=source, language="ru"), embedded(v))
            for url, hours, source, v in ru
        ),
        (story("d-neighbour", 5, language="de"), embedded(unit(0, 1, 2))),
    ]


def vote_run(vote: int) -> dict[str, object]:
    stories = vote_window()
    params = ClusterParams(language_prior=0.0, distance_threshold=1.0, language_vote=vote)
    clustering = cluster_around_seed(
        Seed("stockholm", "The seed text.", SEED_TIME, language="en"),
        embedded(unit(1, 0, 0, 2)),
        [s for s, _ in stories],
        {s.url: e for s, e in stories},
        params,
    )
    return {"clustering": clustering, "event": {m.url for m in clustering.members if m.in_event}}


def test_a_story_in_another_language_joins_when_its_nearest_seed_language_stories_are_in() -> None:
    english = {f"e{i}" for i in range(5)}
    without = vote_run(0)["event"]
    assert without == english  # centred on Russian's mean, the Russian report lost the event
    result = vote_run(5)
    # Its five nearest English stories are the event's; the German story's are the other
    # event's; an undated story, or one dated three days away, is not asked.
    assert result["event"] == english | {"r-dated"}
    members = {m.url: m for m in result["clustering"].members}  # type: ignore[attr-defined]
    assert members["r-dated"].reason.startswith(
        "in: 5 of its 5 nearest stories in the seed's language (en) are in the event; "
    )
    assert members["r-dated"].reason.endswith("5 h after the seed)")
    assert not any(members[url].in_event for url in ("r-undated", "r-late", "d-neighbour"))


def test_the_vote_asks_for_its_share_of_the_nearest() -> None:
    # With the vote asking 6 stories, the sixth nearest is on the neighbouring event: 5 of 6 is
    # below 0.9 of them, and at least 0.8.
    stories = vote_window()
    seed = Seed("stockholm", "The seed text.", SEED_TIME, language="en")

    def event(share: float) -> set[str]:
        params = ClusterParams(
            language_prior=0.0, distance_threshold=1.0, language_vote=6, language_vote_share=share
        )
        found = cluster_around_seed(
            seed,
            embedded(unit(1, 0, 0, 2)),
            [s for s, _ in stories],
            {s.url: e for s, e in stories},
            params,
        )
        return {m.url for m in found.members if m.in_event}

    assert "r-dated" in event(0.8)
    assert "r-dated" not in event(0.9)


def test_many_copies_of_a_related_story_do_not_pull_the_event_away() -> None:
    """Sixty outlets running one story on a related event (a wire story, or retellings) count
    once in the event's centre: the event is the same as with one of them."""
    rng = np.random.default_rng(11)
    # Ten reports of the event, each its own angle on it (no two alike enough to be copies).
    angles = rng.normal(size=(10, DIM - 2))
    angles *= 0.44 / np.linalg.norm(angles, axis=1, keepdims=True)
    own = [(story(f"e{k}", k), embedded(unit(0.9, 0, *angles[k]))) for k in range(10)]
    related = unit(0.62, 0.78)

    def copy(k: int) -> tuple[Story, Embedded]:
        noise = rng.normal(0, 0.003, DIM).astype(np.float32)
        return story(f"r{k}", 2), embedded(unit(*(related + noise)))

    alone = run([*own, copy(0)])["event"]
    assert alone == {f"e{k}" for k in range(10)}
    assert run([*own, *(copy(k) for k in range(60))])["event"] == alone


def test_same_input_same_output_in_any_order() -> None:
    stories = [
        (story(f"s{i}", i * 7), embedded(unit(1, (i % 3) * 0.4, i * 0.05))) for i in range(12)
    ]
    first = run(stories)["clustering"]
    second = run(list(reversed(stories)))["clustering"]
    assert first == second


def test_cluster_ids_survive_a_run_that_adds_stories() -> None:
    base = [(story(f"n{i}", 30 + i), embedded(unit(0.5, 1, 0.01 * i))) for i in range(3)]
    base += [(story(f"x{i}", 10 + i), embedded(unit(0, 0, 1, 0.01 * i))) for i in range(2)]
    first = run(base)["clustering"]
    previous = {m.url: m.cluster_id for m in first.members if m.cluster_id}  # type: ignore[attr-defined]
    # An earlier story joins the neighbour group: its id must not change with it.
    grown = [*base, (story("n-early", 26), embedded(unit(0.5, 1, 0.2)))]
    second = run(grown, previous=previous)["clustering"]
    ids = {m.url: m.cluster_id for m in second.members}  # type: ignore[attr-defined]
    assert ids["n0"] == previous["n0"] and ids["n-early"] == previous["n0"]
    assert ids["x0"] == previous["x0"]
    assert ids["n0"] != ids["x0"]


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="distance_threshold"):
        ClusterParams(distance_threshold=0)
    with pytest.raises(ValueError, match="window"):
        ClusterParams(window_before_days=-1)
    with pytest.raises(ValueError, match="language_vote"):
        ClusterParams(language_vote=-1)
    with pytest.raises(ValueError, match="language_vote_share"):
        ClusterParams(language_vote_share=0)


def large_window(n: int, seed: int = 7) -> list[tuple[Story, Embedded]]:
    """n stories around the seed's date: a twentieth on the event, the rest spread over
    neighbouring and unrelated directions."""
    rng = np.random.default_rng(seed)
    found = []
    for i in range(n):
        if i % 20 == 0:
            base = unit(1, 0.1)
        else:
            base = np.zeros(DIM, dtype=np.float32)
            base[1 + i % (DIM - 1)] = 1.0
        vector = base + rng.normal(0, 0.15, DIM).astype(np.float32)
        vector /= np.linalg.norm(vector)
        found.append((story(f"s{i:05d}", float(i % 96) - 24), embedded(vector)))
    return found


def test_only_the_neighbourhood_of_the_event_is_clustered_and_the_event_does_not_change() -> None:
    stories = large_window(600)
    whole = run(stories, params=ClusterParams(neighbourhood=600))
    near = run(stories, params=ClusterParams(neighbourhood=40))
    assert near["event"] == whole["event"] and len(near["event"]) >= 25  # type: ignore[arg-type]
    clustering = near["clustering"]
    members = {m.url: m for m in clustering.members}  # type: ignore[attr-defined]
    others = [m for m in members.values() if not m.in_event]
    clustered = [m for m in others if m.cluster_id]
    far = [m for m in others if not m.cluster_id]
    assert len(clustered) == 40 and len(far) == len(others) - 40
    assert all(m.reason.startswith("out: far from the event") for m in far)

    # The clustered ones are those most similar to the event: none of the far is closer.
    def closeness(reason: str) -> float:
        found = re.search(r"(-?\d+\.\d+) similar to", reason)
        assert found, reason
        return float(found.group(1))

    nearest_far = max(closeness(m.reason) for m in far)
    assert min(closeness(m.reason) for m in clustered) >= nearest_far
    stories_in_clusters = sum(c.size for c in clustering.clusters)  # type: ignore[attr-defined]
    assert stories_in_clusters == len(near["event"]) + 40  # type: ignore[arg-type]


def test_a_window_of_thousands_is_clustered_without_its_whole_square() -> None:
    # 6,000 stories: their similarity square alone would be 144 MB; the neighbourhood's is 1 MB.
    stories = large_window(6000)
    result = run(stories)
    clustering = result["clustering"]
    assert len(clustering.members) == 6000  # type: ignore[attr-defined]
    clustered = sum(c.size for c in clustering.clusters)  # type: ignore[attr-defined]
    assert clustered == len(result["event"]) + ClusterParams().neighbourhood  # type: ignore[arg-type]
