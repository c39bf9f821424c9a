"""History of one (target, cluster): newest first, keyset-paginated on the
`deployment_history` index (target, cluster, created_at desc, id desc), so a page costs the
same at a thousand rows as at a million: no OFFSET, no COUNT, no full scan."""

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from deployments.models import Deployment
from kubeorch.errors import FieldError, InvalidInput

PAGE_SIZE = 50
_TABLE = Deployment._meta.db_table
_COLUMNS = f'"{_TABLE}"."created_at", "{_TABLE}"."id"'


@dataclass(frozen=True)
class Page:
    items: list[Deployment]
    next_cursor: str | None


def encode_cursor(deployment: Deployment) -> str:
    raw = f"{deployment.created_at.isoformat()}|{deployment.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.split("|")
        created_at = datetime.fromisoformat(stamp)
        if created_at.tzinfo is None or not pk.isdigit() or len(pk) > 18:
            raise ValueError(raw)
        return created_at, int(pk)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise InvalidInput(
            "invalid cursor", [FieldError("cursor", "not a cursor this API gave")]
        ) from None


def page_query(
    queryset: QuerySet[Deployment], target: str, cluster_id: int, cursor: str | None = None,
    size: int = PAGE_SIZE,
) -> QuerySet[Deployment]:
    """The query of one page plus one row (which tells whether there is a next page)."""
    rows = queryset.filter(target=target, cluster_id=cluster_id)
    if cursor:
        created_at, pk = decode_cursor(cursor)
        # A row comparison, which PostgreSQL turns into an index range start; the spelled-out
        # `a < c OR (a = c AND id < i)` is only a filter and ends in a sort.
        rows = rows.filter(
            RawSQL(f"({_COLUMNS}) < (%s, %s)", (created_at, pk), output_field=BooleanField())
        )
    return rows.order_by("-created_at", "-id")[: size + 1]


def history(
    queryset: QuerySet[Deployment], target: str, cluster_id: int, cursor: str | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """One page of (target, cluster)'s deployments, newest first, after `cursor`."""
    items = list(page_query(queryset, target, cluster_id, cursor, size))
    next_cursor = encode_cursor(items[size - 1]) if len(items) > size else None
    return Page(items[:size], next_cursor)
