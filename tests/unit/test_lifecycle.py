"""The lifecycle's details that the store contract does not reach: the timeline's dates,
linked apps, a mid-month schedule's billing, notices in each party's language, and an
Integrations without the lifecycle port."""

from __future__ import annotations

from datetime import date, timedelta

import attrs
import pytest

import collabcore as cc
from collabcore.domain import CollaborationEnded, EffectKind, LifecycleRequest, RequestKind, RequestStatus
from collabcore.domain.billing import month_end, next_day
from collabcore.testing import World


def test_a_plan_on_a_later_day_is_paid_to_that_months_end_and_says_when() -> None:
    world = World()
    (collab,) = world.setup(cc.PAYROLL)
    day = date(2027, 2, 10)
    plan = world.service.plan_end(
        collab.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES, effective=day
    )
    assert plan.effective_on == day
    assert plan.consequences is not None and plan.consequences.paid_until == date(2027, 2, 28)
    steps = [(s.on, s.key) for s in plan.timeline]
    assert steps[0] == (world.clock.now.date(), "timeline.scheduled")
    assert (day, "timeline.ends") in steps
    assert (date(2027, 2, 28), "timeline.paid_until") in steps
    assert (date(2027, 3, 1), "timeline.next_payer") in steps
    assert [on for on, _ in steps] == sorted(on for on, _ in steps), "in date order"
    now = world.service.plan_end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES)
    assert now.effective_on is None and "timeline.scheduled" not in [s.key for s in now.timeline]


def test_a_plan_refuses_a_datetime_for_a_day() -> None:
    world = World()
    (collab,) = world.setup(cc.PAYROLL)
    with pytest.raises(cc.InvalidInput, match=r"datetime\.date"):
        world.service.plan_end(
            collab.id,
            actor=world.office_admin(),
            outcome=cc.Outcome.END_SUBSCRIPTION,
            effective=world.clock.now,
        )


def test_linked_apps_lose_their_access_first_through_the_integration() -> None:
    world = World()
    (collab,) = world.setup(cc.BOOKKEEPING)
    world.fakes.set_facts("customer-1", linked_services=("Scanner", "Overview"))
    result = world.service.end(
        collab.id, actor=world.customer_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES, acknowledge={"R16"}
    )
    assert result.effects[0].kind is EffectKind.REVOKE_LINKED_SERVICES
    world.relay().drain()
    assert ("revoke_linked_services", result.effects[0].key) in world.fakes.calls


def test_without_linked_apps_nothing_extra_is_revoked() -> None:
    world = World()
    (collab,) = world.setup(cc.BOOKKEEPING)
    result = world.service.end(collab.id, actor=world.customer_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES)
    assert EffectKind.REVOKE_LINKED_SERVICES not in {e.kind for e in result.effects}


@pytest.mark.parametrize(
    ("brand", "language"), [("visma", "en"), ("visma", "sv"), ("spiris", "en"), ("spiris", "sv")]
)
def test_the_new_office_hears_of_a_move_in_its_own_language(brand: str, language: str) -> None:
    world = World(brand=brand)
    world.setup(cc.PAYROLL)
    world.office("office-2", language=language)
    world.service.move(
        "customer-1", actor=world.customer_admin(), from_office_id="office-1", to_office_id="office-2"
    )
    world.relay().drain()
    (note,) = [n for n in world.fakes.notifications if n.party_id == "office-2"]
    assert (note.brand, note.language) == (brand, language)
    product = cc.default_texts().localizer(brand, language).product(cc.PAYROLL)
    assert product in note.subject and "{" not in " ".join(note.lines)


def test_an_end_on_the_last_day_of_the_month_is_carried_out_that_day() -> None:
    world = World()
    (collab,) = world.setup(cc.EXPENSES)
    scheduled = world.service.schedule_end(
        collab.id, actor=world.customer_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES
    )
    last = month_end(world.clock.now.date())
    assert scheduled.request.effective_on == last
    world.clock.advance(timedelta(days=(last - world.clock.now.date()).days))
    assert world.service.carry_out_due().carried_out == 1
    subscription = world.service.get_subscription("customer-1", cc.EXPENSES)
    assert subscription is not None and subscription.payer is cc.Party.CUSTOMER
    ended = next(
        e for e in world.service.events_of_customer("customer-1") if isinstance(e, CollaborationEnded)
    )
    assert ended.occurred_at.date() == last
    assert next_day(last).day == 1, "nobody pays twice: the company pays from the first of next month"


