"""Schedule and webhook triggers for workflow runs.

Schedules are django-celery-beat PeriodicTasks (one per workflow) so beat picks changes up
without a restart; webhooks authenticate the body with HMAC-SHA256 under a per-workflow secret.
"""

import hashlib
import hmac
import json
import secrets
from typing import Any

from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from deployments.models import Run, TriggeredBy
from kubeorch.errors import FieldError as E
from kubeorch.errors import InvalidInput, NotFound
from workflows.models import Workflow, WorkflowStatus
from workflows.permissions import WRITE, require

SIGNATURE_HEADER = "X-KubeOrch-Signature"
_MACROS = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
           "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *",
           "@annually": "0 0 1 1 *"}


def task_name(workflow_id: int) -> str:
    return f"workflow-{workflow_id}-schedule"


def crontab_fields(expression: str) -> dict[str, str]:
    text = _MACROS.get(expression.strip().lower(), expression.strip())
    minute, hour, day_of_month, month_of_year, day_of_week = (
        field.replace("?", "*") for field in text.split()
    )
    return {"minute": minute, "hour": hour, "day_of_month": day_of_month,
            "month_of_year": month_of_year, "day_of_week": day_of_week}


def sync_schedule(workflow: Workflow) -> None:
    """Make beat's PeriodicTask match the workflow: present and enabled iff it has a schedule
    and is not archived."""
    name = task_name(workflow.pk)
    if not workflow.schedule:
        PeriodicTask.objects.filter(name=name).delete()
        return
    crontab, _ = CrontabSchedule.objects.get_or_create(timezone="UTC",
                                                       **crontab_fields(workflow.schedule))
    PeriodicTask.objects.update_or_create(
        name=name,
        defaults={"task": "deployments.run_scheduled", "crontab": crontab, "interval": None,
                  "args": json.dumps([workflow.pk]),
                  "enabled": workflow.status != WorkflowStatus.ARCHIVED},
    )


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@transaction.atomic
def enable_webhook(actor: Any, workflow: Workflow) -> tuple[str, str]:
    """A new token (the URL) and secret; the secret is shown once and stored encrypted."""
    require(actor, workflow.team_id, WRITE, "this workflow")
    token, secret = secrets.token_urlsafe(24), secrets.token_urlsafe(32)
    Workflow.objects.filter(pk=workflow.pk).update(
        webhook_token=token, webhook_secret={"secret": secret}
    )
    return token, secret


@transaction.atomic
def disable_webhook(actor: Any, workflow: Workflow) -> None:
    require(actor, workflow.team_id, WRITE, "this workflow")
    Workflow.objects.filter(pk=workflow.pk).update(webhook_token=None, webhook_secret={})


class BadSignature(Exception):
    pass


def run_from_webhook(token: str, body: bytes, provided: str) -> Run:
    from deployments.actions.runs import start_run

    workflow = Workflow.objects.filter(webhook_token=token).first()
    if workflow is None:
        raise NotFound("no such webhook")
    expected = signature(workflow.webhook_secret.get("secret", ""), body)
    if not provided or not hmac.compare_digest(expected, provided.strip()):
        raise BadSignature(f"the {SIGNATURE_HEADER} header does not match the body")
    try:
        payload = json.loads(body or b"{}")
    except ValueError as exc:
        raise InvalidInput("the body is not JSON", [E("body", str(exc))]) from exc
    if not isinstance(payload, dict):
        raise InvalidInput("the body must be a JSON object", [E("body", "must be an object")])
    trigger = payload.get("trigger_data", payload)
    return start_run(None, workflow, trigger, TriggeredBy.WEBHOOK)
