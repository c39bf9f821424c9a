"""The simulated container shell behind pod exec. It is honest about what it is: a banner
says so, and anything it cannot simulate answers `sh: X: not found`."""

from __future__ import annotations

import re
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .util import Obj

SHELLS = {"sh", "bash", "ash", "/bin/sh", "/bin/bash", "/bin/ash", "/usr/bin/bash", "zsh"}
_VAR = re.compile(r"\$(\w+)|\$\{(\w+)\}")
_FILESYSTEM: dict[str, list[str]] = {
    "/": ["bin", "dev", "etc", "home", "lib", "proc", "root", "run", "sys", "tmp", "usr", "var"],
    "/etc": ["hostname", "hosts", "os-release", "passwd", "resolv.conf"],
    "/tmp": [], "/root": [], "/home": [], "/var": ["log", "run"],
    "/bin": ["cat", "echo", "env", "hostname", "ls", "pwd", "sh", "whoami"],
}


class ExitShell(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class Shell:
    pod: Obj
    container: Obj
    write_out: Callable[[str], None]
    write_err: Callable[[str], None]
    cwd: str = "/"
    last_status: int = 0
    size: tuple[int, int] = (80, 24)
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.env = {
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOSTNAME": self.hostname, "HOME": "/root",
            "KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443",
            **{e["name"]: str(e.get("value", "")) for e in self.container.get("env") or []
               if "name" in e},
        }

    @property
    def hostname(self) -> str:
        return str(self.pod["spec"].get("hostname") or self.pod["metadata"]["name"])

    def banner(self) -> str:
        return (f"KubeOrch sandbox: simulated shell in container "
                f"\"{self.container['name']}\" of pod \"{self.pod['metadata']['name']}\" "
                f"(image {self.container.get('image')}).\n"
                f"This is not a real container; try: echo, hostname, pwd, cd, ls, env, cat, "
                f"whoami, exit.\n")

    def prompt(self) -> str:
        return f"{self.cwd} # "

    def _expand(self, text: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(2)
            return str(self.last_status) if name == "?" else self.env.get(name, "")
        return _VAR.sub(value, text.replace("$?", str(self.last_status)))

    def run_line(self, line: str) -> int:
        """Run one command line (`;`, `&&` and `||` separated); returns the last status."""
        for part, joiner in self._split_chain(line):
            if joiner == "&&" and self.last_status != 0:
                continue
            if joiner == "||" and self.last_status == 0:
                continue
            try:
                argv = shlex.split(self._expand(part))
            except ValueError:
                self.write_err("sh: syntax error: unterminated quoted string\n")
                self.last_status = 2
                continue
            if argv:
                self.last_status = self.run_argv(argv)
        return self.last_status

    @staticmethod
    def _split_chain(line: str) -> list[tuple[str, str]]:
        tokens = re.split(r"(&&|\|\||;)", line)
        parts, joiner = [], ";"
        for token in tokens:
            if token in ("&&", "||", ";"):
                joiner = token
            elif token.strip():
                parts.append((token, joiner))
        return parts

    def run_argv(self, argv: list[str]) -> int:
        name, args = argv[0].rsplit("/", 1)[-1], argv[1:]
        handler = getattr(self, f"cmd_{name.replace('-', '_')}", None)
        if handler is None:
            self.write_err(f"sh: {argv[0]}: not found\n")
            return 127
        result: int = handler(args)
        return result

    # -- commands --------------------------------------------------------------------------
    def cmd_echo(self, args: list[str]) -> int:
        newline = "\n"
        if args[:1] == ["-n"]:
            args, newline = args[1:], ""
        self.write_out(" ".join(args) + newline)
        return 0

    def cmd_hostname(self, args: list[str]) -> int:
        self.write_out(self.hostname + "\n")
        return 0

    def cmd_pwd(self, args: list[str]) -> int:
        self.write_out(self.cwd + "\n")
        return 0

    def _path(self, target: str) -> str:
        if not target.startswith("/"):
            target = f"{self.cwd.rstrip('/')}/{target}"
        parts: list[str] = []
        for piece in target.split("/"):
            if piece == "..":
                parts = parts[:-1]
            elif piece and piece != ".":
                parts.append(piece)
        return "/" + "/".join(parts)

    def cmd_cd(self, args: list[str]) -> int:
        target = self._path(args[0] if args else "/root")
        if target not in _FILESYSTEM:
            self.write_err(f"sh: cd: can't cd to {args[0] if args else target}: "
                           f"No such file or directory\n")
            return 2
        self.cwd = target
        return 0

    def cmd_ls(self, args: list[str]) -> int:
        paths = [a for a in args if not a.startswith("-")] or [self.cwd]
        status = 0
        for path in paths:
            resolved = self._path(path)
            if resolved in _FILESYSTEM:
                entries = _FILESYSTEM[resolved]
                if entries:
                    self.write_out("  ".join(entries) + "\n")
            elif resolved.rsplit("/", 1)[-1] in _FILESYSTEM.get(
                    resolved.rsplit("/", 1)[0] or "/", []):
                self.write_out(path + "\n")
            else:
                self.write_err(f"ls: {path}: No such file or directory\n")
                status = 1
        return status

    def cmd_env(self, args: list[str]) -> int:
        self.write_out("".join(f"{k}={v}\n" for k, v in self.env.items()))
        return 0

    cmd_printenv = cmd_env

    def _file(self, path: str) -> str | None:
        files = {
            "/etc/hostname": self.hostname + "\n",
            "/etc/os-release": 'NAME="KubeOrch Sandbox"\nID=kubeorch-sandbox\n'
                               'PRETTY_NAME="KubeOrch Sandbox (simulated container)"\n',
            "/etc/resolv.conf": f"search {self.pod['metadata']['namespace']}.svc.cluster.local "
                                "svc.cluster.local cluster.local\nnameserver 10.96.0.10\n"
                                "options ndots:5\n",
            "/etc/hosts": f"127.0.0.1\tlocalhost\n{self.pod.get('status', {}).get('podIP', '')}"
                          f"\t{self.hostname}\n",
            "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\n",
        }
        return files.get(self._path(path))

    def cmd_cat(self, args: list[str]) -> int:
        status = 0
        for path in args:
            content = self._file(path)
            if content is None:
                self.write_err(f"cat: can't open '{path}': No such file or directory\n")
                status = 1
            else:
                self.write_out(content)
        return status

    def cmd_whoami(self, args: list[str]) -> int:
        self.write_out("root\n")
        return 0

    def cmd_id(self, args: list[str]) -> int:
        self.write_out("uid=0(root) gid=0(root) groups=0(root)\n")
        return 0

    def cmd_uname(self, args: list[str]) -> int:
        self.write_out(f"Linux {self.hostname} 6.1.0-kubeorch-sandbox x86_64 Linux\n"
                       if "-a" in args else "Linux\n")
        return 0

    def cmd_date(self, args: list[str]) -> int:
        self.write_out(time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime()) + "\n")
        return 0

    def cmd_true(self, args: list[str]) -> int:
        return 0

    def cmd_false(self, args: list[str]) -> int:
        return 1

    def cmd_stty(self, args: list[str]) -> int:
        if args[:1] == ["size"]:
            self.write_out(f"{self.size[1]} {self.size[0]}\n")
        return 0

    def cmd_sleep(self, args: list[str]) -> int:
        time.sleep(min(float(args[0]) if args else 0, 2.0))
        return 0

    def cmd_help(self, args: list[str]) -> int:
        self.write_out(self.banner())
        return 0

    def cmd_exit(self, args: list[str]) -> int:
        raise ExitShell(int(args[0]) if args and args[0].isdigit() else self.last_status)
