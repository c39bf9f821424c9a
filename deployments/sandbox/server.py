"""HTTP routing for the Kubernetes REST subset: discovery, CRUD, watch, subresources."""

from __future__ import annotations

import base64
import json
import queue
import time
import traceback
from typing import Any

import yaml

from . import deletion, discovery
from .errors import (
    ApiError,
    bad_request,
    method_not_allowed,
    path_not_found,
    unauthorized,
    unsupported_media_type,
)
from .httpbase import BaseHandler, StreamClosed
from .resources import ResourceType
from .routing import Route, parse_route
from .selectors import parse_field_selector, parse_label_selector
from .store import WatchEvent
from .tables import to_table
from .util import Obj, dig, load_yaml

_UNAUTHENTICATED_PATHS = ("/healthz", "/livez", "/readyz")


class Handler(BaseHandler):
    def do_GET(self) -> None:
        self.dispatch()

    def do_POST(self) -> None:
        self.dispatch()

    def do_PUT(self) -> None:
        self.dispatch()

    def do_PATCH(self) -> None:
        self.dispatch()

    def do_DELETE(self) -> None:
        self.dispatch()

    def dispatch(self) -> None:
        self.parse_url()
        try:
            if self.path_only in _UNAUTHENTICATED_PATHS:
                self.send_bytes(200, b"ok", "text/plain")
                return
            if not self.authorized():
                self.read_body()
                raise unauthorized()
            self.route_request()
        except ApiError as error:
            self.send_error_status(error)
        except StreamClosed:
            self.close_connection = True
        except Exception as exc:
            traceback.print_exc()
            self.send_error_status(ApiError(500, "InternalError", f"Internal error: {exc!r}"))

    @property
    def api(self) -> Any:
        return self.server.cluster.api

    @property
    def extra_types(self) -> tuple[ResourceType, ...]:
        """The optional resource types this cluster serves (see resources.OPTIONAL_TYPES)."""
        return tuple(self.server.cluster.extra_types)

    # -- routing ---------------------------------------------------------------------------
    def route_request(self) -> None:
        path = self.path_only.rstrip("/") or "/"
        if self.command == "GET" and self.serve_discovery(path):
            return
        route = parse_route(path, self.extra_types)
        if route is None:
            raise path_not_found()
        if route.is_discovery:
            listing = discovery.resource_list(route.group, route.version,
                                              self.extra_types)
            if listing is None or self.command != "GET":
                raise path_not_found()
            self.send_json(200, listing)
            return
        self.serve_resource(route)

    def serve_discovery(self, path: str) -> bool:
        if path == "/version":
            self.send_json(200, discovery.VERSION_INFO)
        elif path == "/api":
            self.send_json(200, discovery.api_versions(self.server.cluster.address))
        elif path == "/apis":
            self.send_json(200, discovery.api_group_list(self.extra_types))
        elif path == "/openapi/v3":
            self.send_json(200, discovery.openapi_v3_root(self.extra_types))
        elif path.startswith("/openapi/v3/"):
            document = discovery.openapi_v3_group_version(path[len("/openapi/v3/"):],
                                                          self.extra_types)
            if document is None:
                raise path_not_found()
            self.send_json(200, document)
        elif path.startswith("/apis/") and path.count("/") == 2:
            versions = dict(discovery.groups(self.extra_types)).get(path.split("/")[2])
            if versions is None:
                raise path_not_found()
            self.send_json(200, discovery.api_group(path.split("/")[2], versions))
        else:
            return False
        return True

    def serve_resource(self, route: Route) -> None:
        assert route.rt is not None
        rt, sub, method = route.rt, route.subresource, self.command
        if sub == "log" and method == "GET":
            self.server.cluster.serve_logs(self, route.namespace or "", route.name or "")
        elif sub == "exec" and method in ("GET", "POST"):
            self.server.cluster.serve_exec(self, route.namespace or "", route.name or "")
        elif sub == "scale":
            self.serve_scale(route)
        elif route.name is None:
            self.serve_collection(route)
        elif sub not in (None, "status", "finalize"):
            raise method_not_allowed()
        elif method == "GET":
            self.send_json(200, self.api.get(rt, route.namespace, route.name))
        elif method == "PUT":
            body = self.decode_body()
            result = self.api.update(rt, route.namespace, route.name, body, self.manager(),
                                     self.dry_run(), "status" if sub == "status" else None)
            self.send_json(200, result)
        elif method == "PATCH":
            result, created = self.api.patch(
                rt, route.namespace, route.name, self.read_body(),
                self.headers.get("Content-Type", ""), self.manager(), self.dry_run(), sub)
            self.send_json(201 if created else 200, result)
        elif method == "DELETE":
            self.serve_delete(rt, route)
        else:
            raise method_not_allowed()

    def serve_collection(self, route: Route) -> None:
        assert route.rt is not None
        rt = route.rt
        if self.command == "GET":
            if route.legacy_watch or self.flag("watch"):
                self.serve_watch(rt, route.namespace)
            else:
                self.serve_list(rt, route.namespace)
        elif self.command == "POST":
            if rt.namespaced and route.namespace is None:
                raise method_not_allowed()
            created = self.api.create(rt, route.namespace, self.decode_body(), self.manager(),
                                      self.dry_run())
            self.send_json(201, created)
        elif self.command == "DELETE":
            self.read_body()
            items = self.matching(rt, route.namespace)
            deletion.delete_collection(self.api, rt, route.namespace, items,
                                       self.param("propagationPolicy"))
            self.send_json(200, self.list_body(rt, items, str(self.api.store.resource_version)))
        else:
            raise method_not_allowed()

    # -- helpers ---------------------------------------------------------------------------
    def decode_body(self) -> Any:
        raw = self.read_body()
        content_type = self.headers.get("Content-Type", "application/json")
        if "protobuf" in content_type:
            # A real API server decodes protobuf; the sandbox only speaks JSON and YAML, and
            # answers as an API server does for a type it cannot decode: clients then use JSON.
            raise unsupported_media_type(content_type)
        try:
            if "yaml" in content_type:
                return load_yaml(raw.decode())
            return json.loads(raw or b"null")
        except (ValueError, yaml.YAMLError) as exc:
            raise bad_request(f"error decoding request body: {exc}") from exc

    def manager(self) -> str:
        explicit = self.param("fieldManager")
        if explicit:
            return explicit
        agent = self.headers.get("User-Agent", "unknown")
        return agent.split("/")[0][:128] or "unknown"

    def dry_run(self) -> bool:
        values = self.query.get("dryRun", [])
        if any(v not in ("All", "") for v in values):
            raise bad_request(f'Unsupported value: "{values[0]}": supported values: "All"')
        return "All" in values

    def matching(self, rt: ResourceType, namespace: str | None) -> list[Obj]:
        labels = parse_label_selector(self.param("labelSelector"))
        fields = parse_field_selector(self.param("fieldSelector"), rt)
        items, _ = self.api.store.list(rt, namespace, lambda o: labels(o) and fields(o))
        return items

    def wants_table(self) -> bool:
        return "as=Table" in self.headers.get("Accept", "")

    def list_body(self, rt: ResourceType, items: list[Obj], rv: str,
                  cont: str | None = None, remaining: int = 0) -> dict[str, Any]:
        if self.wants_table():
            return to_table(rt.kind, items, rv, self.param("includeObject") or "Metadata")
        for item in items:
            item.pop("kind", None)
            item.pop("apiVersion", None)
        metadata: dict[str, Any] = {"resourceVersion": rv}
        if cont:
            metadata["continue"] = cont
            metadata["remainingItemCount"] = remaining
        return {"kind": f"{rt.kind}List", "apiVersion": rt.api_version, "metadata": metadata,
                "items": items}

    def serve_list(self, rt: ResourceType, namespace: str | None) -> None:
        with self.api.store.lock:
            items = self.matching(rt, namespace)
            rv = str(self.api.store.resource_version)
        start, limit = 0, int(self.param("limit") or 0)
        token = self.param("continue")
        if token:
            try:
                start = json.loads(base64.b64decode(token))["start"]
            except (ValueError, KeyError) as exc:
                raise bad_request("continue key is not valid") from exc
        page = items[start:start + limit] if limit else items[start:]
        next_token = None
        if limit and start + limit < len(items):
            next_token = base64.b64encode(json.dumps({"start": start + limit}).encode()).decode()
        remaining = len(items) - start - len(page)
        self.send_json(200, self.list_body(rt, page, rv, next_token, remaining))

    def serve_delete(self, rt: ResourceType, route: Route) -> None:
        assert route.name is not None
        raw = self.read_body()
        options = json.loads(raw) if raw.strip() else {}
        policy = self.param("propagationPolicy") or options.get("propagationPolicy")
        if options.get("orphanDependents") is True or self.flag("orphanDependents"):
            policy = policy or "Orphan"
        dry_run = self.dry_run() or "All" in (options.get("dryRun") or [])
        result = deletion.delete(self.api, rt, route.namespace, route.name, policy, dry_run)
        self.send_json(200, result)

    def serve_scale(self, route: Route) -> None:
        assert route.rt is not None and route.name is not None
        rt = route.rt
        if self.command in ("PUT", "PATCH"):
            body = self.decode_body() if self.command == "PUT" else json.loads(self.read_body())
            replicas = dig(body, "spec", "replicas")
            if not isinstance(replicas, int):
                raise bad_request("spec.replicas must be an integer")
            live = self.api.get(rt, route.namespace, route.name)
            live["spec"]["replicas"] = replicas
            self.api.update(rt, route.namespace, route.name, live, self.manager())
        obj = self.api.get(rt, route.namespace, route.name)
        selector = dig(obj, "spec", "selector", "matchLabels", default={})
        self.send_json(200, {
            "kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: obj["metadata"][k] for k in
                         ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")},
            "spec": {"replicas": dig(obj, "spec", "replicas", default=0)},
            "status": {"replicas": dig(obj, "status", "replicas", default=0),
                       "selector": ",".join(f"{k}={v}" for k, v in selector.items())}})

    # -- watch -----------------------------------------------------------------------------
    def serve_watch(self, rt: ResourceType, namespace: str | None) -> None:
        labels = parse_label_selector(self.param("labelSelector"))
        fields = parse_field_selector(self.param("fieldSelector"), rt)
        timeout = float(self.param("timeoutSeconds") or 1800)
        bookmarks = self.flag("allowWatchBookmarks")
        store = self.api.store
        try:
            watcher, initial = store.open_watch(rt, namespace, lambda o: labels(o) and fields(o),
                                                self.param("resourceVersion"))
        except ApiError as error:
            # Real servers answer a too-old resourceVersion inside a 200 watch stream.
            self.start_stream("application/json")
            self.write_chunk(self.watch_line("ERROR", error.status()))
            self.end_stream(clean=True)
            return
        self.start_stream("application/json")
        clean = False
        try:
            for event in initial:
                self.write_chunk(self.watch_line(event.type, event.obj, rt))
            clean = self.pump_watch(rt, watcher.queue, time.monotonic() + timeout, bookmarks)
        except StreamClosed:
            clean = False
        finally:
            store.close_watch(watcher)
            self.end_stream(clean)

    def pump_watch(self, rt: ResourceType, events: queue.Queue[WatchEvent | None],
                   deadline: float, bookmarks: bool) -> bool:
        interval = self.server.cluster.bookmark_interval
        next_bookmark = time.monotonic() + interval
        while (now := time.monotonic()) < deadline:
            try:
                event = events.get(timeout=max(0.01, min(deadline, next_bookmark) - now))
            except queue.Empty:
                if bookmarks and time.monotonic() >= next_bookmark:
                    self.send_bookmark(rt, events)
                    next_bookmark = time.monotonic() + interval
                continue
            if event is None:
                return False  # cut_connections(): end abruptly, like a dropped connection
            self.write_chunk(self.watch_line(event.type, event.obj, rt))
        return True

    def send_bookmark(self, rt: ResourceType, events: queue.Queue[WatchEvent | None]) -> None:
        # Under the store lock (an event being emitted has its version before it is queued),
        # but never waiting for it: behind a controller tick it would hold up every open watch,
        # and a skipped bookmark is sent at the next interval.
        lock = self.api.store.lock
        if not lock.acquire(blocking=False):
            return
        try:
            if not events.empty():
                return
            rv = str(self.api.store.resource_version)
        finally:
            lock.release()
        self.write_chunk(self.watch_line("BOOKMARK", {
            "kind": rt.kind, "apiVersion": rt.api_version, "metadata": {"resourceVersion": rv}}))

    def watch_line(self, kind: str, obj: Obj, rt: ResourceType | None = None) -> bytes:
        if rt is not None and self.wants_table() and kind != "BOOKMARK":
            obj = to_table(rt.kind, [obj], obj["metadata"].get("resourceVersion", ""),
                           self.param("includeObject") or "Metadata")
        return json.dumps({"type": kind, "object": obj}).encode() + b"\n"
