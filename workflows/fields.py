"""Encrypted model fields: credentials are stored encrypted at rest with FIELD_ENCRYPTION_KEY."""

import json
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _cipher(keys: str) -> MultiFernet:
    # Several comma-separated keys allow rotation: the first encrypts, every key decrypts.
    return MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])


def cipher() -> MultiFernet:
    return _cipher(settings.FIELD_ENCRYPTION_KEY)


class EncryptedJSONField(models.TextField):
    """A JSON value stored as a Fernet token. Never queryable, never shown in plain text."""

    description = "Encrypted JSON"
    # django-stubs reads these to type the attribute: any JSON value in, any JSON value out.
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return {}
        try:
            return json.loads(cipher().decrypt(value.encode()))
        except InvalidToken as exc:
            raise ImproperlyConfigured(
                "stored credentials cannot be decrypted: FIELD_ENCRYPTION_KEY changed"
            ) from exc

    def to_python(self, value: Any) -> Any:
        return value if value is not None else {}

    def get_prep_value(self, value: Any) -> str:
        return cipher().encrypt(json.dumps(value or {}).encode()).decode()
