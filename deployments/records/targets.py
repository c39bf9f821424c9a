"""What a deployment record can name as its target: `<kind>:<id>`, e.g. `workflow:7`."""

import re

from kubeorch.errors import FieldError, InvalidInput
from workflows.models import Workflow

TARGET_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,30}:[A-Za-z0-9][A-Za-z0-9._-]{0,150}$")
WORKFLOW_PREFIX = "workflow:"


def workflow_id_of(target: str) -> int | None:
    """The workflow a `workflow:<id>` target names, else None."""
    if not target.startswith(WORKFLOW_PREFIX):
        return None
    rest = target.removeprefix(WORKFLOW_PREFIX)
    return int(rest) if rest.isdigit() and len(rest) < 19 else None


def check_target(target: str, team_id: int) -> None:
    """A target is `<kind>:<id>`; a workflow target must be a workflow of the cluster's team
    (other kinds, such as artifacts, are checked by the pipeline that owns them)."""
    if not TARGET_PATTERN.match(target):
        raise _invalid(target, "must look like <kind>:<id>, e.g. workflow:7 or artifact:42")
    if target.startswith(WORKFLOW_PREFIX):
        workflow_id = workflow_id_of(target)
        if workflow_id is None or not Workflow.objects.filter(
            pk=workflow_id, team_id=team_id
        ).exists():
            raise _invalid(target, "no such workflow in the cluster's team")


def _invalid(target: str, why: str) -> InvalidInput:
    return InvalidInput(f"target {target!r} {why}", [FieldError("target", why)])
