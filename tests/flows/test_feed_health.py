"""Feed health and the run's verdict: backoff without dropping, validators, Failed by share."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from parallax.connectors import feeds as feeds_module
from parallax.connectors.feeds import poll_feed
from parallax.connectors.http import HttpClient, HttpConfig
from parallax.connectors.records import (
    FeedEntry,
    FeedParse,
    FeedPoll,
    FetchResult,
    FetchStatus,
    Outlet,
    Reason,
)
from parallax.flows.cli import main
from parallax.flows.ingest import IngestFailed, IngestSummary, ingest
from parallax.storage import Store
from parallax.storage.query import run_query
from tests.flows.news_site import FEED_TYPE, OVERRIDES, news_site
from tests.servers import Reply

STEP, CAP = timedelta(minutes=30), timedelta(hours=24)


def ingest_once(sources: Path, db: Path, **overrides: Any) -> tuple[str, IngestSummary]:
    """One real ingest flow run: its final state's name and its summary (Failed or not)."""
    state = ingest(
        sources=str(sources), db=str(db), overrides={**OVERRIDES, **overrides}, return_state=True
    )
    result = state.result(raise_on_failure=False)
    if isinstance(result, IngestFailed):
        return str(state.type.value), result.summary
    assert isinstance(result, IngestSummary), result
    return str(state.type.value), result


def feed_row(db: Path, url: str) -> dict[str, Any]:
    result = run_query(db, "SELECT * FROM feed_health WHERE url = ?", params=[url])
    return dict(zip(result.columns, result.rows[0], strict=True))


# -- backoff: linear, capped, never dropped ------------------------------------------------------


def test_a_feed_failing_50_times_in_a_row_is_still_polled_and_the_cap_holds(db_path: Path) -> None:
    client = HttpClient(HttpConfig(allow_private_network=True, per_host_delay_s=0, retries=0))
    with client, news_site() as site:
        url = site.add_outlet("flaky", articles=0)

        def poll_once(store: Store, run: str) -> FeedPoll:
            (state,) = store.feed_states([url])
            poll = poll_feed(client, state, backoff_step=STEP, backoff_cap=CAP)
            store.record_feed_polls([poll], run)
            return poll

        with Store(db_path) as store:
            store.upsert_outlets([Outlet(name="flaky", feeds=(url,))])
            first = poll_once(store, "run-0")
            assert first.status is FetchStatus.OK
            site.server.route("/flaky/feed.xml", Reply(503, b"down for maintenance"))
            for n in range(1, 51):
                poll = poll_once(store, f"run-{n}")
                assert (poll.status, poll.reason, poll.consecutive_failures) == (
                    FetchStatus.TEMPORARY,
                    Reason.SERVER_ERROR,
                    n,
                )
                wait = poll.next_due_at - poll.fetch.fetched_at
                assert min(STEP * n, CAP) <= wait < min(STEP * n, CAP) + timedelta(seconds=5), n
        assert site.hits("/flaky/feed.xml") == 51  # polled every time it was due
        row = feed_row(db_path, url)
        assert (row["consecutive_failures"], row["last_status"], row["last_reason"]) == (
            50,
            "temporary",
            "server_error",
        )
        assert row["last_success_at"] == first.fetch.fetched_at
        assert row["next_due_at"] == poll.next_due_at

        # It comes back: the next poll succeeds and the count starts again.
        site.server.route(
            "/flaky/feed.xml", Reply(body=site.feed_body("flaky", [0]), headers=FEED_TYPE)
        )
        with Store(db_path) as store:
            back = poll_once(store, "run-51")
        assert (back.status, back.consecutive_failures) == (FetchStatus.OK, 0)
        assert back.next_due_at - back.fetch.fetched_at < timedelta(seconds=5)
    row = feed_row(db_path, url)
    assert (row["consecutive_failures"], row["last_status"], row["last_reason"]) == (0, "ok", "ok")
    assert row["last_success_at"] == back.fetch.fetched_at


def set_due(db: Path, url: str, due: datetime, failures: int) -> None:
    """Time passes: the feed is due at `due` (the flow reads the clock; the test moves the feed)."""
    con = duckdb.connect(str(db))
    try:
        con.execute(
            "UPDATE feeds SET next_due_at = ?, consecutive_failures = ? WHERE url = ?",
            [due, failures, url],
        )
    finally:
        con.close()


