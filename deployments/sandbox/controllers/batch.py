"""Job controller (pods run to completion, backoffLimit, Complete/Failed conditions) and
CronJob controller (creates Jobs when the schedule is due, keeps history limits)."""

from __future__ import annotations

from .. import deletion
from .. import resources as R
from ..cron import CronError, CronSchedule
from ..util import Obj, deep, dig, now_iso, owner_ref, parse_iso
from .base import Context, condition, set_condition
from .pods import create_pod, delete_pod, is_active, is_ready, owned, random_suffix

JOB_CONTROLLER = "job-controller"
CRONJOB_CONTROLLER = "cronjob-controller"


def job_finished(job: Obj) -> str | None:
    for kind in ("Complete", "Failed"):
        found = condition(job, kind)
        if found and found.get("status") == "True":
            return kind
    return None


class JobController:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def reconcile(self) -> None:
        for job in self.ctx.store.list(R.JOBS)[0]:
            if not job["metadata"].get("deletionTimestamp"):
                self._sync(job)

    def _sync(self, job: Obj) -> None:
        pods = owned(self.ctx, R.PODS, job)
        active = [p for p in pods if is_active(p)]
        succeeded = sum(1 for p in pods if dig(p, "status", "phase") == "Succeeded")
        failed = sum(1 for p in pods if dig(p, "status", "phase") == "Failed") + sum(
            s.get("restartCount", 0) for p in pods
            for s in dig(p, "status", "containerStatuses", default=[]))
        spec, status = job["spec"], dict(job.get("status") or {})
        finished = job_finished(job)
        conditions = status.get("conditions", [])
        if finished is None and failed > spec.get("backoffLimit", 6):
            message = "Job has reached the specified backoff limit"
            for kind in ("FailureTarget", "Failed"):
                conditions = set_condition(conditions, kind, "True", "BackoffLimitExceeded",
                                           message, True)
            self.ctx.event(job, "Warning", "BackoffLimitExceeded", message, JOB_CONTROLLER)
            finished = "Failed"
        elif finished is None and succeeded >= spec.get("completions", 1):
            for kind in ("SuccessCriteriaMet", "Complete"):
                conditions = set_condition(conditions, kind, "True", None, None, True)
            status["completionTime"] = now_iso()
            self.ctx.event(job, "Normal", "Completed", "Job completed", JOB_CONTROLLER)
            finished = "Complete"
        if finished or spec.get("suspend"):
            for pod in active:
                delete_pod(self.ctx, pod)
            active = []
        else:
            active += self._start_pods(job, len(active), succeeded)
        status.update({"startTime": status.get("startTime") or now_iso(), "active": len(active),
                       "succeeded": succeeded, "failed": failed,
                       "ready": sum(1 for p in active if is_ready(p)), "terminating": 0,
                       "uncountedTerminatedPods": {}, "conditions": conditions})
        for field in ("active", "succeeded", "failed"):
            if not status[field]:
                del status[field]
        if not conditions:
            del status["conditions"]
        self.ctx.write_status(R.JOBS, job, status, JOB_CONTROLLER)

    def _start_pods(self, job: Obj, active: int, succeeded: int) -> list[Obj]:
        spec = job["spec"]
        remaining = spec.get("completions", 1) - succeeded - active
        room = min(spec.get("parallelism", 1) - active, remaining)
        created = []
        for _ in range(max(0, room)):
            name = f"{job['metadata']['name']}-{random_suffix(job['metadata']['uid'])}"
            pod = create_pod(self.ctx, job, spec.get("template") or {}, name, {}, JOB_CONTROLLER)
            if pod:
                created.append(pod)
                self.ctx.event(job, "Normal", "SuccessfulCreate", f"Created pod: {name}",
                               JOB_CONTROLLER)
        return created


