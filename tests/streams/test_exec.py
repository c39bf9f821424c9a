"""The node terminal over WebSocket through the ASGI application (token and session auth)."""

import asyncio
import logging
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections
from django.test import Client

from deployments.models import ExecSession
from kubeorch.asgi import application
from tests.streams.conftest import wait_threads_gone

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def exec_path(deployed: Any, node_id: str = "web", query: str = "") -> str:
    return f"/ws/workflows/{deployed.workflow.pk}/nodes/{node_id}/exec?{query}"


def communicator(path: str, token: str | None = None, **kwargs: Any) -> WebsocketCommunicator:
    headers = [(b"authorization", f"Token {token}".encode())] if token else []
    return WebsocketCommunicator(application, path, headers=headers, **kwargs)


async def read_until(ws: WebsocketCommunicator, text: str, timeout: float = 10) -> str:
    """Terminal output (stdout and stderr) until `text` shows up."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    output = ""
    while text not in output:
        message = await ws.receive_json_from(timeout=max(0.01, deadline - loop.time()))
        assert message["type"] in ("stdout", "stderr"), message
        output += message["data"]
    return output


async def close_db() -> None:
    await sync_to_async(connections.close_all)()


@sync_to_async
def audit_rows(workflow: Any) -> list[ExecSession]:
    return list(ExecSession.objects.filter(workflow=workflow).select_related("user"))


async def test_echo_resize_and_exit_with_status(web, tokens):
    ws = communicator(exec_path(web), tokens["alice"])
    connected, _ = await ws.connect(timeout=10)
    assert connected
    await read_until(ws, "KubeOrch sandbox")  # the simulated shell's banner
    await ws.send_json_to({"type": "stdin", "data": "echo hi\n"})
    assert "\r\nhi\r\n" in await read_until(ws, "\r\nhi\r\n")

    await ws.send_json_to({"type": "resize", "cols": 120, "rows": 40})
    await asyncio.sleep(0.3)  # resize travels on its own channel
    pods = await sync_to_async(web.pods)()
    first_ready = pods[0]["metadata"]["name"]  # both are ready: the first by name is chosen
    await ws.send_json_to({"type": "stdin", "data": "stty size; hostname\n"})
    assert "40 120" in await read_until(ws, first_ready)

    await ws.send_json_to({"type": "stdin", "data": "exit 3\n"})
    message = await ws.receive_json_from(timeout=10)
    while message["type"] != "exit":
        message = await ws.receive_json_from(timeout=10)
    assert message == {"type": "exit", "status": 3}
    assert (await ws.receive_output(timeout=5))["type"] == "websocket.close"
    await ws.disconnect()

    [row] = await audit_rows(web.workflow)
    assert (row.user.username, row.node_id, row.pod, row.container) == (
        "alice", "web", first_ready, "web")
    assert row.namespace == web.namespace
    assert row.ended_at is not None and row.duration_ms is not None and row.duration_ms > 0
    assert row.close_reason == "shell exited (status 3)"
    wait_threads_gone("kubeorch-exec:")
    await close_db()


async def test_client_disconnect_closes_the_exec_and_ends_the_audit(web, tokens):
    pods = await sync_to_async(web.pods)()
    second = pods[1]["metadata"]["name"]
    ws = communicator(exec_path(web, query=f"pod={second}&container=web"), tokens["bob"])
    assert (await ws.connect(timeout=10))[0]
    await read_until(ws, "KubeOrch sandbox")
    await ws.send_json_to({"type": "stdin", "data": "hostname\n"})
    await read_until(ws, second)
    await ws.disconnect(code=1001)
    wait_threads_gone("kubeorch-exec:")

    [row] = await audit_rows(web.workflow)
    assert (row.user.username, row.pod) == ("bob", second)
    assert row.ended_at is not None and row.duration_ms is not None
    assert row.close_reason == "client closed the connection (1001)"
    await close_db()


async def test_typed_commands_are_never_logged(web, tokens, caplog):
    caplog.set_level(logging.DEBUG)
    ws = communicator(exec_path(web), tokens["alice"])
    assert (await ws.connect(timeout=10))[0]
    await read_until(ws, "KubeOrch sandbox")
    await ws.send_json_to({"type": "stdin", "data": "echo s3cr3t-typed\n"})
    await read_until(ws, "s3cr3t-typed\r\n")
    await ws.send_json_to({"type": "bogus", "data": "s3cr3t-bogus"})
    error = await ws.receive_json_from(timeout=5)
    assert error["type"] == "error" and "s3cr3t" not in error["message"]
    await ws.disconnect()
    assert "s3cr3t" not in caplog.text
    [row] = await audit_rows(web.workflow)
    assert "s3cr3t" not in str(row.__dict__)
    await close_db()


async def test_bad_messages_get_an_error_and_the_session_goes_on(web, tokens):
    ws = communicator(exec_path(web), tokens["alice"])
    assert (await ws.connect(timeout=10))[0]
    await read_until(ws, "KubeOrch sandbox")
    await ws.send_to(text_data="not json")
    assert (await ws.receive_json_from(timeout=5))["type"] == "error"
    await ws.send_json_to({"type": "resize", "cols": 0, "rows": "x"})
    assert (await ws.receive_json_from(timeout=5))["type"] == "error"
    await ws.send_json_to({"type": "stdin", "data": "echo still-here\n"})
    await read_until(ws, "still-here\r\n")
    await ws.disconnect()
    await close_db()


async def test_unknown_pod_and_container_are_refused_with_a_message(web, tokens):
    ws = communicator(exec_path(web, query="pod=ghost"), tokens["alice"])
    assert (await ws.connect(timeout=10))[0]
    message = await ws.receive_json_from(timeout=10)
    assert message["type"] == "error" and 'pods "ghost" not found' in message["message"]
    assert await ws.receive_output(timeout=5) == {"type": "websocket.close", "code": 4404}

    ws = communicator(exec_path(web, query="container=nope"), tokens["alice"])
    assert (await ws.connect(timeout=10))[0]
    message = await ws.receive_json_from(timeout=10)
    assert "container nope is not valid" in message["message"]
    assert (await ws.receive_output(timeout=5))["code"] == 4400

    ws = communicator(exec_path(web, node_id="cfg"), tokens["alice"])  # a ConfigMap: no pods
    assert (await ws.connect(timeout=10))[0]
    assert "has no pods" in (await ws.receive_json_from(timeout=10))["message"]
    assert (await ws.receive_output(timeout=5))["code"] == 4404
    assert await audit_rows(web.workflow) == []  # nothing was opened
    await close_db()


async def test_personas(web, tokens):
    for user, expected in (("vera", 4403), ("charlie", 4404)):
        connected, code = await communicator(exec_path(web), tokens[user]).connect(timeout=10)
        assert (connected, code) == (False, expected), user
    assert await communicator(exec_path(web)).connect(timeout=10) == (False, 4401)
    bad_token = communicator(exec_path(web), "not-a-token")
    assert await bad_token.connect(timeout=10) == (False, 4401)
    assert await audit_rows(web.workflow) == []
    await close_db()


async def test_token_in_the_query_string(web, tokens):
    ws = communicator(exec_path(web, query=f"token={tokens['bob']}"))
    assert (await ws.connect(timeout=10))[0]
    await read_until(ws, "KubeOrch sandbox")
    await ws.disconnect()
    await close_db()


async def test_session_auth_still_works(web, bob):
    @sync_to_async
    def session_cookie() -> str:
        browser = Client()
        browser.force_login(bob)
        name = settings.SESSION_COOKIE_NAME
        return f"{name}={browser.cookies[name].value}"

    headers = [(b"cookie", (await session_cookie()).encode())]
    ws = WebsocketCommunicator(application, exec_path(web), headers=headers)
    assert (await ws.connect(timeout=10))[0]
    await read_until(ws, "KubeOrch sandbox")
    await ws.disconnect()
    [row] = await audit_rows(web.workflow)
    assert row.user.username == "bob"
    await close_db()
