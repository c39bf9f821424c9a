"""Pod logs (tail, follow, previous, resume after drops) and exec."""

from __future__ import annotations

import re
import threading
import time

import pytest

from deployments.cluster import ClusterClient, ClusterError
from tests.cluster.conftest import container_state, pod, wait_for

FIVE_LINES = ["sh", "-c", "for i in 1 2 3 4 5; do echo line-$i; done; sleep 3600"]
# On a real cluster it ticks; the sandbox writes its own periodic lines (one a second).
TICKER = ["sh", "-c", "i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.3; done"]
SLEEPER = ["sh", "-c", "sleep 3600"]
# SANDBOX_CRASH makes the sandbox's simulated container fail like `exit 1` does for real.
CRASH_ENV = [{"name": "SANDBOX_CRASH", "value": "1"}]


def running(cluster: ClusterClient, name: str, namespace: str) -> bool:
    return "running" in (container_state(cluster, name, namespace).get("state") or {})


def terminated(cluster: ClusterClient, name: str, namespace: str) -> bool:
    return "terminated" in (container_state(cluster, name, namespace).get("state") or {})


def start_pod(cluster: ClusterClient, namespace: str, name: str, command: list[str]) -> None:
    cluster.apply(pod(name, namespace, command))
    wait_for(lambda: running(cluster, name, namespace))


def crashing_pod(name: str, namespace: str, command: list[str], restart: str) -> dict:
    manifest = pod(name, namespace, command, restart_policy=restart)
    manifest["spec"]["containers"][0]["env"] = CRASH_ENV
    return manifest


def assert_contiguous(part: list[str], whole: list[str]) -> None:
    """part is an exact run of whole's lines: nothing missing, repeated or reordered."""
    assert part, "no lines"
    start = whole.index(part[0])
    assert whole[start : start + len(part)] == part


STAMPED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z .+$")


def test_pod_logs_whole_tail_and_timestamps(cluster: ClusterClient, namespace: str) -> None:
    start_pod(cluster, namespace, "five", FIVE_LINES)
    wait_for(lambda: len(cluster.pod_logs("five", namespace).splitlines()) >= 3)
    tail = cluster.pod_logs("five", namespace, tail_lines=2, timestamps=True).splitlines()
    whole = cluster.pod_logs("five", namespace, timestamps=True).splitlines()
    assert len(tail) == 2 and all(STAMPED.match(line) for line in whole)
    assert_contiguous(tail, whole)
    plain = cluster.pod_logs("five", namespace).splitlines()
    assert plain[:3] == [line.split(" ", 1)[1] for line in whole[:3]]


def test_pod_logs_of_a_missing_pod(cluster: ClusterClient, namespace: str) -> None:
    with pytest.raises(ClusterError) as info:
        cluster.pod_logs("ghost", namespace)
    assert info.value.status == 404 and not info.value.retryable
    assert info.value.message.startswith(f"read logs of Pod ghost in ns {namespace}: ")


def test_follow_pod_logs_streams_new_lines(cluster: ClusterClient, namespace: str) -> None:
    start_pod(cluster, namespace, "ticker", TICKER)
    stop = threading.Event()
    lines = []
    for line in cluster.follow_pod_logs(
        "ticker", namespace, tail_lines=1, timestamps=True, stop=stop
    ):
        lines.append(line)
        if len(lines) == 4:
            stop.set()
    assert len(lines) == 4
    assert_contiguous(lines, cluster.pod_logs("ticker", namespace, timestamps=True).splitlines())


def test_follow_stops_promptly_on_a_quiet_pod(cluster: ClusterClient, namespace: str) -> None:
    start_pod(cluster, namespace, "quiet", SLEEPER)
    stop = threading.Event()
    done = threading.Event()

    def consume() -> None:
        for _ in cluster.follow_pod_logs("quiet", namespace, tail_lines=0, stop=stop):
            pass
        done.set()

    threading.Thread(target=consume, daemon=True).start()
    time.sleep(0.5)
    stop.set()
    assert done.wait(3)


def test_follow_ends_when_the_container_exits(cluster: ClusterClient, namespace: str) -> None:
    command = ["sh", "-c", "echo one; sleep 2; echo two; exit 1"]
    cluster.apply(crashing_pod("short", namespace, command, restart="Never"))
    wait_for(
        lambda: running(cluster, "short", namespace) or terminated(cluster, "short", namespace)
    )
    followed = list(cluster.follow_pod_logs("short", namespace))
    assert terminated(cluster, "short", namespace)
    assert followed == cluster.pod_logs("short", namespace).splitlines()


