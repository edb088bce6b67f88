"""R23: a subscription that ends mid-month is paid for to the end of that month."""

from __future__ import annotations

from datetime import date

from collabcore.domain import Outcome, Party
from collabcore.domain.billing import month_end, next_day
from collabcore.policy import Words
from collabcore.policy.rules.billing import billing_to_month_end
from collabcore.testing.rules import a_collaboration, declared_keys, flags, keys, rule_context


def test_r23_ending_the_service_is_paid_to_the_month_end() -> None:
    (flag,) = flags(billing_to_month_end, rule_context(outcome=Outcome.DELETE, today=date(2026, 2, 10)))
    assert (flag.key, flag.params["date"], flag.params["payer"]) == (
        "R23.end",
        date(2026, 2, 28),
        Words.of("party.office"),
    )


def test_r23_continuing_moves_the_bill_the_day_after() -> None:
    (flag,) = flags(
        billing_to_month_end, rule_context(outcome=Outcome.CUSTOMER_CONTINUES, today=date(2026, 12, 5))
    )
    assert (flag.key, flag.params["date"], flag.params["next_date"]) == (
        "R23.continue",
        date(2026, 12, 31),
        date(2027, 1, 1),
    )


def test_r23_a_company_that_already_pays_goes_on_paying() -> None:
    paid_by_company = a_collaboration(invoice_recipient=Party.CUSTOMER)
    ctx = rule_context(outcome=Outcome.CUSTOMER_CONTINUES, collaboration=paid_by_company)
    assert keys(billing_to_month_end, ctx) == []


def test_r23_month_ends_across_years_and_leap_years() -> None:
    assert month_end(date(2024, 2, 1)) == date(2024, 2, 29)
    assert month_end(date(2026, 12, 31)) == date(2026, 12, 31)
    assert next_day(date(2026, 12, 31)) == date(2027, 1, 1)


def test_r23_every_declared_text_is_used() -> None:
    used = {*keys(billing_to_month_end, rule_context(outcome=Outcome.DELETE))}
    used |= set(keys(billing_to_month_end, rule_context(outcome=Outcome.CUSTOMER_CONTINUES)))
    assert declared_keys(billing_to_month_end) == used
