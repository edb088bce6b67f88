"""Exploring the rules: scenarios in one call, decision tables, rulebook diffs.

For notebooks and terminals. ``scenario(...)`` builds an office, a customer,
a collaboration and the integrations' facts from keywords;
``decision_table(...)`` plans every combination of a grid and returns plain
rows; ``compare_rulebooks(...)`` lists the scenarios where a custom rulebook
decides differently from another. Tables, plans, findings and rulebooks show
as HTML in Jupyter and as aligned text in a terminal.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

import attrs
from attrs import frozen

from collabcore.app.service import CollaborationService
from collabcore.domain.errors import InvalidInput, describe
from collabcore.domain.model import EXPENSES, Actor, Collaboration, Outcome, Party
from collabcore.domain.plans import Plan
from collabcore.domain.validation import tuple_from
from collabcore.policy.engine import Rulebook
from collabcore.policy.products import default_products
from collabcore.testing.world import (
    CUSTOMER_ADMIN,
    CUSTOMER_USER,
    OFFICE_ADMIN,
    OFFICE_CLERK,
    OFFICE_JUNIOR_ADMIN,
    World,
)
from collabcore.tools.display import (
    Table,
    finding_html,
    finding_lines,
    move_text,
    plan_html,
    plan_text,
    register_with_ipython,
    rulebook_table,
    timeline_table,
)
from collabcore.tools.pictures import Picture, heatmap
from collabcore.wording.texts import Texts

__all__ = [
    "ACTORS",
    "COLUMNS",
    "FACT_PRESETS",
    "Grid",
    "Picture",
    "Row",
    "Scenario",
    "Table",
    "compare_rulebooks",
    "decide",
    "decision_table",
    "finding_html",
    "finding_lines",
    "heatmap",
    "move_text",
    "plan_html",
    "plan_text",
    "rulebook_table",
    "scenario",
    "timeline_table",
]

ACTORS: Mapping[str, tuple[Party, str]] = {
    "office-admin": (Party.OFFICE, OFFICE_ADMIN),
    "office-clerk": (Party.OFFICE, OFFICE_CLERK),
    "office-junior-admin": (Party.OFFICE, OFFICE_JUNIOR_ADMIN),
    "customer-admin": (Party.CUSTOMER, CUSTOMER_ADMIN),
    "customer-user": (Party.CUSTOMER, CUSTOMER_USER),
}
"""The cast a scenario can act as: who they are is decided by their stored roles."""

FACT_PRESETS: Mapping[str, Mapping[str, Any]] = {
    "all clear": {},
    "payroll not ready": {"payroll_customer_is_user": False, "payroll_synchronised": False},
    "reports open": {"unsubmitted_reports": 2, "users_with_unsubmitted_outlays": (CUSTOMER_USER,)},
    "bank integration on": {"bank_integration_active": True},
    "linked services on": {"linked_services": ("Scanner",)},
}
"""Named sets of facts for a scenario or a grid (``FakeIntegrations.set_facts`` names): each
makes one family of rules speak; "all clear" makes none."""


@frozen
class Scenario:
    """A world with one collaboration in it, and who acts: what :func:`scenario` builds."""

    world: World
    collaboration: Collaboration
    """The collaboration to plan the end of."""
    actor: Actor
    """Who plans, unless a plan names another."""

    @property
    def service(self) -> CollaborationService:
        """The world's service, to go on from the scenario (end, schedule, relay...)."""
        return self.world.service

    def plan(
        self,
        outcome: Outcome | str,
        *,
        actor: str | Actor | None = None,
        acknowledge: Iterable[str] = (),
        confirm_deletion: bool = False,
        effective: date | None = None,
    ) -> Plan:
        """``plan_end`` of the collaboration with ``outcome``, by the scenario's actor or another
        (a name from ``ACTORS`` or an Actor); ``effective``: the end as it would be on that day."""
        chosen = self.actor if actor is None else _actor(actor)
        return self.world.service.plan_end(
            self.collaboration.id,
            actor=chosen,
            outcome=outcome,
            acknowledge=acknowledge,
            confirm_deletion=confirm_deletion,
            effective=effective,
        )

    def timeline(self, outcome: Outcome | str, *, effective: date | None = None) -> Table:
        """What happens on each date if the collaboration ends with ``outcome`` (on
        ``effective``, by default today): a table for the terminal and for Jupyter, in the
        scenario's brand and language."""
        plan = self.plan(outcome, confirm_deletion=True, effective=effective)
        loc = self.world.service.localizer
        title = f"{loc.product(self.collaboration.product)}: {loc.text(f'outcome.{plan.outcome.value}')}"
        return timeline_table(plan, title, loc)


