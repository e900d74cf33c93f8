"""The analysis stages as library calls on an open Store: embed, cluster, compare, report.

Prefect-free on purpose (the flows in flows/pipeline.py wrap them), so each stage can be re-run
from a REPL against a database, and each reads what it needs from the Store and writes back.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from parallax import __version__
from parallax.analysis.claims import (
    Claim,
    ClaimParams,
    PairJudge,
    StorySentences,
    WordWeights,
    claims_language,
    exclusive_sentences,
    match_claims,
    sentence_clauses,
    sentences_to_split,
    story_sentences,
    summarise_claims,
)
from parallax.analysis.cluster import Embedded, cluster_around_seed, window_for
from parallax.analysis.compare import compare_outlets, find_copies
from parallax.analysis.framing import LanguageFraming, framing_by_language
from parallax.analysis.languages import reads, story_language
from parallax.analysis.quotes import find_quotes, normalise_speakers
from parallax.analysis.records import Membership, Seed, Story
from parallax.analysis.text import doc_text, lead_text, text_hash
from parallax.flows.errors import UserInputError
from parallax.flows.seeds import load_claims, load_sides
from parallax.flows.settings import Settings
from parallax.reports.render import ReportFiles, render_markdown, write_report
from parallax.storage import Store

Vectors = npt.NDArray[np.float32]
Encoder = Callable[[list[str]], Vectors]


class StageError(UserInputError):
    """A stage asked to run before the one it depends on."""


@dataclass(frozen=True)
class Window:
    """The seed and the time window its event is looked for in."""

    seed: Seed
    start: datetime
    end: datetime


def window(
    seed: Seed, settings: Settings, since: datetime | None, until: datetime | None
) -> Window:
    """The window: --since/--until where given, else around the seed's date."""
    start, end = window_for(seed, settings.cluster)
    return Window(seed, since or start, until or end)


@dataclass(frozen=True)
class StoryTexts:
    """The two texts embedded per story (see analysis/text.py for why these)."""

    lead: str
    doc: str

    @property
    def hashes(self) -> tuple[str, str]:
        return text_hash(self.lead), text_hash(self.doc)


@dataclass(frozen=True)
class StoryLead:
    """What clustering keeps of a story's texts: its lead and the hashes of both."""

    lead: str
    lead_hash: str
    doc_hash: str

    @classmethod
    def of(cls, texts: StoryTexts) -> StoryLead:
        return cls(texts.lead, *texts.hashes)


def story_texts(title: str, text: str) -> StoryTexts:
    return StoryTexts(lead_text(title, text), doc_text(title, text))


# Stories whose whole texts are in memory at once while leads and documents are cut: a
# window of a week of a thousand outlets holds some 50,000 stories, 150 MB of text or more.
TEXT_BATCH = 1_000


def window_texts(store: Store, stories: Sequence[Story]) -> Iterator[tuple[Story, StoryTexts]]:
    """Each story (read without its text) with its lead and document, reading the stored texts
    TEXT_BATCH stories at a time."""
    for at in range(0, len(stories), TEXT_BATCH):
        batch = stories[at : at + TEXT_BATCH]
        bodies = store.article_texts([s.url for s in batch])
        for story in batch:
            yield story, story_texts(story.title, bodies.get(story.url) or "")


def seed_texts(seed: Seed) -> StoryTexts:
    # The seed's headline is ours, not the author's: its own opening sentences are its lead.
    return story_texts("", seed.text)


@dataclass
class EmbedSummary:
    """What the embed stage did."""

    model: str
    stories: int = 0
    texts: int = 0
    embedded: int = 0
    reused: int = 0
    seconds: float = 0.0


def window_embed_texts(
    store: Store, seed: Seed, stories: Sequence[Story], *, documents: bool
) -> Iterator[dict[str, str]]:
    """hash -> text for the seed and the stories (lead texts, and document texts when
    clustering weighs them), TEXT_BATCH stories at a time; a text met in an earlier batch is
    not given again (only the hashes seen are kept, never the texts)."""
    seen: set[str] = set()
    cut = itertools.chain([seed_texts(seed)], (t for _, t in window_texts(store, stories)))
    while batch := list(itertools.islice(cut, TEXT_BATCH)):
        texts: dict[str, str] = {}
        for item in batch:
            for value in (item.lead, item.doc) if documents else (item.lead,):
                key = text_hash(value)
                if key not in seen:
                    seen.add(key)
                    texts[key] = value
        yield texts


