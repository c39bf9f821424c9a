"""Image builds in the cluster: a container running quay.io/buildah/stable is simulated as
KubeOrch's build script (untar the context ConfigMap, `buildah bud`, `buildah push` with the
digest written to the termination log), with buildah's output, errors and exit codes, and
pushes recorded in the sandbox registry (registry.sandbox.local)."""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import io
import posixpath
import re
import tarfile
from dataclasses import dataclass, field, replace
from fnmatch import fnmatch
from typing import TYPE_CHECKING

from .. import resources as R
from ..util import Obj, dig, stable_hash
from . import failures
from .dockerfile import Dockerfile, DockerfileError, Instruction, Stage, parse, run_exit_status
from .registry import SandboxRegistry, split_reference

if TYPE_CHECKING:
    from .base import Context
    from .kubelet import ContainerSim

BUILDAH_REPOSITORY = ("quay.io", "buildah/stable")
BUILD_SECONDS = 1.5  # a successful build's `buildah bud` output is spread over this long
PUSH_SECONDS = 0.5
CONTEXT_KEY = "context.tar.gz"
CONTEXT_DIR = "/context"
_MOUNT_RETRY = (0.5, 122.0)  # kubelet's volume operation backoff: initial, max
_SHORTNAMES = "/etc/containers/registries.conf.d/000-shortnames.conf"


def is_build(container: Obj) -> bool:
    host, repository, _, _ = split_reference(str(container.get("image", "")))
    return (host, repository) == BUILDAH_REPOSITORY


