"""Framing per language in the database: migration 9, the writes, and what a report reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from parallax.analysis.records import Cluster, Clustering, Membership, Seed
from parallax.storage import Store
from parallax.storage.query import run_query
from parallax.storage.schema import MIGRATIONS
from tests.storage.test_detected_language import ENGLISH, GERMAN, fetched

NOW = datetime(2021, 12, 2, 18, 0, tzinfo=UTC)


def version_8_database(path: Path) -> None:
    """A database as Parallax left it before migration 9: two clusterings with framing terms,
    one of English stories (and a German one), one whose stories declare no language."""
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
        "applied_at TIMESTAMPTZ NOT NULL)"
    )
    for version, name, apply in MIGRATIONS[:8]:
        apply(con)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
    stories = [
        ("k1", "http://a.example/1", "en-GB"),
        ("k1", "http://b.example/1", "en"),
        ("k1", "http://c.example/1", "de"),
        ("k2", "http://a.example/2", None),
    ]
    for clustering, url, language in stories:
        con.execute(
            """INSERT INTO articles (url, outlet, title, published_at, date_source, language,
                   text, word_count, text_hash, html_hash, first_seen_at, fetched_at)
               VALUES (?, 'A', 'Talks', ?, 'feed', ?, 'Talks.', 1, 'th', 'hh', ?, ?)""",
            [url, NOW, language, NOW, NOW],
        )
        con.execute(
            "INSERT INTO cluster_members VALUES (?, ?, 'c1', true, 0.8, 0.8, 0.0, 'in')",
            [clustering, url],
        )
    for clustering in ("k1", "k2"):
        con.execute(
            "INSERT INTO framing_terms VALUES (?, 'A', 1, 'talks', 2.5, 0.4, 3, 0.7)",
            [clustering],
        )
        con.execute(
            """INSERT INTO splitting_terms VALUES (?, 1, 'talks', 3.1, '{"A": 2.5, "B": -0.6}')""",
            [clustering],
        )
    con.close()


def test_migration_9_gives_the_terms_stored_before_their_language(db_path: Path) -> None:
    version_8_database(db_path)
    with Store(db_path):
        pass
    terms = run_query(
        db_path, "SELECT clustering_id, language, outlet, term FROM framing_terms ORDER BY 1"
    ).rows
    assert terms == [("k1", "en", "A", "talks"), ("k2", "und", "A", "talks")]
    split = run_query(
        db_path, "SELECT clustering_id, language, term, z_by_outlet FROM splitting_terms ORDER BY 1"
    ).rows
    assert [row[:3] for row in split] == [("k1", "en", "talks"), ("k2", "und", "talks")]
    assert run_query(db_path, "SELECT count(*) FROM framing_languages").rows == [(0,)]
    version = run_query(db_path, "SELECT name FROM schema_migrations WHERE version = 9")
    assert version.rows == [("framing_language",)]


def test_a_term_may_be_distinctive_in_two_languages_of_one_clustering(db_path: Path) -> None:
    """The language is part of the key: "nato" in the English and the German stories."""
    with Store(db_path):
        pass
    con = duckdb.connect(str(db_path))
    for language in ("en", "de"):
        con.execute(
            "INSERT INTO framing_terms VALUES ('k1', ?, 'A', 1, 'nato', 2.5, 0.4, 3, 0.7)",
            [language],
        )
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO framing_terms VALUES ('k1', 'en', 'A', 2, 'nato', 1, 1, 1, 1)")
    con.close()


def test_framing_languages_are_stored_and_reported(db_path: Path) -> None:
    seed = Seed("stockholm", ENGLISH, NOW, "Talks in Stockholm")
    stories = [
        ("http://nw.example/1", "Northwire", "en", ENGLISH),
        ("http://rp.example/1", "Rhein Post", "de", GERMAN),
    ]
    with Store(db_path) as store:
        store.record_article_fetches([fetched(*story) for story in stories], "run-1")
        store.upsert_seed(seed, "seed-hash")
        urls = [url for url, *_ in stories]
        clustering = Clustering(
            seed_id=seed.seed_id,
            window_start=NOW - timedelta(days=1),
            window_end=NOW + timedelta(days=1),
            event_cluster_id="c1",
            clusters=[Cluster("c1", 2, True, "Talks", NOW, NOW, tuple(urls))],
            members=[Membership(url, "c1", True, 0.8, 0.8, 0.0, "in: test") for url in urls],
        )
        store.record_clustering("k1", clustering, model="test-model", run_id=None)
        term = {"outlet": "Northwire", "rank": 1, "term": "talks", "z": 2.5, "delta": 0.4}
        store.record_quotes_and_terms(
            "k1",
            [],
            [{"language": "en", **term, "count": 3, "share": 0.7}],
            [
                {
                    "language": "en",
                    "rank": 1,
                    "term": "talks",
                    "spread": 3.1,
                    "z_by_outlet": {"Northwire": 2.5},
                }
            ],
            [
                {"language": "en", "stories": 5, "outlets": 3, "compared": True, "reason": None},
                {
                    "language": "de",
                    "stories": 1,
                    "outlets": 1,
                    "compared": False,
                    "reason": "1 story, all from one outlet",
                },
            ],
        )
        report = store.report_data("k1")
    assert [(t.term, t.language) for t in report.terms] == [("talks", "en")]
    assert [(t.term, t.language) for t in report.splitting_terms] == [("talks", "en")]
    assert [(r.comparison, r.language, r.compared, r.reason) for r in report.languages] == [
        ("framing", "en", True, ""),
        ("framing", "de", False, "1 story, all from one outlet"),
    ]  # no claims were matched, so no claims rows
    rows = run_query(db_path, "SELECT language, compared, reason FROM framing_languages").rows
    assert sorted(rows) == [("de", False, "1 story, all from one outlet"), ("en", True, None)]
