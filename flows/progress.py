"""Progress of long work, reported to whoever listens (the CLI's progress bar), else nowhere.

Flows report here instead of drawing, so a scheduled run, a test or a remote worker can run the
same code with no terminal attached.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class ProgressListener(Protocol):
    def begin(self, stage: str, total: int) -> None: ...

    def advance(self, stage: str, amount: int = 1) -> None: ...


_listeners: list[ProgressListener] = []


@contextmanager
def listening(listener: ProgressListener) -> Iterator[None]:
    """Send progress to the listener while the block runs."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


def begin(stage: str, total: int) -> None:
    """A stage of `total` steps starts."""
    for listener in _listeners:
        listener.begin(stage, total)


def advance(stage: str, amount: int = 1) -> None:
    """`amount` steps of a stage are done."""
    for listener in _listeners:
        listener.advance(stage, amount)
