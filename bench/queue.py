"""100 ten-node runs queued at once on two workers: total time and queue wait (goal: median
queue wait <= 1 s).

The production stack: PostgreSQL + Redis (broker) in a database of its own, the sandbox cluster
in its own process (as a real API server would be), and two worker processes started the way the
README starts them (`celery -A kubeorch worker`: a thread pool of KUBEORCH_WORKER_CONCURRENCY
tasks, 32 by default on PostgreSQL; BENCH_QUEUE_CONCURRENCY overrides it, e.g. 1 for one task at
a time per worker), with fast engine timings (settle 0.5 s, poll 0.2 s backing off to 2 s;
degraded grace and lease at their defaults). A run's task applies it and looks once; the health
wait then runs as short check tasks, so a worker is only busy while a run applies or is checked,
not while its pods start. 100 workflows of 5 ConfigMaps + 5 Deployments (1 replica, each
mounting its ConfigMap), each in its own namespace, are started through the real `start_run`
action from this process, back to back. Queue wait = started_at - created_at. The workers' own
logs say where their time went (applies vs health checks).

    scripts/with-services .venv/bin/python -m bench.queue
"""

import sys
from pathlib import Path

# Running `python bench/queue.py` puts bench/ first on sys.path, where this file would shadow
# the standard library's `queue` (imported by concurrent.futures, celery, ...): drop it first.
BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(BENCH_DIR.parent))

import os  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from bench.harness import (  # noqa: E402
    Stack,
    make_user_and_token,
    percentile,
    prepare,
    setup_django,
)

RUNS = 100
APPS = 5  # x (ConfigMap, Deployment) = 10 nodes per workflow
WORKERS = 2
CONCURRENCY = os.environ.get("BENCH_QUEUE_CONCURRENCY", "")  # "": the product's default
DEADLINE = 180.0  # seconds for all runs to finish (the bench stays under 5 minutes)
ENGINE_ENV = {
    "KUBEORCH_RUN_SETTLE_SECONDS": "0.5",
    "KUBEORCH_RUN_POLL_SECONDS": "0.2",
    "KUBEORCH_RUN_TIMEOUT_SECONDS": "120",
}


def graph(index: int) -> tuple[list, list]:
    nodes, edges = [], []
    for i in range(APPS):
        nodes += [
            {"id": f"cfg{i}", "type": "configmap", "position": {"x": 0, "y": i * 100},
             "data": {"name": f"cfg-{i}", "data": {"RUN": str(index)}}},
            {"id": f"app{i}", "type": "deployment", "position": {"x": 200, "y": i * 100},
             "data": {"name": f"app-{i}", "image": "nginx:1.27", "replicas": 1, "port": 80}},
        ]
        edges.append({"id": f"e{i}", "source": f"cfg{i}", "target": f"app{i}"})
    return nodes, edges


def start_sandbox(stack: Stack) -> None:
    kubeconfig = stack.data_dir / "sandbox.kubeconfig"  # where the product looks for it
    process = stack.start(
        "sandbox",
        [sys.executable, "-m", "deployments.sandbox", "--port", "0", "--kubeconfig",
         str(kubeconfig)],
    )
    deadline = time.monotonic() + 30
    while not kubeconfig.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            print(stack.log_tail("sandbox"), file=sys.stderr)
            raise RuntimeError("the sandbox cluster did not start")
        time.sleep(0.1)


def start_workers(stack: Stack) -> None:
    celery = str(Path(sys.executable).parent / "celery")
    for n in range(WORKERS):
        stack.start(
            f"worker{n}",
            [celery, "-A", "kubeorch", "worker",
             *(["--concurrency", CONCURRENCY] if CONCURRENCY else []), "--loglevel", "INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-n", f"bench{n}@%h"],
            **ENGINE_ENV,
        )
    deadline = time.monotonic() + 60
    for n in range(WORKERS):
        while "ready." not in (stack.data_dir / f"worker{n}.log").read_text(errors="replace"):
            if time.monotonic() > deadline:
                print(stack.log_tail(f"worker{n}"), file=sys.stderr)
                raise RuntimeError(f"worker {n} did not become ready")
            time.sleep(0.1)


def main() -> None:
    stack = prepare("queue", redis_db=2)
    try:
        setup_django(stack)
        start_sandbox(stack)
        start_workers(stack)
        measure(stack)
    finally:
        stack.close()


