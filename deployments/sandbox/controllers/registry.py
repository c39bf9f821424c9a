"""The sandbox's own image registry, registry.sandbox.local: it holds what simulated builds
pushed (per sandbox instance) and answers pulls like a real registry, `not found` otherwise."""

from __future__ import annotations

import threading

from .failures import normalized_reference

HOST = "registry.sandbox.local"


def split_reference(image: str) -> tuple[str, str, str | None, str | None]:
    """(host, repository, tag, digest) of an image reference; tag defaults to `latest` only
    when there is no digest, as containerd resolves it."""
    host, reference = normalized_reference(image)
    path = reference[len(host) + 1:]
    path, _, digest = path.partition("@")
    repository, tag = path, None
    last = path.rsplit("/", 1)[-1]
    if ":" in last:
        repository, _, tag = path.rpartition(":")
    return host, repository, tag, digest or None


class SandboxRegistry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tags: dict[str, dict[str, str]] = {}  # repository -> tag -> digest
        self._manifests: dict[str, set[str]] = {}  # repository -> digests

    @staticmethod
    def serves(image: str) -> bool:
        return normalized_reference(image)[0] == HOST

    def push(self, image: str, digest: str) -> None:
        """Record a push of `image` (`host/repo[:tag]`) whose manifest is `digest`."""
        _, repository, tag, _ = split_reference(image)
        with self._lock:
            self._manifests.setdefault(repository, set()).add(digest)
            if tag:
                self._tags.setdefault(repository, {})[tag] = digest

    def resolve(self, image: str) -> str | None:
        """The manifest digest a pull of `image` gets, or None when the registry lacks it."""
        _, repository, tag, digest = split_reference(image)
        with self._lock:
            if digest is not None:
                return digest if digest in self._manifests.get(repository, set()) else None
            return self._tags.get(repository, {}).get(tag or "latest")

    def pushed(self) -> dict[str, dict[str, str]]:
        """repository -> tag -> digest, for tests and debugging."""
        with self._lock:
            return {repo: dict(tags) for repo, tags in self._tags.items()}

    def pull_error(self, image: str) -> str | None:
        """containerd's message for a pull of an image this registry does not have."""
        if self.resolve(image) is not None:
            return None
        reference = normalized_reference(image)[1]
        return (f'failed to pull and unpack image "{reference}": failed to resolve reference '
                f'"{reference}": {reference}: not found')
