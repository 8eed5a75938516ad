"""Logs (structlog) and, later, metrics."""

from hoody_exec.observability.logging import (
    LogPolicy,
    configure_logging,
    get_logger,
    redact_headers,
    redact_query,
    truncate_body,
)

__all__ = [
    "LogPolicy",
    "configure_logging",
    "get_logger",
    "redact_headers",
    "redact_query",
    "truncate_body",
]
