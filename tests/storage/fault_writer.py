"""The writer the kill test kills: deterministic batches through the real Store write methods.

Run as `python fault_writer.py DB`. Each start opens the database (recovering its WAL after a
kill), asks the Store where the last run stopped, and goes on: first the articles still
pending, in chunks, then the next batch of feed polls. It prints `begin ...` before and
`end ...` after each write, so the test knows which writes were committed and where each kill
landed. The records depend only on the batch and entry numbers, never on time or chance.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

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
    PendingArticle,
    Reason,
)
from parallax.storage import Store

FEEDS = 4
BATCHES = 160  # a life writes ~1.7 batches before its kill: even MAX_KILLS lives leave work
ENTRIES = 150  # new entries per feed and batch
CARRIED = 15  # entries of the previous batch a feed still lists (upserted again)
ARTICLE_CHUNK = 200  # articles per record_article_fetches call
BASE = datetime(2021, 12, 1, tzinfo=UTC)
PARAGRAPH = (
    "The ministers met for forty minutes in a hall near the harbour and agreed to keep "
    "talking, officials from both delegations told reporters afterwards. "
)


def feed_url(feed: int) -> str:
    return f"http://outlet{feed}.example/feed.xml"


def entry_url(feed: int, batch: int, item: int) -> str:
    return f"http://outlet{feed}.example/b{batch}/s{item}"


def batch_hash(batch: int) -> str:
    """The content hash a feed has after batch `batch` (how the writer knows where it was)."""
    return f"batch-{batch}"


OUTLETS = [Outlet(name=f"Outlet {f}", feeds=(feed_url(f),)) for f in range(FEEDS)]


def polled_at(batch: int) -> datetime:
    return BASE + timedelta(hours=batch)


def entry(feed: int, batch: int, item: int, position: int) -> FeedEntry:
    url = entry_url(feed, batch, item)
    return FeedEntry(
        feed_url=feed_url(feed),
        url=url,
        link=url,
        title=f"Story {item} of batch {batch}",
        position=position,
        published_at=polled_at(batch) - timedelta(minutes=item),
    )


def polls(batch: int) -> list[FeedPoll]:
    """Every feed's poll in one batch: its new entries and the tail of the previous batch."""
    out = []
    for feed in range(FEEDS):
        items = [(batch, i) for i in range(ENTRIES)]
        if batch > 0:
            items += [(batch - 1, i) for i in range(ENTRIES - CARRIED, ENTRIES)]
        entries = [entry(feed, b, i, pos) for pos, (b, i) in enumerate(items)]
        fetch = FetchResult(
            feed_url(feed),
            FetchStatus.OK,
            Reason.OK,
            polled_at(batch),
            final_url=feed_url(feed),
            http_status=200,
            etag=f'"{batch}"',
            content_hash=batch_hash(batch),
            body_size=1000 * len(entries),
        )
        parse = FeedParse(entries=entries, title=f"Outlet {feed}", version="rss20")
        out.append(
            FeedPoll(
                feed_url(feed),
                f"Outlet {feed}",
                FetchStatus.OK,
                Reason.OK,
                fetch,
                parse,
                0,
                polled_at(batch),
            )
        )
    return out


def article_fetch(job: PendingArticle) -> ArticleFetch:
    text = f"{job.entry.title}. " + PARAGRAPH * 4
    fetch = FetchResult(
        job.link,
        FetchStatus.OK,
        Reason.OK,
        job.first_seen_at + timedelta(minutes=5),
        final_url=job.link,
        http_status=200,
        body_size=len(text) * 3,
    )
    article = Article(
        url=job.url,
        outlet=job.outlet,
        title=job.entry.title,
        text=text,
        published_at=job.entry.published_at or job.first_seen_at,
        date_source=DateSource.FEED,
        text_hash=f"text-{job.url}",
        html_hash=f"html-{job.url}",
        word_count=len(text.split()),
    )
    return ArticleFetch(job, FetchStatus.OK, Reason.OK, fetch, article)


def last_batch(store: Store) -> int:
    """The last batch stored (-1 for none); every feed must agree, since a batch is atomic."""
    hashes = {s.content_hash for s in store.feed_states(feed_url(f) for f in range(FEEDS))}
    if len(hashes) != 1:
        raise SystemExit(f"feeds disagree about the last batch: {sorted(map(str, hashes))}")
    (last,) = hashes
    return -1 if last is None else int(last.removeprefix("batch-"))


def store_first_batch(store: Store) -> None:
    """The first batch of every feed and all its articles (600 stories around BASE), as one
    uninterrupted writer would store them: for tests that need a filled database."""
    store.upsert_outlets(OUTLETS)
    store.record_feed_polls(polls(0), "r0")
    store.record_article_fetches([article_fetch(j) for j in store.pending_articles()], "r0")


def say(line: str) -> None:
    print(line, flush=True)


def main(path: str) -> None:
    with Store(path, lock_timeout_s=30) as store:
        say("open")
        say("begin outlets")
        store.upsert_outlets(OUTLETS)
        say("end outlets")
        while True:
            pending = store.pending_articles()
            if pending:
                chunk = pending[:ARTICLE_CHUNK]
                say(f"begin articles {len(chunk)}")
                store.record_article_fetches([article_fetch(j) for j in chunk], "articles")
                say(f"end articles {len(chunk)}")
                continue
            batch = last_batch(store) + 1
            if batch == BATCHES:
                say("done")
                return
            say(f"begin feeds {batch}")
            store.record_feed_polls(polls(batch), f"b{batch}")
            say(f"end feeds {batch}")


if __name__ == "__main__":
    main(sys.argv[1])
