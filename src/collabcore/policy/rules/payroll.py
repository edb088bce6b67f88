"""Payroll (R8, R9, R10): the hand-over of the backup file when the company continues."""

from __future__ import annotations

from collabcore.domain.findings import Severity
from collabcore.domain.model import PAYROLL, Outcome
from collabcore.policy.engine import Flag, RuleContext, rule
from collabcore.policy.facts import Fact

CUSTOMER_IS_PAYROLL_USER: Fact[bool] = Fact(
    "payroll.customer_is_user", "The customer is a user in Payroll.", all_clear=True
)
PAYROLL_SYNCHRONISED: Fact[bool] = Fact(
    "payroll.synchronised", "The payroll data is synchronised.", all_clear=True
)


def unknown_or_false(value: bool | None, key: str) -> tuple[Flag, ...]:
    """Unknown is not satisfied: guessing wrong would hand over a backup too early."""
    if value is None:
        return (Flag(f"{key}.unknown"),)
    if not value:
        return (Flag(key),)
    return ()


@rule(
    "R8",
    products=(PAYROLL,),
    texts=("R8", "R8.unknown", "R8.unknown.remedy", "R8.remedy"),
    reads=(CUSTOMER_IS_PAYROLL_USER,),
)
def payroll_customer_is_user(ctx: RuleContext) -> tuple[Flag, ...]:
    """Seed: "... the accounting office adds the customer as a new user in Visma Lön before handing
    over the backup file." """
    if ctx.outcome is Outcome.CUSTOMER_CONTINUES:
        return unknown_or_false(ctx.facts.get(CUSTOMER_IS_PAYROLL_USER), "R8")
    return ()


@rule(
    "R9",
    products=(PAYROLL,),
    texts=("R9", "R9.unknown", "R9.unknown.remedy", "R9.remedy"),
    reads=(PAYROLL_SYNCHRONISED,),
)
def payroll_synchronised(ctx: RuleContext) -> tuple[Flag, ...]:
    """Seed: "Also, the data should be synchronised in Visma Lön." """
    if ctx.outcome is Outcome.CUSTOMER_CONTINUES:
        return unknown_or_false(ctx.facts.get(PAYROLL_SYNCHRONISED), "R9")
    return ()


@rule("R10", products=(PAYROLL,), severity=Severity.INFO)
def payroll_after(ctx: RuleContext) -> tuple[Flag, ...]:
    """Seed: "After the collaboration is ended, the company no longer has access to the service." """
    return _NO_ACCESS


_NO_ACCESS = (Flag("R10"),)
