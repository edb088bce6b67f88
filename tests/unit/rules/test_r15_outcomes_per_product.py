"""R15: what "after the end" can be depends on the product; another outcome is a clear error."""

from __future__ import annotations

from collabcore.domain import Outcome
from collabcore.policy import Words
from collabcore.policy.engine import Refusal
from collabcore.policy.rules.finality import outcomes_per_product
from collabcore.testing.rules import flags, keys, rule_context


def test_r15_an_outcome_the_product_does_not_offer_is_refused_with_the_ones_it_does() -> None:
    (flag,) = flags(outcomes_per_product, rule_context(product="expenses", outcome=Outcome.DEACTIVATE))
    assert flag.key == "R15"
    assert flag.params["offered"] == Words(("outcome.customer_continues", "outcome.delete"))
    assert outcomes_per_product.refusal is Refusal.OUTCOME_NOT_OFFERED


def test_r15_an_offered_outcome_passes() -> None:
    assert keys(outcomes_per_product, rule_context(product="bookkeeping", outcome=Outcome.DEACTIVATE)) == []
