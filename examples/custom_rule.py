"""A host's own rules: one that reads only what collabcore already has, one that needs a new
fact from the host's integrations, and a default rule re-graded; compared over a grid.

Adding a rule that reads a new fact touches three things: the rule (with its fact and
words, below), the integration that answers the fact (``Integrations(facts=...)``), and
the rule's test (tests/unit/test_custom_rule_example.py). Nothing in collabcore changes.

Run: python examples/custom_rule.py
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

import collabcore as cc
from collabcore import explore
from collabcore.testing import World
from collabcore.wording import Template, Texts


@cc.rule("acme:vip", texts=("acme:vip",), severity=cc.Severity.NEEDS_ACKNOWLEDGEMENT)
def vip_customers_need_a_second_look(ctx: cc.RuleContext) -> Iterator[cc.Flag]:
    """Our policy: ending with a company on our VIP list needs an explicit acknowledgement."""
    if ctx.customer.number.startswith("VIP"):
        yield cc.Flag("acme:vip", {"customer": ctx.customer.name})


# --- a rule with a fact of its own -------------------------------------------------------

PENSION_REPORTED: cc.Fact[bool] = cc.Fact(
    "host.payroll.pension_reported", "This month's pension is reported."
)


@cc.rule(
    "acme:pension",
    products=(cc.PAYROLL,),
    texts=("acme:pension", "acme:pension.unknown", "acme:pension.unknown.remedy", "acme:pension.remedy"),
    reads=(PENSION_REPORTED,),
)
def pension_reported_before_handover(ctx: cc.RuleContext) -> Iterator[cc.Flag]:
    """Our policy: the month's pension report is filed before the payroll is handed over."""
    if ctx.outcome is not cc.Outcome.CUSTOMER_CONTINUES:
        return
    reported = ctx.facts.get(PENSION_REPORTED)
    if reported is None:
        yield cc.Flag("acme:pension.unknown")
    elif not reported:
        yield cc.Flag("acme:pension")


PENSION_WORDS: dict[str, dict[str, Template]] = {
    "en": {
        "rule.acme:pension": "Payroll: the pension is reported",
        "acme:pension": "The pension for this month has not been reported in {product}.",
        # {reason}: why nobody could tell (no integration answers it, or it failed and how).
        "acme:pension.unknown": "Could not check whether the pension is reported in {product}: {reason}.",
        "acme:pension.unknown.remedy": (
            "Check in the pension system by hand that this month's pension is reported.",
            "Ending can go ahead once the pension system answers: try again later.",
        ),
        "acme:pension.remedy": ("Report the pension in {product}, then end the collaboration.",),
    },
    "sv": {
        "rule.acme:pension": "Lön: pensionen är rapporterad",
        "acme:pension": "Månadens pension har inte rapporterats i {product}.",
        "acme:pension.unknown": (
            "Det gick inte att kontrollera om pensionen är rapporterad i {product}: {reason}."
        ),
        "acme:pension.unknown.remedy": (
            "Kontrollera själv i pensionssystemet att månadens pension är rapporterad.",
            "Avslutet kan göras när pensionssystemet svarar: försök igen senare.",
        ),
        "acme:pension.remedy": ("Rapportera pensionen i {product} och avsluta sedan samarbetet.",),
    },
}


class PensionSystem:
    """Stands in for the host's pension integration: which customers have reported."""

    def __init__(self, reported: set[str]) -> None:
        self.reported = reported

    def has_reported(self, customer_id: str) -> bool:
        return customer_id in self.reported


def with_words(texts: Texts, words: dict[str, dict[str, Template]]) -> Texts:
    for language, entries in words.items():
        texts = texts.with_templates(language, entries)
    return texts


def main() -> None:
    # A stricter book: unsubmitted expense reports block even when the company continues.
    custom = cc.default_rulebook().add(vip_customers_need_a_second_look).regrade("R11", cc.Severity.BLOCKER)
    texts = with_words(
        cc.default_texts(),
        {
            "en": {"rule.acme:vip": "VIP customers", "acme:vip": "{customer} is a VIP."},
            "sv": {"rule.acme:vip": "VIP-kunder", "acme:vip": "{customer} är en VIP-kund."},
        },
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
    print()

    # acme:pension with its fact: the host's pension system answers it, by the fact's key.
    pensions = PensionSystem(reported=set())
    world = World(brand="spiris")
    (payroll,) = world.setup(cc.PAYROLL)
    service = cc.CollaborationService(
        world.store,
        integrations=attrs.evolve(
            world.fakes.integrations(), facts={PENSION_REPORTED.key: pensions.has_reported}
        ),
        rulebook=cc.default_rulebook().add(pension_reported_before_handover),
        texts=with_words(cc.default_texts(), PENSION_WORDS),
        brand="spiris",
    )
    admin = world.office_admin()
    plan = service.plan_end(payroll.id, actor=admin, outcome=cc.Outcome.CUSTOMER_CONTINUES)
    print(explore.plan_text(plan))
    pensions.reported.add("customer-1")
    assert service.plan_end(payroll.id, actor=admin, outcome=cc.Outcome.CUSTOMER_CONTINUES).allowed
    print("Once the pension is reported, the end may go ahead.")


if __name__ == "__main__":
    main()
