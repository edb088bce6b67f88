"""R20: deactivated, the company keeps read-only access, and so does the office while it has
other active collaborations with the company."""

from __future__ import annotations

from typing import Any

from collabcore.domain import Outcome
from collabcore.policy import RuleContext
from collabcore.policy.rules.bookkeeping import office_keeps_read_access, read_only_after_deactivation
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
    }
    assert declared_keys(read_only_after_deactivation) == used
