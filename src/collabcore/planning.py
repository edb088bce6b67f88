"""Plans: what ending a collaboration would do, computed without changing anything.

:func:`make_plan` is a pure function of a rule context, a rulebook and a
localizer. It renders every finding (not just the first), lists the effects
in the order the product needs them, and sums up the consequences: who keeps
access, who pays until when, what is deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from attrs import frozen

from collabcore.domain import (
    Actor,
    Collaboration,
    EffectKind,
    Outcome,
    Party,
    month_end,
    next_day,
)
from collabcore.rules import Finding, Flag, Rule, Rulebook, RuleContext, Severity, Words
from collabcore.texts import Localizer

DELETION_CODE = "R7"
"""The finding only ``confirm_deletion=True`` acknowledges, never the acknowledge set."""


class AccessLevel(StrEnum):
    FULL = "full"
    READ_ONLY = "read_only"
    PAYROLL_PROGRAM = "payroll_program"
    NONE = "none"


@frozen
class Effect:
    """One pending consequence of an end, carried out once by the relay."""

    collaboration_id: str
    step: int
    kind: EffectKind
    office_id: str
    customer_id: str
    product: str

    @property
    def key(self) -> str:
        """Deterministic: the same end always yields the same keys, so retries are safe."""
        return f"{self.collaboration_id}:{self.step}:{self.kind.value}"


@frozen
class Consequences:
    outcome: Outcome
    office_access: AccessLevel
    company_access: AccessLevel
    payer: Party
    paid_until: date
    next_payer: Party | None
    """Who pays from the day after ``paid_until``; None when the subscription ends."""
    data_deleted: bool
    lines: tuple[str, ...]
    """The same, in the reader's words."""


@frozen
class Plan:
    collaboration: Collaboration
    actor: Actor
    outcome: Outcome
    findings: tuple[Finding, ...]
    effects: tuple[Effect, ...]
    effect_descriptions: tuple[str, ...]
    consequences: Consequences | None
    acknowledged: frozenset[str]
    deletion_confirmed: bool
    brand: str
    language: str
    planned_at: datetime

    @property
    def blockers(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.BLOCKER)

    @property
    def unacknowledged(self) -> tuple[Finding, ...]:
        return tuple(
            f
            for f in self.findings
            if f.severity is Severity.NEEDS_ACKNOWLEDGEMENT and not self._acknowledges(f.code)
        )

    @property
    def blocking_findings(self) -> tuple[Finding, ...]:
        return self.blockers + self.unacknowledged

    @property
    def allowed(self) -> bool:
        """True when ending would go ahead with these acknowledgements."""
        return not self.blocking_findings

    @property
    def needs_acknowledgement(self) -> frozenset[str]:
        """The codes to pass in ``acknowledge`` (R7 goes with ``confirm_deletion``)."""
        return frozenset(f.code for f in self.unacknowledged if f.code != DELETION_CODE)

    @property
    def needs_deletion_confirmation(self) -> bool:
        return any(f.code == DELETION_CODE for f in self.unacknowledged)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.findings)

    def _repr_html_(self) -> str:
        from collabcore.explore import plan_html  # display code stays out of the planner

        return plan_html(self)

    def _acknowledges(self, code: str) -> bool:
        if code == DELETION_CODE:
            return self.deletion_confirmed
        return code in self.acknowledged


PLANNER_TEXTS: frozenset[str] = frozenset(
    {
        *(f"effect.{k.value}" for k in EffectKind),
        *(f"outcome.{o.value}" for o in Outcome),
        *(f"party.{p.value}" for p in Party),
        *(f"severity.{s.value}" for s in Severity),
        *(f"action.{a}" for a in ("end", "start", "change_variant", "cancel_subscription")),
        "action.overview",
        "access.office.none",
        "access.office.read_only",
        *(f"access.company.{a.value}" for a in AccessLevel),
        "R23.continue",
        "R23.end",
        "billing.unchanged",
        "consequence.deleted",
        "notification.subject",
        "notification.intro",
    }
)
"""Texts the planner and notifier need whatever the rulebook holds."""


def stamped(plan: Plan, at: datetime) -> Plan:
    """``plan`` as planned at ``at``: ``attrs.evolve`` without its per-call field lookup."""
    p = plan
    return Plan(
        p.collaboration,
        p.actor,
        p.outcome,
        p.findings,
        p.effects,
        p.effect_descriptions,
        p.consequences,
        p.acknowledged,
        p.deletion_confirmed,
        p.brand,
        p.language,
        at,
    )


def render_value(loc: Localizer, value: Any) -> str:
    if isinstance(value, Words):
        return ", ".join(loc.text(k) for k in value.keys)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def common_params(loc: Localizer, ctx: RuleContext) -> dict[str, str]:
    return {
        "product": loc.product(ctx.product.key),
        "customer": ctx.customer.name,
        "customer_number": ctx.customer.number,
        "office": "" if ctx.office is None else ctx.office.name,
        "action": loc.text(f"action.{ctx.operation.value}"),
    }


