"""A host's own rule, and a default rule re-graded, compared over a grid of scenarios.

Run: python examples/custom_rule.py
"""

from __future__ import annotations

from collections.abc import Iterator

import collabcore as cc
from collabcore import explore
from collabcore.testing import World


@cc.rule("HOST-VIP", texts=("HOST-VIP",), severity=cc.Severity.NEEDS_ACKNOWLEDGEMENT)
def vip_customers_need_a_second_look(ctx: cc.RuleContext) -> Iterator[cc.Flag]:
    """Our policy: ending with a company on our VIP list needs an explicit acknowledgement."""
    if ctx.customer.number.startswith("VIP"):
        yield cc.Flag("HOST-VIP", {"customer": ctx.customer.name})


def main() -> None:
    # A stricter book: unsubmitted expense reports block even when the company continues.
    custom = cc.default_rulebook().add(vip_customers_need_a_second_look).regrade("R11", cc.Severity.BLOCKER)
    texts = cc.default_texts()
    texts = texts.with_templates("en", {"rule.HOST-VIP": "VIP customers", "HOST-VIP": "{customer} is a VIP."})
    texts = texts.with_templates(
        "sv", {"rule.HOST-VIP": "VIP-kunder", "HOST-VIP": "{customer} är en VIP-kund."}
    )
    assert custom.severity_of(custom.get("R11")) is cc.Severity.BLOCKER

    grid = explore.Grid(
        actors=("office-admin", "customer-admin"),
        products=(cc.EXPENSES,),
        outcomes=(cc.Outcome.CUSTOMER_CONTINUES, cc.Outcome.DELETE),
        facts=("all clear", "reports open"),
    )
    print(explore.compare_rulebooks(custom, grid=grid, texts=texts))
    print()
    print(explore.rulebook_table(custom))

    # The VIP rule at work, in Swedish, on a company whose number marks it as VIP.
    world = World(rulebook=custom, texts=texts, language="sv")
    world.office()
    world.customer(number="VIP-7")
    collab = world.collaboration(cc.BOOKKEEPING)
    plan = world.service.plan_end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.DEACTIVATE)
    print(explore.plan_text(plan))


if __name__ == "__main__":
    main()
