"""R3: ending is refused while the customer number has no main contact."""

from __future__ import annotations

from collabcore.domain import Severity
from collabcore.policy.rules.main_contact import main_contact_required
from collabcore.testing.rules import a_customer, keys, rule_context


def test_r3_a_missing_main_contact_blocks() -> None:
    ctx = rule_context(customer=a_customer(main_contact=None))
    assert keys(main_contact_required, ctx) == ["R3"]
    assert main_contact_required.severity is Severity.BLOCKER


def test_r3_a_main_contact_is_enough() -> None:
    assert keys(main_contact_required, rule_context()) == []
