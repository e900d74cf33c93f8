"""robots.txt: read once per site, cached, and asked before an article page is fetched.

What a site's answer for /robots.txt means (RFC 9309 where it speaks, common practice where
the two differ):

- 200: the rules, read with `urllib.robotparser` for the product token "Parallax". Only the
  first ROBOTS_MAX_BYTES count (RFC 9309 2.5 sets the parsing limit at 500 KiB or more).
- 401 or 403: the whole site is disallowed. RFC 9309 would treat these as "unavailable" (all
  allowed), but a site that refuses a crawler its robots.txt refuses it its pages too, and
  crawlers long treated it so; asking for the pages would only earn more refusals.
- any other 4xx (404, 410, ...): no rules, everything allowed.
- anything else (5xx, timeout, DNS, refused address, a broken body): everything allowed.
  RFC 9309 says to assume "disallow" while a server errs, but a disallowed article ends
  `soft` and is never fetched again; a page behind a failing server fails on its own, as
  `temporary`, and is tried again in a later run. Nothing is lost to a passing outage.

Feeds are not asked about: they are published to be polled.
"""

from __future__ import annotations

import threading
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from parallax.connectors.records import FetchResult

ROBOTS_AGENT = "Parallax"  # the product token of the User-Agent, as robots.txt groups name it
ROBOTS_MAX_BYTES = 512 * 1024
ROBOTS_TTL_S = 3600.0  # RFC 9309 2.4: a cached robots.txt should not outlive 24 hours


def robots_url(url: str) -> str:
    """The robots.txt that governs a URL: one per scheme, host and port."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2].lower()
    return f"{parts.scheme.lower()}://{host}/robots.txt"


@dataclass(frozen=True)
class RobotsRules:
    """What one site's robots.txt says: its parsed rules, or one verdict for every path."""

    parser: urllib.robotparser.RobotFileParser | None
    allow_all: bool
    why: str = ""  # how a blanket verdict came about, for a refusal's detail

    def allows(self, url: str, agent: str = ROBOTS_AGENT) -> bool:
        """Whether `agent` may fetch `url` under these rules."""
        if self.parser is None:
            return self.allow_all
        return self.parser.can_fetch(agent, url)


def rules_from(result: FetchResult) -> RobotsRules:
    """Turn the fetch of a robots.txt into rules (see the module docstring for the choices)."""
    code = result.http_status
    if result.ok:
        parser = urllib.robotparser.RobotFileParser()
        # RFC 9309: robots.txt is UTF-8; a stray byte must not hide the lines around it.
        parser.parse(result.body.decode("utf-8", errors="replace").splitlines())
        return RobotsRules(parser, allow_all=True)
    if code in (401, 403):
        return RobotsRules(None, allow_all=False, why=f"robots.txt answered {code}")
    if code is not None and 400 <= code < 500:
        return RobotsRules(None, allow_all=True, why=f"robots.txt answered {code}")
    return RobotsRules(None, allow_all=True, why=f"robots.txt unavailable: {result.reason}")


class RobotsCache:
    """robots.txt per site, fetched once (one thread fetches, the others wait) and kept ttl_s."""

    def __init__(
        self,
        fetch: Callable[[str], FetchResult],
        *,
        agent: str = ROBOTS_AGENT,
        ttl_s: float = ROBOTS_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self.agent = agent
        self._ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._site_locks: dict[str, threading.Lock] = {}
        self._rules: dict[str, tuple[float, RobotsRules]] = {}

    def refusal(self, url: str) -> str | None:
        """Why the site's robots.txt refuses this URL to Parallax, or None when it allows it."""
        site = robots_url(url)
        rules = self.rules(site)
        if rules.allows(url, self.agent):
            return None
        return f"{site} disallows {self.agent}" + (f" ({rules.why})" if rules.why else "")

    def rules(self, site: str) -> RobotsRules:
        """The rules of the robots.txt at `site`, fetched when missing or stale."""
        with self._lock:
            site_lock = self._site_locks.setdefault(site, threading.Lock())
        with site_lock:
            cached = self._rules.get(site)
            if cached is not None and cached[0] > self._clock():
                return cached[1]
            rules = rules_from(self._fetch(site))
            self._rules[site] = (self._clock() + self._ttl_s, rules)
            return rules