def _sha(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
    return digest.hexdigest()


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    reason: str  # Completed | Error
    message: str | None = None  # what the script wrote to /dev/termination-log


@dataclass
class BuildPlan:
    lines: list[tuple[float, str]]  # (seconds after start, text)
    duration: float
    outcome: Outcome
    push: tuple[str, str] | None = None  # (image, digest) recorded when the build ends


@dataclass
class BuildState:
    plan: BuildPlan | None = None
    written: int = 0
    started_at: float = 0.0
    mount_retry_at: float = 0.0
    mount_backoff: float = 0.0


class _Timeline:
    """Steps of weighted duration; a step's lines are spread over its share of the time."""

    def __init__(self) -> None:
        self.steps: list[tuple[float, list[str]]] = []

    def add(self, weight: float, *lines: str) -> None:
        self.steps.append((weight, list(lines)))

    def render(self, start: float, unit: float) -> tuple[list[tuple[float, str]], float]:
        out, at = [], start
        for weight, lines in self.steps:
            span = weight * unit
            out += [(at + span * i / len(lines), line) for i, line in enumerate(lines)]
            at += span
        return out, at


class _Context:
    """The untarred build context: regular files (path -> bytes) and directories."""

    def __init__(self, raw: bytes) -> None:
        self.files: dict[str, bytes] = {}
        self.dirs: set[str] = set()
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as archive:
            for member in archive.getmembers():
                name = posixpath.normpath(member.name).lstrip("/")
                if name in (".", ""):
                    continue
                parts = name.split("/")
                self.dirs.update("/".join(parts[:i]) for i in range(1, len(parts)))
                if member.isdir():
                    self.dirs.add(name)
                elif member.isfile():
                    handle = archive.extractfile(member)
                    self.files[name] = handle.read() if handle else b""

    def exists(self, source: str) -> bool:
        path = posixpath.normpath(source).lstrip("/")
        if path in ("", "."):
            return True
        names = [*self.files, *self.dirs]
        if any(ch in path for ch in "*?["):
            return any(fnmatch(name, path) for name in names)
        return path in self.files or path in self.dirs


def _untar(raw: bytes | None) -> tuple[_Context | None, list[str]]:
    """GNU tar's messages for `tar -xzf /context/context.tar.gz` when it fails (exit 2)."""
    fatal = ["tar: Error is not recoverable: exiting now"]
    if raw is None:
        return None, [f"tar (child): {CONTEXT_DIR}/{CONTEXT_KEY}: Cannot open: No such file or "
                      f"directory", "tar (child): Error is not recoverable: exiting now",
                      "tar: Child returned status 2", *fatal]
    try:
        tar = gzip.decompress(raw)
    except (OSError, EOFError):
        return None, ["gzip: stdin: not in gzip format", "tar: Child returned status 1",
                      *fatal]
    try:
        return _Context(tar), []
    except tarfile.TarError:
        return None, ["tar: This does not look like a tar archive",
                      "tar: Exiting with failure status due to previous errors"]


class _Planner:
    """Writes one build's output: `buildah bud` over BUILD_SECONDS, `buildah push` after."""

    def __init__(self, raw: bytes | None, image: str, registry: SandboxRegistry) -> None:
        self.raw, self.image, self.registry = raw, image, registry
        self.seed = (raw or b"") + image.encode()
        self.build, self.push = _Timeline(), _Timeline()
        self.layers: list[str] = []  # of the stage being built
        self.images: dict[str, list[str]] = {}  # pulled image or "stage:<i>" -> its layers
        self.expected = 4.0  # total step weight of the whole build, once the file is parsed

    def plan(self) -> BuildPlan:
        self.build.add(0.2, "==> kubeorch stage: build")
        outcome = self._bud()
        expected = max(self.expected, sum(w for w, _ in self.build.steps))
        lines, end = self.build.render(0.0, BUILD_SECONDS / expected)
        if outcome is not None:
            return BuildPlan(lines, end, outcome)
        digest = "sha256:" + _sha(self.seed)
        outcome = self._push()
        push_lines, end = self.push.render(end, PUSH_SECONDS / sum(w for w, _ in self.push.steps))
        if outcome is not None:
            return BuildPlan(lines + push_lines, end, outcome)
        pushed = (self.image, digest) if self.registry.serves(self.image) else None
        return BuildPlan(lines + push_lines, end, Outcome(0, "Completed", digest), pushed)

    def _fail(self, weight: float, *lines: str, code: int = 125) -> Outcome:
        self.build.add(weight, *lines)
        return Outcome(code, "Error")

    def _bud(self) -> Outcome | None:
        context, tar_errors = _untar(self.raw)
        if context is None:
            return self._fail(0.3, *tar_errors, code=2)
        if "Dockerfile" not in context.files:
            return self._fail(0.3, "Error: the specified Containerfile or Dockerfile does not "
                              "exist, /workspace/Dockerfile: no such file or directory")
        try:
            dockerfile = parse(context.files["Dockerfile"].decode("utf-8", "replace"))
        except DockerfileError as exc:
            return self._fail(0.3, f"Error: {exc}")
        if not self.image:
            return self._fail(0.3, 'Error: tag "": invalid reference format')
        self.expected = 0.2 + sum(self._weight(i, dockerfile, s.index)
                                   for s in dockerfile.stages for i in s.instructions) + 1.5
        for stage in dockerfile.stages:
            failed = self._stage(stage, dockerfile, context)
            if failed is not None:
                return failed
        return None

    def _weight(self, instruction: Instruction, dockerfile: Dockerfile, index: int) -> float:
        if instruction.keyword == "FROM":
            base = dockerfile.stages[index].base
            return 0.3 if dockerfile.stage_named(base, index) or base == "scratch" else 4.0
        return {"RUN": 3.0, "COPY": 1.0, "ADD": 1.0}.get(instruction.keyword, 0.4)

    def _stage(self, stage: Stage, dockerfile: Dockerfile, context: _Context) -> Outcome | None:
        count = len(dockerfile.stages)
        prefix = f"[{stage.index + 1}/{count}] " if count > 1 else ""
        final = stage.index == count - 1
        total = len(stage.instructions)
        for number, instruction in enumerate(stage.instructions, 1):
            weight = self._weight(instruction, dockerfile, stage.index)
            head = f"{prefix}STEP {number}/{total}: {instruction.original}"
            if instruction.keyword == "FROM":
                failed = self._from(stage, dockerfile, weight, head)
                if failed is not None:
                    return failed
            else:
                failed = self._step(instruction, context, weight, head)
                if failed is not None:
                    return failed
                if instruction.keyword in ("RUN", "COPY", "ADD"):
                    self.layers.append(_sha(self.seed, "layer", str(stage.index), str(number)))
            if instruction.keyword != "FROM" and (number < total or not final):
                self.build.add(0.1, f"--> {self._id(stage.index, number)[:12]}")
        self.images[f"stage:{stage.index}"] = list(self.layers)
        if final:
            image_id = self._id(stage.index, total)
            host = split_reference(self.image)[0]
            tagged = self.image if self.image.startswith(host) else f"localhost/{self.image}"
            self.build.add(1.5, f"{prefix}COMMIT {self.image}", f"--> {image_id[:12]}",
                           f"Successfully tagged {tagged}", image_id)
        return None

    def _id(self, stage: int, step: int) -> str:
        return _sha(self.seed, "image", str(stage), str(step))

    def _from(self, stage: Stage, dockerfile: Dockerfile, weight: float,
              head: str) -> Outcome | None:
        base = stage.base
        parent = dockerfile.stage_named(base, stage.index)
        known = f"stage:{parent.index}" if parent else base
        if base == "scratch" or known in self.images:
            self.layers = list(self.images.get(known, []))
            self.build.add(weight, head)
            return None
        reference = failures.normalized_reference(base)[1]
        lines = [head]
        name = base.split("@")[0].split(":")[0]
        if "/" not in base:
            lines.append(f'Resolved "{name}" as an alias ({_SHORTNAMES})')
        lines.append(f"Trying to pull {reference}...")
        error = self.registry.pull_error(base) if self.registry.serves(base) \
            else failures.pull_error(base)
        if error is not None:
            return self._fail(weight / 2, *lines, f"Error: creating build container: "
                              f"{_pull_failure(base, error)}")
        blobs = [f"Copying blob sha256:{_sha(reference, 'blob', str(i))}"
                 for i in range(2 + int(_sha(reference)[:2], 16) % 4)]
        self.images[base] = [b.rsplit(":", 1)[1] for b in blobs]
        self.layers = list(self.images[base])
        self.build.add(weight, *lines, "Getting image source signatures", *blobs,
                       f"Copying config sha256:{_sha(reference, 'config')}",
                       "Writing manifest to image destination")
        return None

    def _step(self, instruction: Instruction, context: _Context, weight: float,
              head: str) -> Outcome | None:
        keyword = instruction.keyword
        if keyword in ("COPY", "ADD") and "from" not in instruction.flags():
            for source in instruction.operands()[:-1]:
                if re.match(r"https?://", source) or context.exists(source):
                    continue
                path = "/" + posixpath.normpath(source).lstrip("/")
                return self._fail(weight, head, f'Error: building at STEP "{instruction.original}'
                                  f'": checking on sources under "/workspace": copier: stat: '
                                  f'"{path}": no such file or directory')
        if keyword != "RUN":
            self.build.add(weight, head)
            return None
        command = instruction.command()
        status = run_exit_status(command)
        output = _run_output(command, context)
        if status:
            return self._fail(weight, head, *output, f'Error: building at STEP '
                              f'"{instruction.original}": while running runtime: exit status '
                              f'{status}', code=status)
        self.build.add(weight, head, *output)
        return None

    def _push(self) -> Outcome | None:
        self.push.add(0.2, "==> kubeorch stage: push")
        error = failures.pull_error(self.image)
        if error is not None and "no such host" in error:
            host = split_reference(self.image)[0]
            self.push.add(1.0, f'Error: pushing image "{self.image}" to "docker://{self.image}"'
                          f": trying to reuse blob sha256:{self.layers[0] if self.layers else ''}"
                          f' at destination: pinging container registry {host}: Get "https://'
                          f'{host}/v2/": dial tcp: lookup {host}: no such host')
            return Outcome(125, "Error")
        self.push.add(0.3, "Getting image source signatures")
        for layer in self.layers:
            self.push.add(0.6, f"Copying blob sha256:{layer}")
        self.push.add(0.4, f"Copying config sha256:{self._id(-1, 0)}",
                      "Writing manifest to image destination")
        return None


def _pull_failure(image: str, containerd_error: str) -> str:
    """buildah's wording for a base image pull that containerd would fail with `error`."""
    host, repository, tag, digest = split_reference(image)
    source = f"initializing source docker://{failures.normalized_reference(image)[1]}"
    if containerd_error.endswith("no such host"):
        return (f'{source}: pinging container registry {host}: Get "https://{host}/v2/": '
                f"dial tcp: lookup {host.split(':')[0]}: no such host")
    return f"{source}: reading manifest {digest or tag} in {host}/{repository}: manifest unknown"


def _run_output(command: str, context: _Context) -> list[str]:
    lines: list[str] = []
    for segment in re.split(r"&&|;|\n", command):
        words = segment.split()
        if run_exit_status(segment):
            break
        if words[:1] == ["echo"]:
            lines.append(" ".join(w.strip("'\"") for w in words[1:]))
        elif "pip" in words[:2] or words[:3] == ["python", "-m", "pip"]:
            lines += _pip_lines(words, context)
        elif words[:1] == ["npm"] and words[1:2] in (["ci"], ["install"], ["i"]):
            count = 20 + int(_sha(segment)[:2], 16)
            lines += [f"added {count} packages, and audited {count + 1} packages in 3s", "",
                      "found 0 vulnerabilities"]
        elif words[:1] in (["apt-get"], ["apt"]) and "update" in words:
            lines += ["Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]",
                      "Get:2 http://deb.debian.org/debian bookworm/main amd64 Packages [8792 kB]",
                      "Fetched 8943 kB in 1s (7410 kB/s)", "Reading package lists..."]
        elif words[:1] in (["apt-get"], ["apt"]) and "install" in words:
            packages = [w for w in words[words.index("install") + 1:] if not w.startswith("-")]
            lines += ["Reading package lists...", "Building dependency tree...",
                      "Reading state information...",
                      *[f"Setting up {p} ..." for p in packages]]
    return lines


def _pip_lines(words: list[str], context: _Context) -> list[str]:
    if "install" not in words:
        return []
    wanted: list[tuple[str, str]] = []
    args = words[words.index("install") + 1:]
    for index, word in enumerate(args):
        if word in ("-r", "--requirement") and index + 1 < len(args):
            text = context.files.get(posixpath.normpath(args[index + 1]), b"").decode(
                "utf-8", "replace")
            wanted += [(line.strip(), f" (from -r {args[index + 1]} (line {n}))")
                       for n, line in enumerate(text.splitlines(), 1)
                       if line.strip() and not line.strip().startswith(("#", "-"))]
        elif not word.startswith("-") and (index == 0 or args[index - 1] not in ("-r",)):
            wanted.append((word, ""))
    lines, installed = [], []
    for requirement, origin in wanted:
        name = re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0]
        pinned = re.search(r"==\s*([\w.]+)", requirement)
        version = pinned.group(1) if pinned else f"{int(_sha(name)[:1], 16) % 4 + 1}.0.0"
        lines += [f"Collecting {requirement}{origin}",
                  f"  Downloading {name.replace('-', '_')}-{version}-py3-none-any.whl (98 kB)"]
        installed.append(f"{name}-{version}")
    if installed:
        names = ", ".join(n.rsplit("-", 1)[0] for n in installed)
        lines += [f"Installing collected packages: {names}",
                  f"Successfully installed {' '.join(installed)}"]
    return lines


