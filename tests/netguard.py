"""The test session's network guard: any connection beyond loopback fails the test.

Patched in at session start by conftest.py. A refused attempt raises inside the code under test
(as a connection error would) and is also recorded, so the test fails even when the code
swallows the error.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

ALLOWED_NETWORKS = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})

violations: list[str] = []

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo
_real_gethostbyname = socket.gethostbyname


class NetworkGuardError(ConnectionRefusedError):
    """A test tried to reach an address outside loopback."""


def _allowed_ip(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in ALLOWED_NETWORKS)


def _check_address(sock: socket.socket, address: Any) -> None:
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return  # unix sockets and the like stay on this machine
    host = str(address[0])
    if not _allowed_ip(host):
        violations.append(f"connect to {address!r}")
        raise NetworkGuardError(f"test network guard: connection to {address!r} refused")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check_address(self, address)
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check_address(self, address)
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    name = host.decode() if isinstance(host, bytes) else host
    if name is not None and str(name).lower() not in LOCAL_NAMES and not _allowed_ip(str(name)):
        try:
            ipaddress.ip_address(str(name))
        except ValueError:
            # A name lookup would ask a DNS server beyond this machine.
            violations.append(f"DNS lookup of {name!r}")
            raise socket.gaierror(
                socket.EAI_NONAME, f"test network guard: no DNS for {name!r}"
            ) from None
        violations.append(f"address {name!r}")
        raise socket.gaierror(socket.EAI_NONAME, f"test network guard: {name!r} refused")
    return _real_getaddrinfo(host, *args, **kwargs)


def _guarded_gethostbyname(host: str) -> str:
    _guarded_getaddrinfo(host, None)
    return _real_gethostbyname(host)


def install() -> None:
    """Patch the socket module for the rest of the process."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo
    socket.gethostbyname = _guarded_gethostbyname


def take_violations() -> list[str]:
    """Return and clear what was refused since the last call."""
    found = list(violations)
    violations.clear()
    return found
