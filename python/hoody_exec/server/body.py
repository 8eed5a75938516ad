"""Request bodies → what `body` becomes in the script (SPEC §2.2).

JSON and text are passed as text (the glue parses JSON); forms are parsed here
(urlencoded and multipart) because the stdlib already does it well.
"""

from __future__ import annotations

import base64
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl

from hoody_exec.runtime.protocol import BodyKind, FormValue

_TEXTUAL = ("text/", "application/javascript", "application/xml")


def classify(content_type: str | None, body: bytes) -> BodyKind:
    if not body:
        return "none"
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        return "json"
    if media in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return "form"
    if media.startswith(_TEXTUAL) or media.endswith("+xml"):
        return "text"
    return "bytes"


def encode_body(kind: BodyKind, body: bytes) -> tuple[str | None, bool]:
    """The body for the JSON payload and whether it is base64."""
    if kind == "none":
        return None, False
    if kind != "bytes":
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def _add(form: dict[str, FormValue], key: str, value: FormValue) -> None:
    current = form.get(key)
    if current is None:
        form[key] = value
    elif isinstance(current, list):
        current.append(value)  # type: ignore[arg-type]
    else:
        form[key] = [current, value]  # type: ignore[list-item]


def parse_form(content_type: str, body: bytes) -> dict[str, FormValue]:
    """Repeated fields become arrays; uploaded files become objects."""
    form: dict[str, FormValue] = {}
    if content_type.lower().startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            filename = part.get_filename()
            if filename is None:
                _add(form, name, data.decode("utf-8", errors="replace"))
            else:
                _add(
                    form,
                    name,
                    {
                        "filename": filename,
                        "type": part.get_content_type(),
                        "size": len(data),
                        "base64": base64.b64encode(data).decode("ascii"),
                    },
                )
        return form
    for key, value in parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True):
        _add(form, key, value)
    return form