@dataclass
class BuildSimulator:
    """The kubelet's hooks for build containers and for the sandbox registry."""

    ctx: Context
    registry: SandboxRegistry = field(default_factory=SandboxRegistry)

    def behaviour_of(self, container: Obj) -> failures.Behaviour:
        behaviour = failures.behaviour_of(container)
        image = str(container.get("image", ""))
        if self.registry.serves(image):
            return replace(behaviour, pull_error=self.registry.pull_error(image))
        return behaviour

    def image_id(self, image: str) -> str:
        digest = self.registry.resolve(image) if self.registry.serves(image) else None
        if digest is not None:
            host, repository, _, _ = split_reference(image)
            return f"{host}/{repository}@{digest}"
        return f"{failures.normalized_reference(image)[1]}@sha256:" + stable_hash(image, 64)

    # -- volumes ---------------------------------------------------------------------------
    def _mount_error(self, pod: Obj) -> str | None:
        for volume in dig(pod, "spec", "volumes", default=[]) or []:
            source = volume.get("configMap")
            if not source or source.get("optional"):
                continue
            prefix = f'MountVolume.SetUp failed for volume "{volume.get("name")}" : '
            found = self.ctx.store.get(R.CONFIGMAPS, pod["metadata"]["namespace"],
                                       source.get("name", ""))
            if found is None:
                return f'{prefix}configmap "{source.get("name", "")}" not found'
            keys = {*(found.get("data") or {}), *(found.get("binaryData") or {})}
            for item in source.get("items") or []:
                if item.get("key") not in keys:
                    return f"{prefix}configmap references non-existent config key: {item['key']}"
        return None

    def mount_blocked(self, pod: Obj, csim: ContainerSim, now: float) -> bool:
        """A build pod whose configMap volumes cannot be set up stays ContainerCreating; the
        kubelet retries with backoff and reports each failure as a FailedMount event."""
        if not is_build({"image": csim.image}):
            return False
        error = self._mount_error(pod)
        if error is None:
            return False
        state = csim.build = csim.build or BuildState()
        if now >= state.mount_retry_at:
            self.ctx.event(pod, "Warning", "FailedMount", error, "kubelet")
            state.mount_backoff = min(max(state.mount_backoff * 2, _MOUNT_RETRY[0]),
                                      _MOUNT_RETRY[1])
            state.mount_retry_at = now + state.mount_backoff
        return True

    def _context_bytes(self, pod: Obj, container: Obj) -> bytes | None:
        """/context/context.tar.gz as the container would see it (None: no such file)."""
        volumes = {v.get("name"): v for v in dig(pod, "spec", "volumes", default=[]) or []}
        mounted = next((m.get("name") for m in container.get("volumeMounts") or []
                        if m.get("mountPath", "").rstrip("/") == CONTEXT_DIR), None)
        source = (volumes.get(mounted) or {}).get("configMap")
        if not source:
            return None
        found = self.ctx.store.get(R.CONFIGMAPS, pod["metadata"]["namespace"],
                                   source.get("name", ""))
        if found is None:
            return None
        key = CONTEXT_KEY
        if source.get("items"):
            key = next((i["key"] for i in source["items"] if i.get("path") == CONTEXT_KEY), "")
        if key in (found.get("binaryData") or {}):
            try:
                return base64.b64decode(found["binaryData"][key])
            except (binascii.Error, ValueError):
                return b""
        text = (found.get("data") or {}).get(key)
        return text.encode() if text is not None else None

    # -- running ---------------------------------------------------------------------------
    def begin(self, pod: Obj, container: Obj, csim: ContainerSim, now: float) -> list[str]:
        """Plan the build when the container starts; returns the lines written at once."""
        env = {e.get("name"): str(e.get("value", "")) for e in container.get("env") or []}
        plan = _Planner(self._context_bytes(pod, container), env.get("IMAGE", ""),
                        self.registry).plan()
        csim.build = BuildState(plan=plan, started_at=now)
        return self._due(csim.build, now)

    @staticmethod
    def _due(state: BuildState, now: float) -> list[str]:
        assert state.plan is not None
        lines = state.plan.lines
        start = state.written
        while state.written < len(lines) and state.started_at + lines[state.written][0] <= now:
            state.written += 1
        return [text for _, text in lines[start:state.written]]

    def advance(self, pod: Obj, csim: ContainerSim, now: float) -> Outcome | None:
        """Write the lines that are due; at the end record the push and return the result."""
        state = csim.build
        if state is None or state.plan is None:
            return Outcome(1, "Error")
        key = (pod["metadata"]["uid"], csim.name)
        for line in self._due(state, now):
            self.ctx.logs.append(key, now, line)
        if state.written < len(state.plan.lines) or now < state.started_at + state.plan.duration:
            return None
        if state.plan.push is not None:
            self.registry.push(*state.plan.push)
        return state.plan.outcome
