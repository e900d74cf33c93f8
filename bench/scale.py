"""Scale: the real pipeline on synthetic sites of 1,000 to 100,000 stories.

    python bench/scale.py [--sizes 1000 10000 100000] [--embed-up-to 10000] [--event-share 0.06]
                          [--related-share R]

Each size runs in a process of its own (so its peak memory is its own): bench/scale_site.py
writes a site of size/100 outlets (pages with a news site's chrome, which extract at the 30 a
second of real ones), served on loopback with a host map from a process of its own; then, in
the measured process,

  cold          `parallax run` on it as the CLI runs it: ingest, embed, cluster, compare, report
  rerun         the same run again with nothing new (every stage reads what is stored)
  raw model     the embedding model encoding a sample of the same lead texts, in this process
                (distinct leads of stories drawn at random from the window)
  serial        a plain loop downloading and extracting a sample of the same pages, one by one

Above --embed-up-to stories, embedding every lead would take hours on two cores: the run is
then preceded by an ingest, and each stored story gets a vector derived from the demo story it
was varied from (that story's lead embedded once, plus a little noise, normalised). The embed
stage then finds every vector stored, and every other stage runs for real; the printout says
which sizes did so. It prints, per size: each stage's seconds and their growth exponent from
the size before (log of the ratio of times over log of the ratio of sizes: 1 is linear, 2
quadratic), peak memory (the process's maximum resident set), the embed stage's throughput as
a ratio of the raw model's, the rerun as a share of the cold run, and ingest's throughput as a
ratio of cores x the serial loop's.

The window's composition: --event-share of the stories retell the seed's event; by default the
others retell the demo's other stories alike, so that more than half of the window retells a
related event (the leaders' other meetings, NATO's meeting the day before): a hard window, the
same at every size. --related-share R instead makes R of the stories retell related events and
the rest unrelated ones, as in a week of a thousand outlets, where one crisis is a few percent
of what they publish and an event a few hundred to a thousand stories.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

STAGES = ("ingest", "embed", "cluster", "compare", "report")


def one(
    size: int,
    work: Path,
    embed_up_to: int,
    event: int,
    sample: int,
    model: str | None = None,
    related: int | None = None,
) -> dict[str, Any]:
    """Build, serve and run one size; the figures as a dict (run in a process of its own, or in
    a test, as tests/bench/test_scale.py does at the smallest size)."""
    from parallax.flows import runtime

    runtime.prepare()
    import numpy as np
    import scale_site  # bench/scale_site.py, beside this file

    from parallax.analysis.embed import Embedder
    from parallax.connectors.articles import extract_page
    from parallax.connectors.http import HttpClient, HttpConfig
    from parallax.flows.ingest import ingest_sources
    from parallax.flows.pipeline import Request, run_pipeline
    from parallax.flows.resources import DEMO_EVENT, DEMO_SEED_NAME, bundled_seeds
    from parallax.flows.settings import load_settings
    from parallax.flows.stages import window_texts
    from parallax.storage import Store
    from parallax.storage.query import run_query

    built = time.perf_counter()
    composition = scale_site.build(work, size, max(1, size // 100), event, 3.0, related=related)
    built_s = time.perf_counter() - built
    db = work / "scale.duckdb"
    derived = size > embed_up_to
    with scale_site.served(work / "site") as host_map:
        overrides: dict[str, Any] = {
            **scale_site.ingest_overrides(db, host_map),
            **({"embed.model": model} if model else {}),
        }
        settings = load_settings(overrides=overrides)
        model = settings.embed.model
        params = {
            "db": str(db),
            "report_dir": str(work / "report"),
            "overrides": overrides,
        }
        seed = str(bundled_seeds()[DEMO_SEED_NAME])
        ingest_s = 0.0
        if derived:
            began = time.perf_counter()
            ingested = ingest_sources(work / "sources.toml", overrides=overrides)
            ingest_s = time.perf_counter() - began
            derive_vectors(db, model, scale_site.demo_bases(), Embedder(model))
        began = time.perf_counter()
        cold = run_pipeline(str(work / "sources.toml"), seed, **params)
        cold_s = time.perf_counter() - began
        began = time.perf_counter()
        rerun = run_pipeline(str(work / "sources.toml"), seed, **params)
        rerun_s = time.perf_counter() - began
        win = Request(seed, str(db), overrides=overrides).window(settings)
        with Store(db) as store:
            stories, _ = store.window_stories(win.start, win.end, texts=False)
            # The texts the embed stage embedded: distinct leads of the window, drawn at random
            # (the first stories by time would be those of one part of the window).
            drawn = random.Random(0).sample(stories, min(len(stories), 2 * sample))
            distinct = {t.lead: t for _, t in window_texts(store, drawn)}
            sampled = list(distinct.values())[:sample]
        found = {
            row[0]
            for row in run_query(
                db,
                "SELECT url FROM cluster_members WHERE clustering_id = ? AND in_event",
                params=[cold.cluster["clustering_id"]],
            ).rows
        }
        events = json.loads((work / "labels.json").read_text())
        labelled = {url for url, event in events.items() if event == DEMO_EVENT}
        leads = [t.lead for t in sampled]
        embedder = Embedder(model)
        embedder.encode(leads[:4])  # load the model before timing it
        began = time.perf_counter()
        embedder.encode(leads)
        raw_rate = len(leads) / (time.perf_counter() - began)
        pages = [p for p in sorted((work / "site").rglob("story/*.html"))][:sample]
        config = HttpConfig(allow_private_network=True, per_host_delay_s=0.0, host_map=host_map)
        began = time.perf_counter()
        with HttpClient(config) as client:
            for page in pages:
                host = page.relative_to(work / "site").parts[0]
                url = f"http://{host}/{page.relative_to(work / 'site' / host)}"
                extract_page(client.fetch(url).body, url)
        serial_rate = len(pages) / (time.perf_counter() - began)
    seconds = dict(cold.seconds)
    if derived:
        seconds["ingest"] = ingest_s
        stored = ingested.articles_stored
    else:
        stored = cold.ingest.get("articles_stored", 0)
    embedded = cold.embed.get("embedded", 0)
    return {
        "size": size,
        "derived": derived,
        "related": composition["related"],
        "built_s": round(built_s, 1),
        "seconds": {k: round(seconds.get(k, 0.0), 2) for k in STAGES},
        "cold_s": round(cold_s, 1),
        "rerun_s": round(rerun_s, 1),
        "rerun_stages": {k: round(v, 2) for k, v in rerun.seconds.items()},
        "event": cold.cluster.get("event_stories"),
        "event_recall": len(found & labelled) / len(labelled),
        "event_precision": len(found & labelled) / len(found) if found else 0.0,
        # Stories wrongly in the event, by the demo event they retell: the leaders' other
        # meetings are hard; an unrelated story never should be.
        "event_intruders": dict(Counter(events[url] for url in found - labelled)),
        "rerun_reused": bool(rerun.cluster.get("reused") and rerun.compare.get("reused")),
        "rerun_stored": rerun.ingest.get("articles_stored", 0),
        "extract_processes": (
            ingested.extract_processes if derived else cold.ingest.get("extract_processes")
        ),
        "window": cold.cluster.get("stories"),
        "clusters": cold.cluster.get("clusters"),
        "stored": stored,
        "embedded": embedded,
        "embed_rate": embedded / seconds["embed"] if embedded and seconds.get("embed") else None,
        "raw_rate": raw_rate,
        "ingest_rate": stored / seconds["ingest"] if seconds.get("ingest") else None,
        "serial_rate": serial_rate,
        "cores": os.cpu_count(),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "np": np.__version__,
    }


def derive_vectors(db: Path, model: str, bases: list[Any], embedder: Any) -> None:
    """Give each stored story the vector of the demo story it was varied from (its lead embedded
    once), plus noise: what embedding 100,000 stories would take hours to give."""
    from datetime import UTC, datetime

    import numpy as np

    from parallax.analysis.text import text_hash
    from parallax.flows.stages import story_texts, window_texts
    from parallax.storage import Store

    lead_of = {b.title: story_texts(b.title, "\n\n".join(b.paragraphs)).lead for b in bases}
    titles = sorted(lead_of)
    base_vectors = dict(zip(titles, embedder.encode([lead_of[t] for t in titles]), strict=True))
    rng = np.random.default_rng(5)
    everything = (datetime(1970, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    with Store(db) as store:
        # Texts a batch at a time, as the stages read them: this process's peak is measured.
        stories, _ = store.window_stories(*everything, texts=False)
        hashes, vectors = [], []
        for story, cut in window_texts(store, stories):
            base = base_vectors.get(story.title)
            if base is None:
                continue
            vector = base + rng.normal(0, 0.01, base.shape).astype(np.float32)
            hashes.append(text_hash(cut.lead))
            vectors.append(vector / np.linalg.norm(vector))
        store.store_embeddings(model, hashes, np.asarray(vectors, dtype=np.float32))


def exponent(a: dict[str, Any], b: dict[str, Any], stage: str) -> str:
    ta, tb = a["seconds"][stage], b["seconds"][stage]
    if ta <= 0.05 or tb <= 0.05:
        return "  -  "
    return f"{math.log(tb / ta) / math.log(b['size'] / a['size']):5.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--embed-up-to", type=int, default=10_000)
    parser.add_argument(
        "--event-share",
        type=float,
        default=0.06,
        help="share of the stories on the seed's event (60 of 1,000): the same at every size, "
        "so that sizes differ in scale, not in what the window holds",
    )
    parser.add_argument(
        "--related-share",
        type=float,
        help="share of the stories retelling the demo's related events, the rest unrelated "
        "(default: the other stories drawn from related and unrelated demo stories alike, "
        "about 55%% related)",
    )
    parser.add_argument("--sample", type=int, default=500, help="texts and pages for baselines")
    parser.add_argument("--model", help="embedding model (default: [embed] model)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        event = round(args.one * args.event_share)
        related = None if args.related_share is None else round(args.one * args.related_share)
        figures = one(
            args.one, args.work, args.embed_up_to, event, args.sample, args.model, related
        )
        print("FIGURES " + json.dumps(figures, default=str))
        return 0
    results = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix=f"scale-{size}-") as tmp:
            command = [sys.executable, __file__, "--one", str(size), "--work", tmp]
            command += ["--embed-up-to", str(args.embed_up_to)]
            command += ["--event-share", str(args.event_share)]
            if args.related_share is not None:
                command += ["--related-share", str(args.related_share)]
            command += ["--sample", str(args.sample)] + (
                ["--model", args.model] if args.model else []
            )
            done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
            line = next((x for x in done.stdout.splitlines() if x.startswith("FIGURES ")), None)
            if done.returncode or line is None:
                print(f"size {size} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
                return 1
            results.append(json.loads(line.removeprefix("FIGURES ")))
            report(results)
    return 0


def report(results: list[dict[str, Any]]) -> None:
    print(
        "\nstories  vectors   " + "  ".join(f"{s:>8}" for s in STAGES) + "    cold  rerun  peak MB"
    )
    for r in results:
        print(
            f"{r['size']:>7}  {'derived' if r['derived'] else 'real':>7}   "
            + "  ".join(f"{r['seconds'][s]:8.1f}" for s in STAGES)
            + f"  {r['cold_s']:6.1f} {r['rerun_s']:6.1f}  {r['peak_mb']:7.0f}"
        )
    for a, b in itertools.pairwise(results):
        print(
            f"growth {a['size']}->{b['size']}: "
            + "  ".join(f"{s} {exponent(a, b, s)}" for s in STAGES)
        )
    for r in results:
        embed = (
            "embed: vectors derived (the stage embeds the seed alone)"
            if r["derived"] or not r["embed_rate"]
            else f"embed {r['embed_rate'] / r['raw_rate']:.2f} of the raw model "
            f"({r['embed_rate']:.1f} vs {r['raw_rate']:.1f} texts/s)"
        )
        ingest = (
            f"ingest {r['ingest_rate'] / (r['cores'] * r['serial_rate']):.2f} of cores x serial "
            f"({r['ingest_rate']:.1f} vs {r['cores']} x {r['serial_rate']:.1f} pages/s)"
            if r["ingest_rate"]
            else "ingest: -"
        )
        rerun = ", ".join(f"{k} {v:.1f}" for k, v in r["rerun_stages"].items())
        print(
            f"{r['size']}: window {r['window']} ({r['related']} retelling related events), "
            f"event {r['event']} (recall of the labelled "
            f"{r['event_recall']:.2f}, precision {r['event_precision']:.2f}; in it wrongly: "
            f"{r['event_intruders'] or 'none'}), "
            f"clusters {r['clusters']}; extraction in {r['extract_processes']} processes; "
            f"{embed}; rerun {r['rerun_s'] / r['cold_s']:.0%} of cold ({rerun} s"
            f"{', clustering and comparison reused' if r['rerun_reused'] else ''}); {ingest}"
        )


if __name__ == "__main__":
    sys.exit(main())
