"""The rule engine: rules, the facts they read, their context, and rulebooks.

A :class:`Rule` looks at a :class:`RuleContext` and yields :class:`Flag` s:
which text to show, with which parameters, and (optionally) at which
severity. The planner renders flags into findings in the brand's words;
rules themselves never hold a sentence, so they read the same in every brand
and language. A rule names the :class:`Fact` s it reads, so the integrations
are asked for exactly those. A :class:`Rulebook` is an ordered, immutable set
of rules that a host extends, trims or re-grades without forking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, timedelta
from enum import IntEnum, StrEnum
from typing import Any, TypeAlias

import attrs
from attrs import frozen

from collabcore.domain.errors import ConfigurationError, InvalidInput, describe
from collabcore.domain.findings import Severity
from collabcore.domain.model import (
    AccountingOffice,
    Actor,
    Collaboration,
    Customer,
    Outcome,
    Party,
    Subscription,
)
from collabcore.domain.validation import (
    check_callable,
    check_flag,
    check_id,
    check_mapping,
    frozenset_of,
    instance_of,
    tuple_from,
)
from collabcore.policy.facts import NO_FACTS, Fact, Facts
from collabcore.policy.products import ProductSpec


class Operation(StrEnum):
    """What the actor is about to do; each rule says which operations it checks."""

    END = "end"
    START = "start"
    CHANGE_VARIANT = "change_variant"
    CANCEL_SUBSCRIPTION = "cancel_subscription"


class Refusal(IntEnum):
    """Which error a blocking finding of a rule becomes; the lowest wins when several block."""

    NOT_AUTHORIZED = 1
    """NotAuthorized: who may act (R1, R14)."""
    ALREADY_ENDED = 2
    """AlreadyEnded: ending is final (R5)."""
    OUTCOME_NOT_OFFERED = 3
    """OutcomeNotOffered: the product has no such ending (R15)."""
    REFUSED = 4
    """EndRefused for an end, OperationRefused for anything else."""


@frozen
class RuleContext:
    operation: Operation
    actor: Actor
    today: date
    office: AccountingOffice | None
    """The office the collaboration is with; None when no office is involved."""
    customer: Customer
    product: ProductSpec
    collaboration: Collaboration | None = None
    outcome: Outcome | None = None
    facts: Facts = NO_FACTS
    others: tuple[Collaboration, ...] = ()
    """The customer's other active collaborations (any office, any product)."""
    variant: str | None = None
    """START and CHANGE_VARIANT: the variant asked for."""
    invoice_recipient: Party | None = None
    subscription: Subscription | None = None
    accepted: bool | None = None
    """None: nobody else needs to accept; False: the other party has not accepted (yet)."""

    @property
    def office_has_other_active(self) -> bool:
        return self.office is not None and any(c.office_id == self.office.id for c in self.others)


@frozen
class Words:
    """A parameter rendered from text keys in the reader's language (joined by commas)."""

    keys: tuple[str, ...]

    @classmethod
    def of(cls, *keys: str) -> Words:
        return cls(keys)


@frozen
class Flag:
    """What a rule raises: a text key and its parameters, not yet in words."""

    key: str
    params: Mapping[str, Any] = attrs.field(factory=dict)
    severity: Severity | None = None
    """None: the rule's own severity (or the rulebook's re-grade of it)."""


CheckFn: TypeAlias = Callable[[RuleContext], Iterable[Flag]]


def _products(value: Any) -> frozenset[str] | None:
    return None if value is None else frozenset_of(str, "products")(value)


def _operations(value: Any) -> frozenset[Operation]:
    return frozenset_of(Operation, "operations")(value)


def _texts(value: Any) -> tuple[str, ...]:
    return tuple_from(str, "texts")(value)


def _reads(value: Any) -> frozenset[Fact[Any]]:
    return frozenset_of(Fact, "reads")(value)


def _rules(value: Any) -> tuple[Rule, ...]:
    return tuple_from(Rule, "rules")(value)


