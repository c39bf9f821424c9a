"""Runs the frontend's vitest suite (graph logic and the workflow store) as part of `make test`."""

import shutil
import subprocess

import pytest

from tests.e2e.browser import ROOT


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")
def test_vitest_suite_passes() -> None:
    frontend = ROOT / "frontend"
    if not (frontend / "node_modules").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=frontend, check=True)
    result = subprocess.run(
        ["npx", "vitest", "run"], cwd=frontend, capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
