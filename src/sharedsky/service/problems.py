"""Errors as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from sharedsky.errors import (
    AlreadyExists,
    InvalidInput,
    SharedskyError,
    StaleVersion,
    UnknownEntity,
)

__all__ = ["PROBLEM", "Problem", "problem_response"]

PROBLEM = "application/problem+json"
_BASE = "https://sharedsky.invalid/problems/"


class Problem(Exception):
    """An HTTP error raised by the service layer itself (auth, size, content type)."""

    def __init__(self, status: int, kind: str, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.extra = extra


def _body(status: int, kind: str, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"type": _BASE + kind, "title": title, "status": status, "detail": detail, **extra}


def problem_response(error: Exception, instance: str) -> JSONResponse:
    """The problem document for an error the service knows how to explain."""
    # Imported here: the coordinator imports nothing of HTTP, and this module is its edge.
    from sharedsky.service.coordinator import Conflicted, PreconditionRequired

    headers: dict[str, str] = {}
    if isinstance(error, Problem):
        body = _body(error.status, error.kind, error.title, error.detail, **error.extra)
        if error.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="sharedsky"'
    elif isinstance(error, InvalidInput):
        body = _body(
            422,
            "invalid-input",
            "Invalid input",
            "; ".join(str(i) for i in error.issues),
            errors=[{"path": i.path, "message": i.message} for i in error.issues],
        )
    elif isinstance(error, Conflicted):
        body = _body(409, "conflict", "Conflicts with other operations", str(error), **error.body)
    elif isinstance(error, PreconditionRequired):
        body = _body(428, "precondition-required", "Version required", str(error))
    elif isinstance(error, StaleVersion):  # PreconditionFailed too
        body = _body(412, "stale-version", "Stale version", str(error))
    elif isinstance(error, UnknownEntity):
        body = _body(404, "not-found", "Not found", str(error))
    elif isinstance(error, AlreadyExists):
        body = _body(409, "already-exists", "Already exists", str(error))
    elif isinstance(error, SharedskyError):
        body = _body(400, "bad-request", "Bad request", str(error))
    else:
        body = _body(500, "internal", "Internal error", "the server could not complete this")
    body["instance"] = instance
    return JSONResponse(body, status_code=body["status"], media_type=PROBLEM, headers=headers)
