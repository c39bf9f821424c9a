"""The node under diagnosis and everything checks read about it, fetched once and shared."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from deployments.cluster import ClusterClient, ClusterError
from deployments.health.fields import dig
from workflows.kinds.context import ResolvedNode, Topology
from workflows.kinds.meta import NAME_LABEL, WORKFLOW_LABEL, sanitize_label_value
from workflows.manifests import RenderedObject
from workflows.models import Workflow

T = TypeVar("T")
POD_OWNING_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "Job"})


@dataclass
class Subject:
    workflow: Workflow
    node_id: str
    topology: Topology
    objects: list[RenderedObject]  # this node's rendered objects
    client: ClusterClient | None  # None when the cluster cannot be reached
    _memo: dict[Any, Any] = field(default_factory=dict)

    # --- the graph ------------------------------------------------------------------------

    @property
    def node(self) -> ResolvedNode:
        return self.topology.nodes[self.node_id]

    @property
    def kind(self) -> str:
        return self.node.type_id

    @property
    def data(self) -> Any:
        """The node's data with schema defaults (what was rendered)."""
        return self.node.data

    def raw_data(self, node_id: str | None = None) -> dict[str, Any]:
        """The saved data, without defaults: what a patch's ``old`` values are read from."""
        wanted = node_id or self.node_id
        for node in self.workflow.nodes:
            if node.get("id") == wanted:
                return dict(node.get("data") or {})
        return {}

    @property
    def primary(self) -> RenderedObject | None:
        return self.objects[0] if self.objects else None

    @property
    def namespace(self) -> str:
        return self.node.namespace

    # --- the cluster (memoized: several checks read the same objects) ---------------------

    def memo(self, key: Any, fetch: Callable[[], T]) -> T:
        if key not in self._memo:
            self._memo[key] = fetch()
        return self._memo[key]  # type: ignore[no-any-return]

    def cluster(self) -> ClusterClient:
        if self.client is None:
            raise ClusterError("the cluster cannot be reached", retryable=True)
        return self.client

    def get(self, api_version: str, kind: str, name: str, namespace: str | None) -> Any:
        return self.memo(
            ("get", api_version, kind, name, namespace),
            lambda: self.cluster().get(api_version, kind, name, namespace),
        )

    def live(self, obj: RenderedObject | None = None) -> dict[str, Any] | None:
        obj = obj or self.primary
        if obj is None:
            return None
        found: dict[str, Any] | None = self.get(
            obj.api_version, obj.k8s_kind, obj.name, obj.namespace
        )
        return found

    def pods(self) -> list[dict[str, Any]]:
        """Pods of this workload node (a CronJob's: those of all its Jobs)."""
        return self.memo("pods", self._fetch_pods)

    def _fetch_pods(self) -> list[dict[str, Any]]:
        live = self.live()
        if live is None:
            return []
        if live.get("kind") in POD_OWNING_KINDS:
            return list(self.cluster().pods_for(live))
        # CronJob pods carry the job template's labels: the node's name and workflow.
        selector = (
            f"{NAME_LABEL}={self.node.name},"
            f"{WORKFLOW_LABEL}={sanitize_label_value(str(self.workflow.pk))}"
        )
        pods = self.cluster().list("v1", "Pod", namespace=self.namespace, label_selector=selector)
        return sorted(pods, key=lambda pod: pod["metadata"]["name"])

    def events(self) -> list[dict[str, Any]]:
        """Every event of the node's namespace, read once (checks filter them)."""
        return self.memo(
            "events", lambda: list(self.cluster().list("v1", "Event", namespace=self.namespace))
        )

    def events_about(self, kind: str, names: set[str] | str) -> list[dict[str, Any]]:
        wanted = {names} if isinstance(names, str) else names
        return [
            event
            for event in self.events()
            if dig(event, "involvedObject", "kind") == kind
            and dig(event, "involvedObject", "name") in wanted
        ]

    def list_or_none(self, api_version: str, kind: str) -> list[dict[str, Any]] | None:
        """Cluster-wide objects (nodes, storage classes), or None when not allowed to list."""

        def fetch() -> list[dict[str, Any]] | None:
            try:
                return list(self.cluster().list(api_version, kind))
            except ClusterError as exc:
                if exc.status in (401, 403, 404):
                    return None
                raise

        return self.memo(("list", api_version, kind), fetch)
