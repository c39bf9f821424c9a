"""ClusterClient: the one code path through which KubeOrch touches a cluster.

Requests go through kubernetes.dynamic.DynamicClient (discovery cached per client) on an
ApiClient built for this connection only. Every call is wrapped by `_call`, which turns
failures into ClusterError (with what we were doing) and retries the retryable ones.
"""

from __future__ import annotations

import builtins
import contextlib
import copy
import json
import os
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kubernetes import client as k8s
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.discovery import LazyDiscoverer
from kubernetes.dynamic.resource import Resource

from deployments.cluster import logs, relations, watching
from deployments.cluster.diffing import comparable, diff_objects
from deployments.cluster.errors import ClusterError, RetryPolicy, classify
from deployments.cluster.execsession import ExecSession, open_exec
from deployments.cluster.models import (
    ApplyResult,
    ClusterInfo,
    KubeObject,
    ObjectDiff,
    ObjectList,
    ObjectRef,
)

PAGE_SIZE = 500
# Applied before everything else by apply_many: other objects may live in or use them.
FIRST_KINDS = frozenset({"Namespace", "CustomResourceDefinition"})


class _InMemoryDiscoverer(LazyDiscoverer):
    """LazyDiscoverer that keeps its cache in memory only.

    The stock discoverer shares a cache file in /tmp keyed by host URL, which mixes up
    clusters reusing a host:port (sandboxes on recycled ports) and leaks between clients.
    """

    def _write_cache(self) -> None:
        pass


def _version(obj: KubeObject) -> Any:
    return (obj.get("metadata") or {}).get("resourceVersion")


# apply()'s live_version default: "not known, GET it" (None already means "absent").
UNKNOWN: Any = object()


