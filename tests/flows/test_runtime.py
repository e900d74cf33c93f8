"""A process that ran a flow ends quietly: Prefect's event loops are stopped at exit."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("prefect_server")

SCRIPT = textwrap.dedent(
    """
    import atexit
    import sys

    from parallax.flows import runtime
    from prefect import flow
    from parallax.storage import Store

    if sys.argv[2] == "without":
        atexit.unregister(runtime.stop_prefect_loops)


    @flow
    def count_articles(db: str) -> int:
        with Store(db) as store:
            return store.counts().articles


    assert count_articles(sys.argv[1]) == 0
    """
)


def run_flow_process(tmp_path: Path, handler: str) -> subprocess.CompletedProcess[str]:
    from prefect.settings import PREFECT_API_URL

    env = os.environ | {"PREFECT_API_URL": str(PREFECT_API_URL.value())}
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / f"{handler}.duckdb"), handler],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_a_process_that_ran_a_flow_on_the_database_ends_without_leak_lines(tmp_path: Path) -> None:
    ended = run_flow_process(tmp_path, "with")
    assert ended.returncode == 0, ended.stderr
    assert "leaked" not in ended.stderr
    # The same process without the exit handler: what it prevents.
    noisy = run_flow_process(tmp_path, "without")
    assert noisy.returncode == 0, noisy.stderr
    assert "nanobind: leaked" in noisy.stderr
