"""The canvas editor in Chromium against a live Daphne server (HTTP + WebSockets, PostgreSQL)."""

from typing import Any, ClassVar

import pytest
from channels.testing import ChannelsLiveServerTestCase
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests.e2e.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    EditorSteps,
    PageWatch,
    ensure_chromium,
    ensure_frontend_built,
    screenshot,
)
from workflows.models import Workflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
# A Deployment has no image until one is typed: the server rejects those saves (shown on the field).
INVALID_SAVE = (400, r"/v1/api/workflows/\d+/save")


class CanvasBrowserTests(EditorSteps, ChannelsLiveServerTestCase):
    password = PASSWORD
    playwright: ClassVar[Any]
    browser: ClassVar[Any]

    @classmethod
    def setUpClass(cls) -> None:
        ensure_frontend_built()
        ensure_chromium()
        super().setUpClass()
        from playwright.sync_api import sync_playwright

        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.browser.close()
        cls.playwright.stop()
        super().tearDownClass()

    def setUp(self) -> None:
        # tests/conftest.py switches this process to the MD5 hasher; the server process keeps the
        # default hashers, so store a hash it can verify.
        user = get_user_model().objects.create_user("alice", "alice@example.com")
        user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
        user.save(update_fields=["password"])
        self.context = self.browser.new_context(viewport={"width": 1440, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.watch = PageWatch()
        self.watch.attach(self.page)

    def tearDown(self) -> None:
        self.context.close()
        assert self.watch.problems == [], "\n".join(self.watch.problems)

    # tests

    def test_design_connect_validate_and_reload(self) -> None:
        page = self.page
        self.watch.expected.append(INVALID_SAVE)
        self.sign_in()
        screenshot(page, "03-workflows-empty")
        workflow_id = self.create_workflow("shop")
        screenshot(page, "04-empty-canvas")

        self.drag_kind("ingress", 120, 140)
        self.drag_kind("service", 420, 140)
        self.drag_kind("deployment", 720, 140)
        self.drag_kind("configmap", 420, 380)
        for name in ("ingress", "service", "deployment", "configmap"):
            self.node(name).wait_for()
        screenshot(page, "05-four-nodes")

        # While dragging from the Ingress only the Service is a valid target; others are greyed.
        start = self.node("ingress").locator(".handle-source").bounding_box()
        assert start
        page.mouse.move(start["x"] + 6, start["y"] + 6)
        page.mouse.down()
        page.mouse.move(start["x"] + 80, start["y"] + 60, steps=5)
        assert "greyed" in (self.node("deployment").get_attribute("class") or "")
        assert "greyed" in (self.node("configmap").get_attribute("class") or "")
        assert "valid-target" in (self.node("service").get_attribute("class") or "")
        screenshot(page, "06-connecting-greys-invalid-targets")
        page.mouse.up()

        self.connect("ingress", "service")
        self.connect("service", "deployment")
        self.connect("configmap", "deployment")
        page.wait_for_function("document.querySelectorAll('.react-flow__edge').length === 3")
        # The new Deployment has no image yet: the server refuses the save and says where.
        page.get_by_test_id("save-indicator").filter(has_text="Not saved").wait_for()
        self.select("deployment")
        settings = page.get_by_role("region", name="Deployment settings")
        image_error = settings.locator('[data-path="image"] .field-error')
        image_error.wait_for()
        screenshot(page, "07-connected-image-missing")

        settings.get_by_label("Image *").fill("nginx:1.27")
        settings.get_by_label("Replicas").fill("3")
        self.wait_saved()
        assert image_error.count() == 0

        # Linked fields were filled on connect; the ingress's path routes to the service.
        stored = Workflow.objects.get(pk=workflow_id)
        by_name = {n["data"]["name"]: n for n in stored.nodes}
        assert by_name["service"]["data"]["_linkedDeployment"] == "deployment"
        assert by_name["deployment"]["data"]["_linkedConfigMaps"] == ["configmap"]
        assert by_name["ingress"]["data"]["paths"][0]["service"] == "service"
        assert len(stored.edges) == 3

        # An invalid name comes back from the server onto the Name field of that node.
        settings.get_by_label("Name *").fill("Web_API")
        error = settings.locator('[data-path="name"] .field-error')
        error.wait_for()
        assert "DNS-1123" in error.inner_text()
        page.get_by_test_id("save-indicator").filter(has_text="Not saved").wait_for()
        assert "1 error" in self.node("Web_API").inner_text()
        screenshot(page, "08-server-error-on-field")

        settings.get_by_label("Name *").fill("web")
        self.wait_saved()
        assert error.count() == 0
        screenshot(page, "09-fixed-and-saved")

        # Undo the rename then redo it with the keyboard.
        page.locator(".react-flow__pane").click(position={"x": 600, "y": 600})
        page.keyboard.press("Control+z")
        self.node("Web_API").wait_for()
        page.keyboard.press("Control+Shift+z")
        self.node("web").wait_for()
        self.wait_saved()

        page.reload()
        self.node("web").wait_for()
        assert self.page.locator(".react-flow__edge").count() == 3
        self.select("web")
        settings = page.get_by_role("region", name="Deployment settings")
        assert settings.get_by_label("Image *").input_value() == "nginx:1.27"
        assert settings.get_by_label("Replicas").input_value() == "3"
        self.select("service")
        assert "web" in page.get_by_role("region", name="Service settings").inner_text()
        screenshot(page, "10-reloaded")
        stored = Workflow.objects.get(pk=workflow_id)
        web = next(n for n in stored.nodes if n["type"] == "deployment")
        assert web["data"]["name"] == "web" and web["data"]["replicas"] == 3

    def test_command_palette_copy_paste_delete(self) -> None:
        page = self.page
        self.sign_in()
        self.create_workflow("keyboard")
        page.locator(".react-flow__pane").click(position={"x": 500, "y": 500})
        page.keyboard.press("Control+k")
        search = page.get_by_role("combobox", name="Search commands")
        search.fill("add secret")
        screenshot(page, "11-command-palette")
        page.keyboard.press("Enter")
        self.node("secret").wait_for()
        assert page.get_by_role("dialog", name="Command palette").count() == 0
        page.locator(".react-flow__pane").click(position={"x": 50, "y": 50})
        self.select("secret")
        page.keyboard.press("Control+c")
        page.keyboard.press("Control+v")
        self.node("secret-2").wait_for()
        page.keyboard.press("Delete")
        page.wait_for_function("document.querySelectorAll('.react-flow__node').length === 1")
        self.wait_saved()
        page.keyboard.press("Control+k")
        page.keyboard.press("Escape")
        assert page.get_by_role("dialog", name="Command palette").count() == 0

    def test_versions_compare_and_restore(self) -> None:
        page = self.page
        self.watch.expected.append(INVALID_SAVE)
        self.sign_in()
        workflow_id = self.create_workflow("versions")
        self.drag_kind("deployment", 500, 200)
        self.drag_kind("configmap", 200, 200)
        self.node("deployment").wait_for()
        self.select("deployment")
        page.get_by_role("region", name="Deployment settings").get_by_label("Image *").fill("app:1")
        self.wait_saved()

        page.get_by_role("button", name="Versions", exact=True).click()
        panel = page.get_by_role("region", name="Versions")
        panel.get_by_label("Name", exact=True).fill("first")
        panel.get_by_label("Tag", exact=True).fill("v1")
        panel.get_by_role("button", name="Create version").click()
        panel.get_by_text("Created version 1.").wait_for()

        # Change: new image, configmap removed, service added.
        page.get_by_role("button", name="Versions", exact=True).click()
        self.select("deployment")
        page.get_by_role("region", name="Deployment settings").get_by_label("Image *").fill("app:2")
        self.select("configmap")
        page.keyboard.press("Delete")
        self.drag_kind("service", 200, 420)
        self.node("service").wait_for()
        self.wait_saved()

        page.get_by_role("button", name="Versions", exact=True).click()
        panel.get_by_label("Name", exact=True).fill("second")
        panel.get_by_role("button", name="Create version").click()
        panel.get_by_text("Created version 2.").wait_for()
        panel.get_by_label("Compare from version 1").check()
        panel.get_by_label("Compare to version 2").check()
        panel.get_by_role("button", name="Compare", exact=True).click()
        banner = page.get_by_role("complementary", name="Version comparison")
        banner.wait_for()
        assert page.locator(".react-flow__node.diff-added").count() == 1
        assert page.locator(".react-flow__node.diff-removed").count() == 1
        assert page.locator(".react-flow__node.diff-modified").count() == 1
        for change in ("added", "removed", "modified"):
            page.locator(f".react-flow__node.diff-{change} .node-card").wait_for(state="visible")
        colour = page.locator(".react-flow__node.diff-added .node-card").evaluate(
            "el => getComputedStyle(el).borderTopColor"
        )
        assert colour == "rgb(34, 197, 94)"
        assert "app:1" in banner.inner_text() and "app:2" in banner.inner_text()
        screenshot(page, "12-version-diff")

        banner.get_by_role("button", name="Close comparison").click()
        panel.get_by_role("button", name="Restore version 1").click()
        screenshot(page, "13-restore-confirm")
        panel.get_by_role("button", name="Yes, restore").click()
        panel.get_by_text("Restored version 1").wait_for()
        self.node("configmap").wait_for()
        assert self.node("service").count() == 0
        page.get_by_role("button", name="Versions", exact=True).click()  # back to node settings
        self.select("deployment")
        image = page.get_by_role("region", name="Deployment settings").get_by_label("Image *")
        assert image.input_value() == "app:1"
        screenshot(page, "14-restored")
        stored = Workflow.objects.get(pk=workflow_id)
        assert sorted(n["type"] for n in stored.nodes) == ["configmap", "deployment"]
