"""A small HTTP/1.1 load generator for `hoody-exec bench`.

Each connection is kept alive and sends its next request as soon as the answer
to the previous one has been read in full (closed loop, like wrk). Latency is
measured from the first byte written to the last byte of the body read.

NOTE: a hand-written client over asyncio streams, not httpx: httpx spends more
CPU per request than the server under test on a small machine, so the figures
would measure the client.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

READ_TIMEOUT_S = 30.0
_CHUNK_LIMIT = 64 * 1024 * 1024


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    path: str  # with its query string
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        method: str = "GET",
        headers: tuple[tuple[str, str], ...] = (),
        body: bytes = b"",
    ) -> Target:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"{url!r} is not an http:// URL (https is not supported)")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return cls(parts.hostname, parts.port or 80, path, method.upper(), headers, body)

    def request_bytes(self) -> bytes:
        host = f"[{self.host}]" if ":" in self.host else self.host
        lines = [f"{self.method} {self.path} HTTP/1.1", f"host: {host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            lines.append(f"content-length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


@dataclass
class Result:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, one per answer
    statuses: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)  # connect, timeout, read, ...

    @property
    def requests(self) -> int:
        return len(self.latencies)

    def percentile(self, q: float) -> float:
        """The q-th percentile (0-100) of the latencies, nearest rank; 0 when none."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
        return ordered[rank]

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


class ProtocolError(Exception):
    pass


async def run_load(target: Target, *, connections: int, seconds: float) -> Result:
    result = Result()
    request = target.request_bytes()
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(
        *(_connection(target, request, deadline, result) for _ in range(connections))
    )
    result.seconds = time.monotonic() - started
    return result


async def _connection(target: Target, request: bytes, deadline: float, result: Result) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while time.monotonic() < deadline:
        if writer is None:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(target.host, target.port), READ_TIMEOUT_S
                )
            except (OSError, TimeoutError):
                result.error("connect")
                # A refused connection returns at once: do not spin on it.
                await asyncio.sleep(0.05)
                continue
        assert reader is not None
        sent = time.monotonic()
        try:
            writer.write(request)
            await writer.drain()
            status, keep_alive = await asyncio.wait_for(
                _read_response(reader, target.method), max(0.001, deadline - sent + 5)
            )
        except TimeoutError:
            result.error("timeout")
            keep_alive = False
        except (OSError, asyncio.IncompleteReadError, ProtocolError, ValueError):
            result.error("read")
            keep_alive = False
        else:
            result.latencies.append(time.monotonic() - sent)
            result.statuses[status] = result.statuses.get(status, 0) + 1
        if not keep_alive:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


async def _read_response(reader: asyncio.StreamReader, method: str) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise ProtocolError(f"not an HTTP/1.x status line: {lines[0]!r}")
    status = int(parts[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    keep_alive = headers.get("connection", "").lower() != "close" and parts[0] == "HTTP/1.1"
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return status, keep_alive
    if "chunked" in headers.get("transfer-encoding", "").lower():
        await _read_chunked(reader)
    elif "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    else:  # the body ends with the connection
        await reader.read()
        keep_alive = False
    return status, keep_alive


async def _read_chunked(reader: asyncio.StreamReader) -> None:
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size > _CHUNK_LIMIT:
            raise ProtocolError(f"a chunk of {size} bytes")
        if size == 0:
            # Trailers, then the blank line that ends the message.
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass
            return
        await reader.readexactly(size + 2)
