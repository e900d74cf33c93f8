"""Seeded clustering: group a time window's stories into events; the seed's group is the event.

Method (measured on the demo by bench/cluster_quality.py; the reasons are in docs/clustering.md):

1. Window. Stories published from `window_before_days` before the seed's date to
   `window_after_days` after it (or --since/--until). A story dated only by when Parallax first
   saw it may have been published earlier, so it stays in unless first seen before the window.
2. Similarity. Cosine of lead vectors (headline + first two sentences: where news says who, what,
   where and when), minus a time penalty: stories of one event appear close together, so each
   day apart beyond `time_grace_days` costs `time_penalty_per_day`; a story dated only by when it
   was first seen counts from the date its lead names, if any (analysis/named_dates.py); one
   whose lead names no date but only weekdays two days or more from the seed's ("on Thursday"
   for a Tuesday's event) reports another occasion, and does not join the event. For a
   multilingual model, each language's mean vector is taken out first (`language_prior`), since
   such models place one language's texts together whatever they say.
3. The event, grown from the seed. The stories at least `seed_threshold` similar to the seed
   start it; then, round after round, the event is every story at least `event_threshold`
   similar to the centre of the event so far (the seed included; near copies of one story
   counted once), until it stops changing.
   Judging a story against the whole event, not the seed alone, lets coverage in other words
   and other languages in; growing from the seed, rather than cutting a tree of every story,
   keeps one split in the tree from taking the event apart.
4. Other events. The `neighbourhood` stories left out that are nearest the event are clustered
   by average linkage, cut at `distance_threshold`: the neighbouring events the report names.
   The others are not clustered, so memory grows with the window, not with its square.
5. Names. A story left out that names at least `min_shared_names` of the event's distinctive
   names (capitalised words in at least `name_share_in_event` of the event's leads and in at
   most `name_share_outside` of the other leads: people and places such as "Stockholm") and was
   published during the event joins it. Names cross languages and headline styles where a
   monolingual model's vectors do not.
6. The seed's day. A story left out whose lead names the seed's date (or the day next to it,
   for time zones) and is at least half `event_threshold` similar to the event joins it: the
   day is evidence the vectors lack, in languages whose own mean is the event.
7. The vote of the seed's language. A story left out, in another language than the seed's and
   dated (by its page or feed) within `language_vote_days` of it, joins when at least
   `language_vote_share` of its `language_vote` nearest stories in the seed's language, by raw
   lead cosine, are in the event: its language shifts its cosines to all of them alike, so
   which are nearest still says what it is about.

Deterministic for the same input: stories are ordered by time and URL before clustering. Cluster
ids carry over from the previous clustering by overlap, so a later run that adds stories keeps
the ids of the groups it extends.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import numpy.typing as npt

from parallax.analysis.languages import primary, story_language
from parallax.analysis.named_dates import named_weekdays, nearest_named_date
from parallax.analysis.names import name_keys
from parallax.analysis.records import Cluster, Clustering, Membership, Seed, Story

Vector = npt.NDArray[np.float32]
FIRST_SEEN = "first_seen"


@dataclass(frozen=True)
class ClusterParams:
    """The clustering's knobs; config/parallax.toml [cluster] says how they were chosen."""

    distance_threshold: float = 0.5
    lead_weight: float = 1.0  # the rest of the similarity comes from the document vectors
    time_grace_days: float = 1.0
    time_penalty_per_day: float = 0.05
    window_before_days: float = 3.0
    window_after_days: float = 7.0
    min_shared_names: int = 2
    name_share_in_event: float = 0.5
    name_share_outside: float = 0.2
    # Multilingual models place texts of one language near each other: subtract each
    # language's mean vector (drawn towards the window's mean by this many stories' weight, so a
    # language with one story keeps most of itself) before comparing. A negative value turns
    # it off, as for a model that reads one language.
    language_prior: float = -1.0
    seed_threshold: float = 0.6  # similarity to the seed that starts the event
    event_threshold: float = 0.7  # similarity to the event's centre that keeps a story in it
    # The neighbouring events are clustered among the stories left out that are nearest the
    # event, this many at most: average linkage over every story of a large window takes
    # memory quadratic in it (10,000 stories, 3.5 GB), and the report names the events near
    # the seed's. The rest are not clustered; the event itself never depends on it.
    neighbourhood: int = 500
    # A story in another language than the seed's, dated within language_vote_days of it,
    # joins when at least language_vote_share of its language_vote nearest stories in the
    # seed's language (by raw lead cosine) are in the event; 0 turns it off, as for a model
    # that reads one language.
    language_vote: int = 0
    language_vote_share: float = 0.8
    language_vote_days: float = 2.0

    def __post_init__(self) -> None:
        if not 0 < self.distance_threshold <= 2:
            raise ValueError("cluster.distance_threshold must be in (0, 2]")
        if min(self.time_grace_days, self.time_penalty_per_day) < 0:
            raise ValueError("cluster time settings cannot be negative")
        if min(self.window_before_days, self.window_after_days) < 0:
            raise ValueError("cluster window settings cannot be negative")
        shares = (self.lead_weight, self.name_share_in_event, self.name_share_outside)
        if not all(0 <= share <= 1 for share in shares):
            raise ValueError("cluster.lead_weight and the name shares must be between 0 and 1")
        if self.min_shared_names < 1:
            raise ValueError("cluster.min_shared_names must be at least 1")
        if self.neighbourhood < 0:
            raise ValueError("cluster.neighbourhood cannot be negative")
        if self.language_vote < 0 or self.language_vote_days < 0:
            raise ValueError(
                "cluster.language_vote and cluster.language_vote_days cannot be negative"
            )
        if not 0 < self.language_vote_share <= 1:
            raise ValueError("cluster.language_vote_share must be in (0, 1]")

    @property
    def centers_languages(self) -> bool:
        return self.language_prior >= 0

    @property
    def weighs_documents(self) -> bool:
        """Whether clustering needs document vectors (leads alone cost a sixth as much)."""
        return self.lead_weight < 1


