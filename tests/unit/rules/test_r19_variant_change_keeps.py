"""R19: changing the variant never requires ending the collaboration."""

from __future__ import annotations

from collabcore.domain import Severity
from collabcore.policy import Operation
from collabcore.policy.rules.bookkeeping import variant_change_keeps
from collabcore.testing.rules import flags, keys, rule_context


def test_r19_a_variant_change_says_the_collaboration_goes_on() -> None:
    ctx = rule_context(operation=Operation.CHANGE_VARIANT, product="bookkeeping", variant="pro")
    (flag,) = flags(variant_change_keeps, ctx)
    assert (flag.key, flag.params["variant"]) == ("R19", "pro")
    assert variant_change_keeps.severity is Severity.INFO


def test_r19_is_about_variant_changes_only() -> None:
    assert keys(variant_change_keeps, rule_context(product="bookkeeping")) == []
