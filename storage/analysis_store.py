"""The Store's analysis side: seeds, embeddings, clusterings, outlet coverage and copies."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from parallax.analysis.records import Clustering, Comparison, Seed, Story
from parallax.storage.connection import TS, Database, arrow_table

Vector = npt.NDArray[np.float32]
# Rows as plain dicts keyed by column (built in flows/stages.py from the analysis records).
QuoteRecord = Mapping[str, Any]
TermRecord = Mapping[str, Any]
ClaimRecord = Mapping[str, Any]
SplitRecord = Mapping[str, Any]


class AnalysisStore(Database):
    """Seeds, embeddings keyed by (text hash, model), clusterings and comparisons."""

    # -- seeds and stories --------------------------------------------------------------------

    def upsert_seed(self, seed: Seed, text_hash: str) -> None:
        """Record the seed document (a changed text or date replaces the old one)."""
        self._con.execute(
            """INSERT INTO seeds VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (seed_id) DO UPDATE SET path = excluded.path, title = excluded.title,
                   text = excluded.text, text_hash = excluded.text_hash,
                   published_at = excluded.published_at""",
            [
                seed.seed_id,
                seed.path,
                seed.title,
                seed.text,
                text_hash,
                seed.published_at,
                datetime.now(UTC),
            ],
        )

    def seed(self, seed_id: str) -> Seed | None:
        """A stored seed, or None."""
        rows = self._con.execute(
            "SELECT seed_id, text, published_at, title, path FROM seeds WHERE seed_id = ?",
            [seed_id],
        ).fetchall()
        return Seed(*rows[0]) if rows else None

    def window_stories(
        self, start: datetime, end: datetime, *, texts: bool = True
    ) -> tuple[list[Story], list[str]]:
        """Stories of the window, and the URLs of all other stories.

        A story dated by when it was first seen may have been published before then, so it is
        in the window unless first seen before the window opened. With texts=False each story's
        text is empty: the stages that cut texts read them a batch at a time (article_texts).
        """
        # Only the window's texts leave the database: the others are listed by URL alone.
        rows = self._con.execute(
            """WITH placed AS (
                   SELECT *, CASE WHEN date_source = 'first_seen' THEN published_at >= $start
                                  ELSE published_at BETWEEN $start AND $end END AS inside
                   FROM articles)
               SELECT url, outlet, coalesce(title, ''),
                      CASE WHEN inside AND $texts THEN text ELSE '' END,
                      published_at, date_source, language, coalesce(word_count, 0),
                      detected_language, detection_confidence, inside
               FROM placed ORDER BY published_at, url""",
            {"start": start, "end": end, "texts": texts},
        ).fetchall()
        inside = [Story(*row[:10]) for row in rows if row[10]]
        outside = [row[0] for row in rows if not row[10]]
        return inside, outside

    def article_texts(self, urls: Sequence[str]) -> dict[str, str]:
        """The stored text of each of these stories, by URL."""
        rows = self._con.execute(
            "SELECT url, text FROM articles WHERE url IN (SELECT unnest($urls))",
            {"urls": list(urls)},
        ).fetchall()
        return {str(url): str(text or "") for url, text in rows}

    # -- embeddings ---------------------------------------------------------------------------

    def _embedding_table(self, dim: int, *, create: bool) -> str | None:
        """The table holding vectors of this size (created on first use when asked)."""
        rows = self._con.execute(
            "SELECT table_name FROM embedding_tables WHERE dim = ?", [dim]
        ).fetchall()
        if rows:
            return str(rows[0][0])
        if not create:
            return None
        name = f"embeddings_{int(dim)}"
        with self._transaction() as con:
            con.execute(
                f"""CREATE TABLE {name} (
                        text_hash VARCHAR NOT NULL,
                        model     VARCHAR NOT NULL,
                        vector    FLOAT[{int(dim)}] NOT NULL,
                        PRIMARY KEY (text_hash, model)
                    )"""
            )
            con.execute("INSERT INTO embedding_tables VALUES (?, ?)", [dim, name])
        return name

    def _embedding_tables(self) -> list[tuple[int, str]]:
        rows = self._con.execute(
            "SELECT dim, table_name FROM embedding_tables ORDER BY dim"
        ).fetchall()
        return [(int(dim), str(name)) for dim, name in rows]

    def known_embeddings(self, hashes: Iterable[str], model: str) -> set[str]:
        """Which of these text hashes already have a vector from this model."""
        wanted = list(hashes)
        known: set[str] = set()
        for _dim, table in self._embedding_tables():
            rows = self._con.execute(
                f"SELECT text_hash FROM {table} WHERE model = $model "  # noqa: S608 - registry name
                "AND text_hash IN (SELECT unnest($hashes))",
                {"model": model, "hashes": wanted},
            ).fetchall()
            known.update(str(row[0]) for row in rows)
        return known

    def store_embeddings(self, model: str, hashes: Sequence[str], vectors: Vector) -> int:
        """Add vectors (one row per hash); ones already there are kept. Returns rows added."""
        if not len(hashes):
            return 0
        dim = int(vectors.shape[1])
        table = self._embedding_table(dim, create=True)
        batch = pa.table(
            {
                "text_hash": pa.array(list(hashes), pa.string()),
                "model": pa.array([model] * len(hashes), pa.string()),
                "vector": pa.FixedSizeListArray.from_arrays(
                    pa.array(np.ascontiguousarray(vectors, dtype=np.float32).ravel(), pa.float32()),
                    dim,
                ),
            }
        )
        with self._transaction() as con:
            before = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]  # noqa: S608
            con.register("vector_batch", batch)
            con.execute(
                f"INSERT INTO {table} SELECT * FROM vector_batch ON CONFLICT DO NOTHING"  # noqa: S608
            )
            con.unregister("vector_batch")
            after = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]  # noqa: S608
        return int(after) - int(before)

    def load_embeddings(self, hashes: Iterable[str], model: str) -> dict[str, Vector]:
        """Vectors by text hash, for the hashes that have one from this model."""
        wanted = list(hashes)
        found: dict[str, Vector] = {}
        for dim, table in self._embedding_tables():
            result = self._con.sql(
                f"SELECT text_hash, vector FROM {table} WHERE model = $model "  # noqa: S608
                "AND text_hash IN (SELECT unnest($hashes))",
                params={"model": model, "hashes": wanted},
            ).to_arrow_table()
            if result is None or not result.num_rows:
                continue
            keys = result.column("text_hash").to_pylist()
            flat = result.column("vector").combine_chunks().flatten().to_numpy(zero_copy_only=False)
            matrix = np.asarray(flat, dtype=np.float32).reshape(len(keys), dim)
            found.update({key: matrix[i] for i, key in enumerate(keys)})
        return found

    # -- clusterings --------------------------------------------------------------------------

    def previous_clusters(self, seed_id: str) -> dict[str, str]:
        """url -> cluster id in the latest clustering for this seed (for stable ids)."""
        rows = self._con.execute(
            """SELECT m.url, m.cluster_id FROM cluster_members m
               WHERE m.cluster_id IS NOT NULL AND m.clustering_id = (
                   SELECT clustering_id FROM clusterings WHERE seed_id = ?
                   ORDER BY created_at DESC, clustering_id DESC LIMIT 1)""",
            [seed_id],
        ).fetchall()
        return {str(url): str(cluster) for url, cluster in rows}

    def record_clustering(
        self, clustering_id: str, clustering: Clustering, *, model: str, run_id: str | None
    ) -> None:
        """Store a clustering with its clusters and every story's membership, at once."""
        cluster_rows = [
            {
                "clustering_id": clustering_id,
                "cluster_id": c.cluster_id,
                "is_event": c.is_event,
                "size": c.size,
                "label": c.label,
                "first_published_at": c.first_published_at,
                "last_published_at": c.last_published_at,
            }
            for c in clustering.clusters
        ]
        member_rows = [
            {
                "clustering_id": clustering_id,
                "url": m.url,
                "cluster_id": m.cluster_id or None,
                "in_event": m.in_event,
                "similarity_to_seed": m.similarity_to_seed,
                "doc_similarity": m.doc_similarity,
                "hours_from_seed": m.hours_from_seed,
                "reason": m.reason,
            }
            for m in clustering.members
        ]
        cluster_schema = pa.schema(
            [
                ("clustering_id", pa.string()),
                ("cluster_id", pa.string()),
                ("is_event", pa.bool_()),
                ("size", pa.int32()),
                ("label", pa.string()),
                ("first_published_at", TS),
                ("last_published_at", TS),
            ]
        )
        member_schema = pa.schema(
            [
                ("clustering_id", pa.string()),
                ("url", pa.string()),
                ("cluster_id", pa.string()),
                ("in_event", pa.bool_()),
                ("similarity_to_seed", pa.float64()),
                ("doc_similarity", pa.float64()),
                ("hours_from_seed", pa.float64()),
                ("reason", pa.string()),
            ]
        )
        stories = sum(c.size for c in clustering.clusters)
        with self._transaction() as con:
            con.execute(
                "INSERT INTO clusterings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    clustering_id,
                    clustering.seed_id,
                    run_id,
                    model,
                    datetime.now(UTC),
                    clustering.window_start,
                    clustering.window_end,
                    clustering.event_cluster_id,
                    stories,
                    json.dumps(clustering.params),
                ],
            )
            con.register("cluster_batch", arrow_table(cluster_rows, cluster_schema))
            con.execute("INSERT INTO clusters SELECT * FROM cluster_batch")
            con.unregister("cluster_batch")
            con.register("member_batch", arrow_table(member_rows, member_schema))
            con.execute("INSERT INTO cluster_members SELECT * FROM member_batch")
            con.unregister("member_batch")

    def articles_digest(self) -> str:
        """A digest of every stored story as clustering reads it (not its text, but its text's
        hash): a new, changed or re-dated story changes it. Read in SQL, no text leaves the
        database."""
        rows = self._con.execute(
            """SELECT count(*), md5(coalesce(string_agg(to_json({
                      u: url, o: outlet, t: title, h: text_hash, p: published_at,
                      d: date_source, l: language, w: word_count, dl: detected_language,
                      dc: detection_confidence}), chr(10) ORDER BY url), ''))
               FROM articles"""
        ).fetchall()
        return f"{rows[0][0]}:{rows[0][1]}"

    def record_stage_inputs(
        self, clustering_id: str, stage: str, inputs: str, summary: Mapping[str, Any]
    ) -> None:
        """What a stage of this clustering was computed from (a digest), and its summary."""
        with self._transaction() as con:
            con.execute(
                """INSERT OR REPLACE INTO stage_inputs VALUES (?, ?, ?, ?, ?)""",
                [clustering_id, stage, inputs, json.dumps(summary), datetime.now(UTC)],
            )

    def unchanged_stage(self, seed_id: str, stage: str, inputs: str) -> dict[str, Any] | None:
        """The stored summary of `stage` on the seed's latest clustering, when it was computed
        from these inputs; None when it must run (only the latest is reused: it is what the
        report and SQL show as the seed's clustering)."""
        latest = self.latest_clustering_id(seed_id)
        if latest is None:
            return None
        rows = self._con.execute(
            """SELECT summary FROM stage_inputs
               WHERE clustering_id = ? AND stage = ? AND inputs = ?""",
            [latest, stage, inputs],
        ).fetchall()
        return {"clustering_id": latest, **json.loads(rows[0][0])} if rows else None

    def latest_clustering_id(self, seed_id: str | None = None) -> str | None:
        """The newest clustering (for a seed, when given)."""
        rows = self._con.execute(
            """SELECT clustering_id FROM clusterings WHERE $seed IS NULL OR seed_id = $seed
               ORDER BY created_at DESC, clustering_id DESC LIMIT 1""",
            {"seed": seed_id},
        ).fetchall()
        return str(rows[0][0]) if rows else None

    def clustering_window(self, clustering_id: str) -> tuple[str, datetime, datetime] | None:
        """A clustering's seed and the window it read: (seed_id, start, end)."""
        rows = self._con.execute(
            "SELECT seed_id, window_start, window_end FROM clusterings WHERE clustering_id = ?",
            [clustering_id],
        ).fetchall()
        return (str(rows[0][0]), rows[0][1], rows[0][2]) if rows else None

    def stored_claims(self, clustering_id: str) -> list[tuple[str, str]]:
        """The seed's claims a clustering's comparison matched, as (claim_id, text), in order."""
        rows = self._con.execute(
            "SELECT claim_id, text FROM claims WHERE clustering_id = ? ORDER BY position",
            [clustering_id],
        ).fetchall()
        return [(str(a), str(b)) for a, b in rows]

    def event_stories(self, clustering_id: str) -> tuple[list[Story], dict[str, float]]:
        """The event's stories of a clustering, and each one's similarity to the seed."""
        rows = self._con.execute(
            """SELECT a.url, a.outlet, coalesce(a.title, ''), a.text, a.published_at,
                      a.date_source, a.language, coalesce(a.word_count, 0), a.detected_language,
                      a.detection_confidence, m.similarity_to_seed
               FROM cluster_members m JOIN articles a USING (url)
               WHERE m.clustering_id = ? AND m.in_event ORDER BY a.published_at, a.url""",
            [clustering_id],
        ).fetchall()
        return [Story(*row[:10]) for row in rows], {row[0]: float(row[10]) for row in rows}

    def record_comparison(self, clustering_id: str, comparison: Comparison) -> None:
        """Store per-outlet coverage and copies for a clustering (replacing earlier ones)."""
        outlet_rows = [
            {
                "clustering_id": clustering_id,
                **{
                    k: getattr(o, k)
                    for k in (
                        "outlet",
                        "stories",
                        "independent_stories",
                        "copies",
                        "first_published_at",
                        "lag_hours",
                        "mean_similarity",
                        "max_similarity",
                        "mean_words",
                        "total_words",
                    )
                },
            }
            for o in comparison.outlets
        ]
        copy_rows = [
            {
                "clustering_id": clustering_id,
                "url": c.url,
                "original_url": c.original_url,
                "overlap": c.overlap,
            }
            for c in comparison.copies
        ]
        outlet_schema = pa.schema(
            [
                ("clustering_id", pa.string()),
                ("outlet", pa.string()),
                ("stories", pa.int32()),
                ("independent_stories", pa.int32()),
                ("copies", pa.int32()),
                ("first_published_at", TS),
                ("lag_hours", pa.float64()),
                ("mean_similarity", pa.float64()),
                ("max_similarity", pa.float64()),
                ("mean_words", pa.float64()),
                ("total_words", pa.int32()),
            ]
        )
        copy_schema = pa.schema(
            [
                ("clustering_id", pa.string()),
                ("url", pa.string()),
                ("original_url", pa.string()),
                ("overlap", pa.float64()),
            ]
        )
        with self._transaction() as con:
            con.execute("DELETE FROM outlet_coverage WHERE clustering_id = ?", [clustering_id])
            con.execute("DELETE FROM copies WHERE clustering_id = ?", [clustering_id])
            if outlet_rows:
                con.register("outlet_batch", arrow_table(outlet_rows, outlet_schema))
                con.execute("INSERT INTO outlet_coverage SELECT * FROM outlet_batch")
                con.unregister("outlet_batch")
            if copy_rows:
                con.register("copy_batch", arrow_table(copy_rows, copy_schema))
                con.execute("INSERT INTO copies SELECT * FROM copy_batch")
                con.unregister("copy_batch")

    def record_quotes_and_terms(
        self,
        clustering_id: str,
        quotes: Sequence[QuoteRecord],
        terms: Sequence[TermRecord],
        splitting: Sequence[SplitRecord],
        languages: Sequence[TermRecord] = (),
    ) -> None:
        """Store the event's quotes and framing terms for a clustering (replacing earlier ones),
        and how framing treated each language of its stories."""
        quote_schema = pa.schema(
            [
                ("clustering_id", pa.string()),
                ("url", pa.string()),
                ("position", pa.int32()),
                ("outlet", pa.string()),
                ("quote", pa.string()),
                ("speaker", pa.string()),
                ("speaker_named", pa.bool_()),
                ("side", pa.string()),
                ("outlets", pa.int32()),
            ]
        )
        term_schema = pa.schema(
            [
                ("clustering_id", pa.string()),
                ("language", pa.string()),
                ("outlet", pa.string()),
                ("rank", pa.int32()),
                ("term", pa.string()),
                ("z", pa.float64()),
                ("delta", pa.float64()),
                ("count", pa.int32()),
                ("share", pa.float64()),
            ]
        )
        split_schema = pa.schema(
            [
                ("clustering_id", pa.string()),
                ("language", pa.string()),
                ("rank", pa.int32()),
                ("term", pa.string()),
                ("spread", pa.float64()),
                ("z_by_outlet", pa.string()),
            ]
        )
        batches = [
            ("quotes", [{"clustering_id": clustering_id, **q} for q in quotes], quote_schema),
            ("framing_terms", [{"clustering_id": clustering_id, **t} for t in terms], term_schema),
            (
                "splitting_terms",
                [
                    {
                        "clustering_id": clustering_id,
                        **s,
                        "z_by_outlet": json.dumps(s["z_by_outlet"]),
                    }
                    for s in splitting
                ],
                split_schema,
            ),
            (
                "framing_languages",
                [{"clustering_id": clustering_id, **row} for row in languages],
                pa.schema(
                    [
                        ("clustering_id", pa.string()),
                        ("language", pa.string()),
                        ("stories", pa.int32()),
                        ("outlets", pa.int32()),
                        ("compared", pa.bool_()),
                        ("reason", pa.string()),
                    ]
                ),
            ),
        ]
        self._replace_batches(clustering_id, batches)

    def _replace_batches(
        self, clustering_id: str, batches: Sequence[tuple[str, list[dict[str, Any]], pa.Schema]]
    ) -> None:
        """In one transaction, replace each table's rows of the clustering with the batch."""
        with self._transaction() as con:
            for table, rows, schema in batches:
                con.execute(f"DELETE FROM {table} WHERE clustering_id = ?", [clustering_id])  # noqa: S608
                if rows:
                    con.register("comparison_batch", arrow_table(rows, schema))
                    con.execute(f"INSERT INTO {table} SELECT * FROM comparison_batch")  # noqa: S608
                    con.unregister("comparison_batch")

    def record_claims(
        self,
        clustering_id: str,
        claims: Sequence[ClaimRecord],
        matches: Sequence[ClaimRecord],
        exclusive: Sequence[ClaimRecord],
    ) -> None:
        """Store the claims, each story's best match per claim, and the exclusive sentences."""
        claim_schema = pa.schema(
            [
                ("clustering_id", pa.string()),
                ("claim_id", pa.string()),
                ("position", pa.int32()),
                ("text", pa.string()),
                ("outlets", pa.int32()),
                ("first_outlet", pa.string()),
                ("first_url", pa.string()),
                ("first_published_at", TS),
                ("judge", pa.string()),
                ("threshold", pa.float64()),
            ]
        )
        match_schema = pa.schema(
            [
                ("clustering_id", pa.string()),
                ("url", pa.string()),
                ("outlet", pa.string()),
                ("claim_id", pa.string()),
                ("sentence", pa.string()),
                ("score", pa.float64()),
                ("carried", pa.bool_()),
            ]
        )
        exclusive_schema = pa.schema(
            [
                ("clustering_id", pa.string()),
                ("outlet", pa.string()),
                ("rank", pa.int32()),
                ("url", pa.string()),
                ("sentence", pa.string()),
                ("best_other", pa.float64()),
            ]
        )
        self._replace_batches(
            clustering_id,
            [
                (table, [{"clustering_id": clustering_id, **row} for row in rows], schema)
                for table, rows, schema in (
                    ("claims", claims, claim_schema),
                    ("claim_matches", matches, match_schema),
                    ("exclusive_sentences", exclusive, exclusive_schema),
                )
            ],
        )

    def clustering_texts(self, clustering_id: str) -> list[str]:
        """Headline and text of every story of a clustering's window (for word weights)."""
        rows = self._con.execute(
            """SELECT coalesce(a.title, '') || '\n' || a.text
               FROM cluster_members m JOIN articles a USING (url)
               WHERE m.clustering_id = ? ORDER BY a.url""",
            [clustering_id],
        ).fetchall()
        return [row[0] for row in rows]
