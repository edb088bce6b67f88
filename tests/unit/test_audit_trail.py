"""Reading a customer's audit trail: its own users, and the employees of an office that
collaborates with it; to anyone else the customer does not exist."""

from __future__ import annotations

import pytest

import collabcore as cc
from collabcore.testing import CUSTOMER_USER, OFFICE_CLERK, World


@pytest.fixture
def world() -> World:
    w = World()
    w.setup(cc.EXPENSES)
    w.office("office-2")
    w.customer("customer-2")
    return w


@pytest.mark.parametrize(
    "actor",
    [
        cc.Actor.customer("customer-1", "boss"),
        cc.Actor.customer("customer-1", CUSTOMER_USER),
        cc.Actor.office("office-1", "admin"),
        cc.Actor.office("office-1", OFFICE_CLERK),
    ],
    ids=["customer admin", "customer user", "office admin", "office clerk"],
)
def test_the_parties_read_the_trail(world: World, actor: cc.Actor) -> None:
    trail = world.service.events_of_customer("customer-1", actor=actor)
    assert trail == world.service.events_of_customer("customer-1")
    assert [type(e).__name__ for e in trail] == ["CollaborationStarted"]


@pytest.mark.parametrize(
    "actor",
    [cc.Actor.office("office-2", "admin"), cc.Actor.customer("customer-2", "boss")],
    ids=["another office", "another customer"],
)
def test_to_others_the_customer_looks_missing(world: World, actor: cc.Actor) -> None:
    with pytest.raises(cc.NotFound) as foreign:
        world.service.events_of_customer("customer-1", actor=actor)
    with pytest.raises(cc.NotFound) as missing:
        world.service.events_of_customer("no-such-customer", actor=actor)
    assert str(foreign.value) == str(missing.value).replace("no-such-customer", "customer-1")


def test_a_stranger_in_the_right_company_is_refused(world: World) -> None:
    with pytest.raises(cc.NotAuthorized):
        world.service.events_of_customer("customer-1", actor=cc.Actor.customer("customer-1", "nobody"))
    with pytest.raises(cc.NotAuthorized):
        world.service.events_of_customer("customer-1", actor=cc.Actor.office("office-1", "nobody"))