def measure(stack: Stack) -> None:
    from deployments.actions.runs import start_run
    from deployments.models import Run
    from workflows.actions.workflows import create_workflow

    user, _, team = make_user_and_token("bench-queue")
    cluster = team.clusters.get(name="sandbox")
    workflows = []
    for index in range(RUNS):
        nodes, edges = graph(index)
        workflows.append(create_workflow(
            user, team=team, name=f"queue-{index}", nodes=nodes, edges=edges, cluster=cluster,
            namespace=f"bench-q-{index}",
        ))
    queued_at = time.monotonic()
    run_ids = [start_run(user, workflow).pk for workflow in workflows]
    enqueue_seconds = time.monotonic() - queued_at
    final = {"completed", "failed", "cancelled"}
    runs: list[Any] = []
    while time.monotonic() - queued_at < DEADLINE:
        runs = list(Run.objects.filter(pk__in=run_ids))
        if all(run.status in final for run in runs):
            break
        time.sleep(0.5)
    wall = time.monotonic() - queued_at
    report(runs, wall, enqueue_seconds)
    report_worker_time(stack, wall)


def report(runs: list[Any], wall: float, enqueue_seconds: float) -> None:
    from django.utils import timezone

    statuses: dict[str, int] = {}
    for run in runs:
        statuses[run.status] = statuses.get(run.status, 0) + 1
    started = sorted(runs, key=lambda r: r.created_at)
    # A run still queued at the deadline has waited at least until now: leaving it out would
    # report the median of the lucky ones only.
    now = timezone.now()
    unstarted = sum(1 for r in runs if not r.started_at)
    waits = sorted(((r.started_at or now) - r.created_at).total_seconds() for r in started)
    durations = sorted(r.duration_ms / 1000 for r in runs if r.duration_ms is not None)
    first_waits = [(r.started_at - r.created_at).total_seconds() * 1000
                   for r in started[:WORKERS] if r.started_at]
    done = [r for r in runs if r.completed_at]
    total = (max(r.completed_at for r in done) - min(r.created_at for r in runs)).total_seconds()
    from django.conf import settings

    pool = f"{settings.CELERY_WORKER_POOL} x {CONCURRENCY or settings.CELERY_WORKER_CONCURRENCY}"
    print(f"queue {len(runs)} ten-node runs (5 ConfigMaps + 5 Deployments) on {WORKERS} workers "
          f"({WORKERS} processes, pool {pool}; settle "
          f"{ENGINE_ENV['KUBEORCH_RUN_SETTLE_SECONDS']} s, poll "
          f"{ENGINE_ENV['KUBEORCH_RUN_POLL_SECONDS']} s, health checks as tasks):")
    print(f"  statuses: {', '.join(f'{n} {s}' for s, n in sorted(statuses.items()))}"
          + ("" if len(done) == len(runs) else f" (bench deadline {DEADLINE:.0f} s reached)"))
    print(f"  enqueue (100 x start_run, back to back): {enqueue_seconds:.2f} s")
    print(f"  total: first created -> last completed {total:.1f} s "
          f"(bench wall clock {wall:.1f} s); throughput {len(done) / total:.2f} runs/s")
    print(f"  run duration (started -> completed): median {statistics.median(durations):.2f} s, "
          f"p95 {percentile(durations, 0.95):.2f} s")
    print(f"  queue wait (started_at - created_at): median {statistics.median(waits):.2f} s, "
          f"p95 {percentile(waits, 0.95):.2f} s, max {waits[-1]:.2f} s (goal: median <= 1 s)"
          + (f"; {unstarted} never started: counted with their wait so far, so these are lower "
             "bounds" if unstarted else ""))
    reasons: dict[str, int] = {}
    for run in runs:
        if run.status == "failed":
            reason = re.sub(r"\d+", "N", run.error or "")[:150]
            reasons[reason] = reasons.get(reason, 0) + 1
    for reason, count in sorted(reasons.items(), key=lambda item: -item[1])[:3]:
        print(f"  failed ({count}): {reason}")
    print(f"  pickup by an idle worker (the first {WORKERS} runs' queue wait): "
          + ", ".join(f"{w:.0f} ms" for w in first_waits))


TASK_DONE = re.compile(r"Task (\S+)\[[^\]]+\] (?:succeeded|raised|failed)[^0-9]* in ([0-9.]+)s")


def report_worker_time(stack: Stack, wall: float) -> None:
    """Where the workers' time went, from their own logs ("Task ... succeeded in 0.12s")."""
    spent: dict[str, list[float]] = {}
    for n in range(WORKERS):
        log = (stack.data_dir / f"worker{n}.log").read_text(errors="replace")
        for name, seconds in TASK_DONE.findall(log):
            spent.setdefault(name, []).append(float(seconds))
    from django.conf import settings

    slots = WORKERS * int(CONCURRENCY or settings.CELERY_WORKER_CONCURRENCY)
    busy = sum(sum(times) for times in spent.values())
    print(f"  task time: {busy:.0f} s in {slots} task slots x {wall:.0f} s wall clock "
          f"({busy / (slots * wall):.0%} busy)")
    for name, times in sorted(spent.items(), key=lambda item: -sum(item[1])):
        print(f"    {name}: {len(times)} tasks, {sum(times):.1f} s, "
              f"mean {statistics.mean(times) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
