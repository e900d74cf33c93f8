"""URL checks and normalisation: one story, one key, whatever tracking junk a feed adds."""

from __future__ import annotations

import contextlib
import re
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

ALLOWED_SCHEMES = frozenset({"http", "https"})
MAX_URL_LENGTH = 2048

# Query parameters that identify a campaign or a click, never the resource itself.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ocid",
        "cmpid",
        "ito",
        "ns_mchannel",
        "ns_source",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
        "at_medium",
        "at_campaign",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
        "spm",
        "smid",
        "smtyp",
        "__twitter_impression",
        "ref_src",
        "guccounter",
        "_ga",
        "_gl",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "piwik_", "mtm_")

_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")


def _settle_percent(match: re.Match[str]) -> str:
    """Decode an escaped unreserved character; upper-case the hex of any other escape."""
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else "%" + match.group(1).upper()


class InvalidURL(ValueError):
    """A URL that Parallax refuses to fetch or store, with the reason as a fixed word."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{reason}: {url[:200]}")
        self.url = url
        self.reason = reason


def is_tracking_param(name: str) -> bool:
    """Whether a query parameter only tracks the click (utm_*, fbclid, ...)."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def check_url(url: str) -> str:
    """Return the URL stripped of surrounding space, or raise InvalidURL (scheme, host, length)."""
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise InvalidURL(url, "url_too_long")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as err:
        raise InvalidURL(url, "bad_url") from err
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise InvalidURL(url, "bad_scheme")
    if not parts.hostname:
        raise InvalidURL(url, "bad_url")
    return url


def absolute_url(link: str, base: str) -> str:
    """Resolve a feed or page link against the document's URL (handles scheme-relative links)."""
    return urljoin(base, link.strip())


def normalize_url(url: str) -> str:
    """The key under which a story is stored.

    Lower-cases scheme and host, drops default ports, fragments, tracking parameters and a
    trailing slash, sorts the remaining query and settles percent-encoding, so the variants a
    feed, a share button or a newsletter produce collapse to one key.
    """
    url = check_url(url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    with contextlib.suppress(UnicodeError):  # else keep the Unicode form: still a stable key
        host = host.encode("idna").decode("ascii")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host
    if parts.port is not None and parts.port != _DEFAULT_PORTS[scheme]:
        netloc = f"{host}:{parts.port}"
    # Escapes of reserved characters (%2F) change meaning, so only unreserved ones are decoded.
    path = quote(_PERCENT.sub(_settle_percent, parts.path), safe="/:@!$&'()*+,;=-._~%") or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query_pairs = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(key)
    ]
    query = urlencode(sorted(query_pairs), quote_via=quote)
    return urlunsplit((scheme, netloc, path, query, ""))


def host_of(url: str) -> str:
    """The lower-cased host name of a URL ('' when it has none)."""
    return (urlsplit(url).hostname or "").lower()
