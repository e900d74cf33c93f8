"""Storage faults: a writer killed mid-write, again and again, loses and duplicates nothing."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest

from parallax.storage.connection import connect
from parallax.storage.query import run_query
from tests.storage import fault_writer as w

WRITER = Path(w.__file__)
KILLS = 20  # at least this many kills...
MID_WRITE = 10  # ...and as many more as it takes (up to MAX_KILLS) for this many inside a write
MAX_KILLS = 60
SEED = 20211202


@dataclass
class Incarnation:
    """One start of the writer: the lines it printed, and how it ended."""

    lines: list[str] = field(default_factory=list)
    returncode: int | None = None

    @property
    def committed_batches(self) -> list[int]:
        return [int(x.split()[2]) for x in self.lines if x.startswith("end feeds")]

    @property
    def committed_articles(self) -> int:
        return sum(int(x.split()[2]) for x in self.lines if x.startswith("end articles"))

    @property
    def killed_mid_write(self) -> bool:
        """Whether the last thing it said was that a write began (and not that it ended)."""
        return bool(self.lines) and self.lines[-1].startswith("begin")


def start_writer(
    db: Path,
) -> tuple[subprocess.Popen[str], Incarnation, threading.Event, threading.Thread]:
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    life = Incarnation()
    opened = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            life.lines.append(line.strip())
            if line.strip() == "open":
                opened.set()
        opened.set()  # the process ended (killed before it opened, or failed)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return proc, life, opened, reader


def ended(proc: subprocess.Popen[str], reader: threading.Thread, timeout_s: float) -> str:
    """Wait for the writer to end (killing it past timeout_s); return what it wrote to stderr."""
    try:
        proc.wait(timeout_s)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(10)
        assert proc.stderr is not None and proc.stdout is not None
        stderr = proc.stderr.read()
        proc.stderr.close()
        proc.stdout.close()
    return stderr


@dataclass(frozen=True)
class State:
    """What the database holds, read as the next run would see it."""

    last_batch: int
    feed_fetches_per_batch: dict[str, int]
    entries_per_batch: dict[str, int]
    entries_seen_again: int
    articles: int
    article_fetches: int
    orphan_article_fetches: int
    articles_without_entry: int
    duplicated_article_fetches: int


def read_state(db: Path) -> State:
    """Read the database (read-only: the writer's next start must do the WAL recovery itself)."""

    con = connect(db, read_only=True)
    try:
        return _read_state(con)
    finally:
        con.close()


def _read_state(con: duckdb.DuckDBPyConnection) -> State:
    def rows(sql: str) -> list[tuple[Any, ...]]:
        return con.execute(sql).fetchall()

    def one(sql: str) -> int:
        return int(rows(sql)[0][0])

    hashes = {r[0] for r in rows("SELECT content_hash FROM feeds")}
    assert len(hashes) <= 1, f"feeds disagree: a batch was half written ({hashes})"
    last = next(iter(hashes), None)
    return State(
        last_batch=-1 if last is None else int(str(last).removeprefix("batch-")),
        feed_fetches_per_batch=dict(
            rows("SELECT run_id, count(*) FROM fetches WHERE kind = 'feed' GROUP BY 1")
        ),
        entries_per_batch=dict(rows("SELECT run_id, count(*) FROM entries GROUP BY 1")),
        entries_seen_again=one("SELECT count(*) FROM entries WHERE last_seen_at > first_seen_at"),
        articles=one("SELECT count(*) FROM articles"),
        article_fetches=one("SELECT count(*) FROM fetches WHERE kind = 'article'"),
        orphan_article_fetches=one(
            "SELECT count(*) FROM fetches f LEFT JOIN articles a USING (url) "
            "WHERE f.kind = 'article' AND a.url IS NULL"
        ),
        articles_without_entry=one(
            "SELECT count(*) FROM articles a WHERE NOT EXISTS "
            "(SELECT 1 FROM entries e WHERE e.url = a.url)"
        ),
        duplicated_article_fetches=one(
            "SELECT coalesce(sum(n - 1), 0) FROM "
            "(SELECT count(*) AS n FROM fetches WHERE kind = 'article' GROUP BY url)"
        ),
    )


def assert_consistent(state: State) -> None:
    """Every batch whole or absent, and articles only with their fetch and their entry."""
    batches = [f"b{b}" for b in range(state.last_batch + 1)]
    assert state.feed_fetches_per_batch == dict.fromkeys(batches, w.FEEDS)
    assert state.entries_per_batch == dict.fromkeys(batches, w.FEEDS * w.ENTRIES)
    assert state.entries_seen_again == w.FEEDS * w.CARRIED * max(state.last_batch, 0)
    assert state.article_fetches == state.articles
    assert state.orphan_article_fetches == 0
    assert state.articles_without_entry == 0
    assert state.duplicated_article_fetches == 0


@pytest.mark.timeout(240)
def test_a_writer_killed_mid_write_again_and_again_loses_and_duplicates_nothing(
    db_path: Path,
) -> None:
    rng = random.Random(SEED)  # noqa: S311 - seeded kill times, not secrets
    began = time.monotonic()
    kills_mid_write = 0
    reported_batches: list[int] = []
    reported_articles = 0
    kills = 0
    # On a loaded machine fewer random kills land inside a write: kill until enough have.
    while kills < KILLS or (kills_mid_write < MID_WRITE and kills < MAX_KILLS):
        kills += 1
        proc, life, opened, reader = start_writer(db_path)
        try:
            assert opened.wait(30), "the writer never opened the database"
            time.sleep(rng.uniform(0.0, 0.4))
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            stderr = ended(proc, reader, 10)
        assert life.lines[:1] == ["open"], f"the writer could not open the database: {stderr}"
        assert "done" not in life.lines, "the writer finished before the kills: make it longer"
        kills_mid_write += life.killed_mid_write
        reported_batches += life.committed_batches
        reported_articles += life.committed_articles
        state = read_state(db_path)
        assert_consistent(state)
        # Nothing the writer was told is committed is lost (a kill between COMMIT and the
        # writer's `end` line may leave one more batch than reported, never one fewer).
        assert state.last_batch >= max(reported_batches, default=-1)
        assert state.articles >= reported_articles

    # The last start recovers the last kill's WAL and finishes the job. It has what is left of
    # the test's time, not a fixed minute: on a loaded machine the whole job can take longer.
    proc, life, _, reader = start_writer(db_path)
    stderr = ended(proc, reader, max(60.0, 225.0 - (time.monotonic() - began)))
    assert proc.returncode == 0, stderr
    assert life.lines[-1] == "done"
    elapsed = time.monotonic() - began

    state = read_state(db_path)
    assert_consistent(state)
    assert state.last_batch == w.BATCHES - 1
    expected_entries = {
        w.entry_url(f, b, i)
        for f in range(w.FEEDS)
        for b in range(w.BATCHES)
        for i in range(w.ENTRIES)
    }
    stored = run_query(db_path, "SELECT url FROM articles").rows
    stored_urls = {url for (url,) in stored}
    entry_rows = run_query(db_path, "SELECT url FROM entries").rows
    lost = len(expected_entries - stored_urls) + len(expected_entries - {u for (u,) in entry_rows})
    duplicated = (len(stored) - len(stored_urls)) + (
        len(entry_rows) - len({u for (u,) in entry_rows})
    )
    duplicated += state.duplicated_article_fetches
    duplicated += sum(n - w.FEEDS for n in state.feed_fetches_per_batch.values())
    print(
        f"\nkill test: {kills} kills ({kills_mid_write} inside a write), "
        f"{len(expected_entries)} entries and articles expected, {lost} lost, "
        f"{duplicated} duplicated, {elapsed:.1f}s"
    )
    assert (lost, duplicated) == (0, 0)
    assert len(stored_urls) == len(expected_entries)
    # The kills must hit writes, or the test proves nothing about torn transactions.
    assert kills_mid_write >= MID_WRITE, f"only {kills_mid_write} of {kills} kills hit a write"
