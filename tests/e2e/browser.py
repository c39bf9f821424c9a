"""Shared browser plumbing for the e2e tests: Debian's Chromium, error watchers, screenshots."""

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
MANIFEST = ROOT / "kubeorch" / "static" / "frontend" / ".vite" / "manifest.json"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Sync Playwright runs an event loop in this thread; the ORM must still be usable from the test.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def ensure_frontend_built() -> None:
    if not MANIFEST.exists():
        subprocess.run([str(ROOT / "scripts" / "build-frontend")], check=True)


def ensure_chromium() -> None:
    subprocess.run([str(ROOT / "scripts" / "ensure-chromium")], check=True)


@dataclass
class PageWatch:
    """Console errors, page errors, failed requests and unexpected HTTP errors seen by a page.

    `expected` holds (status, url regex) pairs a test provokes on purpose, such as a 400 from a
    deliberately invalid save, or 404s from endpoints the backend has not shipped yet.
    """

    expected: list[tuple[int, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def allowed(self, status: int, url: str) -> bool:
        return any(status == code and re.search(pattern, url) for code, pattern in self.expected)

    def attach(self, page: Any) -> None:
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("console", self._on_console)
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)

    def _on_console(self, message: Any) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        resource = re.search(r"status of (\d+)", message.text)
        if resource and self.allowed(int(resource.group(1)), url):
            return
        self.problems.append(f"console error: {message.text} ({url})")

    def _on_request_failed(self, request: Any) -> None:
        failure = request.failure or ""
        # Navigations abort in-flight requests (page reload); that is not a failure of the app.
        if "ERR_ABORTED" in failure:
            return
        self.problems.append(f"request failed: {request.method} {request.url}: {failure}")

    def _on_response(self, response: Any) -> None:
        if response.status >= 400 and not self.allowed(response.status, response.url):
            method = response.request.method
            self.problems.append(f"HTTP {response.status}: {method} {response.url}")


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


class EditorSteps:
    """What a user does in the editor, shared by the browser test classes (needs `self.page`,
    `self.live_server_url` and `PASSWORD`)."""

    page: Any
    live_server_url: str
    password: str = ""
    shots: str = ""

    def shot(self, name: str) -> Path:
        return screenshot(self.page, f"{self.shots}{name}")

    def sign_in(self, username: str = "alice") -> None:
        page = self.page
        page.goto(f"{self.live_server_url}/")
        page.wait_for_url("**/accounts/login/**")
        self.shot("01-login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(self.password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Workflows").wait_for()

    def create_workflow(self, name: str) -> int:
        page = self.page
        page.get_by_role("button", name="New workflow").click()
        form = page.get_by_role("form", name="New workflow")
        form.get_by_label("Name", exact=True).fill(name)
        form.get_by_label("Description", exact=True).fill("Web tier for the shop")
        # The personal team's sandbox cluster is chosen by default once the clusters are loaded.
        cluster = form.locator("select").first
        page.wait_for_function("el => el.value !== ''", arg=cluster.element_handle())
        self.shot("02-new-workflow")
        form.get_by_role("button", name="Create").click()
        page.wait_for_url("**/workflows/*/")
        page.locator(".react-flow__pane").wait_for()
        return int(page.url.rstrip("/").split("/")[-1])

    def drag_kind(self, kind: str, x: int, y: int) -> None:
        canvas = self.page.locator(".react-flow__pane")
        self.page.locator(f'.palette-item[data-kind="{kind}"]').drag_to(
            canvas, target_position={"x": x, "y": y}
        )

    def node(self, name: str) -> Any:
        return self.page.locator(f'[data-testid="node-{name}"]')

    def connect(self, source: str, target: str) -> None:
        page = self.page
        start = self.node(source).locator(".handle-source").bounding_box()
        end = self.node(target).locator(".handle-target").bounding_box()
        assert start and end
        page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
        page.mouse.down()
        page.mouse.move(end["x"] + 2, end["y"] + 2, steps=8)
        page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=4)
        page.mouse.up()

    def wait_saved(self) -> None:
        self.page.get_by_test_id("save-indicator").filter(has_text="All changes saved").wait_for()

    def select(self, name: str) -> None:
        self.node(name).click()
