"""R6: the one who ends chooses what happens to the service; the plan says it in words."""

from __future__ import annotations

import pytest

from collabcore.domain import Outcome
from collabcore.policy import default_products
from collabcore.policy.rules.finality import outcome_chosen
from collabcore.testing.rules import declared_keys, keys, rule_context

OFFERED = [(p.key, o) for p in default_products() for o in p.outcomes]


@pytest.mark.parametrize(("product", "outcome"), OFFERED)
def test_r6_each_offered_outcome_is_named(product: str, outcome: Outcome) -> None:
    assert keys(outcome_chosen, rule_context(product=product, outcome=outcome)) == [f"R6.{outcome.value}"]


def test_r6_an_outcome_not_offered_is_r15s_business() -> None:
    assert keys(outcome_chosen, rule_context(product="expenses", outcome=Outcome.DEACTIVATE)) == []


def test_r6_every_declared_text_is_used() -> None:
    assert declared_keys(outcome_chosen) == {f"R6.{o.value}" for _, o in OFFERED}
