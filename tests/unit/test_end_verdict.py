"""An end decides from the rules' flags without making the plan's values when it goes ahead
(app.ending.Ending.verdict): whether it goes ahead must be exactly the plan's ``allowed``,
and a refusal carries exactly the plan's blocking findings."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import collabcore as cc
from collabcore.domain import OperationRefused
from collabcore.testing import World

OUTCOMES = {
    cc.BOOKKEEPING: (cc.Outcome.DEACTIVATE, cc.Outcome.CUSTOMER_CONTINUES, cc.Outcome.DELETE),
    cc.PAYROLL: (cc.Outcome.END_SUBSCRIPTION, cc.Outcome.CUSTOMER_CONTINUES),
    cc.EXPENSES: (cc.Outcome.DELETE, cc.Outcome.CUSTOMER_CONTINUES),
}


@settings(max_examples=150, deadline=None)
@given(
    product=st.sampled_from(sorted(OUTCOMES)),
    data=st.data(),
    acknowledge=st.sets(st.sampled_from(("R7", "R11", "R12", "R16", "R17"))),
    confirm=st.booleans(),
    office=st.booleans(),
    facts=st.fixed_dictionaries(
        {
            "bank_integration_active": st.booleans(),
            "linked_services": st.sampled_from(((), ("scanner",))),
            "unsubmitted_reports": st.integers(0, 2),
            "synchronised": st.booleans(),
        }
    ),
)
def test_an_end_goes_ahead_exactly_when_its_plan_allows_it(
    product: str,
    data: st.DataObject,
    acknowledge: set[str],
    confirm: bool,
    office: bool,
    facts: dict[str, object],
) -> None:
    outcome = data.draw(st.sampled_from(OUTCOMES[product]))
    world = World()
    (collab,) = world.setup(product)
    world.fakes.set_facts("customer-1", **facts)
    actor = world.office_admin() if office else world.customer_admin()
    plan = world.service.plan_end(
        collab.id, actor=actor, outcome=outcome, acknowledge=acknowledge, confirm_deletion=confirm
    )
    try:
        result = world.service.end(
            collab.id, actor=actor, outcome=outcome, acknowledge=acknowledge, confirm_deletion=confirm
        )
    except OperationRefused as refused:
        assert not plan.allowed
        blocking = {f.code for f in plan.blocking_findings}
        # The error names the findings of the rule that blocks most (Rule.refusal): the plan's.
        assert refused.findings and {f.code for f in refused.findings} <= blocking
        return
    assert plan.allowed
    assert result.effects == plan.effects
    assert result.event.acknowledged == plan.acknowledged_codes
