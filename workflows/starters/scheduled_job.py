"""A CronJob running a script kept in a ConfigMap."""

from typing import Any

from workflows.starters._build import edge, node, resources

_SCRIPT = """#!/bin/sh
set -eu
echo "nightly report for $(date -u +%F)"
"""

STARTER: dict[str, Any] = {
    "id": "scheduled-job",
    "name": "Scheduled job",
    "description": "A CronJob that runs every night at 02:00 UTC the script stored in a "
    "ConfigMap (mounted at /etc/report). Runs never overlap; failed runs are retried twice.",
    "nodes": [
        node("report", "cronjob", 2, 0, name="nightly-report", image="busybox:1.36",
             schedule="0 2 * * *", timeZone="Etc/UTC", concurrencyPolicy="Forbid",
             successfulJobsHistoryLimit=3, failedJobsHistoryLimit=1, backoffLimit=2,
             restartPolicy="OnFailure", command=["sh", "/etc/report/report.sh"],
             resources=resources("50m", "32Mi", "64Mi")),
        node("script", "configmap", 3, 0, name="report-script", data={"report.sh": _SCRIPT},
             mountPath="/etc/report"),
    ],
    "edges": [edge("script", "report")],
}
