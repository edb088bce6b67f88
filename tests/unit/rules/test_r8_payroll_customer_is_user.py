"""R8: before the backup file is handed over, the customer is a user in Payroll."""

from __future__ import annotations

from collabcore.domain import Outcome
from collabcore.policy.rules.payroll import CUSTOMER_IS_PAYROLL_USER, payroll_customer_is_user
from collabcore.testing.rules import declared_keys, keys, rule_context

CONTINUES = Outcome.CUSTOMER_CONTINUES


def r8(value: bool | None, outcome: Outcome = CONTINUES, product: str = "payroll") -> list[str]:
    facts = {} if value is None else {CUSTOMER_IS_PAYROLL_USER: value}
    return keys(payroll_customer_is_user, rule_context(product=product, outcome=outcome, facts=facts))


def test_r8_not_a_payroll_user_blocks_the_handover() -> None:
    assert r8(False) == ["R8"]


def test_r8_unknown_blocks_too() -> None:
    assert r8(None) == ["R8.unknown"]
    assert payroll_customer_is_user.reads == {CUSTOMER_IS_PAYROLL_USER}, "the integrations are asked"


def test_r8_only_when_the_company_continues_with_payroll() -> None:
    assert r8(True) == []
    assert r8(False, Outcome.END_SUBSCRIPTION) == []
    assert r8(False, CONTINUES, "expenses") == []


def test_r8_every_declared_text_is_used() -> None:
    assert declared_keys(payroll_customer_is_user) == {*r8(False), *r8(None)}
