"""API errors rendered as real `kind: Status` objects, with the messages the API server uses."""

from __future__ import annotations

import json
from typing import Any

from .resources import ResourceType


class ApiError(Exception):
    def __init__(self, code: int, reason: str, message: str,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status", "apiVersion": "v1", "metadata": {},
            "status": "Failure", "message": self.message, "reason": self.reason, "code": self.code,
        }
        if self.details is not None:
            body["details"] = self.details
        return body

    def body(self) -> bytes:
        return json.dumps(self.status()).encode()


def _details(rt: ResourceType, name: str) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name, "kind": rt.plural}
    if rt.group:
        details["group"] = rt.group
    return details


def not_found(rt: ResourceType, name: str) -> ApiError:
    return ApiError(404, "NotFound", f'{rt.qualified_plural} "{name}" not found',
                    _details(rt, name))


def namespace_not_found(namespace: str) -> ApiError:
    return ApiError(404, "NotFound", f'namespaces "{namespace}" not found',
                    {"name": namespace, "kind": "namespaces"})


def already_exists(rt: ResourceType, name: str) -> ApiError:
    return ApiError(409, "AlreadyExists", f'{rt.qualified_plural} "{name}" already exists',
                    _details(rt, name))


def conflict(rt: ResourceType, name: str, why: str) -> ApiError:
    return ApiError(409, "Conflict",
                    f'Operation cannot be fulfilled on {rt.qualified_plural} "{name}": {why}',
                    _details(rt, name))


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized", "Unauthorized")


def method_not_allowed() -> ApiError:
    return ApiError(405, "MethodNotAllowed",
                    "the server does not allow this method on the requested resource")


def path_not_found() -> ApiError:
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def unsupported_media_type(content_type: str) -> ApiError:
    return ApiError(415, "UnsupportedMediaType",
                    f'the body of the request was in an unknown format - accepted media types '
                    f'include: application/json-patch+json, application/merge-patch+json, '
                    f'application/apply-patch+yaml (got "{content_type}")')


def expired(message: str) -> ApiError:
    return ApiError(410, "Expired", message)


def forbidden_namespace_terminating(rt: ResourceType, name: str, namespace: str) -> ApiError:
    return ApiError(403, "Forbidden",
                    f'{rt.qualified_plural} "{name}" is forbidden: unable to create new content '
                    f"in namespace {namespace} because it is being terminated",
                    _details(rt, name))


class FieldError:
    """One `field: Type: detail` entry of a 422 Invalid error."""

    def __init__(self, field: str, kind: str, detail: str, value: Any = None) -> None:
        self.field = field
        self.kind = kind  # Required / Invalid / Unsupported / Forbidden / Duplicate
        self.detail = detail
        self.value = value

    def text(self) -> str:
        if self.kind == "Required":
            return f"{self.field}: Required value" + (f": {self.detail}" if self.detail else "")
        if self.kind == "Invalid":
            return f"{self.field}: Invalid value: {_go_repr(self.value)}: {self.detail}"
        if self.kind == "Unsupported":
            return f"{self.field}: Unsupported value: {_go_repr(self.value)}: {self.detail}"
        if self.kind == "Duplicate":
            return f"{self.field}: Duplicate value: {_go_repr(self.value)}"
        return f"{self.field}: {self.kind}: {self.detail}"

    def cause(self) -> dict[str, str]:
        reason = {"Required": "FieldValueRequired", "Invalid": "FieldValueInvalid",
                  "Unsupported": "FieldValueNotSupported", "Duplicate": "FieldValueDuplicate",
                  "Too long": "FieldValueTooLong"}.get(self.kind, "FieldValueForbidden")
        return {"reason": reason, "message": self.text().split(": ", 1)[1], "field": self.field}


def _go_repr(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        inner = ", ".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in value.items())
        return "map[string]string{" + inner + "}"
    return str(value)


def invalid(rt: ResourceType, name: str, errors: list[FieldError]) -> ApiError:
    texts = [e.text() for e in errors]
    summary = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    details = {"name": name, "kind": rt.kind, "causes": [e.cause() for e in errors]}
    if rt.group:
        details["group"] = rt.group
    return ApiError(422, "Invalid", f'{rt.qualified_kind} "{name}" is invalid: {summary}', details)
