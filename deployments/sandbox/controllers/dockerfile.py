"""A Dockerfile parser close enough to buildah's (imagebuilder on the moby parser) for the
simulated build: instructions with continuation lines joined, stages, ARG expansion in FROM,
and buildah's wording for the errors it would stop on."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

KEYWORDS = {"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
            "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME",
            "WORKDIR"}
_VARIABLE = re.compile(r"\$(?:\{(\w+)(?::?([-+])([^}]*))?\}|(\w+))")
_FLAG = re.compile(r"--([\w-]+)(?:=(\S*))?$")
_EXIT = re.compile(r"exit\s+(\d+)")
_HEREDOC = re.compile(r"<<-?([\"']?)(\w+)\1")


class DockerfileError(Exception):
    """A Dockerfile buildah refuses before the first step (the text follows "Error: ")."""


@dataclass
class Instruction:
    keyword: str
    args: str  # everything after the keyword, continuation lines joined
    line: int
    original: str  # what buildah prints after "STEP i/N: "

    def flags(self) -> dict[str, str]:
        """Leading `--name=value` flags (COPY --from=, --chown=, RUN --mount=...)."""
        found = {}
        for word in self.args.split():
            match = _FLAG.match(word)
            if not match:
                break
            found[match.group(1)] = match.group(2) or ""
        return found

    def operands(self) -> list[str]:
        """Arguments without leading flags, exec (JSON) form understood."""
        rest = self.args.split()
        while rest and _FLAG.match(rest[0]):
            rest.pop(0)
        text = " ".join(rest)
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except ValueError:
                return rest
            if isinstance(parsed, list) and all(isinstance(p, str) for p in parsed):
                return list(parsed)
        return rest

    def command(self) -> str:
        """RUN/CMD/ENTRYPOINT as the shell would see it."""
        text = self.args
        for _ in self.flags():
            text = text.split(None, 1)[1] if len(text.split(None, 1)) > 1 else ""
        text = text.strip()
        if text.startswith("["):
            return " ".join(self.operands())
        first, _, body = text.partition("\n")
        return body if _HEREDOC.search(first) else text


@dataclass
class Stage:
    index: int
    base: str
    alias: str | None
    instructions: list[Instruction] = field(default_factory=list)  # FROM first


@dataclass
class Dockerfile:
    stages: list[Stage]

    def stage_named(self, name: str, before: int) -> Stage | None:
        for stage in self.stages[:before]:
            if stage.alias == name.lower() or name == str(stage.index):
                return stage
        return None


def expand(text: str, variables: dict[str, str]) -> str:
    """`$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:+alt}` like the Dockerfile shell lexer."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(4)
        value = variables.get(name, "")
        if match.group(2) == "-":
            return value or match.group(3)
        if match.group(2) == "+":
            return match.group(3) if value else ""
        return value

    return _VARIABLE.sub(replace, text)


def _logical_lines(text: str) -> list[tuple[int, str, str]]:
    """(first line number, text, what buildah prints) with comments, continuations and
    heredocs (`RUN <<EOF` ... `EOF`: the body joins the text, the first line is printed)."""
    escape = "\\"
    result: list[tuple[int, str, str]] = []
    pending: list[str] = []
    start = 0
    directives = True
    heredoc: str | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if heredoc is not None:
            if stripped == heredoc:
                heredoc = None
            else:
                first, body, original = result[-1]
                result[-1] = (first, f"{body}\n{raw}", original)
            continue
        if directives:
            match = re.match(r"#\s*escape\s*=\s*(\S)", stripped)
            if match:
                escape = match.group(1)
                continue
            if not stripped.startswith("#") or not re.match(r"#\s*\w+\s*=", stripped):
                directives = False
        if stripped.startswith("#") or (not stripped and not pending):
            continue
        if not pending:
            start = number
        if stripped.endswith(escape):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        joined = " ".join(p for p in pending if p)
        result.append((start, joined, joined))
        pending = []
        marker = _HEREDOC.search(joined)
        if marker and joined.split(" ", 1)[0].upper() in ("RUN", "COPY", "ADD"):
            heredoc = marker.group(2)
    if pending:
        joined = " ".join(p for p in pending if p)
        result.append((start, joined, joined))
    return result


def parse(text: str) -> Dockerfile:
    lines = _logical_lines(text)
    if not lines:
        raise DockerfileError("parsing main Dockerfile: /workspace/Dockerfile: "
                              "file with no instructions")
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for number, joined, original in lines:
        keyword, _, args = joined.partition(" ")
        keyword = keyword.upper()
        args = args.strip()
        if keyword not in KEYWORDS:
            raise DockerfileError(f"parsing main Dockerfile: /workspace/Dockerfile: dockerfile "
                                  f"parse error on line {number}: unknown instruction: "
                                  f"{joined.split(' ')[0]}")
        instruction = Instruction(keyword, args, number, original)
        if keyword == "FROM":
            stages.append(_stage(instruction, len(stages), global_args))
        elif not stages:
            if keyword != "ARG":
                raise DockerfileError("no FROM statement found")
            name, _, default = args.partition("=")
            global_args[name.strip()] = expand(default.strip().strip('"'), global_args)
        else:
            if keyword in ("RUN", "COPY", "ADD", "WORKDIR", "ENV", "EXPOSE", "USER",
                           "LABEL", "ARG", "VOLUME", "STOPSIGNAL") and not args:
                raise DockerfileError(f"parsing main Dockerfile: /workspace/Dockerfile: "
                                      f"dockerfile parse error on line {number}: "
                                      f"{keyword} requires at least one argument")
            if keyword in ("COPY", "ADD") and len(instruction.operands()) < 2:
                raise DockerfileError(f"parsing main Dockerfile: /workspace/Dockerfile: "
                                      f"dockerfile parse error on line {number}: "
                                      f"{keyword} requires at least two arguments")
            stages[-1].instructions.append(instruction)
    if not stages:
        raise DockerfileError("no FROM statement found")
    return Dockerfile(stages)


def _stage(instruction: Instruction, index: int, global_args: dict[str, str]) -> Stage:
    words = instruction.operands()
    if len(words) not in (1, 3) or (len(words) == 3 and words[1].lower() != "as"):
        raise DockerfileError(f"parsing main Dockerfile: /workspace/Dockerfile: dockerfile "
                              f"parse error on line {instruction.line}: FROM requires either "
                              f"one or three arguments")
    base = expand(words[0], global_args)
    alias = words[2].lower() if len(words) == 3 else None
    return Stage(index, base, alias, [instruction])


def run_exit_status(command: str) -> int:
    """The exit status a simulated RUN ends with: `false`, `exit N` or SANDBOX_FAIL fail."""
    if "SANDBOX_FAIL" in command:
        return 1
    for segment in re.split(r"&&|;|\n", command):
        segment = segment.strip()
        if segment in ("false", "/bin/false", "/usr/bin/false"):
            return 1
        match = _EXIT.fullmatch(segment)
        if match and int(match.group(1)) != 0:
            return int(match.group(1)) % 256 or 1
    return 0
