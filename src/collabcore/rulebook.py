"""The default rulebook: R1-R23 of DESIGN.md, each traced to its seed sentence.

Each rule is one small function; its docstring quotes the sentence it comes
from. Rules yield flags (text keys and parameters); the words live in
:mod:`collabcore.wording`.
"""

from __future__ import annotations

from collections.abc import Iterator

from collabcore.domain import EffectKind, Outcome, Party, Role, month_end, next_day
from collabcore.products import BOOKKEEPING, EXPENSES, PAYROLL
from collabcore.rules import Flag, Operation, Rule, Rulebook, RuleContext, Severity, Words, rule

_ACTS = (Operation.END, Operation.START, Operation.CHANGE_VARIANT)
_ACT = Severity.BLOCKER
_INFO = Severity.INFO
_ACK = Severity.NEEDS_ACKNOWLEDGEMENT


def _continues(ctx: RuleContext) -> bool:
    return ctx.outcome is Outcome.CUSTOMER_CONTINUES


@rule(
    "R1",
    on=(*_ACTS, Operation.CANCEL_SUBSCRIPTION),
    texts=("R1.not_member", "R1.not_member.remedy", "R1.not_admin", "R1.not_admin.remedy"),
    protected=True,
)
def who_may_end(ctx: RuleContext) -> Iterator[Flag]:
    """Seed: "Both the customer and the accounting office can, at any time, choose to end a
    collaboration." On the customer's side: an Administrator of the company, by its
    stored role."""
    if ctx.actor.party is not Party.CUSTOMER:
        if ctx.operation is Operation.CANCEL_SUBSCRIPTION:
            # The subscription is the company's own; an office never cancels it.
            yield Flag("R1.not_member", {"user": ctx.actor.user_id})
        return
    user = ctx.customer.user(ctx.actor.user_id)
    if user is None:
        yield Flag("R1.not_member", {"user": ctx.actor.user_id})
    elif user.role is not Role.ADMINISTRATOR:
        yield Flag("R1.not_admin", {"user": user.name})


@rule(
    "R14",
    on=_ACTS,
    texts=("R14.not_member", "R14.not_member.remedy", "R14.no_rights", "R14.no_rights.remedy"),
    protected=True,
)
def office_rights(ctx: RuleContext) -> Iterator[Flag]:
    """Only a user with full user rights in the office and the Administrator role may end a
    collaboration or change its variant; every employee may see them."""
    if ctx.actor.party is not Party.OFFICE:
        return
    user = None if ctx.office is None else ctx.office.user(ctx.actor.user_id)
    if user is None:
        yield Flag("R14.not_member", {"user": ctx.actor.user_id})
    elif not user.may_manage_collaborations:
        yield Flag("R14.no_rights", {"user": user.name})


@rule("R5", on=(Operation.END, Operation.CHANGE_VARIANT), texts=("R5", "R5.remedy"), protected=True)
def end_is_final(ctx: RuleContext) -> Iterator[Flag]:
    """Seed: "... or via a new collaboration." An ended collaboration never becomes active again."""
    c = ctx.collaboration
    if c is not None and not c.is_active:
        ended = c.ended_at.date().isoformat() if c.ended_at else "?"
        yield Flag("R5", {"date": ended})


@rule("single-active", on=(Operation.START,), texts=("single-active", "single-active.remedy"))
def one_active_per_product(ctx: RuleContext) -> Iterator[Flag]:
    """A company has at most one active collaboration per product (DESIGN.md, Domain model)."""
    if any(c.product == ctx.product.key for c in ctx.others):
        yield Flag("single-active")


@rule("R15", texts=("R15", "R15.remedy"), protected=True)
def outcomes_per_product(ctx: RuleContext) -> Iterator[Flag]:
    """What "after the end" can be depends on the product; asking for another is an error."""
    if ctx.outcome is not None and not ctx.product.offers(ctx.outcome):
        offered = Words(tuple(f"outcome.{o.value}" for o in ctx.product.outcomes))
        yield Flag("R15", {"outcome": Words.of(f"outcome.{ctx.outcome.value}"), "offered": offered})


@rule("R2", severity=_INFO)
def others_not_affected(ctx: RuleContext) -> Iterator[Flag]:
    """Seed: "Other collaborations are not affected." """
    if ctx.others:
        yield Flag("R2", {"count": len(ctx.others)})


@rule("R3", texts=("R3", "R3.remedy"))
def main_contact_required(ctx: RuleContext) -> Iterator[Flag]:
    """Seed: "If you receive an error message ... main contact is missing for the customer number,
    you solve this by setting a new Main contact." """
    if ctx.customer.main_contact is None:
        yield Flag("R3")


