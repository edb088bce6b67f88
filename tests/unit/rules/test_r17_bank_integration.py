"""R17: an active bank integration is ended before the collaboration; it blocks by default."""

from __future__ import annotations

from typing import Any

from collabcore.domain import Outcome, Severity
from collabcore.policy import RuleContext
from collabcore.policy.rules.bookkeeping import BANK_INTEGRATION_ACTIVE, bank_integration
from collabcore.testing.rules import declared_keys, keys, rule_context


def book(**options: Any) -> RuleContext:
    return rule_context(product="bookkeeping", outcome=Outcome.CUSTOMER_CONTINUES, **options)


def test_r17_an_active_bank_integration_blocks() -> None:
    assert keys(bank_integration, book(facts={BANK_INTEGRATION_ACTIVE: True})) == ["R17"]
    assert bank_integration.severity is Severity.BLOCKER


def test_r17_unknown_and_inactive() -> None:
    assert keys(bank_integration, book()) == ["R17.unknown"]
    assert keys(bank_integration, book(facts={BANK_INTEGRATION_ACTIVE: False})) == []


def test_r17_every_declared_text_is_used() -> None:
    used = {
        *keys(bank_integration, book()),
        *keys(bank_integration, book(facts={BANK_INTEGRATION_ACTIVE: True})),
    }
    assert declared_keys(bank_integration) == used
