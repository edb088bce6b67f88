"""The operator's view of the relay in Chromium: what was carried out, what waits, and what
failed with the integration's own error; a retry, once the integration answers again, goes
through. The host runs without its worker here, so the test decides when the relay runs."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

import collabcore as cc

from .visit import Visit

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from .conftest import Screenshot
    from .live import LiveHost

with contextlib.suppress(ImportError):  # without Playwright, conftest.py skips every test here
    from playwright.sync_api import expect

# The story's data (examples/web_host/story.py).
NORTH = cc.Actor.office("office-1", "anna")
BAKERY, BAKERY_NAME = "customer-2", "Bageriet Söder AB"
FLOWERS, FLOWERS_NAME = "customer-4", "Ängens Blomsterhandel AB"
FAIL_EFFECTS = "sandbox.fail_effects"
"""The sandbox's switch that makes every effect of a customer fail (web_host/sandbox.py)."""

ONCE = cc.RetryPolicy(max_attempts=1, first_delay=timedelta(seconds=1))
"""A relay that gives an effect up at its first failure: failed at once, for the operator."""


@pytest.mark.parametrize("words", [("visma", "en"), ("spiris", "sv")], ids=["visma-en", "spiris-sv"])
def test_the_relay_view_shows_carried_out_pending_and_failed_and_a_retry_goes_through(
    idle_host: LiveHost, page: Page, words: tuple[str, str], screenshot: Screenshot
) -> None:
    brand, language = words
    host = idle_host
    # The effects are described in the words of the service that ends, as in the pages.
    service = host.service.speaking(brand, language)
    # Something carried out: the bakery's expenses, once its reports are all in.
    host.sandbox.set_facts(
        BAKERY, {"expenses.unsubmitted_reports": 0, "expenses.users_with_unsubmitted_outlays": []}
    )
    end(service, f"{BAKERY}-expenses")
    service.relay(ONCE).drain()
    # Something failed: the flower shop's integrations refuse every effect.
    host.sandbox.set_fact(FLOWERS, FAIL_EFFECTS, True)
    end(service, f"{FLOWERS}-bookkeeping")
    service.relay(ONCE).drain()
    failed = service.relay().failed()
    # Something waiting: the bakery's payroll, ended with nobody running the relay.
    host.sandbox.set_fact(BAKERY, "payroll.synchronised", True)
    end(service, f"{BAKERY}-payroll")
    pending = len(service.relay().pending())
    assert failed and pending, "the story gives the operator something of each"

    v = Visit(host, page, brand, language)
    v.sign_in_as_operator()
    summary = page.locator("main p.summary")
    expect(summary).to_have_text(v.text("page.relay.summary", count=pending, failed=len(failed)))
    failures = v.section(v.text("page.relay.failed")).locator("tbody tr")
    expect(failures).to_have_count(len(failed))
    expect(failures.filter(has_text=FLOWERS_NAME)).to_have_count(len(failed))
    for error in failures.locator(".integration-error").all():
        expect(error).to_contain_text(FAIL_EFFECTS)
    expect(v.section(v.text("page.relay.pending")).locator("tbody tr")).to_have_count(pending)
    done = v.section(v.text("page.relay.carried_out")).locator("tbody tr")
    expect(done.filter(has_text=BAKERY_NAME).first).to_be_visible()
    screenshot(page, f"{brand}-{language}-relay")

    # The integration answers again: a retry puts the effect back in the queue.
    host.sandbox.set_fact(FLOWERS, FAIL_EFFECTS, False)
    # The button is named after the effect as its row says it, for a screen reader.
    item = " ".join(failures.first.locator("td").first.inner_text().split())
    v.button(v.text("page.relay.retry_item", what=item)).click()
    expect(page.get_by_role("status")).to_have_text(v.text("page.relay.done.retried"))
    expect(summary).to_have_text(v.text("page.relay.summary", count=pending + 1, failed=len(failed) - 1))


def end(service: cc.CollaborationService, collaboration_id: str) -> None:
    """End with the company continuing, acknowledging what the plan asks to (the state the
    test needs, not what it tests: the story's walk ends through the pages)."""
    plan = service.plan_end(collaboration_id, actor=NORTH, outcome=cc.Outcome.CUSTOMER_CONTINUES)
    assert not plan.blockers, [f.message for f in plan.blockers]
    service.end(
        collaboration_id,
        actor=NORTH,
        outcome=cc.Outcome.CUSTOMER_CONTINUES,
        acknowledge=[f.code for f in plan.unacknowledged],
    )
