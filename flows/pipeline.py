"""The `pipeline` flow, and each of its stages as a flow that can be re-run alone.

    pipeline ─▶ [backfill (subflow)] ─▶ ingest (subflow) ─▶ embed ─▶ cluster ─▶ compare
             ─▶ report   (tasks)

Each stage is also a flow of its own (embed_flow, cluster_flow, compare_flow, report_flow):
`parallax report` re-renders from the database; a new model re-embeds without re-fetching.
Inside the pipeline the later stages run as tasks, since a sync subflow costs about a second of
heartbeat join. Stages read from and write to the Store in the flow process; embedding batches
run as tasks.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Failed
from prefect.task_runners import ThreadPoolTaskRunner

from parallax.analysis.embed import Embedder, ModelError
from parallax.analysis.judge import Judge
from parallax.analysis.text import text_hash
from parallax.flows.backfill import BackfillFailed, BackfillSummary
from parallax.flows.backfill import backfill as backfill_flow
from parallax.flows.errors import UserInputError
from parallax.flows.ingest import IngestFailed, IngestSummary, ingest
from parallax.flows.runners import as_finished, in_flight, task_runner
from parallax.flows.seeds import load_claims, load_seed, load_sides, parse_when
from parallax.flows.settings import Settings, load_settings
from parallax.flows.stages import (
    ClaimSetup,
    ClusterSummary,
    EmbedSummary,
    ReportSummary,
    Vectors,
    Window,
    cluster_inputs,
    cluster_stage,
    compare_inputs,
    compare_stage,
    embed_chunks,
    report_stage,
    window,
)
from parallax.storage import Store
from parallax.storage.errors import StorageError

DEFAULT_REPORT_DIR = "report"


@dataclass(frozen=True)
class Request:
    """What a pipeline run was asked to do, as JSON-friendly flow parameters."""

    seed: str
    db: str | None = None
    seed_date: str | None = None
    since: str | None = None
    until: str | None = None
    config: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)

    def all_overrides(self) -> dict[str, Any]:
        """The overrides, with --db as storage.db."""
        return {**self.overrides, **({"storage.db": self.db} if self.db else {})}

    def settings(self) -> Settings:
        return load_settings(self.config, self.all_overrides())

    def window(self, settings: Settings) -> Window:
        seed = load_seed(self.seed, self.seed_date)
        since = parse_when(self.since, "--since") if self.since else None
        until = parse_when(self.until, "--until") if self.until else None
        if since and until and since >= until:
            raise UserInputError("--since must be before --until")
        return window(seed, settings, since, until)


def _open(settings: Settings) -> Store:
    return Store(settings.storage.db, lock_timeout_s=settings.storage.lock_timeout_s)


@task(name="embed-texts", cache_policy=NO_CACHE)
def embed_texts_task(texts: list[str], model: str, device: str, batch_size: int) -> Vectors:
    """Encode a batch of texts (the model loads once per process)."""
    return Embedder(model, device=device, batch_size=batch_size).encode(texts)


def run_embed(request: Request) -> EmbedSummary:
    """Embed the seed and the window's stories' texts that have no vector yet."""
    began = time.perf_counter()
    settings = request.settings()
    win = request.window(settings)
    embed = settings.embed
    summary = EmbedSummary(model=embed.model)
    with _open(settings) as store:
        store.upsert_seed(win.seed, text_hash(win.seed.text))
        # Texts are read a batch of stories at a time as workers take chunks, and each chunk's
        # vectors are stored as its task finishes.
        embedded = as_finished(
            lambda chunk: embed_texts_task.submit(
                [t for _, t in chunk], embed.model, embed.device, embed.batch_size
            ),
            embed_chunks(store, settings, win, summary),
            in_flight(settings),
        )
        for chunk, vectors in embedded:
            summary.embedded += store.store_embeddings(embed.model, [h for h, _ in chunk], vectors)
    summary.seconds = round(time.perf_counter() - began, 3)
    get_run_logger().info(
        "embed: %s texts, %s embedded, %s reused", summary.texts, summary.embedded, summary.reused
    )
    return summary


def run_cluster(request: Request, run_id: str | None = None) -> ClusterSummary:
    """Cluster the window around the seed from stored vectors."""
    settings = request.settings()
    win = request.window(settings)
    with _open(settings) as store:
        store.upsert_seed(win.seed, text_hash(win.seed.text))
        return cluster_stage(store, settings, win, run_id)


def run_compare(request: Request, clustering_id: str | None = None) -> dict[str, Any]:
    """Compare the outlets in the (latest) clustering's event."""
    settings = request.settings()
    began = time.perf_counter()
    seed = load_seed(request.seed, request.seed_date)
    with _open(settings) as store:
        cid = clustering_id or store.latest_clustering_id(seed.seed_id)
        if cid is None:
            raise UserInputError("no clustering to compare yet: run the cluster stage first")
        embed = settings.embed
        encoder = Embedder(embed.model, device=embed.device, batch_size=embed.batch_size)
        judge_model = settings.compare.judge_model
        setup = ClaimSetup(
            load_claims(seed),
            encoder.encode,
            embed.model,
            settings.compare,
            embed.model_languages,
            Judge(judge_model, device=embed.device) if judge_model else None,
        )
        summary = compare_stage(store, cid, load_sides(seed), setup)
    get_run_logger().info(
        "compare: %s claims, %s carried by an outlet; %s exclusive sentences",
        summary.claims,
        summary.claims_carried,
        summary.exclusive_sentences,
    )
    return {
        "clustering_id": cid,
        **asdict(summary),
        "seconds": round(time.perf_counter() - began, 3),
    }


