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

import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, timedelta
from enum import IntEnum, StrEnum
from typing import Any, TypeAlias

import attrs
from attrs import frozen

from collabcore.domain.errors import (
    CollabCoreDeprecationWarning,
    ConfigurationError,
    InvalidInput,
    describe,
)
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
    """Everything a rule may look at: read from storage and the integrations before the
    rules run, never from the caller's word. ``collabcore.testing.rules.rule_context``
    makes one in a line for a rule's test."""

    operation: Operation
    """What the actor is about to do."""
    actor: Actor
    """Who acts (its party and user id; its rights are checked by R1 and R14)."""
    today: date
    """The day it takes effect: today, or the day a scheduled end is carried out."""
    office: AccountingOffice | None
    """The office the collaboration is with; None when no office is involved."""
    customer: Customer
    """The company, with its users and main contact as stored."""
    product: ProductSpec
    """The product the operation is about."""
    collaboration: Collaboration | None = None
    """The collaboration acted on; None for a START, which has none yet."""
    outcome: Outcome | None = None
    """The ending chosen (END only); None for every other operation."""
    facts: Facts = NO_FACTS
    """What the integrations answered for the facts the rules declare."""
    others: tuple[Collaboration, ...] = ()
    """The customer's other active collaborations (any office, any product)."""
    variant: str | None = None
    """START and CHANGE_VARIANT: the variant asked for; None for other operations, or for the
    product's default."""
    invoice_recipient: Party | None = None
    """START: who is to receive the invoices; None for other operations (read the
    collaboration's)."""
    subscription: Subscription | None = None
    """The company's subscription to the product; None when it has none (yet)."""
    accepted: bool | None = None
    """None: nobody else needs to accept; False: the other party has not accepted (yet)."""

    @property
    def office_has_other_active(self) -> bool:
        """Whether the office has another active collaboration with the company (R20)."""
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

NOT_CHECKED = "fact.rule_not_checked"
"""What a rule says instead of its findings when a fact it reads is newer than the host's
integrations and nobody answers it (``Integrations.as_of``): not checked, decision unchanged."""


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
    """One rule: an id, a check that yields flags, and what it needs and decides. Made with
    :func:`rule` from a function; a host's id lives in a namespace of its own (``acme:vip``)."""

    id: str = attrs.field(validator=check_id)
    """The finding code (``R11``, ``acme:vip``); collabcore's own have no colon."""
    check: CheckFn = attrs.field(validator=check_callable)
    """Looks at a context and yields flags; its docstring is the rule's source in the reference."""
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

    @property
    def reads_in_order(self) -> tuple[Fact[Any], ...]:
        """The facts it reads, by key: the order in which a plan says which one is unknown."""
        return tuple(sorted(self.reads, key=lambda f: f.key))

    def applies(self, ctx: RuleContext) -> bool:
        """Whether the rule is asked for ``ctx``'s operation and product."""
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


NAMESPACED = re.compile(r"([a-z][a-z0-9_-]*):[^\s:]+")
"""A host's rule id: its own namespace, a colon, a name (``acme:pension-reported``)."""


def is_library_rule(r: Rule) -> bool:
    """Whether collabcore itself defines ``r`` (its check lives in collabcore's code)."""
    module = getattr(r.check, "__module__", None) or ""
    return module == "collabcore" or module.startswith("collabcore.")


def _origin(r: Rule) -> str:
    where = f"{getattr(r.check, '__module__', '?')}.{getattr(r.check, '__qualname__', '?')}"
    return f"collabcore's rule {where}" if is_library_rule(r) else f"the rule {where}"


def _suggested(r: Rule) -> str:
    module = (getattr(r.check, "__module__", None) or "host").split(".")[0].lower()
    namespace = re.sub(r"[^a-z0-9_-]", "", module) or "host"
    if not namespace[0].isalpha():
        namespace = "host"
    return f"{namespace}:{r.id.split(':')[-1]}"


def _twice(first: Rule, second: Rule) -> ConfigurationError:
    ours = next((r for r in (first, second) if not is_library_rule(r)), second)
    return ConfigurationError(
        f"Rule id {first.id!r} appears twice in the rulebook: {_origin(first)} and {_origin(second)}.",
        hint=f"Rename {_origin(ours)} into a namespace of your own, such as {_suggested(ours)!r}, "
        "with its text keys; collabcore's own ids have no colon.",
    )


def _check_namespace(new: Rule) -> None:
    if is_library_rule(new):
        return
    match = NAMESPACED.fullmatch(new.id)
    if match is not None and match[1] == "collabcore":
        raise ConfigurationError(
            f"Rule id {new.id!r}: the namespace collabcore is the library's own.",
            hint=f"Use a namespace of your own, such as {_suggested(new)!r}.",
        )
    if match is None:
        warnings.warn(
            f"Rule id {new.id!r} has no namespace: collabcore's own ids have none, and a later "
            f"version's rule could take it. Name it {_suggested(new)!r} (and its text keys "
            "with it); from collabcore 1.0 an id without a namespace is refused.",
            CollabCoreDeprecationWarning,
            stacklevel=3,
        )