def _actor(actor: str | Actor) -> Actor:
    if isinstance(actor, Actor):
        return actor
    if not isinstance(actor, str) or actor not in ACTORS:
        raise InvalidInput(
            f"Unknown actor {describe(actor)}.", hint="Choose one of: " + ", ".join(ACTORS) + "."
        )
    party, user = ACTORS[actor]
    return Actor(user, party, "office-1" if party is Party.OFFICE else "customer-1")


def scenario(
    *,
    product: str = EXPENSES,
    actor: str = "office-admin",
    brand: str = "visma",
    language: str = "en",
    main_contact: bool = True,
    facts: Mapping[str, Any] | str = "all clear",
    other_products: Sequence[str] = (),
    variant: str | None = None,
    invoice_recipient: Party = Party.OFFICE,
    rulebook: Rulebook | None = None,
    texts: Texts | None = None,
) -> Scenario:
    """One office, one customer, one collaboration for ``product``, ready to plan.

    ``facts`` is a preset name (see FACT_PRESETS) or the facts themselves, such as
    ``{"unsubmitted_reports": 3}``.
    """
    if isinstance(other_products, str | bytes) or not isinstance(other_products, Iterable):
        raise InvalidInput(
            f"other_products must be a list of product keys, got {describe(other_products)}.",
            path="other_products",
        )
    if not isinstance(facts, str | Mapping):
        raise InvalidInput(
            f"facts must be a preset name or a mapping of facts, got {describe(facts)}.",
            hint="Presets: " + ", ".join(FACT_PRESETS) + ".",
            path="facts",
        )
    chosen = _actor(actor)
    world = World(brand=brand, language=language, rulebook=rulebook, texts=texts)
    world.office()
    world.customer(main_contact=main_contact)
    collab = world.collaboration(product, variant=variant, invoice_recipient=invoice_recipient)
    for other in other_products:
        world.collaboration(other)
    if isinstance(facts, str):
        if facts not in FACT_PRESETS:
            raise InvalidInput(
                f"Unknown facts preset {describe(facts)}.", hint="Presets: " + ", ".join(FACT_PRESETS) + "."
            )
        facts = FACT_PRESETS[facts]
    if not all(isinstance(k, str) for k in facts):
        raise InvalidInput(f"facts must be named by text, got {describe(facts)}.", path="facts")
    world.fakes.set_facts("customer-1", **facts)
    return Scenario(world, collab, chosen)


# --- decision tables -------------------------------------------------------------


@frozen
class Row:
    """One planned cell of a decision table: the scenario, and what the plan said."""

    actor: str
    product: str
    outcome: str
    facts: str
    """The name of the facts preset (see ``FACT_PRESETS``)."""
    allowed: bool
    """Whether the end would go ahead as planned: deletion confirmed, nothing acknowledged."""
    blockers: tuple[str, ...]
    """The codes of the findings that block."""
    needs_acknowledgement: tuple[str, ...]
    """The codes to acknowledge, sorted."""
    effects: int
    """How many effects ending would cause."""

    def as_dict(self) -> dict[str, Any]:
        """The row as a dict by column name."""
        return attrs.asdict(self)