def run_report(
    db: str | None,
    report_dir: str,
    config: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    clustering_id: str | None = None,
) -> ReportSummary:
    """Render the report from the database alone, and publish its Markdown as an artifact."""
    settings = load_settings(config, {**(overrides or {}), **({"storage.db": db} if db else {})})
    with _open(settings) as store:
        summary = report_stage(store, Path(report_dir), clustering_id)
    _publish(summary)
    return summary


def _publish(summary: ReportSummary) -> None:
    """The Markdown report as a Prefect artifact (shown in the UI beside the flow run)."""
    try:
        create_markdown_artifact(
            key="parallax-report", markdown=summary.markdown_text, description="Parallax report"
        )
    except Exception as err:  # noqa: BLE001 - the files are written; the artifact is a bonus
        get_run_logger().warning("could not publish the report artifact: %s", err)


def _expected(err: BaseException) -> bool:
    return isinstance(err, (UserInputError, StorageError, IngestFailed, BackfillFailed, ModelError))


cluster_task = task(name="cluster", cache_policy=NO_CACHE)(run_cluster)
compare_task = task(name="compare", cache_policy=NO_CACHE)(run_compare)
report_task = task(name="report", cache_policy=NO_CACHE)(run_report)


@flow(name="embed", validate_parameters=False)
def embed_flow(request: dict[str, Any]) -> EmbedSummary:
    """Embed what the window needs that is not embedded yet."""
    return run_embed(Request(**request))


@flow(name="cluster", validate_parameters=False)
def cluster_flow(request: dict[str, Any], run_id: str | None = None) -> ClusterSummary:
    """Cluster the window's stories around the seed."""
    return run_cluster(Request(**request), run_id)


@flow(name="compare", validate_parameters=False)
def compare_flow(request: dict[str, Any], clustering_id: str | None = None) -> dict[str, Any]:
    """Compare how the outlets covered the event."""
    return run_compare(Request(**request), clustering_id)


