"""Artifact source: validated file sets, stored content-addressed, and the build context.

A file set is `{relative path: bytes}`. It is stored once per content as a canonical tar.gz
(sorted names, zeroed times and owners, so the same files always give the same digest) under
`KUBEORCH_ARTIFACT_STORE/sha256/<2 hex>/<digest>.tar.gz`. The build context is that set plus a
generated Dockerfile when the user gave none.
"""

import gzip
import hashlib
import io
import os
import posixpath
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from kubeorch.errors import FieldError, InvalidInput

MAX_FILES = 2000
MAX_TOTAL_BYTES = 8 * 1024 * 1024
# The context travels to the build Job in a ConfigMap, whose limit is 1 MiB in total.
MAX_CONTEXT_BYTES = 900 * 1024
_SEGMENT = re.compile(r"^[A-Za-z0-9._@+=-][A-Za-z0-9 ._@+=-]*$")

Files = dict[str, bytes]


@dataclass(frozen=True)
class Language:
    name: str  # dockerfile | static | python | node
    port: int
    dockerfile: str | None  # generated, or None when the user gave one


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", [FieldError(field, message)])


def check_path(path: str, field: str) -> str:
    """A relative POSIX path inside the context: no `..`, no absolute paths, no odd bytes."""
    clean = posixpath.normpath(path)
    segments = clean.split("/")
    if (not path or path.startswith("/") or clean.startswith("..") or clean == "."
            or any(not _SEGMENT.match(s) or s in ("..", ".") for s in segments)):
        raise _invalid(field, f"{path!r} is not a relative path inside the source "
                              f"(letters, digits, . _ - @ + = and spaces; no '..')")
    return clean


def check_files(files: Files, field: str = "files") -> Files:
    if not files:
        raise _invalid(field, "at least one file is required")
    if len(files) > MAX_FILES:
        raise _invalid(field, f"{len(files)} files; at most {MAX_FILES}")
    total = sum(len(content) for content in files.values())
    if total > MAX_TOTAL_BYTES:
        raise _invalid(field, f"{total} bytes; at most {MAX_TOTAL_BYTES} in total")
    return {check_path(path, f"{field}.{path}"): content for path, content in files.items()}


def files_from_tar(data: bytes, field: str = "archive") -> Files:
    """Regular files of a tar or tar.gz upload; links and devices are refused, not followed."""
    try:
        archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")  # noqa: SIM115
    except (tarfile.TarError, EOFError, gzip.BadGzipFile) as exc:
        raise _invalid(field, f"not a tar or tar.gz archive ({exc})") from None
    files: Files = {}
    total = 0
    with archive:
        for member in archive:
            if member.isdir():
                continue
            if not member.isfile():
                raise _invalid(field, f"{member.name!r}: only regular files are accepted")
            total += member.size
            if total > MAX_TOTAL_BYTES or len(files) >= MAX_FILES:
                raise _invalid(field, f"archive too large; at most {MAX_TOTAL_BYTES} bytes "
                                      f"in {MAX_FILES} files")
            handle = archive.extractfile(member)
            files[member.name.removeprefix("./")] = handle.read() if handle else b""
    return check_files(files, field)


def canonical_tar(files: Files) -> bytes:
    buffer = io.BytesIO()
    with (gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as gz,
          tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as archive):
        for path in sorted(files):
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(files[path]), 0o644, 0
            archive.addfile(info, io.BytesIO(files[path]))
    return buffer.getvalue()


def store_root() -> Path:
    return Path(settings.KUBEORCH_ARTIFACT_STORE)


def _path_of(digest: str) -> Path:
    hexdigest = digest.removeprefix("sha256:")
    return store_root() / "sha256" / hexdigest[:2] / f"{hexdigest}.tar.gz"


def store(files: Files) -> str:
    """Store a file set; returns its digest `sha256:<hex>` (idempotent)."""
    blob = canonical_tar(files)
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    path = _path_of(digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(blob)
        os.replace(temporary, path)  # atomic: a reader never sees half a file
    return digest


def load(digest: str) -> Files:
    path = _path_of(digest)
    if not path.exists():
        raise FileNotFoundError(f"source {digest} is not in the store")
    return files_from_tar(path.read_bytes())


def remove(digest: str) -> None:
    _path_of(digest).unlink(missing_ok=True)


def detect(files: Files) -> Language:
    """What to build: the user's Dockerfile, else a static site, a Python or a Node app."""
    if "Dockerfile" in files:
        return Language("dockerfile", _exposed_port(files["Dockerfile"]) or 8080, None)
    if "package.json" in files:
        return Language("node", 3000, _NODE)
    entry: str | None = next((name for name in ("app.py", "main.py", "server.py", "wsgi.py")
                              if name in files), None)
    if entry is None and ("requirements.txt" in files or "pyproject.toml" in files):
        entry = next((p for p in sorted(files) if p.endswith(".py") and "/" not in p), None)
    if entry is not None:
        install = "RUN pip install --no-cache-dir -r requirements.txt\n" \
            if "requirements.txt" in files else ""
        return Language("python", 8000, _PYTHON.format(install=install, entry=entry))
    if "index.html" in files:
        return Language("static", 80, _STATIC)
    raise _invalid("files", "cannot tell how to build this source: add a Dockerfile, an "
                            "index.html (static site), an app.py/main.py (Python) or a "
                            "package.json (Node)")


def _exposed_port(dockerfile: bytes) -> int | None:
    for line in dockerfile.decode(errors="replace").splitlines():
        match = re.match(r"^\s*EXPOSE\s+(\d+)", line, re.IGNORECASE)
        if match:
            return int(match.group(1))
    return None


def build_context(files: Files, language: Language) -> bytes:
    """The tar.gz the build Job unpacks: the files, plus the generated Dockerfile."""
    context = dict(files)
    if language.dockerfile is not None:
        context["Dockerfile"] = language.dockerfile.encode()
    blob = canonical_tar(context)
    if len(blob) > MAX_CONTEXT_BYTES:
        raise _invalid("files", f"the compressed source is {len(blob)} bytes; at most "
                                f"{MAX_CONTEXT_BYTES} can be built (it travels in a ConfigMap)")
    return blob


_STATIC = """FROM nginx:1.27-alpine
COPY . /usr/share/nginx/html
EXPOSE 80
"""

_PYTHON = """FROM python:3.12-slim
WORKDIR /app
COPY . /app
{install}ENV PORT=8000 PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["python", "{entry}"]
"""

_NODE = """FROM node:22-alpine
WORKDIR /app
COPY . /app
RUN npm install --omit=dev
ENV PORT=3000
EXPOSE 3000
CMD ["npm", "start"]
"""
