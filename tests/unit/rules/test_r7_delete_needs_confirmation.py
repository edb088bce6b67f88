"""R7: deleting erases all of the service's data, so it needs an explicit confirmation."""

from __future__ import annotations

from collabcore.domain import Outcome, Severity
from collabcore.policy.rules.finality import delete_needs_confirmation
from collabcore.testing.rules import keys, rule_context


def test_r7_a_delete_asks_for_confirmation() -> None:
    assert keys(delete_needs_confirmation, rule_context(outcome=Outcome.DELETE)) == ["R7"]
    assert delete_needs_confirmation.severity is Severity.NEEDS_ACKNOWLEDGEMENT
    assert delete_needs_confirmation.confirms_deletion, "only confirm_deletion=True acknowledges it"


def test_r7_nothing_erased_nothing_to_confirm() -> None:
    for product, outcome in [
        ("expenses", Outcome.CUSTOMER_CONTINUES),
        ("payroll", Outcome.END_SUBSCRIPTION),
        ("bookkeeping", Outcome.DEACTIVATE),
        ("payroll", Outcome.DELETE),  # not offered: R15 answers
    ]:
        assert keys(delete_needs_confirmation, rule_context(product=product, outcome=outcome)) == []
