"""[run] task_runner = "dask": the same runs on a 2-worker Dask LocalCluster on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from parallax.flows.demo_site import DEMO_SEED, DEMO_SOURCES, DemoSite
from parallax.flows.ingest import ingest_sources
from parallax.flows.pipeline import Request, embed_flow
from parallax.flows.runners import task_runner
from parallax.flows.settings import load_settings
from parallax.flows.stages import texts_to_embed
from parallax.storage import Store
from parallax.storage.query import run_query

pytestmark = pytest.mark.usefixtures("prefect_server")

DASK = {"run.task_runner": "dask", "run.dask_workers": 2}


def test_the_runner_is_chosen_by_the_settings() -> None:
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask.task_runners import DaskTaskRunner

    assert isinstance(task_runner(load_settings(environ={})), ThreadPoolTaskRunner)
    local = task_runner(load_settings(overrides=DASK, environ={}))
    assert isinstance(local, DaskTaskRunner) and local.cluster_kwargs["n_workers"] == 2
    assert local.cluster_kwargs["host"] == "127.0.0.1"  # a local cluster listens on loopback
    remote = load_settings(
        overrides={**DASK, "run.dask_address": "tcp://10.1.2.3:8786"}, environ={}
    )
    assert task_runner(remote).address == "tcp://10.1.2.3:8786"


def test_ingest_and_embedding_on_dask_store_what_threads_store(tmp_path: Path) -> None:
    with DemoSite() as site:
        overrides = {
            "http.host_map": site.host_map(),
            "http.allow_private_network": True,
            "http.per_host_delay_s": 0.0,
        }
        threads, dask = tmp_path / "threads.duckdb", tmp_path / "dask.duckdb"
        ingest_sources(DEMO_SOURCES, overrides={**overrides, "storage.db": str(threads)})
        on_dask = {**overrides, **DASK, "storage.db": str(dask)}
        ingested = ingest_sources(DEMO_SOURCES, overrides=on_dask)
    stored = "SELECT url, text_hash, date_source FROM articles ORDER BY url"
    assert ingested.articles_stored == 85
    assert run_query(dask, stored).rows == run_query(threads, stored).rows
    # The embed stage's batches on the workers; the flow's process stores their vectors.
    request = {"seed": str(DEMO_SEED), "db": str(dask), "overrides": on_dask}
    runner = task_runner(load_settings(overrides=on_dask, environ={}))
    embedded = embed_flow.with_options(task_runner=runner)(request=request)
    assert embedded.embedded == embedded.texts > 60
    with Store(dask) as store:
        texts, _ = texts_to_embed(
            store,
            Request(str(DEMO_SEED), str(dask)).window(load_settings(overrides=on_dask, environ={})),
            documents=False,
        )
        assert store.known_embeddings(texts, embedded.model) == set(texts)