COLUMNS = ("actor", "product", "outcome", "facts", "allowed", "blockers", "needs_acknowledgement", "effects")
"""A decision table's columns: the fields of :class:`Row`, in order."""


def _names(value: Any) -> tuple[str, ...]:
    return tuple_from(str, "grid")(value)


def _outcomes(value: Any) -> tuple[Outcome, ...]:
    return tuple_from(Outcome, "outcomes")(value)


@frozen
class Grid:
    """The scenarios a decision table plans: every combination of actor, product, outcome and
    facts preset (an outcome a product does not offer is planned too, and refused by R15)."""

    actors: tuple[str, ...] = attrs.field(default=tuple(ACTORS), converter=_names)
    products: tuple[str, ...] = attrs.field(
        factory=lambda: tuple(spec.key for spec in default_products()), converter=_names
    )
    """The products to plan; by default every product of the catalog."""
    outcomes: tuple[Outcome, ...] = attrs.field(default=tuple(Outcome), converter=_outcomes)
    facts: tuple[str, ...] = attrs.field(default=tuple(FACT_PRESETS), converter=_names)

    def __iter__(self) -> Iterator[tuple[str, str, Outcome, str]]:
        return itertools.product(self.actors, self.products, self.outcomes, self.facts)

    def __len__(self) -> int:
        return len(self.actors) * len(self.products) * len(self.outcomes) * len(self.facts)


def decide(
    actor: str,
    product: str,
    outcome: Outcome,
    facts: str,
    *,
    rulebook: Rulebook | None = None,
    texts: Texts | None = None,
) -> Row:
    """Plan one cell of a grid (deletion confirmed, so R7 never hides the rest)."""
    built = scenario(product=product, actor=actor, facts=facts, rulebook=rulebook, texts=texts)
    plan = built.plan(outcome, confirm_deletion=True)
    return Row(
        actor,
        product,
        outcome.value,
        facts,
        plan.allowed,
        tuple(f.code for f in plan.blockers),
        tuple(sorted(plan.needs_acknowledgement)),
        len(plan.effects),
    )


def decision_table(
    grid: Grid | None = None, *, rulebook: Rulebook | None = None, texts: Texts | None = None
) -> Table:
    """Every combination of the grid, planned: who may do what, and what stops them."""
    if grid is not None and not isinstance(grid, Grid):
        raise InvalidInput(f"grid must be a Grid, got {describe(grid)}.", path="grid")
    rows = tuple(
        attrs.astuple(decide(a, p, o, f, rulebook=rulebook, texts=texts), recurse=False)
        for a, p, o, f in grid or Grid()
    )
    return Table(COLUMNS, rows, "Decision table")


def compare_rulebooks(
    custom: Rulebook,
    baseline: Rulebook | None = None,
    grid: Grid | None = None,
    *,
    texts: Texts | None = None,
) -> Table:
    """The scenarios where ``custom`` decides differently from ``baseline`` (the default);
    ``texts`` must hold the words of any rule either book adds."""
    if grid is not None and not isinstance(grid, Grid):
        raise InvalidInput(f"grid must be a Grid, got {describe(grid)}.", path="grid")
    changed = []
    for a, p, o, f in grid or Grid():
        before = decide(a, p, o, f, rulebook=baseline, texts=texts)
        after = decide(a, p, o, f, rulebook=custom, texts=texts)
        if (before.allowed, before.blockers, before.needs_acknowledgement) != (
            after.allowed,
            after.blockers,
            after.needs_acknowledgement,
        ):
            changed.append((a, p, o.value, f, before.allowed, after.allowed, before.blockers, after.blockers))
    columns = (
        "actor",
        "product",
        "outcome",
        "facts",
        "allowed before",
        "allowed after",
        "blockers before",
        "blockers after",
    )
    return Table(columns, tuple(changed), "Where the rulebooks differ")


# Plans, findings and rulebooks show as HTML in Jupyter once exploring starts.
register_with_ipython()
