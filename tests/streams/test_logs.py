"""Node pods (JSON) and node logs (SSE through the ASGI application) on the sandbox."""

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from tests.graphs import edge, node
from tests.streams.conftest import stream_threads, wait_for, wait_threads_gone
from tests.streams.sse import SSEClient

pytestmark = pytest.mark.django_db(transaction=True)

CRASH_ENV = [{"name": "SANDBOX_CRASH", "value": "1"}]


def logs_path(deployed: Any, node_id: str = "web", query: str = "") -> str:
    return f"/v1/api/workflows/{deployed.workflow.pk}/nodes/{node_id}/logs?{query}"


async def close_db() -> None:
    await sync_to_async(connections.close_all)()


# --- pods ---------------------------------------------------------------------------------


def test_pods_of_a_deployment_node(web, as_alice):
    response = as_alice.get(f"/v1/api/workflows/{web.workflow.pk}/nodes/web/pods")
    assert response.status_code == 200, response.json()
    pods = response.json()
    assert len(pods) == 2
    for pod in pods:
        assert pod["name"].startswith("web-") and pod["phase"] == "Running"
        assert pod["ready"] is True and pod["restarts"] == 0
        assert pod["containers"] == ["web"] and pod["node_name"] and pod["started_at"]
    assert [p["name"] for p in pods] == sorted(p["name"] for p in pods)


def test_pods_of_other_kinds_and_unknown_nodes(web, as_alice):
    base = f"/v1/api/workflows/{web.workflow.pk}/nodes"
    assert as_alice.get(f"{base}/cfg/pods").json() == []
    missing = as_alice.get(f"{base}/nope/pods")
    assert missing.status_code == 404 and "nope" in missing.json()["message"]


def test_pods_personas(web, as_bob, as_charlie, anonymous, vera, tokens):
    from tests.conftest import token_client

    path = f"/v1/api/workflows/{web.workflow.pk}/nodes/web/pods"
    assert as_bob.get(path).status_code == 200
    assert token_client(vera).get(path).status_code == 200
    assert as_charlie.get(path).status_code == 404
    assert anonymous.get(path).status_code == 401


# --- logs: current logs --------------------------------------------------------------------


@pytest.mark.asyncio
async def test_tail_interleaves_all_pods_and_ends(web, tokens):
    client = SSEClient(logs_path(web, query="tail=3"), tokens["alice"])
    assert await client.connect() == 200
    assert client.headers[b"content-type"].startswith(b"text/event-stream")
    events = await client.events_until_end()
    lines = [e for e in events if e["event"] == "log"]
    pods = await sync_to_async(web.pods)()
    assert len(lines) == 6  # three of each pod
    assert {e["pod"] for e in lines} == {p["metadata"]["name"] for p in pods}
    assert {e["container"] for e in lines} == {"web"}
    stamps = [e["ts"] for e in lines]
    assert all(stamps) and stamps == sorted(stamps), "interleaved in time order"
    assert not any(e["line"][:4].isdigit() and "Z " in e["line"][:32] for e in lines)
    assert events[-1] == {"event": "end", "reason": "complete"}
    await client.close()
    await close_db()


@pytest.mark.asyncio
async def test_one_pod_and_its_container(web, tokens):
    pods = await sync_to_async(web.pods)()
    name = pods[0]["metadata"]["name"]
    client = SSEClient(logs_path(web, query=f"pod={name}&container=web"), tokens["alice"])
    assert await client.connect() == 200
    lines = [e for e in await client.events_until_end() if e["event"] == "log"]
    assert lines and {e["pod"] for e in lines} == {name}
    assert any("ready for start up" in e["line"] for e in lines)
    await client.close()
    await close_db()


@pytest.mark.asyncio
async def test_previous_logs_of_a_crashed_pod(deploy, tokens):
    crashing = node("web", "deployment", name="web", image="nginx:1.27", env=CRASH_ENV)
    deployed = await sync_to_async(deploy)(crashing, wait=False)

    def restarted() -> bool:
        pods = deployed.pods()
        statuses = [(p.get("status") or {}).get("containerStatuses") or [] for p in pods]
        return any(s and s[0].get("restartCount") for s in statuses)

    await sync_to_async(wait_for)(restarted, what="a restart")
    client = SSEClient(logs_path(deployed, query="previous=1"), tokens["alice"])
    assert await client.connect() == 200
    lines = [e["line"] for e in await client.events_until_end() if e["event"] == "log"]
    assert any("SANDBOX_CRASH=1" in line for line in lines), lines
    assert any("exiting with status 1" in line for line in lines), lines
    await client.close()
    await close_db()


@pytest.mark.asyncio
async def test_errors_are_json_before_the_stream(web, tokens):
    missing = SSEClient(logs_path(web, query="pod=ghost&follow=1"), tokens["alice"])
    assert await missing.connect() == 404
    body = await missing.json()
    assert body["code"] == "not_found" and 'pods "ghost" not found' in body["message"]

    invalid = SSEClient(logs_path(web, query="tail=-1"), tokens["alice"])
    assert await invalid.connect() == 400
    assert (await invalid.json())["code"] == "invalid"

    wrong = SSEClient(logs_path(web, query="container=nope&follow=1"), tokens["alice"])
    assert await wrong.connect() == 400
    body = await wrong.json()
    assert body["code"] == "cluster_error" and "container nope is not valid" in body["message"]
    await close_db()


