"""Beat task: attempts whose worker stopped renewing its lease become `unknown`."""

import logging

from celery import shared_task

from deployments.records.leases import expire_leases

log = logging.getLogger(__name__)


@shared_task(name="deployments.expire_attempt_leases", ignore_result=True)
def expire_attempt_leases() -> int:
    lost = expire_leases()
    if lost:
        log.warning("%s deployment attempt(s) lost their worker and are unknown: %s",
                    len(lost), lost)
    return len(lost)
