"""Where a connection may go: resolve once, check every address, connect to the checked one.

All of Parallax's HTTP goes through `GuardedBackend`, an httpcore network backend. Checking
the address at connect time (not the URL beforehand) covers every redirect hop and defeats DNS
rebinding, because the socket goes to the very address that was checked.
"""

from __future__ import annotations

import contextvars
import functools
import ipaddress
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import httpcore

# Cloud metadata endpoints: refused even when private networks are allowed.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254")
)

# IPv6 ranges that carry an IPv4 address a gateway may deliver to: NAT64 (RFC 6052) and the
# deprecated IPv4-compatible form. 6to4 and IPv4-mapped have properties of their own.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
# Local-use NAT64 (RFC 8215): Python 3.11 calls it global, but it only leads inside a network.
_NOT_GLOBAL = (ipaddress.ip_network("64:ff9b:1::/48"),)

Resolver = Callable[[str, int], list[str]]
"""Turns (host, port) into IP address strings; raises socket.gaierror when the name is unknown."""

AddressPolicy = Callable[[str], str | None]
"""Why a connection to an IP address is refused, or None when it is allowed."""

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# The deadline of the request in flight on this thread (time.monotonic() value), so a server
# that drips one byte at a time cannot outlive it: every socket read and write checks it.
request_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "request_deadline", default=None
)


class ByteCount:
    """Bytes read from the network for the request in flight."""

    def __init__(self) -> None:
        self.received = 0


# What the request in flight on this thread has read so far, so a request that reaches its
# deadline can tell a server that was answering (slowly) from one that never began to.
request_bytes: contextvars.ContextVar[ByteCount | None] = contextvars.ContextVar(
    "request_bytes", default=None
)


class BlockedAddressError(Exception):
    """A connection to an address the policy refuses (loopback, private, link-local, ...)."""


class DNSError(Exception):
    """A host name that does not resolve."""


class DeadlineExceeded(httpcore.ReadTimeout):
    """The request's total deadline passed while reading or writing."""


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the operating system's resolver."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _unmapped(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), or itself.

    Python judges ::ffff:127.0.0.1 by its IPv4 part but calls 64:ff9b::a9fe:a9fe (NAT64 for
    169.254.169.254) and 2002:a9fe:a9fe:: (6to4) global; each is judged by what it carries.
    """
    if not isinstance(address, ipaddress.IPv6Address):
        return address
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def address_refusal(address: str, *, allow_private: bool) -> str | None:
    """Why a connection to this IP address is refused, or None when it is allowed."""
    try:
        ip = _unmapped(ipaddress.ip_address(address.split("%", 1)[0]))
    except ValueError:
        return f"not an IP address: {address!r}"
    if ip in METADATA_ADDRESSES:
        return f"{ip} is a cloud metadata address"
    if ip.is_unspecified or ip.is_multicast:
        return f"{ip} is not a unicast address"
    if ip.is_link_local:
        return f"{ip} is link-local"
    if ip.is_global and not any(ip in network for network in _NOT_GLOBAL):
        return None
    if allow_private and (ip.is_loopback or ip.is_private):
        return None
    kind = "loopback" if ip.is_loopback else "private or reserved"
    return f"{ip} is {kind} (allow it with --allow-private-network)"


def _split_target(target: str, default_port: int) -> tuple[str, int]:
    """Parse a host-map target: 'ip', 'ip:port' or '[v6]:port'."""
    if target.startswith("["):
        host, _, rest = target[1:].partition("]")
        return host, int(rest.lstrip(":") or default_port)
    if target.count(":") == 1:
        host, port = target.split(":")
        return host, int(port)
    return target, default_port


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose reads and writes stop at the request's total deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    @staticmethod
    def _budget(timeout: float | None) -> float | None:
        deadline = request_deadline.get()
        if deadline is None:
            return timeout
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DeadlineExceeded("total deadline exceeded")
        return remaining if timeout is None else min(timeout, remaining)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data = self._inner.read(max_bytes, self._budget(timeout))
        count = request_bytes.get()
        if count is not None:
            count.received += len(data)
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._budget(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, self._budget(timeout))
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


def default_policy(*, allow_private: bool) -> AddressPolicy:
    """The address policy of a config: `address_refusal` with its allow_private."""
    return functools.partial(address_refusal, allow_private=allow_private)


class GuardedBackend(httpcore.NetworkBackend):
    """An httpcore backend that resolves, checks and connects, in that order.

    `policy` replaces the address check as a whole; tests use it to let one loopback address
    stand in for a public one, so that a redirect from it to loopback can be seen refused.
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        resolver: Resolver | None = None,
        host_map: Mapping[str, str] | None = None,
        policy: AddressPolicy | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.policy = policy or default_policy(allow_private=allow_private)
        self.resolver = resolver or system_resolver
        # host -> "ip[:port]": reach a named host at a chosen address, keeping the URL, the
        # Host header and TLS server name as they are (the offline demo serves .example hosts).
        self.host_map = {k.lower(): v for k, v in (host_map or {}).items()}
        self._inner = httpcore.SyncBackend()

    def _targets(self, host: str, port: int) -> list[tuple[str, int]]:
        mapped = self.host_map.get(host.lower().rstrip("."))
        if mapped is not None:
            return [_split_target(mapped, port)]
        try:
            ipaddress.ip_address(host)
        except ValueError:
            pass
        else:
            return [(host, port)]
        try:
            return [(address, port) for address in self.resolver(host, port)]
        except (socket.gaierror, UnicodeError) as err:
            raise DNSError(f"cannot resolve {host}: {err}") from err

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        targets = self._targets(host, port)
        refusals = [self.policy(address) for address, _ in targets]
        allowed = [t for t, refusal in zip(targets, refusals, strict=True) if refusal is None]
        if not allowed:
            reasons = "; ".join(r for r in refusals if r)
            raise BlockedAddressError(reasons if host in reasons else f"{host}: {reasons}")
        last_error: Exception | None = None
        for address, target_port in allowed:
            try:
                stream = self._inner.connect_tcp(
                    address,
                    target_port,
                    timeout=_DeadlineStream._budget(timeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as err:
                last_error = err
                continue
            return _DeadlineStream(stream)
        raise last_error or httpcore.ConnectError(f"cannot connect to {host}")

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise BlockedAddressError("unix sockets are not used by Parallax")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