def test_a_service_without_the_lifecycle_port_leaves_a_move_visible_in_the_relay() -> None:
    world = World()
    world.setup(cc.EXPENSES)
    world.office("office-2")
    plain = cc.CollaborationService(
        world.store, integrations=attrs.evolve(world.fakes.integrations(), lifecycle=None), clock=world.clock
    )
    plain.move("customer-1", actor=world.customer_admin(), from_office_id="office-1", to_office_id="office-2")
    plain.relay(cc.RetryPolicy(max_attempts=1)).drain()
    failed = {i.effect.kind for i in plain.relay().failed()}
    assert EffectKind.GRANT_OFFICE_ACCESS in failed and EffectKind.CHANGE_PAYER in failed


def test_requests_are_listed_for_their_own_party_only() -> None:
    world = World()
    world.setup(cc.PAYROLL)
    world.office("office-2")
    world.customer("customer-2")
    world.service.invite(
        actor=world.customer_admin(), office_id="office-2", customer_id="customer-1", product=cc.EXPENSES
    )
    (mine,) = world.service.requests(actor=world.office_admin("office-2"))
    assert mine.kind is RequestKind.INVITATION
    assert world.service.requests(actor=world.customer_admin("customer-2")) == ()
    assert world.service.requests(actor=world.office_admin()) == ()
    with pytest.raises(cc.NotFound):
        world.service.requests(actor=cc.Actor.customer("customer-9", "boss"))


def test_the_overview_says_until_when_in_words() -> None:
    from collabcore.tools.display import overview_note

    loc = cc.default_texts().localizer("visma", "en")
    at = World().clock.now
    base = LifecycleRequest(
        "r", RequestKind.READ_ONLY_ACCESS, RequestStatus.SCHEDULED, "o", "c", cc.BOOKKEEPING, None, at
    )
    assert overview_note(base, loc) == "read-only while other collaborations last"
    graced = attrs.evolve(base, effective_on=date(2027, 1, 30))
    assert overview_note(graced, loc) == "read-only until 2027-01-30"
    ending = attrs.evolve(graced, kind=RequestKind.SCHEDULED_END)
    assert overview_note(ending, loc) == "ends on 2027-01-30"
    waiting = attrs.evolve(
        ending, status=RequestStatus.AWAITING_ACCEPTANCE, expires_at=at + timedelta(days=7)
    )
    assert overview_note(waiting, loc) == f"awaits acceptance until {(at + timedelta(days=7)).date()}"


def test_a_late_due_run_bills_to_the_scheduled_days_month_not_its_own() -> None:
    world = World()
    (collab,) = world.setup(cc.PAYROLL)
    last = month_end(world.clock.now.date())
    world.service.schedule_end(collab.id, actor=world.customer_admin(), outcome=cc.Outcome.END_SUBSCRIPTION)
    world.clock.advance(timedelta(days=(last - world.clock.now.date()).days + 3))  # the scheduler was down
    assert world.service.carry_out_due().carried_out == 1
    subscription = world.service.get_subscription("customer-1", cc.PAYROLL)
    assert subscription is not None and subscription.paid_until == last, "nobody pays for a month twice"


def test_an_office_that_starts_again_keeps_its_new_access_when_the_grace_period_ends() -> None:
    products = cc.default_products()
    graced = products.replace(attrs.evolve(products.get(cc.BOOKKEEPING), read_only_for=timedelta(days=30)))
    world = World()
    world.service = cc.CollaborationService(
        world.store, integrations=world.fakes.integrations(), products=graced, clock=world.clock
    )
    (book,) = world.setup(cc.BOOKKEEPING)
    world.service.end(book.id, actor=world.customer_admin(), outcome=cc.Outcome.DEACTIVATE)
    (access,) = world.service.requests(actor=world.office_admin())
    world.collaboration(cc.BOOKKEEPING)  # the company brings the office back
    assert world.service.get_request(access.id, actor=world.office_admin()).status is RequestStatus.SUPERSEDED
    world.clock.advance(timedelta(days=31))
    assert world.service.carry_out_due().revoked == 0, "its new access is not revoked"
