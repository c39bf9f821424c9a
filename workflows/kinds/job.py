"""Job: pods that run to completion."""

from __future__ import annotations

from typing import Any

from workflows.kinds import schema as s
from workflows.kinds.base import NodeKind
from workflows.kinds.context import RenderContext, ResolvedNode
from workflows.kinds.meta import manifest
from workflows.kinds.podspec import (
    check_mount_paths,
    check_workload,
    pod_template,
    workload_properties,
)

# Shared with CronJob, whose jobTemplate is a Job spec.
JOB_PROPERTIES: s.Schema = {
    "restartPolicy": s.enum(
        "Restart policy",
        "OnFailure restarts failed containers in place; Never creates a new pod instead.",
        ["OnFailure", "Never"],
        default="OnFailure",
    ),
    "backoffLimit": s.integer("Backoff limit", "Retries before the job fails.", minimum=0),
    "completions": s.integer("Completions", "Successful pods needed.", minimum=1),
    "parallelism": s.integer("Parallelism", "Pods running at once.", minimum=0),
    "activeDeadlineSeconds": s.integer(
        "Deadline (s)", "Seconds the job may run before it is stopped.", minimum=1
    ),
    "ttlSecondsAfterFinished": s.integer(
        "Cleanup after (s)", "Delete the finished job after this many seconds.", minimum=0
    ),
}
_JOB_SPEC_FIELDS = tuple(key for key in JOB_PROPERTIES if key != "restartPolicy")

SCHEMA = s.obj(
    workload_properties(default_port=None, **JOB_PROPERTIES),
    required=["name", "image"],
    frontend_keys=True,
)


def job_spec(node: ResolvedNode, ctx: RenderContext) -> dict[str, Any]:
    # No selector: the Job controller generates a unique one per job.
    spec = {key: node.data[key] for key in _JOB_SPEC_FIELDS if key in node.data}
    spec["template"] = pod_template(node, ctx, restart_policy=node.data["restartPolicy"])
    return spec


def render(node: ResolvedNode, ctx: RenderContext) -> list[dict[str, Any]]:
    return [manifest("batch/v1", "Job", node, ctx, spec=job_spec(node, ctx))]


KIND = NodeKind(
    type_id="job",
    label="Job",
    category="workloads",
    icon="play",
    description="Runs pods until a number of them finish successfully.",
    schema=SCHEMA,
    targets=frozenset(),
    renderer=render,
    data_checker=check_workload,
    link_checker=check_mount_paths,
)