@pytest.mark.usefixtures("prefect_server")
def test_the_flow_skips_a_backing_off_feed_and_polls_it_once_due(tmp_path: Path) -> None:
    db = tmp_path / "db.duckdb"
    with news_site() as site:
        site.add_outlet("steady")
        broken = site.add_outlet("broken", feed=Reply(404, b"gone away"))
        sources = site.write_sources(tmp_path / "sources.toml")

        status, first = ingest_once(sources, db)
        assert (status, first.feeds_polled, first.feeds_not_due) == ("COMPLETED", 2, 0)
        due = feed_row(db, broken)["next_due_at"]
        assert timedelta(minutes=29) < due - datetime.now(UTC) <= STEP

        _, second = ingest_once(sources, db)
        assert (second.feeds_polled, second.feeds_not_due) == (1, 1)
        assert site.hits("/broken/") == 1  # not asked again while backing off
        assert feed_row(db, broken)["consecutive_failures"] == 1

        # 50 failures in a row and due a minute ago: polled again, and the wait stays at the cap.
        set_due(db, broken, datetime.now(UTC) - timedelta(minutes=1), failures=50)
        _, third = ingest_once(sources, db)
        assert (third.feeds_polled, third.feeds_not_due) == (2, 0)
        assert site.hits("/broken/") == 2
        row = feed_row(db, broken)
        assert (row["consecutive_failures"], row["last_reason"]) == (51, "not_found")
        assert CAP - timedelta(minutes=1) < row["next_due_at"] - datetime.now(UTC) <= CAP


# -- the run's verdict --------------------------------------------------------------------------

FAILING_FEEDS: list[tuple[str, Reply]] = [
    ("missing", Reply(404, b"not here")),
    ("webpage", Reply(body=b"<html><body><p>Our feeds have moved.</p></body></html>")),
    ("overloaded", Reply(500, b"internal error")),
]


@pytest.mark.usefixtures("prefect_server")
@pytest.mark.parametrize(
    ("failing", "share", "status", "message"),
    [
        (
            3,
            0.5,
            "FAILED",
            "3 of 4 feeds failed (not_a_feed 1, not_found 1, server_error 1); "
            "more than the allowed share of 50%",
        ),
        (2, 0.5, "COMPLETED", ""),  # half is not more than half
        (1, 0.5, "COMPLETED", ""),
        (
            1,
            0.2,
            "FAILED",
            "1 of 4 feeds failed (not_found 1); more than the allowed share of 20%",
        ),
    ],
)
def test_the_run_fails_past_the_share_of_failed_feeds_and_counts_reasons_either_way(
    tmp_path: Path, failing: int, share: float, status: str, message: str
) -> None:
    db = tmp_path / "db.duckdb"
    with news_site() as site:
        for slug, reply in FAILING_FEEDS[:failing]:
            site.add_outlet(slug, feed=reply)
        for n in range(4 - failing):
            site.add_outlet(f"good{n}")
        sources = site.write_sources(tmp_path / "sources.toml")
        state, summary = ingest_once(sources, db, **{"ingest.max_feed_failure_share": share})
    reasons = {"missing": "not_found", "webpage": "not_a_feed", "overloaded": "server_error"}
    expected = {reasons[slug]: 1 for slug, _ in FAILING_FEEDS[:failing]}
    assert (state, summary.status, summary.message) == (status, status.lower(), message)
    assert summary.failures == {"feed": expected}
    assert summary.articles_stored == 2 * (4 - failing)  # the good feeds' articles arrive anyway
    row = run_query(
        db,
        "SELECT status, message, summary->'$.failures' FROM runs WHERE run_id = ?",
        params=[summary.run_id],
    ).rows[0]
    assert row[:2] == (status.lower(), message or None)
    assert json.loads(row[2]) == {"feed": expected}


# -- validators and the content hash ------------------------------------------------------------


