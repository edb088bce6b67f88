"""The planner: what ending a collaboration would do, computed without changing anything.

:func:`make_plan` is a pure function of a rule context, a rulebook and a
localizer. It renders every finding (not just the first), lists the effects
in the order the product needs them, and sums up the consequences: who keeps
access, who pays until when, what is deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from functools import partial
from typing import Any

from collabcore.domain.assembly import assembler
from collabcore.domain.billing import month_end, next_day
from collabcore.domain.deferred import Deferred, maker
from collabcore.domain.effects import Effect, EffectKind
from collabcore.domain.findings import Finding, Severity
from collabcore.domain.model import Outcome, Party
from collabcore.domain.plans import AccessLevel, Consequences, Plan, TimelineStep
from collabcore.policy.engine import NOT_CHECKED, Flag, Rule, Rulebook, RuleContext, Words
from collabcore.policy.facts import Facts, Unknown, Why
from collabcore.policy.rules.billing import PAID_THEN_COMPANY, PAID_THEN_ENDED
from collabcore.policy.rules.bookkeeping import (
    LINKED_SERVICES,
    office_keeps_read_access,
    read_only_until,
)
from collabcore.wording.texts import Localizer

TIMELINE_TEXTS = (
    "timeline.scheduled",
    "timeline.ends",
    "timeline.paid_until",
    "timeline.next_payer",
    "timeline.read_only_while",
    "timeline.read_only_ends",
)

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
        PAID_THEN_COMPANY,
        PAID_THEN_ENDED,
        "billing.unchanged",
        "consequence.deleted",
        "notification.subject",
        "notification.intro",
        NOT_CHECKED,
        f"{NOT_CHECKED}.remedy",
        *(f"fact.{why.value}" for why in Why),
        *TIMELINE_TEXTS,
    }
)
"""Texts the planner and notifier need whatever the rulebook holds."""


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
    """The findings of ``flagged``; each renders its message and remedy when first read."""
    base = _Once(partial(common_params, loc, ctx))
    facts, language_of, make = ctx.facts, loc.language_of, _MAKE_FINDING
    return tuple(
        [
            make(
                rule.id,
                severity,
                Deferred(_message, loc, base, rule, flag, facts),
                Deferred(_remedy, loc, base, rule, flag, facts),
                flag.key,
                language_of(flag.key),
            )
            for rule, flag, severity in flagged
        ]
    )


_MAKE_FINDING = maker(Finding)


class _Once:
    """The parameters every finding of a plan shares, worked out for the first one read."""

    __slots__ = ("make", "value")

    def __init__(self, make: Callable[[], dict[str, str]]) -> None:
        self.make: Callable[[], dict[str, str]] | None = make
        self.value: dict[str, str] = {}

    def __call__(self) -> dict[str, str]:
        if self.make is not None:
            self.value, self.make = self.make(), None
        return self.value


def unknown_read(rule: Rule, facts: Facts) -> Unknown | None:
    """The first fact ``rule`` reads that has no answer, and why; None when all have one.
    A fact that was never asked (a context made by hand) counts as one nobody answers."""
    for fact in rule.reads_in_order:
        if facts.get(fact) is None:
            return facts.unknown(fact) or Unknown(fact.key)
    return None


def _params(
    loc: Localizer, base: Callable[[], dict[str, str]], rule: Rule, flag: Flag, facts: Facts
) -> dict[str, str]:
    params = {**base(), **{k: render_value(loc, v) for k, v in flag.params.items()}}
    if rule.reads and "reason" not in params:
        unknown = unknown_read(rule, facts)
        if unknown is not None:
            # Why a fact has no answer is the same sentence whichever rule reads it.
            params["reason"] = loc.text(f"fact.{unknown.why.value}", failure=unknown.failure or "")
    return params


def _message(loc: Localizer, base: Callable[[], dict[str, str]], rule: Rule, flag: Flag, facts: Facts) -> str:
    return sentence(loc.text(flag.key, **_params(loc, base, rule, flag, facts)))


def _remedy(
    loc: Localizer, base: Callable[[], dict[str, str]], rule: Rule, flag: Flag, facts: Facts
) -> tuple[str, ...]:
    remedy_key = next((k for k in (f"{flag.key}.remedy", f"{rule.id}.remedy") if loc.has(k)), None)
    return loc.steps(remedy_key, **_params(loc, base, rule, flag, facts)) if remedy_key else ()


def sentence(text: str) -> str:
    """``text`` with a capital first letter (a template may begin with a parameter)."""
    return text[:1].upper() + text[1:]


_MAKE_EFFECT = assembler(Effect)
_KINDS = frozenset(EffectKind)


def effects_of(ctx: RuleContext) -> tuple[Effect, ...]:
    """The effects ending would cause, in the order the product needs them."""
    c = ctx.collaboration
    if c is None or ctx.outcome is None or not c.is_active or not ctx.product.offers(ctx.outcome):
        return ()
    kinds = ctx.product.effects_of(ctx.outcome)
    if ctx.facts.get(LINKED_SERVICES):
        # R16: linked apps lose their access before the office does.
        kinds = (EffectKind.REVOKE_LINKED_SERVICES, *kinds)
    if office_keeps_read_access(ctx):
        kinds = tuple(
            EffectKind.RESTRICT_OFFICE_ACCESS if k is EffectKind.REVOKE_OFFICE_ACCESS else k for k in kinds
        )
    if not _KINDS.issuperset(kinds):  # a product's outcomes changed after they were checked
        return Effect.steps(c.id, c.office_id, c.customer_id, c.product, kinds)
    # Every value is checked already: the ids are a stored (or checked) collaboration's, and
    # the kinds are effect kinds.
    make = _MAKE_EFFECT
    return tuple(
        [
            make(c.id, step, kind, c.office_id, c.customer_id, c.product, None, None)
            for step, kind in enumerate(kinds, start=1)
        ]
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
    if continues:
        billing = PAID_THEN_COMPANY if c.invoice_recipient is Party.OFFICE else "billing.unchanged"
    else:
        billing = PAID_THEN_ENDED
    keys = [f"access.office.{office._value_}", f"access.company.{company._value_}", billing]
    if deleted:
        keys.append("consequence.deleted")
    return _MAKE_CONSEQUENCES(
        outcome,
        office,
        company,
        c.invoice_recipient,
        until,
        Party.CUSTOMER if continues else None,
        deleted,
        Deferred(_consequence_lines, loc, ctx, c.invoice_recipient, until, tuple(keys)),
    )


_MAKE_CONSEQUENCES = maker(Consequences)
_MAKE_PLAN = maker(Plan)


def _consequence_lines(
    loc: Localizer, ctx: RuleContext, payer: Party, until: date, keys: tuple[str, ...]
) -> tuple[str, ...]:
    params = {
        **common_params(loc, ctx),
        "payer": loc.text(f"party.{payer.value}"),
        "date": until.isoformat(),
        "next_date": next_day(until).isoformat(),
    }
    return tuple(sentence(loc.text(k, **params)) for k in keys)


def _effect_descriptions(loc: Localizer, ctx: RuleContext, effects: tuple[Effect, ...]) -> tuple[str, ...]:
    params = common_params(loc, ctx)
    return tuple(loc.text(f"effect.{e.kind.value}", **params) for e in effects)


def make_plan(
    ctx: RuleContext,
    rulebook: Rulebook,
    loc: Localizer,
    *,
    now: datetime,
    acknowledge: Iterable[str] = (),
    confirm_deletion: bool = False,
    effective_on: date | None = None,
    flagged: list[tuple[Rule, Flag, Severity]] | None = None,
) -> Plan:
    """Evaluate every rule, list the effects and consequences; changes nothing. With
    ``effective_on``, ``ctx.today`` is that day: the end as it would be carried out then.
    ``flagged``: what ``rulebook.flagged(ctx)`` gave already, if it was asked."""
    assert ctx.collaboration is not None and ctx.outcome is not None
    findings = render_findings(loc, ctx, rulebook.flagged(ctx) if flagged is None else flagged)
    effects = effects_of(ctx)
    # Worked out when first read, as the words are: an end that goes ahead reads none of it.
    consequences = Deferred(consequences_of, loc, ctx, effects)
    return _MAKE_PLAN(
        ctx.collaboration,
        ctx.actor,
        ctx.outcome,
        findings,
        effects,
        Deferred(_effect_descriptions, loc, ctx, effects),
        consequences,
        frozenset(acknowledge),
        confirm_deletion,
        loc.brand.key,
        loc.language,
        now,
        rulebook.confirmation_codes,
        effective_on,
        Deferred(_timeline, loc, ctx, effects, consequences, now.date()),
    )


def _timeline(
    loc: Localizer, ctx: RuleContext, effects: tuple[Effect, ...], consequences: Deferred, today: date
) -> tuple[TimelineStep, ...]:
    return timeline_of(loc, ctx, effects, consequences.value(), today)


def timeline_of(
    loc: Localizer,
    ctx: RuleContext,
    effects: tuple[Effect, ...],
    consequences: Consequences | None,
    today: date,
) -> tuple[TimelineStep, ...]:
    """What happens on each date: scheduled (today), the end and its effects (its day), paid
    until (month end), the next payer (the day after) and the end of a read-only access."""
    if consequences is None:
        return ()
    day = ctx.today
    params = {
        **common_params(loc, ctx),
        "date": day.isoformat(),
        "payer": loc.text(f"party.{consequences.payer.value}"),
    }
    steps: list[TimelineStep] = []

    def step(on: date, key: str) -> None:
        steps.append(TimelineStep(on, sentence(loc.text(key, **params)), key))

    if day > today:
        step(today, "timeline.scheduled")
    step(day, "timeline.ends")
    steps.extend(
        TimelineStep(day, loc.text(f"effect.{e.kind.value}", **params), f"effect.{e.kind.value}")
        for e in effects
    )
    until = read_only_until(ctx)
    if until is None and consequences.office_access is AccessLevel.READ_ONLY:
        step(day, "timeline.read_only_while")
    step(consequences.paid_until, "timeline.paid_until")
    if consequences.next_payer is not None:
        step(next_day(consequences.paid_until), "timeline.next_payer")
    if until is not None:
        step(until, "timeline.read_only_ends")
    return tuple(sorted(steps, key=lambda s: s.on))
