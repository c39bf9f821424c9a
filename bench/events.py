"""Event delivery latency to many subscribers (goal: p99 <= 100 ms at 1,000 subscribers).

Latency = the time a subscriber receives an event - the time its emitting transaction committed
(the timestamp is in the payload; emit() writes the Event row and publishes it on commit).

The production stack: `manage.py serve --workers N` (N Daphne processes on one port, N = CPUs
unless KUBEORCH_WEB_WORKERS says otherwise) on PostgreSQL + Redis (the RedisChannelLayer), in a
database of its own. 100 and 1,000 subscribers per transport, over loopback, all on one
workflow's stream: SSE `GET /v1/api/workflows/{id}/events` (chunked HTTP/1.1) and WebSocket
`/ws/workflows/{id}/`, both minimal asyncio clients (bench/subscribers.py). The subscribers run in
BENCH_EVENTS_CLIENTS child processes (asyncio, default 2); this process emits EVENTS events
(default 200, 20 s) through the ORM, INTERVAL apart, each in its own `transaction.atomic()`. All
clocks are this machine's.

Every subscriber must receive every event exactly once, in id order: delivered %, duplicates and
out-of-order counts are printed with p50/p99/max. So that the figures say where the time goes
(the machine is shared: latency depends on what else runs), each line also prints the CPU time
the server processes and the subscriber processes spent per event, and how late the subscribers'
event loops ran. Needs DATABASE_URL and REDIS_URL:

    scripts/with-services .venv/bin/python -m bench.events
"""

import asyncio
import itertools
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402
    Stack,
    free_port,
    make_user_and_token,
    percentile,
    prepare,
    raise_fd_limit,
    serve,
    setup_django,
)
from bench.subscribers import EVENT_TYPE, StreamClient, Subscriber, open_subscriber  # noqa: E402

SCENARIOS = [("sse", 100), ("sse", 1000), ("websocket", 100), ("websocket", 1000)]
if os.environ.get("BENCH_EVENTS_SCENARIOS"):  # e.g. "websocket:1000,sse:100"
    SCENARIOS = [
        (name, int(count))
        for name, _, count in (
            item.partition(":") for item in os.environ["BENCH_EVENTS_SCENARIOS"].split(",")
        )
    ]
# 20 s of events per scenario: long enough that the servers' garbage collections (every few
# seconds under this load) fall inside the measurement, as they do in production.
EVENTS = int(os.environ.get("BENCH_EVENTS_COUNT", 200))
# Subscriber processes per scenario: one asyncio process parsing 10,000 frames a second would
# stamp late what it reads late (its loop lag is printed), so the subscribers are spread.
CLIENTS = int(os.environ.get("BENCH_EVENTS_CLIENTS", 2))
INTERVAL = float(os.environ.get("BENCH_EVENTS_INTERVAL", 0.1))  # seconds between two emits
CONNECT_PARALLEL = 50  # connection attempts in flight, over all subscriber processes
CONNECT_TIMEOUT = 60.0  # for all subscribers of a scenario
DRAIN_TIMEOUT = 10.0  # after the last emit, for the stragglers


# --- the subscribers (child process; no Django) ---------------------------------------------


