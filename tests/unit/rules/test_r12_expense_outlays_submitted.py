"""R12: every user has submitted their outlays; the finding names them."""

from __future__ import annotations

from collabcore.domain import Outcome, Severity
from collabcore.policy.rules.expenses import USERS_WITH_UNSUBMITTED_OUTLAYS, expense_outlays_submitted
from collabcore.testing import CUSTOMER_USER
from collabcore.testing.rules import declared_keys, flags, keys, rule_context


def test_r12_names_the_users_by_their_stored_names() -> None:
    facts = {USERS_WITH_UNSUBMITTED_OUTLAYS: (CUSTOMER_USER, "left-the-company")}
    (flag,) = flags(expense_outlays_submitted, rule_context(facts=facts))
    assert (flag.key, flag.params["users"], flag.severity) == (
        "R12",
        "Stu Staff, left-the-company",
        Severity.BLOCKER,
    )


def test_r12_needs_acknowledgement_when_the_company_continues() -> None:
    facts = {USERS_WITH_UNSUBMITTED_OUTLAYS: (CUSTOMER_USER,)}
    ctx = rule_context(outcome=Outcome.CUSTOMER_CONTINUES, facts=facts)
    assert [f.severity for f in flags(expense_outlays_submitted, ctx)] == [Severity.NEEDS_ACKNOWLEDGEMENT]


def test_r12_unknown_and_all_submitted() -> None:
    assert keys(expense_outlays_submitted, rule_context()) == ["R12.unknown"]
    assert keys(expense_outlays_submitted, rule_context(facts={USERS_WITH_UNSUBMITTED_OUTLAYS: ()})) == []


def test_r12_every_declared_text_is_used() -> None:
    used = set(keys(expense_outlays_submitted, rule_context()))
    used |= set(keys(expense_outlays_submitted, rule_context(facts={USERS_WITH_UNSUBMITTED_OUTLAYS: ("x",)})))
    assert declared_keys(expense_outlays_submitted) == used
