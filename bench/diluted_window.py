"""Event finding on real coverage when the window is mostly other news: the devsets diluted.

    python bench/diluted_window.py [--times 0 10 40] [--work DIR] [--devsets DIR]

The devsets' windows hold an event, its neighbours and a few unrelated stories; a week of a
thousand outlets is mostly news on other things. This bench asks whether the event the pipeline
finds depends on what else the window holds, on real published coverage:

1. bench/real_coverage.py runs the real pipeline on each corpus served on loopback, keeping its
   databases in --work (a temporary folder by default; an existing --work is reused).
2. In this process, for each corpus and each N of --times, the corpus's window is clustered
   again with the real `cluster_around_seed`, its stored vectors and the settings of the
   corpus's config (run real_coverage without --set), after every story of the other corpora
   (real news of other events, in their own languages) is added N times, each copy with its
   own URL and a time drawn uniformly in the window.

It prints, per corpus and N, the window's size, the event's precision, recall and F1 over the
corpus's labels (English and all languages, borderline left out), the share of hard negatives
(the same actors on other dates) placed in the event, and how many added stories joined it.
N = 0 must give the pipeline's own event, and is checked against the stored clustering.
Quality, not time: the figures are the same on any machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from real_coverage import DEFAULT_DEVSETS, Label, RunOutcome, leak_text, score

from parallax.analysis.cluster import Embedded, cluster_around_seed
from parallax.analysis.records import Story
from parallax.flows.pipeline import Request
from parallax.flows.settings import Settings
from parallax.flows.stages import Window, window_vectors
from parallax.storage import Store

BENCH = Path(__file__).resolve().parent


@dataclass
class Corpus:
    """One corpus as the pipeline left it: its window, settings, vectors and labels."""

    name: str
    win: Window
    settings: Settings
    stories: list[Story]
    seed: Embedded
    vectors: dict[str, Embedded]
    labels: dict[str, Label]
    event: set[str]  # the pipeline's own


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--times", type=int, nargs="+", default=[0, 10, 40], metavar="N")
    parser.add_argument("--work", type=Path, help="bench/real_coverage.py's --work folder")
    parser.add_argument("--devsets", type=Path, default=DEFAULT_DEVSETS)
    return parser.parse_args(argv)


def pipeline_runs(work: Path, devsets: Path) -> list[Path]:
    """Each corpus's run folder (database and served site), running the pipeline if needed."""
    runs = sorted(p.parent for p in work.glob("*/base/run.duckdb"))
    if not runs:
        command = [sys.executable, str(BENCH / "real_coverage.py")]
        command += ["--work", str(work), "--devsets", str(devsets)]
        subprocess.run(command, check=True)  # noqa: S603 (this interpreter, our bench)
        runs = sorted(p.parent for p in work.glob("*/base/run.duckdb"))
    if len(runs) < 2:
        raise SystemExit(f"diluted_window: need two corpora's runs in {work}, found {len(runs)}")
    return runs


def load(run: Path) -> Corpus:
    """A corpus's window and vectors, read from its database with the settings it ran with."""
    site = run / "site"
    request = Request(
        str(site / "seed.txt"), str(run / "run.duckdb"), config=str(site / "parallax.toml")
    )
    settings = request.settings()
    win = request.window(settings)
    with Store(run / "run.duckdb") as store:
        found = window_vectors(store, settings, win)
        clustering = store.latest_clustering_id(win.seed.seed_id)
        if clustering is None:
            raise SystemExit(f"diluted_window: {run} holds no clustering")
        event, _ = store.event_stories(clustering)
    labels = json.loads((site / "labels.json").read_text(encoding="utf-8"))
    return Corpus(
        run.parent.name,
        win,
        settings,
        found.stories,
        found.seed,
        found.vectors,
        labels,
        {s.url for s in event},
    )


def diluted_event(corpus: Corpus, others: Sequence[Corpus], times: int) -> tuple[int, set[str]]:
    """The window's size and the event found in it with the other corpora's stories added
    `times` times, re-dated into the window."""
    rng = random.Random(7)
    stories, vectors = list(corpus.stories), dict(corpus.vectors)
    span = (corpus.win.end - corpus.win.start).total_seconds()
    for n in range(times):
        for other in others:
            for story in other.stories:
                when = corpus.win.start + timedelta(seconds=rng.uniform(0, span))
                copy = dataclasses.replace(
                    story, url=f"{story.url}#added-{n}", published_at=when, date_source="feed"
                )
                stories.append(copy)
                vectors[copy.url] = other.vectors[story.url]
    clustering = cluster_around_seed(
        corpus.win.seed,
        corpus.seed,
        stories,
        vectors,
        corpus.settings.cluster,
        since=corpus.win.start,
        until=corpus.win.end,
    )
    inside = len(clustering.members) - len(clustering.outside_window)
    return inside, {m.url for m in clustering.members if m.in_event}


def outcome(corpus: Corpus, event: set[str]) -> RunOutcome:
    """The event as real_coverage scores it (every labelled story was stored)."""
    return RunOutcome(
        labels=corpus.labels,
        left_out=set(),
        stored=set(corpus.labels),
        event=event,
        rules={},
        not_stored={},
        seconds={},
        wall_s=0.0,
        window=(str(corpus.win.start), str(corpus.win.end)),
        params={},
        model=corpus.settings.embed.model,
    )


def clear(label: Label) -> bool:
    """Not borderline: the headline figures leave those out, as real_coverage's do."""
    return not label.get("borderline")


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="diluted-") as tmp:
        corpora = [load(run) for run in pipeline_runs(args.work or Path(tmp), args.devsets)]
    for corpus in corpora:
        others = [c for c in corpora if c is not corpus]
        added = sum(len(c.stories) for c in others)
        print(
            f"\n{corpus.name}: {len(corpus.stories)} stories in the window; "
            f"model {corpus.settings.embed.model}; {added} other stories to add per N"
        )
        print(
            f"  {'N':>3}{'window':>8}  {'en P':>5}{'R':>5}{'F1':>5}  {'all P':>5}{'R':>5}{'F1':>5}"
            "  added joined  leaked (all languages)"
        )
        for times in args.times:
            size, event = diluted_event(corpus, others, times)
            if times == 0 and event != corpus.event:
                print(f"  N = 0 differs from the pipeline's event ({len(event ^ corpus.event)})")
                return 1
            run = outcome(corpus, event)
            en = score(run, lambda r: clear(r) and r.get("language") == "en")
            every = score(run, clear)
            joined = sum(1 for u in event if "#added-" in u)
            print(
                f"  {times:3}{size:8}  {en.precision:5.2f}{en.recall:5.2f}{en.f1:5.2f}"
                f"  {every.precision:5.2f}{every.recall:5.2f}{every.f1:5.2f}"
                f"  {joined:12}  {leak_text(every)}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