async def subscribe_all(
    transport: str, count: int, port: int, workflow_id: int, token: str, pipe: Connection
) -> None:
    loop = asyncio.get_running_loop()
    subscribers = [Subscriber() for _ in range(count)]
    stop = asyncio.Event()
    gate = asyncio.Semaphore(max(1, CONNECT_PARALLEL // CLIENTS))
    clients: list[StreamClient] = []

    async def run(sub: Subscriber) -> None:
        async with gate:
            try:
                clients.append(await open_subscriber(transport, sub, port, workflow_id, token))
            except Exception as exc:
                sub.error = f"{type(exc).__name__}: {exc}"[:120]

    tasks = [asyncio.ensure_future(run(sub)) for sub in subscribers]
    started = time.monotonic()
    while time.monotonic() - started < CONNECT_TIMEOUT:
        if all(s.connected or s.error for s in subscribers):
            break
        await asyncio.sleep(0.05)
    connect_seconds = time.monotonic() - started
    pipe.send(("ready", sum(s.connected for s in subscribers), connect_seconds))
    # The client's own cost while events flow: its CPU time, and how late its event loop runs
    # (a 10 ms sleep that wakes late means received events were stamped late by as much).
    cpu_started = time.process_time()
    lags: list[float] = []

    async def probe() -> None:
        while not stop.is_set():
            before = time.monotonic()
            await asyncio.sleep(0.01)
            lags.append((time.monotonic() - before - 0.01) * 1000)

    prober = asyncio.ensure_future(probe())
    await loop.run_in_executor(None, pipe.recv)  # "drain": the last event was emitted
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while time.monotonic() < deadline:
        if all(len(s.received) >= EVENTS or s.error or not s.connected for s in subscribers):
            break
        await asyncio.sleep(0.05)
    stop.set()
    cpu = time.process_time() - cpu_started
    for client in clients:
        client.stop()
    for task in [*tasks, prober]:
        task.cancel()
    await asyncio.gather(*tasks, prober, return_exceptions=True)
    errors: dict[str, int] = {}
    for sub in subscribers:
        if sub.error:
            errors[sub.error] = errors.get(sub.error, 0) + 1
    pipe.send(("results", [s.received for s in subscribers], errors, cpu, sorted(lags)))


def subscriber_process(
    transport: str, count: int, port: int, workflow_id: int, token: str, pipe: Connection
) -> None:
    raise_fd_limit(count * 2 + 1024)
    asyncio.run(subscribe_all(transport, count, port, workflow_id, token, pipe))
    pipe.close()


# --- the emitter and the report (this process, Django) -------------------------------------


@dataclass
class Result:
    transport: str
    subscribers: int
    connected: int
    connect_seconds: float
    delivered: int
    duplicates: int
    out_of_order: int
    latencies_ms: list[float]
    errors: dict[str, int]
    seconds: float  # from the first emit to the last subscriber's results
    server_cpu: float  # CPU seconds the server used meanwhile
    client_cpu: float  # and the subscriber processes
    client_lag_p99_ms: float  # how late the subscribers' event loops ran (p99)


def emit_events(team_id: int, topic: str) -> None:
    from django.db import transaction

    from deployments.events import emit

    next_at = time.monotonic()
    for seq in range(EVENTS):
        with transaction.atomic():
            # emit() writes and publishes on commit, right after this block: `sent` is the
            # commit time within a few microseconds.
            emit(team_id, topic, EVENT_TYPE, {"seq": seq, "sent": time.time()})
        next_at += INTERVAL
        time.sleep(max(0.0, next_at - time.monotonic()))


def server_cpu_seconds(server: Any) -> float:
    """CPU time (user + system) of the server's process group so far (all its workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == server.pid:  # field 5 (pgrp): `serve` started its own session
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def run_scenario(
    transport: str, count: int, port: int, workflow: Any, token: str, server: Any
) -> Result:
    from workflows.workflow_events import workflow_topic

    context = multiprocessing.get_context("spawn")
    shares = [count // CLIENTS + (i < count % CLIENTS) for i in range(CLIENTS)]
    pipes, children = [], []
    for share in shares:
        ours, theirs = context.Pipe()
        child = context.Process(
            target=subscriber_process, args=(transport, share, port, workflow.pk, token, theirs),
            daemon=True,
        )
        child.start()
        pipes.append(ours)
        children.append(child)
    received: list[list[tuple[int, int, float]]] = []
    errors: dict[str, int] = {}
    connected = 0
    connect_seconds = client_cpu = server_cpu = 0.0
    lags: list[float] = []
    try:
        for ours in pipes:
            if not ours.poll(CONNECT_TIMEOUT + 30):
                raise TimeoutError("the subscribers never reported")
            _, ready, seconds = ours.recv()
            connected += ready
            connect_seconds = max(connect_seconds, seconds)
        server_cpu = -server_cpu_seconds(server)
        emitting = time.monotonic()
        if connected:
            emit_events(workflow.team_id, workflow_topic(workflow.pk))
        for ours in pipes:
            ours.send("drain")
        for ours in pipes:
            if not ours.poll(DRAIN_TIMEOUT + 30):
                raise TimeoutError("the subscribers never sent their results")
            _, theirs_received, theirs_errors, cpu, theirs_lags = ours.recv()
            received += theirs_received
            for error, n in theirs_errors.items():
                errors[error] = errors.get(error, 0) + n
            client_cpu += cpu
            lags += theirs_lags
        server_cpu += server_cpu_seconds(server)
        window = time.monotonic() - emitting
    finally:
        for child in children:
            child.join(timeout=10)
            if child.is_alive():
                child.kill()
                child.join()
    latencies: list[float] = []
    delivered = duplicates = out_of_order = 0
    for events in received:
        seqs = [seq for _, seq, _ in events]
        delivered += len(set(seqs))
        duplicates += len(seqs) - len(set(seqs))
        ids = [event_id for event_id, _, _ in events]
        out_of_order += sum(1 for a, b in itertools.pairwise(ids) if b <= a)
        latencies += [latency * 1000 for _, _, latency in events]
    latencies.sort()
    if server.poll() is not None:
        errors[f"the server exited ({server.returncode})"] = 1
    return Result(transport, count, connected, connect_seconds, delivered, duplicates,
                  out_of_order, latencies, errors, window, server_cpu, client_cpu,
                  percentile(sorted(lags), 0.99))


def report(results: list[Result]) -> None:
    workers = int(os.environ.get("KUBEORCH_WEB_WORKERS", 1))
    print(f"event delivery: {EVENTS} events {INTERVAL * 1000:.0f} ms apart, {workers} Daphne "
          f"process(es), {CLIENTS} subscriber processes, PostgreSQL + Redis channel layer "
          "(goal: p99 <= 100 ms at 1,000)")
    print(f"  {'transport':<10} {'subs':>5} {'connected':>9} {'events':>6} {'delivered':>9} "
          f"{'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  notes")
    for r in results:
        expected = r.subscribers * EVENTS
        share = 100 * r.delivered / expected if expected else 0.0
        p50, p99 = percentile(r.latencies_ms, 0.50), percentile(r.latencies_ms, 0.99)
        worst = r.latencies_ms[-1] if r.latencies_ms else float("nan")
        notes = [f"connect {r.connect_seconds:.1f} s",
                 f"cpu per event: server {r.server_cpu / EVENTS * 1000:.0f} ms, clients "
                 f"{r.client_cpu / EVENTS * 1000:.0f} ms (client loop lag p99 "
                 f"{r.client_lag_p99_ms:.0f} ms)"]
        if r.duplicates:
            notes.append(f"{r.duplicates} duplicates")
        if r.out_of_order:
            notes.append(f"{r.out_of_order} out of order")
        notes += [f"{n}x {e}" for e, n in sorted(r.errors.items(), key=lambda x: -x[1])[:3]]
        print(f"  {r.transport:<10} {r.subscribers:>5} {r.connected:>9} {EVENTS:>6} "
              f"{share:>8.1f}% {p50:>8.1f} {p99:>8.1f} {worst:>8.1f}  {'; '.join(notes)}")


def main() -> None:
    # Production runs a Daphne process per CPU (`serve --workers`); KUBEORCH_WEB_WORKERS=1
    # measures a single one.
    os.environ.setdefault("KUBEORCH_WEB_WORKERS", str(os.cpu_count() or 1))
    stack: Stack = prepare("events", redis_db=1)
    raise_fd_limit(16384)  # Daphne inherits it: 1,000 sockets + database connections
    results: list[Result] = []
    try:
        setup_django(stack)
        from workflows.actions.workflows import create_workflow

        user, token, team = make_user_and_token("bench-events")
        workflow = create_workflow(user, team=team, name="events-bench")
        port = free_port()
        server = serve(stack, port)
        for transport, count in SCENARIOS:
            results.append(run_scenario(transport, count, port, workflow, token, server))
            time.sleep(1)  # let the server finish closing the streams
    finally:
        stack.close()
    report(results)


if __name__ == "__main__":
    main()
