"""Building an isolated kubernetes ApiClient from a ConnectionSpec.

Every connection gets its own kubernetes.client.Configuration and ApiClient: nothing here
reads or writes the library's global default configuration, so several clusters (and
the sandbox) can be used from one process at the same time.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from deployments.cluster.client import ClusterClient
from deployments.cluster.errors import ClusterError, RetryPolicy

KINDS = ("sandbox", "kubeconfig", "token", "in-cluster")
USER_AGENT = "kubeorch/0.1 (kubernetes-python/37)"


@dataclass(frozen=True)
class ConnectionSpec:
    kind: str  # "sandbox" | "kubeconfig" | "token" | "in-cluster"
    # Secrets are kept out of repr() so a logged spec never leaks them.
    kubeconfig: str | None = field(default=None, repr=False)  # kubeconfig YAML content
    context: str | None = None
    server: str | None = None
    token: str | None = field(default=None, repr=False)
    ca_cert: str | None = field(default=None, repr=False)  # PEM, token kind
    insecure_skip_tls_verify: bool = False
    request_timeout: float = 30.0


class TimeoutApiClient(k8s.ApiClient):
    """An ApiClient whose requests time out by default.

    The generated client and DynamicClient's discovery send requests without a timeout
    unless told; an unreachable cluster would then hang a worker forever.
    Streaming calls pass their own (connect, read) pair.
    """

    def __init__(self, configuration: k8s.Configuration, default_timeout: float) -> None:
        super().__init__(configuration=configuration)
        self.default_timeout = (default_timeout, default_timeout)
        self.user_agent = USER_AGENT

    def call_api(
        self,
        method,
        url,
        header_params=None,
        body=None,
        post_params=None,
        _request_timeout=None,
    ):
        return super().call_api(
            method,
            url,
            header_params=header_params,
            body=body,
            post_params=post_params,
            _request_timeout=_request_timeout or self.default_timeout,
        )


@dataclass
class BuiltConnection:
    api_client: TimeoutApiClient
    default_namespace: str
    secrets: tuple[str, ...]  # values to scrub from error messages
    temp_files: list[str]


def build_connection(spec: ConnectionSpec) -> BuiltConnection:
    if spec.kind not in KINDS:
        raise ClusterError(
            f"connect: unknown connection kind {spec.kind!r} (expected one of {', '.join(KINDS)})",
            reason="InvalidConfig",
        )
    try:
        if spec.kind in ("sandbox", "kubeconfig"):
            return _from_kubeconfig(spec)
        if spec.kind == "token":
            return _from_token(spec)
        return _in_cluster(spec)
    except ClusterError:
        raise
    except (k8s_config.ConfigException, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise ClusterError(
            f"connect ({spec.kind}): invalid connection settings: {exc}", reason="InvalidConfig"
        ) from None


POOL_MAXSIZE = 64


def _new_configuration() -> k8s.Configuration:
    configuration = k8s.Configuration()
    # One retry layer only: ours (errors.retry) knows which failures are worth repeating;
    # urllib3's default would silently multiply attempts.
    configuration.retries = 0
    # urllib3 keeps at most this many connections per host and opens (TLS handshake included)
    # and drops a new one for every request beyond it. The default is 5 x CPUs; a worker's
    # task threads each apply and list with several threads of their own, so that many
    # were in flight and every check paid a handshake.
    configuration.connection_pool_maxsize = POOL_MAXSIZE
    return configuration


def _from_kubeconfig(spec: ConnectionSpec) -> BuiltConnection:
    if not spec.kubeconfig:
        raise ClusterError(
            f"connect ({spec.kind}): kubeconfig content is required", reason="InvalidConfig"
        )
    config_dict = yaml.safe_load(spec.kubeconfig)
    if not isinstance(config_dict, dict):
        raise ClusterError(
            f"connect ({spec.kind}): kubeconfig is not a YAML mapping", reason="InvalidConfig"
        )
    configuration = _new_configuration()
    k8s_config.load_kube_config_from_dict(
        config_dict,
        context=spec.context,
        client_configuration=configuration,
        persist_config=False,  # never write refreshed tokens back anywhere
    )
    if spec.insecure_skip_tls_verify:
        configuration.verify_ssl = False
    return BuiltConnection(
        api_client=TimeoutApiClient(configuration, spec.request_timeout),
        default_namespace=_context_namespace(config_dict, spec.context),
        secrets=_kubeconfig_secrets(config_dict),
        temp_files=[],
    )


def _context_namespace(config_dict: dict[str, Any], context: str | None) -> str:
    name = context or config_dict.get("current-context")
    for entry in config_dict.get("contexts") or []:
        if entry.get("name") == name:
            return (entry.get("context") or {}).get("namespace") or "default"
    return "default"


def _kubeconfig_secrets(config_dict: dict[str, Any]) -> tuple[str, ...]:
    secrets: list[str] = []
    for entry in config_dict.get("users") or []:
        user = entry.get("user") or {}
        secrets.extend(str(user[key]) for key in ("token", "password") if user.get(key))
    return tuple(secrets)


def _from_token(spec: ConnectionSpec) -> BuiltConnection:
    if not spec.server or not spec.token:
        raise ClusterError("connect (token): server and token are required", reason="InvalidConfig")
    configuration = _new_configuration()
    configuration.host = spec.server.rstrip("/")
    configuration.api_key = {"BearerToken": f"Bearer {spec.token}"}
    temp_files: list[str] = []
    if spec.insecure_skip_tls_verify:
        configuration.verify_ssl = False
    elif spec.ca_cert:
        # A file rather than ca_cert_data: the websocket transport used by exec only
        # reads ssl_ca_cert (a path).
        path = _write_private_file(spec.ca_cert, suffix=".crt")
        temp_files.append(path)
        configuration.ssl_ca_cert = path
    return BuiltConnection(
        api_client=TimeoutApiClient(configuration, spec.request_timeout),
        default_namespace="default",
        secrets=(spec.token,),
        temp_files=temp_files,
    )


def _in_cluster(spec: ConnectionSpec) -> BuiltConnection:
    configuration = _new_configuration()
    k8s_config.load_incluster_config(client_configuration=configuration)
    namespace = "default"
    namespace_file = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"
    if os.path.exists(namespace_file):
        with open(namespace_file) as handle:
            namespace = handle.read().strip() or "default"
    return BuiltConnection(
        api_client=TimeoutApiClient(configuration, spec.request_timeout),
        default_namespace=namespace,
        secrets=(),
        temp_files=[],
    )


def _write_private_file(content: str, suffix: str) -> str:
    fd, path = tempfile.mkstemp(prefix="kubeorch-", suffix=suffix)  # mode 0600
    with os.fdopen(fd, "w") as handle:
        handle.write(content)
    return path


def connect(spec: ConnectionSpec, *, retry_policy: RetryPolicy | None = None) -> ClusterClient:
    """Return a ClusterClient for spec. No network traffic happens until the first call."""
    built = build_connection(spec)
    return ClusterClient(
        built.api_client,
        default_namespace=built.default_namespace,
        secrets=built.secrets,
        retry_policy=retry_policy or RetryPolicy(),
        request_timeout=spec.request_timeout,
        temp_files=built.temp_files,
    )