@frozen
class Rule:
    id: str = attrs.field(validator=check_id)
    check: CheckFn = attrs.field(validator=check_callable)
    operations: frozenset[Operation] = attrs.field(default=frozenset({Operation.END}), converter=_operations)
    severity: Severity = attrs.field(default=Severity.BLOCKER, validator=instance_of(Severity))
    texts: tuple[str, ...] = attrs.field(default=(), converter=_texts)
    """Every text key the rule's flags may use, checked at start-up."""
    products: frozenset[str] | None = attrs.field(default=None, converter=_products)
    """Only for these products; None for every product."""
    protected: bool = attrs.field(default=False, validator=check_flag)
    """Authorization and finality: a rulebook may not drop or re-grade it."""
    reads: frozenset[Fact[Any]] = attrs.field(default=frozenset(), converter=_reads)
    """The facts the rule reads; the integrations are asked for them before planning."""
    refusal: Refusal = attrs.field(default=Refusal.REFUSED, validator=instance_of(Refusal))
    """Which error the rule's blocking findings become."""
    confirms_deletion: bool = attrs.field(default=False, validator=check_flag)
    """Its findings are acknowledged by ``confirm_deletion=True`` only, never by code (R7)."""

    def applies(self, ctx: RuleContext) -> bool:
        return ctx.operation in self.operations and (
            self.products is None or ctx.product.key in self.products
        )


def rule(
    id: str,
    *,
    on: Iterable[Operation] = (Operation.END,),
    severity: Severity = Severity.BLOCKER,
    texts: Iterable[str] = (),
    products: Iterable[str] | None = None,
    protected: bool = False,
    reads: Iterable[Fact[Any]] = (),
    refusal: Refusal = Refusal.REFUSED,
    confirms_deletion: bool = False,
) -> Callable[[CheckFn], Rule]:
    """Make a :class:`Rule` of a function; the texts default to the rule id's own key."""

    keys = tuple_from(str, "texts")(texts) or (id,)
    operations = frozenset_of(Operation, "on")(on)

    def make(check: CheckFn) -> Rule:
        return Rule(
            id=id,
            check=check,
            operations=operations,
            severity=severity,
            texts=keys,
            products=products,
            protected=protected,
            reads=reads,
            refusal=refusal,
            confirms_deletion=confirms_deletion,
        )

    make(_no_flags)  # every argument checked now, where rule() is called
    return make


def _no_flags(_: RuleContext) -> Iterator[Flag]:
    return iter(())


def _positive_days(_: object, attribute: attrs.Attribute[timedelta], value: object) -> None:
    if not isinstance(value, timedelta) or value < timedelta(hours=1) or value > timedelta(days=366):
        raise InvalidInput(
            f"{attribute.name} must be a datetime.timedelta from one hour to 366 days, "
            f"got {describe(value)}.",
            path=attribute.name,
        )


@frozen
class Acceptance:
    """The rulebook's switch for operations an office starts that wait for the customer's
    Administrator to accept (as Fortnox does with a link valid for 7 days). Off by default:
    the seeds let either party end at any time."""

    end: bool = attrs.field(default=False, validator=check_flag)
    """An office's end waits for the customer's acceptance."""
    start: bool = attrs.field(default=False, validator=check_flag)
    """An office's start (a product added for a customer it works with) waits too."""
    expires_after: timedelta = attrs.field(default=timedelta(days=7), validator=_positive_days)

    def needed(self, operation: Operation, actor: Actor) -> bool:
        if actor.party is not Party.OFFICE:
            return False
        return (
            self.end if operation is Operation.END else self.start if operation is Operation.START else False
        )


def _acceptance(_: object, attribute: attrs.Attribute[Acceptance], value: object) -> None:
    if not isinstance(value, Acceptance):
        raise InvalidInput(f"acceptance must be an Acceptance, got {describe(value)}.", path="acceptance")


