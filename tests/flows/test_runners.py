"""flows/runners.as_finished: batch tasks a few at a time, each result let go once taken."""

from __future__ import annotations

import gc
import threading
import time
import weakref

import pytest
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from parallax.flows.runners import as_finished

pytestmark = pytest.mark.usefixtures("prefect_server")


class Batch:
    """A task's result, as a batch of fetched pages would be: it can be watched for release."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.pages = b"x" * 10_000


@task(cache_policy=NO_CACHE)
def make_batch(n: int) -> Batch:
    time.sleep(0.01 * (n % 3))  # out of order
    return Batch(n)


def _watch(results: list[weakref.ref[Batch]]) -> int:
    gc.collect()
    return sum(1 for ref in results if ref() is not None)


@flow(task_runner=ThreadPoolTaskRunner(max_workers=4))  # type: ignore[arg-type]
def bounded(items: list[int], limit: int) -> tuple[list[tuple[int, int]], int, int]:
    lock = threading.Lock()
    submitted = taken = most_out = 0
    taken_refs: list[weakref.ref[Batch]] = []
    most_alive = 0
    pairs = []

    def submit(n: int) -> object:
        nonlocal submitted, most_out
        with lock:
            submitted += 1
            most_out = max(most_out, submitted - taken)
        return make_batch.submit(n)

    for item, batch in as_finished(submit, items, limit):  # type: ignore[arg-type]
        taken += 1
        pairs.append((item, batch.n))
        taken_refs.append(weakref.ref(batch))
        del batch
        most_alive = max(most_alive, _watch(taken_refs))
    return pairs, most_out, most_alive


@flow(task_runner=ThreadPoolTaskRunner(max_workers=4))  # type: ignore[arg-type]
def unbounded(items: list[int]) -> int:
    """Prefect's own as_completed over every future at once, as the stages did."""
    refs: list[weakref.ref[Batch]] = []
    most_alive = 0
    for future in as_completed([make_batch.submit(n) for n in items]):
        refs.append(weakref.ref(future.result()))
        del future
        most_alive = max(most_alive, _watch(refs))
    return most_alive


def test_every_item_comes_back_with_its_own_result() -> None:
    pairs, most_out, _ = bounded(list(range(30)), 3)
    assert sorted(pairs) == [(n, n) for n in range(30)]
    # Never more than the limit running, besides the one being handed over: the next task is
    # submitted before a result is handed to the caller, so the workers stay busy meanwhile.
    assert most_out <= 3 + 1


def test_results_are_let_go_once_taken() -> None:
    _, _, most_alive = bounded(list(range(40)), 3)
    # Alive at once: the one handed over, what the limit lets run, and what Prefect's four
    # worker threads may still hold of their last task a moment after its future resolves:
    # bounded by the limit and the workers, never growing with the run.
    assert most_alive <= 1 + 3 + 4
    # What it is for: Prefect's as_completed keeps every result until the last finishes.
    assert unbounded(list(range(40))) == 40


@task(cache_policy=NO_CACHE)
def fails_on_two(n: int) -> int:
    if n == 2:
        raise ValueError("page 2 broke")
    return n


def test_a_failed_task_raises_where_its_result_is_taken() -> None:
    @flow(task_runner=ThreadPoolTaskRunner(max_workers=2))  # type: ignore[arg-type]
    def run() -> list[int]:
        return [r for _, r in as_finished(fails_on_two.submit, range(5), 2)]  # type: ignore[arg-type]

    with pytest.raises(ValueError, match="page 2 broke"):
        run()


def test_results_come_in_the_order_their_tasks_finished_even_when_taken_late() -> None:
    # One worker runs 0, 1, then 2, which fails, while the flow is still writing 0: 1 must be
    # handed over (and written) before 2's failure ends the run, or 1's work is lost.
    written: list[int] = []  # not a flow parameter: Prefect would hand the flow a copy

    @flow(task_runner=ThreadPoolTaskRunner(max_workers=1))  # type: ignore[arg-type]
    def run() -> None:
        for _, n in as_finished(fails_on_two.submit, range(3), 3):  # type: ignore[arg-type]
            time.sleep(0.3)  # a slow write: 1 and 2 finish meanwhile
            written.append(n)

    for _ in range(5):
        written.clear()
        with pytest.raises(ValueError, match="page 2 broke"):
            run()
        assert written == [0, 1]
