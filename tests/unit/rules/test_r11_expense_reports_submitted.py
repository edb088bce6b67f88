"""R11: all expense reports are submitted; a delete would lose them, continuing keeps them."""

from __future__ import annotations

from collabcore.domain import Outcome, Severity
from collabcore.policy.rules.expenses import UNSUBMITTED_REPORTS, expense_reports_submitted
from collabcore.testing.rules import declared_keys, flags, rule_context


def r11(count: int | None, outcome: Outcome) -> list[tuple[str, Severity | None]]:
    facts = {} if count is None else {UNSUBMITTED_REPORTS: count}
    found = flags(expense_reports_submitted, rule_context(outcome=outcome, facts=facts))
    return [(f.key, f.severity) for f in found]


def test_r11_open_reports_block_a_delete() -> None:
    assert r11(2, Outcome.DELETE) == [("R11.delete", Severity.BLOCKER)]


def test_r11_open_reports_need_acknowledgement_when_the_company_continues() -> None:
    assert r11(2, Outcome.CUSTOMER_CONTINUES) == [("R11", Severity.NEEDS_ACKNOWLEDGEMENT)]


def test_r11_unknown_is_not_submitted() -> None:
    assert r11(None, Outcome.DELETE) == [("R11.unknown", Severity.BLOCKER)]


def test_r11_all_submitted_says_nothing() -> None:
    assert r11(0, Outcome.DELETE) == []


def test_r11_every_declared_text_is_used() -> None:
    used = {
        k
        for c, o in [(2, Outcome.DELETE), (2, Outcome.CUSTOMER_CONTINUES), (None, Outcome.DELETE)]
        for k, _ in r11(c, o)
    }
    assert declared_keys(expense_reports_submitted) == used
