"""Which destinations a script's `fetch` may connect to (the egress rules).

Scripts reach the public internet and this server itself; loopback, private,
link-local, unspecified, multicast and reserved addresses are refused unless the
operator allows them (`--allow-fetch`). The check runs where the socket is
opened (`GuardedBackend.connect_tcp`, httpcore's network backend), on the
addresses the name resolved to, and the connection goes to the address that was
checked: a DNS name pointing inside, a redirect hop pointing inside and a name
whose answer changes between check and connect (DNS rebinding) are all refused
the same way as a literal address.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass

import httpcore

from hoody_exec.config import ALLOW_FETCH_ENV

__all__ = [
    "ALLOW_FETCH_ENV",
    "Allowance",
    "EgressPolicy",
    "EgressRefused",
    "GuardedBackend",
    "checked_addresses",
    "configure",
    "parse_allowance",
    "policy",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_HOSTNAME = re.compile(
    r"^(?=.{1,253}\.?$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
    r"(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$"
)
_BRACKETED = re.compile(r"^\[([^\]]+)\](?::(\d+))?$")
_FORMS = "a CIDR (10.0.0.0/8), an IP (127.0.0.1, [::1]) or a host name, each with an optional :port"
# NAT64 (RFC 6052) carries an IPv4 address in its last 32 bits.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class EgressRefused(Exception):
    """A fetch destination the egress rules refuse; the message is for the script."""


@dataclass(frozen=True)
class Allowance:
    """One `--allow-fetch` entry: a network or a host name, optionally one port."""

    network: IPNetwork | None = None
    host: str | None = None  # lower case, no trailing dot
    port: int | None = None

    def admits(self, name: str, address: IPAddress, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.host is not None:
            return self.host == name
        assert self.network is not None
        return any(a in self.network for a in _views(address) if a.version == self.network.version)


def parse_allowance(text: str) -> Allowance:
    """One `--allow-fetch` value; ValueError saying what is accepted."""
    raw = text.strip()

    def bad(why: str) -> ValueError:
        return ValueError(f"--allow-fetch {text!r}: {why}; expected {_FORMS}")

    if not raw:
        raise bad("empty")
    with contextlib.suppress(ValueError):
        return Allowance(network=ipaddress.ip_network(raw, strict=False))
    inner, port_text = raw, None
    if bracketed := _BRACKETED.match(raw):
        inner, port_text = bracketed.group(1), bracketed.group(2)
    elif raw.count(":") == 1:
        inner, port_text = raw.split(":")
        if not port_text.isdigit():
            raise bad("the port must be a number from 1 to 65535")
    port = None
    if port_text is not None:
        port = int(port_text)
        if not 1 <= port <= 65535:
            raise bad("the port must be a number from 1 to 65535")
    try:
        return Allowance(network=ipaddress.ip_network(inner, strict=False), port=port)
    except ValueError:
        if bracketed:
            raise bad("the part in brackets is not an IPv6 address or network") from None
    name = inner.lower().rstrip(".")
    if "/" in name or not _HOSTNAME.match(name):
        raise bad("not an address, a network or a host name")
    return Allowance(host=name, port=port)


def _views(address: IPAddress) -> list[IPAddress]:
    """Any IPv4 address `address` carries (mapped, 6to4, Teredo, NAT64), then itself.

    NOTE: the carried address comes first because it names the destination best:
    ::ffff:127.0.0.1 is loopback, though the mapped range as a whole is "private".
    """
    views: list[IPAddress] = []
    if isinstance(address, ipaddress.IPv6Address):
        embedded = [address.ipv4_mapped, address.sixtofour]
        if address.teredo is not None:
            embedded.extend(address.teredo)
        if address in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        views.extend(a for a in embedded if a is not None)
    views.append(address)
    return views


def address_kind(address: IPAddress) -> str | None:
    """Why scripts may not reach `address` by default, or None for a public one."""
    for view in _views(address):
        kind = _kind(view)
        if kind is not None:
            return kind
    return None


def _kind(address: IPAddress) -> str | None:
    # NOTE: the order picks the most telling name: ::1 is loopback before it is
    # "private"; 169.254.169.254 (cloud metadata) is link-local.
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "site-local"
    if address.is_reserved:  # before private: Python counts 240.0.0.0/4 as both
        return "reserved"
    if address.is_private:
        return "private"
    if not address.is_global:  # 100.64.0.0/10 (carrier-grade NAT) and the like
        return "non-public"
    return None


@dataclass(frozen=True)
class EgressPolicy:
    allowances: tuple[Allowance, ...] = ()
    # This server's own listening addresses and port: always reachable, so one
    # script can call another (composition).
    own_addresses: frozenset[IPAddress] = frozenset()
    own_port: int | None = None

    @classmethod
    def for_server(
        cls, allow: Iterable[str], *, host: str | None, port: int | None
    ) -> EgressPolicy:
        allowances = tuple(parse_allowance(item) for item in allow)
        return cls(allowances, _own_addresses(host) if host is not None else frozenset(), port)

    def refusal(self, name: str, address: IPAddress, port: int) -> str | None:
        """None if the script may connect to `address:port` (reached as `name`),
        else the category that refuses it."""
        name = name.lower().rstrip(".")
        if port == self.own_port and address in self.own_addresses:
            return None
        kind = address_kind(address)
        if kind is None:
            return None
        if any(allowance.admits(name, address, port) for allowance in self.allowances):
            return None
        return kind

    def message(self, name: str, port: int, kind: str, what: str = "fetch") -> str:
        target = f"[{name}]" if ":" in name else name
        if _literal(name) is not None:
            where = f"{kind} addresses are"
        else:
            where = f"it resolves to {_article(kind)} address, which is"
        return (
            f"{what} to {target}:{port} refused: {where} not reachable from scripts; "
            f"allow with --allow-fetch {target}:{port} (or {ALLOW_FETCH_ENV})"
        )


def _article(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _literal(name: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return None


def _own_addresses(host: str) -> frozenset[IPAddress]:
    address = _literal(host)
    if address is not None and not address.is_unspecified:
        return frozenset({address})
    if address is not None:
        # Bound to every interface: scripts reach it over loopback.
        return frozenset({ipaddress.IPv4Address("127.0.0.1"), ipaddress.IPv6Address("::1")})
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return frozenset()
    return frozenset(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos)


_policy = EgressPolicy()


def configure(new: EgressPolicy) -> None:
    """Set the rules for every fetch of this process (the server does at start)."""
    global _policy
    _policy = new


def policy() -> EgressPolicy:
    return _policy


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the egress check where sockets open."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        allowed = await checked_addresses(host, port, timeout)
        error: Exception | None = None
        for address in allowed:
            # NOTE: connecting to the checked address, never to the name again, is
            # what keeps a rebinding DNS answer from slipping past the check.
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as failed:
                error = failed
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise EgressRefused("fetch over a unix socket is not available to scripts")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


async def checked_addresses(
    host: str, port: int, timeout: float | None, what: str = "fetch"
) -> list[IPAddress]:
    """The addresses `host` resolves to that the rules let a script reach
    (connect to these, never to the name again); EgressRefused if none."""
    rules = _policy
    allowed = []
    refused: str | None = None
    for address in await _resolve(host, port, timeout):
        kind = rules.refusal(host, address, port)
        if kind is None:
            allowed.append(address)
        elif refused is None:
            refused = kind
    if not allowed:
        raise EgressRefused(rules.message(host, port, refused or "unknown", what))
    return allowed


async def _resolve(host: str, port: int, timeout: float | None) -> list[IPAddress]:
    literal = _literal(host)
    if literal is not None:
        return [literal]
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except TimeoutError:
        raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
    except OSError as error:
        raise httpcore.ConnectError(f"cannot resolve {host}: {error.strerror or error}") from None
    seen: dict[IPAddress, None] = {}
    for info in infos:
        # A scoped IPv6 address ("fe80::1%eth0") is link-local whatever its scope.
        seen.setdefault(ipaddress.ip_address(str(info[4][0]).split("%")[0]), None)
    return list(seen)
