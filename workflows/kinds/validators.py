"""Pure value validators shared by every node kind.

Each ``is_*`` function answers one question about a string and never raises, so it can be
used both as a jsonschema format checker and directly by cross-field checks.
The grammars follow what the Kubernetes API server (and the container runtime) accept, so a
graph that passes here is not rejected later at apply time for a malformed value.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253

_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
# Services must be DNS-1035 labels: the first character must be a letter.
_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_WILDCARD_HOST = re.compile(r"\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")

_LABEL_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_LABEL_VALUE_MAX = 63

# The classic C_IDENTIFIER-ish rule Kubernetes has used for env names for years; newer servers
# are more lenient, but names outside this set break shells and older clusters.
_ENV_VAR_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")
_CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+")
# IANA service names (named container/service ports).
_PORT_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")

# Docker distribution reference grammar (github.com/distribution/reference/regexp.go).
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
_IMAGE_NAME = rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_IMAGE_REFERENCE = re.compile(rf"(?P<name>{_IMAGE_NAME})(?::{_TAG})?(?:@(?P<digest>{_DIGEST}))?")
_IMAGE_NAME_MAX = 255

# Kubernetes resource.Quantity: <number><suffix>, suffix binary SI, decimal SI or exponent.
# Resource amounts cannot be negative, so only an explicit "+" sign is accepted.
_QUANTITY = re.compile(
    r"\+?(?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?"
)
_BINARY_SUFFIX = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL_SUFFIX = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}

_CIDR_V4 = re.compile(r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})/(\d{1,2})")


def is_dns1123_label(value: object) -> bool:
    return (
        isinstance(value, str)
        and len(value) <= DNS1123_LABEL_MAX
        and _DNS1123_LABEL.fullmatch(value) is not None
    )


def is_dns1035_label(value: object) -> bool:
    return (
        isinstance(value, str)
        and len(value) <= DNS1123_LABEL_MAX
        and _DNS1035_LABEL.fullmatch(value) is not None
    )


def is_dns1123_subdomain(value: object) -> bool:
    return (
        isinstance(value, str)
        and len(value) <= DNS1123_SUBDOMAIN_MAX
        and _DNS1123_SUBDOMAIN.fullmatch(value) is not None
    )


def is_ingress_host(value: object) -> bool:
    """A DNS-1123 subdomain, optionally with one leading ``*.`` wildcard label (no IPs)."""
    if not isinstance(value, str) or len(value) > DNS1123_SUBDOMAIN_MAX:
        return False
    return bool(_DNS1123_SUBDOMAIN.fullmatch(value) or _WILDCARD_HOST.fullmatch(value))


def is_image_reference(value: object) -> bool:
    if not isinstance(value, str):
        return False
    match = _IMAGE_REFERENCE.fullmatch(value)
    if match is None or len(match["name"]) > _IMAGE_NAME_MAX:
        return False
    digest = match["digest"]
    # The generic digest grammar allows any length; sha256 digests are exactly 64 hex digits.
    return not (digest and digest.startswith("sha256:") and len(digest) != len("sha256:") + 64)


def is_port(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535


def is_port_name(value: object) -> bool:
    """IANA_SVC_NAME: <=15 chars, lowercase alphanumerics and '-', at least one letter."""
    return (
        isinstance(value, str)
        and len(value) <= 15
        and _PORT_NAME.fullmatch(value) is not None
        and "--" not in value
        and any(c.isalpha() for c in value)
    )


def is_env_var_name(value: object) -> bool:
    return isinstance(value, str) and _ENV_VAR_NAME.fullmatch(value) is not None


def is_config_key(value: object) -> bool:
    """ConfigMap/Secret data keys: file-name safe characters, at most 253."""
    return (
        isinstance(value, str)
        and len(value) <= DNS1123_SUBDOMAIN_MAX
        and _CONFIG_KEY.fullmatch(value) is not None
        and value not in {".", ".."}
    )


def is_label_key(value: object) -> bool:
    """``[prefix/]name``: prefix a DNS-1123 subdomain, name <=63 alphanumerics, '-', '_', '.'."""
    if not isinstance(value, str) or not value:
        return False
    prefix, slash, name = value.rpartition("/")
    if slash and not is_dns1123_subdomain(prefix):
        return False
    return len(name) <= _LABEL_VALUE_MAX and _LABEL_NAME.fullmatch(name) is not None


def is_label_value(value: object) -> bool:
    return isinstance(value, str) and (
        value == "" or (len(value) <= _LABEL_VALUE_MAX and _LABEL_NAME.fullmatch(value) is not None)
    )


def is_quantity(value: object) -> bool:
    return isinstance(value, str) and _QUANTITY.fullmatch(value) is not None


def parse_quantity(value: str) -> Decimal:
    """The numeric value of a Kubernetes quantity ("100m" -> 0.1, "1Ki" -> 1024).

    Raises ValueError for anything :func:`is_quantity` rejects.
    """
    match = _QUANTITY.fullmatch(value)
    if match is None:
        raise ValueError(f"not a Kubernetes quantity: {value!r}")
    try:
        number = Decimal(match["number"])
    except InvalidOperation as exc:  # pragma: no cover - the regex only admits decimals
        raise ValueError(f"not a Kubernetes quantity: {value!r}") from exc
    suffix = match["suffix"] or ""
    if suffix in _BINARY_SUFFIX:
        return number * _BINARY_SUFFIX[suffix]
    if suffix in _DECIMAL_SUFFIX:
        return number * _DECIMAL_SUFFIX[suffix]
    if suffix:
        return number * Decimal(10) ** int(suffix[1:])
    return number


def is_ipv4_cidr(value: object) -> bool:
    if not isinstance(value, str):
        return False
    match = _CIDR_V4.fullmatch(value)
    if match is None:
        return False
    octets, prefix = [int(g) for g in match.groups()[:4]], int(match[5])
    return all(0 <= o <= 255 for o in octets) and 0 <= prefix <= 32


def is_ipv6_cidr(value: object) -> bool:
    import ipaddress

    if not isinstance(value, str) or ":" not in value or "/" not in value:
        return False
    try:
        ipaddress.IPv6Network(value, strict=False)
    except ValueError:
        return False
    return True


def is_cidr(value: object) -> bool:
    return is_ipv4_cidr(value) or is_ipv6_cidr(value)


def is_http_path(value: object) -> bool:
    return isinstance(value, str) and value.startswith("/") and " " not in value


# --- cron -----------------------------------------------------------------------------------

_CRON_MACROS = frozenset(
    {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
)
_MONTH_NAMES = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}
_DAY_NAMES = {
    name: number
    for number, name in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])
}
# (lowest, highest, names, "?" allowed) per field, in crontab order. Day-of-week 7 is Sunday.
_CRON_FIELDS: tuple[tuple[int, int, dict[str, int], bool], ...] = (
    (0, 59, {}, False),
    (0, 23, {}, False),
    (1, 31, {}, True),
    (1, 12, _MONTH_NAMES, False),
    (0, 7, _DAY_NAMES, True),
)


def is_cron_schedule(value: object) -> bool:
    """Standard 5-field cron as accepted by the CronJob controller, plus the @ macros.

    Supports ``*``, ``?`` (day fields), values, names (jan-dec, sun-sat), ranges ``a-b``,
    steps ``*/n`` and ``a-b/n`` and ``a/n``, and comma lists.
    """
    if not isinstance(value, str):
        return False
    text = value.strip()
    if text.lower() in _CRON_MACROS:
        return True
    fields = text.split()
    if len(fields) != len(_CRON_FIELDS):
        return False
    return all(
        _is_cron_field(field, spec) for field, spec in zip(fields, _CRON_FIELDS, strict=True)
    )


def _is_cron_field(field: str, spec: tuple[int, int, dict[str, int], bool]) -> bool:
    return all(_is_cron_item(item, spec) for item in field.split(","))


def _is_cron_item(item: str, spec: tuple[int, int, dict[str, int], bool]) -> bool:
    low, high, names, question_allowed = spec
    base, slash, step = item.partition("/")
    if slash and not (step.isdigit() and int(step) >= 1):
        return False
    if base == "*" or (base == "?" and question_allowed):
        return True
    start_text, dash, end_text = base.partition("-")
    start = _cron_value(start_text, low, high, names)
    if start is None:
        return False
    if not dash:
        return True
    end = _cron_value(end_text, low, high, names)
    return end is not None and start <= end


def _cron_value(text: str, low: int, high: int, names: dict[str, int]) -> int | None:
    if text.isdigit():
        number = int(text)
        return number if low <= number <= high else None
    return names.get(text.lower())
