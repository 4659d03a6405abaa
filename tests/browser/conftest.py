"""End-to-end tests in a real browser: Debian's Chromium driven by Playwright.

One browser serves the whole package (started once, closed when the package's
tests are done); every test gets a fresh browser context, and a live server:
the app on its own temporary SQLite database, with CSRF on, served by
werkzeug in a thread on a free loopback port. Screenshots go to
``tests/artifacts/`` (ignored by git).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
TIMEOUT_MS = 20_000  # generous: CI machines can be slow; waits return as soon as ready


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One headless Chromium for all the browser tests."""
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (.ci/run installs it with apt)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """The test app as people run it: CSRF on (the pages must send their tokens)."""
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def live(app: Flask) -> Iterator[str]:
    """The app served on a free loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


class Page:
    """A Playwright page plus what the tests need around it: the base URL, errors, shots."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("console", self._console)
        page.on("dialog", lambda dialog: self._dialog(dialog))

    def _console(self, message: Any) -> None:
        # Script errors and CSP refusals; a missing favicon is nobody's business.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.errors.append(f"console: {message.text}")

    def _dialog(self, dialog: Any) -> None:
        if dialog.type == "confirm":
            dialog.accept()
        else:
            self.errors.append(f"unexpected {dialog.type}: {dialog.message}")
            dialog.dismiss()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.page, name)

    def go(self, path: str) -> Any:
        """Open ``path`` on the live server; returns the response."""
        return self.page.goto(self.base + path, wait_until="load")

    def path(self) -> str:
        """The current URL's path (and query)."""
        return re.sub(r"^https?://[^/]+", "", str(self.page.url))

    def shot(self, name: str) -> Path:
        """Save a full-page screenshot as ``tests/artifacts/<name>.png``."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        target = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(target), full_page=True)
        return target

    def log_in(self, name: str = "ada", password: str = PASSWORD) -> None:
        """Log in through the login page."""
        self.go("/auth/login")
        self.page.fill('input[name="name"]', name)
        self.page.fill('input[name="password"]', password)
        self.page.click('main form button[type="submit"]')
        self.page.wait_for_selector("form.logout")


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser profile (cookies, storage) for one test."""
    ctx = browser.new_context(
        viewport={"width": 1280, "height": 860}, locale="en-US", accept_downloads=True,
    )
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.set_default_navigation_timeout(TIMEOUT_MS)
    yield ctx
    ctx.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test item, so fixtures can see a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(context: Any, live: str, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A tab on the live server; on failure its last state is saved as a screenshot."""
    tab = Page(context.new_page(), live)
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        try:
            tab.shot(f"FAILED-{request.node.name}")
        except Exception as error:  # the page may be gone; the failure itself matters more
            print(f"no failure screenshot: {error}")


def path_for(app: Flask, endpoint: str, **values: Any) -> str:
    """The path of ``endpoint`` (pages move; their endpoint names stay)."""
    from flask import url_for

    with app.test_request_context():
        return url_for(endpoint, **values)


def require(app: Flask, *endpoints: str) -> None:
    """Skip unless every endpoint is registered (its feature has landed)."""
    missing = [endpoint for endpoint in endpoints if endpoint not in app.view_functions]
    if missing:
        pytest.skip(f"page not in this build yet: {', '.join(missing)}")
