"""The MCP tools: the artifact actions of /api/artifacts for coding agents.

Each tool validates its arguments with the REST API's serializer and calls
`deployments.artifacts.service`, exactly as the REST views do, so a tool answers what the
matching endpoint would: the same JSON on success, and on failure an error result
(`isError`) whose text is the REST error body `{code, message, errors?}` plus its HTTP
`status`. Artifacts outside the caller's teams do not exist (`not_found`, 404).
"""

import json
from collections.abc import Callable
from typing import Annotated, Any, Literal

from asgiref.sync import sync_to_async
from django.db import close_old_connections
from django.shortcuts import get_object_or_404
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field, ValidationError
from rest_framework.utils.encoders import JSONEncoder

from deployments.api import artifact_serializers as s
from deployments.artifacts import service
from deployments.models.artifacts import Artifact
from kubeorch.api_errors import exception_handler

INSTRUCTIONS = (
    "Deploy source code to Kubernetes as KubeOrch artifacts. deploy_artifact and "
    "update_artifact take the source as {path: content}; they return at once (accepted) and the "
    "pipeline builds and rolls out in the background: poll get_artifact_status until the status "
    "is running (or failed: read get_artifact_logs with stage=build). Errors are JSON "
    "{code, message, errors: [{path, message}], status}, as in the REST API /api/artifacts."
)

MISSING = "This field is required."  # DRF's words


class ArtifactServer(MCPServer):
    """Arguments that do not fit a tool's input schema (a required one missing, a wrong JSON
    type) are answered in the REST error shape too, naming the fields, as DRF would."""

    async def call_tool(self, name: str, arguments: dict[str, Any],
                        context: Context | None = None) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as error:
            if not isinstance(error.__cause__, ValidationError):
                raise
            errors = [{"path": ".".join(str(part) for part in e["loc"]),
                       "message": MISSING if e["type"] == "missing" else e["msg"]}
                      for e in error.__cause__.errors()]
            first = errors[0]
            return _result({"code": "invalid", "message": f"{first['path']}: {first['message']}",
                            "errors": errors, "status": 400}, is_error=True)


server: MCPServer = ArtifactServer(
    "kubeorch", title="KubeOrch artifacts", instructions=INSTRUCTIONS,
    warn_on_duplicate_tools=False)

ArtifactId = Annotated[int, Field(description="the artifact's id (from list_artifacts or "
                                              "deploy_artifact's artifact_id)")]
Files = Annotated[dict[str, str] | None, Field(
    description="the source: {relative path: content}, e.g. {\"index.html\": \"<h1>hi</h1>\"}; "
                "a Dockerfile is used if present, otherwise the language is detected "
                "(static site, Python, Node, Go)")]
Encoding = Annotated[Literal["utf-8", "base64"], Field(
    description="how `files` contents are encoded: utf-8 text, or base64 for binary files")]
Port = Annotated[int | None, Field(description="the port the app listens on (1-65535); "
                                               "default: detected from the language")]
Env = Annotated[dict[str, str] | None, Field(description="environment variables {NAME: value}")]
Secrets = Annotated[dict[str, str] | None, Field(
    description="secret environment variables {NAME: value}: stored encrypted, shown masked")]


class SecretRef(BaseModel):
    env: str = Field(description="the environment variable to set")
    secret: str = Field(description="the name of an existing Kubernetes Secret")
    key: str = Field(description="the key in that Secret")


SecretRefs = Annotated[list[SecretRef] | None, Field(
    description="environment variables read from existing Kubernetes Secrets")]

DESTRUCTIVE = ToolAnnotations(destructive_hint=True, idempotent_hint=False)
READ_ONLY = ToolAnnotations(read_only_hint=True)


class _Requester:
    """What the serializers' context needs from a request."""

    def __init__(self, user: Any) -> None:
        self.user = user


def _user(ctx: Context) -> Any:
    """The user deployments.mcp.app authenticated for this HTTP request (None outside one)."""
    request = ctx.request_context.request
    user = request.scope.get("user") if request is not None else None
    return user if user is not None and user.is_authenticated else None


def _error_body(exc: Exception) -> dict[str, Any] | None:
    """The REST error body (and its HTTP status) for an exception; None if unexpected."""
    response = exception_handler(exc, {})
    if response is None:
        return None
    return {**_plain(response.data), "status": response.status_code}


