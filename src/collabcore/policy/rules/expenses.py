"""Travel & Expenses (R11, R12, R22): nothing unsubmitted is lost, and an export before deleting."""

from __future__ import annotations

from collabcore.domain.findings import Severity
from collabcore.domain.model import EXPENSES, Outcome
from collabcore.policy.engine import Flag, RuleContext, rule
from collabcore.policy.facts import Fact

UNSUBMITTED_REPORTS: Fact[int] = Fact(
    "expenses.unsubmitted_reports", "Expense reports not yet submitted.", all_clear=0
)
USERS_WITH_UNSUBMITTED_OUTLAYS: Fact[tuple[str, ...]] = Fact(
    "expenses.users_with_unsubmitted_outlays",
    "Ids of the users who have not submitted their outlays.",
    all_clear=(),
)


def _grade(ctx: RuleContext) -> Severity:
    # A delete would lose what is unsubmitted; continuing keeps it, so an
    # acknowledgement is enough there.
    return Severity.BLOCKER if ctx.outcome is Outcome.DELETE else Severity.NEEDS_ACKNOWLEDGEMENT


@rule(
    "R11",
    products=(EXPENSES,),
    texts=("R11", "R11.delete", "R11.unknown", "R11.unknown.remedy", "R11.remedy"),
    reads=(UNSUBMITTED_REPORTS,),
)
def expense_reports_submitted(ctx: RuleContext) -> tuple[Flag, ...]:
    """Seed: "... check that all reports are submitted ..." """
    count = ctx.facts.get(UNSUBMITTED_REPORTS)
    if count is None:
        return (Flag("R11.unknown", severity=_grade(ctx)),)
    if count > 0:
        key = "R11.delete" if ctx.outcome is Outcome.DELETE else "R11"
        return (Flag(key, {"count": count}, severity=_grade(ctx)),)
    return ()


@rule(
    "R12",
    products=(EXPENSES,),
    texts=("R12", "R12.unknown", "R12.unknown.remedy", "R12.remedy"),
    reads=(USERS_WITH_UNSUBMITTED_OUTLAYS,),
)
def expense_outlays_submitted(ctx: RuleContext) -> tuple[Flag, ...]:
    """Seed: "... and that all users have submitted their outlays." """
    users = ctx.facts.get(USERS_WITH_UNSUBMITTED_OUTLAYS)
    if users is None:
        return (Flag("R12.unknown", severity=_grade(ctx)),)
    if users:
        names = []
        for user_id in users:
            user = ctx.customer.user(user_id)
            names.append(user.name if user is not None else user_id)
        return (Flag("R12", {"users": ", ".join(names)}, severity=_grade(ctx)),)
    return ()


@rule("R22", products=(EXPENSES,), severity=Severity.INFO)
def export_before_delete(ctx: RuleContext) -> tuple[Flag, ...]:
    """Before the data is deleted, the company is offered an export of its submitted reports."""
    if ctx.outcome is Outcome.DELETE:
        return _EXPORT
    return ()


_EXPORT = (Flag("R22"),)
