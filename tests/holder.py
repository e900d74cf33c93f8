"""Another process holding the database file open for writing, as a running ingest would."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

# Holds the file for argv[2] seconds or until a line arrives on stdin, then prints when it let go.
_HOLDER = textwrap.dedent(
    """
    import select, sys, time
    from parallax.storage import Store
    with Store(sys.argv[1]):
        print("holding", flush=True)
        select.select([sys.stdin], [], [], float(sys.argv[2]))
    print("released", time.time(), flush=True)
    """
)


class Holder:
    """The holding process: its pid, and a way to make it let go early."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.pid = proc.pid

    def release(self) -> datetime:
        """Let go of the file now; returns when it was let go."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        return self.released_at()

    def released_at(self) -> datetime:
        """Wait for the holder to let go (by itself, or after release) and say when it did."""
        assert self.proc.stdout is not None
        word, when = self.proc.stdout.readline().split()
        assert word == "released"
        return datetime.fromtimestamp(float(when), tz=UTC)


@contextmanager
def holding(db: Path, seconds: float) -> Iterator[Holder]:
    """A subprocess that opens a Store on db and holds it for `seconds` (or until released).

    Yields once the file is held; on exit, ends the holder if it is still there.
    """
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(db), str(seconds)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "holding"
        yield Holder(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                pipe.close()
