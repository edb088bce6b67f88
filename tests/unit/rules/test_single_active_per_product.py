"""single-active: a company has at most one active collaboration per product."""

from __future__ import annotations

from collabcore.policy import Operation
from collabcore.policy.rules.finality import one_active_per_product
from collabcore.testing.rules import a_collaboration, keys, rule_context


def test_single_active_a_second_one_for_the_same_product_is_refused() -> None:
    ctx = rule_context(operation=Operation.START, others=[a_collaboration("expenses")])
    assert keys(one_active_per_product, ctx) == ["single-active"]


def test_single_active_another_product_is_fine() -> None:
    ctx = rule_context(operation=Operation.START, others=[a_collaboration("payroll")])
    assert keys(one_active_per_product, ctx) == []
