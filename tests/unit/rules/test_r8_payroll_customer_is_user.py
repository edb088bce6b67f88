"""R8: before the backup file is handed over, the customer is a user in Payroll."""

from __future__ import annotations

from typing import assert_type

from collabcore.domain import Outcome
from collabcore.policy.rules.payroll import (
    CUSTOMER_IS_PAYROLL_USER,
    PAYROLL_SYNCHRONISED,
    payroll_customer_is_user,
)
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


def test_r8_reads_its_fact_with_its_type() -> None:
    facts = rule_context(facts={CUSTOMER_IS_PAYROLL_USER: True}).facts
    # Checked by mypy --strict as well as at run time: a Fact[bool] reads as bool | None.
    assert assert_type(facts.get(CUSTOMER_IS_PAYROLL_USER), bool | None) is True
    assert facts.get(PAYROLL_SYNCHRONISED) is None, "a fact nobody answered is unknown"
