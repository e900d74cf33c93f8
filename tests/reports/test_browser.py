"""The HTML report in a real browser: headless Chromium renders every section, the page logs
nothing to the console, and it draws a screenshot (kept beside the report in pytest's tmp dir, to
look at).

Chromium is required, not optional: `.ci/run` installs Debian's chromium package, and a missing
browser fails these tests rather than skipping them. It never reaches the network: the report has
no external resources, background networking is off, no host name resolves, and every request
goes to a proxy on a closed loopback port.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import pytest

from parallax.reports.render import write_report
from tests.reports.sample import compared

TIMEOUT = 60  # seconds for one Chromium run
SCREENSHOT_MIN_BYTES = 20_000  # a blank or broken page compresses to far less
SECTIONS = ["summary", "seed", "outlets", "stories", "claims", "exclusive", "timeline", "quotes",
            "framing", "coverage", "neighbours", "run"]  # fmt: skip
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    # Chromium still tries its own update and account URLs; with no name resolving and this
    # dead proxy (port 9, discard, closed), not even an IP literal gets out.
    "--proxy-server=http://127.0.0.1:9",
]
# Chromium 156 logs every console message of a page, whatever its level, as
#   [pid:tid:date:INFO:CONSOLE:1] "Uncaught Error: boom", source: file:///…/page.html (1)
# (older releases wrote "INFO:CONSOLE(1)]"). The line carries no level, so every console line
# from the report counts: the report has no scripts, so any message at all is a fault, such as
# an uncaught exception, a blocked resource or a policy violation. Chromium's own noise (D-Bus,
# GPU, sandbox) never has a CONSOLE tag and is ignored.
CONSOLE = re.compile(r':CONSOLE[:(]\d*\)?\]\s*"(?P<message>.*)", source: (?P<source>\S*)')


@dataclass(frozen=True)
class BrowserRun:
    """What one Chromium run printed."""

    stdout: str
    stderr: str


def chromium() -> str:
    """The Chromium executable; fails the test, with how to get it, when there is none."""
    found = shutil.which("chromium")
    if found is None:
        pytest.fail(
            "chromium is not installed: `.ci/run` installs Debian's chromium "
            "(apt-get install chromium) before `make test`; install it the same way to run the "
            "browser tests",
            pytrace=False,
        )
    return found


def run_chromium(profile: Path, *args: str) -> BrowserRun:
    """Run headless Chromium once, in its own process group, killed whole after TIMEOUT."""
    command = [chromium(), *FLAGS, f"--user-data-dir={profile}", *args]
    env = os.environ | {"HOME": str(profile)}  # nothing written to the real home
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"chromium did not finish within {TIMEOUT} s: {command}", pytrace=False)
    finally:
        # Helpers (crashpad, a zygote) can outlive the browser by a moment: end the group we made.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0, f"chromium exited {process.returncode}:\n{stderr[-3000:]}"
    return BrowserRun(stdout, stderr)


def console_messages(stderr: str, page: str) -> list[str]:
    """The console lines the page at this URL logged, and any uncaught error in it."""
    found = []
    for line in stderr.splitlines():
        match = CONSOLE.search(line)
        from_page = match is not None and match["source"] in ("", page)
        if from_page or ("Uncaught" in line and page in line):
            found.append(line)
    return found


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report with every section, written to its own directory."""
    return write_report(compared(), tmp_path_factory.mktemp("report")).html


@pytest.fixture(scope="module")
def dumped(report: Path, tmp_path_factory: pytest.TempPathFactory) -> BrowserRun:
    """The report's DOM as Chromium built it, with Chromium's log."""
    profile = tmp_path_factory.mktemp("profile")
    return run_chromium(profile, "--enable-logging=stderr", "--v=0", "--dump-dom", report.as_uri())


def test_chromium_renders_every_section(dumped: BrowserRun) -> None:
    dom = lxml.html.document_fromstring(dumped.stdout)
    assert [s.get("id") for s in dom.xpath("//main/section")] == SECTIONS
    assert [a.get("href") for a in dom.xpath("//nav//a")] == [f"#{s}" for s in SECTIONS]
    # Chromium's parser took the inline SVG as SVG: one mark per dated story of the timeline.
    marks = dom.xpath("//section[@id='timeline']//svg//*[contains(@class, 'dot')]")
    dated = [e for e in compared().timeline if e.date_source != "first_seen"]
    assert len(marks) == len(dated)
    assert not dom.xpath("//script | //img | //iframe | //link")


def test_the_report_logs_nothing_to_the_console(dumped: BrowserRun, report: Path) -> None:
    assert console_messages(dumped.stderr, report.as_uri()) == []


def test_the_console_check_sees_a_page_that_fails(tmp_path: Path) -> None:
    # Proves the check above can fail on this Chromium: its log format is what CONSOLE expects.
    page = tmp_path / "broken.html"
    page.write_text(
        '<!doctype html><title>broken</title><script>console.error("parallax-canary");'
        'throw new Error("parallax-uncaught");</script>',
        encoding="utf-8",
    )
    run = run_chromium(
        tmp_path / "profile", "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri()
    )
    messages = console_messages(run.stderr, page.as_uri())
    assert any("parallax-canary" in line for line in messages), run.stderr[-3000:]
    assert any("Uncaught Error: parallax-uncaught" in line for line in messages)


def test_chromium_draws_the_report(report: Path, tmp_path: Path) -> None:
    screenshot = report.parent / "report.png"
    run_chromium(
        tmp_path / "profile",
        f"--screenshot={screenshot}",
        "--window-size=1280,3000",
        "--hide-scrollbars",
        report.as_uri(),
    )
    assert screenshot.exists()
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > SCREENSHOT_MIN_BYTES
