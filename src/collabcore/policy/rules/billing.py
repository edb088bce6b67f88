"""Billing (R18, R21, R23): the invoice recipient, no cancelling while collaborating, and
paying to the end of the month."""

from __future__ import annotations

from collabcore.domain.billing import month_end, next_day
from collabcore.domain.findings import Severity
from collabcore.domain.model import Outcome, Party
from collabcore.policy.engine import Flag, Operation, RuleContext, Words, rule

PAID_THEN_COMPANY = "R23.continue"
"""R23's words for a company that continues: who pays until the month's end, then the company."""
PAID_THEN_ENDED = "R23.end"
"""R23's words for a subscription that ends: paid until the month's end, then ended."""


@rule(
    "R18",
    on=(Operation.END, Operation.START, Operation.CHANGE_VARIANT),
    texts=("R18.transfer", "R18.recipient", "R18.recipient.remedy"),
)
def invoice_recipient(ctx: RuleContext) -> tuple[Flag, ...]:
    """Each collaboration has an invoice recipient; Payroll "Start" allows only the office.
    When the company continues, the subscription and its invoices move to it."""
    if ctx.operation is Operation.END:
        c = ctx.collaboration
        continues = ctx.outcome is Outcome.CUSTOMER_CONTINUES
        if continues and c is not None and c.invoice_recipient is Party.OFFICE:
            return _TRANSFER
        return ()
    recipient = ctx.invoice_recipient
    if recipient is None and ctx.collaboration is not None:
        recipient = ctx.collaboration.invoice_recipient
    if recipient is not None and not ctx.product.allows_recipient(ctx.variant, recipient):
        return (Flag("R18.recipient", {"variant": ctx.variant}),)
    return ()


_TRANSFER = (Flag("R18.transfer", severity=Severity.INFO),)


@rule("R21", on=(Operation.CANCEL_SUBSCRIPTION,), texts=("R21", "R21.remedy"))
def no_cancel_while_collaborating(ctx: RuleContext) -> tuple[Flag, ...]:
    """A company cannot cancel its subscription while a collaboration for it is active."""
    if any(c.product == ctx.product.key for c in ctx.others):
        return (Flag("R21"),)
    return ()


@rule("R23", severity=Severity.INFO, texts=(PAID_THEN_COMPANY, PAID_THEN_ENDED))
def billing_to_month_end(ctx: RuleContext) -> tuple[Flag, ...]:
    """A subscription that ends mid-month is paid for to the end of that month."""
    c = ctx.collaboration
    if c is None or ctx.outcome is None or not ctx.product.offers(ctx.outcome):
        return ()
    until = month_end(ctx.today)
    payer = _PAYER[c.invoice_recipient]
    if ctx.outcome is Outcome.CUSTOMER_CONTINUES:
        if c.invoice_recipient is Party.OFFICE:
            return (Flag(PAID_THEN_COMPANY, {"payer": payer, "date": until, "next_date": next_day(until)}),)
        return ()
    return (Flag(PAID_THEN_ENDED, {"payer": payer, "date": until}),)


_PAYER = {p: Words.of(f"party.{p.value}") for p in Party}
