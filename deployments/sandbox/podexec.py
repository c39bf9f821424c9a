"""pods/{name}/exec over WebSocket with the v4/v5 channel protocols: stdin 0, stdout 1,
stderr 2, status 3, resize 4 and (v5) close 255; drives the simulated shell."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from . import resources as R
from .errors import ApiError, bad_request
from .podlogs import choose_container
from .shell import SHELLS, ExitShell, Shell
from .util import Obj
from .websocket import OP_BINARY, WebSocket, WebSocketClosed, accept_key, choose_subprotocol

if TYPE_CHECKING:
    from .cluster import SandboxCluster
    from .server import Handler

PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
STDIN, STDOUT, STDERR, STATUS, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255


def _status(code: int) -> bytes:
    if code == 0:
        return json.dumps({"metadata": {}, "status": "Success"}).encode()
    return json.dumps({
        "metadata": {}, "status": "Failure",
        "message": f"command terminated with non-zero exit code: error executing command, "
                   f"exit code {code}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}).encode()


class ExecSession:
    def __init__(self, ws: WebSocket, protocol: str, shell: Shell, tty: bool,
                 stdin: bool) -> None:
        self.ws, self.protocol, self.shell = ws, protocol, shell
        self.tty, self.stdin = tty, stdin
        self._line = ""
        shell.write_out = lambda text: self.send(STDOUT, text)
        # A terminal has one output stream: stderr text goes to stdout when tty is set.
        shell.write_err = lambda text: self.send(STDOUT if tty else STDERR, text)

    def send(self, channel: int, text: str) -> None:
        if self.tty:
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        self.ws.send(OP_BINARY, bytes([channel]) + text.encode())

    def finish(self, code: int) -> None:
        try:
            self.ws.send(OP_BINARY, bytes([STATUS]) + _status(code))
            self.ws.close(1000)
        except WebSocketClosed:
            pass

    def run_command(self, argv: list[str]) -> int:
        if argv[0] in SHELLS and len(argv) >= 3 and argv[1] == "-c":
            return self.shell.run_line(argv[2])
        return self.shell.run_argv(argv)

    def interactive(self) -> int:
        if self.tty:
            self.send(STDOUT, self.shell.banner() + self.shell.prompt())
        while True:
            _opcode, message = self.ws.receive()
            if not message:
                continue
            channel, payload = message[0], message[1:]
            if channel == RESIZE:
                self._resize(payload)
            elif channel == CLOSE and payload[:1] == bytes([STDIN]):
                return self._run_pending() or self.shell.last_status
            elif channel == STDIN:
                code = self._feed(payload.decode(errors="replace"))
                if code is not None:
                    return code

    def _resize(self, payload: bytes) -> None:
        try:
            size = json.loads(payload)
            self.shell.size = (int(size.get("Width", 80)), int(size.get("Height", 24)))
        except (ValueError, AttributeError):
            pass

    def _run_pending(self) -> int:
        if not self._line.strip():
            return 0
        line, self._line = self._line, ""
        try:
            return self.shell.run_line(line)
        except ExitShell as done:
            return done.code

    def _feed(self, text: str) -> int | None:
        for char in text:
            try:
                code = self._feed_char(char)
            except ExitShell as done:
                return done.code
            if code is not None:
                return code
        return None

    def _feed_char(self, char: str) -> int | None:
        if char in ("\r", "\n"):
            if self.tty:
                self.send(STDOUT, "\n")
            line, self._line = self._line, ""
            self.shell.run_line(line)
            if self.tty:
                self.send(STDOUT, self.shell.prompt())
        elif char == "\x04" and not self._line:  # Ctrl-D on an empty line: end of input
            if self.tty:
                self.send(STDOUT, "exit\n")
            return self.shell.last_status
        elif char == "\x03" and self.tty:  # Ctrl-C: abandon the line
            self._line = ""
            self.send(STDOUT, "^C\n" + self.shell.prompt())
        elif char in ("\x7f", "\x08"):
            if self._line:
                self._line = self._line[:-1]
                if self.tty:
                    self.send(STDOUT, "\b \b")
        else:
            self._line += char
            if self.tty:
                self.send(STDOUT, char)
        return None


def _target(cluster: SandboxCluster, handler: Handler, namespace: str,
            name: str) -> tuple[Obj, Obj]:
    pod = cluster.api.get(R.PODS, namespace, name)
    container_name = choose_container(pod, handler.param("container"))
    container = next(c for c in pod["spec"]["containers"] + pod["spec"].get("initContainers", [])
                     if c["name"] == container_name)
    if not cluster.controllers.kubelet.container_running(pod["metadata"]["uid"], container_name):
        raise bad_request(f'unable to upgrade connection: container not found '
                          f'("{container_name}")')
    return pod, container


def serve_exec(handler: Handler, cluster: SandboxCluster, namespace: str, name: str) -> None:
    command = handler.query.get("command") or []
    if not command:
        raise bad_request("you must specify at least 1 command")
    pod, container = _target(cluster, handler, namespace, name)
    if handler.headers.get("Upgrade", "").lower() != "websocket":
        raise ApiError(400, "BadRequest", "Upgrade request required")
    protocol = choose_subprotocol(handler.headers.get("Sec-WebSocket-Protocol", ""), PROTOCOLS)
    if protocol is None:
        raise bad_request("unable to upgrade connection: no supported subprotocol offered "
                          f"(supported: {', '.join(PROTOCOLS)})")
    handler.send_response(101, "Switching Protocols")
    handler.send_header("Upgrade", "websocket")
    handler.send_header("Connection", "Upgrade")
    handler.send_header("Sec-WebSocket-Accept", accept_key(handler.headers["Sec-WebSocket-Key"]))
    handler.send_header("Sec-WebSocket-Protocol", protocol)
    handler.end_headers()
    handler.wfile.flush()
    handler.close_connection = True
    handler.server.track_stream(handler.connection)
    ws = WebSocket(handler.rfile, handler.wfile, handler.connection)  # type: ignore[arg-type]
    tty, stdin = handler.flag("tty"), handler.flag("stdin")
    session = ExecSession(ws, protocol, Shell(pod, container, print, print), tty, stdin)
    try:
        if command[0] in SHELLS and len(command) == 1 and stdin:
            code = session.interactive()
        else:
            code = session.run_command(command)
        session.finish(code)
    except ExitShell as done:
        session.finish(done.code)
    except WebSocketClosed:
        pass
    finally:
        handler.server.untrack_stream(handler.connection)
