"""Requests as typed values, checked once at the edge: bad input becomes InvalidInput."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from enum import Enum
from typing import Any, TypeVar

import attrs
from attrs import frozen

from collabcore.domain.errors import InvalidInput, describe
from collabcore.domain.model import Actor, Outcome, Party
from collabcore.domain.validation import MAX_COUNT, exact_text
from collabcore.policy.products import ProductCatalog

E = TypeVar("E", bound=Enum)

MAX_PAGE = 1000
"""The largest overview page."""


def member(kind: type[E], value: Any, name: str) -> E:
    """``value`` as a member of ``kind`` (the member itself or its value as text). Looked up
    by an exact copy of the text: nothing of the caller's object (its ``==``, its ``repr``)
    is run."""
    if type(value) is kind:
        return value
    if isinstance(value, str):
        found = {str(m.value): m for m in kind}.get(str.__str__(value))
        if found is not None:
            return found
    allowed = ", ".join(str(m.value) for m in kind)
    raise InvalidInput(f"{name} must be one of {allowed}; got {describe(value)}.", path=name)


def identifier(value: Any, name: str) -> str:
    """An id as an exact ``str``: a subclass with its own ``==`` never reaches a comparison."""
    return exact_text(value, name)


def acting(value: Any) -> Actor:
    """The actor, rebuilt from exact types: its ids as plain ``str`` and its party as the
    :class:`Party` member itself. Whatever the caller's object claims about itself (a
    subclass, a party spelled as a string, ids whose ``==`` lies), authorization only
    ever compares these copies with stored roles."""
    if not isinstance(value, Actor):
        raise InvalidInput(
            f"actor must be a collabcore.Actor, got {describe(value)}.",
            hint="Use Actor.office(office_id, user_id) or Actor.customer(customer_id, user_id).",
            path="actor",
        )
    party = object.__getattribute__(value, "party")
    if type(value) is Actor and type(party) is Party:
        user_id = exact_text(object.__getattribute__(value, "user_id"), "actor.user_id")
        party_id = exact_text(object.__getattribute__(value, "party_id"), "actor.party_id")
        if user_id is object.__getattribute__(value, "user_id") and party_id is object.__getattribute__(
            value, "party_id"
        ):
            return value  # exact types throughout, each checked: the caller's value is the copy
        return Actor(user_id=user_id, party=party, party_id=party_id)
    if type(party) is not Party:
        allowed = [p for p in Party if type(party) is str and party == p.value]
        if not allowed:
            raise InvalidInput(
                f"actor.party must be Party.OFFICE or Party.CUSTOMER, got {describe(party)}.",
                hint="Use Actor.office(...) or Actor.customer(...).",
                path="actor.party",
            )
        party = allowed[0]
    return Actor(
        user_id=exact_text(object.__getattribute__(value, "user_id"), "actor.user_id"),
        party=party,
        party_id=exact_text(object.__getattribute__(value, "party_id"), "actor.party_id"),
    )


def rule_codes(values: Any, name: str) -> frozenset[str]:
    example = f"{name} must be a collection of rule codes such as {{'R11'}}"
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidInput(f"{example}; got {describe(values)}.", path=name)
    try:
        codes = frozenset(values)
    except TypeError:
        raise InvalidInput(f"{example}; got {describe(values)}.", path=name) from None
    bad = [c for c in codes if not isinstance(c, str)]
    if bad:
        raise InvalidInput(f"{name} must hold rule codes (strings); got {describe(bad)}.", path=name)
    return codes


def iterable(value: Any, name: str) -> Iterable[Any]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise InvalidInput(f"{name} must be an iterable of EndRequest, got {describe(value)}.", path=name)
    return value


def optional_callable(value: Any, name: str) -> Any:
    if value is not None and not callable(value):
        raise InvalidInput(f"{name} must be a function or None, got {describe(value)}.", path=name)
    return value


def product_outcomes(value: Any, products: ProductCatalog) -> dict[str, Outcome]:
    """``outcomes`` of end_all_of_office: product key -> outcome, each product known."""
    if not isinstance(value, Mapping):
        raise InvalidInput(
            f"outcomes must be a mapping of product to outcome, got {describe(value)}.", path="outcomes"
        )
    checked: dict[str, Outcome] = {}
    for product, outcome in value.items():
        key = identifier(product, "outcomes")
        products.get(key)
        checked[key] = member(Outcome, outcome, f"outcomes[{key}]")
    return checked


def optional_identifier(value: Any, name: str) -> str | None:
    return None if value is None else identifier(value, name)


def optional_day(value: Any, name: str) -> date | None:
    """A calendar day (a ``datetime.date``, not a datetime: an end takes effect on a day)."""
    if value is None or type(value) is date:
        return value
    raise InvalidInput(
        f"{name} must be a datetime.date (a day, no time) or None, got {describe(value)}.",
        hint="For example datetime.date(2026, 12, 31).",
        path=name,
    )


def optional_member(kind: type[E], value: Any, name: str) -> E | None:
    return None if value is None else member(kind, value, name)


def version_number(value: Any, name: str) -> int | None:
    """An expected version: None, or a whole number a store can hold."""
    return None if value is None else whole_number(value, name, 0, MAX_COUNT)


def whole_number(value: Any, name: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidInput(
            f"{name} must be a whole number from {low:,} to {high:,}, got {describe(value)}.", path=name
        )
    return value


def _collaboration_id(value: Any) -> str:
    return identifier(value, "collaboration_id")


def _outcome(value: Any) -> Outcome:
    return member(Outcome, value, "outcome")


def _acknowledged(value: Any) -> frozenset[str]:
    return rule_codes(value, "acknowledge")


def _flag(_: Any, attribute: attrs.Attribute[bool], value: Any) -> None:
    if not isinstance(value, bool):
        raise InvalidInput(
            f"{attribute.name} must be True or False, got {describe(value)}.", path=attribute.name
        )


@frozen
class EndRequest:
    """One item of a bulk end: which collaboration, how, and what the actor acknowledges.
    Checked when made: a bad value is InvalidInput naming the field."""

    collaboration_id: str = attrs.field(converter=_collaboration_id)
    outcome: Outcome = attrs.field(converter=_outcome)
    acknowledge: frozenset[str] = attrs.field(default=frozenset(), converter=_acknowledged)
    confirm_deletion: bool = attrs.field(default=False, validator=_flag)


@frozen
class EndCommand:
    """An end (or its plan) once checked: who ends what, how, acknowledging what."""

    collaboration_id: str
    actor: Actor
    outcome: Outcome
    acknowledge: frozenset[str]
    confirm_deletion: bool

    @classmethod
    def checked(
        cls, collaboration_id: Any, actor: Any, outcome: Any, acknowledge: Any, confirm_deletion: Any
    ) -> EndCommand:
        if not isinstance(confirm_deletion, bool):
            raise InvalidInput("confirm_deletion must be True or False.", path="confirm_deletion")
        return cls(
            identifier(collaboration_id, "collaboration_id"),
            acting(actor),
            member(Outcome, outcome, "outcome"),
            rule_codes(acknowledge, "acknowledge"),
            confirm_deletion,
        )

    @classmethod
    def of(cls, request: EndRequest, actor: Actor, *, actor_checked: bool = False) -> EndCommand:
        """The command of a bulk's item; ``actor_checked``: ``actor`` is what ``acting`` gave
        (a bulk checks it once, not for every item)."""
        if not actor_checked:
            return cls.checked(
                request.collaboration_id,
                actor,
                request.outcome,
                request.acknowledge,
                request.confirm_deletion,
            )
        confirm = request.confirm_deletion
        if not isinstance(confirm, bool):
            raise InvalidInput("confirm_deletion must be True or False.", path="confirm_deletion")
        return cls(
            identifier(request.collaboration_id, "collaboration_id"),
            actor,
            member(Outcome, request.outcome, "outcome"),
            rule_codes(request.acknowledge, "acknowledge"),
            confirm,
        )

    @property
    def fingerprint(self) -> str:
        """What an idempotency key answered (stored: its format never changes)."""
        a = self.actor  # members' plain values: the stored format, whatever Enum's str() says
        return (
            f"end|{self.collaboration_id}|{a.party._value_}|{a.party_id}|{a.user_id}|{self.outcome._value_}"
        )
