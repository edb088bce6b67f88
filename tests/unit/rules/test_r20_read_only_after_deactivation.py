"""R20: deactivated, the company keeps read-only access, and so does the office while it has
other active collaborations with the company."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import attrs
import pytest

from collabcore.domain import Outcome
from collabcore.domain.errors import ConfigurationError
from collabcore.policy import RuleContext
from collabcore.policy.products import ProductCatalog, default_products
from collabcore.policy.rules.bookkeeping import (
    office_keeps_read_access,
    read_only_after_deactivation,
    read_only_until,
)
from collabcore.testing.rules import a_collaboration, declared_keys, keys, rule_context


def book(**options: Any) -> RuleContext:
    return rule_context(product="bookkeeping", outcome=Outcome.DEACTIVATE, **options)


def test_r20_the_office_keeps_read_access_while_it_has_other_collaborations() -> None:
    ctx = book(others=[a_collaboration("payroll", collaboration_id="collab-2")])
    assert keys(read_only_after_deactivation, ctx) == ["R20.office_keeps"]
    assert office_keeps_read_access(ctx), "and the planner restricts instead of revoking"


def test_r20_another_offices_collaboration_does_not_count() -> None:
    theirs = a_collaboration("payroll", collaboration_id="collab-2", office_id="office-2")
    ctx = book(others=[theirs])
    assert keys(read_only_after_deactivation, ctx) == ["R20.office_loses"]
    assert not office_keeps_read_access(ctx)


def test_r20_only_on_deactivation() -> None:
    ctx = rule_context(
        product="bookkeeping", outcome=Outcome.CUSTOMER_CONTINUES, others=[a_collaboration("payroll")]
    )
    assert keys(read_only_after_deactivation, ctx) == []
    assert not office_keeps_read_access(ctx), "continuing on its own: the office loses all access at once"


def test_r20_every_declared_text_is_used() -> None:
    keeps = book(others=[a_collaboration("payroll", collaboration_id="collab-2")])
    used = {
        *keys(read_only_after_deactivation, keeps),
        *keys(read_only_after_deactivation, book()),
        *keys(read_only_after_deactivation, book(products=_with_grace(30))),
    }
    assert declared_keys(read_only_after_deactivation) == used


def _with_grace(days: int) -> ProductCatalog:
    products = default_products()
    spec = attrs.evolve(products.get("bookkeeping"), read_only_for=timedelta(days=days))
    return products.replace(spec)


def test_r20_a_grace_period_keeps_read_access_for_exactly_that_long() -> None:
    ctx = book(products=_with_grace(30))
    assert keys(read_only_after_deactivation, ctx) == ["R20.grace"]
    assert office_keeps_read_access(ctx), "with a grace period the office keeps read access alone too"
    assert read_only_until(ctx) == ctx.today + timedelta(days=30)


def test_r20_the_grace_period_counts_from_the_day_the_end_takes_effect() -> None:
    later = date(2026, 12, 31)
    ctx = book(products=_with_grace(30), today=later)
    assert read_only_until(ctx) == date(2027, 1, 30)


def test_r20_the_grace_text_is_declared() -> None:
    assert "R20.grace" in declared_keys(read_only_after_deactivation)


def test_r20_a_grace_period_is_one_day_to_ten_years() -> None:
    for bad in (timedelta(hours=3), timedelta(days=4000), 30):
        with pytest.raises(ConfigurationError):
            attrs.evolve(default_products().get("bookkeeping"), read_only_for=bad)  # type: ignore[arg-type]