class CronJobController:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def reconcile(self) -> None:
        for cronjob in self.ctx.store.list(R.CRONJOBS)[0]:
            if not cronjob["metadata"].get("deletionTimestamp"):
                self.sync(cronjob, self.ctx.now())

    def sync(self, cronjob: Obj, now: float) -> None:
        jobs = owned(self.ctx, R.JOBS, cronjob)
        status = dict(cronjob.get("status") or {})
        try:
            schedule = CronSchedule(cronjob["spec"]["schedule"])
        except CronError as exc:
            self.ctx.event(cronjob, "Warning", "UnparseableSchedule",
                           f"unparseable schedule: {cronjob['spec']['schedule']!r} : {exc}",
                           CRONJOB_CONTROLLER)
            return
        since = parse_iso(status.get("lastScheduleTime")
                          or cronjob["metadata"]["creationTimestamp"])
        due = schedule.latest_due(since, now)
        if due is not None and not cronjob["spec"].get("suspend"):
            if self._allowed(cronjob, jobs):
                job = self._create_job(cronjob, due)
                if job:
                    jobs.append(job)
            status["lastScheduleTime"] = now_iso(due)
        finished = [(j, job_finished(j)) for j in jobs]
        successes = [j for j, state in finished if state == "Complete"]
        if successes:
            latest = max(dig(j, "status", "completionTime", default="") for j in successes)
            if latest:
                status["lastSuccessfulTime"] = latest
        self._trim_history(cronjob, finished)
        active = [{"kind": "Job", "namespace": j["metadata"]["namespace"],
                   "name": j["metadata"]["name"], "uid": j["metadata"]["uid"],
                   "apiVersion": "batch/v1", "resourceVersion": j["metadata"]["resourceVersion"]}
                  for j, state in finished if state is None]
        status.pop("active", None)
        if active:
            status["active"] = active
        self.ctx.write_status(R.CRONJOBS, cronjob, status, CRONJOB_CONTROLLER)

    def _allowed(self, cronjob: Obj, jobs: list[Obj]) -> bool:
        running = [j for j in jobs if job_finished(j) is None]
        policy = cronjob["spec"].get("concurrencyPolicy", "Allow")
        if policy == "Forbid" and running:
            return False
        if policy == "Replace":
            for job in running:
                deletion.delete(self.ctx.api, R.JOBS, job["metadata"]["namespace"],
                                job["metadata"]["name"], "Background")
        return True

    def _create_job(self, cronjob: Obj, due: float) -> Obj | None:
        template = deep(cronjob["spec"].get("jobTemplate") or {})
        name = f"{cronjob['metadata']['name']}-{int(due // 60)}"
        meta = template.setdefault("metadata", {})
        meta.update({"name": name, "ownerReferences": [owner_ref(cronjob)]})
        meta.setdefault("annotations", {})["batch.kubernetes.io/cronjob-scheduled-timestamp"] = \
            now_iso(due)
        job = self.ctx.create(R.JOBS, cronjob["metadata"]["namespace"],
                              {"apiVersion": "batch/v1", "kind": "Job", **template},
                              CRONJOB_CONTROLLER)
        if job:
            self.ctx.event(cronjob, "Normal", "SuccessfulCreate", f"Created job {name}",
                           CRONJOB_CONTROLLER)
        return job

    def _trim_history(self, cronjob: Obj, finished: list[tuple[Obj, str | None]]) -> None:
        for state, limit_field, default in (("Complete", "successfulJobsHistoryLimit", 3),
                                            ("Failed", "failedJobsHistoryLimit", 1)):
            done = sorted((j for j, s in finished if s == state),
                          key=lambda j: j["metadata"]["creationTimestamp"])
            limit = cronjob["spec"].get(limit_field, default)
            for job in done[: max(0, len(done) - limit)]:
                deletion.delete(self.ctx.api, R.JOBS, job["metadata"]["namespace"],
                                job["metadata"]["name"], "Background")
                self.ctx.event(cronjob, "Normal", "SuccessfulDelete",
                               f"Deleted job {job['metadata']['name']}", CRONJOB_CONTROLLER)


