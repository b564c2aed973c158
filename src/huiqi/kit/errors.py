"""Domain errors carry their HTTP status; one handler renders them (JSON or an htmx toast)."""

from __future__ import annotations


class HuiqiError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: object | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code:  # a finer stable code than the class's (e.g. one per import-row problem)
            self.code = code


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


class AuditedRefusal(PermissionDenied):
    """A refusal that must leave its audit row (e.g. 审批与复核分离: one person trying both
    steps). The service flushes the audit row and nothing else before raising; the unit of
    work commits what was flushed, then the error is answered as usual."""

    code = "separation_of_duties"
    keeps_flushed = True


def keeps_flushed(exc: BaseException) -> bool:
    return bool(getattr(exc, "keeps_flushed", False))