_Prepared: TypeAlias = tuple[Rule, CheckFn, Severity | None, Severity, frozenset[str]]
"""A rule as a plan evaluates it: the rule, its check, its re-grade, its own severity, the
keys of the facts it reads."""


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
    _applicable: dict[tuple[Operation, str], tuple[_Prepared, ...]] = attrs.field(
        init=False, eq=False, repr=False
    )
    """The rules for one operation on one product, prepared (:meth:`_prepare`)."""

    def __attrs_post_init__(self) -> None:
        seen: dict[str, Rule] = {}
        for r in self.rules:
            if r.id in seen:
                raise _twice(seen[r.id], r)
            seen[r.id] = r
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
        """The rule ids, in order."""
        return tuple(r.id for r in self.rules)

    def get(self, rule_id: str) -> Rule:
        """The rule ``rule_id``; ConfigurationError naming the ids there are otherwise."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise ConfigurationError(
            f"No rule {describe(rule_id)} in this rulebook.", hint=f"Rules: {', '.join(self.ids)}."
        )

    def severity_of(self, r: Rule) -> Severity:
        """``r``'s severity in this rulebook: its re-grade, else its own."""
        return self.grades.get(r.id, r.severity)

    def add(self, new: Rule, *, before: str | None = None) -> Rulebook:
        """The rulebook with a rule of the host's own, at the end or ``before`` another.
        Its id lives in a namespace of the host's (``"acme:vip"``): the library's ids
        (``R24``, ``L2``) are its own, and one given twice is refused naming both rules."""
        if not isinstance(new, Rule):
            raise InvalidInput(f"new must be a Rule (made with @rule), got {describe(new)}.", path="new")
        existing = next((r for r in self.rules if r.id == new.id), None)
        if existing is not None:
            raise _twice(existing, new)
        _check_namespace(new)
        if before is None:
            return attrs.evolve(self, rules=(*self.rules, new))
        self.get(before)
        at = self.ids.index(before)
        return attrs.evolve(self, rules=(*self.rules[:at], new, *self.rules[at:]))

    def without(self, *rule_ids: str) -> Rulebook:
        """The rulebook without these rules; a protected one (R1, R5, R7, R14, R15) is refused."""
        for rule_id in rule_ids:
            self._unprotected(rule_id, "removed")
        return attrs.evolve(self, rules=tuple(r for r in self.rules if r.id not in rule_ids))

    def replace(self, new: Rule) -> Rulebook:
        """The rulebook with the rule of ``new``'s id swapped for ``new`` (unprotected ones only)."""
        self._unprotected(new.id, "replaced")
        return attrs.evolve(self, rules=tuple(new if r.id == new.id else r for r in self.rules))

    def regrade(self, rule_id: str, severity: Severity) -> Rulebook:
        """The rulebook with ``rule_id``'s findings at ``severity`` (unprotected ones only)."""
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
        """Every flag of every rule that applies to ``ctx``, with the rule and its severity;
        a rule reading a fact told as not checked says so instead (INFO)."""
        return iter(self.flagged(ctx))

    def flagged(self, ctx: RuleContext) -> list[tuple[Rule, Flag, Severity]]:
        """:meth:`evaluate`'s flags, as a list."""
        pair = (ctx.operation, ctx.product.key)
        prepared = self._applicable.get(pair)
        if prepared is None:
            prepared = self._prepare(pair)
        found: list[tuple[Rule, Flag, Severity]] = []
        not_checked = ctx.facts.not_checked
        for r, check, graded, own, reads in prepared:
            if not_checked and reads & not_checked:
                # A check newer than the host's integrations: said, never deciding.
                found.append((r, Flag(NOT_CHECKED, {"check": Words.of(f"rule.{r.id}")}), Severity.INFO))
                continue
            for flag in check(ctx):
                found.append((r, flag, graded or flag.severity or own))
        return found

    def _prepare(self, pair: tuple[Operation, str]) -> tuple[_Prepared, ...]:
        """The rules for one operation on one product, in order, each with what evaluating it
        needs at hand: its check, its re-grade, its own severity and the keys it reads.
        Worked out on the first plan for the pair (products are the host's, so not known in
        advance) and kept."""
        operation, product = pair
        prepared = tuple(
            (r, r.check, self.grades.get(r.id), r.severity, frozenset(f.key for f in r.reads))
            for r in self._by_operation[operation]
            if r.products is None or product in r.products
        )
        self._applicable[pair] = prepared
        return prepared

    def reads(self, product: ProductSpec, operation: Operation = Operation.END) -> tuple[Fact[Any], ...]:
        """The facts to ask the integrations for before ``operation`` on ``product``: what
        the rules that apply read, and what the product declares."""
        wanted = {f.key: f for f in product.facts}
        for r in self._by_operation[operation]:
            if r.products is None or product.key in r.products:
                wanted.update((f.key, f) for f in r.reads)
        return tuple(wanted[k] for k in sorted(wanted))

    def facts(self, products: Iterable[ProductSpec] = ()) -> tuple[Fact[Any], ...]:
        """Every fact the rules read, and those ``products`` declare, by key."""
        found = {f.key: f for p in products for f in p.facts}
        found.update((f.key, f) for r in self.rules for f in r.reads)
        return tuple(found[k] for k in sorted(found))

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
        """Every text key the rules may render (titles ``rule.<id>`` included): each brand and
        language must give them, or fall back on one that does."""
        return frozenset(k for r in self.rules for k in (f"rule.{r.id}", *r.texts))