@dataclass(frozen=True)
class Embedded:
    """A story (or the seed) with its lead and document vectors and its lead's text."""

    lead_text: str
    lead: Vector
    doc: Vector | None  # None when not embedded: clustering on leads alone needs none


def window_for(seed: Seed, params: ClusterParams) -> tuple[datetime, datetime]:
    """The default window around the seed's date."""
    return (
        seed.published_at - timedelta(days=params.window_before_days),
        seed.published_at + timedelta(days=params.window_after_days),
    )


def in_window(story: Story, start: datetime, end: datetime) -> bool:
    """Whether a story belongs to the window (first-seen dates are only an upper bound)."""
    if story.date_source == FIRST_SEEN:
        return story.published_at >= start
    return start <= story.published_at <= end


def _days(a: datetime | None, b: datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return abs((a - b).total_seconds()) / 86400


def centered(rows: Vector, languages: Sequence[str | None], prior: float) -> Vector:
    """Unit vectors less their language's mean, drawn towards the mean of all rows with the
    weight of `prior` rows: what is left compares across languages (Libovický et al., 2020,
    "On the language neutrality of pre-trained multilingual representations")."""
    overall = rows.mean(axis=0)
    out = np.empty_like(rows)
    for language in set(languages):
        picked = [i for i, found in enumerate(languages) if found == language]
        own = rows[picked].mean(axis=0)
        share = len(picked) / (len(picked) + prior) if prior > 0 else 1.0
        out[picked] = rows[picked] - (share * own + (1 - share) * overall)
    lengths = np.linalg.norm(out, axis=1, keepdims=True)
    return np.asarray(out / np.clip(lengths, 1e-9, None), dtype=np.float32)


class _Rows:
    """The window's vectors and times (row 0 is the seed), with pairwise similarities of any
    block of rows on demand: never the whole window's square."""

    def __init__(
        self, leads: Vector, docs: Vector, times: list[datetime | None], params: ClusterParams
    ) -> None:
        self.leads, self.docs, self.times, self.params = leads, docs, times, params
        self.stamps = np.array([t.timestamp() if t else np.nan for t in times])

    def block(self, rows: Sequence[int], cols: Sequence[int] | None = None) -> Vector:
        """Similarities of `rows` to `cols` (to `rows` themselves by default), time penalty
        included: lead (and document) cosines, less the penalty for pairs of known dates."""
        a = np.asarray(rows, dtype=np.intp)
        b = a if cols is None else np.asarray(cols, dtype=np.intp)
        weight = self.params.lead_weight
        sims = weight * (self.leads[a] @ self.leads[b].T)
        if weight < 1:
            sims += (1 - weight) * (self.docs[a] @ self.docs[b].T)
        apart = np.abs(self.stamps[a][:, None] - self.stamps[b][None, :]) / 86400
        return np.asarray(sims - time_penalty(apart, self.params), dtype=np.float32)


def time_penalty(days: npt.NDArray[np.float64], params: ClusterParams) -> npt.NDArray[np.float64]:
    """The penalty for days apart (NaN: a time unknown, no penalty)."""
    late = np.clip(days - params.time_grace_days, 0, None) * params.time_penalty_per_day
    return np.nan_to_num(late, nan=0.0)


def _labels(sims: Vector, threshold: float) -> list[int]:
    if len(sims) == 1:
        return [0]
    from sklearn.cluster import AgglomerativeClustering  # slow to import; only clustering needs it

    distance = np.clip(1.0 - sims, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    model = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=threshold
    )
    return [int(label) for label in model.fit_predict(distance)]


MAX_ROUNDS = 20  # the event settles in three or four rounds on real coverage


def _grown_event(
    leads: Vector,
    docs: Vector,
    times: list[datetime | None],
    params: ClusterParams,
    barred: Collection[int] = (),
) -> tuple[set[int], Vector]:
    """Rows of the event (row 0 is the seed), grown from the seed, never with the `barred`
    rows; and each story's similarity to the event's centre, the seed's row excluded."""
    if params.weighs_documents:
        weights = np.sqrt([params.lead_weight, 1 - params.lead_weight]).astype(np.float32)
        rows = np.hstack([weights[0] * leads, weights[1] * docs])  # rows . rows = blended cosine
    else:
        rows = leads  # a copy twice the size, half of it zeros, otherwise
    penalty = _seed_time_penalty(times, params)
    to_seed = rows[1:] @ rows[0] - penalty
    allowed = np.ones(len(to_seed), dtype=bool)
    allowed[np.asarray([i - 1 for i in barred], dtype=np.intp)] = False
    event = (to_seed >= params.seed_threshold) & allowed
    to_event = to_seed
    for _round in range(MAX_ROUNDS):
        members = rows[1:][event]
        centre = (members * _once_each(members)[:, None]).sum(axis=0) + rows[0]
        centre /= max(float(np.linalg.norm(centre)), 1e-9)
        to_event = rows[1:] @ centre - penalty
        grown = (to_event >= params.event_threshold) & allowed
        if np.array_equal(grown, event):
            break
        event = grown
    return {int(i) + 1 for i in np.flatnonzero(event)}, np.asarray(to_event, dtype=np.float32)


# Leads this alike are one story told again: a wire story run by many outlets, a mirror. Each
# counts 1 / (its number of such stories in the event) in the event's centre, so that a story
# many outlets ran, or many retellings of another event, cannot pull the centre to themselves.
DUPLICATE_COSINE = 0.95
_BLOCK_ROWS = 2048  # rows of the member-by-member cosines held at once


def _once_each(members: Vector) -> npt.NDArray[np.float64]:
    """Each member's weight in the centre: 1 / the number of members (itself included) whose
    lead is a near copy of its own."""
    weights = np.empty(len(members))
    for at in range(0, len(members), _BLOCK_ROWS):
        alike = members[at : at + _BLOCK_ROWS] @ members.T >= DUPLICATE_COSINE
        weights[at : at + _BLOCK_ROWS] = 1.0 / np.maximum(alike.sum(axis=1), 1)
    return weights


def _seed_time_penalty(times: list[datetime | None], params: ClusterParams) -> Vector:
    """Each story's penalty for its distance in time from the seed (none when undated)."""
    seed_time = seed_time_of(times)
    days = np.array([_days(t, seed_time) if t else np.nan for t in times[1:]], dtype=np.float64)
    return np.asarray(time_penalty(days, params), dtype=np.float32)


def distinctive_names(
    event_leads: list[str], other_leads: list[str], params: ClusterParams
) -> set[str]:
    """Names frequent in the event's leads and rare in the other leads, as name keys."""
    inside = Counter(n for lead in event_leads for n in name_keys(lead))
    outside = Counter(n for lead in other_leads for n in name_keys(lead))
    return _distinctive(inside, len(event_leads), outside, len(other_leads), params)


def _distinctive(
    inside: Counter[str],
    n_inside: int,
    outside: Counter[str],
    n_outside: int,
    params: ClusterParams,
) -> set[str]:
    return {
        name
        for name, count in inside.items()
        if count >= params.name_share_in_event * n_inside
        and outside[name] <= params.name_share_outside * max(n_outside, 1)
    }


def _stable_ids(groups: list[list[str]], previous: Mapping[str, str], reserved: str) -> list[str]:
    """Give each group the previous id it overlaps most, else a new id from its first URL."""
    overlaps = []
    for index, urls in enumerate(groups):
        counts = Counter(previous[u] for u in urls if u in previous and previous[u] != reserved)
        overlaps += [(count, index, old) for old, count in counts.items()]
    ids: dict[int, str] = {}
    taken: set[str] = set()
    for _count, index, old in sorted(overlaps, key=lambda o: (-o[0], o[1], o[2])):
        if index not in ids and old not in taken:
            ids[index], taken = old, taken | {old}
    for index, urls in enumerate(groups):
        ids.setdefault(index, "c-" + hashlib.sha1(min(urls).encode()).hexdigest()[:10])  # noqa: S324
    return [ids[i] for i in range(len(groups))]


def cluster_around_seed(
    seed: Seed,
    seed_vectors: Embedded,
    stories: Sequence[Story],
    vectors: Mapping[str, Embedded],
    params: ClusterParams | None = None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    previous: Mapping[str, str] | None = None,
    outside: Sequence[str] = (),
) -> Clustering:
    """Cluster the window's stories with the seed among them; explain every story's place."""
    params = params or ClusterParams()
    start, end = window_for(seed, params)
    start, end = since or start, until or end
    event_id = f"event-{seed.seed_id}"
    inside = sorted(
        (s for s in stories if in_window(s, start, end) and s.url in vectors),
        key=lambda s: (s.date_source == FIRST_SEEN, s.published_at, s.url),
    )
    kept = {x.url for x in inside}
    outside = sorted({*outside, *(s.url for s in stories if s.url not in kept)})
    times = [seed.published_at] + [_time_of(s, vectors[s.url], seed) for s in inside]
    other_days = {
        i: days
        for i, story in enumerate(inside, 1)
        if times[i] is None and (days := _other_weekdays(story, vectors[story.url], seed))
    }
    leads = np.vstack([seed_vectors.lead] + [vectors[s.url].lead for s in inside])
    raw_leads = leads
    languages = [seed.language] + [story_language(s) for s in inside]
    if params.centers_languages:
        leads = centered(leads, languages, params.language_prior)
    # Without a weight on documents their matrix would only be multiplied by 0: not built.
    docs = leads
    if params.weighs_documents:
        docs = np.vstack([_doc(seed_vectors)] + [_doc(vectors[s.url]) for s in inside])
        if params.centers_languages:
            docs = centered(docs, languages, params.language_prior)
    window = _Rows(leads, docs, times, params)
    event, to_event = _grown_event(leads, docs, times, params, other_days.keys())
    joined = _join_by_names(inside, vectors, event, times, params, other_days.keys())
    event |= set(joined)
    on_the_day = _join_by_seed_day(inside, vectors, event, to_event, seed, params)
    event |= set(on_the_day)
    voted = _join_by_language_vote(inside, raw_leads, languages, event, seed, params)
    event |= set(voted)

    rest = [i for i in range(1, len(inside) + 1) if i not in event]
    near = _nearest(rest, to_event, params.neighbourhood)
    labels = _labels(window.block(near), params.distance_threshold) if near else []
    groups: dict[int, list[int]] = {}
    for i, label in zip(near, labels, strict=True):
        groups.setdefault(label, []).append(i)
    others = sorted(groups.values(), key=lambda g: (-len(g), inside[g[0] - 1].url))
    other_ids = _stable_ids(
        [[inside[i - 1].url for i in g] for g in others], previous or {}, event_id
    )
    clusters = [_cluster(event_id, True, sorted(event), inside, window)]
    clusters += [
        _cluster(cid, False, g, inside, window) for cid, g in zip(other_ids, others, strict=True)
    ]
    cluster_of = {url: c.cluster_id for c in clusters for url in c.urls}
    sizes = {c.cluster_id: c.size for c in clusters}

    members = [
        _membership(
            story,
            i + 1,
            cluster_of.get(story.url, ""),
            event_id,
            seed,
            seed_vectors,
            vectors,
            joined,
            sizes,
            float(to_event[i]),
            times[i + 1],
            other_days.get(i + 1, []),
            on_the_day.get(i + 1),
            voted.get(i + 1),
        )
        for i, story in enumerate(inside)
    ]
    members += [
        Membership(url, "", False, None, None, None, "out: published outside the time window")
        for url in outside
    ]
    return Clustering(
        seed_id=seed.seed_id,
        window_start=start,
        window_end=end,
        event_cluster_id=event_id,
        clusters=clusters,
        members=members,
        outside_window=outside,
        params=asdict(params),
    )


def _nearest(rest: list[int], to_event: Vector, limit: int) -> list[int]:
    """The `limit` rows of `rest` most similar to the event's centre, in row order."""
    if len(rest) <= limit:
        return rest
    similarity = to_event[np.asarray(rest, dtype=np.intp) - 1]
    # Most similar first; a stable sort keeps row (time, then URL) order among ties.
    chosen = np.argsort(-similarity, kind="stable")[:limit]
    return sorted(rest[int(j)] for j in chosen)


# Weekdays this far from the seed's (either way round the week) are another occasion's: one day
# is left for time zones and for reports of the next morning.
OTHER_DAY = 2
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _other_weekdays(story: Story, vectors: Embedded, seed: Seed) -> list[int]:
    """The weekdays an undated story's lead names (0 is Monday), when it names some and all are
    at least OTHER_DAY from the seed's: news says on which day its occasion fell."""
    days = named_weekdays(vectors.lead_text, story_language(story))
    own = seed.published_at.weekday()
    if days and all(min((d - own) % 7, (own - d) % 7) >= OTHER_DAY for d in days):
        return sorted(days)
    return []


def _time_of(story: Story, vectors: Embedded, seed: Seed) -> datetime | None:
    """When a story appeared, for the time penalty: its date; for one dated only by when it was
    first seen, the date its lead names nearest the seed's (noon UTC), if it names one."""
    if story.date_source != FIRST_SEEN:
        return story.published_at
    named = nearest_named_date(vectors.lead_text, story_language(story), seed.published_at.date())
    return None if named is None else datetime.combine(named, time(12), tzinfo=UTC)


def seed_time_of(times: list[datetime | None]) -> datetime:
    """The seed's time: row 0, always known."""
    seed_time = times[0]
    if seed_time is None:
        raise ValueError("the seed must have a publication time")
    return seed_time


def _cos(a: Vector, b: Vector) -> float:
    return round(float(np.dot(a, b)), 4)


def _doc(vectors: Embedded) -> Vector:
    """The document vector, or the lead's where there is none (then lead_weight is 1)."""
    return vectors.lead if vectors.doc is None else vectors.doc


def _join_by_names(
    inside: list[Story],
    vectors: Mapping[str, Embedded],
    event: set[int],
    times: list[datetime | None],
    params: ClusterParams,
    barred: Collection[int],
) -> dict[int, list[str]]:
    """Stories outside the event that name enough of its distinctive names, during it (not the
    `barred`: their leads say they are on another day)."""
    if not event:
        return {}
    keys = {i: name_keys(vectors[inside[i - 1].url].lead_text) for i in range(1, len(inside) + 1)}
    inside_names = Counter(n for i in event for n in keys[i])
    other = [i for i in range(1, len(inside) + 1) if i not in event]
    own = {i: set(keys[i]) for i in other}
    outside_names = Counter(n for found in own.values() for n in found)
    seed_time = seed_time_of(times)
    known = [t for t in (times[i] for i in event) if t is not None]
    first, last = min(known, default=seed_time), max(known, default=seed_time)
    joined = {}
    for i in other:
        if i in barred:
            continue
        when = times[i]
        if when is not None and not (first - timedelta(days=1) <= when <= last + timedelta(days=1)):
            continue
        # The story judged is one of the others: its own names do not count against it.
        rest = outside_names - Counter(own[i])
        signature = _distinctive(inside_names, len(event), rest, len(other) - 1, params)
        shared = sorted(own[i] & signature)
        if len(shared) >= params.min_shared_names:
            joined[i] = [keys[i][key] for key in shared]
    return joined


# How similar to the event a story whose lead names the seed's date must be, as a share of
# event_threshold: naming the day is evidence of its own, but not enough alone (that day's
# round-up of other news names it too).
SEED_DAY_SHARE = 0.5


def _join_by_seed_day(
    inside: list[Story],
    vectors: Mapping[str, Embedded],
    event: set[int],
    to_event: Vector,
    seed: Seed,
    params: ClusterParams,
) -> dict[int, date]:
    """Stories outside the event whose leads name the seed's date or the day next to it (the
    date named) and that are at least SEED_DAY_SHARE of event_threshold similar to the event."""
    day = seed.published_at.date()
    floor = SEED_DAY_SHARE * params.event_threshold
    found = {}
    for i, story in enumerate(inside, 1):
        if i in event or to_event[i - 1] < floor:
            continue
        # A story with its own date was written in the seed's days: "Tuesday, November 15"
        # there is the seed's 15 November with a slip, not 2022's, the next Tuesday one.
        dated = story.date_source != FIRST_SEEN
        lead = vectors[story.url].lead_text
        named = nearest_named_date(lead, story_language(story), day, weekdays=not dated)
        if named is not None and abs((named - day).days) <= 1:
            found[i] = named
    return found


_VOTE_CELLS = 1 << 22  # candidate-by-voter cosines held at once (16 MB, and their ranks)


@dataclass(frozen=True)
class Vote:
    """How a story in another language joined: its nearest stories in the seed's language."""

    language: str
    in_event: int
    asked: int


def _join_by_language_vote(
    inside: list[Story],
    raw_leads: Vector,
    languages: Sequence[str | None],
    event: set[int],
    seed: Seed,
    params: ClusterParams,
) -> dict[int, Vote]:
    """Stories outside the event, in another language than the seed's and published (by their
    own date) within language_vote_days of it, whose language_vote nearest stories in the
    seed's language, by the leads' raw cosines, are in the event by language_vote_share.

    Raw cosines carry the story's language, but that language is the same for every story it is
    compared with here, so it cannot change which of them are nearest: the vote reads the
    event's own stories where the language-centred similarity loses a language whose stories in
    the window are mostly the event. Stories dated only by when they were first seen are not
    asked: the same people's other meetings, undated, read alike in another language."""
    own = primary(languages[0])
    k = params.language_vote
    if not k or own is None:
        return {}
    pool = np.array(
        [i for i in range(1, len(inside) + 1) if primary(languages[i]) == own], dtype=np.intp
    )
    if len(pool) < k:
        return {}
    limit = params.language_vote_days * 86400
    candidates = [
        i
        for i, story in enumerate(inside, 1)
        if i not in event
        and story.date_source != FIRST_SEEN
        and primary(languages[i]) not in (own, None)
        and abs((story.published_at - seed.published_at).total_seconds()) <= limit
    ]
    members = np.isin(pool, sorted(event))
    needed = math.ceil(params.language_vote_share * k - 1e-9)
    found: dict[int, Vote] = {}
    voters = raw_leads[pool].T  # once: a week's window holds tens of thousands of them
    block = max(1, _VOTE_CELLS // len(pool))
    for at in range(0, len(candidates), block):
        rows = candidates[at : at + block]
        cosines = raw_leads[rows] @ voters
        nearest = np.argpartition(cosines, -k, axis=1)[:, -k:]  # each row's k highest
        for i, chosen in zip(rows, nearest, strict=True):
            votes = int(members[chosen].sum())
            if votes >= needed:
                found[i] = Vote(own, votes, k)
    return found


def _cluster(
    cluster_id: str, is_event: bool, rows: list[int], inside: list[Story], window: _Rows
) -> Cluster:
    stories = [inside[i - 1] for i in rows]
    if rows:
        central = rows[_most_central(rows, window)]
        label = inside[central - 1].title
    else:
        label = ""
    dated = [s.published_at for s in stories if s.date_source != FIRST_SEEN]
    return Cluster(
        cluster_id=cluster_id,
        size=len(stories),
        is_event=is_event,
        label=label,
        first_published_at=min(dated, default=None),
        last_published_at=max(dated, default=None),
        urls=tuple(s.url for s in stories),
    )


def _most_central(rows: list[int], window: _Rows, chunk: int = 2048) -> int:
    """The index in `rows` of the story most similar on average to the others, its label;
    in chunks of rows, so a large event never needs its whole square at once."""
    means = [
        window.block(rows[start : start + chunk], rows).mean(axis=1)
        for start in range(0, len(rows), chunk)
    ]
    return int(np.argmax(np.concatenate(means)))


def _when(hours: float | None) -> str:
    if hours is None:
        return "date unknown"
    span = f"{abs(hours):.0f} h" if abs(hours) < 48 else f"{abs(hours) / 24:.1f} days"
    return f"{span} {'after' if hours >= 0 else 'before'} the seed"


def _membership(
    story: Story,
    row: int,
    cluster_id: str,
    event_id: str,
    seed: Seed,
    seed_vectors: Embedded,
    vectors: Mapping[str, Embedded],
    joined: Mapping[int, list[str]],
    sizes: Mapping[str, int],
    to_event: float,
    placed_at: datetime | None,
    other_days: Sequence[int],
    seed_day: date | None,
    vote: Vote | None = None,
) -> Membership:
    vec = vectors[story.url]
    lead_sim = _cos(seed_vectors.lead, vec.lead)
    doc_sim = (
        None if vec.doc is None or seed_vectors.doc is None else _cos(seed_vectors.doc, vec.doc)
    )
    hours = None
    if story.date_source != FIRST_SEEN:
        hours = round((story.published_at - seed.published_at).total_seconds() / 3600, 2)
    when = _when(hours)
    if hours is None and placed_at is not None:
        # Its publication is still unknown (hours_from_seed stays NULL); the penalty used this.
        named = (placed_at - seed.published_at).total_seconds() / 3600
        when += f", its lead names {placed_at:%-d %B %Y} ({_when(named)})"
    if other_days:
        # Not in the event whatever its similarity: its lead says it is on another day.
        days = " and ".join(DAY_NAMES[d] for d in other_days)
        own = DAY_NAMES[seed.published_at.weekday()]
        when += f", its lead names {days}, not the seed's {own} or a day next to it"
    if cluster_id == event_id and row in joined:
        reason = f"in: names the event's {', '.join(n.title() for n in joined[row])}; {when}"
    elif cluster_id == event_id and seed_day is not None:
        reason = (
            f"in: names the seed's day, {seed_day:%-d %B %Y}, and is {to_event:.2f} similar to "
            f"the event (lead similarity {lead_sim:.2f}; {when})"
        )
    elif cluster_id == event_id and vote is not None:
        reason = (
            f"in: {vote.in_event} of its {vote.asked} nearest stories in the seed's language "
            f"({vote.language}) are in the event; {to_event:.2f} similar to it (lead similarity "
            f"{lead_sim:.2f}; {when})"
        )
    elif cluster_id == event_id:
        reason = f"in: {to_event:.2f} similar to the event (lead similarity {lead_sim:.2f}; {when})"
    elif not cluster_id:
        reason = (
            f"out: far from the event, {to_event:.2f} similar to it, and not clustered "
            f"(lead similarity to the seed {lead_sim:.2f}; {when})"
        )
    else:
        size = sizes[cluster_id]
        group = "on its own" if size == 1 else f"in a cluster of {size} on another event"
        reason = (
            f"out: {group}, {to_event:.2f} similar to the event "
            f"(lead similarity to the seed {lead_sim:.2f}; {when})"
        )
    return Membership(
        story.url, cluster_id, cluster_id == event_id, lead_sim, doc_sim, hours, reason
    )
