"""`@token`: the credential a script requires (SPEC §3).

Accepted in four places (five for a WebSocket upgrade: an offered subprotocol
`token.<T>`); every candidate is hashed and compared with the
expected SHA-256 digest in constant time, so neither the comparison time nor a
log line can reveal the secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from urllib.parse import parse_qsl

from hoody_exec.server.asgi import Headers

PROTOCOL_PREFIX = "token."
CHALLENGE = 'Bearer realm="hoody-exec", Basic realm="hoody-exec"'


def _candidates(headers: Headers, query_string: str) -> list[str]:
    found: list[str] = []
    for name, value in headers:
        if name == "authorization":
            scheme, _, credential = value.strip().partition(" ")
            scheme = scheme.lower()
            if scheme == "bearer":
                found.append(credential.strip())
            elif scheme == "basic":
                try:
                    decoded = base64.b64decode(credential.strip(), validate=True).decode()
                except (binascii.Error, UnicodeDecodeError):
                    continue
                found.append(decoded.partition(":")[2])  # the password part
        elif name == "x-token":
            found.append(value.strip())
        elif name == "sec-websocket-protocol":
            # Browsers cannot set headers on a WebSocket: `new WebSocket(url, ["hoody",
            # "token.<T>"])` carries it as an offered subprotocol instead.
            found.extend(
                part.strip()[len(PROTOCOL_PREFIX) :]
                for part in value.split(",")
                if part.strip().startswith(PROTOCOL_PREFIX)
            )
    found.extend(value for key, value in parse_qsl(query_string) if key == "token")
    return found


def token_matches(expected_digest: bytes, headers: Headers, query_string: str) -> bool:
    ok = False
    for candidate in _candidates(headers, query_string):
        digest = hashlib.sha256(candidate.encode()).digest()
        # Every candidate is compared (no early exit) to keep timing uniform.
        ok |= hmac.compare_digest(digest, expected_digest)
    return ok
