"""`make run`'s server, embedded (SQLite, in-process worker, sandbox), used by a token client over
real HTTP: create, save, publish, version, change, version, compare, restore."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def embedded_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["KUBEORCH_DATA_DIR"] = str(data_dir)
    return env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    data_dir = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = embedded_env(data_dir)
    log = open(data_dir / "serve.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while "ready at" not in (data_dir / "serve.log").read_text():
            assert process.poll() is None, (data_dir / "serve.log").read_text()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        token = subprocess.run(
            [sys.executable, "manage.py", "drf_create_token", "demo"],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        ).stdout.split()[2]
        yield {"url": url, "token": token, "log": str(data_dir / "serve.log"),
               "data_dir": str(data_dir)}
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def test_token_client_story_over_http(server: dict[str, str]) -> None:
    api = requests.Session()
    api.headers["Authorization"] = f"Token {server['token']}"
    base = server["url"] + "/v1/api"

    workflow = api.post(f"{base}/workflows", json={"name": "shop"}).json()
    wid = workflow["id"]
    nodes = [
        {"id": "web", "type": "deployment", "position": {"x": 0, "y": 0},
         "data": {"name": "web", "image": "nginx:1.27", "replicas": 1}},
        {"id": "svc", "type": "service", "position": {"x": 0, "y": 100},
         "data": {"name": "web", "port": 80}},
    ]
    edges = [{"id": "svc-web", "source": "svc", "target": "web"}]
    assert api.post(f"{base}/workflows/{wid}/save",
                    json={"nodes": nodes, "edges": edges}).status_code == 200
    assert api.post(f"{base}/workflows/{wid}/publish").json()["status"] == "published"
    assert api.post(f"{base}/workflows/{wid}/versions", json={"tag": "v1"}).json()["number"] == 1

    nodes[0]["data"]["replicas"] = 3
    changed = api.post(f"{base}/workflows/{wid}/save", json={"nodes": nodes, "edges": edges})
    assert changed.json()["status"] == "draft"
    assert api.post(f"{base}/workflows/{wid}/versions", json={}).json()["number"] == 2

    diff = api.get(f"{base}/workflows/{wid}/versions/compare", params={"from": 1, "to": 2}).json()
    assert diff["nodes"]["modified"] == [
        {"id": "web", "changes": [{"path": "data.replicas", "old": 1, "new": 3}]}
    ]
    assert diff["nodes"]["added"] == diff["nodes"]["removed"] == []

    restored = api.post(f"{base}/workflows/{wid}/versions/1/restore").json()
    assert (restored["number"], restored["restored_from"]) == (3, 1)
    current = api.get(f"{base}/workflows/{wid}").json()
    assert current["nodes"][0]["data"]["replicas"] == 1
    assert current["current_version"] == 3

    assert requests.get(f"{base}/workflows").status_code == 401
    assert api.get(f"{base}/schema/").status_code == 200


def test_embedded_default_registers_the_sandbox(server: dict[str, str]) -> None:
    kubeconfig = Path(server["data_dir"]) / "sandbox.kubeconfig"
    assert kubeconfig.exists()
    pods = subprocess.run(
        ["kubectl", "--kubeconfig", str(kubeconfig), "get", "namespaces", "-o", "name"],
        capture_output=True, text=True, timeout=30,
    )
    assert pods.returncode == 0, pods.stderr
    assert "namespace/default" in pods.stdout
