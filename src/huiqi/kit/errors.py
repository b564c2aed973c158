"""Domain errors carry their HTTP status; one handler renders them (JSON or an htmx toast)."""

from __future__ import annotations


class HuiqiError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(HuiqiError):
    """Also used for "forbidden": a caller cannot tell the two apart."""

    status_code = 404
    code = "not_found"


class Conflict(HuiqiError):
    status_code = 409
    code = "conflict"


class ValidationFailed(HuiqiError):
    status_code = 422
    code = "invalid"


class PermissionDenied(HuiqiError):
    status_code = 403
    code = "forbidden"
