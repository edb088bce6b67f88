"""R14: on the office's side only full user rights and the Administrator role may act."""

from __future__ import annotations

import pytest

from collabcore.domain import Actor
from collabcore.policy import Operation
from collabcore.policy.authorization import office_rights
from collabcore.testing import OFFICE_ADMIN, OFFICE_CLERK, OFFICE_JUNIOR_ADMIN
from collabcore.testing.rules import declared_keys, keys, rule_context


def r14(user: str, operation: Operation = Operation.END) -> list[str]:
    return keys(office_rights, rule_context(actor=Actor.office("office-1", user), operation=operation))


@pytest.mark.parametrize("operation", [Operation.END, Operation.START, Operation.CHANGE_VARIANT])
def test_r14_a_full_rights_administrator_may_act(operation: Operation) -> None:
    assert r14(OFFICE_ADMIN, operation) == []


@pytest.mark.parametrize("user", [OFFICE_CLERK, OFFICE_JUNIOR_ADMIN])
def test_r14_both_rights_are_needed(user: str) -> None:
    assert r14(user) == ["R14.no_rights"]


def test_r14_a_stranger_is_not_a_member() -> None:
    assert r14("nobody") == ["R14.not_member"]


def test_r14_leaves_the_customer_side_to_r1() -> None:
    assert keys(office_rights, rule_context(actor=Actor.customer("customer-1", "nobody"))) == []


def test_r14_every_declared_text_is_used() -> None:
    assert declared_keys(office_rights) == {r14(OFFICE_CLERK)[0], r14("nobody")[0]}