def texts_to_embed(store: Store, win: Window, *, documents: bool) -> tuple[dict[str, str], int]:
    """Every text window_embed_texts gives for the window, at once, and the number of stories
    (for tests and benches: the embed stage takes them a batch at a time, embed_chunks)."""
    stories, _ = store.window_stories(win.start, win.end, texts=False)
    texts: dict[str, str] = {}
    for batch in window_embed_texts(store, win.seed, stories, documents=documents):
        texts.update(batch)
    return texts, len(stories)


def missing_texts(store: Store, settings: Settings, texts: dict[str, str]) -> dict[str, str]:
    """The texts without a vector from the configured model: nothing is embedded twice."""
    known = store.known_embeddings(texts, settings.embed.model)
    return {h: t for h, t in texts.items() if h not in known}


def embed_chunks(
    store: Store, settings: Settings, win: Window, summary: EmbedSummary
) -> Iterator[list[tuple[str, str]]]:
    """The window's texts with no vector yet, as (hash, text) chunks of [embed] texts_per_task,
    read and checked TEXT_BATCH stories at a time as the chunks are taken: a cold run over a
    week's window never holds all its texts. Counts stories, texts and reused into `summary`."""
    stories, _ = store.window_stories(win.start, win.end, texts=False)
    summary.stories = len(stories)
    size = settings.embed.texts_per_task
    documents = settings.cluster.weighs_documents
    pending: list[tuple[str, str]] = []
    for texts in window_embed_texts(store, win.seed, stories, documents=documents):
        todo = missing_texts(store, settings, texts)
        summary.texts += len(texts)
        summary.reused += len(texts) - len(todo)
        # Longest first, so each chunk holds texts of similar length (less padding).
        pending += sorted(todo.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        while len(pending) >= size:
            yield pending[:size]
            del pending[:size]
    if pending:
        yield pending


def _plain(value: Any) -> Any:
    """JSON for a digest: sets sorted (their order changes between processes), dataclasses as
    dicts, anything else as its string."""
    if isinstance(value, (set, frozenset)):
        return sorted(map(str, value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return str(value)


def digest(parts: Mapping[str, Any]) -> str:
    """SHA-256 of what a stage read, as canonical JSON."""
    text = json.dumps(parts, sort_keys=True, default=_plain, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def cluster_inputs(store: Store, settings: Settings, win: Window) -> str:
    """What the embed and cluster stages read: every stored story (hashed in SQL, so no text is
    read), the seed, the window, the [embed] and [cluster] settings, and this version."""
    return digest(
        {
            "stories": store.articles_digest(),
            "seed": win.seed,
            "window": [win.start, win.end],
            "embed": settings.embed,
            "cluster": settings.cluster,
            "version": __version__,
        }
    )


def compare_inputs(settings: Settings, seed: Seed, clustering_id: str) -> str:
    """What the compare stage reads besides the clustering's stories: the seed and its claims
    and sides, the [embed] and [compare] settings, and this version."""
    return digest(
        {
            "clustering": clustering_id,
            "seed": seed,
            "claims": load_claims(seed),
            "sides": load_sides(seed),
            "embed": settings.embed,
            "compare": settings.compare,
            "version": __version__,
        }
    )


@dataclass
class ClusterSummary:
    """What the cluster stage produced."""

    clustering_id: str
    stories: int
    event_stories: int
    clusters: int
    outside_window: int
    seconds: float = 0.0


@dataclass(frozen=True)
class WindowVectors:
    """What clustering reads of a window: its stories (without texts), the URLs outside it,
    and the seed's and each story's lead (and document) vectors."""

    stories: list[Story]
    outside: list[str]
    seed: Embedded
    vectors: dict[str, Embedded]


def window_vectors(store: Store, settings: Settings, win: Window) -> WindowVectors:
    """The window's stories and their stored vectors; a StageError if any is missing."""
    model = settings.embed.model
    # Clustering reads each story's lead and its texts' hashes, never the whole text.
    stories, outside = store.window_stories(win.start, win.end, texts=False)
    leads = {s.url: StoryLead.of(t) for s, t in window_texts(store, stories)}
    seed_lead = StoryLead.of(seed_texts(win.seed))
    items = [*leads.values(), seed_lead]
    needed = {t.lead_hash for t in items}
    if settings.cluster.weighs_documents:
        needed |= {t.doc_hash for t in items}
    # Document vectors stored by an earlier run are shown beside the leads even when unused.
    vectors = store.load_embeddings(needed | {t.doc_hash for t in items}, model)
    missing = needed - set(vectors)
    if missing:
        raise StageError(
            f"{len(missing)} texts have no {model} vectors yet: run the embed stage first"
        )

    def embedded(t: StoryLead) -> Embedded:
        return Embedded(t.lead, vectors[t.lead_hash], vectors.get(t.doc_hash))

    return WindowVectors(
        stories, outside, embedded(seed_lead), {url: embedded(t) for url, t in leads.items()}
    )


def cluster_stage(
    store: Store, settings: Settings, win: Window, run_id: str | None
) -> ClusterSummary:
    """Cluster the window around the seed with stored vectors, and store the clustering."""
    began = time.perf_counter()
    found = window_vectors(store, settings, win)
    stories, outside = found.stories, found.outside
    clustering = cluster_around_seed(
        win.seed,
        found.seed,
        stories,
        found.vectors,
        settings.cluster,
        since=win.start,
        until=win.end,
        previous=store.previous_clusters(win.seed.seed_id),
        outside=outside,
    )
    clustering_id = str(uuid.uuid4())
    store.record_clustering(clustering_id, clustering, model=settings.embed.model, run_id=run_id)
    return ClusterSummary(
        clustering_id=clustering_id,
        stories=len(stories),
        event_stories=sum(1 for m in clustering.members if m.in_event),
        clusters=len(clustering.clusters),
        outside_window=len(outside),
        seconds=round(time.perf_counter() - began, 3),
    )


@dataclass(frozen=True)
class ClaimSetup:
    """What claim alignment needs: the seed's claims, a sentence encoder and its model's name
    (vectors are stored under it, so a sentence is embedded once), and the [compare] settings."""

    claims: Sequence[Claim]
    encode: Encoder
    model: str
    params: ClaimParams = field(default_factory=ClaimParams)
    languages: frozenset[str] = frozenset()  # what the model reads ([embed] languages); empty: any
    judge: PairJudge | None = None  # decides instead; built from params.judge_model, stored


@dataclass
class CompareSummary:
    """What the compare stage found."""

    outlets: int
    copies: int
    quotes: int
    claims: int = 0
    claims_carried: int = 0  # claims at least one outlet carried
    exclusive_sentences: int = 0
    stories_not_aligned: int = 0  # in a language the model does not read
    languages_not_aligned: list[str] = field(default_factory=list)  # theirs
    framing_languages: list[str] = field(default_factory=list)  # compared, most stories first
    stories_not_framed: int = 0  # originals in languages framing left out
    languages_not_framed: list[str] = field(default_factory=list)  # those, most stories first
    sentences_embedded: int = 0  # sentences and clauses, for claims and exclusive sentences
    sentences_reused: int = 0
    clauses_left_out: int = 0  # of sentences far from every claim (claims.sentences_to_split)


def compare_stage(
    store: Store,
    clustering_id: str,
    sides: Mapping[str, str] | None = None,
    claim_setup: ClaimSetup | None = None,
) -> CompareSummary:
    """Per-outlet coverage, copies, quotes, framing terms and, given a claim setup, claims and
    exclusive sentences, stored beside the clustering."""
    stories, similarity = store.event_stories(clustering_id)
    members = {
        url: Membership(url, "", True, sim, 0.0, None, "") for url, sim in similarity.items()
    }
    params = claim_setup.params if claim_setup is not None else ClaimParams()
    copies = find_copies(
        stories,
        vectors=copy_vectors(store, stories, claim_setup),
        copy_threshold=params.copy_threshold,
        translation_threshold=params.translation_threshold,
    )
    comparison = compare_outlets(stories, members, copies)
    store.record_comparison(clustering_id, comparison)
    # Copies would count one wire story's words and quotes once per outlet that ran it.
    copied = {c.url for c in copies}
    originals = [s for s in stories if s.url not in copied]
    quotes = quote_rows(stories, sides or {})
    # Word counts compare only within a language: every Swedish word would otherwise be
    # "distinctive" of an outlet that ran its story in Swedish.
    languages = framing_by_language(originals, story_language)
    store.record_quotes_and_terms(
        clustering_id,
        quotes,
        term_rows(languages),
        splitting_rows(languages),
        framing_language_rows(languages),
    )
    left_out = [found for found in languages if found.result is None]
    summary = CompareSummary(
        len(comparison.outlets),
        len(comparison.copies),
        len(quotes),
        framing_languages=[found.language for found in languages if found.result is not None],
        stories_not_framed=sum(found.stories for found in left_out),
        languages_not_framed=[found.language for found in left_out],
    )
    if claim_setup is not None:
        claim_stage(store, clustering_id, stories, claim_setup, summary)
    return summary


def copy_vectors(
    store: Store, stories: Sequence[Story], setup: ClaimSetup | None
) -> dict[str, Vectors]:
    """Each event story's document vector by URL, for telling copies by meaning: the embed
    stage's, under the setup's model, for the stories in a language the model reads (none
    without a setup: copies are then told by their words alone)."""
    if setup is None:
        return {}
    docs = {
        s.url: story_texts(s.title, s.text).doc
        for s in stories
        if reads(setup.languages, story_language(s))
    }
    vectors, _ = cached_vectors(store, setup.model, list(docs.values()), setup.encode)
    return {url: vectors[text_hash(doc)] for url, doc in docs.items()}


def claim_stage(
    store: Store,
    clustering_id: str,
    stories: Sequence[Story],
    setup: ClaimSetup,
    summary: CompareSummary,
) -> None:
    """Align the event's stories with the seed's claims, find exclusive sentences, store both.

    A copy carries the claims of the story it copies, so copies are matched too: an outlet that
    ran a wire story told its readers what the wire said. Stories in a language the model does
    not read are left out of both: compared with English vectors, every sentence of a Swedish
    story would look exclusive and no claim would look carried."""
    readable = [s for s in stories if reads(setup.languages, story_language(s))]
    unread = {
        str(story_language(s)) for s in stories if not reads(setup.languages, story_language(s))
    }
    summary.stories_not_aligned = len(stories) - len(readable)
    summary.languages_not_aligned = sorted(unread)
    stories = readable
    found = [story_sentences(s) for s in stories]
    texts = [c.text for c in setup.claims] + [u for f in found for u in f]
    vectors, embedded = cached_vectors(store, setup.model, texts, setup.encode)
    summary.sentences_embedded, summary.sentences_reused = embedded, len(set(texts)) - embedded

    def matrix(items: Sequence[str]) -> Vectors:
        if not items:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([vectors[text_hash(t)] for t in items])

    claim_vectors = matrix([c.text for c in setup.claims])
    # Stories in another language than the claims are matched by meaning alone (claims.py).
    language = claims_language(setup.claims)
    weights = WordWeights.of(store.clustering_texts(clustering_id), language)
    items = [StorySentences(story, f, matrix(f)) for story, f in zip(stories, found, strict=True)]
    parts = [clauses_to_match(item, setup, claim_vectors, weights, language) for item in items]
    clause_texts = [u for p in parts for u in p]
    every = {u for item in items for u in sentence_clauses(item.sentences)}
    summary.clauses_left_out = len(every - set(clause_texts) - set(texts))
    more, embedded = cached_vectors(store, setup.model, clause_texts, setup.encode)
    vectors.update(more)
    summary.sentences_embedded += embedded
    summary.sentences_reused += len(set(clause_texts) - set(texts)) - embedded
    items = [
        StorySentences(item.story, item.sentences, item.vectors, p, matrix(p))
        for item, p in zip(items, parts, strict=True)
    ]
    matches = match_claims(
        setup.claims, claim_vectors, items, weights, setup.params, setup.judge, language
    )
    summaries = summarise_claims(setup.claims, matches, stories)
    exclusive = exclusive_sentences(items, claim_vectors, setup.params, language)
    store.record_claims(
        clustering_id,
        [
            {
                "claim_id": c.claim_id,
                "position": position,
                "text": c.text,
                "outlets": len(c.outlets),
                "first_outlet": c.first_outlet,
                "first_url": c.first_url,
                "first_published_at": c.first_published_at,
                "judge": (setup.params.judge_model or None) if setup.judge else None,
                "threshold": setup.params.judge_threshold
                if setup.judge
                else setup.params.carried_threshold,
            }
            for position, c in enumerate(summaries, 1)
        ],
        [asdict(m) for m in matches],
        [
            {
                "outlet": e.outlet,
                "rank": rank,
                "url": e.url,
                "sentence": e.sentence,
                "best_other": e.best_other,
            }
            for found in exclusive.values()
            for rank, e in enumerate(found, 1)
        ],
    )
    summary.claims = len(summaries)
    summary.claims_carried = sum(1 for c in summaries if c.outlets)
    summary.exclusive_sentences = sum(len(found) for found in exclusive.values())


def clauses_to_match(
    item: StorySentences,
    setup: ClaimSetup,
    claim_vectors: Vectors,
    weights: WordWeights,
    language: str,
) -> list[str]:
    """The story's clauses worth embedding: those of its sentences that come near a claim (a
    judge rates every unit it is shown, so with one, all of them)."""
    if setup.judge is not None:
        return sentence_clauses(item.sentences)
    near = sentences_to_split(setup.claims, claim_vectors, item, weights, setup.params, language)
    return sentence_clauses(item.sentences, near)


def cached_vectors(
    store: Store, model: str, texts: Sequence[str], encode: Encoder
) -> tuple[dict[str, Vectors], int]:
    """hash -> vector for the texts, encoding (and storing) only those without one; and how
    many were encoded."""
    wanted = {text_hash(t): t for t in texts}
    found = store.load_embeddings(wanted, model)
    missing = sorted(h for h in wanted if h not in found)
    if missing:
        fresh = encode([wanted[h] for h in missing])
        store.store_embeddings(model, missing, fresh)
        found.update(zip(missing, fresh, strict=True))
    return found, len(missing)


def _quote_key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def quote_rows(stories: Sequence[Story], sides: Mapping[str, str]) -> list[dict[str, Any]]:
    """Every direct quotation of the stories, speaker normalised, with its side and reach."""
    outlet_of = {s.url: s.outlet for s in stories}
    found = normalise_speakers(q for s in stories for q in find_quotes(s.text, s.url))
    reach: dict[str, set[str]] = {}
    for quote in found:
        reach.setdefault(_quote_key(quote.text), set()).add(outlet_of[quote.url])
    rows = []
    for position, quote in enumerate(found):
        side = sides.get(quote.speaker or "", "other") if quote.speaker else "unattributed"
        rows.append(
            {
                "url": quote.url,
                "position": position,
                "outlet": outlet_of[quote.url],
                "quote": quote.text,
                "speaker": quote.speaker,
                "speaker_named": quote.speaker_named,
                "side": side,
                "outlets": len(reach[_quote_key(quote.text)]),
            }
        )
    return rows


def term_rows(languages: Sequence[LanguageFraming]) -> list[dict[str, Any]]:
    """Each outlet's distinctive terms in each language compared, ranked."""
    return [
        {
            "language": found.language,
            "outlet": outlet,
            "rank": rank,
            "term": t.term,
            "z": t.z,
            "delta": t.delta,
            "count": t.count,
            "share": t.share,
        }
        for found in languages
        if found.result is not None
        for outlet, terms in found.result.distinctive.items()
        for rank, t in enumerate(terms, 1)
    ]


def splitting_rows(languages: Sequence[LanguageFraming]) -> list[dict[str, Any]]:
    """The terms that split the outlets most in each language, with each outlet's z-score."""
    return [
        {
            "language": found.language,
            "rank": rank,
            "term": t.term,
            "spread": t.spread,
            "z_by_outlet": t.z,
        }
        for found in languages
        if found.result is not None
        for rank, t in enumerate(found.result.splitting, 1)
    ]


def framing_language_rows(languages: Sequence[LanguageFraming]) -> list[dict[str, Any]]:
    """Every language of the event's original stories: compared, or left out and why."""
    return [
        {
            "language": found.language,
            "stories": found.stories,
            "outlets": found.outlets,
            "compared": found.result is not None,
            "reason": found.left_out or None,
        }
        for found in languages
    ]


@dataclass
class ReportSummary:
    """Where the report went."""

    html: str
    markdown: str
    stories: int
    seconds: float = 0.0
    markdown_text: str = field(default="", repr=False)


def report_stage(store: Store, report_dir: Path, clustering_id: str | None = None) -> ReportSummary:
    """Render the latest (or given) clustering's report into report_dir."""
    began = time.perf_counter()
    data = store.report_data(clustering_id)
    files: ReportFiles = write_report(data, report_dir)
    return ReportSummary(
        html=str(files.html),
        markdown=str(files.markdown),
        stories=len(data.stories),
        seconds=round(time.perf_counter() - began, 3),
        markdown_text=render_markdown(data),
    )
