"""The seeds' story, clicked through in Chromium on the reference host (examples/web_host), on
SQLite and on PostgreSQL, in both brands and both languages: the main contact is missing, the
error says so with its numbered remedy steps, the office fixes it on the users page, ends with
"the company continues", the worker carries the effects out, the audit trail shows the end;
then a deletion, refused until its confirmation is ticked. And an office that opens another
office's customer gets exactly the page of a customer that does not exist."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import pytest

from .visit import Visit, another_profile, sentence

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from .conftest import Screenshot

with contextlib.suppress(ImportError):  # without Playwright, conftest.py skips every test here
    from playwright.sync_api import expect

# Each brand and language is walked once, and each store twice: every word of the walk is
# checked in all four, and the pages on both stores, in about half the time of all eight. The
# walks on SQLite take the docs' pictures (Visma in English, Spiris in Swedish).
WALKS = [
    pytest.param("sqlite", ("visma", "en"), id="sqlite-visma-en"),
    pytest.param("sqlite", ("spiris", "sv"), id="sqlite-spiris-sv"),
    pytest.param("postgres", ("visma", "sv"), id="postgres-visma-sv", marks=pytest.mark.postgres),
    pytest.param("postgres", ("spiris", "en"), id="postgres-spiris-en", marks=pytest.mark.postgres),
]

# The story's data (examples/web_host/story.py): names and numbers, not words.
OFFICE = "Ekonomibyrån Norr AB"
CRAFTS = "customer-1"
CRAFTS_NAME = "Hantverkarna i Norr AB"
CRAFTS_NUMBER = "10042"
KIM = "Kim Lind"
SOUTHS_CUSTOMER = "customer-3"
SOUTHS_CUSTOMER_NAME = "Fiskehamnen Väst AB"


@pytest.mark.parametrize(("store_kind", "words"), WALKS)
def test_the_seeds_story_from_a_missing_main_contact_to_the_audit_trail_then_a_deletion(
    visit: Visit, page: Page, store_kind: str, screenshot: Screenshot
) -> None:
    v = visit
    bookkeeping = v.product("bookkeeping")

    def picture(name: str) -> None:
        if store_kind == "sqlite":
            screenshot(page, f"{v.brand}-{v.language}-{name}")

    # Sign in as the office; Settings – Collaborations lists its customers with their numbers.
    v.sign_in("Anna Berg")
    expect(v.heading()).to_have_text(v.term("menu"))
    crafts = page.locator("details", has_text=CRAFTS_NAME)
    expect(crafts.locator("summary")).to_contain_text(
        v.text("page.customer.number", customer_number=CRAFTS_NUMBER)
    )
    expect(page.get_by_text(SOUTHS_CUSTOMER_NAME)).to_have_count(0)

    # Expanding the customer shows its active collaborations, each with its End link.
    end_link = crafts.get_by_role(
        "link", name=v.text("page.end.link_label", product=bookkeeping, customer=CRAFTS_NAME), exact=True
    )
    expect(end_link).to_be_hidden()
    crafts.locator("summary").click()
    expect(crafts.get_by_role("table")).to_contain_text(v.product("payroll"))
    expect(end_link).to_have_text(v.text("page.end.link"))
    picture("overview")
    end_link.click()

    # End: choose the outcome the product offers; the plan is blocked by the missing main contact.
    expect(v.heading()).to_have_text(v.text("page.end.title", product=bookkeeping))
    v.radio(sentence(v.text("outcome.customer_continues"))).check()
    v.button(v.text("page.end.show_plan")).click()
    plan_title = v.text("page.plan.title", product=bookkeeping, customer=CRAFTS_NAME)
    expect(v.heading()).to_have_text(plan_title)
    expect(page.locator(".verdict")).to_have_text(v.text("page.plan.verdict_blocked"))
    missing = v.text("R3", customer_number=CRAFTS_NUMBER)
    finding = v.section(v.text("page.plan.blockers")).locator(".finding", has_text=missing)
    expect(finding.locator("ol > li")).to_have_text(list(v.words.steps("R3.remedy")))
    picture("blocked-plan")

    # Ending anyway is refused: the error summary says why and has the keyboard's focus.
    v.button(v.text("page.plan.end_now")).click()
    summary = v.error_summary()
    expect(summary).to_contain_text(v.text("page.errors.title"))
    expect(summary.get_by_role("link", name=missing, exact=True)).to_be_visible()
    focused = v.focused()
    assert focused["role"] == "alert" and missing in focused["text"], focused
    assert page.title().startswith(v.text("page.errors.prefix"))

    # The remedy where the seed says: the users page, the pencil, Administrator, main contact.
    finding.get_by_role("link", name=v.text("page.plan.go_to_users"), exact=True).click()
    expect(v.heading()).to_have_text(v.term("users_page"))
    v.link(v.text("page.users.change_role", user=KIM)).click()
    expect(v.heading()).to_have_text(v.text("page.users.change_role", user=KIM))
    v.radio(v.term("administrator")).check()
    v.button(v.text("page.users.save_role")).click()
    expect(page.get_by_role("status")).to_have_text(v.text("page.done.role"))
    expect(page.get_by_role("row", name=KIM).get_by_role("cell").first).to_have_text(v.term("administrator"))
    v.section(v.text("page.users.main_contact_title")).get_by_role("radio", name=KIM, exact=True).check()
    v.button(v.text("page.users.save_main_contact")).click()
    expect(page.get_by_role("status")).to_have_text(v.text("page.done.main_contact"))
    expect(page.get_by_role("row", name=KIM)).to_contain_text(v.term("main_contact"))

    # Back to the plan: nothing blocks now; end with the company continuing.
    v.link(v.text("page.back")).click()
    expect(v.heading()).to_have_text(plan_title)
    expect(page.locator(".verdict")).not_to_have_text(v.text("page.plan.verdict_blocked"))
    expect(page.get_by_text(missing)).to_have_count(0)
    acknowledge(page)
    v.button(v.text("page.plan.end_now")).click()

    # The result: its consequences and its timeline.
    expect(v.heading()).to_have_text(v.text("page.result.ended", product=bookkeeping))
    continues = v.text("page.plan.outcome", outcome=v.text("outcome.customer_continues"))
    expect(page.get_by_role("main")).to_contain_text(continues)
    expect(v.section(v.text("page.plan.consequences")).get_by_role("listitem").first).to_be_visible()
    # The timeline is a part of the page under its own heading, which names it.
    timeline = page.get_by_role("region", name=v.text("page.plan.timeline"), exact=True).get_by_role("table")
    expect(timeline.get_by_role("row").nth(1)).to_be_visible()

    # The relay (the host's worker) carries the effects out: the operator's view settles.
    with another_profile(page, v.language) as operator_page:
        operator = Visit(v.host, operator_page, v.brand, v.language)
        operator.sign_in_as_operator()
        operator.wait_for_relay()
        carried = operator.section(operator.text("page.relay.carried_out"))
        expect(carried.get_by_role("row", name=CRAFTS_NAME).first).to_be_visible()
    assert v.host.sandbox.carried_out(CRAFTS), "the sandbox's integrations were called"

    # The audit trail shows the end.
    v.link(v.text("page.events.link")).click()
    expect(v.heading()).to_have_text(v.text("page.events.title", customer=CRAFTS_NAME))
    ended = v.text(
        "page.event.ended", product=bookkeeping, office=OFFICE, outcome=v.text("outcome.customer_continues")
    )
    expect(page.get_by_role("row").filter(has_text=ended)).to_have_count(1)

    # Then a deletion: Travel & Expenses, with all its data.
    expenses = v.product("expenses")
    v.link(v.text("page.back_to", what=CRAFTS_NAME)).click()
    v.link(v.text("page.end.link_label", product=expenses, customer=CRAFTS_NAME)).click()
    v.radio(sentence(v.text("outcome.delete"))).check()
    v.button(v.text("page.end.show_plan")).click()
    confirmation = page.get_by_role("group", name=v.text("page.plan.confirm_legend"), exact=True)
    confirm = confirmation.get_by_role(
        "checkbox",
        name=v.text("page.plan.confirm_delete", product=expenses, customer=CRAFTS_NAME),
        exact=True,
    )
    expect(confirm).not_to_be_checked()
    acknowledge(page)

    # Without the tick it is refused; the keyboard is on the error, whose link leads to the box.
    v.button(v.text("page.plan.end_now")).click()
    summary = v.error_summary()
    expect(summary).to_be_visible()
    assert v.focused()["role"] == "alert"
    expect(confirm).not_to_be_checked()
    picture("delete-confirmation")
    summary.get_by_role("link", name=v.text("page.plan.confirm_missing"), exact=True).click()
    expect(confirm).to_be_focused()

    # With it, the deletion goes through.
    page.keyboard.press("Space")
    expect(confirm).to_be_checked()
    v.button(v.text("page.plan.end_now")).click()
    expect(v.heading()).to_have_text(v.text("page.result.ended", product=expenses))
    expect(page.get_by_role("main")).to_contain_text(
        v.text("page.plan.outcome", outcome=v.text("outcome.delete"))
    )


def acknowledge(page: Page) -> None:
    """Tick whatever the plan asks to acknowledge (which findings do is the rules' business)."""
    for box in page.locator("fieldset.acknowledge").get_by_role("checkbox").all():
        box.check()


@pytest.mark.parametrize(
    ("store_kind", "words"),
    [
        pytest.param("sqlite", ("spiris", "en"), id="sqlite"),
        pytest.param("postgres", ("visma", "sv"), id="postgres", marks=pytest.mark.postgres),
    ],
)
def test_another_offices_customer_is_the_page_of_a_customer_that_does_not_exist(
    visit: Visit, page: Page
) -> None:
    v = visit
    v.sign_in("Anna Berg")
    expect(v.heading()).to_have_text(v.term("menu"))
    # customer-3 is office-2's; office-1 gets what an id nobody has gets, page for page.
    for path in ("/ui/customers/{}", "/ui/customers/{}/users", "/ui/customers/{}/events"):
        seen = []
        for customer_id in (SOUTHS_CUSTOMER, "customer-nobody"):
            status = v.goto(path.format(customer_id))
            main = page.get_by_role("main").inner_text().replace(customer_id, "<id>")
            seen.append((status, page.title(), main))
        assert seen[0] == seen[1], path
        assert seen[0][0] == 404, path
        assert SOUTHS_CUSTOMER_NAME not in seen[0][2]