class ClusterClient:
    def __init__(
        self,
        api_client: k8s.ApiClient,
        *,
        default_namespace: str = "default",
        secrets: Iterable[str] = (),
        retry_policy: RetryPolicy | None = None,
        request_timeout: float = 30.0,
        temp_files: Iterable[str] = (),
    ) -> None:
        self.api_client = api_client
        self.default_namespace = default_namespace
        self.retry_policy = retry_policy or RetryPolicy()
        self.request_timeout = request_timeout
        self._secrets = tuple(secrets)
        self._temp_files = list(temp_files)
        self._dynamic: DynamicClient | None = None
        self._resources: dict[tuple[str, str], Resource] = {}
        # DynamicClient discovery is not thread-safe; apply_many calls from many threads.
        self._discovery_lock = threading.RLock()
        self._retrying = threading.local()

    # --- plumbing -----------------------------------------------------------------------

    def close(self) -> None:
        self.api_client.close()
        for path in self._temp_files:
            with contextlib.suppress(OSError):
                os.unlink(path)
        self._temp_files.clear()

    def __enter__(self) -> ClusterClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _call[T](self, doing: str, fn: Callable[[], T], *, retry: bool = True) -> T:
        """Run fn, translating failures to ClusterError and retrying retryable ones.

        Only the outermost _call on a thread retries: a nested one (discovery triggered
        inside a request) failing once already fails an attempt of the outer call, and
        retrying at both levels would multiply the attempts.
        """

        def attempt() -> T:
            try:
                return fn()
            except Exception as exc:
                raise classify(exc, doing, self._secrets) from None

        if not retry or getattr(self._retrying, "active", False):
            return attempt()
        self._retrying.active = True
        try:
            return self.retry_policy.run(attempt)
        finally:
            self._retrying.active = False

    def classify(self, exc: BaseException, doing: str) -> ClusterError:
        return classify(exc, doing, self._secrets)

    @property
    def dynamic(self) -> DynamicClient:
        with self._discovery_lock:
            if self._dynamic is None:
                # The cache file is never written (see _InMemoryDiscoverer); a unique
                # name makes sure no other process' file is ever read either.
                cache_file = os.path.join(
                    tempfile.gettempdir(), f"kubeorch-discovery-{uuid.uuid4().hex}.json"
                )
                self._dynamic = self._call(
                    "discover the cluster's API",
                    lambda: DynamicClient(
                        self.api_client, cache_file=cache_file, discoverer=_InMemoryDiscoverer
                    ),
                )
            return self._dynamic

    def resource(self, api_version: str, kind: str) -> Resource:
        key = (api_version, kind)
        with self._discovery_lock:
            if key not in self._resources:
                dynamic = self.dynamic
                self._resources[key] = self._call(
                    f"look up {kind} in {api_version}",
                    lambda: dynamic.resources.get(api_version=api_version, kind=kind),
                )
            return self._resources[key]

    def _request_json(self, doing: str, method: str, path: str, **params: Any) -> KubeObject:
        response = self._call(
            doing, lambda: self.dynamic.request(method, path, serialize=False, **params)
        )
        return json.loads(response.data or b"{}")

    def _namespace_for(self, resource: Resource, namespace: str | None) -> str | None:
        if not resource.namespaced:
            return None
        return namespace or self.default_namespace

    # --- reading ------------------------------------------------------------------------

    def get(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> KubeObject | None:
        resource = self.resource(api_version, kind)
        namespace = self._namespace_for(resource, namespace)
        ref = ObjectRef(api_version, kind, name, namespace)
        return self._get(resource, ref, f"get {ref}")

    def _get(self, resource: Resource, ref: ObjectRef, doing: str) -> KubeObject | None:
        try:
            return self._request_json(
                doing, "get", resource.path(name=ref.name, namespace=ref.namespace)
            )
        except ClusterError as error:
            if error.status == 404:
                return None
            raise

    def list(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> ObjectList:
        items, _ = self.list_with_version(
            api_version,
            kind,
            namespace=namespace,
            label_selector=label_selector,
            field_selector=field_selector,
        )
        return items

    def list_with_version(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> tuple[ObjectList, str | None]:
        """Items (with apiVersion/kind filled in) and the list's resourceVersion.

        namespace=None lists across all namespaces. Pages through large lists; the first
        page's resourceVersion is the snapshot every page belongs to.
        """
        resource = self.resource(api_version, kind)
        where = f" in ns {namespace}" if namespace and resource.namespaced else ""
        doing = f"list {kind}{where}"
        path = resource.path(namespace=namespace if resource.namespaced else None)
        selectors_ = {"label_selector": label_selector, "field_selector": field_selector}
        items: ObjectList = []
        continue_token = None
        list_version = None
        while True:
            page = self._request_json(
                doing, "get", path, limit=PAGE_SIZE, _continue=continue_token, **selectors_
            )
            metadata = page.get("metadata") or {}
            list_version = list_version or metadata.get("resourceVersion")
            items.extend(page.get("items") or [])
            continue_token = metadata.get("continue")
            if not continue_token:
                break
        for item in items:
            # List items come without apiVersion/kind; callers want self-describing objects.
            item.setdefault("apiVersion", api_version)
            item.setdefault("kind", kind)
        return items, list_version

    # --- writing ------------------------------------------------------------------------

    def apply(
        self,
        obj: KubeObject,
        *,
        dry_run: bool = False,
        force: bool = True,
        field_manager: str = "kubeorch",
        live_version: Any = UNKNOWN,
    ) -> ApplyResult:
        """Server-side apply obj; changed is True when the server stored something new.

        live_version: the live object's resourceVersion (None: absent) when the caller already
        knows it, which saves the GET otherwise needed to tell "changed" from "unchanged".
        """
        resource, body, ref = self._prepare(obj, "apply")
        doing = f"{'dry-run apply' if dry_run else 'apply'} {ref}"
        if live_version is not UNKNOWN and not dry_run:
            applied = self._server_side_apply(resource, body, doing, False, force, field_manager)
            new_version = applied.get("metadata", {}).get("resourceVersion")
            created = live_version is None
            return ApplyResult(
                object=applied, changed=created or new_version != live_version, created=created
            )
        live = self._get(resource, ref, doing)
        applied = self._server_side_apply(resource, body, doing, dry_run, force, field_manager)
        created = live is None
        if live is None:
            changed = True
        elif dry_run:
            # A dry run never stores a new resourceVersion; compare content instead.
            changed = comparable(applied) != comparable(live)
        else:
            live_version = (live.get("metadata") or {}).get("resourceVersion")
            changed = applied.get("metadata", {}).get("resourceVersion") != live_version
        return ApplyResult(object=applied, changed=changed, created=created)

    def _prepare(self, obj: KubeObject, verb: str) -> tuple[Resource, KubeObject, ObjectRef]:
        ref = ObjectRef.of(obj)
        if not (ref.api_version and ref.kind and ref.name):
            raise ClusterError(
                f"{verb} {ref.kind or 'object'} {ref.name or '<unnamed>'}: "
                "apiVersion, kind and metadata.name are required",
                reason="Invalid",
            )
        resource = self.resource(ref.api_version, ref.kind)
        body = copy.deepcopy(obj)
        namespace = self._namespace_for(resource, ref.namespace)
        if namespace:
            body["metadata"]["namespace"] = namespace
        else:
            body["metadata"].pop("namespace", None)  # cluster-scoped: a namespace is an error
        return resource, body, ObjectRef(ref.api_version, ref.kind, ref.name, namespace)

    def _server_side_apply(
        self,
        resource: Resource,
        body: KubeObject,
        doing: str,
        dry_run: bool,
        force: bool,
        field_manager: str,
    ) -> KubeObject:
        response = self._call(
            doing,
            lambda: self.dynamic.server_side_apply(
                resource,
                body=body,
                field_manager=field_manager,
                force_conflicts=force,
                dry_run="All" if dry_run else None,
                serialize=False,
            ),
        )
        return json.loads(response.data)

    def apply_many(
        self,
        objs: Iterable[KubeObject],
        *,
        concurrency: int = 8,
        dry_run: bool = False,
        force: bool = True,
        field_manager: str = "kubeorch",
        return_errors: bool = False,
    ) -> builtins.list[Any]:
        """Apply objs with at most `concurrency` requests in flight; results in input order.

        Namespaces and CRDs go first (other objects may depend on them). Every object is
        attempted; then the first failure (in input order) is raised, unless
        return_errors=True, in which case failed slots hold their ClusterError.
        """
        objs = list(objs)
        results: builtins.list[Any] = [None] * len(objs)
        versions = {} if dry_run else self._live_versions(objs)

        def apply_one(index: int) -> None:
            try:
                results[index] = self.apply(
                    objs[index],
                    dry_run=dry_run,
                    force=force,
                    field_manager=field_manager,
                    live_version=versions.get(index, UNKNOWN),
                )
            except ClusterError as error:
                results[index] = error

        first = [i for i, obj in enumerate(objs) if obj.get("kind") in FIRST_KINDS]
        rest = [i for i, obj in enumerate(objs) if obj.get("kind") not in FIRST_KINDS]
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            for phase in (first, rest):
                list(pool.map(apply_one, phase))
        if not return_errors:
            for result in results:
                if isinstance(result, ClusterError):
                    raise result
        return results

    def _live_versions(self, objs: builtins.list[KubeObject]) -> dict[int, str | None]:
        """Live resourceVersions (None: absent) by input index, one LIST per kind and
        namespace holding several of the objects, instead of one GET per object. Groups that
        cannot be listed (RBAC, unknown kinds) are left out: apply() then GETs as usual."""
        groups: dict[tuple[str, str, str | None], builtins.list[tuple[int, str]]] = {}
        for index, obj in enumerate(objs):
            try:
                _, _, ref = self._prepare(obj, "apply")
            except ClusterError:
                continue  # apply() reports it for this object
            groups.setdefault((ref.api_version, ref.kind, ref.namespace), []).append(
                (index, ref.name)
            )
        versions: dict[int, str | None] = {}
        for (api_version, kind, namespace), members in groups.items():
            if len(members) < 2:
                continue  # a GET costs the same as a LIST
            try:
                items = self.list(api_version, kind, namespace=namespace)
            except ClusterError:
                continue
            live = {
                item["metadata"]["name"]: item["metadata"].get("resourceVersion") for item in items
            }
            for index, name in members:
                versions[index] = live.get(name)
        return versions

    def diff(self, obj: KubeObject, *, field_manager: str = "kubeorch") -> ObjectDiff:
        """What applying obj would change, according to a server-side dry run."""
        resource, body, ref = self._prepare(obj, "diff")
        doing = f"diff {ref}"
        for _ in range(3):
            live = self._get(resource, ref, doing)
            desired = self._server_side_apply(resource, body, doing, True, True, field_manager)
            # A dry run keeps the live resourceVersion: if it moved, a controller wrote between
            # the two reads, and its change would be shown as ours. Read both again.
            if live is None or _version(desired) == _version(live):
                break
        action, changes = diff_objects(live, desired)
        return ObjectDiff(action=action, changes=changes, desired=desired, live=live)

    def delete(
        self,
        api_version: str,
        kind: str,
        name: str,
        namespace: str | None = None,
        *,
        propagation: str = "Background",
    ) -> bool:
        """Delete one object (dependents per propagation). False if it was already gone."""
        resource = self.resource(api_version, kind)
        ref = ObjectRef(api_version, kind, name, self._namespace_for(resource, namespace))
        attempts = 0

        def delete_once() -> Any:
            nonlocal attempts
            attempts += 1
            return self.dynamic.delete(
                resource,
                name=name,
                namespace=ref.namespace,
                propagation_policy=propagation,
                serialize=False,
            )

        try:
            self._call(f"delete {ref}", delete_once)
        except ClusterError as error:
            if error.status == 404:
                # After a retried attempt, 404 most likely means that attempt's delete
                # went through and only its response was lost.
                return attempts > 1
            raise
        return True

    def ensure_namespace(self, name: str) -> None:
        resource = self.resource("v1", "Namespace")
        ref = ObjectRef("v1", "Namespace", name)
        doing = f"ensure {ref}"
        if self._get(resource, ref, doing) is not None:
            return
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        try:
            self._call(doing, lambda: self.dynamic.create(resource, body=body, serialize=False))
        except ClusterError as error:
            if error.reason != "AlreadyExists":  # created meanwhile: fine
                raise

    # --- cluster overview and relationships (relations.py) ------------------------------

    def info(self) -> ClusterInfo:
        """Server version, node count, namespaces and storage classes (for "test connection")."""
        return relations.cluster_info(self)

    def events_for(self, obj: KubeObject) -> ObjectList:
        """core/v1 Events about obj (matched by uid, else kind+name), oldest first."""
        return relations.events_for(self, obj)

    def pods_for(self, workload: KubeObject) -> ObjectList:
        """Pods selected by a workload's spec.selector, in its namespace, sorted by name."""
        return relations.pods_for(self, workload)

    # --- streams ------------------------------------------------------------------------

    def watch(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resource_version: str | None = None,
        stop: threading.Event | None = None,
        server_timeout_seconds: int = 300,
    ) -> watching.ResourceWatch:
        """Iterator of WatchEvents until stop is set; survives drops and 410 Gone.

        Without resource_version it first emits the current objects as ADDED. See
        watching.py for how it stays exact across reconnects.
        """
        return watching.ResourceWatch(
            self,
            api_version,
            kind,
            namespace=namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            resource_version=resource_version,
            stop=stop,
            server_timeout_seconds=server_timeout_seconds,
        )

    def pod_logs(
        self,
        name: str,
        namespace: str,
        *,
        container: str | None = None,
        tail_lines: int | None = None,
        since_seconds: int | None = None,
        previous: bool = False,
        timestamps: bool = False,
    ) -> str:
        return logs.read_logs(
            self,
            name,
            namespace,
            logs.LogOptions(container, tail_lines, since_seconds, previous, timestamps),
        )

    def follow_pod_logs(
        self,
        name: str,
        namespace: str,
        *,
        container: str | None = None,
        tail_lines: int | None = None,
        since_seconds: int | None = None,
        timestamps: bool = False,
        stop: threading.Event | None = None,
    ) -> logs.LogFollower:
        """Iterator of log lines as they are written, until the container stops or stop is set.

        Survives dropped connections without losing or repeating lines (see logs.py).
        """
        options = logs.LogOptions(container, tail_lines, since_seconds, False, timestamps)
        return logs.follow_logs(self, name, namespace, options, stop)

    def exec(
        self,
        name: str,
        namespace: str,
        *,
        container: str | None = None,
        command: Iterable[str] = ("/bin/sh",),
        tty: bool = True,
    ) -> ExecSession:
        return open_exec(self, name, namespace, container=container, command=command, tty=tty)
