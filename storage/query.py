"""User SQL against the database: read-only, no file or network access beyond the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from parallax.storage.connection import connect
from parallax.storage.errors import QueryError

# enable_external_access=false stops read_csv('/etc/passwd'), COPY TO, ATTACH and httpfs;
# lock_configuration stops the query from switching it back on.
_SANDBOX = {"enable_external_access": False}


@dataclass(frozen=True)
class QueryResult:
    """Column names and rows of a query."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    types: list[str] = field(default_factory=list)  # DuckDB type names, e.g. "JSON", "VARCHAR"


def run_query(
    path: str | Path,
    sql: str,
    *,
    params: list[Any] | None = None,
    lock_timeout_s: float = 30.0,
    limit: int | None = None,
) -> QueryResult:
    """Run read-only SQL (with ? parameters, if given) and return the last statement's result."""
    con = connect(
        Path(path),
        read_only=True,
        lock_timeout_s=lock_timeout_s,
        config=_SANDBOX,
        lock_configuration=True,
    )
    try:
        try:
            cursor = con.execute(sql, params)
            if not cursor.description:
                return QueryResult([], [])
            columns = [str(column[0]) for column in cursor.description]
            types = [str(column[1]) for column in cursor.description]
            rows = cursor.fetchmany(limit) if limit is not None else cursor.fetchall()
        except duckdb.Error as err:
            raise QueryError(_one_line(err)) from err
        return QueryResult(columns, rows, types)
    finally:
        con.close()


def _one_line(err: Exception) -> str:
    text = str(err).strip().splitlines()
    message = text[0] if text else type(err).__name__
    if "disabled by configuration" in str(err):
        message += " (parallax sql reads only the database: files and URLs are disabled)"
    return message


def feed_health(path: str | Path, *, lock_timeout_s: float = 30.0) -> QueryResult:
    """Each feed's last status and reason, failures in a row, last success and next due time."""
    return run_query(
        path,
        """SELECT outlet, url, last_status, last_reason, consecutive_failures, last_success_at,
                  next_due_at, entries
           FROM feed_health ORDER BY outlet, url""",
        lock_timeout_s=lock_timeout_s,
    )
