"""Domain errors raised by action functions; the API error handler maps them to HTTP."""

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class KubeOrchError(Exception):
    status_code = 400
    code = "error"

    def __init__(self, message: str, *, code: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.extra = extra or {}


class Conflict(KubeOrchError):
    """The request is valid but the object's state forbids it (illegal transition, busy)."""

    status_code = 409
    code = "conflict"


class NotFound(KubeOrchError):
    status_code = 404
    code = "not_found"


class PermissionDenied(KubeOrchError):
    status_code = 403
    code = "permission_denied"


class InvalidInput(KubeOrchError):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str, errors: list[FieldError] | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.errors = errors or []
