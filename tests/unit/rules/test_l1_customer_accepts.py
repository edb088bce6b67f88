"""L1: with the rulebook's acceptance switch on, an office's end (or start) waits for the
customer's Administrator to accept."""

from __future__ import annotations

from datetime import timedelta

import pytest

from collabcore.domain import Actor, InvalidInput
from collabcore.policy import Operation, default_rulebook
from collabcore.policy.engine import Acceptance
from collabcore.policy.rules.acceptance import customer_accepts
from collabcore.testing.rules import declared_keys, keys, rule_context


def test_l1_blocks_while_the_customer_has_not_accepted() -> None:
    assert keys(customer_accepts, rule_context(accepted=False)) == ["L1"]


def test_l1_is_silent_once_accepted_or_when_nobody_needs_to_accept() -> None:
    assert keys(customer_accepts, rule_context(accepted=True)) == []
    assert keys(customer_accepts, rule_context(accepted=None)) == []


def test_l1_checks_starts_too() -> None:
    ctx = rule_context(operation=Operation.START, outcome=None, accepted=False)
    assert keys(customer_accepts, ctx) == ["L1"]


def test_l1_every_declared_text_is_used() -> None:
    assert declared_keys(customer_accepts) == {"L1"} and keys(
        customer_accepts, rule_context(accepted=False)
    ) == ["L1"]


def test_the_switch_asks_only_offices_and_only_what_it_names() -> None:
    office, customer = Actor.office("o", "u"), Actor.customer("c", "u")
    both = Acceptance(end=True, start=True)
    assert both.needed(Operation.END, office) and both.needed(Operation.START, office)
    assert not both.needed(Operation.END, customer), "the customer's own end needs nobody's yes"
    assert not both.needed(Operation.CHANGE_VARIANT, office)
    assert not Acceptance().needed(Operation.END, office), "off by default, as the seeds have it"
    rulebook = default_rulebook().requiring_acceptance(expires_after=timedelta(days=3))
    assert rulebook.acceptance == Acceptance(end=True, start=False, expires_after=timedelta(days=3))


def test_the_switch_refuses_nonsense_expiries() -> None:
    for bad in (timedelta(0), timedelta(days=400), 7):
        with pytest.raises(InvalidInput):
            default_rulebook().requiring_acceptance(expires_after=bad)  # type: ignore[arg-type]
