"""R1: the customer's side may end through an Administrator of the company, by stored role."""

from __future__ import annotations

import pytest

from collabcore.domain import Actor, Role
from collabcore.policy import Operation
from collabcore.policy.authorization import who_may_end
from collabcore.testing import CUSTOMER_ADMIN, CUSTOMER_USER
from collabcore.testing.rules import a_customer, declared_keys, keys, rule_context

SEEN: set[str] = set()


def r1(ctx_actor: Actor, operation: Operation = Operation.END) -> list[str]:
    found = keys(who_may_end, rule_context(actor=ctx_actor, operation=operation, product="bookkeeping"))
    SEEN.update(found)
    return found


def test_r1_the_customers_administrator_may_end() -> None:
    assert r1(Actor.customer("customer-1", CUSTOMER_ADMIN)) == []


def test_r1_a_plain_user_of_the_customer_may_not() -> None:
    assert r1(Actor.customer("customer-1", CUSTOMER_USER)) == ["R1.not_admin"]


def test_r1_a_stranger_to_the_customer_may_not() -> None:
    assert r1(Actor.customer("customer-1", "nobody")) == ["R1.not_member"]


def test_r1_the_role_is_the_stored_one() -> None:
    promoted = a_customer().with_role(CUSTOMER_USER, Role.ADMINISTRATOR)
    ctx = rule_context(actor=Actor.customer("customer-1", CUSTOMER_USER), customer=promoted)
    assert keys(who_may_end, ctx) == []


@pytest.mark.parametrize("operation", [Operation.END, Operation.START, Operation.CHANGE_VARIANT])
def test_r1_leaves_the_office_side_to_r14(operation: Operation) -> None:
    assert r1(Actor.office("office-1", "anyone"), operation) == []


def test_r1_an_office_never_cancels_the_companys_subscription() -> None:
    assert r1(Actor.office("office-1", "admin"), Operation.CANCEL_SUBSCRIPTION) == ["R1.not_member"]


def test_r1_every_declared_text_is_used() -> None:
    for user in (CUSTOMER_USER, "nobody"):
        r1(Actor.customer("customer-1", user))
    assert declared_keys(who_may_end) == SEEN
