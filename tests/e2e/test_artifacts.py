"""Acceptance: the Artifacts pages, kept current by /api/events.

alice deploys a static site through the API while the Artifacts page is open; its badge goes
to running without a reload; the detail shows the four stages succeeded and the build log; she
rolls back to revision 1 and cancels an update still waiting for its debounce, and the page
follows each change live. Chromium against Daphne (ChannelsLiveServerTestCase), the sandbox
cluster simulating the Buildah Job, the shared Celery worker (tests/e2e/engine.py).
Screenshots: test-artifacts/e2e/artifacts-*.png.
"""

import re
import shutil
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

import pytest
from channels.testing import ChannelsLiveServerTestCase
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connections
from django.test import override_settings

from tests.conftest import token_client
from tests.e2e.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    EditorSteps,
    PageWatch,
    ensure_chromium,
    ensure_frontend_built,
)
from tests.e2e.engine import RunEngine

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
PIPELINE_TIMEOUT = 90_000
SITE = {"index.html": "<!doctype html><h1>hello from kubeorch</h1>\n",
        "style.css": "h1 { color: teal }\n"}
SITE_V2 = {**SITE, "index.html": "<!doctype html><h1>hello again</h1>\n"}
SITE_V3 = {**SITE, "index.html": "<!doctype html><h1>never built</h1>\n"}

# The pipeline's fast timings, set before the live server forks so the server (which stores the
# source and sets the debounce) and the worker of this process agree, the store included.
FAST_PIPELINE = {
    "KUBEORCH_ARTIFACT_DEBOUNCE_SECONDS": 0.3,
    "KUBEORCH_ARTIFACT_SETTLE_SECONDS": 0.5,
    "KUBEORCH_ARTIFACT_DEGRADED_GRACE_SECONDS": 2,
    "KUBEORCH_ARTIFACT_DEPLOY_TIMEOUT_SECONDS": 60,
    "KUBEORCH_BUILD_TIMEOUT_SECONDS": 60,
}


