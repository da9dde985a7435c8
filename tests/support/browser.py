"""A real browser for the page tests: Debian's Chromium, driven by Playwright."""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# in CI the browser must be there (.ci/run installs it): these tests never skip there
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="Chromium is not installed (.ci/run installs it; in CI this test never skips)",
)


def launch(playwright: Any) -> Any:
    """Headless Chromium, offline and quiet, that plays audio without a gesture."""
    assert CHROMIUM is not None, "CI must have Chromium: .ci/run installs it"
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--autoplay-policy=no-user-gesture-required",
        ],
    )
