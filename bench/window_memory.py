"""Memory of the embed and cluster stages over a large window: texts read a batch at a time.

    python bench/window_memory.py [--stories 10000] [--words 700]

Stores --stories synthetic articles of --words words each (about 4 KB, a news story's length)
in a DuckDB file, every one in the demo seed's window, with a random stored vector for each
lead, through the Store's real write methods. Then, in this process, with Python's tracemalloc
(numpy's arrays count too), it measures the peak memory each stage allocates:

  baseline      reading the window's stories with their texts and cutting every lead and
                document, as both stages did before they read texts a batch at a time
  embed texts   flows/stages.texts_to_embed: every text of the window to embed, held at once,
                as the embed stage held them before it read them a batch at a time
  embed chunks  flows/stages.embed_chunks on a cold run (a model with no vectors stored): the
                chunks the embed stage hands its tasks, each let go once taken
  cluster       flows/stages.cluster_stage, the whole stage (it stores a clustering)

and prints each peak in MB and as a ratio of the baseline's. The window's text itself is
printed too, for scale. Not a timing: the figures are allocations, the same on any machine.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from parallax.analysis.text import text_hash
from parallax.connectors.records import (
    Article,
    ArticleFetch,
    DateSource,
    FeedEntry,
    FeedParse,
    FeedPoll,
    FetchResult,
    FetchStatus,
    Outlet,
    Reason,
)
from parallax.flows.pipeline import Request
from parallax.flows.resources import DEMO_SEED_NAME, bundled_seeds
from parallax.flows.settings import EmbedSettings
from parallax.flows.stages import (
    EmbedSummary,
    cluster_stage,
    embed_chunks,
    story_texts,
    texts_to_embed,
    window_texts,
)
from parallax.storage import Store

OUTLETS = 100
WORDS = [
    "minister",
    "talks",
    "border",
    "troops",
    "sanctions",
    "summit",
    "agreed",
    "warned",
    "officials",
    "capital",
]


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--words", type=int, default=700)
    return parser.parse_args(argv)


def body(rng: random.Random, words: int) -> str:
    """Sentences of eight to twenty words, in paragraphs of five sentences."""
    sentences: list[str] = []
    count = 0
    while count < words:
        n = rng.randint(8, 20)
        sentences.append(" ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + ".")
        count += n
    return "\n\n".join(" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5))


def fill(db: Path, request: Request, stories: int, words: int) -> None:
    """Store the articles, dated across the seed's window, and a vector for each lead."""
    settings = request.settings()
    win = request.window(settings)
    rng = random.Random(7)
    outlets = [Outlet(f"Outlet {o}", (f"http://o{o}.example/feed.xml",)) for o in range(OUTLETS)]
    span = (win.end - win.start).total_seconds()
    with Store(db) as store:
        store.upsert_outlets(outlets)
        per = stories // OUTLETS
        polls = []
        for o, outlet in enumerate(outlets):
            feed = outlet.feeds[0]
            entries = [
                FeedEntry(
                    feed_url=feed,
                    url=f"http://o{o}.example/s{i}",
                    link=f"http://o{o}.example/s{i}",
                    title=f"Story {i} of outlet {o}",
                    position=i,
                    published_at=win.start + timedelta(seconds=rng.uniform(0, span)),
                )
                for i in range(per)
            ]
            fetch = FetchResult(feed, FetchStatus.OK, Reason.OK, win.start, final_url=feed)
            parse = FeedParse(entries=entries, title=outlet.name, version="rss20")
            polls.append(
                FeedPoll(feed, outlet.name, FetchStatus.OK, Reason.OK, fetch, parse, 0, win.start)
            )
        store.record_feed_polls(polls, "bench")
        jobs = store.pending_articles()
        for at in range(0, len(jobs), 1_000):
            fetches = []
            for job in jobs[at : at + 1_000]:
                text = body(rng, words)
                result = FetchResult(job.link, FetchStatus.OK, Reason.OK, win.start)
                article = Article(
                    url=job.url,
                    outlet=job.outlet,
                    title=job.entry.title,
                    text=text,
                    published_at=job.entry.published_at or win.start,
                    date_source=DateSource.FEED,
                    text_hash=text_hash(text),
                    html_hash=text_hash(job.url),
                    word_count=len(text.split()),
                    language="en",
                )
                fetches.append(ArticleFetch(job, FetchStatus.OK, Reason.OK, result, article))
            store.record_article_fetches(fetches, "bench")
        texts, _ = texts_to_embed(store, win, documents=False)
        vectors = np.random.default_rng(7).normal(size=(len(texts), 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        store.store_embeddings(settings.embed.model, list(texts), vectors)


def peak_mb(work: Callable[[], Any]) -> float:
    """The peak memory allocated while `work` runs, in MB."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def main(argv: Sequence[str]) -> int:
    """Fill a database, then measure each stage's peak against the baseline's."""
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="window-memory-") as tmp:
        db = Path(tmp) / "window.duckdb"
        request = Request(str(bundled_seeds()[DEMO_SEED_NAME]), str(db))
        fill(db, request, args.stories, args.words)
        settings = request.settings()
        win = request.window(settings)
        with Store(db) as store:
            stories, _ = store.window_stories(win.start, win.end, texts=False)
            size = sum(len(t) for t in store.article_texts([s.url for s in stories]).values())

            def whole() -> None:
                found, _ = store.window_stories(win.start, win.end)
                cut = [story_texts(s.title, s.text) for s in found]
                assert len(cut) == len(found)

            def embed_texts() -> None:
                texts_to_embed(store, win, documents=settings.cluster.weighs_documents)

            cold = replace(settings, embed=EmbedSettings(model="no-vectors-yet"))

            def chunks() -> None:
                summary = EmbedSummary(model="no-vectors-yet")
                taken = sum(len(chunk) for chunk in embed_chunks(store, cold, win, summary))
                assert taken == summary.texts > len(stories) // 2

            def cluster() -> None:
                cluster_stage(store, settings, win, None)

            def batched() -> None:
                assert sum(1 for _ in window_texts(store, stories)) == len(stories)

            base = peak_mb(whole)
            print(
                f"{len(stories)} stories in the window, {size / 1e6:.1f} MB of text; "
                f"model {settings.embed.model}"
            )
            print(f"  baseline     {base:7.1f} MB (the window's texts read whole, all cut)")
            for name, work in (
                ("batches", batched),
                ("embed texts", embed_texts),
                ("embed chunks", chunks),
                ("cluster", cluster),
            ):
                mb = peak_mb(work)
                print(f"  {name:12} {mb:7.1f} MB  {mb / base:5.2f} of the baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