def render_findings(
    loc: Localizer, ctx: RuleContext, flagged: Iterable[tuple[Rule, Flag, Severity]]
) -> tuple[Finding, ...]:
    base = common_params(loc, ctx)
    findings = []
    for rule, flag, severity in flagged:
        params = {**base, **{k: render_value(loc, v) for k, v in flag.params.items()}}
        message = _sentence(loc.text(flag.key, **params))
        remedy_key = next((k for k in (f"{flag.key}.remedy", f"{rule.id}.remedy") if loc.has(k)), None)
        remedy = loc.steps(remedy_key, **params) if remedy_key else ()
        findings.append(Finding(rule.id, severity, message, remedy, flag.key))
    return tuple(findings)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def effects_of(ctx: RuleContext) -> tuple[Effect, ...]:
    """The effects ending would cause, in the order the product needs them."""
    c = ctx.collaboration
    if c is None or ctx.outcome is None or not c.is_active or not ctx.product.offers(ctx.outcome):
        return ()
    kinds = ctx.product.effects_of(ctx.outcome)
    if ctx.outcome is Outcome.DEACTIVATE and ctx.office_has_other_active:
        # R20: the office keeps read-only access while it has other active
        # collaborations with the company.
        kinds = tuple(
            EffectKind.RESTRICT_OFFICE_ACCESS if k is EffectKind.REVOKE_OFFICE_ACCESS else k for k in kinds
        )
    return tuple(
        Effect(c.id, step, kind, c.office_id, c.customer_id, c.product)
        for step, kind in enumerate(kinds, start=1)
    )


def consequences_of(loc: Localizer, ctx: RuleContext, effects: tuple[Effect, ...]) -> Consequences | None:
    c, outcome = ctx.collaboration, ctx.outcome
    if c is None or outcome is None or not effects:
        return None
    kinds = {e.kind for e in effects}
    continues = outcome is Outcome.CUSTOMER_CONTINUES
    office = AccessLevel.READ_ONLY if EffectKind.RESTRICT_OFFICE_ACCESS in kinds else AccessLevel.NONE
    if kinds & {EffectKind.ERASE_SERVICE_DATA, EffectKind.CANCEL_SUBSCRIPTION}:
        company = AccessLevel.NONE
    elif EffectKind.DEACTIVATE_SUBSCRIPTION in kinds:
        company = AccessLevel.READ_ONLY
    elif EffectKind.REVOKE_COMPANY_ONLINE_ACCESS in kinds:
        company = AccessLevel.PAYROLL_PROGRAM if continues else AccessLevel.NONE
    else:
        company = AccessLevel.FULL
    until = month_end(ctx.today)
    deleted = EffectKind.ERASE_SERVICE_DATA in kinds
    params = {
        **common_params(loc, ctx),
        "payer": loc.text(f"party.{c.invoice_recipient.value}"),
        "date": until.isoformat(),
        "next_date": next_day(until).isoformat(),
    }
    if continues:
        billing = "R23.continue" if c.invoice_recipient is Party.OFFICE else "billing.unchanged"
    else:
        billing = "R23.end"
    keys = [f"access.office.{office.value}", f"access.company.{company.value}", billing]
    if deleted:
        keys.append("consequence.deleted")
    return Consequences(
        outcome=outcome,
        office_access=office,
        company_access=company,
        payer=c.invoice_recipient,
        paid_until=until,
        next_payer=Party.CUSTOMER if continues else None,
        data_deleted=deleted,
        lines=tuple(_sentence(loc.text(k, **params)) for k in keys),
    )


def make_plan(
    ctx: RuleContext,
    rulebook: Rulebook,
    loc: Localizer,
    *,
    now: datetime,
    acknowledge: Iterable[str] = (),
    confirm_deletion: bool = False,
) -> Plan:
    """Evaluate every rule, list the effects and consequences; changes nothing."""
    assert ctx.collaboration is not None and ctx.outcome is not None
    findings = render_findings(loc, ctx, rulebook.evaluate(ctx))
    effects = effects_of(ctx)
    params = common_params(loc, ctx)
    return Plan(
        collaboration=ctx.collaboration,
        actor=ctx.actor,
        outcome=ctx.outcome,
        findings=findings,
        effects=effects,
        effect_descriptions=tuple(loc.text(f"effect.{e.kind.value}", **params) for e in effects),
        consequences=consequences_of(loc, ctx, effects),
        acknowledged=frozenset(acknowledge),
        deletion_confirmed=confirm_deletion,
        brand=loc.brand.key,
        language=loc.language,
        planned_at=now,
    )
