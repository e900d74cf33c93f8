"""robots.txt: read once per site, cached, and asked before an article page is fetched.

What a site's answer for /robots.txt means (RFC 9309 where it speaks, common practice where
the two differ):

- 200: the rules, read with Protego as RFC 9309 2.2 says: `*` matches any run of characters
  and a final `$` the end of the path; the longest matching rule wins and Allow wins a tie;
  percent-encoded and plain spellings of a character compare equal (reserved ones, such as
  `%2F`, stay distinct). Only the first ROBOTS_MAX_BYTES count (RFC 9309 2.5 sets the parsing
  limit at 500 KiB or more); a line the cap cuts is dropped, since `Disallow: /private` cut
  to `Disallow: /` would shut the whole site. A leading UTF-8 byte order mark is skipped and
  stray bytes become U+FFFD, hiding no line around them. A body that opens with `<` is a page
  (a soft 404, a login wall) that RFC 9309 would still parse; any line of it that reads as a
  rule does so by accident, so everything is allowed.
- The group that binds Parallax (RFC 9309 2.2.1) is chosen here, not by Protego: every group
  whose user-agent names the product token "Parallax", compared case-insensitively, merged
  into one; else every `*` group; else no rules. As Google's parser does, a user-agent's token
  is its leading letters, `_` and `-` (`Parallax/1.0` names Parallax), and `*` followed by a
  space still means everyone. Protego alone would let any prefix of the token (`User-agent:
  Para`, `User-agent: P`) claim Parallax, and would miss `Parallax/1.0`.
- 401 or 403: the whole site is disallowed. RFC 9309 would treat these as "unavailable" (all
  allowed), but a site that refuses a crawler its robots.txt refuses it its pages too, and
  crawlers long treated it so; asking for the pages would only earn more refusals.
- any other 4xx (404, 410, ...): no rules, everything allowed.
- anything else (5xx, timeout, DNS, refused address, a broken body): everything allowed.
  RFC 9309 says to assume "disallow" while a server errs, but a disallowed article ends
  `soft` and is never fetched again; a page behind a failing server fails on its own, as
  `temporary`, and is tried again in a later run. Nothing is lost to a passing outage.

Crawl-delay and Request-rate are not read: http.per_host_delay_s spaces requests to a host.
Feeds are not asked about: they are published to be polled.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

from parallax.connectors.records import FetchResult

ROBOTS_AGENT = "Parallax"  # the product token of the User-Agent, as robots.txt groups name it
ROBOTS_MAX_BYTES = 512 * 1024
ROBOTS_TTL_S = 3600.0  # RFC 9309 2.4: a cached robots.txt should not outlive 24 hours

# The spellings of a user-agent line that Protego accepts: `User-agent:`, `User agent:`,
# `Useragent:`, and each of them with a space for the colon.
_USER_AGENT_LINE = re.compile(r"\s*user[- ]?agent(?:\s*:|\s)", re.IGNORECASE)
_AFTER_TOKEN = re.compile(r"[^A-Za-z_-].*", re.DOTALL)  # a product token: letters, _ and -


def robots_url(url: str) -> str:
    """The robots.txt that governs a URL: one per scheme, host and port."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2].lower()
    return f"{parts.scheme.lower()}://{host}/robots.txt"


def _group_name(agent: str) -> str:
    """The name under which a user-agent is given to Protego, and asked of it: `*` or <token>."""
    if agent[:1] == "*" and agent[1:2].strip() == "":
        return "*"
    # Protego picks a group whose name occurs in the name asked; between < and > one name
    # occurs in another only when the two are equal, so no prefix of a token claims it.
    return f"<{_AFTER_TOKEN.sub('', agent, count=1).lower()}>"


def _named_groups(text: str) -> str:
    """robots.txt with each user-agent line naming its group as _group_name does."""
    lines = []
    for line in text.splitlines():
        rule = line.partition("#")[0]
        head = _USER_AGENT_LINE.match(rule)
        agent = rule[head.end() :].strip() if head else ""
        lines.append(f"User-agent: {_group_name(agent)}" if agent else line)
    return "\n".join(lines)


@dataclass(frozen=True)
class RobotsRules:
    """What one site's robots.txt says: its parsed rules, or one verdict for every path."""

    parser: Protego | None
    allow_all: bool
    why: str = ""  # how a blanket verdict came about, for a refusal's detail

    def allows(self, url: str, agent: str = ROBOTS_AGENT) -> bool:
        """Whether `agent` may fetch `url` under these rules."""
        if self.parser is None:
            return self.allow_all
        # Threads share one parser: what Protego caches on a first call it computes the same
        # way every time, so a race only does the work twice.
        return self.parser.can_fetch(url, _group_name(agent))


def parse_robots_txt(body: bytes) -> RobotsRules:
    """Rules from the body of a robots.txt that was found (200)."""
    if len(body) >= ROBOTS_MAX_BYTES:
        # The cap most likely cut the last line short; keep the whole lines before it.
        body = body[:ROBOTS_MAX_BYTES]
        body = body[: max(body.rfind(b"\n"), body.rfind(b"\r")) + 1]
    # RFC 9309: robots.txt is UTF-8; a stray byte must not hide the lines around it.
    text = body.decode("utf-8-sig", errors="replace")
    if text.lstrip().startswith("<"):
        return RobotsRules(None, allow_all=True, why="robots.txt is a page, not rules")
    return RobotsRules(Protego.parse(_named_groups(text)), allow_all=True)


def rules_from(result: FetchResult) -> RobotsRules:
    """Turn the fetch of a robots.txt into rules (see the module docstring for the choices)."""
    code = result.http_status
    if result.ok:
        return parse_robots_txt(result.body)
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
