"""A synthetic news site for bench/scale.py: N outlets, M stories, texts varied from the demo's.

    python bench/scale_site.py OUT --stories 10000 [--outlets 100] [--event 60] [--related N]
                               [--weeks 3]

Writes OUT/site/<host>/... (one host per outlet: an RSS feed listing its stories, one HTML page
per story), OUT/sources.toml and OUT/labels.json (each story's event: the demo event of the
story it retells, "unrelated" for none; the seed's event is flows.resources.DEMO_EVENT). The
texts are the demo's stories (config/demo/stories), varied: each synthetic story takes a demo
story's headline and paragraphs in another order, with its own numbers and a closing sentence
naming its outlet and day, so that no two texts are the same (each is embedded and stored on
its own, as on a real site). `--event` stories retell the seed's event within two days of it;
the others retell the demo's other stories: those of another dated event (the leaders' other
meetings, a call, a summit) within days of its date, as real coverage would, and unrelated
ones spread over `--weeks` weeks around the seed's date. By default the others are drawn from
all the demo's other stories alike, so that more than half retell a related event (an
adversarial window: the seed's event among many of its neighbours); `--related N` makes N of
them retell related events and the rest unrelated stories (a week of many outlets, where the
crisis is a few percent of what they publish).
Serve OUT/site with `served(OUT / "site")`: a process of its own, as a real site is, so that
serving pages does not take the measured process's cores and GIL (`--serve ROOT` is that
process: it prints the host map as a JSON line and serves until its stdin closes).
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parallax.flows.demo_site import DEMO_DIR
from parallax.flows.resources import DEMO_EVENT

SEED_TIME = datetime(2021, 12, 2, 12, 0, tzinfo=UTC)
# A news page's chrome around the story, so that extraction costs what it costs on real pages
# (tens of milliseconds, not the 2 ms of a bare <article>): a page script and its data, section
# menus, a "most read" list of the outlet's other headlines, share buttons and a footer.
PAGE = """<!doctype html>
<html lang="{language}"><head><meta charset="utf-8"><title>{title} | {outlet}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="og:title" content="{title}"><meta property="og:type" content="article">
<meta property="article:published_time" content="{published}">
<meta name="author" content="{author}">
<link rel="stylesheet" href="/static/site.css">
<script>window.__PAGE_STATE__ = {state};</script>
<script src="/static/analytics.js" async></script></head>
<body class="article-page"><div class="cookie-banner"><p>We use cookies to improve your
experience and to measure our audience. <a href="/privacy">Privacy policy</a></p>
<button>Accept</button><button>Settings</button></div>
<header><a class="logo" href="/">{outlet}</a><nav class="sections"><ul>{sections}</ul></nav>
<form action="/search"><input name="q" placeholder="Search"></form></header>
<main><div class="breadcrumbs"><a href="/">Home</a> &rsaquo; <a href="/world">World</a></div>
<article><h1>{title}</h1>
<p class="byline">By {author}</p>
<div class="share"><a href="/share/email">Email</a><a href="/share/print">Print</a></div>
{paragraphs}
<div class="tags">{tags}</div>
</article>
<aside class="most-read"><h2>Most read</h2><ol>{most_read}</ol></aside>
<section class="more"><h2>More from {outlet}</h2>{teasers}</section>
<section class="newsletter"><h2>Newsletter</h2><p>The day's news in your inbox every
morning.</p><form action="/subscribe"><input name="email"><button>Sign up</button></form>
</section></main>
<footer><ul>{footer}</ul><p>&copy; {outlet}. All rights reserved.</p></footer>
</body></html>
"""
SECTIONS = [
    "World",
    "Politics",
    "Business",
    "Markets",
    "Technology",
    "Science",
    "Health",
    "Climate",
    "Sport",
    "Football",
    "Tennis",
    "Culture",
    "Books",
    "Film",
    "Music",
    "Opinion",
    "Editorials",
    "Letters",
    "Travel",
    "Food",
    "Style",
    "Video",
    "Podcasts",
    "Photography",
    "Education",
    "Media",
    "Obituaries",
    "Weather",
    "Local",
    "Crime",
    "Law",
    "Defence",
    "Europe",
    "Americas",
    "Asia",
    "Africa",
    "MiddleEast",
    "Investigations",
    "Data",
    "Puzzles",
]
FOOTER = [
    "About",
    "Contact",
    "Careers",
    "Advertise",
    "Subscriptions",
    "Newsletters",
    "Apps",
    "Corrections",
    "Complaints",
    "Standards",
    "Ethics",
    "Terms",
    "Privacy",
    "Cookies",
    "Accessibility",
    "Sitemap",
    "Archive",
    "RSS",
    "Help",
]


@dataclass(frozen=True)
class Base:
    """A demo story the synthetic ones are varied from."""

    title: str
    paragraphs: tuple[str, ...]
    language: str
    author: str
    event: str  # the demo's label: an event's name, or "unrelated"
    # Stories of another dated event (another meeting, a call, a summit) stay near their date;
    # unrelated ones (None) may run any day.
    dated: datetime | None = None


def demo_bases() -> list[Base]:
    found = []
    for path in sorted((DEMO_DIR / "stories").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        outlet_language = data["outlet"].get("language", "en")
        for article in data.get("articles", []):
            body = [p.strip() for p in article.get("body", "").split("\n\n") if p.strip()]
            if len(body) < 3:
                continue
            found.append(
                Base(
                    article["title"],
                    tuple(body),
                    article.get("language", outlet_language),
                    article.get("author") or "Staff",
                    str(article.get("event") or "unrelated"),
                    _dated(article),
                )
            )
    return found


def _dated(article: dict[str, object]) -> datetime | None:
    if article.get("event") in (None, "unrelated", DEMO_EVENT) or "published" not in article:
        return None
    return datetime.fromisoformat(str(article["published"])).astimezone(UTC)


def varied(base: Base, rng: random.Random, outlet: str, when: datetime) -> list[str]:
    """The base's paragraphs in another order, with other numbers, and a sign-off of its own."""
    first, rest = base.paragraphs[0], list(base.paragraphs[1:])
    rng.shuffle(rest)
    keep = rest[: max(2, len(rest) - rng.randint(0, 2))]

    def renumber(text: str) -> str:
        return re.sub(r"\b\d{2,}\b", lambda m: str(int(m.group()) + rng.randint(1, 9)), text)

    # Last, not first: the lead (headline and opening sentences) stays the story's own.
    sign_off = f"{outlet} reporting, {when:%A %d %B %Y}, item {rng.randint(10_000, 99_999)}."
    return [renumber(first), *(renumber(p) for p in keep), sign_off]


