"""Ingest throughput on the demo site, as ratios against baselines run in this same process.

    python bench/ingest_throughput.py [--repeat 3]

The machine is shared and noisy, so absolute seconds mean little; each figure is printed next
to a baseline measured minutes apart at most, in the same process:

  download only     a plain httpx client fetching every feed and article page in turn
  extract only      trafilatura on the pages already in memory
  ingest flow       `parallax ingest` as the CLI runs it (Prefect flow, tasks, DuckDB writes),
                    with the Prefect server already up, so start-up is not counted

and, for the flow, the share of its summed stage time spent downloading, extracting, storing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parallax.flows import runtime

runtime.prepare()

from parallax.connectors.articles import extract_page  # noqa: E402
from parallax.connectors.feeds import parse_feed  # noqa: E402
from parallax.flows.demo_site import DEMO_SOURCES, DemoSite  # noqa: E402
from parallax.flows.sources import load_sources  # noqa: E402


def download_all(site: DemoSite) -> tuple[float, dict[str, bytes]]:
    """Fetch every feed, then every article page, one at a time; return seconds and pages."""
    began = time.perf_counter()
    pages: dict[str, bytes] = {}
    with httpx.Client(transport=httpx.HTTPTransport(), trust_env=False) as client:
        for outlet in load_sources(DEMO_SOURCES):
            for feed in outlet.feeds:
                host = httpx.URL(feed).host
                body = client.get(
                    feed.replace(f"http://{host}", f"http://127.0.0.1:{site.port}"),
                    headers={"Host": host},
                ).content
                for entry in parse_feed(body, feed).entries:
                    if entry.url in pages:
                        continue
                    host = httpx.URL(entry.link).host
                    local = entry.link.replace(f"http://{host}", f"http://127.0.0.1:{site.port}")
                    pages[entry.url] = client.get(local, headers={"Host": host}).content
    return time.perf_counter() - began, pages


def extract_all(pages: dict[str, bytes]) -> float:
    began = time.perf_counter()
    for url, html in pages.items():
        extract_page(html, url)
    return time.perf_counter() - began


def flow_once(site: DemoSite, workers: int) -> tuple[float, dict[str, float], int]:
    from parallax.flows.ingest import ingest

    with tempfile.TemporaryDirectory() as tmp:
        overrides = {
            "http.host_map": site.host_map(),
            "http.allow_private_network": True,
            "http.per_host_delay_s": 0.0,
            "ingest.workers": workers,
        }
        began = time.perf_counter()
        summary = ingest(
            sources=str(DEMO_SOURCES), db=str(Path(tmp) / "bench.duckdb"), overrides=overrides
        )
        return time.perf_counter() - began, summary.seconds, summary.articles_stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with DemoSite() as site:
        flow_once(site, 8)  # warm-up: starts Prefect's server, compiles dateparser, fills caches
        downloads, extracts, flows, stages = [], [], [], []
        for _ in range(args.repeat):
            seconds, pages = download_all(site)
            downloads.append(seconds)
            extracts.append(extract_all(pages))
            wall, parts, stored = flow_once(site, 8)
            flows.append(wall)
            stages.append(parts)
        n = len(pages)
    base, ext, flow = (statistics.median(x) for x in (downloads, extracts, flows))
    print(f"ingest throughput on the demo site: {n} articles, median of {args.repeat} runs")
    print(f"{'':28}{'seconds':>9}{'articles/s':>12}{'x download-only':>17}")
    for name, secs in (
        ("download only (baseline)", base),
        ("extract only", ext),
        ("download + extract", base + ext),
        ("ingest flow, 8 workers", flow),
    ):
        print(f"{name:28}{secs:9.2f}{n / secs:12.1f}{base / secs:17.2f}")
    summed = {
        k: statistics.median(s.get(k, 0.0) for s in stages)
        for k in ("download", "extract", "store")
    }
    total = sum(summed.values())
    shares = ", ".join(f"{k} {v / total:.0%}" for k, v in summed.items())
    print(f"flow stage time summed over workers: {total:.2f} s ({shares})")
    print(f"flow articles stored per run: {stored}")


if __name__ == "__main__":
    main()
    # Skip interpreter teardown (see flows.cli.console_main): exit handlers first, then leave.
    import atexit
    import os

    atexit._run_exitfuncs()
    sys.stdout.flush()
    os._exit(0)