class ArtifactsBrowserTests(EditorSteps, ChannelsLiveServerTestCase):
    password = PASSWORD
    shots = "artifacts-"
    playwright: ClassVar[Any]
    browser: ClassVar[Any]
    engine: ClassVar[RunEngine]
    store: ClassVar[Path]
    pipeline_settings: ClassVar[Any]

    @classmethod
    def setUpClass(cls) -> None:
        ensure_frontend_built()
        ensure_chromium()
        cls.store = Path(tempfile.mkdtemp(prefix="kubeorch-e2e-artifacts-"))
        cls.pipeline_settings = override_settings(KUBEORCH_ARTIFACT_STORE=cls.store,
                                                  **FAST_PIPELINE)
        cls.pipeline_settings.enable()
        cls.engine = RunEngine()
        cls.engine.before_server()
        try:
            super().setUpClass()
            cls.engine.after_server()
        except BaseException:
            cls.engine.stop()
            cls.pipeline_settings.disable()
            raise
        from playwright.sync_api import sync_playwright

        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.browser.close()
        cls.playwright.stop()
        try:
            super().tearDownClass()
        finally:
            cls.engine.stop()
            cls.pipeline_settings.disable()
            shutil.rmtree(cls.store, ignore_errors=True)

    def setUp(self) -> None:
        # tests/conftest.py switches this process to the MD5 hasher; the server keeps PBKDF2.
        self.user = get_user_model().objects.create_user("alice", "alice@example.com")
        self.user.password = PBKDF2PasswordHasher().encode(
            PASSWORD, PBKDF2PasswordHasher().salt())
        self.user.save(update_fields=["password"])
        self.api = token_client(self.user)
        self.context = self.browser.new_context(viewport={"width": 1440, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.watch = PageWatch()
        self.watch.attach(self.page)

    def tearDown(self) -> None:
        self.shot("99-last")  # where a failing run stopped
        self.context.close()
        assert self.watch.problems == [], "\n".join(self.watch.problems)

    # steps

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """An API request in a thread of its own: this thread runs Playwright's event loop, where
        the events' channel-layer publish (async_to_sync) would refuse to run."""

        def send() -> Any:
            try:
                return getattr(self.api, method)(path, body, format="json")
            finally:
                connections.close_all()

        with ThreadPoolExecutor(1) as pool:
            return pool.submit(send).result()

    def badge(self, scope: Any, status: str) -> Any:
        return scope.locator(f'.art-status[data-status="{status}"]')

    def stage(self, name: str, status: str) -> Any:
        return self.page.locator(f'[data-testid="stage-{name}"][data-status="{status}"]')

    def revision_heading(self, number: int, status: str) -> Any:
        region = self.page.get_by_role("region", name=f"Revision {number}", exact=True)
        return self.badge(region.get_by_role("heading"), status)

    def version_row(self, number: int, status: str) -> Any:
        return self.badge(self.page.get_by_test_id(f"version-{number}"), status)

    # the journey

    def test_deploy_watch_live_rollback_and_cancel(self) -> None:
        page = self.page
        self.sign_in("alice")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Artifacts").click()
        page.wait_for_url("**/artifacts/")
        page.get_by_role("heading", name="Artifacts").wait_for()
        page.get_by_test_id("live-state").filter(has_text="live").wait_for()
        page.get_by_text("No artifacts yet").wait_for()
        self.shot("01-empty")
        page.evaluate("window.__noReload = true")

        # Deployed through the API while the page is open: the row appears and turns running live.
        namespace = f"art-{uuid.uuid4().hex[:8]}"
        response = self.call("post", "/api/artifacts",
                             {"name": "site", "files": SITE, "namespace": namespace})
        assert response.status_code == 202, response.json()
        artifact_id = response.json()["artifact_id"]
        row = page.get_by_test_id("artifact-row-site")
        row.wait_for()
        first_seen = row.locator(".art-status").get_attribute("data-status")
        self.shot("02-row-appeared")
        self.badge(row, "running").wait_for(timeout=PIPELINE_TIMEOUT)
        assert page.evaluate("window.__noReload === true"), "the list was reloaded"
        assert first_seen in ("pending", "building", "built", "deploying", "running"), first_seen
        url = f"http://site.{namespace}.svc.cluster.local/"
        assert row.get_by_role("link", name=url).is_visible()
        self.shot("03-row-running")

        # Filter by status: running keeps it, failed hides it.
        page.get_by_label("Filter by status").select_option("failed")
        page.get_by_text("No failed artifacts.").wait_for()
        page.get_by_label("Filter by status").select_option("running")
        row.wait_for()

        # The detail: four stages succeeded, the build log, the URL as a link.
        row.get_by_role("link", name="site", exact=True).click()
        page.wait_for_url(f"**/artifacts/{artifact_id}/")
        for name in ("fetch", "build", "push", "deploy"):
            self.stage(name, "succeeded").wait_for()
        progress = page.get_by_role("progressbar", name="Pipeline progress")
        assert progress.get_attribute("aria-valuenow") == "100"
        page.get_by_role("button", name="build logs").click()
        log = page.get_by_test_id("stage-log")
        page.wait_for_function("el => /STEP 1\\//.test(el.textContent)", arg=log.element_handle())
        assert page.get_by_test_id("artifact-url").get_by_role("link", name=url).is_visible()
        self.shot("04-detail-running")

        # An update through the API: the timeline switches to revision 2 and runs it live.
        page.evaluate("window.__noReload = true")
        response = self.call("put", f"/api/artifacts/{artifact_id}", {"files": SITE_V2})
        assert response.status_code == 202, response.json()
        assert response.json()["revision"] == 2
        self.revision_heading(2, "running").wait_for(timeout=PIPELINE_TIMEOUT)
        self.version_row(1, "retired").wait_for()
        for name in ("fetch", "build", "push", "deploy"):
            self.stage(name, "succeeded").wait_for()
        self.shot("05-revision-2")

        # Rollback to revision 1 from the versions table: revision 3 redeploys its image.
        page.get_by_role("button", name="Roll back to revision 1").click()
        self.revision_heading(3, "running").wait_for(timeout=PIPELINE_TIMEOUT)
        revision_3 = page.get_by_role("region", name="Revision 3", exact=True)
        revision_3.get_by_text("rollback of #1").wait_for()
        self.version_row(2, "retired").wait_for()
        self.version_row(3, "running").wait_for()
        assert page.evaluate("window.__noReload === true"), "the detail was reloaded"
        self.shot("06-rolled-back")

        # An update held by a long debounce is in flight: Cancel stops it, live.
        with override_settings(KUBEORCH_ARTIFACT_DEBOUNCE_SECONDS=60):
            response = self.call("put", f"/api/artifacts/{artifact_id}", {"files": SITE_V3})
        assert response.status_code == 202, response.json()
        self.revision_heading(4, "pending").wait_for()
        self.shot("07-in-flight")
        page.get_by_role("button", name="Cancel", exact=True).click()
        self.revision_heading(4, "cancelled").wait_for(timeout=PIPELINE_TIMEOUT)
        self.version_row(4, "cancelled").wait_for()
        self.version_row(3, "running").wait_for()  # the rollback still serves
        assert page.get_by_role("button", name="Cancel", exact=True).count() == 0
        # Revision 3 still serves: the URL stays a link.
        assert page.get_by_test_id("artifact-url").get_by_role("link", name=url).is_visible()
        assert page.evaluate("window.__noReload === true"), "the detail was reloaded"
        self.shot("08-cancelled")

        # Delete, confirmed: the page says so when the deletion event arrives.
        page.get_by_role("button", name="Delete", exact=True).click()
        page.get_by_role("button", name="Delete for good").click()
        page.get_by_text(re.compile(r"site was deleted")).wait_for(timeout=PIPELINE_TIMEOUT)
        self.shot("09-deleted")
