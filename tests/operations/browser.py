"""Headless Chromium from the OS package (Debian's `chromium`), driven by Playwright.

Playwright's own browser download is not used: `make test-tools` installs the distribution's
Chromium and this module points Playwright at it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tributary import settings

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")

#: Without the background-networking switches Chromium keeps calling home, which a closed
#: network refuses many times a second; --no-sandbox because tests and CI run as root.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]

SCREENSHOT_DIR = settings.LOCAL_DIR / "artifacts" / "screenshots"


class BrowserMissing(RuntimeError):
    """No Chromium binary; the message says how to install one."""


def chromium_path() -> str:
    """`TRIBUTARY_CHROMIUM`, else the first Chromium found on the usual paths or PATH."""
    configured = os.environ.get("TRIBUTARY_CHROMIUM")
    candidates = [configured] if configured else [*CHROMIUM_CANDIDATES, shutil.which("chromium") or ""]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise BrowserMissing("Chromium not found: run `make test-tools` (apt-get install chromium "
                         "chromium-driver) or set TRIBUTARY_CHROMIUM to a Chromium binary")


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium (`playwright.sync_api.Browser`) with a fresh profile, closed on exit."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    executable = chromium_path()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page, name: str, directory: Path = SCREENSHOT_DIR) -> Path:
    """Save a full-page PNG of `page` as `<directory>/<name>.png` and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path
