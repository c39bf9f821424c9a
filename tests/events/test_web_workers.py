"""`manage.py serve --workers N`: N Daphne processes on one port, each fanning events out to its
own streams; refused in the embedded mode (its channel layer lives in one process)."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from rest_framework.authtoken.models import Token

from deployments.events import emit
from workflows.actions.workflows import create_workflow

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_workers_are_refused_in_the_embedded_mode(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["KUBEORCH_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "manage.py", "serve", "--workers", "2", "--port", str(free_port())],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "--workers needs the production mode" in result.stderr


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="production mode needs Redis")
@pytest.mark.django_db(transaction=True)
def test_two_workers_share_the_port_and_every_stream_gets_the_event(alice, team, tmp_path):
    workflow = create_workflow(alice, team=team, name="w")
    token = Token.objects.create(user=alice).key
    db = settings.DATABASES["default"]
    env = dict(os.environ, KUBEORCH_DATA_DIR=str(tmp_path), DATABASE_URL=(
        f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"))
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--workers", "2", "--port", str(port),
             "--no-sandbox"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    streams = []
    try:
        deadline = time.monotonic() + 90
        while log_path.read_text().count("Listening on") < 2:
            assert server.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        for _ in range(8):  # the kernel spreads them over both workers
            response = requests.get(
                f"http://127.0.0.1:{port}/v1/api/workflows/{workflow.pk}/events",
                headers={"Authorization": f"Token {token}"}, stream=True, timeout=10,
            )
            assert response.status_code == 200
            lines = response.iter_lines(decode_unicode=True)
            assert next(lines) == ": connected"
            streams.append((response, lines))
        emit(team.pk, f"workflow:{workflow.pk}", "across.workers", {})
        for _, lines in streams:
            assert next(line for line in lines if line.startswith("event:")) == (
                "event: across.workers")
    finally:
        for response, _ in streams:
            response.close()
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
