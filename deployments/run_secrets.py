"""Run-only secret values: taken out of trigger_data, sealed for the broker, never stored.

trigger_data may carry `{"secrets": {"<secret node id>": {"KEY": "value"}}}`. The values travel
to the worker encrypted with FIELD_ENCRYPTION_KEY (the broker only sees ciphertext) and expire;
the Run keeps only which keys were supplied.
"""

import json
from typing import Any

from cryptography.fernet import InvalidToken

from kubeorch.errors import FieldError as E
from kubeorch.errors import InvalidInput
from workflows.fields import cipher

SEAL_TTL_SECONDS = 24 * 3600
SecretValues = dict[str, dict[str, str]]


def split_trigger_data(trigger_data: Any) -> tuple[dict[str, Any], SecretValues]:
    """(what may be stored, the secret values for this run only)."""
    if trigger_data is None:
        return {}, {}
    if not isinstance(trigger_data, dict):
        raise InvalidInput(
            "trigger_data must be an object", [E("trigger_data", "must be an object")]
        )
    stored = {k: v for k, v in trigger_data.items() if k != "secrets"}
    secrets = trigger_data.get("secrets") or {}
    errors = _check_secrets(secrets)
    if errors:
        raise InvalidInput("invalid run secrets", errors)
    if secrets:
        stored["secrets"] = {node: sorted(values) for node, values in secrets.items()}
    return stored, secrets


def _check_secrets(secrets: Any) -> list[E]:
    if not isinstance(secrets, dict):
        return [E("trigger_data.secrets", "must map secret node ids to {key: value}")]
    errors = []
    for node_id, values in secrets.items():
        if not isinstance(values, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in values.items()
        ):
            errors.append(E(f"trigger_data.secrets.{node_id}", "must map keys to string values"))
    return errors


def seal(values: SecretValues) -> str | None:
    if not values:
        return None
    return cipher().encrypt(json.dumps(values).encode()).decode()


def unseal(token: str | None) -> SecretValues:
    if not token:
        return {}
    try:
        return json.loads(cipher().decrypt(token.encode(), ttl=SEAL_TTL_SECONDS))
    except InvalidToken:
        # Expired or sealed with another key: the run proceeds without the values, and the
        # Secrets keep whatever the cluster already holds (server-side apply omits the keys).
        return {}
