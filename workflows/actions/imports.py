"""Creating workflows from Kubernetes YAML or from a starter template."""

from __future__ import annotations

from typing import Any

from kubeorch.errors import FieldError as E
from kubeorch.errors import InvalidInput, NotFound
from workflows.actions.workflows import create_workflow
from workflows.importer import ImportFailed, import_yaml
from workflows.models import Workflow
from workflows.permissions import WRITE, require
from workflows.starters import get_starter


def import_workflow(
    actor: Any, *, team: Any, yaml_text: str, namespace: str, **fields: Any
) -> tuple[Workflow, list[str]]:
    """A new workflow holding the objects of ``yaml_text``, and the import's warnings."""
    # Before parsing: someone who may not create workflows learns nothing about the YAML.
    require(actor, team.id, WRITE, "workflows")
    try:
        result = import_yaml(yaml_text, default_namespace=namespace)
    except ImportFailed as exc:
        raise InvalidInput(
            f"the YAML cannot be imported: {exc.errors[0].message}",
            [E(error.path, error.message) for error in exc.errors],
        ) from exc
    workflow = create_workflow(
        actor, team=team, nodes=result.nodes, edges=result.edges, namespace=namespace, **fields
    )
    return workflow, result.warnings


def create_from_starter(
    actor: Any, *, team: Any, starter_id: str, name: str | None = None, **fields: Any
) -> Workflow:
    starter = get_starter(starter_id)
    if starter is None:
        raise NotFound(f"no starter is named {starter_id!r}")
    return create_workflow(
        actor,
        team=team,
        nodes=starter["nodes"],
        edges=starter["edges"],
        name=name or starter["name"],
        description=starter["description"],
        **fields,
    )
