"""What the browser tests do on the reference host's pages, as a person would: sign in, open,
choose, press, read. Every word looked for is asked of collabcore's own localizer in the
page's brand and language (never written here), and every control is found by its role and
accessible name, which is what a screen reader announces: a control without its label is
not found."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from .live import LiveHost

LOCALES = {"en": "en-GB", "sv": "sv-SE"}
"""The browser's locale for each language, so its Accept-Language asks for that language."""

RELAY_SECONDS = 20.0
"""How long the worker may take to carry out an end's effects (it runs every 0.2 s here)."""


def sentence(text: str) -> str:
    """``text`` as it begins a label (an outcome's words begin in lowercase)."""
    return text[:1].upper() + text[1:]


class Visit:
    """One person at the host in one brand and language: the page they look at, and the
    words it must show (collabcore's localizer in that brand and language)."""

    def __init__(self, host: LiveHost, page: Page, brand: str, language: str) -> None:
        self.host = host
        self.page = page
        self.brand = brand
        self.language = language
        self.words = host.words(brand, language)

    # --- words -----------------------------------------------------------------------------

    def text(self, key: str, /, **params: object) -> str:
        return self.words.text(key, **params)

    def term(self, name: str) -> str:
        return self.words.term(name)

    def product(self, key: str) -> str:
        return self.words.product(key)

    # --- looking ---------------------------------------------------------------------------

    def heading(self) -> Locator:
        """The page's one ``<h1>``."""
        return self.page.get_by_role("heading", level=1)

    def section(self, heading: str) -> Locator:
        """The ``<section>`` a heading names (a region, to a screen reader)."""
        return self.page.get_by_role("region", name=heading, exact=True)

    def link(self, name: str) -> Locator:
        return self.page.get_by_role("link", name=name, exact=True)

    def button(self, name: str) -> Locator:
        return self.page.get_by_role("button", name=name, exact=True)

    def radio(self, name: str) -> Locator:
        return self.page.get_by_role("radio", name=name, exact=True)

    def checkbox(self, name: str) -> Locator:
        return self.page.get_by_role("checkbox", name=name, exact=True)

    def error_summary(self) -> Locator:
        return self.page.get_by_role("alert")

    def focused(self) -> dict[str, str]:
        """What has the keyboard's focus: its role attribute, id and text."""
        found = self.page.evaluate(
            "() => { const e = document.activeElement;"
            " return {role: e.getAttribute('role') || '', id: e.id, text: e.innerText || ''}; }"
        )
        assert isinstance(found, dict)
        return {str(k): str(v) for k, v in found.items()}

    # --- doing -----------------------------------------------------------------------------

    def goto(self, path: str) -> int:
        """Open ``path`` of the host; returns the HTTP status of the page."""
        answer = self.page.goto(self.host.url + path)
        assert answer is not None
        return answer.status

    def sign_in(self, name: str) -> None:
        """On the sign-in page, choose the person called ``name`` (a name of the story) and
        this visit's brand and language. The sign-in page itself speaks the host's own brand
        in the browser's language (Accept-Language, the context's locale)."""
        from playwright.sync_api import expect

        self.goto("/ui/sign-in")
        first = self.host.words(self.host.service.localizer.brand.key, self.language)
        expect(self.heading()).to_have_text(first.text("page.sign_in.title"))
        people = self.page.get_by_role("group", name=first.text("page.sign_in.who"), exact=True)
        people.get_by_role("radio", name=re.compile(rf"^{re.escape(name)}\b")).check()
        form = self.page.get_by_role("main")
        form.get_by_label(first.text("page.words.brand"), exact=True).select_option(self.brand)
        form.get_by_label(first.text("page.words.language"), exact=True).select_option(self.language)
        form.get_by_role("button", name=first.text("page.sign_in.submit"), exact=True).click()

    def sign_in_as_operator(self) -> None:
        from playwright.sync_api import expect

        self.goto("/ui/sign-in")
        first = self.host.words(self.host.service.localizer.brand.key, self.language)
        people = self.page.get_by_role("group", name=first.text("page.sign_in.who"), exact=True)
        people.get_by_role("radio", name=first.text("page.person.operator"), exact=True).check()
        form = self.page.get_by_role("main")
        form.get_by_label(first.text("page.words.brand"), exact=True).select_option(self.brand)
        form.get_by_label(first.text("page.words.language"), exact=True).select_option(self.language)
        form.get_by_role("button", name=first.text("page.sign_in.submit"), exact=True).click()
        expect(self.heading()).to_have_text(self.text("page.relay.title"))

    def wait_for_relay(self, *, seconds: float = RELAY_SECONDS) -> None:
        """On the operator's relay view: reload until nothing is pending or failed (the worker
        carried every effect out), failing after ``seconds``."""
        settled = self.text("page.relay.summary", count=0, failed=0)
        deadline = time.monotonic() + seconds
        while True:
            shown = self.page.locator("main p.summary").inner_text()
            if shown == settled:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"The relay view still says {shown!r} after {seconds:.0f} s.")
            time.sleep(0.2)
            self.page.reload()


@contextmanager
def another_profile(page: Page, language: str) -> Iterator[Page]:
    """A second browser profile beside ``page``'s (its own cookies: another person signed in),
    its browser asking for ``language``; closed afterwards."""
    browser = page.context.browser
    assert browser is not None
    context = browser.new_context(viewport=page.viewport_size, locale=LOCALES.get(language, language))
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()
