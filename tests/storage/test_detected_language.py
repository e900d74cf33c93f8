"""Detected languages in the database: migration 8, the writes, the views and the reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from parallax.analysis.records import Cluster, Clustering, Membership, Seed
from parallax.connectors.records import (
    Article,
    ArticleFetch,
    DateSource,
    FeedEntry,
    FetchResult,
    FetchStatus,
    PendingArticle,
    Reason,
)
from parallax.storage import Store
from parallax.storage.query import run_query
from parallax.storage.schema import MIGRATIONS

NOW = datetime(2021, 12, 2, 18, 0, tzinfo=UTC)
# Written for these tests. The English site declares its language on every page, German too.
ENGLISH = (
    "The foreign ministers met for about forty minutes on the sidelines of the OSCE meeting in "
    "Stockholm on Thursday and agreed to keep talking, officials on both sides said."
)
GERMAN = (
    "Die Außenminister trafen sich am Donnerstag in Stockholm am Rande des OSZE-Treffens. Das "
    "Gespräch dauerte nach Angaben beider Seiten etwa vierzig Minuten und endete ohne Einigung."
)
CHINESE = (
    "美国国务卿布林肯与俄罗斯外长拉夫罗夫周四在斯德哥尔摩举行会谈。双方在欧安组织部长级会议期间"
    "会面约四十分钟，同意继续保持对话。拉夫罗夫在会后表示，俄方希望获得具有法律约束力的安全保障。"
)
# url, outlet, declared language, text
STORIES = [
    ("http://nw.example/1", "Northwire", "en", ENGLISH),
    ("http://nw.example/2", "Northwire", "en", GERMAN),  # the site's language, not the story's
    ("http://hx.example/1", "Huaxia", None, CHINESE),  # declares none
]


def version_7_database(path: Path) -> None:
    """A database as Parallax left it before migration 8, with stories stored then."""
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
        "applied_at TIMESTAMPTZ NOT NULL)"
    )
    for version, name, apply in MIGRATIONS[:7]:
        apply(con)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
    for url, outlet, language, text in STORIES:
        con.execute(
            """INSERT INTO articles (url, outlet, title, published_at, date_source, language,
                   text, word_count, text_hash, html_hash, first_seen_at, fetched_at)
               VALUES (?, ?, 'Talks', ?, 'feed', ?, ?, ?, 'th', 'hh', ?, ?)""",
            [url, outlet, NOW, language, text, len(text.split()), NOW, NOW],
        )
    con.close()


def test_migration_8_detects_the_stories_already_stored(db_path: Path) -> None:
    version_7_database(db_path)
    with Store(db_path):
        pass
    rows = run_query(
        db_path,
        "SELECT url, language, detected_language, detection_confidence, word_count "
        "FROM articles ORDER BY url",
    ).rows
    by_url = {row[0]: row[1:] for row in rows}
    assert [by_url[url][:2] for url, *_ in STORIES] == [
        ("en", "en"),
        ("en", "de"),
        (None, "zh"),
    ]
    assert all(0.6 <= confidence <= 1.0 for _, _, confidence, _ in by_url.values())
    # Word counts: unchanged where words are spaced; Chinese recounted (it had 3 "words").
    assert by_url["http://nw.example/1"][3] == len(ENGLISH.split())
    assert by_url["http://nw.example/2"][3] == len(GERMAN.split())
    assert len(CHINESE.split()) == 1 and 40 < by_url["http://hx.example/1"][3] < 60
    version = run_query(db_path, "SELECT min(version) FROM schema_migrations WHERE version > 7")
    assert version.rows == [(8,)]


def test_migration_8_on_a_database_without_stories(db_path: Path) -> None:
    con = duckdb.connect(str(db_path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
        "applied_at TIMESTAMPTZ NOT NULL)"
    )
    for version, name, apply in MIGRATIONS[:7]:
        apply(con)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
    con.close()
    with Store(db_path):
        pass
    columns = run_query(db_path, "SELECT * FROM event_coverage").columns
    assert columns[-3:] == ["language", "detected_language", "detection_confidence"]


def fetched(url: str, outlet: str, language: str | None, text: str) -> ArticleFetch:
    entry = FeedEntry(feed_url="http://x.example/rss", url=url, link=url, title="Talks", position=0)
    job = PendingArticle(url, url, outlet, NOW, entry)
    article = Article(
        url=url,
        outlet=outlet,
        title="Talks",
        text=text,
        published_at=NOW,
        date_source=DateSource.FEED,
        text_hash=url,
        html_hash=url,
        language=language,
        word_count=len(text.split()),
        detected_language="de" if text is GERMAN else language,
        detection_confidence=0.99,
    )
    fetch = FetchResult(url, FetchStatus.OK, Reason.OK, NOW, final_url=url, body_size=1000)
    return ArticleFetch(job, FetchStatus.OK, Reason.OK, fetch, article)


def test_stories_carry_both_languages_from_storage_to_views_and_reports(db_path: Path) -> None:
    seed = Seed("stockholm", ENGLISH, NOW, "Talks in Stockholm")
    urls = [url for url, *_ in STORIES[:2]]
    with Store(db_path) as store:
        store.record_article_fetches([fetched(*story) for story in STORIES[:2]], "run-1")
        store.upsert_seed(seed, "seed-hash")
        stories, outside = store.window_stories(NOW - timedelta(days=1), NOW + timedelta(days=1))
        assert outside == []
        by_url = {s.url: s for s in stories}
        assert (by_url[urls[1]].language, by_url[urls[1]].detected_language) == ("en", "de")
        assert by_url[urls[1]].detection_confidence == 0.99
        clustering = Clustering(
            seed_id=seed.seed_id,
            window_start=NOW - timedelta(days=1),
            window_end=NOW + timedelta(days=1),
            event_cluster_id="c1",
            clusters=[Cluster("c1", 2, True, "Talks", NOW, NOW, tuple(urls))],
            members=[Membership(url, "c1", True, 0.8, 0.8, 0.0, "in: test") for url in urls],
        )
        store.record_clustering("k1", clustering, model="test-model", run_id=None)
        event, _ = store.event_stories("k1")
        assert [(s.language, s.detected_language) for s in event] == [("en", "en"), ("en", "de")]
        report = store.report_data("k1")
    # The report shows the language the compare stage used: the confident detection.
    assert [s.language for s in report.stories] == ["en", "de"]
    for view in ("story_clusters", "event_coverage"):
        rows = run_query(
            db_path,
            f"SELECT url, language, detected_language, detection_confidence FROM {view} "
            "ORDER BY url",
        ).rows
        assert rows == [(urls[0], "en", "en", 0.99), (urls[1], "en", "de", 0.99)], view
