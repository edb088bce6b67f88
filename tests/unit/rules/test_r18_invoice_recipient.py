"""R18: each collaboration has an invoice recipient; Payroll "Start" invoices only the office,
and when the company continues the subscription and its invoices move to it."""

from __future__ import annotations

from collabcore.domain import Outcome, Party, Severity
from collabcore.policy import Operation
from collabcore.policy.rules.billing import invoice_recipient
from collabcore.testing.rules import a_collaboration, declared_keys, flags, keys, rule_context


def start(variant: str, recipient: Party) -> list[str]:
    ctx = rule_context(
        operation=Operation.START, product="payroll", variant=variant, invoice_recipient=recipient
    )
    return keys(invoice_recipient, ctx)


def test_r18_payroll_start_allows_only_the_office() -> None:
    assert start("start", Party.CUSTOMER) == ["R18.recipient"]
    assert start("start", Party.OFFICE) == []
    assert start("standard", Party.CUSTOMER) == []


def test_r18_a_variant_change_keeps_to_the_recipient_on_record() -> None:
    paid_by_company = a_collaboration("payroll", variant="standard", invoice_recipient=Party.CUSTOMER)
    ctx = rule_context(
        operation=Operation.CHANGE_VARIANT, product="payroll", collaboration=paid_by_company, variant="start"
    )
    assert keys(invoice_recipient, ctx) == ["R18.recipient"]


def test_r18_the_subscription_moves_to_the_company_when_it_continues() -> None:
    (flag,) = flags(invoice_recipient, rule_context(outcome=Outcome.CUSTOMER_CONTINUES))
    assert (flag.key, flag.severity) == ("R18.transfer", Severity.INFO)
    assert keys(invoice_recipient, rule_context(outcome=Outcome.DELETE)) == []


def test_r18_every_declared_text_is_used() -> None:
    used = {
        *start("start", Party.CUSTOMER),
        *keys(invoice_recipient, rule_context(outcome=Outcome.CUSTOMER_CONTINUES)),
    }
    assert declared_keys(invoice_recipient) == used
