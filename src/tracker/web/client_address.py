"""The address a request comes from, as far as it can be believed (for throttling sign-in per address)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from litestar.connection import ASGIConnection

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in trusted)


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The socket peer's address; behind a trusted reverse proxy, the first address in X-Forwarded-For that is
    not one of the trusted proxies, read from the right.

    Each proxy appends the address it received the request from, so only the right end of the header was
    written by our own proxies: the left end is whatever the client sent, and believing it would let anyone
    choose the address their sign-in failures count against.
    """
    peer = connection.client.host if connection.client else ""
    networks = _networks(connection.app.state.settings.trusted_proxies)
    if not networks or not _is_trusted(peer, networks):
        return peer
    hops = [hop.strip() for value in connection.headers.getall("x-forwarded-for", []) for hop in value.split(",")]
    hops = [hop for hop in hops if hop]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return hop
    return hops[0] if hops else peer
