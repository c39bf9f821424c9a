"""CronJob: a Job on a schedule."""

from __future__ import annotations

from typing import Any

from workflows.kinds import schema as s
from workflows.kinds.base import NodeKind
from workflows.kinds.context import RenderContext, ResolvedNode
from workflows.kinds.job import JOB_PROPERTIES, job_spec
from workflows.kinds.meta import manifest, object_labels
from workflows.kinds.podspec import check_mount_paths, check_workload, workload_properties

# The controller appends an 11-character suffix to job names, which must stay <= 63.
CRONJOB_NAME_MAX = 52

_PROPERTIES = workload_properties(
    default_port=None,
    schedule=s.formatted(
        "cron", "Schedule", "Cron schedule, e.g. '*/5 * * * *' or '@hourly'.", default="@hourly"
    ),
    timeZone=s.string(
        "Time zone", "IANA time zone of the schedule, e.g. 'Europe/Paris'; default: the "
        "controller's.", pattern=r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$",
    ),
    concurrencyPolicy=s.enum(
        "Concurrency", "What to do when a run is still active at the next tick.",
        ["Allow", "Forbid", "Replace"], default="Allow",
    ),
    suspend=s.boolean("Suspended", "Pause scheduling of new runs.", default=False),
    startingDeadlineSeconds=s.integer(
        "Starting deadline (s)", "Skip a run that could not start within this delay.", minimum=0
    ),
    successfulJobsHistoryLimit=s.integer("Successful history", "Finished jobs kept.", minimum=0),
    failedJobsHistoryLimit=s.integer("Failed history", "Failed jobs kept.", minimum=0),
    **JOB_PROPERTIES,
)
_PROPERTIES["name"] = {**_PROPERTIES["name"], "maxLength": CRONJOB_NAME_MAX}

SCHEMA = s.obj(_PROPERTIES, required=["name", "image", "schedule"], frontend_keys=True)

_CRON_FIELDS = (
    "schedule",
    "timeZone",
    "concurrencyPolicy",
    "suspend",
    "startingDeadlineSeconds",
    "successfulJobsHistoryLimit",
    "failedJobsHistoryLimit",
)


def render(node: ResolvedNode, ctx: RenderContext) -> list[dict[str, Any]]:
    spec: dict[str, Any] = {key: node.data[key] for key in _CRON_FIELDS if key in node.data}
    spec["jobTemplate"] = {
        "metadata": {"labels": object_labels(node, ctx)},
        "spec": job_spec(node, ctx),
    }
    return [manifest("batch/v1", "CronJob", node, ctx, spec=spec)]


KIND = NodeKind(
    type_id="cronjob",
    label="CronJob",
    category="workloads",
    icon="clock",
    description="Creates a Job on a cron schedule.",
    schema=SCHEMA,
    targets=frozenset(),
    renderer=render,
    data_checker=check_workload,
    link_checker=check_mount_paths,
)
