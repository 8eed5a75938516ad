"""Refusing a port another server already listens on, and naming that server.

Granian's workers each bind the port with SO_REUSEPORT, so a second server on a
port in use would start silently and the kernel would split the connections
between the two. `check_port` binds a probe socket first, without SO_REUSEPORT
unless sharing was asked for (`--reuse-port`): its failure means the port is
taken. The owner is named from this folder's instance records or, for any other
process of this user, from /proc (the socket's inode, the process holding it, and
for a hoody-exec worker the run folder its metrics files are open in).

NOTE: probe and Granian's bind are two steps; a server starting in between still
slips through. The window is the few milliseconds before Granian binds.
"""

from __future__ import annotations

import errno
import os
import re
import socket
from pathlib import Path

import msgspec

from hoody_exec.server import instances

_LISTEN = "0A"  # the TCP state of a listening socket in /proc/net/tcp


class PortUnavailable(Exception):
    """The server cannot bind its address; the message says why and what to do."""


class PortOwner(msgspec.Struct, kw_only=True, frozen=True):
    pid: int
    folder: str | None = None  # set when it is a hoody-exec server
    command: str | None = None  # otherwise, its command line

    def describe(self) -> str:
        if self.folder is not None:
            return f"another hoody-exec serving {self.folder}, pid {self.pid}"
        command = self.command or "unknown command"
        if len(command) > 80:
            command = command[:77] + "..."
        return f"pid {self.pid}: {command}"


def check_port(host: str, port: int, root: Path, *, reuse_port: bool = False) -> None:
    """Raise PortUnavailable unless `hoody-exec serve` may bind host:port."""
    try:
        family, _, _, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as error:
        raise PortUnavailable(f"--host {host!r} is not an address to bind: {error}") from None
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # Connections of a server that just stopped (TIME_WAIT) do not hold the
        # port for a listener; only another listening socket does.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            probe.bind(address)
        except OSError as error:
            raise PortUnavailable(_explain(host, port, root, error, reuse_port)) from None


def _explain(host: str, port: int, root: Path, error: OSError, reuse_port: bool) -> str:
    if error.errno != errno.EADDRINUSE:
        return f"cannot listen on {host} port {port}: {error.strerror or error}"
    owner = find_owner(host, port, root)
    by = f" (by {owner.describe()})" if owner is not None else ""
    if reuse_port:
        return (
            f"port {port} on {host} is in use{by} by a socket that does not allow "
            "sharing it; choose another with --port or stop that process"
        )
    return (
        f"port {port} on {host} is already in use{by}; choose another with --port, "
        "stop it, or pass --reuse-port to share the port on purpose (the kernel then "
        "splits connections between the servers)"
    )


def find_owner(host: str, port: int, root: Path) -> PortOwner | None:
    """Who listens on `port`, if this user can see it; None otherwise."""
    for item in instances.list_instances(root, prune=False):
        record = item.record
        if item.alive and record.port == port and record.hostname == socket.gethostname():
            return PortOwner(pid=record.pid, folder=str(root))
    inodes = _listening_inodes(port)
    holder = _holder(inodes) if inodes else None
    if holder is None:
        return None
    return _identify(*holder)


def _listening_inodes(port: int) -> set[str]:
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as lines:
                next(lines, None)
                for line in lines:
                    fields = line.split()
                    if (
                        len(fields) > 9
                        and fields[3] == _LISTEN
                        and int(fields[1].rsplit(":", 1)[1], 16) == port
                    ):
                        found.add(fields[9])
        except OSError:
            continue
    return found


def _holder(inodes: set[str]) -> tuple[int, list[str]] | None:
    """The process holding one of these sockets, with the targets of its descriptors."""
    targets = {f"socket:[{inode}]" for inode in inodes}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        folder = f"/proc/{name}/fd"
        try:
            links = [os.readlink(f"{folder}/{fd}") for fd in os.listdir(folder)]
        except OSError:  # someone else's process, or gone
            continue
        if not targets.isdisjoint(links):
            return int(name), links
    return None


# NOTE: a hoody-exec worker keeps its metrics files open, in the run folder that is
# named after its serve process: `<folder>/.hoody/metrics/<serve pid>/…` names both.
# (Its environment cannot tell: /proc shows the one it was started with.)
_RUN_FILE = re.compile(r"^(?P<folder>/.*)/\.hoody/metrics/(?P<pid>\d+)/[^/]+$")


def _identify(pid: int, links: list[str]) -> PortOwner:
    for link in links:
        match = _RUN_FILE.match(link)
        if match is not None:
            return PortOwner(pid=int(match["pid"]), folder=match["folder"])
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as raw:
            command = raw.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        command = None
    return PortOwner(pid=pid, command=command or None)
