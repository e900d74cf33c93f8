"""Memory of the ingest flow over a large run: what it holds of the pages it has fetched.

    python bench/ingest_memory.py [--stories 20000]

Builds a bench/scale_site.py site of --stories pages (one outlet per 100 stories, pages of
some 41 KB whose text is some 5 KB), serves it from a process of its own, and runs the real
ingest flow on it in this process, after a warm-up run on a site of 200 stories (Prefect's
start, the extraction pool's first start). It prints how far the process's peak resident set
grew during the large run, beside the text the run stored: a flow that keeps every fetched
batch until the run ends grows by about that text and more, while pages in flight (each task
thread's batch of downloaded pages waiting for the extraction processes) cost the same at
any size. Run it at two sizes, or on two revisions, to compare. Not a timing: the figures are
memory, the same on a busy machine.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ingest(work: Path, stories: int) -> tuple[int, float]:
    """Build, serve and ingest a site; the articles stored and their text in MB."""
    import scale_site  # bench/scale_site.py, beside this file

    from parallax.flows.ingest import ingest_sources
    from parallax.storage.query import run_query

    scale_site.build(work, stories, max(1, stories // 100), 0, 3.0)
    db = work / "ingest.duckdb"
    with scale_site.served(work / "site") as host_map:
        done = ingest_sources(
            work / "sources.toml", overrides=scale_site.ingest_overrides(db, host_map)
        )
    text = run_query(db, "SELECT sum(strlen(text)) FROM articles").rows[0][0] or 0
    return done.articles_stored, text / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=20_000)
    args = parser.parse_args()
    from parallax.flows import runtime

    runtime.prepare()
    with tempfile.TemporaryDirectory(prefix="ingest-memory-") as tmp:
        ingest(Path(tmp) / "warm", 200)
        before = peak_mb()
        stored, text_mb = ingest(Path(tmp) / "run", args.stories)
        grew = peak_mb() - before
    print(f"{stored} pages stored, {text_mb:.1f} MB of text")
    print(f"peak resident set before the run {before:.0f} MB, grew by {grew:.0f} MB during it")
    print(f"growth / text stored: {grew / text_mb:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
