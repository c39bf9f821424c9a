"""Artifact fixtures: the shared worker and sandbox with fast pipeline timings, and helpers
that drive the pipeline through /api/artifacts."""

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

STATIC_SITE = {"index.html": "<!doctype html><h1>hello from kubeorch</h1>\n",
               "style.css": "h1 { color: teal }\n"}
PYTHON_APP = {
    "app.py": "from http.server import HTTPServer, SimpleHTTPRequestHandler\n"
              "import os\n"
              "HTTPServer(('', int(os.environ['PORT'])), SimpleHTTPRequestHandler)"
              ".serve_forever()\n",
    "requirements.txt": "\n",
}
SETTLED = ("running", "failed", "cancelled")


@pytest.fixture
def pipeline(engine: Any, settings: Any, tmp_path: Any) -> Any:
    """Fast artifact timings on the shared worker; returns the sandbox."""
    settings.KUBEORCH_ARTIFACT_STORE = tmp_path / "store"
    settings.KUBEORCH_ARTIFACT_DEBOUNCE_SECONDS = 0.3
    settings.KUBEORCH_ARTIFACT_SETTLE_SECONDS = 0.5
    settings.KUBEORCH_ARTIFACT_DEGRADED_GRACE_SECONDS = 2
    settings.KUBEORCH_ARTIFACT_DEPLOY_TIMEOUT_SECONDS = 60
    settings.KUBEORCH_BUILD_TIMEOUT_SECONDS = 60
    return engine


def unique_namespace() -> str:
    return f"art-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def deploy(as_alice: Any) -> Callable[..., dict]:
    def deploy(name: str, files: dict[str, str], client: Any = None, **extra: Any) -> dict:
        body = {"name": name, "files": files, "namespace": extra.pop("namespace", None)
                or unique_namespace(), **extra}
        response = (client or as_alice).post("/api/artifacts", body, format="json")
        assert response.status_code == 202, response.json()
        return dict(response.json())

    return deploy


@pytest.fixture
def wait_artifact(as_alice: Any) -> Callable[..., dict]:
    def wait(artifact_id: int, until: tuple[str, ...] = SETTLED, timeout: float = 90,
             revision: int | None = None) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            found = as_alice.get(f"/api/artifacts/{artifact_id}").json()
            newest = found["revision"]["number"]
            if found["status"] in until and (revision is None or newest == revision):
                return dict(found)
            assert time.monotonic() < deadline, f"artifact {artifact_id} still {found}"
            time.sleep(0.2)

    return wait
