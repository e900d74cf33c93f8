"""Faults around a run: a database held by another process, a run killed, a run cut short.

The CLI runs as the installed console script in a subprocess, as users run it; ingest runs
there against the session's Prefect server, so it starts in seconds.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from parallax.flows.ingest import ingest
from parallax.flows.pipeline import Request, embed_flow
from parallax.flows.stages import missing_texts, texts_to_embed
from parallax.storage import Store
from parallax.storage.query import run_query
from tests.flows.news_site import OVERRIDES, news_site
from tests.holder import holding
from tests.storage import fault_writer

PARALLAX = str(Path(sys.executable).parent / "parallax")


def cli_env(**settings: str) -> dict[str, str]:
    """The environment for a `parallax` subprocess: this session's Prefect server, and settings."""
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PARALLAX_HTTP_PER_HOST_DELAY_S": "0"}
    api = PREFECT_API_URL.value()
    if api:
        env["PREFECT_API_URL"] = str(api)
    env.update({f"PARALLAX_{name.upper()}": value for name, value in settings.items()})
    return env


def test_sql_on_a_database_held_by_a_run_waits_then_says_who_holds_it(db_path: Path) -> None:
    with holding(db_path, 20) as holder:
        began = time.monotonic()
        result = subprocess.run(
            [PARALLAX, "sql", "SELECT count(*) FROM feeds", "--db", str(db_path)],
            env=cli_env(storage_lock_timeout_s="1.5"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        waited = time.monotonic() - began
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert re.fullmatch(
        rf"parallax: error: {re.escape(str(db_path))} is in use by process {holder.pid} "
        r"\(a Parallax run, or a DuckDB session that opened it for writing\); "
        r"waited 1.5s - try again when done\n",
        result.stderr,
    ), result.stderr
    assert waited >= 1.5  # it retried for its whole wait before giving up


def running_flow_run(since: datetime, timeout_s: float) -> str:
    """The id of a flow run that started after `since` and is running, once Prefect has one."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterStartTime,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    running = FlowRunFilter(
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.RUNNING])),
        start_time=FlowRunFilterStartTime(after_=since),
    )
    deadline = time.monotonic() + timeout_s
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(flow_run_filter=running)
            if runs:
                return str(runs[0].id)
            time.sleep(0.2)
    raise AssertionError(f"no flow run started within {timeout_s}s")


@pytest.mark.usefixtures("prefect_server")
def test_an_ingest_that_meets_a_held_database_waits_for_it_and_runs(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    with news_site() as site:
        site.add_outlet("gazette")
        sources = site.write_sources(tmp_path / "sources.toml")
        with holding(db, 120) as holder:
            began = datetime.now(UTC)
            run = subprocess.Popen(
                [PARALLAX, "ingest", "--sources", str(sources), "--allow-private-network"],
                env=cli_env(storage_db=str(db), storage_lock_timeout_s="60"),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            try:
                flow_run_id = running_flow_run(began, 60)
                time.sleep(1.0)  # the run is now waiting for the file
                assert site.hits("/") == 0, "the run polled feeds without the database"
                released = holder.release()
                out, err = run.communicate(timeout=120)
            finally:
                if run.poll() is None:
                    run.kill()
                    run.wait()
    assert run.returncode == 0, err
    assert "Traceback" not in err
    assert "articles   2 stored of 2 pending" in out
    run_id, opened = run_query(db, "SELECT run_id, started_at FROM runs").rows[0]
    assert run_id == flow_run_id
    assert opened >= released  # it opened the file only once the holder had let go


@pytest.mark.usefixtures("prefect_server")
def test_a_killed_ingest_leaves_its_pending_articles_to_the_next_run(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    with news_site(page_delay_s=0.4) as site:
        site.add_outlet("gazette", articles=12)
        sources = site.write_sources(tmp_path / "sources.toml")
        run = subprocess.Popen(
            [PARALLAX, "ingest", "--sources", str(sources), "--allow-private-network"],
            env=cli_env(storage_db=str(db), ingest_article_batch_size="2", ingest_workers="2"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 90
            while site.hits("/gazette/news/") < 10 and run.poll() is None:
                assert time.monotonic() < deadline, "the run never reached the article pages"
                time.sleep(0.02)
            alive = run.poll() is None
        finally:
            run.send_signal(signal.SIGKILL)
            run.wait(10)
        assert alive, f"the run ended by itself (status {run.returncode}) before the kill"
        killed_run = run_query(db, "SELECT run_id, status FROM runs").rows
        stored_before = run_query(db, "SELECT count(*) FROM articles").rows[0][0]
        assert 0 < stored_before < 12 and stored_before % 2 == 0  # whole batches only
        pages_before = site.hits("/gazette/news/")

        summary = ingest(sources=str(sources), db=str(db), overrides=OVERRIDES)
        pages_again = site.hits("/gazette/news/") - pages_before
    assert [status for _, status in killed_run] == ["running"]  # it never got to say how it ended
    # The next run found the killed run's process gone and closed the run out.
    after = dict(run_query(db, "SELECT run_id, status FROM runs").rows)
    assert after[killed_run[0][0]] == "abandoned"
    assert sorted(after.values()) == ["abandoned", "completed"]
    assert summary.feed_status == {"not_modified": 1}  # the feed itself was not read again
    assert summary.articles_pending == summary.articles_stored == 12 - stored_before
    assert pages_again == 12 - stored_before  # stored articles were not downloaded again
    urls = run_query(db, "SELECT count(*), count(DISTINCT url) FROM articles").rows[0]
    assert urls == (12, 12)


class FakeEmbedder:
    """Deterministic vectors; fails on any batch holding the text named in `poison`."""

    poison: str = ""

    def __init__(self, model: str, device: str = "cpu", batch_size: int = 32) -> None:
        self.model = model

    def encode(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        if FakeEmbedder.poison in texts:
            raise RuntimeError("the embedding worker died")
        rows = [np.frombuffer(t.encode().ljust(32, b" ")[:32], dtype=np.uint8) for t in texts]
        return np.asarray(rows, dtype=np.float32)


@pytest.fixture
def stories_db(db_path: Path) -> Path:
    """600 stored articles around the seed's date, from the kill test's synthetic feeds."""
    with Store(db_path) as store:
        fault_writer.store_first_batch(store)
    return db_path


@pytest.mark.usefixtures("prefect_server")
def test_texts_not_embedded_when_a_run_died_are_embedded_by_the_next(
    stories_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = tmp_path / "seed.txt"
    seed.write_text(fault_writer.PARAGRAPH * 2)
    request = Request(
        seed=str(seed),
        seed_date="2021-12-02",
        db=str(stories_db),
        overrides={"embed.texts_per_task": 50, "embed.model": "fake-model"},
    )
    settings = request.settings()
    with Store(stories_db) as store:
        win, documents = request.window(settings), settings.cluster.weighs_documents
        texts, stories = texts_to_embed(store, win, documents=documents)
    assert stories == 600 and len(texts) > 100  # the texts the flow embeds, and the seed's
    # run_embed sends the longest texts first, in chunks of 50; the third chunk fails.
    ordered = sorted(texts.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    monkeypatch.setattr("parallax.flows.pipeline.Embedder", FakeEmbedder)
    monkeypatch.setattr(FakeEmbedder, "poison", ordered[100][1])

    with pytest.raises(RuntimeError, match="worker died"):
        embed_flow(request=asdict(request))
    with Store(stories_db) as store:
        left = missing_texts(store, settings, texts)
    # The failed chunk stored nothing; chunks that finished before the failure was handed over
    # are stored (results are written in the order their tasks finish), the rest wait.
    assert {h for h, _ in ordered[100:150]} <= set(left) <= set(texts)

    monkeypatch.setattr(FakeEmbedder, "poison", "")
    summary = embed_flow(request=asdict(request))
    assert (summary.embedded, summary.reused) == (len(left), len(texts) - len(left))
    with Store(stories_db) as store:
        assert missing_texts(store, settings, texts) == {}
