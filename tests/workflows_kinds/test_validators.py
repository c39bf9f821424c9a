"""Table-driven tests of the value grammars."""

from __future__ import annotations

from decimal import Decimal

import pytest

from workflows.kinds import validators as v

SHA = "0123456789abcdef" * 4


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("web", True), ("a", True), ("web-1", True), ("1web", True), ("a" * 63, True),
        ("a" * 64, False), ("Web", False), ("web_1", False), ("-web", False), ("web-", False),
        ("", False), ("web.app", False), (None, False), (3, False),
    ],
)
def test_dns1123_label(value: object, valid: bool) -> None:
    assert v.is_dns1123_label(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"), [("web", True), ("w1", True), ("1web", False), ("Web", False)]
)
def test_dns1035_label(value: str, valid: bool) -> None:
    assert v.is_dns1035_label(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [("example.com", True), ("a.b-c.d", True), ("a..b", False), ("A.com", False),
     (".a", False), ("a" * 254, False)],
)
def test_dns1123_subdomain(value: str, valid: bool) -> None:
    assert v.is_dns1123_subdomain(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("nginx", True),
        ("nginx:1.27", True),
        (f"ghcr.io/org/app@sha256:{SHA}", True),
        (f"ghcr.io/org/app:v1@sha256:{SHA}", True),
        ("localhost:5000/a/b:c", True),
        ("registry.example.com/team/app_x.y-z:1.0-rc_1", True),
        ("[::1]:5000/app:1", True),
        ("Nginx", False),
        ("nginx:", False),
        ("a b", False),
        ("ghcr.io/org/app@sha256:abc", False),
        (f"app@sha256:{SHA}0", False),
        ("nginx:-bad", False),
        ("/nginx", False),
        ("", False),
    ],
)
def test_image_reference(value: str, valid: bool) -> None:
    assert v.is_image_reference(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("100m", True), ("0.5", True), ("128Mi", True), ("1G", True), ("1e3", True),
        ("1E3", True), ("2Gi", True), ("1", True), (".5", True), ("+1", True), ("5E", True),
        ("1.5Ki", True),
        ("-1", False), ("1MB", False), ("1 Gi", False), ("Mi", False), ("", False),
        ("1.2.3", False), ("1gi", False), (1, False),
    ],
)
def test_quantity(value: object, valid: bool) -> None:
    assert v.is_quantity(value) is valid


@pytest.mark.parametrize(
    ("value", "expected"),
    [("100m", Decimal("0.1")), ("1Ki", Decimal(1024)), ("1e3", Decimal(1000)),
     ("0.5", Decimal("0.5")), ("2G", Decimal(2 * 10**9)), ("1Mi", Decimal(2**20))],
)
def test_parse_quantity(value: str, expected: Decimal) -> None:
    assert v.parse_quantity(value) == expected


def test_parse_quantity_rejects_garbage() -> None:
    with pytest.raises(ValueError, match="quantity"):
        v.parse_quantity("lots")


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("* * * * *", True), ("*/5 * * * *", True), ("0 9-17 * * mon-fri", True),
        ("0 0 1,15 * *", True), ("30 2 * jan,jul sun", True), ("0 0 * * 7", True),
        ("0 0 ? * *", True), ("5/10 * * * *", True), ("0-30/10 * * * *", True),
        ("@hourly", True), ("@daily", True), ("@yearly", True), ("@midnight", True),
        ("* * * *", False), ("* * * * * *", False), ("60 * * * *", False),
        ("* 24 * * *", False), ("* * 0 * *", False), ("* * * 13 *", False),
        ("* * * * 8", False), ("*/0 * * * *", False), ("5-1 * * * *", False),
        ("? * * * *", False), ("@reboot", False), ("@every 5m", False), ("a b c d e", False),
        ("", False),
    ],
)
def test_cron(value: str, valid: bool) -> None:
    assert v.is_cron_schedule(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [(1, True), (80, True), (65535, True), (0, False), (65536, False), (-1, False),
     (True, False), ("80", False), (80.0, False)],
)
def test_port(value: object, valid: bool) -> None:
    assert v.is_port(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [("http", True), ("metrics-2", True), ("a" * 15, True), ("a" * 16, False),
     ("8080", False), ("HTTP", False), ("a--b", False), ("-a", False)],
)
def test_port_name(value: str, valid: bool) -> None:
    assert v.is_port_name(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [("PATH", True), ("_x", True), ("my.var-1", True), ("1ABC", False), ("A B", False),
     ("A=B", False), ("", False)],
)
def test_env_var_name(value: str, valid: bool) -> None:
    assert v.is_env_var_name(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [("app", True), ("example.com/tier", True), ("a_b.c-d", True), ("a" * 63, True),
     ("a" * 64, False), ("Example.com/x", False), ("/x", False), ("x/", False),
     ("a b", False), ("", False)],
)
def test_label_key(value: str, valid: bool) -> None:
    assert v.is_label_key(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [("", True), ("v1.2_x-y", True), ("a" * 63, True), ("a" * 64, False), ("-a", False),
     ("a b", False), ("a/b", False)],
)
def test_label_value(value: str, valid: bool) -> None:
    assert v.is_label_value(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [("10.0.0.0/8", True), ("0.0.0.0/0", True), ("fd00::/8", True), ("10.0.0.0", False),
     ("256.0.0.0/8", False), ("10.0.0.0/33", False), ("x/8", False)],
)
def test_cidr(value: str, valid: bool) -> None:
    assert v.is_cidr(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [("app.example.com", True), ("*.example.com", True), ("a.*.com", False),
     ("*", False), ("App.com", False)],
)
def test_ingress_host(value: str, valid: bool) -> None:
    assert v.is_ingress_host(value) is valid
