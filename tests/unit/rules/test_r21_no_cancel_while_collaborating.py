"""R21: a company cannot cancel its subscription while a collaboration for it is active."""

from __future__ import annotations

from collabcore.domain import Actor
from collabcore.policy import Operation
from collabcore.policy.rules.billing import no_cancel_while_collaborating
from collabcore.testing import CUSTOMER_ADMIN
from collabcore.testing.rules import a_collaboration, keys, rule_context

BOSS = Actor.customer("customer-1", CUSTOMER_ADMIN)


def test_r21_an_active_collaboration_for_the_product_blocks_the_cancellation() -> None:
    ctx = rule_context(
        operation=Operation.CANCEL_SUBSCRIPTION, actor=BOSS, others=[a_collaboration("expenses")]
    )
    assert keys(no_cancel_while_collaborating, ctx) == ["R21"]


def test_r21_another_products_collaboration_does_not() -> None:
    ctx = rule_context(
        operation=Operation.CANCEL_SUBSCRIPTION, actor=BOSS, others=[a_collaboration("payroll")]
    )
    assert keys(no_cancel_while_collaborating, ctx) == []
