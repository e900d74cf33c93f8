"""Check that the wheel is the product: build it, install it outside the checkout, run the demo.

1. `pip wheel` builds Parallax's wheel; only `parallax` (and its .dist-info) may sit at its top,
   and the shipped data (defaults, seeds, demo site, report templates) must be inside.
2. A fresh virtualenv in a temporary folder gets the wheel with constraints.txt.
3. From an empty folder there: `parallax --version`, every command's `--help`, `parallax demo`
   (report and database written, the report naming no machine path), and `parallax run` on the
   bundled seed and sources against the demo site served by `parallax demo --serve`.

Prints the wheel's size and the time from a fresh virtualenv to a finished demo. Exits 1 with
the reason on the first check that fails. Usage: python scripts/check_wheel.py [--keep]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = "blinken-lavrov-stockholm-2021-12-02"
SHIPPED = (
    "parallax/config/parallax.toml",
    "parallax/config/sources.toml",
    f"parallax/config/seeds/{SEED}.txt",
    f"parallax/config/seeds/{SEED}.toml",
    "parallax/config/demo/sources.toml",
    "parallax/config/demo/site/northwire.example/robots.txt",
    "parallax/reports/templates/report.html.j2",
    "parallax/reports/templates/report.md.j2",
    "parallax/py.typed",
)


class CheckFailed(Exception):
    """One check of the installed wheel did not hold."""


def run(command: Sequence[str | Path], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    """Run a command; its stdout, or CheckFailed with its output when it exits non-zero."""
    done = subprocess.run(  # noqa: S603 - our own commands
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        shown = " ".join(str(part) for part in command)
        raise CheckFailed(
            f"`{shown}` exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return done.stdout


def build_wheel(out: Path, env: dict[str, str]) -> Path:
    """The wheel of the checkout, and a check of what it holds."""
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, ROOT], ROOT, env)
    (wheel,) = out.glob("parallax-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/", 1)[0] for name in names}
    extra = sorted(top for top in tops if top != "parallax" and not top.endswith(".dist-info"))
    if extra:
        raise CheckFailed(f"the wheel puts more than `parallax` at the top: {extra}")
    missing = [path for path in SHIPPED if path not in names]
    if missing:
        raise CheckFailed(f"the wheel lacks shipped data: {missing}")
    site = sum(1 for name in names if name.startswith("parallax/config/demo/site/"))
    in_tree = sum(1 for p in (ROOT / "config/demo/site").rglob("*") if p.is_file())
    if site != in_tree:
        raise CheckFailed(f"the wheel holds {site} demo site files of {in_tree}")
    return wheel


def commands(parallax: Path, cwd: Path, env: dict[str, str]) -> list[str]:
    """The subcommands `parallax --help` lists."""
    text = run([parallax, "--help"], cwd, env)
    listed = text.split("Commands:", 1)[1]
    return re.findall(r"^  ([a-z][a-z-]*)\s", listed, flags=re.MULTILINE)


def check_outputs(work: Path, db: str, report_dir: str, parallax: Path, env: dict[str, str]) -> int:
    """The run wrote its database and report; the report names no folder of this machine."""
    html = work / report_dir / "report.html"
    for path in (work / db, html, work / report_dir / "report.md"):
        if not path.is_file() or path.stat().st_size == 0:
            raise CheckFailed(f"{path} was not written")
    page = html.read_text(encoding="utf-8")
    for folder in (str(work), str(ROOT), "site-packages"):
        if folder in page:
            raise CheckFailed(f"{html} names a machine path ({folder})")
    count = run(
        [parallax, "sql", "SELECT count(*) FROM event_coverage", "--db", db, "--format", "csv"],
        work,
        env,
    )
    stories = int(count.split()[-1])
    if stories == 0:
        raise CheckFailed(f"{db} holds no event coverage")
    return stories


def run_served(parallax: Path, work: Path, env: dict[str, str]) -> int:
    """`parallax run` with the bundled sources and seed, against `parallax demo --serve`."""
    config = work / "demo-site.toml"
    server = subprocess.Popen(  # noqa: S603
        [str(parallax), "demo", "--serve", "--site-config", str(config)],
        cwd=work,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not config.exists():
            if server.poll() is not None or time.monotonic() > deadline:
                raise CheckFailed("`parallax demo --serve` wrote no demo-site.toml")
            time.sleep(0.2)
        time.sleep(0.2)  # the file is written in one call; let it land
        # On a copy of the demo's database: the stories are the same, so the run embeds nothing
        # again (a minute on two cores), while it still polls the served site, clusters,
        # compares and reports through the bundled sources and seed.
        shutil.copyfile(work / "demo.duckdb", work / "run.duckdb")
        command = [parallax, "--config", config, "run", "--sources", "demo", "--seed", SEED]
        run([*command, "--db", "run.duckdb", "--report-dir", "run-report"], work, env)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return check_outputs(work, "run.duckdb", "run-report", parallax, env)


def check(tmp: Path) -> None:
    """Every check, in order; prints the figures as it goes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    began = time.perf_counter()
    wheel = build_wheel(tmp / "dist", env)
    print(f"wheel      {wheel.name}: {wheel.stat().st_size / 1e6:.2f} MB")

    fresh = time.perf_counter()
    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", venv], tmp, env)
    pip = [venv / "bin" / "python", "-m", "pip", "install", "-q", "-c", ROOT / "constraints.txt"]
    run([*pip, wheel], tmp, env, timeout=1200)
    installed = time.perf_counter()
    print(f"install    {installed - fresh:.1f} s: a fresh virtualenv with the wheel")

    work = tmp / "work"
    work.mkdir()
    parallax = venv / "bin" / "parallax"
    where = run(
        [venv / "bin" / "python", "-c", "import parallax; print(parallax.__file__)"], work, env
    )
    if not where.strip().startswith(str(venv)):
        raise CheckFailed(f"parallax was imported from {where.strip()}, not the virtualenv")
    version = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    if version not in run([parallax, "--version"], work, env):
        raise CheckFailed(f"`parallax --version` does not say {version}")
    names = commands(parallax, work, env)
    for name in names:
        run([parallax, name, "--help"], work, env)
    print(f"help       --version and --help of {len(names)} commands: {', '.join(names)}")

    demo_began = time.perf_counter()
    run([parallax, "demo"], work, env)
    stories = check_outputs(work, "demo.duckdb", "demo-report", parallax, env)
    done = time.perf_counter()
    print(
        f"demo       {done - demo_began:.1f} s, {stories} event stories; from a fresh virtualenv "
        f"to a finished demo {done - fresh:.1f} s (install {installed - fresh:.1f} s)"
    )
    stories = run_served(parallax, work, env)
    print(f"run        bundled sources `demo` and seed {SEED}, served: {stories} event stories")
    print(f"all        {time.perf_counter() - began:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--keep", action="store_true", help="Keep the temporary folder.")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="parallax-wheel-"))
    try:
        check(tmp)
    except CheckFailed as err:
        print(f"check_wheel: {err}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept       {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