@flow(name="report", validate_parameters=False)
def report_flow(
    db: str | None = None,
    report_dir: str = DEFAULT_REPORT_DIR,
    config: str | None = None,
    overrides: dict[str, Any] | None = None,
    clustering_id: str | None = None,
) -> ReportSummary:
    """Render the HTML and Markdown report from the database."""
    try:
        return run_report(db, report_dir, config, overrides, clustering_id)
    except (UserInputError, StorageError) as err:
        return Failed(message=str(err), data=err)  # type: ignore[return-value]


@dataclass
class PipelineSummary:
    """What a pipeline run did, stage by stage."""

    run_id: str
    status: str = "completed"
    message: str = ""
    ingest: dict[str, Any] = field(default_factory=dict)
    backfill: dict[str, Any] = field(default_factory=dict)
    embed: dict[str, Any] = field(default_factory=dict)
    cluster: dict[str, Any] = field(default_factory=dict)
    compare: dict[str, Any] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _run_summary(summary: PipelineSummary) -> dict[str, Any]:
    """The runs table's summary: the pipeline's stages and the report's counts and failures."""
    ingest_part = summary.ingest
    counts = {
        "outlets": ingest_part.get("outlets", 0),
        "feeds polled": ingest_part.get("feeds_polled", 0),
        "entries new": ingest_part.get("entries_new", 0),
        "articles stored": ingest_part.get("articles_stored", 0),
        "texts embedded": summary.embed.get("embedded", 0),
        "stories in window": summary.cluster.get("stories", 0),
        "stories in event": summary.cluster.get("event_stories", 0),
    }
    return {**summary.as_dict(), "counts": counts, "failures": ingest_part.get("failures", {})}


