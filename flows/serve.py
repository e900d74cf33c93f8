"""Serve the pipeline as a Prefect deployment on a schedule, with a Prefect server if none is set.

Scheduled runs need a real Prefect server: the temporary one that a plain flow call starts
refuses to schedule ("Cannot schedule flows on an ephemeral server"). `PrefectServer` uses the
server of PREFECT_API_URL when it is set, and otherwise starts `prefect server start` on a free
loopback port, with its state in a folder beside the database, for as long as Parallax serves.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from parallax.flows.errors import ConfigError

DEFAULT_NAME = "parallax"
PREFECT_DIR = ".parallax-prefect"
SERVER_LOG = "server.log"
STARTUP_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 15.0
EXTERNAL_CHECK_TIMEOUT_S = 10.0

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.IGNORECASE)


class ServerError(Exception):
    """The Prefect server could not be started or reached."""


def parse_interval(text: str) -> timedelta:
    """A duration such as "90s", "30m", "2h", "1d" or "300" (seconds) as a timedelta."""
    match = _DURATION.match(text)
    seconds = float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()] if match else 0.0
    if seconds <= 0:
        raise ConfigError(
            f"--interval takes a positive duration such as 90s, 30m, 2h, 1d or seconds, "
            f"not {text!r}"
        )
    return timedelta(seconds=seconds)


def check_cron(expression: str) -> str:
    """The cron expression, if Prefect's scheduler accepts it."""
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    try:
        CronSchedule(cron=expression)
    except ValidationError as err:
        raise ConfigError(
            f"--cron: {expression!r} is not a cron expression Prefect accepts"
        ) from err
    return expression


@dataclass(frozen=True)
class Schedule:
    """When the deployment runs: a cron expression or a fixed interval, exactly one."""

    cron: str | None = None
    interval: timedelta | None = None

    @classmethod
    def parse(cls, cron: str | None, interval: str | timedelta | None) -> Schedule:
        """Check that exactly one of cron and interval is given, and that it is valid."""
        if (cron is None) == (interval is None):
            raise ConfigError("give exactly one of --cron and --interval")
        if cron is not None:
            return cls(cron=check_cron(cron))
        if isinstance(interval, str):
            interval = parse_interval(interval)
        return cls(interval=interval)

    def describe(self) -> str:
        if self.interval is not None:
            return f"every {format_duration(self.interval)}"
        return f"cron '{self.cron}' (UTC)"

    def serve_arguments(self) -> dict[str, Any]:
        """The cron= or interval= argument of Flow.serve."""
        if self.cron is not None:
            return {"cron": self.cron}
        return {"interval": self.interval}


def format_duration(delta: timedelta) -> str:
    """A duration in the largest unit that divides it: 1d, 2h, 30m, 90s."""
    seconds = delta.total_seconds()
    for unit, size in sorted(_UNITS.items(), key=lambda item: -item[1]):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def serve_pipeline(
    name: str,
    *,
    cron: str | None = None,
    interval: str | timedelta | None = None,
    parameters: dict[str, Any],
    limit: int | None = None,
) -> None:
    """Serve the pipeline flow as deployment `pipeline/<name>` until Ctrl-C or SIGTERM."""
    from prefect.types.entrypoint import EntrypointType

    from parallax.flows.pipeline import pipeline

    schedule = Schedule.parse(cron, interval)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        pipeline.serve(
            name=name,
            parameters=parameters,
            limit=limit,
            print_starting_message=False,
            # Runs load the flow by module path: Parallax is installed, so any cwd works.
            entrypoint_type=EntrypointType.MODULE_PATH,
            **schedule.serve_arguments(),
        )
    except SystemExit as done:
        # A second SIGTERM while the runner stops makes Prefect's handler call sys.exit(0);
        # that is still a stop, and the caller has a server to shut down.
        if done.code not in (0, None):
            raise
    finally:
        # Prefect's runner installs its own SIGTERM handler, which exits the process when the
        # runner is no longer running; put back ours so a late SIGTERM still stops cleanly.
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C, so process managers get the same clean stop."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def prefect_home_for(db: str | Path) -> Path:
    """Where a started Prefect server keeps its state: beside the database."""
    return Path(db).resolve().parent / PREFECT_DIR


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def api_healthy(api_url: str, timeout_s: float = 2.0) -> bool:
    """Whether a Prefect API answers its health check."""
    try:
        # trust_env=False: a proxy from the environment must not carry loopback calls away.
        reply = httpx.get(f"{api_url.rstrip('/')}/health", timeout=timeout_s, trust_env=False)
    except httpx.HTTPError:
        return False
    return reply.status_code == 200


