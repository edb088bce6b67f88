"""R16: linked collaborations of Bookkeeping & Invoicing are ended first, or acknowledged."""

from __future__ import annotations

from typing import Any

from collabcore.domain import Outcome, Severity
from collabcore.policy import RuleContext
from collabcore.policy.rules.bookkeeping import LINKED_SERVICES, linked_services
from collabcore.testing.rules import declared_keys, flags, keys, rule_context


def book(**options: Any) -> RuleContext:
    return rule_context(product="bookkeeping", outcome=Outcome.DEACTIVATE, **options)


def test_r16_active_linked_services_need_acknowledgement() -> None:
    (flag,) = flags(linked_services, book(facts={LINKED_SERVICES: ("Scanner", "Overview")}))
    assert (flag.key, flag.params["services"]) == ("R16", "Scanner, Overview")
    assert linked_services.severity is Severity.NEEDS_ACKNOWLEDGEMENT


def test_r16_unknown_and_none() -> None:
    assert keys(linked_services, book()) == ["R16.unknown"]
    assert keys(linked_services, book(facts={LINKED_SERVICES: ()})) == []


def test_r16_every_declared_text_is_used() -> None:
    used = {
        *keys(linked_services, book()),
        *keys(linked_services, book(facts={LINKED_SERVICES: ("S",)})),
    }
    assert declared_keys(linked_services) == used
