"""What an end is: final (R5), one of the product's outcomes (R6, R15), confirmed when it
deletes (R7), and nobody else's business (R2); one active collaboration per product."""

from __future__ import annotations

from collabcore.domain.effects import EffectKind
from collabcore.domain.findings import Severity
from collabcore.domain.model import Outcome
from collabcore.policy.engine import Flag, Operation, Refusal, RuleContext, Words, rule


@rule(
    "R5",
    on=(Operation.END, Operation.CHANGE_VARIANT),
    texts=("R5", "R5.remedy"),
    protected=True,
    refusal=Refusal.ALREADY_ENDED,
)
def end_is_final(ctx: RuleContext) -> tuple[Flag, ...]:
    """Seed: "... or via a new collaboration." An ended collaboration never becomes active again."""
    c = ctx.collaboration
    if c is not None and not c.is_active:
        ended = c.ended_at.date().isoformat() if c.ended_at else "?"
        return (Flag("R5", {"date": ended}),)
    return ()


@rule("single-active", on=(Operation.START,), texts=("single-active", "single-active.remedy"))
def one_active_per_product(ctx: RuleContext) -> tuple[Flag, ...]:
    """A company has at most one active collaboration per product (DESIGN.md, Domain model)."""
    if any(c.product == ctx.product.key for c in ctx.others):
        return (Flag("single-active"),)
    return ()


@rule("R15", texts=("R15", "R15.remedy"), protected=True, refusal=Refusal.OUTCOME_NOT_OFFERED)
def outcomes_per_product(ctx: RuleContext) -> tuple[Flag, ...]:
    """What "after the end" can be depends on the product; asking for another is an error."""
    if ctx.outcome is not None and not ctx.product.offers(ctx.outcome):
        offered = Words(tuple(f"outcome.{o.value}" for o in ctx.product.outcomes))
        return (Flag("R15", {"outcome": Words.of(f"outcome.{ctx.outcome.value}"), "offered": offered}),)
    return ()


@rule("R2", severity=Severity.INFO)
def others_not_affected(ctx: RuleContext) -> tuple[Flag, ...]:
    """Seed: "Other collaborations are not affected." """
    if ctx.others:
        return (Flag("R2", {"count": len(ctx.others)}),)
    return ()


@rule("R6", severity=Severity.INFO, texts=tuple(f"R6.{o.value}" for o in Outcome))
def outcome_chosen(ctx: RuleContext) -> tuple[Flag, ...]:
    """Seed: "You can choose either to terminate the collaboration and let your client continue
    working in the service or to terminate the collaboration and delete the service." """
    outcome = ctx.outcome
    if outcome is not None and ctx.product.offers(outcome):
        return (_CHOSEN[outcome],)
    return ()


_CHOSEN = {o: Flag(f"R6.{o.value}") for o in Outcome}
"""R6's flags, one per outcome: they carry no parameter, so one of each serves every plan."""


@rule(
    "R7",
    severity=Severity.NEEDS_ACKNOWLEDGEMENT,
    texts=("R7", "R7.remedy"),
    protected=True,
    confirms_deletion=True,
)
def delete_needs_confirmation(ctx: RuleContext) -> tuple[Flag, ...]:
    """Seed: "All information in the service will be deleted." Irreversible: confirmed explicitly."""
    outcome = ctx.outcome
    offered = outcome is not None and ctx.product.offers(outcome)
    if offered and outcome is not None and EffectKind.ERASE_SERVICE_DATA in ctx.product.effects_of(outcome):
        return _DELETES
    return ()


_DELETES = (Flag("R7"),)