@pytest.mark.usefixtures("prefect_server")
def test_the_same_etag_with_new_content_is_caught_and_a_304_is_not_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[str] = []
    real_parse = feeds_module.parse_feed

    def counting_parse(body: bytes, feed_url: str, **kwargs: Any) -> FeedParse:
        parsed.append(feed_url.rsplit("/", 2)[1])
        return real_parse(body, feed_url, **kwargs)

    monkeypatch.setattr(feeds_module, "parse_feed", counting_parse)
    db = tmp_path / "db.duckdb"
    with news_site() as site:
        sent: dict[str, list[str | None]] = {"sticky": [], "honest": [], "static": []}

        def feed(slug: str, etag: str, grows: bool, honours: bool) -> Callable[[Any], Reply]:
            def reply(handler: Any) -> Reply:
                asked = handler.headers.get("If-None-Match")
                sent[slug].append(asked)
                if honours and asked == etag:
                    return Reply(304, headers={"ETag": etag})
                stories = len(sent[slug]) + 1 if grows else 2
                body = site.feed_body(slug, range(stories))
                return Reply(body=body, headers={**FEED_TYPE, "ETag": etag})

            return reply

        # The same ETag every time, over a body that gains a story on each request.
        site.add_outlet("sticky", articles=3, feed=feed("sticky", '"v1"', True, False))
        site.add_outlet("honest", feed=feed("honest", '"h1"', False, True))  # answers 304
        site.add_outlet("static", feed=feed("static", '"s1"', False, False))  # ignores it
        sources = site.write_sources(tmp_path / "sources.toml")

        _, first = ingest_once(sources, db)
        assert (first.entries_new, first.articles_stored) == (6, 6)
        assert sorted(parsed) == ["honest", "static", "sticky"]
        parsed.clear()

        _, second = ingest_once(sources, db)
    assert sent == {"sticky": [None, '"v1"'], "honest": [None, '"h1"'], "static": [None, '"s1"']}
    assert parsed == ["sticky"]  # neither the 304 nor the unchanged body was parsed again
    assert (second.entries_new, second.articles_stored) == (1, 1)
    assert second.feed_status == {"ok": 1, "not_modified": 2}
    rows = run_query(
        db,
        "SELECT o.name, f.status, f.reason, f.http_status FROM fetches f "
        "JOIN feeds d ON d.url = f.url JOIN outlets o ON o.name = d.outlet "
        "WHERE f.run_id = ? AND f.kind = 'feed' ORDER BY 1",
        params=[second.run_id],
    ).rows
    assert rows == [
        ("honest", "not_modified", "not_modified", 304),
        ("static", "not_modified", "unchanged", 200),
        ("sticky", "ok", "ok", 200),
    ]
    stored = run_query(db, "SELECT count(*) FROM entries WHERE feed_url LIKE '%/sticky/%'").rows
    assert stored == [(3,)]


# -- `parallax feeds` ---------------------------------------------------------------------------

T0 = datetime(2021, 12, 2, 6, 0, tzinfo=UTC)


def stored_poll(url: str, outlet: str, at: datetime, failures: int = 0) -> FeedPoll:
    """A poll as poll_feed returns it: two entries when it worked, a 404 when it did not."""
    ok = failures == 0
    status, reason = (FetchStatus.OK, Reason.OK) if ok else (FetchStatus.SOFT, Reason.NOT_FOUND)
    fetch = FetchResult(
        url, status, reason, at, http_status=200 if ok else 404, content_hash="h" if ok else None
    )
    site = url.rsplit("/", 1)[0]
    entries = [FeedEntry(url, f"{site}/s/{n}", f"{site}/s/{n}", f"Story {n}", n) for n in range(2)]
    parse = FeedParse(entries=entries, title=outlet, version="rss20") if ok else None
    due = at + min(STEP * failures, CAP)
    return FeedPoll(url, outlet, status, reason, fetch, parse, failures, due)


def test_parallax_feeds_shows_each_feeds_health(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    steady, flaky, fresh = (f"http://{n}.example/feed.xml" for n in ("steady", "flaky", "fresh"))
    with Store(db_path) as store:
        store.upsert_outlets(
            [
                Outlet(name=u.split("/")[2].split(".")[0].title(), feeds=(u,))
                for u in (steady, flaky, fresh)
            ]
        )
        store.record_feed_polls(
            [stored_poll(steady, "Steady", T0), stored_poll(flaky, "Flaky", T0)], "r0"
        )
        for n in range(1, 4):
            store.record_feed_polls(
                [stored_poll(flaky, "Flaky", T0 + timedelta(hours=n), n)], f"r{n}"
            )

    assert main(["feeds", "--db", str(db_path), "--format", "json"]) == 0
    rows = {row["outlet"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["Flaky"] == {
        "outlet": "Flaky",
        "url": flaky,
        "last_status": "soft",
        "last_reason": "not_found",
        "consecutive_failures": 3,
        "last_success_at": "2021-12-02 06:00:00+00:00",
        "next_due_at": "2021-12-02 10:30:00+00:00",  # 3 failures x 30 min after the last try
        "entries": 2,
    }
    assert rows["Steady"]["last_status"] == "ok" and rows["Steady"]["consecutive_failures"] == 0
    assert rows["Steady"]["next_due_at"] == "2021-12-02 06:00:00+00:00"
    assert rows["Fresh"]["last_status"] is None and rows["Fresh"]["entries"] == 0
    assert rows["Fresh"]["last_success_at"] is None and rows["Fresh"]["next_due_at"]

    assert main(["feeds", "--db", str(db_path)]) == 0
    table = capsys.readouterr().out
    header = next(line for line in table.splitlines() if "outlet" in line)
    for column in (
        "last_status",
        "last_reason",
        "consecutive_failures",
        "last_success_at",
        "next_due_at",
    ):
        assert column in header
    flaky_line = next(line for line in table.splitlines() if "Flaky" in line)
    assert "not_found" in flaky_line and "2021-12-02 10:30:00" in flaky_line
    assert table.rstrip().endswith("(3 rows)")
