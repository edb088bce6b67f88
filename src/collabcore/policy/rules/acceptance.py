"""L1: an office's operation that waits for the customer's Administrator to accept, when
the rulebook's acceptance switch is on (``Rulebook.requiring_acceptance``)."""

from __future__ import annotations

from collabcore.policy.engine import Flag, Operation, RuleContext, rule


@rule(
    "L1",
    on=(Operation.END, Operation.START),
    texts=("L1", "L1.remedy"),
    protected=True,
)
def customer_accepts(ctx: RuleContext) -> tuple[Flag, ...]:
    """Like Fortnox: the office starts the change, the customer's Administrator accepts it
    (through a request that expires) before anything happens."""
    if ctx.accepted is False:
        return (Flag("L1"),)
    return ()
