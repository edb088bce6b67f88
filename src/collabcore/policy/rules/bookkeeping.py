"""Bookkeeping & Invoicing (R16, R17, R19, R20): linked services and the bank integration
first, variants without an end, and read-only access after deactivation."""

from __future__ import annotations

from datetime import date

from collabcore.domain.billing import days_after
from collabcore.domain.findings import Severity
from collabcore.domain.model import BOOKKEEPING, Outcome
from collabcore.policy.engine import Flag, Operation, RuleContext, rule
from collabcore.policy.facts import Fact

LINKED_SERVICES: Fact[tuple[str, ...]] = Fact(
    "bookkeeping.linked_services", "Names of the linked collaborations still active.", all_clear=()
)
BANK_INTEGRATION_ACTIVE: Fact[bool] = Fact(
    "bookkeeping.bank_integration_active",
    "A bank integration is active in the collaboration.",
    all_clear=False,
)


@rule(
    "R16",
    products=(BOOKKEEPING,),
    severity=Severity.NEEDS_ACKNOWLEDGEMENT,
    texts=("R16", "R16.unknown", "R16.unknown.remedy", "R16.remedy"),
    reads=(LINKED_SERVICES,),
)
def linked_services(ctx: RuleContext) -> tuple[Flag, ...]:
    """Linked collaborations (a financial overview, a scanner service) should be ended first."""
    linked = ctx.facts.get(LINKED_SERVICES)
    if linked is None:
        return (Flag("R16.unknown"),)
    if linked:
        return (Flag("R16", {"services": ", ".join(linked)}),)
    return ()


@rule(
    "R17",
    products=(BOOKKEEPING,),
    texts=("R17", "R17.unknown", "R17.unknown.remedy", "R17.remedy"),
    reads=(BANK_INTEGRATION_ACTIVE,),
)
def bank_integration(ctx: RuleContext) -> tuple[Flag, ...]:
    """An active bank integration should be ended before the collaboration."""
    active = ctx.facts.get(BANK_INTEGRATION_ACTIVE)
    if active is None:
        return (Flag("R17.unknown"),)
    if active:
        return (Flag("R17"),)
    return ()


@rule("R19", on=(Operation.CHANGE_VARIANT,), severity=Severity.INFO)
def variant_change_keeps(ctx: RuleContext) -> tuple[Flag, ...]:
    """Changing the variant never requires ending the collaboration."""
    return (Flag("R19", {"variant": ctx.variant}),)


@rule(
    "R20",
    products=(BOOKKEEPING,),
    severity=Severity.INFO,
    texts=("R20.office_keeps", "R20.office_loses", "R20.grace"),
)
def read_only_after_deactivation(ctx: RuleContext) -> tuple[Flag, ...]:
    """Deactivated: the company keeps read-only access, and so does the office as long as it
    has other active collaborations with that company (or, where the host sets a grace
    period for the product, for exactly that period)."""
    if ctx.outcome is not Outcome.DEACTIVATE:
        return ()
    until = read_only_until(ctx)
    if until is not None:
        return (Flag("R20.grace", {"date": until}),)
    return _KEEPS if office_keeps_read_access(ctx) else _LOSES


_KEEPS, _LOSES = (Flag("R20.office_keeps"),), (Flag("R20.office_loses"),)


def office_keeps_read_access(ctx: RuleContext) -> bool:
    """R20: a deactivation leaves the office read-only access while it has other active
    collaborations with the company, or for the product's grace period; the planner swaps
    its revoke for a restriction."""
    if ctx.outcome is not Outcome.DEACTIVATE:
        return False
    return ctx.product.read_only_for is not None or ctx.office_has_other_active


def read_only_until(ctx: RuleContext) -> date | None:
    """The last day of the former office's read-only access, when the product sets a grace
    period; None when it lasts as long as the office's other collaborations (R20)."""
    grace = ctx.product.read_only_for
    if ctx.outcome is not Outcome.DEACTIVATE or grace is None:
        return None
    return days_after(ctx.today, grace.days, what="the end of the former office's read-only access")
