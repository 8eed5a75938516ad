"""Subresource Integrity strings (`sha512-<base64>`), as npm publishes in `dist.integrity`."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

__all__ = ["Integrity", "check_integrity", "compute_integrity", "parse_integrity"]

# Strongest first: when a string lists several hashes, the strongest one decides.
_ALGORITHMS = ("sha512", "sha384", "sha256", "sha1")


@dataclass(frozen=True, slots=True)
class Integrity:
    algorithm: str
    digest: bytes

    @property
    def hexdigest(self) -> str:
        return self.digest.hex()

    def __str__(self) -> str:
        return f"{self.algorithm}-{base64.b64encode(self.digest).decode()}"


def parse_integrity(sri: str | None, shasum: str | None = None) -> Integrity | None:
    """The strongest hash in an SRI string; else the legacy hex `shasum` (SHA-1); else None."""
    best: Integrity | None = None
    for token in (sri or "").split():
        algorithm, _, encoded = token.partition("-")
        if algorithm not in _ALGORITHMS:
            continue
        try:
            digest = base64.b64decode(encoded.split("?", 1)[0], validate=True)
        except (binascii.Error, ValueError):
            continue
        if len(digest) != hashlib.new(algorithm).digest_size:
            continue
        if best is None or _ALGORITHMS.index(algorithm) < _ALGORITHMS.index(best.algorithm):
            best = Integrity(algorithm, digest)
    if best is None and shasum:
        try:
            digest = bytes.fromhex(shasum)
        except ValueError:
            return None
        if len(digest) == 20:
            best = Integrity("sha1", digest)
    return best


def compute_integrity(data: bytes, algorithm: str = "sha512") -> Integrity:
    return Integrity(algorithm, hashlib.new(algorithm, data).digest())


def check_integrity(data: bytes, expected: Integrity) -> bool:
    return compute_integrity(data, expected.algorithm).digest == expected.digest