@rule("R4", texts=("R4.not_admin", "R4.not_user", "R4.remedy"))
def main_contact_is_admin(ctx: RuleContext) -> Iterator[Flag]:
    """Seed: "Change a user's role ... Administrator. Finally, select this user as Main contact." """
    if ctx.customer.main_contact is None:
        return
    user = ctx.customer.main_contact_user
    if user is None:
        yield Flag("R4.not_user")
    elif user.role is not Role.ADMINISTRATOR:
        yield Flag("R4.not_admin", {"user": user.name})


@rule(
    "R6",
    severity=_INFO,
    texts=tuple(f"R6.{o.value}" for o in Outcome),
)
def outcome_chosen(ctx: RuleContext) -> Iterator[Flag]:
    """Seed: "You can choose either to terminate the collaboration and let your client continue
    working in the service or to terminate the collaboration and delete the service." """
    if ctx.outcome is not None and ctx.product.offers(ctx.outcome):
        yield Flag(f"R6.{ctx.outcome.value}")


@rule("R7", severity=_ACK, texts=("R7", "R7.remedy"), protected=True)
def delete_needs_confirmation(ctx: RuleContext) -> Iterator[Flag]:
    """Seed: "All information in the service will be deleted." Irreversible: confirmed explicitly."""
    outcome = ctx.outcome
    erases = outcome is not None and ctx.product.offers(outcome)
    if erases and outcome is not None:
        erases = EffectKind.ERASE_SERVICE_DATA in ctx.product.effects_of(outcome)
    if erases:
        yield Flag("R7")


def _fact_unknown_or_false(value: bool | None, key: str) -> Iterator[Flag]:
    if value is None:
        yield Flag(f"{key}.unknown")
    elif not value:
        yield Flag(key)


@rule("R8", products=(PAYROLL,), texts=("R8", "R8.unknown", "R8.remedy"))
def payroll_customer_is_user(ctx: RuleContext) -> Iterator[Flag]:
    """Seed: "... the accounting office adds the customer as a new user in Visma Lön before handing
    over the backup file." """
    if _continues(ctx):
        yield from _fact_unknown_or_false(ctx.facts.payroll_customer_is_user, "R8")


@rule("R9", products=(PAYROLL,), texts=("R9", "R9.unknown", "R9.remedy"))
def payroll_synchronised(ctx: RuleContext) -> Iterator[Flag]:
    """Seed: "Also, the data should be synchronised in Visma Lön." """
    if _continues(ctx):
        yield from _fact_unknown_or_false(ctx.facts.payroll_synchronised, "R9")


@rule("R10", products=(PAYROLL,), severity=_INFO)
def payroll_after(ctx: RuleContext) -> Iterator[Flag]:
    """Seed: "After the collaboration is ended, the company no longer has access to the service." """
    yield Flag("R10")


def _expenses_grade(ctx: RuleContext) -> Severity:
    # A delete would lose what is unsubmitted; continuing keeps it, so an
    # acknowledgement is enough there.
    return _ACT if ctx.outcome is Outcome.DELETE else _ACK


@rule("R11", products=(EXPENSES,), texts=("R11", "R11.delete", "R11.unknown", "R11.remedy"))
def expense_reports_submitted(ctx: RuleContext) -> Iterator[Flag]:
    """Seed: "... check that all reports are submitted ..." """
    count = ctx.facts.unsubmitted_reports
    if count is None:
        yield Flag("R11.unknown", severity=_expenses_grade(ctx))
    elif count > 0:
        key = "R11.delete" if ctx.outcome is Outcome.DELETE else "R11"
        yield Flag(key, {"count": count}, severity=_expenses_grade(ctx))


@rule("R12", products=(EXPENSES,), texts=("R12", "R12.unknown", "R12.remedy"))
def expense_outlays_submitted(ctx: RuleContext) -> Iterator[Flag]:
    """Seed: "... and that all users have submitted their outlays." """
    users = ctx.facts.users_with_unsubmitted_outlays
    if users is None:
        yield Flag("R12.unknown", severity=_expenses_grade(ctx))
    elif users:
        names = []
        for user_id in users:
            user = ctx.customer.user(user_id)
            names.append(user.name if user is not None else user_id)
        yield Flag("R12", {"users": ", ".join(names)}, severity=_expenses_grade(ctx))