def _plain(data: Any) -> Any:
    """JSON as the REST API renders it (datetimes as ISO strings, decimals, lazy strings)."""
    return json.loads(json.dumps(data, cls=JSONEncoder))


def _result(data: dict[str, Any], is_error: bool = False) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=json.dumps(data, indent=2))],
                          structured_content=data, is_error=is_error)


async def _run(ctx: Context, work: Callable[[Any], dict[str, Any]]) -> CallToolResult:
    """Run `work(user)` with the ORM in Django's sync thread (a fresh connection each call,
    closed after, as Django does per request). An error the REST API would answer with a 4xx
    (or 502 for the cluster) becomes an error result carrying the same body."""
    user = _user(ctx)
    if user is None:
        return _result({"code": "not_authenticated", "status": 401,
                        "message": "Authentication credentials were not provided."}, True)

    def call() -> CallToolResult:
        close_old_connections()
        try:
            return _result(_plain(work(user)))
        except Exception as exc:
            body = _error_body(exc)
            if body is None:
                raise
            return _result(body, is_error=True)
        finally:
            close_old_connections()

    return await sync_to_async(call, thread_sensitive=True)()


def _artifact(user: Any, artifact_id: int) -> Artifact:
    return get_object_or_404(service.visible_artifacts(user), pk=artifact_id)