def _log_tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text("utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


class PrefectServer:
    """The Prefect API this process talks to: PREFECT_API_URL's, or a server it starts.

    With PREFECT_API_URL set, its server is checked and used, and nothing is started.
    Otherwise `prefect server start` runs on a free loopback port with PREFECT_HOME in `home`
    (its SQLite database and log live there), and PREFECT_API_URL points at it until exit,
    when the server is stopped and the environment restored.
    """

    def __init__(
        self,
        home: str | Path,
        *,
        startup_timeout_s: float = STARTUP_TIMEOUT_S,
        stop_timeout_s: float = STOP_TIMEOUT_S,
    ) -> None:
        self.home = Path(home).resolve()
        self.startup_timeout_s = startup_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self.url = os.environ.get("PREFECT_API_URL") or ""
        self.started = False
        self.process: subprocess.Popen[bytes] | None = None
        self.pid: int | None = None  # the started server's, kept after it stops
        self._stack = contextlib.ExitStack()

    @property
    def log_path(self) -> Path:
        return self.home / SERVER_LOG

    def __enter__(self) -> PrefectServer:
        if self.url:
            if not api_healthy(self.url, EXTERNAL_CHECK_TIMEOUT_S):
                raise ServerError(f"no Prefect server answers at PREFECT_API_URL={self.url}")
            return self
        with contextlib.ExitStack() as stack:
            stack.callback(self._stop)  # a failed or interrupted start leaves nothing behind
            self._wait_until_healthy(self._start())
            stack.enter_context(use_api_url(self.url))
            self._stack = stack.pop_all()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stack.close()

    def _start(self) -> subprocess.Popen[bytes]:
        self.home.mkdir(parents=True, exist_ok=True)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/api"
        command = [*_prefect_command(), "server", "start", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--no-ui"]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own prefect, fixed arguments
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self._server_environment(),
                cwd=self.home,
                # A session of its own: Ctrl-C in the terminal reaches Parallax only, which
                # stops the runner (pausing the schedule on this server) before the server.
                start_new_session=True,
            )
        self.started, self.pid = True, self.process.pid
        return self.process

    def _server_environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("PREFECT_API_URL", None)
        env.update(
            PREFECT_HOME=str(self.home),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            DO_NOT_TRACK="1",
            PREFECT_SERVER_UI_ENABLED="false",
            # The log file is read only when something goes wrong: keep warnings and errors.
            PREFECT_LOGGING_LEVEL="WARNING",
            PREFECT_SERVER_LOGGING_LEVEL="WARNING",
        )
        return env

    def _wait_until_healthy(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        while not api_healthy(self.url):
            if process.poll() is not None:
                raise ServerError(
                    f"the Prefect server exited with status {process.returncode} "
                    f"before it was ready; the end of {self.log_path}:\n" + _log_tail(self.log_path)
                )
            if time.monotonic() > deadline:
                raise ServerError(
                    f"the Prefect server at {self.url} did not answer within "
                    f"{self.startup_timeout_s:g}s; the end of {self.log_path}:\n"
                    + _log_tail(self.log_path)
                )
            time.sleep(0.5)

    def _stop(self) -> None:
        """SIGTERM to the server's process group; SIGKILL if it has not gone in time."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(self.stop_timeout_s)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait(self.stop_timeout_s)


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


@contextlib.contextmanager
def use_api_url(url: str) -> Iterator[None]:
    """PREFECT_API_URL for this process's Prefect settings and for every child process."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    saved = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = url
    try:
        # Prefect read its settings at import; the environment alone no longer changes them.
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield
    finally:
        if saved is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = saved


def _prefect_command() -> list[str]:
    """The `prefect` script of this interpreter's environment, else `python -m prefect`."""
    script = Path(sys.executable).parent / "prefect"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "prefect"]
