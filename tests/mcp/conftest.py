"""The MCP server behind a live Daphne, the shared Celery worker and the sandbox cluster, and a
client made with the MCP SDK."""

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
from django.conf import settings as django_settings
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult
from rest_framework.authtoken.models import Token

from tests.mcp.live import SpawnedDaphne

# Fast artifact timings, for the live server (which stores the source) and for the worker of
# this process (which builds and deploys it).
FAST = {
    "KUBEORCH_ARTIFACT_DEBOUNCE_SECONDS": 0.3,
    "KUBEORCH_ARTIFACT_SETTLE_SECONDS": 0.5,
    "KUBEORCH_ARTIFACT_DEGRADED_GRACE_SECONDS": 2,
    "KUBEORCH_ARTIFACT_DEPLOY_TIMEOUT_SECONDS": 60,
    "KUBEORCH_BUILD_TIMEOUT_SECONDS": 60,
}


@pytest.fixture(scope="module")
def shared_settings(sandbox: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return {
        **FAST,
        "KUBEORCH_SANDBOX_KUBECONFIG": Path(sandbox.kubeconfig_path),
        "KUBEORCH_ARTIFACT_STORE": tmp_path_factory.mktemp("mcp-store"),
        "SECRET_KEY": django_settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEY": django_settings.FIELD_ENCRYPTION_KEY,
    }


@pytest.fixture(scope="module")
def live_url(django_db_setup: Any, shared_settings: dict[str, Any]) -> Iterator[str]:
    """The product's ASGI application under Daphne, on the test database."""
    server = SpawnedDaphne(shared_settings)
    url = server.start_and_wait()
    yield url
    server.stop()


@pytest.fixture
def pipeline(engine: Any, settings: Any, shared_settings: dict[str, Any]) -> Any:
    """The shared worker builds and deploys with the live server's store and timings."""
    for name, value in shared_settings.items():
        setattr(settings, name, value)
    return engine


@pytest.fixture
def token_of() -> Callable[[Any], str]:
    return lambda user: Token.objects.get_or_create(user=user)[0].key


class Agent:
    """A coding agent's view: one MCP client session, calls that return JSON."""

    def __init__(self, session: ClientSession) -> None:
        self.session = session

    async def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        result = await self.session.call_tool(tool, arguments)
        assert not result.is_error, f"{tool}{arguments}: {text(result)}"
        assert result.structured_content == json.loads(text(result))
        return dict(result.structured_content)

    async def fail(self, tool: str, **arguments: Any) -> dict[str, Any]:
        result = await self.session.call_tool(tool, arguments)
        assert result.is_error, f"{tool}{arguments} succeeded: {text(result)}"
        return dict(json.loads(text(result)))

    async def wait(self, artifact_id: int, until: tuple[str, ...] = ("running", "failed"),
                   revision: int | None = None, timeout: float = 90) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = await self.call("get_artifact_status", artifact_id=artifact_id)
            newest = (found["revision"] or {}).get("number")
            if found["status"] in until and (revision is None or newest == revision):
                return found
            assert loop.time() < deadline, f"artifact {artifact_id} still {found}"
            await asyncio.sleep(0.3)


def text(result: CallToolResult) -> str:
    return "".join(getattr(block, "text", "") for block in result.content)


@asynccontextmanager
async def agent(url: str, token: str | None,
                statuses: list[int] | None = None) -> AsyncIterator[Agent]:
    """An initialized SDK client session; `statuses` collects the HTTP status of each reply."""
    headers = {"Authorization": f"Token {token}"} if token else {}
    http = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=120))
    if statuses is not None:
        async def record(response: Any) -> None:
            statuses.append(response.status_code)

        http.event_hooks["response"].append(record)
    async with (
        http,
        streamable_http_client(f"{url}/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield Agent(session)
