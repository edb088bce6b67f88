"""Hypothesis properties for the general rules: R1/R14, R2, R5, R7 and round-trips."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import collabcore as cc
from collabcore.adapters.serialization import from_data, from_json, to_data, to_json
from collabcore.domain import Event
from collabcore.testing import World
from collabcore.testing import strategies as cs
from collabcore.testing.strategies import OUTCOMES

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def populated(draw: st.DrawFn) -> tuple[World, list[cc.Collaboration]]:
    """Two offices, several customers, a random set of collaborations."""
    world = World()
    world.office("office-1")
    world.office("office-2")
    collabs = []
    for n in range(draw(st.integers(1, 4))):
        world.customer(f"c{n}")
        for product in draw(st.sets(cs.products, min_size=1)):
            office = draw(st.sampled_from(["office-1", "office-2"]))
            collabs.append(world.collaboration(product, office_id=office, customer_id=f"c{n}"))
    return world, collabs


def everything(world: World, collabs: list[cc.Collaboration]) -> dict[str, Any]:
    with world.store.transaction(write=False) as uow:
        customers = {c.customer_id for c in collabs}
        return {
            "collaborations": {c.id: uow.get_collaboration(c.id) for c in collabs},
            "customers": {c: uow.get_customer(c) for c in customers},
            "subscriptions": {
                (c.customer_id, c.product): uow.get_subscription(c.customer_id, c.product) for c in collabs
            },
        }


@SETTINGS
@given(populated(), st.data())
def test_r2_ending_one_collaboration_changes_no_other(
    scenario: tuple[World, list[cc.Collaboration]], data: st.DataObject
) -> None:
    world, collabs = scenario
    target = data.draw(st.sampled_from(collabs))
    outcome = data.draw(st.sampled_from(OUTCOMES[target.product]))
    before = everything(world, collabs)
    result = world.service.end(
        target.id, actor=world.office_admin(target.office_id), outcome=outcome, confirm_deletion=True
    )
    world.relay().drain()
    after = everything(world, collabs)
    for c in collabs:
        if c.id != target.id:
            assert after["collaborations"][c.id] == before["collaborations"][c.id]
            if (c.customer_id, c.product) != (target.customer_id, target.product):
                assert (
                    after["subscriptions"][(c.customer_id, c.product)]
                    == before["subscriptions"][(c.customer_id, c.product)]
                )
    assert after["customers"] == before["customers"]
    assert {(e.collaboration_id, e.customer_id, e.product) for e in result.effects} == {
        (target.id, target.customer_id, target.product)
    }


@SETTINGS
@given(populated(), st.data())
def test_r7_deleting_erases_exactly_that_companys_service(
    scenario: tuple[World, list[cc.Collaboration]], data: st.DataObject
) -> None:
    world, collabs = scenario
    ended = data.draw(st.lists(st.sampled_from(collabs), unique_by=lambda c: c.id, min_size=1))
    expected = []
    for collab in ended:
        outcome = data.draw(st.sampled_from(OUTCOMES[collab.product]))
        world.service.end(
            collab.id, actor=world.office_admin(collab.office_id), outcome=outcome, confirm_deletion=True
        )
        if outcome is cc.Outcome.DELETE:
            expected.append((collab.customer_id, collab.product))
    world.relay().drain()
    assert sorted(world.fakes.erased) == sorted(expected)


@SETTINGS
@given(populated(), st.data())
def test_r5_an_ended_collaboration_never_becomes_active(
    scenario: tuple[World, list[cc.Collaboration]], data: st.DataObject
) -> None:
    world, collabs = scenario
    target = data.draw(st.sampled_from(collabs))
    world.service.end(
        target.id, actor=world.customer_admin(target.customer_id), outcome=cc.Outcome.CUSTOMER_CONTINUES
    )
    for _ in range(data.draw(st.integers(1, 5))):
        actor = data.draw(
            st.sampled_from([world.office_admin(target.office_id), world.customer_admin(target.customer_id)])
        )
        variant = {cc.BOOKKEEPING: "pro", cc.PAYROLL: "start"}.get(target.product)
        attempt = data.draw(st.sampled_from(["end", "variant"]))
        with pytest.raises(cc.AlreadyEnded):
            if attempt == "end" or variant is None:
                world.service.end(
                    target.id,
                    actor=actor,
                    outcome=data.draw(st.sampled_from(list(cc.Outcome))),
                    confirm_deletion=True,
                    acknowledge={"R11", "R12", "R16"},
                )
            else:
                world.service.change_variant(target.id, actor=actor, variant=variant)
    with world.store.transaction(write=False) as uow:
        stored = uow.get_collaboration(target.id)
    assert stored is not None and stored.status is cc.Status.ENDED and stored.version == 1


@SETTINGS
@given(
    office_user=cs.office_users,
    customer_user=cs.customer_users,
    acts_for=st.sampled_from(["office", "customer", "unknown-office-user", "unknown-customer-user"]),
)
def test_r1_r14_authorization_comes_from_stored_roles_only(
    office_user: cc.OfficeUser, customer_user: cc.CustomerUser, acts_for: str
) -> None:
    world = World()
    world.service.register_office(cc.AccountingOffice("o", "Office", (office_user,)))
    world.service.register_customer(
        cc.Customer(
            "c",
            "1",
            "Company",
            (customer_user, cc.CustomerUser("mc-" + customer_user.id, "Main", cc.Role.ADMINISTRATOR)),
            main_contact="mc-" + customer_user.id,
        )
    )
    collab = world.service.start_collaboration(
        actor=cc.Actor.customer("c", "mc-" + customer_user.id),
        office_id="o",
        customer_id="c",
        product=cc.BOOKKEEPING,
    )
    actor, allowed = {
        "office": (cc.Actor.office("o", office_user.id), office_user.may_manage_collaborations),
        "customer": (cc.Actor.customer("c", customer_user.id), customer_user.role is cc.Role.ADMINISTRATOR),
        "unknown-office-user": (cc.Actor.office("o", "zz-unknown"), False),
        "unknown-customer-user": (cc.Actor.customer("c", "zz-unknown"), False),
    }[acts_for]
    plan = world.service.plan_end(collab.id, actor=actor, outcome=cc.Outcome.DEACTIVATE)
    assert plan.allowed == allowed
    if allowed:
        assert (
            world.service.end(collab.id, actor=actor, outcome=cc.Outcome.DEACTIVATE).collaboration.ended_by
            == actor
        )
    else:
        with pytest.raises(cc.NotAuthorized):
            world.service.end(collab.id, actor=actor, outcome=cc.Outcome.DEACTIVATE)
        with world.store.transaction(write=False) as uow:
            stored = uow.get_collaboration(collab.id)
        assert stored is not None and stored.is_active


ROUND_TRIPS: list[tuple[Any, Any]] = [
    (cs.offices, cc.AccountingOffice),
    (cs.customers(), cc.Customer),
    (cs.collaborations(), cc.Collaboration),
    (cs.subscriptions, cc.Subscription),
    (cs.actors, cc.Actor),
    (cs.events, Event),
    (cs.effects, cc.Effect),
]


@pytest.mark.parametrize(("strategy", "kind"), ROUND_TRIPS, ids=lambda v: getattr(v, "__name__", ""))
def test_serialization_round_trips(strategy: Any, kind: Any) -> None:
    @SETTINGS
    @given(strategy)
    def round_trip(value: Any) -> None:
        assert from_data(to_data(value, kind), kind) == value
        assert from_json(to_json(value, kind), kind) == value

    round_trip()