def teaser(rng: random.Random, bases: list[Base], stories: int) -> str:
    """One card of a page's "more from" grid: picture, section, headline, comments, time."""
    other = rng.choice(bases)
    link = f"/story/{rng.randrange(stories):06d}.html"
    return (
        f'<div class="card"><div class="card-media"><a href="{link}"><picture>'
        f'<source srcset="/img/{rng.randrange(10**6)}-800.webp" type="image/webp">'
        f'<img src="/img/{rng.randrange(10**6)}-400.jpg" alt="" loading="lazy"></picture></a>'
        f'</div><div class="card-body"><span class="kicker"><a href="/world">'
        f'{rng.choice(SECTIONS)}</a></span><h3><a href="{link}">{html.escape(other.title)}</a>'
        f'</h3><div class="meta"><span class="comments"><a href="{link}#comments">'
        f'{rng.randint(0, 400)}</a></span><span class="share"><a href="/share">Share</a></span>'
        f"</div>"
        f"<time>{rng.randint(1, 23)} hours ago</time></div></div>"
    )


def page_state(rng: random.Random, n: int) -> str:
    """The JSON a news page's script starts from: ad slots, experiments, tracking ids (~15 KB,
    as on real pages, where it is often larger)."""
    slots = [
        {"id": f"slot-{i}", "sizes": [[300, 250], [728, 90]], "targeting": {"pos": i, "kw": "news"}}
        for i in range(40)
    ]
    experiments = {f"exp_{i}": rng.choice(["control", "variant_a", "variant_b"]) for i in range(60)}
    state = json.dumps({"story": n, "slots": slots, "experiments": experiments})
    return state.replace("<", "\\u003c")


