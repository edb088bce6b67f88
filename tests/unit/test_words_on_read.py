"""A plan's words are rendered when read, never when nobody reads them; and the public
authorization decision agrees with the rules the planner applies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import collabcore as cc
from collabcore.adapters.serialization import to_data
from collabcore.domain import NotFound
from collabcore.domain.deferred import Deferred, later, unrendered
from collabcore.policy import end_denial, may_end
from collabcore.testing import World
from collabcore.wording.texts import Localizer


class Renders:
    count = 0


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Renders]]:
    """Counts every sentence and list of steps any localizer renders."""
    text, steps = Localizer.text, Localizer.steps

    def counted_text(self: Localizer, key: str, /, **params: Any) -> str:
        Renders.count += 1
        return text(self, key, **params)

    def counted_steps(self: Localizer, key: str, /, **params: Any) -> tuple[str, ...]:
        Renders.count += 1
        return steps(self, key, **params)

    monkeypatch.setattr(Localizer, "text", counted_text)
    monkeypatch.setattr(Localizer, "steps", counted_steps)
    Renders.count = 0
    yield Renders


def _world() -> tuple[World, cc.Collaboration]:
    world = World()
    (collab,) = world.setup(cc.EXPENSES)
    world.fakes.set_facts("customer-1", unsubmitted_reports=1)
    return world, collab


def test_an_end_that_goes_ahead_renders_no_words(renders: type[Renders]) -> None:
    world, collab = _world()
    world.fakes.set_facts("customer-1", unsubmitted_reports=0)
    renders.count = 0
    world.service.end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES)
    assert renders.count == 0


def test_a_bulk_end_renders_no_words(renders: type[Renders]) -> None:
    world = World()
    world.office()
    for n in range(5):
        world.customer(f"c{n}")
        world.collaboration(cc.EXPENSES, customer_id=f"c{n}")
    renders.count = 0
    items = list(
        world.service.end_all_of_office(
            "office-1", actor=world.office_admin(), outcomes={cc.EXPENSES: cc.Outcome.CUSTOMER_CONTINUES}
        )
    )
    assert len(items) == 5
    assert renders.count == 0


def test_a_plans_words_render_on_first_read_once_and_as_before(renders: type[Renders]) -> None:
    world, collab = _world()
    renders.count = 0
    plan = world.service.plan_end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.DELETE)
    assert renders.count == 0 and len(plan.findings) >= 3
    message = plan.findings[0].message
    assert isinstance(message, str) and message[:1].isupper()
    first = renders.count
    assert first > 0
    assert plan.findings[0].message is message  # kept: read again, rendered once
    assert renders.count == first
    data = to_data(plan)  # every word, as a host serializes it
    assert all(isinstance(f["message"], str) and f["message"] for f in data["findings"])
    assert data["consequences"]["lines"] and data["timeline"] and data["effect_descriptions"]
    assert not any(isinstance(v, Deferred) for v in _leaves(data))
    # The same plan, planned again and read in another order, is the same value.
    again = cc.CollaborationService(
        world.store, integrations=world.fakes.integrations(), clock=world.clock, plan_memo_size=0
    ).plan_end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.DELETE)
    assert again.timeline == plan.timeline
    assert again.at(plan.planned_at) == plan and hash(again.findings) == hash(plan.findings)
    assert repr(again.at(plan.planned_at)) == repr(plan)


def test_a_remembered_plan_is_handed_out_unrendered(renders: type[Renders]) -> None:
    world, collab = _world()
    plan = world.service.plan_end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.DELETE)
    renders.count = 0
    again = world.service.plan_end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.DELETE)
    assert renders.count == 0
    assert again.findings == plan.findings and again.planned_at > plan.planned_at


def test_a_refusal_says_every_finding_in_words_when_read(renders: type[Renders]) -> None:
    world, collab = _world()
    with pytest.raises(cc.OperationRefused) as refused:
        world.service.end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.DELETE)
    assert renders.count == 0  # the error names the codes; the words wait for a reader
    findings = refused.value.findings
    assert findings and all(isinstance(f.message, str) and f.message for f in findings)
    assert any(f.remedy for f in findings)
    assert renders.count > 0


def test_unrendered_copies_keep_words_deferred_and_refuse_unknown_fields() -> None:
    world, collab = _world()
    plan = world.service.plan_end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.DELETE)
    copy = unrendered(plan, deletion_confirmed=True)
    assert copy.deletion_confirmed and copy.findings == plan.findings
    with pytest.raises(TypeError, match="no field"):
        unrendered(plan, nonsense=1)
    assert later(lambda: 1).value() == 1  # type: ignore[attr-defined]


def test_copies_of_a_remembered_plan_render_once_between_them_and_pickle_as_values(
    renders: type[Renders],
) -> None:
    world, collab = _world()
    plan = world.service.plan_end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.DELETE)
    first, second = plan.at(world.clock()), plan.at(world.clock())
    renders.count = 0
    assert first.findings[0].message == second.findings[0].message
    assert first.consequences is not None and second.consequences is not None
    assert first.consequences.lines == second.consequences.lines
    assert first.timeline and first.effect_descriptions
    once = renders.count
    assert second.timeline == first.timeline and second.effect_descriptions == first.effect_descriptions
    assert renders.count == once, "the second copy took the first's words"
    import pickle

    assert pickle.loads(pickle.dumps(plan)) == plan


def _leaves(data: Any) -> Iterator[Any]:
    if isinstance(data, dict):
        for v in data.values():
            yield from _leaves(v)
    elif isinstance(data, list):
        for v in data:
            yield from _leaves(v)
    else:
        yield data


# --- may_end: the public R1/R14 decision ------------------------------------------------

OFFICE_USERS = st.lists(
    st.tuples(st.sampled_from(("u1", "u2", "u3")), st.sampled_from(cc.Role), st.booleans()),
    max_size=3,
    unique_by=lambda u: u[0],
)
CUSTOMER_USERS = st.lists(
    st.tuples(st.sampled_from(("b1", "b2")), st.sampled_from(cc.Role)), max_size=2, unique_by=lambda u: u[0]
)
ACTORS = st.one_of(
    st.builds(
        cc.Actor.office, st.sampled_from(("office-1", "office-2")), st.sampled_from(("u1", "u2", "u3"))
    ),
    st.builds(
        cc.Actor.customer, st.sampled_from(("customer-1", "customer-2")), st.sampled_from(("b1", "b2", "u1"))
    ),
)


@settings(max_examples=150, deadline=None)
@given(OFFICE_USERS, CUSTOMER_USERS, ACTORS)
def test_may_end_agrees_with_the_rules_of_who_may_end(
    office_users: list[tuple[str, cc.Role, bool]], customer_users: list[tuple[str, cc.Role]], actor: cc.Actor
) -> None:
    world = World()
    office = world.service.register_office(
        cc.AccountingOffice("office-1", "O", tuple(cc.OfficeUser(i, i, r, f) for i, r, f in office_users))
    )
    world.service.register_office(cc.AccountingOffice("office-2", "O2"))
    customer = world.service.register_customer(
        cc.Customer("customer-1", "1", "C", tuple(cc.CustomerUser(i, i, r) for i, r in customer_users))
    )
    collab = world.service.register_collaboration(
        office_id="office-1", customer_id="customer-1", product=cc.BOOKKEEPING
    )
    decided = may_end(actor, collab, office=office, customer=customer)
    try:
        plan = world.service.plan_end(collab.id, actor=actor, outcome=cc.Outcome.DEACTIVATE)
    except NotFound:
        assert not decided
        denial = end_denial(actor, collab, office=office, customer=customer)
        assert denial is not None and denial.hidden
        return
    assert decided == (not {"R1", "R14"} & set(plan.codes))
