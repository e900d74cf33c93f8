"""The embed and cluster stages read the window's texts a batch at a time, and cut the same
leads and documents as from the texts read whole."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from parallax.flows import stages
from parallax.flows.pipeline import Request
from parallax.flows.settings import EmbedSettings
from parallax.flows.stages import story_texts, window_texts
from parallax.storage import Store
from tests.storage import fault_writer

START = fault_writer.BASE - timedelta(days=1)
END = fault_writer.BASE + timedelta(days=2)


@pytest.fixture
def store(db_path: Path) -> Store:
    """Some 600 stored articles (the kill test's synthetic feeds), each with its own text."""
    with Store(db_path) as store:
        fault_writer.store_first_batch(store)
    return Store(db_path)


def test_the_window_without_texts_lists_the_same_stories_and_texts_come_by_url(
    store: Store,
) -> None:
    with store:
        whole, outside = store.window_stories(START, END)
        bare, bare_outside = store.window_stories(START, END, texts=False)
        assert len(whole) == 600 and outside == bare_outside
        assert [s.url for s in bare] == [s.url for s in whole]
        assert {s.text for s in bare} == {""}
        texts = store.article_texts([s.url for s in whole[:5]] + ["http://nowhere.example/"])
        assert texts == {s.url: s.text for s in whole[:5]}


def test_texts_are_read_a_batch_at_a_time_and_cut_as_when_read_whole(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stages, "TEXT_BATCH", 64)
    asked: list[int] = []
    with store:
        read = store.article_texts

        def counted(urls: list[str]) -> dict[str, str]:
            asked.append(len(urls))
            return read(urls)

        monkeypatch.setattr(store, "article_texts", counted)
        whole, _ = store.window_stories(START, END)
        bare, _ = store.window_stories(START, END, texts=False)
        cut = list(window_texts(store, bare))
    assert [s.url for s, _ in cut] == [s.url for s in whole]
    assert [t for _, t in cut] == [story_texts(s.title, s.text) for s in whole]
    assert asked == [64] * 9 + [600 - 9 * 64]  # never more than a batch of texts at once


def test_the_embed_stage_reads_a_batch_of_texts_as_its_chunks_are_taken(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(stages, "TEXT_BATCH", 64)
    seed_file = tmp_path / "seed.txt"
    seed_file.write_text(fault_writer.PARAGRAPH * 2)
    request = Request(seed=str(seed_file), seed_date="2021-12-02", db=str(store.path))
    settings = replace(request.settings(), embed=EmbedSettings(model="fake", texts_per_task=5))
    win = stages.Window(request.window(settings).seed, START, END)
    asked: list[int] = []
    with store:
        every, stories = stages.texts_to_embed(store, win, documents=False)
        # Some texts have vectors already: the stage leaves them out.
        known = sorted(every)[:20]
        store.store_embeddings("fake", known, np.ones((len(known), 4), dtype=np.float32))
        read = store.article_texts

        def counted(urls: list[str]) -> dict[str, str]:
            asked.append(len(urls))
            return read(urls)

        monkeypatch.setattr(store, "article_texts", counted)
        summary = stages.EmbedSummary(model="fake")
        chunks = stages.embed_chunks(store, settings, win, summary)
        first = next(chunks)
        # The first chunk came from the first batch of stories: one batch read so far.
        assert len(first) == 5 and asked == [64]
        taken = first + [item for chunk in chunks for item in chunk]
    assert max(asked) == 64 and sum(asked) == stories == 600
    assert dict(taken) == {h: t for h, t in every.items() if h not in set(known)}
    # Each text once, though many stories share their leads (151 leads for 600 stories).
    assert len(taken) == len(dict(taken)) == len(every) - 20 > 100
    assert (summary.stories, summary.texts, summary.reused) == (600, len(every), 20)
