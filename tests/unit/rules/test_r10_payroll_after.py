"""R10: after a payroll end the company goes on through the payroll program or a new collaboration."""

from __future__ import annotations

from collabcore.domain import Outcome, Severity
from collabcore.policy.rules.payroll import payroll_after
from collabcore.testing.rules import keys, rule_context


def test_r10_payroll_always_says_what_comes_after() -> None:
    for outcome in (Outcome.CUSTOMER_CONTINUES, Outcome.END_SUBSCRIPTION):
        assert keys(payroll_after, rule_context(product="payroll", outcome=outcome)) == ["R10"]
    assert payroll_after.severity is Severity.INFO


def test_r10_is_payrolls_only() -> None:
    assert keys(payroll_after, rule_context(product="expenses")) == []
