"""Opening the database: the lock wait, the connection settings, transactions."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import pyarrow as pa

from parallax.storage.errors import DatabaseMissing, StorageError, StoreLocked
from parallax.storage.schema import migrate

TS = pa.timestamp("us", tz="UTC")
# Settings for every connection: no extension downloads (nothing leaves the machine).
_BASE_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def _is_lock_error(err: duckdb.Error) -> bool:
    return "lock" in str(err).lower()


def connect(
    path: Path,
    *,
    read_only: bool = False,
    lock_timeout_s: float = 30.0,
    config: dict[str, Any] | None = None,
    lock_configuration: bool = False,
) -> duckdb.DuckDBPyConnection:
    """Open the database, waiting up to lock_timeout_s while another process holds it.

    With lock_configuration, the settings cannot be changed by later statements (user SQL).
    """
    if read_only and not path.exists():
        raise DatabaseMissing(f"no database at {path}: run `parallax ingest` first")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + lock_timeout_s
    delay = 0.1
    while True:
        try:
            con = duckdb.connect(
                str(path), read_only=read_only, config={**_BASE_CONFIG, **(config or {})}
            )
        except duckdb.IOException as err:
            if not _is_lock_error(err):
                raise StorageError(f"cannot open {path}: {err}") from err
            if time.monotonic() >= deadline:
                holder = re.search(r"PID (\d+)", str(err))
                who = f"process {holder.group(1)}" if holder else "another process"
                raise StoreLocked(
                    f"{path} is in use by {who} (a Parallax run, or a DuckDB session that "
                    f"opened it for writing); waited {lock_timeout_s:g}s - try again when done"
                ) from err
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
            continue
        except duckdb.Error as err:
            raise StorageError(f"cannot open {path}: {err}") from err
        con.execute("SET TimeZone = 'UTC'")
        if lock_configuration:
            con.execute("SET lock_configuration = true")
        return con


def arrow_table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)


class Database:
    """One open connection to Parallax's DuckDB file; a context manager."""

    def __init__(self, path: str | Path, *, read_only: bool = False, lock_timeout_s: float = 30.0):
        self.path = Path(path)
        self.read_only = read_only
        self._con = connect(self.path, read_only=read_only, lock_timeout_s=lock_timeout_s)
        if not read_only:
            migrate(self._con)

    def __enter__(self) -> Any:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the file so other processes can open it."""
        self._con.close()

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: a run killed mid-write leaves no half-written batch behind."""
        con = self._con
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
