"""The fetch egress rules (webapi/egress.py): parsing, classes of address, and the
check where the socket opens (resolve once, connect to the checked address)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import httpcore
import pytest

from hoody_exec.webapi import egress
from hoody_exec.webapi.egress import Allowance, EgressPolicy, EgressRefused, parse_allowance


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.0.0.0/8", Allowance(network=ipaddress.ip_network("10.0.0.0/8"))),
        ("127.0.0.1", Allowance(network=ipaddress.ip_network("127.0.0.1/32"))),
        ("::1", Allowance(network=ipaddress.ip_network("::1/128"))),
        ("127.0.0.1:6379", Allowance(network=ipaddress.ip_network("127.0.0.1/32"), port=6379)),
        ("[::1]:6379", Allowance(network=ipaddress.ip_network("::1/128"), port=6379)),
        ("[fd00::/8]", Allowance(network=ipaddress.ip_network("fd00::/8"))),
        ("DB.Internal.", Allowance(host="db.internal")),
        ("db.internal:5432", Allowance(host="db.internal", port=5432)),
    ],
)
def test_allowance_forms(text: str, expected: Allowance) -> None:
    assert parse_allowance(text) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("10.0.0.0/33", "not an address"),
        ("db:0", "1 to 65535"),
        ("db:70000", "1 to 65535"),
        ("db:http", "must be a number"),
        ("[db]:80", "not an IPv6"),
        ("bad$name", "not an address"),
        ("a/b", "not an address"),
    ],
)
def test_bad_allowances_say_what_is_accepted(text: str, why: str) -> None:
    with pytest.raises(ValueError, match="expected a CIDR") as caught:
        parse_allowance(text)
    assert why in str(caught.value) and repr(text) in str(caught.value)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("2002:a00:1::", "private"),  # 6to4 of 10.0.0.1
        ("10.9.8.7", "private"),
        ("172.31.255.255", "private"),
        ("192.168.0.1", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("fec0::1", "site-local"),
        ("100.64.0.1", "non-public"),
    ],
)
def test_address_kinds(address: str, kind: str | None) -> None:
    assert egress.address_kind(ipaddress.ip_address(address)) == kind


def test_policy_admits_this_server_and_allowances_only() -> None:
    rules = EgressPolicy.for_server(
        ["10.0.0.0/8", "db.internal:5432", "[::1]:9000"], host="0.0.0.0", port=8080
    )
    ip = ipaddress.ip_address
    assert rules.refusal("127.0.0.1", ip("127.0.0.1"), 8080) is None  # this server
    assert rules.refusal("localhost", ip("::1"), 8080) is None
    assert rules.refusal("127.0.0.1", ip("127.0.0.1"), 8081) == "loopback"
    assert rules.refusal("x", ip("10.1.1.1"), 1) is None
    assert rules.refusal("DB.internal.", ip("192.168.1.1"), 5432) is None
    assert rules.refusal("db.internal", ip("192.168.1.1"), 5433) == "private"
    assert rules.refusal("other", ip("192.168.1.1"), 5432) == "private"
    assert rules.refusal("::1", ip("::1"), 9000) is None
    assert rules.refusal("::1", ip("::1"), 9001) == "loopback"
    # Bound to one address: only that one is "this server".
    own = EgressPolicy.for_server([], host="127.0.0.2", port=8080)
    assert own.refusal("127.0.0.1", ip("127.0.0.1"), 8080) == "loopback"
    assert own.refusal("127.0.0.2", ip("127.0.0.2"), 8080) is None


@pytest.fixture
def listener() -> Iterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    try:
        yield int(sock.getsockname()[1])
    finally:
        sock.close()


@pytest.fixture
def rules() -> Iterator[None]:
    before = egress.policy()
    yield
    egress.configure(before)


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: list[list[str]]) -> list[str]:
    """Each lookup gets the next answer (a rebinding resolver); returns the names asked."""
    asked: list[str] = []

    async def getaddrinfo(host: str, port: int, **_: Any) -> list[Any]:
        asked.append(host)
        answer = answers[min(len(asked), len(answers)) - 1]
        family = {4: socket.AF_INET, 6: socket.AF_INET6}
        return [
            (family[ipaddress.ip_address(a).version], socket.SOCK_STREAM, 6, "", (a, port))
            for a in answer
        ]

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", getaddrinfo)
    return asked


async def test_a_name_resolving_inside_is_refused_before_connecting(
    monkeypatch: pytest.MonkeyPatch, listener: int, rules: None
) -> None:
    egress.configure(EgressPolicy())
    asked = fake_dns(monkeypatch, [["127.0.0.1"]])
    with pytest.raises(EgressRefused, match="resolves to a loopback address") as caught:
        await egress.GuardedBackend().connect_tcp("evil.example", listener, timeout=5)
    assert "127.0.0.1" not in str(caught.value)  # the answer is not revealed
    assert asked == ["evil.example"]


async def test_connects_to_the_checked_address_only(
    monkeypatch: pytest.MonkeyPatch, listener: int, rules: None
) -> None:
    # Allowed: 127.0.0.1 on the listener's port. The name's answer mixes in a
    # private address (skipped), then "rebinds" to another one for a second lookup
    # that must never happen.
    egress.configure(EgressPolicy.for_server([f"127.0.0.1:{listener}"], host=None, port=None))
    asked = fake_dns(monkeypatch, [["10.0.0.1", "127.0.0.1"], ["192.168.9.9"]])
    stream = await egress.GuardedBackend().connect_tcp("svc.example", listener, timeout=5)
    try:
        peer = stream.get_extra_info("server_addr")
        assert peer == ("127.0.0.1", listener)
    finally:
        await stream.aclose()
    assert asked == ["svc.example"]


async def test_unix_sockets_are_never_available() -> None:
    with pytest.raises(EgressRefused):
        await egress.GuardedBackend().connect_unix_socket("/run/docker.sock")


async def test_unresolvable_names_fail_as_connect_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def getaddrinfo(host: str, port: int, **_: Any) -> list[Any]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", getaddrinfo)
    with pytest.raises(httpcore.ConnectError, match=r"cannot resolve nowhere\.invalid"):
        await egress.GuardedBackend().connect_tcp("nowhere.invalid", 80, timeout=5)