@flow(name="pipeline", validate_parameters=False, task_runner=ThreadPoolTaskRunner(max_workers=8))  # type: ignore[arg-type]
def pipeline(
    sources: str,
    seed: str,
    db: str | None = None,
    report_dir: str = DEFAULT_REPORT_DIR,
    seed_date: str | None = None,
    since: str | None = None,
    until: str | None = None,
    config: str | None = None,
    overrides: dict[str, Any] | None = None,
    backfill: str | None = None,
) -> PipelineSummary:
    """Ingest the sources, embed, cluster around the seed, compare the outlets, and report;
    with `backfill` (an Origin), first gather the window's stories from the past."""
    request = Request(seed, db, seed_date, since, until, config, dict(overrides or {}))
    settings = request.settings()
    win = request.window(settings)  # a bad seed or date fails here, before anything is fetched
    run_id = str(flow_run.id or uuid.uuid4())
    summary = PipelineSummary(run_id=run_id)
    with _open(settings) as store:
        store.start_run(
            run_id, "pipeline", {"sources": sources, "seed": seed, "db": settings.storage.db}
        )
    stage, began = "ingest", time.perf_counter()
    local = settings.run.on_dask
    try:
        # The subflows fetch with [ingest] workers threads (their decorators say 8), or on
        # Dask ([run]); a backfill always runs in threads: the archive's pace is kept per
        # process.
        threads: ThreadPoolTaskRunner[Any] = ThreadPoolTaskRunner(
            max_workers=settings.ingest.workers
        )
        if backfill:
            stage = "backfill"
            backfill_with_workers = backfill_flow.with_options(task_runner=threads)  # type: ignore[arg-type]
            backfilled: BackfillSummary = backfill_with_workers(
                sources=sources,
                since=win.start.astimezone(UTC).date().isoformat(),
                until=win.end.astimezone(UTC).date().isoformat(),
                origin=backfill,
                config=config,
                overrides=request.all_overrides(),
            )
            summary.backfill, summary.seconds["backfill"] = asdict(backfilled), _since(began)
            stage, began = "ingest", time.perf_counter()
        ingest_with_workers = ingest.with_options(task_runner=task_runner(settings))
        ingested: IngestSummary = ingest_with_workers(
            sources=sources, config=config, overrides=request.all_overrides()
        )
        summary.ingest, summary.seconds["ingest"] = asdict(ingested), _since(began)
        # The later stages run as tasks, not subflows: a sync subflow costs ~1 s of heartbeat
        # join each, more than clustering and comparing the demo take.
        stage, began = "embed", time.perf_counter()
        with _open(settings) as store:
            inputs = cluster_inputs(store, settings, win)
            kept = (
                store.unchanged_stage(win.seed.seed_id, "cluster", inputs)
                if settings.run.reuse_unchanged
                else None
            )
        if kept:
            # Nothing the clustering read has changed: every vector it needed is stored.
            summary.embed = {"model": settings.embed.model, "skipped": "unchanged"}
            summary.seconds["embed"] = _since(began)
            stage, began = "cluster", time.perf_counter()
            summary.cluster = {**kept, "reused": True}
            summary.seconds["cluster"] = _since(began)
            clustering_id = kept["clustering_id"]
        else:
            summary.embed, summary.seconds["embed"] = asdict(run_embed(request)), _since(began)
            stage, began = "cluster", time.perf_counter()
            # On Dask these stages run here, not as tasks: they write to the database, which
            # only the flow's process may do (and which a remote worker may not even see).
            clustered = (run_cluster if local else cluster_task)(request, run_id)
            summary.cluster, summary.seconds["cluster"] = asdict(clustered), _since(began)
            clustering_id = clustered.clustering_id
            with _open(settings) as store:
                store.record_stage_inputs(clustering_id, "cluster", inputs, summary.cluster)
        stage, began = "compare", time.perf_counter()
        inputs = compare_inputs(settings, win.seed, clustering_id)
        with _open(settings) as store:
            # Only a reused clustering can have a comparison to reuse.
            compared = store.unchanged_stage(win.seed.seed_id, "compare", inputs) if kept else None
        if compared:
            summary.compare = {**compared, "reused": True}
        else:
            summary.compare = (run_compare if local else compare_task)(request, clustering_id)
            with _open(settings) as store:
                store.record_stage_inputs(clustering_id, "compare", inputs, summary.compare)
        summary.seconds["compare"] = _since(began)
        with _open(settings) as store:  # the report shows this run, so record it first
            store.finish_run(run_id, "completed", _run_summary(summary))
        stage, began = "report", time.perf_counter()
        reported = (run_report if local else report_task)(
            db, report_dir, config, overrides, clustering_id
        )
        summary.report = {k: v for k, v in asdict(reported).items() if k != "markdown_text"}
        summary.seconds["report"] = _since(began)
    except BaseException as err:
        summary.status = "failed"
        summary.message = f"{stage} failed: {err}"
        summary.seconds[stage] = _since(began)  # the failed stage's time, too
        if isinstance(err, IngestFailed):
            summary.ingest = asdict(err.summary)
        if isinstance(err, BackfillFailed):
            summary.backfill = asdict(err.summary)
        with _open(settings) as store:
            store.finish_run(run_id, "failed", _run_summary(summary), summary.message)
        if _expected(err):
            return Failed(message=summary.message, data=PipelineFailed(summary))  # type: ignore[return-value]
        raise
    with _open(settings) as store:
        store.finish_run(run_id, "completed", _run_summary(summary))
    return summary


def _since(began: float) -> float:
    return round(time.perf_counter() - began, 3)


class PipelineFailed(Exception):
    """A stage failed; carries the run's summary."""

    def __init__(self, summary: PipelineSummary) -> None:
        super().__init__(summary.message)
        self.summary = summary


def run_pipeline(sources: str, seed: str, **params: Any) -> PipelineSummary:
    """Run the pipeline flow on [run]'s task runner (as the CLI and `serve` do): [ingest]
    workers threads by default, where the embedding batches run."""
    settings = load_settings(params.get("config"), params.get("overrides"))
    flow_with_workers = pipeline.with_options(task_runner=task_runner(settings))
    summary: PipelineSummary = flow_with_workers(sources=sources, seed=seed, **params)
    return summary