def build(
    out: Path,
    stories: int,
    outlets: int,
    event: int,
    weeks: float,
    seed: int = 11,
    related: int | None = None,
) -> dict[str, object]:
    """Write the site, the sources file and the labels; return counts. `related`: how many of
    the stories not on the event retell a related event (None: drawn like the unrelated)."""
    rng = random.Random(seed)
    bases = demo_bases()
    on_event = [b for b in bases if b.event == DEMO_EVENT and b.language == "en"]
    other = [b for b in bases if b.event != DEMO_EVENT]
    related_bases = [b for b in other if b.event != "unrelated"]
    unrelated_bases = [b for b in other if b.event == "unrelated"]
    site = out / "site"
    per_outlet: dict[int, list[tuple[str, str, datetime]]] = {i: [] for i in range(outlets)}
    labels: dict[str, str] = {}
    span = timedelta(weeks=weeks)
    for n in range(stories):
        o = n % outlets
        host = f"outlet{o:04d}.example"
        name = f"Outlet {o:04d}"
        is_event = n < event
        if is_event:
            base = rng.choice(on_event)
        elif related is None:
            base = rng.choice(other)
        else:
            base = rng.choice(related_bases if n < event + related else unrelated_bases)
        if is_event:
            when = SEED_TIME + timedelta(hours=rng.uniform(-18, 40))
        elif base.dated is not None:  # a retelling of another event, then or just after
            when = base.dated + timedelta(hours=rng.uniform(-12, 60))
        else:
            when = SEED_TIME - span / 2 + span * rng.random()
        when = when.replace(microsecond=0)
        path = f"/story/{n:06d}.html"
        paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in varied(base, rng, name, when))
        page = PAGE.format(
            language=base.language,
            title=html.escape(base.title),
            published=when.isoformat(),
            author=html.escape(base.author),
            outlet=html.escape(name),
            paragraphs=paragraphs,
            state=page_state(rng, n),
            sections="".join(f'<li><a href="/{s.lower()}">{s}</a></li>' for s in SECTIONS),
            tags="".join(f'<a href="/tag/{t}">{t}</a> ' for t in rng.sample(SECTIONS, 4)),
            most_read="".join(
                f'<li><a href="/story/{rng.randrange(stories):06d}.html">'
                f"{html.escape(rng.choice(bases).title)}</a></li>"
                for _ in range(8)
            ),
            teasers="".join(teaser(rng, bases, stories) for _ in range(48)),
            footer="".join(f'<li><a href="/{f.lower()}">{f}</a></li>' for f in FOOTER),
        )
        target = site / host / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
        url = f"http://{host}{path}"
        per_outlet[o].append((url, base.title, when))
        labels[url] = base.event
    sources = []
    for o, items in per_outlet.items():
        host = f"outlet{o:04d}.example"
        entries = "".join(
            f"<item><title>{html.escape(title)}</title><link>{url}</link>"
            f"<pubDate>{format_datetime(when)}</pubDate></item>"
            for url, title, when in sorted(items, key=lambda item: item[2], reverse=True)
        )
        feed = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Outlet {o:04d}</title><link>http://{host}/</link>{entries}</channel></rss>"
        )
        (site / host).mkdir(parents=True, exist_ok=True)
        (site / host / "rss.xml").write_text(feed, encoding="utf-8")
        sources.append(
            f'[[outlets]]\nname = "Outlet {o:04d}"\nlanguage = "en"\n'
            f'feeds = ["http://{host}/rss.xml"]\n'
        )
    (out / "sources.toml").write_text("\n".join(sources), encoding="utf-8")
    (out / "labels.json").write_text(json.dumps(labels), encoding="utf-8")
    return {
        "stories": stories,
        "outlets": outlets,
        "event": min(event, stories),
        "related": sum(1 for e in labels.values() if e not in (DEMO_EVENT, "unrelated")),
    }


def ingest_overrides(db: Path, host_map: dict[str, str]) -> dict[str, object]:
    """Settings for ingesting a served site into `db`: loopback hosts, no per-host delay, no
    time budget, every entry of a feed."""
    return {
        "storage.db": str(db),
        "http.host_map": host_map,
        "http.allow_private_network": True,
        "http.per_host_delay_s": 0.0,
        "ingest.max_run_s": 86_400.0,
        "ingest.max_entries_per_feed": 1000,
    }


@contextmanager
def served(root: Path) -> Iterator[dict[str, str]]:
    """Serve a built site from a child process; yield its host map."""
    # Leaving the Popen block closes both pipes (the child's stdin closing tells it to stop)
    # and waits for it.
    with subprocess.Popen(  # noqa: S603 - this file, with a path of ours
        [sys.executable, __file__, "--serve", str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None  # asked for with PIPE
        line = child.stdout.readline()
        if not line:
            raise RuntimeError(f"the site server for {root} exited ({child.wait()})")
        yield json.loads(line)


def serve(root: Path) -> None:
    from parallax.flows.demo_site import DemoSite

    with DemoSite(root, labels=None) as site:
        print(json.dumps(site.host_map()), flush=True)
        sys.stdin.read()  # until the parent closes it


def main() -> int:
    if sys.argv[1:2] == ["--serve"]:
        serve(Path(sys.argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--stories", type=int, default=1000)
    parser.add_argument("--outlets", type=int, default=0, help="default: one per 100 stories")
    parser.add_argument("--event", type=int, default=60)
    parser.add_argument("--related", type=int, help="default: drawn like the unrelated")
    parser.add_argument("--weeks", type=float, default=3.0)
    args = parser.parse_args()
    outlets = args.outlets or max(1, args.stories // 100)
    print(build(args.out, args.stories, outlets, args.event, args.weeks, related=args.related))
    return 0


if __name__ == "__main__":
    sys.exit(main())
