"""The reference web host (examples/web_host) in a real browser: headless Chromium driven by
Playwright for Python, against the host served by uvicorn on a free port, its worker running.

Chromium is the system's (Debian's ``chromium`` package; ``COLLABCORE_CHROMIUM`` names another
executable), never one ``playwright install`` downloads. Without it, or without Playwright,
every test here is skipped with one reason; in CI (``CI`` set) that is a failure instead, since
CI must run them.

The tests take the screenshots of docs/reference-host.md as they pass the pages: into a
temporary folder, or into the folder ``COLLABCORE_SCREENSHOTS`` names (tests/browser/
screenshots.py sets it to docs/img), so that a normal run never rewrites the docs' pictures.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .visit import LOCALES, Visit

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright

    from .live import LiveHost

CHROMIUM_VARIABLE = "COLLABCORE_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS_VARIABLE = "COLLABCORE_SCREENSHOTS"

Screenshot = Callable[["Page", str], Path]


def chromium_path() -> str | None:
    """The Chromium to drive (a path, or a name on PATH), as a path; None when there is none."""
    return shutil.which(os.environ.get(CHROMIUM_VARIABLE) or DEFAULT_CHROMIUM)


def missing() -> str | None:
    """Why the browser tests cannot run here, in one line; None when they can."""
    if chromium_path() is None:
        wanted = os.environ.get(CHROMIUM_VARIABLE) or DEFAULT_CHROMIUM
        return (
            f"Browser tests skipped: no Chromium at {wanted} "
            f"(apt-get install chromium, or set {CHROMIUM_VARIABLE})."
        )
    for module, extra in (("playwright", "test"), ("uvicorn", "web"), ("fastapi", "web")):
        if importlib.util.find_spec(module) is None:
            return f"Browser tests skipped: {module} is not installed (pip install -e '.[{extra}]')."
    return None


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Playwright]:
    reason = missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests. {reason.removeprefix('Browser tests skipped: ')}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    # One Chromium for the whole session: launching is the slow part (about a second).
    launched = playwright_session.chromium.launch(executable_path=chromium_path(), headless=True)
    yield launched
    launched.close()


@pytest.fixture
def context(browser: Browser, request: pytest.FixtureRequest) -> Iterator[BrowserContext]:
    """A fresh browser profile per test: no cookies, so no session, carried from another test.
    Its locale (so its Accept-Language) is the test's language, when it has a ``words``
    fixture of (brand, language)."""
    language = request.getfixturevalue("words")[1] if "words" in request.fixturenames else "en"
    made = browser.new_context(
        viewport={"width": 1024, "height": 768}, locale=LOCALES.get(language, language)
    )
    # A page that waits for something that never comes fails in seconds, not in 30.
    made.set_default_timeout(10_000)
    yield made
    made.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def host(
    store_kind: str, playwright_session: Playwright, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[LiveHost]:
    """The reference host, set up with the demo story from nothing, served on a free port of
    127.0.0.1 with its worker running (a fresh SQLite file or a fresh PostgreSQL schema)."""
    from .live import start_host

    if store_kind == "sqlite":
        started = start_host(db=str(tmp_path / "web_host.db"))
    else:
        started = start_host(
            dsn=request.getfixturevalue("postgres_dsn"), schema=request.getfixturevalue("postgres_schema")
        )
    yield started
    started.stop()


@pytest.fixture
def visit(host: LiveHost, page: Page, words: tuple[str, str]) -> Visit:
    """A person at ``host`` in the test's ``words``, (brand, language): parametrize ``words``."""
    return Visit(host, page, *words)


@pytest.fixture
def idle_host(playwright_session: Playwright, tmp_path: Path) -> Iterator[LiveHost]:
    """The host on a fresh SQLite file without its worker: the relay runs when the test says."""
    from .live import start_host

    started = start_host(db=str(tmp_path / "web_host.db"), worker=False)
    yield started
    started.stop()


@pytest.fixture
def screenshot(tmp_path: Path) -> Screenshot:
    """``screenshot(page, name)``: the whole page as ``<name>.png``, in the folder
    ``COLLABCORE_SCREENSHOTS`` names (the docs' pictures) or else in the test's own."""
    chosen = os.environ.get(SCREENSHOTS_VARIABLE)
    folder = Path(chosen) if chosen else tmp_path / "screenshots"

    def take(page: Page, name: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
        return path

    return take
