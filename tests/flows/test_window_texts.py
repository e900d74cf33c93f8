"""The embed and cluster stages read the window's texts a batch at a time, and cut the same
leads and documents as from the texts read whole."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from parallax.flows import stages
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
