"""The schema as numbered migrations, each a named function recorded in `schema_migrations`.

The schema is public: analysts write SQL against it, so names are for them, times are
TIMESTAMPTZ in UTC, and a change is a new migration, never an edit of an old one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from parallax.analysis.language_id import detect_language
from parallax.analysis.wordcount import count_words
from parallax.storage.errors import SchemaTooNew


def _v1_ingest(con: duckdb.DuckDBPyConnection) -> None:
    """Outlets, feeds, fetches, entries, articles and runs."""
    con.execute(
        """
        CREATE TABLE outlets (
            name          VARCHAR PRIMARY KEY,
            domain        VARCHAR,
            country       VARCHAR,
            language      VARCHAR,
            kind          VARCHAR,
            extra         JSON,
            first_seen_at TIMESTAMPTZ NOT NULL,
            updated_at    TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE feeds (
            url                  VARCHAR PRIMARY KEY,
            outlet               VARCHAR NOT NULL,
            title                VARCHAR,
            version              VARCHAR,
            etag                 VARCHAR,
            last_modified        VARCHAR,
            content_hash         VARCHAR,
            last_fetched_at      TIMESTAMPTZ,
            last_success_at      TIMESTAMPTZ,
            last_status          VARCHAR,
            last_reason          VARCHAR,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            next_due_at          TIMESTAMPTZ,
            added_at             TIMESTAMPTZ NOT NULL
        );
        CREATE SEQUENCE fetch_ids START 1;
        CREATE TABLE fetches (
            fetch_id     BIGINT PRIMARY KEY DEFAULT nextval('fetch_ids'),
            run_id       VARCHAR,
            kind         VARCHAR NOT NULL,
            url          VARCHAR NOT NULL,
            final_url    VARCHAR,
            outlet       VARCHAR,
            fetched_at   TIMESTAMPTZ NOT NULL,
            status       VARCHAR NOT NULL,
            reason       VARCHAR NOT NULL,
            http_status  INTEGER,
            bytes        BIGINT,
            content_hash VARCHAR,
            elapsed_ms   DOUBLE,
            attempts     INTEGER,
            detail       VARCHAR
        );
        CREATE TABLE entries (
            feed_url      VARCHAR NOT NULL,
            url           VARCHAR NOT NULL,
            link          VARCHAR NOT NULL,
            outlet        VARCHAR NOT NULL,
            guid          VARCHAR,
            title         VARCHAR,
            summary       VARCHAR,
            author        VARCHAR,
            position      INTEGER,
            published_at  TIMESTAMPTZ,
            updated_at    TIMESTAMPTZ,
            first_seen_at TIMESTAMPTZ NOT NULL,
            last_seen_at  TIMESTAMPTZ NOT NULL,
            run_id        VARCHAR,
            PRIMARY KEY (feed_url, url)
        );
        CREATE TABLE articles (
            url           VARCHAR PRIMARY KEY,
            outlet        VARCHAR NOT NULL,
            title         VARCHAR,
            author        VARCHAR,
            published_at  TIMESTAMPTZ NOT NULL,
            date_source   VARCHAR NOT NULL,
            language      VARCHAR,
            text          VARCHAR NOT NULL,
            word_count    INTEGER,
            description   VARCHAR,
            sitename      VARCHAR,
            final_url     VARCHAR,
            canonical_url VARCHAR,
            text_hash     VARCHAR NOT NULL,
            html_hash     VARCHAR NOT NULL,
            first_seen_at TIMESTAMPTZ NOT NULL,
            fetched_at    TIMESTAMPTZ NOT NULL,
            run_id        VARCHAR
        );
        CREATE TABLE runs (
            run_id      VARCHAR PRIMARY KEY,
            flow        VARCHAR NOT NULL,
            started_at  TIMESTAMPTZ NOT NULL,
            finished_at TIMESTAMPTZ,
            status      VARCHAR NOT NULL,
            params      JSON,
            summary     JSON,
            message     VARCHAR
        );
        CREATE INDEX fetches_by_url ON fetches (url);
        CREATE VIEW feed_health AS
            SELECT f.outlet, f.url, f.last_status, f.last_reason, f.consecutive_failures,
                   f.last_success_at, f.last_fetched_at, f.next_due_at,
                   (SELECT count(*) FROM entries e WHERE e.feed_url = f.url) AS entries
            FROM feeds f;
        """
    )


def _v2_analysis(con: duckdb.DuckDBPyConnection) -> None:
    """Seeds, clusterings and their members and clusters, outlet coverage, copies, and views.

    Embeddings live in one table per vector size (embeddings_384 for MiniLM), created when a
    model of that size first stores vectors, so each is a true FLOAT[dim] array column.
    """
    con.execute(
        """
        CREATE TABLE seeds (
            seed_id      VARCHAR PRIMARY KEY,
            path         VARCHAR,
            title        VARCHAR,
            text         VARCHAR NOT NULL,
            text_hash    VARCHAR NOT NULL,
            published_at TIMESTAMPTZ NOT NULL,
            added_at     TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE embedding_tables (
            dim        INTEGER PRIMARY KEY,
            table_name VARCHAR NOT NULL
        );
        CREATE TABLE clusterings (
            clustering_id    VARCHAR PRIMARY KEY,
            seed_id          VARCHAR NOT NULL,
            run_id           VARCHAR,
            model            VARCHAR NOT NULL,
            created_at       TIMESTAMPTZ NOT NULL,
            window_start     TIMESTAMPTZ NOT NULL,
            window_end       TIMESTAMPTZ NOT NULL,
            event_cluster_id VARCHAR NOT NULL,
            stories          INTEGER NOT NULL,
            params           JSON
        );
        CREATE TABLE clusters (
            clustering_id      VARCHAR NOT NULL,
            cluster_id         VARCHAR NOT NULL,
            is_event           BOOLEAN NOT NULL,
            size               INTEGER NOT NULL,
            label              VARCHAR,
            first_published_at TIMESTAMPTZ,
            last_published_at  TIMESTAMPTZ,
            PRIMARY KEY (clustering_id, cluster_id)
        );
        CREATE TABLE cluster_members (
            clustering_id      VARCHAR NOT NULL,
            url                VARCHAR NOT NULL,
            cluster_id         VARCHAR,
            in_event           BOOLEAN NOT NULL,
            similarity_to_seed DOUBLE,
            doc_similarity     DOUBLE,
            hours_from_seed    DOUBLE,
            reason             VARCHAR NOT NULL,
            PRIMARY KEY (clustering_id, url)
        );
        CREATE TABLE outlet_coverage (
            clustering_id       VARCHAR NOT NULL,
            outlet              VARCHAR NOT NULL,
            stories             INTEGER NOT NULL,
            independent_stories INTEGER NOT NULL,
            copies              INTEGER NOT NULL,
            first_published_at  TIMESTAMPTZ,
            lag_hours           DOUBLE,
            mean_similarity     DOUBLE,
            max_similarity      DOUBLE,
            mean_words          DOUBLE,
            total_words         INTEGER,
            PRIMARY KEY (clustering_id, outlet)
        );
        CREATE TABLE copies (
            clustering_id VARCHAR NOT NULL,
            url           VARCHAR NOT NULL,
            original_url  VARCHAR NOT NULL,
            overlap       DOUBLE NOT NULL,
            PRIMARY KEY (clustering_id, url)
        );
        CREATE VIEW latest_clustering AS
            SELECT * FROM clusterings ORDER BY created_at DESC, clustering_id DESC LIMIT 1;
        CREATE VIEW story_clusters AS
            SELECT m.url, a.outlet, a.title, a.published_at, a.date_source, m.cluster_id,
                   c.label AS cluster_label, m.in_event, m.similarity_to_seed, m.doc_similarity,
                   m.hours_from_seed, m.reason, l.clustering_id, l.seed_id
            FROM latest_clustering l
            JOIN cluster_members m USING (clustering_id)
            JOIN articles a ON a.url = m.url
            LEFT JOIN clusters c
                   ON c.clustering_id = m.clustering_id AND c.cluster_id = m.cluster_id;
        CREATE VIEW event_coverage AS
            SELECT s.url, s.outlet, s.title, s.published_at, s.date_source,
                   s.similarity_to_seed, s.hours_from_seed, s.reason,
                   k.original_url AS copy_of, s.cluster_id, s.seed_id
            FROM story_clusters s
            LEFT JOIN copies k ON k.clustering_id = s.clustering_id AND k.url = s.url
            WHERE s.in_event;
        """
    )


def _v3_comparison(con: duckdb.DuckDBPyConnection) -> None:
    """Quotes, framing terms, and the timeline and coverage-status views of the event."""
    con.execute(
        """
        CREATE TABLE quotes (
            clustering_id VARCHAR NOT NULL,
            url           VARCHAR NOT NULL,
            position      INTEGER NOT NULL,
            outlet        VARCHAR NOT NULL,
            quote         VARCHAR NOT NULL,
            speaker       VARCHAR,
            speaker_named BOOLEAN NOT NULL,
            side          VARCHAR NOT NULL,
            outlets       INTEGER NOT NULL,
            PRIMARY KEY (clustering_id, url, position)
        );
        CREATE TABLE framing_terms (
            clustering_id VARCHAR NOT NULL,
            outlet        VARCHAR NOT NULL,
            rank          INTEGER NOT NULL,
            term          VARCHAR NOT NULL,
            z             DOUBLE NOT NULL,
            delta         DOUBLE NOT NULL,
            count         INTEGER NOT NULL,
            share         DOUBLE NOT NULL,
            PRIMARY KEY (clustering_id, outlet, term)
        );
        CREATE TABLE splitting_terms (
            clustering_id VARCHAR NOT NULL,
            rank          INTEGER NOT NULL,
            term          VARCHAR NOT NULL,
            spread        DOUBLE NOT NULL,
            z_by_outlet   JSON NOT NULL,
            PRIMARY KEY (clustering_id, term)
        );
        CREATE VIEW quote_balance AS
            SELECT q.outlet, q.side, count(*) AS quotes,
                   count(*) FILTER (WHERE q.outlets > 1) AS reused
            FROM quotes q JOIN latest_clustering l USING (clustering_id)
            GROUP BY ALL;
        CREATE VIEW coverage_timeline AS
            WITH event AS (
                SELECT e.*, s.published_at AS seed_published_at
                FROM event_coverage e JOIN seeds s USING (seed_id)
            ), first AS (
                -- The first report: previews (before the seed's day) are not reports.
                SELECT min(published_at) AS first_at FROM event
                WHERE date_source <> 'first_seen'
                  AND published_at >= date_trunc('day', seed_published_at)
            )
            SELECT url, outlet, title, published_at, date_source,
                   CASE WHEN published_at < date_trunc('day', seed_published_at)
                        THEN 'preview' ELSE 'report' END AS phase,
                   CASE WHEN date_source = 'first_seen' THEN NULL
                        ELSE round(epoch(published_at - first_at) / 3600, 2) END AS lag_hours
            FROM event, first ORDER BY published_at, url;
        CREATE VIEW coverage_status AS
            WITH covered AS (SELECT DISTINCT outlet FROM event_coverage),
            in_window AS (SELECT DISTINCT outlet FROM story_clusters WHERE cluster_id IS NOT NULL),
            feeds_down AS (
                SELECT outlet, string_agg(DISTINCT last_reason, ', ') AS reasons
                FROM feeds GROUP BY outlet
                HAVING bool_and(last_status IN ('soft', 'hard', 'temporary'))
            )
            SELECT o.name AS outlet,
                   CASE WHEN c.outlet IS NOT NULL THEN 'covered'
                        WHEN d.outlet IS NOT NULL THEN 'feeds failed'
                        WHEN w.outlet IS NOT NULL THEN 'no story in the window'
                        ELSE 'no stories in the window' END AS status,
                   CASE WHEN c.outlet IS NOT NULL THEN ''
                        WHEN d.outlet IS NOT NULL THEN 'every feed failed: ' || d.reasons
                        WHEN w.outlet IS NOT NULL THEN 'stories in the window, none about the event'
                        ELSE 'nothing published in the window, or nothing read' END AS detail
            FROM outlets o
            LEFT JOIN covered c ON c.outlet = o.name
            LEFT JOIN in_window w ON w.outlet = o.name
            LEFT JOIN feeds_down d ON d.outlet = o.name
            ORDER BY o.name;
        """
    )


def _v4_claims(con: duckdb.DuckDBPyConnection) -> None:
    """The seed's claims, which stories carried them, and what only one outlet reported."""
    con.execute(
        """
        CREATE TABLE claims (
            clustering_id      VARCHAR NOT NULL,
            claim_id           VARCHAR NOT NULL,
            position           INTEGER NOT NULL,
            text               VARCHAR NOT NULL,
            outlets            INTEGER NOT NULL,
            first_outlet       VARCHAR,
            first_url          VARCHAR,
            first_published_at TIMESTAMPTZ,
            PRIMARY KEY (clustering_id, claim_id)
        );
        CREATE TABLE claim_matches (
            clustering_id VARCHAR NOT NULL,
            url           VARCHAR NOT NULL,
            outlet        VARCHAR NOT NULL,
            claim_id      VARCHAR NOT NULL,
            sentence      VARCHAR NOT NULL,
            score         DOUBLE NOT NULL,
            carried       BOOLEAN NOT NULL,
            PRIMARY KEY (clustering_id, url, claim_id)
        );
        CREATE TABLE exclusive_sentences (
            clustering_id VARCHAR NOT NULL,
            outlet        VARCHAR NOT NULL,
            rank          INTEGER NOT NULL,
            url           VARCHAR NOT NULL,
            sentence      VARCHAR NOT NULL,
            best_other    DOUBLE NOT NULL,
            PRIMARY KEY (clustering_id, outlet, rank)
        );
        CREATE VIEW claim_grid AS
            SELECT m.clustering_id, m.outlet, c.position, m.claim_id, c.text AS claim,
                   bool_or(m.carried) AS carried,
                   max(m.score) AS score,
                   arg_max(m.sentence, m.score) AS sentence,
                   arg_max(m.url, m.score) AS url,
                   coalesce(c.first_outlet = m.outlet, false) AS first
            FROM claim_matches m
            JOIN claims c ON c.clustering_id = m.clustering_id AND c.claim_id = m.claim_id
            GROUP BY ALL;
        CREATE VIEW outlet_claims AS
            SELECT g.* EXCLUDE (clustering_id)
            FROM claim_grid g JOIN latest_clustering l USING (clustering_id)
            ORDER BY g.outlet, g.position;
        """
    )


def _v5_run_owner(con: duckdb.DuckDBPyConnection) -> None:
    """Which process ran each run, so a run whose process died can be told from a live one."""
    con.execute("ALTER TABLE runs ADD COLUMN host VARCHAR")
    con.execute("ALTER TABLE runs ADD COLUMN pid INTEGER")


def _v6_claim_method(con: duckdb.DuckDBPyConnection) -> None:
    """How the claims were matched: the claim judge (NULL: by score) and the threshold."""
    con.execute("ALTER TABLE claims ADD COLUMN judge VARCHAR")
    con.execute("ALTER TABLE claims ADD COLUMN threshold DOUBLE")


def _v7_story_language(con: duckdb.DuckDBPyConnection) -> None:
    """Each story's declared language in story_clusters and event_coverage, as a last column.

    Framing compares the event's main language only (analysis/languages.py), and claims only
    what the model reads: with the language beside each story, SQL can see what sat out."""
    con.execute(
        """
        CREATE OR REPLACE VIEW story_clusters AS
            SELECT m.url, a.outlet, a.title, a.published_at, a.date_source, m.cluster_id,
                   c.label AS cluster_label, m.in_event, m.similarity_to_seed, m.doc_similarity,
                   m.hours_from_seed, m.reason, l.clustering_id, l.seed_id, a.language
            FROM latest_clustering l
            JOIN cluster_members m USING (clustering_id)
            JOIN articles a ON a.url = m.url
            LEFT JOIN clusters c
                   ON c.clustering_id = m.clustering_id AND c.cluster_id = m.cluster_id;
        CREATE OR REPLACE VIEW event_coverage AS
            SELECT s.url, s.outlet, s.title, s.published_at, s.date_source,
                   s.similarity_to_seed, s.hours_from_seed, s.reason,
                   k.original_url AS copy_of, s.cluster_id, s.seed_id, s.language
            FROM story_clusters s
            LEFT JOIN copies k ON k.clustering_id = s.clustering_id AND k.url = s.url
            WHERE s.in_event;
        """
    )


# Stories read per batch when migration 8 detects the languages of those already stored.
BACKFILL_BATCH = 1000


def _v8_detected_language(con: duckdb.DuckDBPyConnection) -> None:
    """Each story's language detected from its text, with the detector's confidence, beside the
    declared one: in articles, and as the last columns of story_clusters and event_coverage.

    Stories stored before are detected now, and their word counts recounted in any script
    (those in Chinese, Japanese or Thai were counted as a few "words" between spaces; the
    others keep theirs): texts are read in batches, detected in Python, written back at once
    through Arrow: some hundreds of stories a second."""
    con.execute("ALTER TABLE articles ADD COLUMN detected_language VARCHAR")
    con.execute("ALTER TABLE articles ADD COLUMN detection_confidence DOUBLE")
    urls: list[str] = []
    languages: list[str | None] = []
    confidences: list[float] = []
    words: list[int] = []
    reader = con.sql("SELECT url, text FROM articles").to_arrow_reader(BACKFILL_BATCH)
    for batch in reader:
        for url, text in zip(
            batch.column("url").to_pylist(), batch.column("text").to_pylist(), strict=True
        ):
            detected = detect_language(text)
            urls.append(url)
            languages.append(detected.language)
            confidences.append(detected.confidence)
            words.append(count_words(text))
    if urls:
        con.register(
            "detected_batch",
            pa.table(
                {
                    "url": pa.array(urls, pa.string()),
                    "detected_language": pa.array(languages, pa.string()),
                    "detection_confidence": pa.array(confidences, pa.float64()),
                    "word_count": pa.array(words, pa.int32()),
                }
            ),
        )
        con.execute(
            """UPDATE articles SET detected_language = d.detected_language,
                   detection_confidence = d.detection_confidence, word_count = d.word_count
               FROM detected_batch d WHERE articles.url = d.url"""
        )
        con.unregister("detected_batch")
    con.execute(
        """
        CREATE OR REPLACE VIEW story_clusters AS
            SELECT m.url, a.outlet, a.title, a.published_at, a.date_source, m.cluster_id,
                   c.label AS cluster_label, m.in_event, m.similarity_to_seed, m.doc_similarity,
                   m.hours_from_seed, m.reason, l.clustering_id, l.seed_id, a.language,
                   a.detected_language, a.detection_confidence
            FROM latest_clustering l
            JOIN cluster_members m USING (clustering_id)
            JOIN articles a ON a.url = m.url
            LEFT JOIN clusters c
                   ON c.clustering_id = m.clustering_id AND c.cluster_id = m.cluster_id;
        CREATE OR REPLACE VIEW event_coverage AS
            SELECT s.url, s.outlet, s.title, s.published_at, s.date_source,
                   s.similarity_to_seed, s.hours_from_seed, s.reason,
                   k.original_url AS copy_of, s.cluster_id, s.seed_id, s.language,
                   s.detected_language, s.detection_confidence
            FROM story_clusters s
            LEFT JOIN copies k ON k.clustering_id = s.clustering_id AND k.url = s.url
            WHERE s.in_event;
        """
    )


def _v9_framing_language(con: duckdb.DuckDBPyConnection) -> None:
    """The language framing compared each term in: framing compares word use within each
    language of the event's stories (analysis/framing.py), so `language` joins the keys of
    framing_terms and splitting_terms, and framing_languages records every language of a
    clustering's stories, compared or not, and why not.

    Terms stored before were compared in one language, the event's main one: they get the one
    most of the clustering's event stories declare (the first in alphabetical order on a tie;
    'und' when none declares one). DuckDB cannot change a primary key, so both tables are
    copied into new ones."""
    con.execute(
        """
        CREATE TEMP TABLE main_language AS
            SELECT clustering_id, language FROM (
                SELECT m.clustering_id,
                       lower(split_part(split_part(a.language, '-', 1), '_', 1)) AS language,
                       count(*) AS stories
                FROM cluster_members m JOIN articles a USING (url)
                WHERE m.in_event AND coalesce(a.language, '') <> ''
                GROUP BY ALL)
            QUALIFY row_number() OVER (
                PARTITION BY clustering_id ORDER BY stories DESC, language) = 1;
        CREATE TABLE framing_terms_v9 (
            clustering_id VARCHAR NOT NULL,
            language      VARCHAR NOT NULL,
            outlet        VARCHAR NOT NULL,
            rank          INTEGER NOT NULL,
            term          VARCHAR NOT NULL,
            z             DOUBLE NOT NULL,
            delta         DOUBLE NOT NULL,
            count         INTEGER NOT NULL,
            share         DOUBLE NOT NULL,
            PRIMARY KEY (clustering_id, language, outlet, term)
        );
        INSERT INTO framing_terms_v9
            SELECT t.clustering_id, coalesce(l.language, 'und'), t.outlet, t.rank, t.term, t.z,
                   t.delta, t.count, t.share
            FROM framing_terms t LEFT JOIN main_language l USING (clustering_id);
        DROP TABLE framing_terms;
        ALTER TABLE framing_terms_v9 RENAME TO framing_terms;
        CREATE TABLE splitting_terms_v9 (
            clustering_id VARCHAR NOT NULL,
            language      VARCHAR NOT NULL,
            rank          INTEGER NOT NULL,
            term          VARCHAR NOT NULL,
            spread        DOUBLE NOT NULL,
            z_by_outlet   JSON NOT NULL,
            PRIMARY KEY (clustering_id, language, term)
        );
        INSERT INTO splitting_terms_v9
            SELECT t.clustering_id, coalesce(l.language, 'und'), t.rank, t.term, t.spread,
                   t.z_by_outlet
            FROM splitting_terms t LEFT JOIN main_language l USING (clustering_id);
        DROP TABLE splitting_terms;
        ALTER TABLE splitting_terms_v9 RENAME TO splitting_terms;
        DROP TABLE main_language;
        CREATE TABLE framing_languages (
            clustering_id VARCHAR NOT NULL,
            language      VARCHAR NOT NULL,
            stories       INTEGER NOT NULL,
            outlets       INTEGER NOT NULL,
            compared      BOOLEAN NOT NULL,
            reason        VARCHAR,
            PRIMARY KEY (clustering_id, language)
        );
        """
    )


def _v10_provenance(con: duckdb.DuckDBPyConnection) -> None:
    """Where each entry and article came from, for backfills of past windows.

    entries.source: `feed` (a live feed: every entry stored before), `archived_feed` (a capture
    of the feed in a web archive) or `sitemap` (the outlet's sitemap; feed_url is then the
    sitemap's URL); articles.source: `live` or `archive`. Both keep the capture's time and
    archive URL. A story is keyed by its original URL however it was found, so one found live
    and in an archive is one row, which keeps the provenance it was first stored with.
    archive_listings and archive_captures record what a backfill listed and fetched, so that
    one stopped half-way resumes where it stopped and fetches nothing twice."""
    con.execute(
        """
        ALTER TABLE entries ADD COLUMN source VARCHAR DEFAULT 'feed';
        ALTER TABLE entries ADD COLUMN captured_at TIMESTAMPTZ;
        ALTER TABLE entries ADD COLUMN archive_url VARCHAR;
        ALTER TABLE articles ADD COLUMN source VARCHAR DEFAULT 'live';
        ALTER TABLE articles ADD COLUMN captured_at TIMESTAMPTZ;
        ALTER TABLE articles ADD COLUMN archive_url VARCHAR;
        CREATE TABLE archive_listings (
            archive   VARCHAR NOT NULL,
            feed_url  VARCHAR NOT NULL,
            since     DATE NOT NULL,
            until     DATE NOT NULL,
            listed_at TIMESTAMPTZ NOT NULL,
            captures  INTEGER NOT NULL,
            truncated BOOLEAN NOT NULL,
            run_id    VARCHAR,
            PRIMARY KEY (archive, feed_url, since, until)
        );
        CREATE TABLE archive_captures (
            archive     VARCHAR NOT NULL,
            feed_url    VARCHAR NOT NULL,
            timestamp   VARCHAR NOT NULL,
            original    VARCHAR NOT NULL,
            captured_at TIMESTAMPTZ NOT NULL,
            digest      VARCHAR,
            status      VARCHAR NOT NULL,
            reason      VARCHAR,
            entries     INTEGER,
            attempts    INTEGER NOT NULL DEFAULT 0,
            fetched_at  TIMESTAMPTZ,
            run_id      VARCHAR,
            PRIMARY KEY (archive, feed_url, timestamp)
        );
        """
    )


def _v11_stage_inputs(con: duckdb.DuckDBPyConnection) -> None:
    """What each stage of a clustering was computed from, as a digest, with its summary.

    A pipeline run whose window, seed and settings digest the same as the latest clustering's
    reuses it (and its comparison), rather than embedding, clustering and comparing again."""
    con.execute(
        """
        CREATE TABLE stage_inputs (
            clustering_id VARCHAR NOT NULL,
            stage         VARCHAR NOT NULL,
            inputs        VARCHAR NOT NULL,
            summary       JSON NOT NULL,
            recorded_at   TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (clustering_id, stage)
        );
        """
    )


Migration = Callable[[duckdb.DuckDBPyConnection], None]
MIGRATIONS: list[tuple[int, str, Migration]] = [
    (1, "ingest", _v1_ingest),
    (2, "analysis", _v2_analysis),
    (3, "comparison", _v3_comparison),
    (4, "claims", _v4_claims),
    (5, "run_owner", _v5_run_owner),
    (6, "claim_method", _v6_claim_method),
    (7, "story_language", _v7_story_language),
    (8, "detected_language", _v8_detected_language),
    (9, "framing_language", _v9_framing_language),
    (10, "provenance", _v10_provenance),
    (11, "stage_inputs", _v11_stage_inputs),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest migration applied to this database (0 for a new one)."""
    # fetchall, not fetchone: DuckDB refuses further work on a connection with unread rows.
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ).fetchall()
    if not exists[0][0]:
        return 0
    rows = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchall()
    return int(rows[0][0])


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the missing migrations, each in its own transaction; return their names."""
    con.execute(
        """CREATE TABLE IF NOT EXISTS schema_migrations (
               version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL
           )"""
    )
    have = current_version(con)
    if have > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"the database has schema version {have}, newer than this Parallax ({SCHEMA_VERSION})"
        )
    applied = []
    for version, name, apply in MIGRATIONS:
        if version <= have:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            apply(con)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                [version, name, datetime.now(UTC)],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied
