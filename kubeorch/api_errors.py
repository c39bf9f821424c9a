"""One error shape for the whole API: {code, message, errors?: [{path, message}]}."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django_fsm import TransitionNotAllowed
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from deployments.cluster.errors import ClusterError
from kubeorch.errors import Conflict, InvalidInput, KubeOrchError


def flatten_errors(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """Turn DRF's nested error detail into [{path, message}] with JSON paths like `a[0].b`."""
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for key, value in detail.items():
            if key == "non_field_errors":
                path = prefix
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            out += flatten_errors(value, path)
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [{"path": prefix, "message": str(item)} for item in detail]
        out = []
        for index, item in enumerate(detail):
            out += flatten_errors(item, f"{prefix}[{index}]")
        return out
    return [{"path": prefix, "message": str(detail)}]


def _body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, **extra}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, InvalidInput):
        errors = [e.as_dict() for e in exc.errors]
        return Response(_body(exc.code, exc.message, errors=errors, **exc.extra), status=400)
    if isinstance(exc, ClusterError):
        # The cluster (not this API) failed: say what the API server said and whether to retry.
        return Response(
            _body("cluster_error", exc.message, cluster_status=exc.status, reason=exc.reason,
                  retryable=exc.retryable),
            status=502,
        )
    if isinstance(exc, KubeOrchError):
        return Response(_body(exc.code, exc.message, **exc.extra), status=exc.status_code)
    if isinstance(exc, TransitionNotAllowed):
        # Actions normally translate this into a Conflict with a precise message; this is the net.
        return _conflict(
            Conflict(str(exc) or "this transition is not allowed in the current state")
        )
    if isinstance(exc, RequestDataTooBig):
        return Response(_body("request_too_large", str(exc)), status=413)
    if isinstance(exc, Http404):
        return Response(_body("not_found", "not found"), status=404)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        first = errors[0] if errors else {"path": "", "message": "invalid input"}
        summary = f"{first['path']}: {first['message']}" if first["path"] else first["message"]
        response.data = _body("invalid", summary, errors=errors)
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = str(detail.get("detail", detail)) if isinstance(detail, dict) else str(detail)
        code = exc.get_codes()
        response.data = _body(code if isinstance(code, str) else exc.default_code, message)
    return response


def _conflict(exc: Conflict) -> Response:
    return Response(_body(exc.code, exc.message), status=409)
