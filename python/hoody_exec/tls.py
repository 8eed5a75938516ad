"""The certificates outbound HTTPS trusts: one policy for the npm installer and
for scripts' `fetch`, so a server behind a TLS-inspecting proxy works for both.

- `SSL_CERT_FILE` (a PEM bundle) and `SSL_CERT_DIR` (a hashed certificate folder),
  when set in the server's environment, replace the defaults; both may be set.
- Otherwise the system store (OpenSSL's default paths) and the certifi bundle.
"""

from __future__ import annotations

import os
import ssl

import httpx

__all__ = ["trust_context"]


def trust_context() -> ssl.SSLContext:
    """A client TLS context (hostname check on) trusting what the operator configured."""
    cafile = os.environ.get("SSL_CERT_FILE") or None
    capath = os.environ.get("SSL_CERT_DIR") or None
    if cafile is not None or capath is not None:
        try:
            return ssl.create_default_context(cafile=cafile, capath=capath)
        except (OSError, ssl.SSLError) as error:
            raise ValueError(
                f"cannot load trusted certificates from SSL_CERT_FILE={cafile!r} "
                f"SSL_CERT_DIR={capath!r}: {error}; point them at a PEM bundle and a "
                "folder of hashed certificates, or unset them to use the system store"
            ) from error
    context = httpx.create_ssl_context(trust_env=False)  # the certifi bundle
    context.load_default_certs()  # and the system store
    return context