@rule("R16", products=(BOOKKEEPING,), severity=_ACK, texts=("R16", "R16.unknown", "R16.remedy"))
def linked_services(ctx: RuleContext) -> Iterator[Flag]:
    """Linked collaborations (a financial overview, a scanner service) should be ended first."""
    linked = ctx.facts.linked_services
    if linked is None:
        yield Flag("R16.unknown")
    elif linked:
        yield Flag("R16", {"services": ", ".join(linked)})


@rule("R17", products=(BOOKKEEPING,), texts=("R17", "R17.unknown", "R17.remedy"))
def bank_integration(ctx: RuleContext) -> Iterator[Flag]:
    """An active bank integration should be ended before the collaboration."""
    active = ctx.facts.bank_integration_active
    if active is None:
        yield Flag("R17.unknown")
    elif active:
        yield Flag("R17")


@rule(
    "R18",
    on=(Operation.END, Operation.START, Operation.CHANGE_VARIANT),
    texts=("R18.transfer", "R18.recipient", "R18.recipient.remedy"),
)
def invoice_recipient(ctx: RuleContext) -> Iterator[Flag]:
    """Each collaboration has an invoice recipient; Payroll "Start" allows only the office.
    When the company continues, the subscription and its invoices move to it."""
    if ctx.operation is Operation.END:
        c = ctx.collaboration
        if _continues(ctx) and c is not None and c.invoice_recipient is Party.OFFICE:
            yield Flag("R18.transfer", severity=_INFO)
        return
    recipient = ctx.invoice_recipient
    if recipient is None and ctx.collaboration is not None:
        recipient = ctx.collaboration.invoice_recipient
    if recipient is not None and not ctx.product.allows_recipient(ctx.variant, recipient):
        yield Flag("R18.recipient", {"variant": ctx.variant})


@rule("R19", on=(Operation.CHANGE_VARIANT,), severity=_INFO)
def variant_change_keeps(ctx: RuleContext) -> Iterator[Flag]:
    """Changing the variant never requires ending the collaboration."""
    yield Flag("R19", {"variant": ctx.variant})


@rule("R20", products=(BOOKKEEPING,), severity=_INFO, texts=("R20.office_keeps", "R20.office_loses"))
def read_only_after_deactivation(ctx: RuleContext) -> Iterator[Flag]:
    """Deactivated: the company keeps read-only access, and so does the office as long as it
    has other active collaborations with that company."""
    if ctx.outcome is Outcome.DEACTIVATE:
        yield Flag("R20.office_keeps" if ctx.office_has_other_active else "R20.office_loses")


@rule("R21", on=(Operation.CANCEL_SUBSCRIPTION,), texts=("R21", "R21.remedy"))
def no_cancel_while_collaborating(ctx: RuleContext) -> Iterator[Flag]:
    """A company cannot cancel its subscription while a collaboration for it is active."""
    if any(c.product == ctx.product.key for c in ctx.others):
        yield Flag("R21")


@rule("R22", products=(EXPENSES,), severity=_INFO)
def export_before_delete(ctx: RuleContext) -> Iterator[Flag]:
    """Before the data is deleted, the company is offered an export of its submitted reports."""
    if ctx.outcome is Outcome.DELETE:
        yield Flag("R22")


@rule("R23", severity=_INFO, texts=("R23.continue", "R23.end"))
def billing_to_month_end(ctx: RuleContext) -> Iterator[Flag]:
    """A subscription that ends mid-month is paid for to the end of that month."""
    c = ctx.collaboration
    if c is None or ctx.outcome is None or not ctx.product.offers(ctx.outcome):
        return
    until = month_end(ctx.today)
    payer = Words.of(f"party.{c.invoice_recipient.value}")
    if _continues(ctx):
        if c.invoice_recipient is Party.OFFICE:
            yield Flag("R23.continue", {"payer": payer, "date": until, "next_date": next_day(until)})
    else:
        yield Flag("R23.end", {"payer": payer, "date": until})


DEFAULT_RULES: tuple[Rule, ...] = (
    who_may_end,
    office_rights,
    end_is_final,
    one_active_per_product,
    outcomes_per_product,
    main_contact_required,
    main_contact_is_admin,
    payroll_customer_is_user,
    payroll_synchronised,
    expense_reports_submitted,
    expense_outlays_submitted,
    bank_integration,
    linked_services,
    delete_needs_confirmation,
    invoice_recipient,
    no_cancel_while_collaborating,
    others_not_affected,
    outcome_chosen,
    payroll_after,
    read_only_after_deactivation,
    export_before_delete,
    variant_change_keeps,
    billing_to_month_end,
)


def default_rulebook() -> Rulebook:
    """The seeds' rules, authorization and finality first, information last."""
    return Rulebook(DEFAULT_RULES)
