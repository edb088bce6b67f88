"""Exploring the rules: scenarios in one call, decision tables, rulebook diffs.

For notebooks and terminals. ``scenario(...)`` builds an office, a customer,
a collaboration and the integrations' facts from keywords;
``decision_table(...)`` plans every combination of a grid and returns plain
rows; ``compare_rulebooks(...)`` lists the scenarios where a custom rulebook
decides differently from another. Tables, plans, findings and rulebooks show
as HTML in Jupyter and as aligned text in a terminal.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs
from attrs import frozen

from collabcore.domain import Actor, Collaboration, Outcome, Party
from collabcore.errors import InvalidInput
from collabcore.planning import Plan
from collabcore.products import BOOKKEEPING, EXPENSES, PAYROLL
from collabcore.rules import Finding, Rulebook
from collabcore.service import CollaborationService
from collabcore.texts import Localizer, Texts
from collabcore.wording import default_texts
from collabcore.world import (
    CUSTOMER_ADMIN,
    CUSTOMER_USER,
    OFFICE_ADMIN,
    OFFICE_CLERK,
    OFFICE_JUNIOR_ADMIN,
    World,
)

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


@frozen
class Scenario:
    world: World
    collaboration: Collaboration
    actor: Actor

    @property
    def service(self) -> CollaborationService:
        return self.world.service

    def plan(
        self,
        outcome: Outcome | str,
        *,
        actor: str | Actor | None = None,
        acknowledge: Iterable[str] = (),
        confirm_deletion: bool = False,
    ) -> Plan:
        chosen = self.actor if actor is None else _actor(actor)
        return self.world.service.plan_end(
            self.collaboration.id,
            actor=chosen,
            outcome=outcome,
            acknowledge=acknowledge,
            confirm_deletion=confirm_deletion,
        )


def _actor(actor: str | Actor) -> Actor:
    if isinstance(actor, Actor):
        return actor
    if actor not in ACTORS:
        raise InvalidInput(f"Unknown actor {actor!r}.", hint="Choose one of: " + ", ".join(ACTORS) + ".")
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
    world = World(brand=brand, language=language, rulebook=rulebook, texts=texts)
    world.office()
    world.customer(main_contact=main_contact)
    collab = world.collaboration(product, variant=variant, invoice_recipient=invoice_recipient)
    for other in other_products:
        world.collaboration(other)
    if isinstance(facts, str):
        if facts not in FACT_PRESETS:
            raise InvalidInput(
                f"Unknown facts preset {facts!r}.", hint="Presets: " + ", ".join(FACT_PRESETS) + "."
            )
        facts = FACT_PRESETS[facts]
    world.fakes.set_facts("customer-1", **facts)
    return Scenario(world, collab, _actor(actor))


# --- decision tables -------------------------------------------------------------


@frozen
class Row:
    actor: str
    product: str
    outcome: str
    facts: str
    allowed: bool
    blockers: tuple[str, ...]
    needs_acknowledgement: tuple[str, ...]
    effects: int

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


COLUMNS = ("actor", "product", "outcome", "facts", "allowed", "blockers", "needs_acknowledgement", "effects")


@frozen
class Grid:
    actors: tuple[str, ...] = tuple(ACTORS)
    products: tuple[str, ...] = (BOOKKEEPING, PAYROLL, EXPENSES)
    outcomes: tuple[Outcome, ...] = tuple(Outcome)
    facts: tuple[str, ...] = tuple(FACT_PRESETS)

    def __iter__(self) -> Iterator[tuple[str, str, Outcome, str]]:
        return itertools.product(self.actors, self.products, self.outcomes, self.facts)

    def __len__(self) -> int:
        return len(self.actors) * len(self.products) * len(self.outcomes) * len(self.facts)


@frozen
class Table:
    """Rows with a text form for terminals and an HTML form for Jupyter."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    title: str = ""

    def __len__(self) -> int:
        return len(self.rows)

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def __str__(self) -> str:
        cells = [self.columns, *(tuple(_cell(v) for v in row) for row in self.rows)]
        widths = [max(len(str(r[i])) for r in cells) for i in range(len(self.columns))]
        lines = [self.title] if self.title else []
        for n, row in enumerate(cells):
            lines.append("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>" for row in self.rows
        )
        caption = f"<caption>{html.escape(self.title)}</caption>" if self.title else ""
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


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


# --- showing plans, findings and rulebooks --------------------------------------------


def plan_text(plan: Plan, loc: Localizer | None = None) -> str:
    """A plan as text, in the plan's brand and language (or ``loc``'s)."""
    loc = loc or default_texts().localizer(plan.brand, plan.language)
    verdict = loc.text("plan.allowed" if plan.allowed else "plan.refused")
    lines = [
        loc.text(
            "plan.title",
            product=loc.product(plan.collaboration.product),
            collaboration=plan.collaboration.id,
            outcome=loc.text(f"outcome.{plan.outcome.value}"),
            verdict=verdict,
        )
    ]
    lines += finding_lines(loc, plan.findings)
    if plan.effect_descriptions:
        lines.append(loc.text("demo.effects"))
        lines.extend(f"  {n}. {d}" for n, d in enumerate(plan.effect_descriptions, start=1))
    if plan.consequences is not None:
        lines.append(loc.text("demo.consequences"))
        lines.extend(f"  - {line}" for line in plan.consequences.lines)
    return "\n".join(lines)


def finding_lines(loc: Localizer, findings: Sequence[Finding]) -> list[str]:
    lines = []
    for f in findings:
        lines.append(f"  [{f.code}] {loc.text(f'severity.{f.severity.value}')}: {f.message}")
        lines.extend(f"      {n}. {step}" for n, step in enumerate(f.remedy, start=1))
    return lines


def finding_html(finding: Finding) -> str:
    steps = "".join(f"<li>{html.escape(s)}</li>" for s in finding.remedy)
    remedy = f"<ol>{steps}</ol>" if steps else ""
    return (
        f"<div><b>{html.escape(finding.code)}</b> <i>{html.escape(finding.severity.value)}</i>: "
        f"{html.escape(finding.message)}{remedy}</div>"
    )


def plan_html(plan: Plan) -> str:
    verdict = "allowed" if plan.allowed else "refused"
    findings = "".join(finding_html(f) for f in plan.findings)
    effects = "".join(f"<li>{html.escape(d)}</li>" for d in plan.effect_descriptions)
    lines = "".join(
        f"<li>{html.escape(x)}</li>" for x in (plan.consequences.lines if plan.consequences else ())
    )
    return (
        f"<div><h4>{html.escape(plan.outcome.value)}: {verdict}</h4>{findings}"
        f"<p>Effects</p><ol>{effects}</ol><p>Consequences</p><ul>{lines}</ul></div>"
    )


def rulebook_table(rulebook: Rulebook) -> Table:
    rows = tuple(
        (
            r.id,
            rulebook.severity_of(r).value,
            ", ".join(sorted(o.value for o in r.operations)),
            "all" if r.products is None else ", ".join(sorted(r.products)),
            r.protected,
        )
        for r in rulebook
    )
    return Table(("rule", "severity", "operations", "products", "protected"), rows, "Rulebook")