def test_follow_resumes_after_dropped_connections(
    cluster: ClusterClient, namespace: str, sandbox_cluster
) -> None:
    start_pod(cluster, namespace, "ticker", TICKER)
    wait_for(lambda: len(cluster.pod_logs("ticker", namespace).splitlines()) >= 3)
    stop = threading.Event()
    lines = []
    follower = cluster.follow_pod_logs("ticker", namespace, timestamps=True, stop=stop)
    for line in follower:
        lines.append(line)
        if len(lines) in (2, 4):  # the startup lines, then while ticking
            sandbox_cluster.cut_connections()
        if len(lines) == 6:
            stop.set()
    whole = cluster.pod_logs("ticker", namespace, timestamps=True).splitlines()
    assert lines == whole[:6]
    assert follower.connections == 3


def test_previous_logs_of_a_restarted_container(cluster: ClusterClient, namespace: str) -> None:
    command = ["sh", "-c", "echo life-$(cat /proc/sys/kernel/random/uuid); sleep 1; exit 1"]
    cluster.apply(crashing_pod("phoenix", namespace, command, restart="Always"))
    wait_for(lambda: container_state(cluster, "phoenix", namespace).get("restartCount", 0) >= 1)
    previous = cluster.pod_logs("phoenix", namespace, previous=True)
    assert previous.strip()
    assert "life-" in previous or "SANDBOX_CRASH" in previous


def test_previous_logs_need_a_previous_instance(cluster: ClusterClient, namespace: str) -> None:
    start_pod(cluster, namespace, "fresh", SLEEPER)
    with pytest.raises(ClusterError) as info:
        cluster.pod_logs("fresh", namespace, previous=True)
    assert info.value.status == 400 and "previous terminated container" in info.value.message


def test_exec_echo_returns_hi(cluster: ClusterClient, namespace: str) -> None:
    start_pod(cluster, namespace, "shell", SLEEPER)
    with cluster.exec("shell", namespace, command=("echo", "hi"), tty=False) as session:
        stdout, stderr = session.collect(timeout=20)
        assert stdout == "hi\n" and stderr == ""
        assert session.exit_code == 0 and not session.is_open


def test_exec_reports_a_failing_command(cluster: ClusterClient, namespace: str) -> None:
    start_pod(cluster, namespace, "shell", SLEEPER)
    command = ("sh", "-c", "cat /nonexistent-kubeorch; exit 3")
    with cluster.exec("shell", namespace, command=command, tty=False) as session:
        stdout, stderr = session.collect(timeout=20)
    assert stdout == "" and "No such file or directory" in stderr
    assert session.exit_code == 3


def test_exec_interactive_shell_with_resize(cluster: ClusterClient, namespace: str) -> None:
    start_pod(cluster, namespace, "shell", SLEEPER)
    with cluster.exec("shell", namespace) as session:
        assert session.is_open
        session.resize(120, 40)
        session.write_stdin("echo hi-from-tty\n")
        output = ""
        deadline = time.monotonic() + 20
        while "hi-from-tty\r\n" not in output and time.monotonic() < deadline:
            output += "".join(text for channel, text in session.read(0.2) if channel == "stdout")
        assert "hi-from-tty\r\n" in output
        session.write_stdin("exit\n")
        session.collect(timeout=10)
        assert not session.is_open


def test_resize_reaches_the_terminal(cluster: ClusterClient, namespace: str) -> None:
    start_pod(cluster, namespace, "shell", SLEEPER)
    with cluster.exec("shell", namespace) as session:
        session.resize(132, 43)
        time.sleep(0.5)
        session.write_stdin("stty size; exit\n")
        stdout, _ = session.collect(timeout=20)
    assert "43 132" in stdout


@pytest.mark.cluster
def test_exec_runs_inside_the_real_container(cluster: ClusterClient, namespace: str) -> None:
    start_pod(cluster, namespace, "shell", SLEEPER)
    command = ("cat", "/proc/1/cmdline")
    with cluster.exec("shell", namespace, command=command, tty=False) as session:
        stdout, _ = session.collect(timeout=20)
    assert stdout.split("\0")[:2] == ["sh", "-c"] and "sleep 3600" in stdout


@pytest.mark.cluster
def test_previous_logs_come_from_the_previous_instance(
    cluster: ClusterClient, namespace: str
) -> None:
    command = ["sh", "-c", "echo life-$(cat /proc/sys/kernel/random/uuid); sleep 1; exit 1"]
    cluster.apply(crashing_pod("phoenix", namespace, command, restart="Always"))
    wait_for(lambda: container_state(cluster, "phoenix", namespace).get("restartCount", 0) >= 1)
    wait_for(lambda: cluster.pod_logs("phoenix", namespace).startswith("life-"))
    previous = cluster.pod_logs("phoenix", namespace, previous=True).strip()
    current = cluster.pod_logs("phoenix", namespace).strip()
    assert previous.startswith("life-") and current.startswith("life-")
    assert previous != current  # each instance printed its own uuid


def test_exec_into_a_missing_pod(cluster: ClusterClient, namespace: str) -> None:
    with pytest.raises(ClusterError) as info:
        cluster.exec("ghost", namespace, command=("true",), tty=False)
    assert info.value.status == 404 and not info.value.retryable
    assert f"in Pod ghost in ns {namespace}" in info.value.message