def _valid(serializer_class: type, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    serializer = serializer_class(data={k: v for k, v in data.items() if v is not None},
                                  **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _options(files: dict[str, str] | None, files_encoding: str, port: int | None,
             env: dict[str, str] | None, secrets: dict[str, str] | None,
             secret_refs: list[SecretRef] | None) -> dict[str, Any]:
    return {"files": files, "files_encoding": files_encoding, "port": port, "env": env,
            "secrets": secrets,
            "secret_refs": [r.model_dump() for r in secret_refs] if secret_refs else None}


@server.tool(annotations=ToolAnnotations(destructive_hint=False, idempotent_hint=False))
async def deploy_artifact(
    ctx: Context,
    name: Annotated[str, Field(description="the artifact's name: lowercase letters, digits and "
                                           "'-', starting with a letter, at most 40")],
    files: Files,
    files_encoding: Encoding = "utf-8",
    cluster: Annotated[int | None, Field(
        description="the cluster id; may be left out when your teams have exactly one")] = None,
    namespace: Annotated[str | None, Field(
        description="the Kubernetes namespace; default: the cluster's default namespace")] = None,
    host: Annotated[str | None, Field(description="a host name for an Ingress")] = None,
    port: Port = None,
    env: Env = None,
    secrets: Secrets = None,
    secret_refs: SecretRefs = None,
) -> CallToolResult:
    """Deploy source files as a new artifact: builds an image and rolls it out.

    Returns {artifact_id, revision, status, events_url} at once (POST /api/artifacts, 202)."""
    def work(user: Any) -> Any:
        data = _valid(s.DeploySerializer, {
            "name": name, "cluster": cluster, "namespace": namespace, "host": host,
            **_options(files, files_encoding, port, env, secrets, secret_refs)},
            context={"request": _Requester(user)})
        return service.accepted(service.deploy(user, data))

    return await _run(ctx, work)


@server.tool(annotations=ToolAnnotations(destructive_hint=False, idempotent_hint=False))
async def update_artifact(
    ctx: Context,
    artifact_id: ArtifactId,
    files: Files = None,
    files_encoding: Encoding = "utf-8",
    port: Port = None,
    env: Env = None,
    secrets: Secrets = None,
    secret_refs: SecretRefs = None,
) -> CallToolResult:
    """New files and/or options for an artifact: a new revision, built and rolled out.

    Options left out keep their current values. Returns {artifact_id, revision, status,
    events_url} (PUT /api/artifacts/{id}, 202)."""
    def work(user: Any) -> Any:
        artifact = _artifact(user, artifact_id)
        data = _valid(s.OptionsSerializer,
                      _options(files, files_encoding, port, env, secrets, secret_refs))
        return service.accepted(service.update(user, artifact, data))

    return await _run(ctx, work)


@server.tool(annotations=DESTRUCTIVE)
async def delete_artifact(ctx: Context, artifact_id: ArtifactId) -> CallToolResult:
    """Delete an artifact: its workload, stored source and record (DELETE /api/artifacts/{id}).

    Returns {artifact_id, status: "deleted", revision, events_url}; the artifact is gone at once,
    its workload is removed in the background."""
    def work(user: Any) -> Any:
        artifact = service.delete(user, _artifact(user, artifact_id))
        return {"artifact_id": artifact.pk, "status": artifact.status,
                "revision": artifact.current_revision, "events_url": s.events_url(artifact)}

    return await _run(ctx, work)


@server.tool(annotations=READ_ONLY)
async def get_artifact_status(ctx: Context, artifact_id: ArtifactId) -> CallToolResult:
    """An artifact's status (pending, building, built, deploying, running, failed, cancelled),
    its URL, error, and newest revision with its stages (GET /api/artifacts/{id})."""
    return await _run(ctx, lambda user: service.detail(_artifact(user, artifact_id)))


@server.tool(annotations=READ_ONLY)
async def get_artifact_logs(
    ctx: Context,
    artifact_id: ArtifactId,
    stage: Annotated[str | None, Field(
        description="fetch, build, push or deploy (stored logs of a revision), or runtime (the "
                    "running app's pods); default: every stored stage")] = None,
    revision: Annotated[int | None, Field(
        description="the revision number; default: the newest")] = None,
    after: Annotated[int, Field(description="return lines after this seq (the `next` of a "
                                            "previous call), to follow a build")] = 0,
    tail: Annotated[int, Field(description="at most this many (newest) lines, 1-5000")] = 500,
) -> CallToolResult:
    """Logs of a revision's stage, or of the running app (GET /api/artifacts/{id}/logs).

    Stored stages return {revision, stage, lines: [{seq, stage, ts, line}], next}; runtime
    returns {revision, stage, pods: [{pod, revision, lines}]}."""
    def work(user: Any) -> Any:
        artifact = _artifact(user, artifact_id)
        query = _valid(s.LogQuerySerializer, {"stage": stage, "revision": revision,
                                              "after": after, "tail": tail})
        return service.logs(artifact, **query)

    return await _run(ctx, work)


@server.tool(annotations=READ_ONLY)
async def list_artifacts(
    ctx: Context,
    status: Annotated[str | None, Field(
        description="only artifacts in this status (e.g. running, failed)")] = None,
    cursor: Annotated[int | None, Field(
        description="the `next` of the previous page")] = None,
    limit: Annotated[int, Field(description="page size, 1-200")] = 50,
) -> CallToolResult:
    """Artifacts of your teams, newest first: {results: [...], next} (GET /api/artifacts)."""
    def work(user: Any) -> Any:
        query = _valid(s.ListQuerySerializer, {"status": status, "cursor": cursor,
                                               "limit": limit})
        return service.list_page(user, **query)

    return await _run(ctx, work)


@server.tool(annotations=READ_ONLY)
async def list_versions(ctx: Context, artifact_id: ArtifactId) -> CallToolResult:
    """An artifact's revisions, newest first, with stages, image and status:
    {versions: [...]} (GET /api/artifacts/{id}/versions)."""
    return await _run(ctx, lambda user: {
        "versions": service.versions(_artifact(user, artifact_id))})


@server.tool(annotations=ToolAnnotations(destructive_hint=False, idempotent_hint=False))
async def rollback_artifact(
    ctx: Context,
    artifact_id: ArtifactId,
    revision: Annotated[int, Field(description="the revision whose image to serve again")],
) -> CallToolResult:
    """Redeploy a retained image of an earlier revision as a new revision, without a rebuild
    (POST /api/artifacts/{id}/rollback, 202)."""
    def work(user: Any) -> Any:
        artifact = _artifact(user, artifact_id)
        number = _valid(s.RollbackSerializer, {"revision": revision})["revision"]
        return service.accepted(service.rollback(user, artifact, number))

    return await _run(ctx, work)


TOOLS = ["deploy_artifact", "update_artifact", "delete_artifact", "get_artifact_status",
         "get_artifact_logs", "list_artifacts", "list_versions", "rollback_artifact"]

