"""Rules, findings and rulebooks: the policy machinery.

A :class:`Rule` looks at a :class:`RuleContext` and yields :class:`Flag` s:
which text to show, with which parameters, and (optionally) at which
severity. The planner renders flags into :class:`Finding` s in the brand's
words; rules themselves never hold a sentence, so they read the same in every
brand and language. A :class:`Rulebook` is an ordered, immutable set of rules
that a host extends, trims or re-grades without forking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from enum import StrEnum
from typing import Any, TypeAlias

import attrs
from attrs import frozen

from collabcore.domain import (
    AccountingOffice,
    Actor,
    Collaboration,
    Customer,
    Outcome,
    Party,
    Subscription,
)
from collabcore.errors import ConfigurationError
from collabcore.products import ProductSpec


class Severity(StrEnum):
    BLOCKER = "blocker"
    """Ending (or the operation) cannot go ahead until it is fixed."""
    NEEDS_ACKNOWLEDGEMENT = "needs_acknowledgement"
    """It may go ahead once the actor acknowledges the finding by its code."""
    INFO = "info"
    """Something the actor should know; never stops anything."""


class Operation(StrEnum):
    """What the actor is about to do; each rule says which operations it checks."""

    END = "end"
    START = "start"
    CHANGE_VARIANT = "change_variant"
    CANCEL_SUBSCRIPTION = "cancel_subscription"


@frozen
class Facts:
    """What the integrations told about the customer before planning.

    ``None`` means "not known" (no integration, or not asked): the rules that
    need a fact treat unknown as not satisfied, because guessing wrong would
    lose data.
    """

    payroll_customer_is_user: bool | None = None
    payroll_synchronised: bool | None = None
    unsubmitted_reports: int | None = None
    users_with_unsubmitted_outlays: tuple[str, ...] | None = None
    linked_services: tuple[str, ...] | None = None
    bank_integration_active: bool | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict, hash=False)
    """Facts of products a host registered, for the host's own rules (compared, not hashed)."""


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
    facts: Facts = Facts()
    others: tuple[Collaboration, ...] = ()
    """The customer's other active collaborations (any office, any product)."""
    variant: str | None = None
    """START and CHANGE_VARIANT: the variant asked for."""
    invoice_recipient: Party | None = None
    subscription: Subscription | None = None

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


@frozen
class Finding:
    """A rendered flag: stable code, severity, message and ordered remedy steps."""

    code: str
    severity: Severity
    message: str
    remedy: tuple[str, ...] = ()
    key: str = ""
    """The text key, a finer machine-readable code such as ``R11.delete``."""

    def _repr_html_(self) -> str:
        from collabcore.explore import finding_html  # display code stays out of the rules

        return finding_html(self)


CheckFn: TypeAlias = Callable[[RuleContext], Iterable[Flag]]


@frozen
class Rule:
    id: str
    check: CheckFn
    operations: frozenset[Operation] = frozenset({Operation.END})
    severity: Severity = Severity.BLOCKER
    texts: tuple[str, ...] = ()
    """Every text key the rule's flags may use, checked at start-up."""
    products: frozenset[str] | None = None
    """Only for these products; None for every product."""
    protected: bool = False
    """Authorization and finality: a rulebook may not drop or re-grade it."""

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
) -> Callable[[CheckFn], Rule]:
    """Make a :class:`Rule` of a function; the texts default to the rule id's own key."""

    def make(check: CheckFn) -> Rule:
        keys = tuple(texts) or (id,)
        return Rule(
            id=id,
            check=check,
            operations=frozenset(on),
            severity=severity,
            texts=keys,
            products=None if products is None else frozenset(products),
            protected=protected,
        )

    return make


@frozen
class Rulebook:
    """An ordered set of rules plus the host's re-grades; every change returns a new one."""

    rules: tuple[Rule, ...]
    grades: Mapping[str, Severity] = attrs.field(factory=dict)
    _by_operation: dict[Operation, tuple[Rule, ...]] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        ids = [r.id for r in self.rules]
        doubles = sorted({i for i in ids if ids.count(i) > 1})
        if doubles:
            raise ConfigurationError(f"Rule ids appear twice in the rulebook: {', '.join(doubles)}.")
        index = {op: tuple(r for r in self.rules if op in r.operations) for op in Operation}
        object.__setattr__(self, "_by_operation", index)

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
            f"No rule {rule_id!r} in this rulebook.", hint=f"Rules: {', '.join(self.ids)}."
        )

    def severity_of(self, r: Rule) -> Severity:
        return self.grades.get(r.id, r.severity)

    def add(self, new: Rule, *, before: str | None = None) -> Rulebook:
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
        self._unprotected(rule_id, "re-graded")
        return attrs.evolve(self, grades={**self.grades, rule_id: severity})

    def _unprotected(self, rule_id: str, verb: str) -> None:
        if self.get(rule_id).protected:
            raise ConfigurationError(
                f"Rule {rule_id} decides who may act or keeps an end final; it cannot be {verb}.",
                hint="Add a stricter rule of your own instead.",
            )

    def evaluate(self, ctx: RuleContext) -> Iterator[tuple[Rule, Flag, Severity]]:
        for r in self._by_operation[ctx.operation]:
            if r.products is not None and ctx.product.key not in r.products:
                continue
            graded = self.grades.get(r.id)
            for flag in r.check(ctx):
                yield r, flag, graded or flag.severity or r.severity

    def _repr_html_(self) -> str:
        from collabcore.explore import rulebook_table

        return rulebook_table(self)._repr_html_()

    @property
    def text_keys(self) -> frozenset[str]:
        return frozenset(k for r in self.rules for k in (f"rule.{r.id}", *r.texts))
