"""R22: before Travel & Expenses data is deleted, the company is offered an export."""

from __future__ import annotations

from collabcore.domain import EffectKind, Outcome
from collabcore.policy import default_products
from collabcore.policy.rules.expenses import export_before_delete
from collabcore.testing.rules import keys, rule_context


def test_r22_a_delete_offers_the_export_first() -> None:
    assert keys(export_before_delete, rule_context(outcome=Outcome.DELETE)) == ["R22"]
    effects = default_products().get("expenses").effects_of(Outcome.DELETE)
    assert effects.index(EffectKind.EXPORT_REPORTS) < effects.index(EffectKind.ERASE_SERVICE_DATA)


def test_r22_continuing_deletes_nothing() -> None:
    assert keys(export_before_delete, rule_context(outcome=Outcome.CUSTOMER_CONTINUES)) == []