@pytest.mark.asyncio
async def test_multi_container_pod_needs_a_container_name(web, tokens):
    def add_sidecar() -> None:
        manifest = next(
            obj.manifest for obj in _rendered(web) if obj.k8s_kind == "Deployment"
        )
        containers = manifest["spec"]["template"]["spec"]["containers"]
        containers.append({"name": "cache", "image": "redis:7"})
        web.client.apply(manifest)
        wait_for(
            lambda: (pods := web.pods())
            and all(len(p["spec"]["containers"]) == 2 for p in pods)
            and all(_running(p) for p in pods),
            what="pods with a sidecar",
        )

    await sync_to_async(add_sidecar)()
    pods = await sync_to_async(web.pods)()
    name = pods[0]["metadata"]["name"]
    client = SSEClient(logs_path(web, query=f"pod={name}&follow=1"), tokens["alice"])
    assert await client.connect() == 400
    body = await client.json()
    assert body["code"] == "cluster_error"
    assert f"a container name must be specified for pod {name}" in body["message"]
    assert "choose one of: [web cache]" in body["message"]

    named = SSEClient(logs_path(web, query=f"pod={name}&container=cache"), tokens["alice"])
    assert await named.connect() == 200
    lines = [e for e in await named.events_until_end() if e["event"] == "log"]
    assert lines and {e["container"] for e in lines} == {"cache"}
    assert any("Redis" in e["line"] for e in lines)
    await named.close()
    await close_db()


def _rendered(deployed: Any) -> list:
    from deployments.previews import render_workflow

    return render_workflow(deployed.workflow)


def _statuses(pod: dict) -> list[dict]:
    return (pod.get("status") or {}).get("containerStatuses") or []


def _running(pod: dict) -> bool:
    statuses = _statuses(pod)
    return bool(statuses) and all("running" in (s.get("state") or {}) for s in statuses)


# --- logs: follow ---------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_follow_streams_new_lines_from_every_pod_and_stops_on_disconnect(
    web, tokens, settings
):
    settings.KUBEORCH_SSE_HEARTBEAT_SECONDS = 0.05  # sandbox lines come every 0.2 s
    client = SSEClient(logs_path(web, query="follow=1&tail=1"), tokens["bob"])
    assert await client.connect() == 200
    events = [await client.next_event() for _ in range(12)]
    assert {e["event"] for e in events} == {"log"}
    pods = await sync_to_async(web.pods)()
    assert {e["pod"] for e in events} == {p["metadata"]["name"] for p in pods}
    assert max(e["ts"] for e in events) > min(e["ts"] for e in events[:2]), "new lines"
    assert ": keepalive" in client.comments, "idle gaps are filled with keepalives"
    assert len(stream_threads("kubeorch-logs:")) == 2  # one follower per container

    await client.close()
    wait_threads_gone("kubeorch-logs:")
    wait_threads_gone("kubeorch-stream-stop")  # the followers' socket interrupters
    await close_db()


@pytest.mark.asyncio
async def test_follow_ends_when_every_container_ended(deploy, tokens):
    job = node("job", "job", name="once", image="busybox:1.36")
    deployed = await sync_to_async(deploy)(job, wait=False)

    def started() -> bool:  # a container still waiting to start has no log yet (400)
        pods = deployed.pods("job")
        states = [s.get("state") or {} for p in pods for s in _statuses(p)]
        return bool(states) and all("waiting" not in state for state in states)

    await sync_to_async(wait_for)(started, what="the job's container to start")
    client = SSEClient(logs_path(deployed, "job", "follow=1"), tokens["alice"])
    assert await client.connect() == 200
    events = await client.events_until_end(timeout=30)
    assert events[-1] == {"event": "end", "reason": "containers ended"}
    assert any(e["event"] == "log" for e in events)
    await asyncio.sleep(0)
    wait_threads_gone("kubeorch-logs:")
    await client.close()
    await close_db()


# --- logs: who may read -------------------------------------------------------------------


@pytest.mark.asyncio
async def test_logs_personas(web, tokens):
    for user, status in (("alice", 200), ("bob", 200), ("vera", 200), ("charlie", 404)):
        client = SSEClient(logs_path(web, query="tail=1"), tokens[user])
        assert await client.connect() == status, user
        if status == 200:
            await client.events_until_end()
        await client.close()
    anonymous = SSEClient(logs_path(web, query="tail=1"))
    assert await anonymous.connect() == 401
    assert (await anonymous.json())["code"] == "not_authenticated"
    await close_db()


@pytest.mark.asyncio
async def test_logs_never_show_a_secret_value_the_app_printed(deploy, tokens):
    # SANDBOX_PRINT_ENV: the app prints its environment at startup (envFrom the Secret node).
    printer = node("web", "deployment", name="web", image="nginx:1.27",
                   env=[{"name": "SANDBOX_PRINT_ENV", "value": "1"}])
    creds = node("creds", "secret", 0, 150, name="creds", envFrom=True,
                 data={"API_TOKEN": "s3cr3t-token-value"})
    deployed = await sync_to_async(deploy)(printer, creds, edges=[edge("creds", "web")])
    for who in ("alice", "bob"):
        client = SSEClient(logs_path(deployed), tokens[who])
        assert await client.connect() == 200
        lines = [e["line"] for e in await client.events_until_end() if e["event"] == "log"]
        await client.close()
        printed = [line for line in lines if line.startswith("API_TOKEN=")]
        assert printed and all(line.startswith("API_TOKEN=********:") for line in printed), lines
        assert not any("s3cr3t-token-value" in line for line in lines)
        assert "SANDBOX_PRINT_ENV=1" in lines
    await close_db()

