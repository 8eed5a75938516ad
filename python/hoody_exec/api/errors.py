"""One error type for the management API, rendered as `{"error": {code, message, details}}`."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An answer other than 2xx. `code` is stable and machine-readable."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}

    def __repr__(self) -> str:
        return f"ApiError({self.status}, {self.code!r}, {self.message!r})"


def bad_request(code: str, message: str, details: Any = None) -> ApiError:
    return ApiError(400, code, message, details)


def not_found(message: str, details: Any = None) -> ApiError:
    return ApiError(404, "not_found", message, details)


def conflict(message: str, details: Any = None) -> ApiError:
    return ApiError(409, "conflict", message, details)


def too_large(message: str, limit: int) -> ApiError:
    return ApiError(413, "payload_too_large", message, {"limit_bytes": limit})


def unprocessable(code: str, message: str, details: Any = None) -> ApiError:
    return ApiError(422, code, message, details)


def body_timeout(received: int, expected: int | None, timeout_s: float) -> ApiError:
    got = f"{received} of {expected}" if expected is not None else f"{received}"
    return ApiError(
        408,
        "body_timeout",
        f"the request body did not arrive within the server's body timeout of {timeout_s:g} s: "
        f"{got} bytes received",
        {
            "limit": "body_timeout",
            "configured_s": timeout_s,
            "received_bytes": received,
            "expected_bytes": expected,
            "setting": "hoody-exec serve --body-timeout <seconds> (server-wide)",
        },
    )
