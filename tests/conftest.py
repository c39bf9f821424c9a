"""Shared fixtures: the three personas and API clients that authenticate like automation does.

alice owns a team, bob is a member of it (developer unless a test makes him a viewer), charlie
is an outsider. Every permission test uses all three.
"""

from pathlib import Path
from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

# The sandbox cluster fixtures (`sandbox`, `sandbox_namespace`) live beside the sandbox's tests.
pytest_plugins = (
    ["tests.sandbox_fixtures"] if (Path(__file__).parent / "sandbox_fixtures.py").exists() else []
)


def token_client(user: Any) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def make_user(django_user_model: Any):
    def make(username: str) -> Any:
        return django_user_model.objects.create_user(
            username, f"{username}@example.com", "pw-" + username
        )

    return make


@pytest.fixture
def alice(make_user: Any) -> Any:
    return make_user("alice")


@pytest.fixture
def bob(make_user: Any) -> Any:
    return make_user("bob")


@pytest.fixture
def charlie(make_user: Any) -> Any:
    return make_user("charlie")


@pytest.fixture
def team(alice: Any, bob: Any) -> Any:
    """alice's shared team, with bob as a developer."""
    from workflows.actions.teams import add_member, create_team

    team = create_team(alice, "platform")
    add_member(alice, team, "bob", "developer")
    return team


@pytest.fixture
def as_alice(alice: Any) -> APIClient:
    return token_client(alice)


@pytest.fixture
def as_bob(bob: Any) -> APIClient:
    return token_client(bob)


@pytest.fixture
def as_charlie(charlie: Any) -> APIClient:
    return token_client(charlie)


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # Personas are created in almost every test; PBKDF2 would dominate the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def on_sandbox(sandbox: Any, settings: Any) -> Any:
    """Point the product's `sandbox` clusters at the test session's sandbox cluster."""
    settings.KUBEORCH_SANDBOX_KUBECONFIG = sandbox.kubeconfig_path
    return sandbox
