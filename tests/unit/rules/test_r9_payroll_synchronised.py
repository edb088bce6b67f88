"""R9: before the handover, the payroll data is synchronised."""

from __future__ import annotations

from collabcore.domain import Outcome
from collabcore.policy.rules.payroll import PAYROLL_SYNCHRONISED, payroll_synchronised
from collabcore.testing.rules import declared_keys, keys, rule_context

CONTINUES = Outcome.CUSTOMER_CONTINUES


def r9(value: bool | None, outcome: Outcome = CONTINUES, product: str = "payroll") -> list[str]:
    facts = {} if value is None else {PAYROLL_SYNCHRONISED: value}
    return keys(payroll_synchronised, rule_context(product=product, outcome=outcome, facts=facts))


def test_r9_unsynchronised_data_blocks_the_handover() -> None:
    assert r9(False) == ["R9"]


def test_r9_unknown_blocks_too() -> None:
    assert r9(None) == ["R9.unknown"]
    assert payroll_synchronised.reads == {PAYROLL_SYNCHRONISED}, "the integrations are asked"


def test_r9_only_when_the_company_continues_with_payroll() -> None:
    assert r9(True) == []
    assert r9(False, Outcome.END_SUBSCRIPTION) == []
    assert r9(False, CONTINUES, "expenses") == []


def test_r9_every_declared_text_is_used() -> None:
    assert declared_keys(payroll_synchronised) == {*r9(False), *r9(None)}