@frozen
class Rulebook:
    """An ordered set of rules plus the host's re-grades; every change returns a new one."""

    rules: tuple[Rule, ...] = attrs.field(converter=_rules)
    grades: Mapping[str, Severity] = attrs.field(factory=dict, validator=check_mapping(str, Severity))
    acceptance: Acceptance = attrs.field(factory=Acceptance, validator=_acceptance)
    """Which office-started operations wait for the customer's Administrator (``requiring_acceptance``)."""
    _by_operation: dict[Operation, tuple[Rule, ...]] = attrs.field(init=False, eq=False, repr=False)
    _confirmation: frozenset[str] = attrs.field(init=False, eq=False, repr=False)
    _applicable: dict[tuple[Operation, str], tuple[tuple[Rule, Severity | None], ...]] = attrs.field(
        init=False, eq=False, repr=False
    )
    """The rules for one operation on one product, each with its re-grade: worked out on the
    first plan for that pair (products are the host's, so not known in advance)."""

    def __attrs_post_init__(self) -> None:
        ids = [r.id for r in self.rules]
        doubles = sorted({i for i in ids if ids.count(i) > 1})
        if doubles:
            raise ConfigurationError(f"Rule ids appear twice in the rulebook: {', '.join(doubles)}.")
        index = {op: tuple(r for r in self.rules if op in r.operations) for op in Operation}
        object.__setattr__(self, "_by_operation", index)
        object.__setattr__(self, "_confirmation", frozenset(r.id for r in self.rules if r.confirms_deletion))
        object.__setattr__(self, "_applicable", {})

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.rules)

    def get(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise ConfigurationError(
            f"No rule {describe(rule_id)} in this rulebook.", hint=f"Rules: {', '.join(self.ids)}."
        )

    def severity_of(self, r: Rule) -> Severity:
        return self.grades.get(r.id, r.severity)

    def add(self, new: Rule, *, before: str | None = None) -> Rulebook:
        if not isinstance(new, Rule):
            raise InvalidInput(f"new must be a Rule (made with @rule), got {describe(new)}.", path="new")
        if before is None:
            return attrs.evolve(self, rules=(*self.rules, new))
        self.get(before)
        at = self.ids.index(before)
        return attrs.evolve(self, rules=(*self.rules[:at], new, *self.rules[at:]))

    def without(self, *rule_ids: str) -> Rulebook:
        for rule_id in rule_ids:
            self._unprotected(rule_id, "removed")
        return attrs.evolve(self, rules=tuple(r for r in self.rules if r.id not in rule_ids))

    def replace(self, new: Rule) -> Rulebook:
        self._unprotected(new.id, "replaced")
        return attrs.evolve(self, rules=tuple(new if r.id == new.id else r for r in self.rules))

    def regrade(self, rule_id: str, severity: Severity) -> Rulebook:
        if not isinstance(severity, Severity):
            raise InvalidInput(f"severity must be a Severity, got {describe(severity)}.", path="severity")
        self._unprotected(rule_id, "re-graded")
        return attrs.evolve(self, grades={**self.grades, rule_id: severity})

    def requiring_acceptance(
        self, *, end: bool = True, start: bool = False, expires_after: timedelta = timedelta(days=7)
    ) -> Rulebook:
        """The same rules, with an office's end (and, if ``start``, its start) waiting for the
        customer's Administrator to accept within ``expires_after`` (rule L1)."""
        return attrs.evolve(self, acceptance=Acceptance(end, start, expires_after))

    def _unprotected(self, rule_id: str, verb: str) -> None:
        if self.get(rule_id).protected:
            raise ConfigurationError(
                f"Rule {rule_id} decides who may act or keeps an end final; it cannot be {verb}.",
                hint="Add a stricter rule of your own instead.",
            )

    def evaluate(self, ctx: RuleContext) -> Iterator[tuple[Rule, Flag, Severity]]:
        pair = (ctx.operation, ctx.product.key)
        applicable = self._applicable.get(pair)
        if applicable is None:
            applicable = self._applicable[pair] = tuple(
                (r, self.grades.get(r.id))
                for r in self._by_operation[ctx.operation]
                if r.products is None or ctx.product.key in r.products
            )
        for r, graded in applicable:
            for flag in r.check(ctx):
                yield r, flag, graded or flag.severity or r.severity

    def reads(self, product: ProductSpec, operation: Operation = Operation.END) -> tuple[Fact[Any], ...]:
        """The facts to ask the integrations for before ``operation`` on ``product``: what
        the rules that apply read, and what the product declares."""
        wanted = {f.key: f for f in product.facts}
        for r in self._by_operation[operation]:
            if r.products is None or product.key in r.products:
                wanted.update((f.key, f) for f in r.reads)
        return tuple(wanted[k] for k in sorted(wanted))

    @property
    def confirmation_codes(self) -> frozenset[str]:
        """The codes that only ``confirm_deletion=True`` acknowledges (R7)."""
        return self._confirmation

    def refusal_of(self, code: str) -> Refusal:
        """Which error a blocking finding with ``code`` becomes."""
        for r in self.rules:
            if r.id == code:
                return r.refusal
        return Refusal.REFUSED

    @property
    def text_keys(self) -> frozenset[str]:
        return frozenset(k for r in self.rules for k in (f"rule.{r.id}", *r.texts))
