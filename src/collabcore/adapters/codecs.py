"""Hand-written codecs for the values every end reads and writes.

The cattrs converter (:mod:`collabcore.adapters.serialization`) is the
definition of the stored format; these functions are a faster road to the same
place, for the kinds on the hot path. Writing gives exactly the converter's data,
key for key and in the same order (so the stored text is the same). Reading
takes only data in exactly the shape collabcore writes, checks every field's
type as the converter does, and builds the value through its attrs class, so
its validators run: every row read back is still checked. Anything else (a
missing field that has a default, an extra field, a wrong type) goes to the
converter, whose error names the bad field. A property test holds the two roads
together for every kind here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar

from collabcore.domain.assembly import assembled
from collabcore.domain.effects import Effect, EffectKind
from collabcore.domain.events import CollaborationEnded, Event
from collabcore.domain.model import (
    AccountingOffice,
    Actor,
    Collaboration,
    Customer,
    CustomerUser,
    OfficeUser,
    Outcome,
    Party,
    Role,
    Status,
    Subscription,
    SubscriptionStatus,
)
from collabcore.domain.outbox import Attempt, EffectStatus, OutboxItem
from collabcore.domain.validation import MAX_COUNT, require_text

T = TypeVar("T")
E = TypeVar("E", bound=Enum)


class NotOurShape(Exception):
    """The data is not exactly what collabcore writes: the converter decides."""


# --- writing --------------------------------------------------------------------


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def actor_data(a: Actor) -> dict[str, Any]:
    return {"user_id": a.user_id, "party": a.party.value, "party_id": a.party_id}


def collaboration_data(c: Collaboration) -> dict[str, Any]:
    return {
        "id": c.id,
        "office_id": c.office_id,
        "customer_id": c.customer_id,
        "product": c.product,
        "started_at": c.started_at.isoformat(),
        "variant": c.variant,
        "invoice_recipient": c.invoice_recipient.value,
        "status": c.status.value,
        "ended_at": _time(c.ended_at),
        "ended_by": None if c.ended_by is None else actor_data(c.ended_by),
        "outcome": None if c.outcome is None else c.outcome.value,
        "version": c.version,
    }


def subscription_data(s: Subscription) -> dict[str, Any]:
    return {
        "customer_id": s.customer_id,
        "product": s.product,
        "payer": s.payer.value,
        "status": s.status.value,
        "paid_until": None if s.paid_until is None else s.paid_until.isoformat(),
        "version": s.version,
    }


def effect_data(e: Effect) -> dict[str, Any]:
    return {
        "collaboration_id": e.collaboration_id,
        "step": e.step,
        "kind": e.kind.value,
        "office_id": e.office_id,
        "customer_id": e.customer_id,
        "product": e.product,
        "request_id": e.request_id,
        "notice": e.notice,
    }


def outbox_item_data(i: OutboxItem) -> dict[str, Any]:
    return {
        "effect": effect_data(i.effect),
        "status": i.status.value,
        "attempts": i.attempts,
        "next_attempt_at": i.next_attempt_at.isoformat(),
        "updated_at": i.updated_at.isoformat(),
        "last_error": i.last_error,
        "resolution": i.resolution,
        "history": [{"at": a.at.isoformat(), "error": a.error} for a in i.history],
        "lease": i.lease,
    }


def ended_event_data(e: CollaborationEnded) -> dict[str, Any]:
    return {
        "collaboration_id": e.collaboration_id,
        "office_id": e.office_id,
        "customer_id": e.customer_id,
        "product": e.product,
        "outcome": e.outcome.value,
        "actor": actor_data(e.actor),
        "acknowledged": list(e.acknowledged),
        "occurred_at": e.occurred_at.isoformat(),
        "type": "CollaborationEnded",
    }


WRITERS: dict[type, Callable[[Any], dict[str, Any]]] = {
    Collaboration: collaboration_data,
    Subscription: subscription_data,
    OutboxItem: outbox_item_data,
    CollaborationEnded: ended_event_data,
}
"""By the value's exact type. An event's writer adds its ``type`` tag, as the
converter does when it writes an event as an :data:`Event`; so it is used only then."""


# --- reading --------------------------------------------------------------------


def _fields(data: Any, names: frozenset[str]) -> dict[str, Any]:
    if type(data) is not dict or data.keys() != names:
        raise NotOurShape
    return data


def _text(value: Any) -> str:
    if type(value) is not str:
        raise NotOurShape
    return value


def _maybe_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _whole(value: Any) -> int:
    if type(value) is not int:
        raise NotOurShape
    return value


def _flag(value: Any) -> bool:
    if type(value) is not bool:
        raise NotOurShape
    return value


def _members(kind: type[E]) -> dict[str, E]:
    return {str(m.value): m for m in kind}


_PARTY, _ROLE, _STATUS = _members(Party), _members(Role), _members(Status)
_OUTCOME, _SUBSCRIPTION_STATUS = _members(Outcome), _members(SubscriptionStatus)


def _member(members: dict[str, E], value: Any) -> E:
    if type(value) is not str or value not in members:
        raise NotOurShape
    return members[value]


def _moment(value: Any) -> datetime:
    if type(value) is not str:
        raise NotOurShape
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise NotOurShape from None
    if parsed.tzinfo is None:
        raise NotOurShape
    return parsed


def _day(value: Any) -> date:
    if type(value) is not str:
        raise NotOurShape
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise NotOurShape from None


def _list(value: Any) -> list[Any]:
    if type(value) is not list:
        raise NotOurShape
    return value


_ACTOR = frozenset({"user_id", "party", "party_id"})


def read_actor(data: Any) -> Actor:
    d = _fields(data, _ACTOR)
    return Actor(_text(d["user_id"]), _member(_PARTY, d["party"]), _text(d["party_id"]))


def read_collaboration(data: Any) -> Collaboration:
    """The most read row of all, so its validators' checks are made here, inline, and the
    value assembled without running them again (a field-by-field test holds the two sets of
    checks together)."""
    d = _fields(data, COLLABORATION_FIELDS)
    ended_at, ended_by, outcome, variant = d["ended_at"], d["ended_by"], d["outcome"], d["variant"]
    return assembled(
        Collaboration,
        *(
            _id(d["id"]),
            _id(d["office_id"]),
            _id(d["customer_id"]),
            _id(d["product"]),
            _moment(d["started_at"]),
            None if variant is None else _id(variant),
            _member(_PARTY, d["invoice_recipient"]),
            _member(_STATUS, d["status"]),
            None if ended_at is None else _moment(ended_at),
            None if ended_by is None else read_actor(ended_by),
            None if outcome is None else _member(_OUTCOME, outcome),
            _count(d["version"]),
        ),
    )


def _id(value: Any) -> str:
    """What ``check_id`` lets through (its common case is one expression of C calls)."""
    if type(value) is not str:
        raise NotOurShape
    return require_text(value, "id")


def _count(value: Any) -> int:
    if type(value) is not int or not 0 <= value <= MAX_COUNT:
        raise NotOurShape
    return value


COLLABORATION_FIELDS = frozenset(
    {
        "id",
        "office_id",
        "customer_id",
        "product",
        "started_at",
        "variant",
        "invoice_recipient",
        "status",
        "ended_at",
        "ended_by",
        "outcome",
        "version",
    }
)
_CUSTOMER_USER = frozenset({"id", "name", "role"})
_CUSTOMER = frozenset({"id", "number", "name", "users", "main_contact", "language", "version"})
_OFFICE_USER = frozenset({"id", "name", "role", "full_rights"})
_OFFICE = frozenset({"id", "name", "users", "language"})
_SUBSCRIPTION = frozenset({"customer_id", "product", "payer", "status", "paid_until", "version"})


def read_customer(data: Any) -> Customer:
    d = _fields(data, _CUSTOMER)
    users = []
    for item in _list(d["users"]):
        u = _fields(item, _CUSTOMER_USER)
        users.append(CustomerUser(_text(u["id"]), _text(u["name"]), _member(_ROLE, u["role"])))
    return Customer(
        _text(d["id"]),
        _text(d["number"]),
        _text(d["name"]),
        tuple(users),
        _maybe_text(d["main_contact"]),
        _text(d["language"]),
        _whole(d["version"]),
    )


def read_office(data: Any) -> AccountingOffice:
    d = _fields(data, _OFFICE)
    users = []
    for item in _list(d["users"]):
        u = _fields(item, _OFFICE_USER)
        users.append(
            OfficeUser(_text(u["id"]), _text(u["name"]), _member(_ROLE, u["role"]), _flag(u["full_rights"]))
        )
    return AccountingOffice(_text(d["id"]), _text(d["name"]), tuple(users), _text(d["language"]))


def read_subscription(data: Any) -> Subscription:
    d = _fields(data, _SUBSCRIPTION)
    paid_until = d["paid_until"]
    return Subscription(
        _text(d["customer_id"]),
        _text(d["product"]),
        _member(_PARTY, d["payer"]),
        _member(_SUBSCRIPTION_STATUS, d["status"]),
        None if paid_until is None else _day(paid_until),
        _whole(d["version"]),
    )


_EFFECT = frozenset(
    {"collaboration_id", "step", "kind", "office_id", "customer_id", "product", "request_id", "notice"}
)
_ATTEMPT = frozenset({"at", "error"})
_OUTBOX_ITEM = frozenset(
    {
        "effect",
        "status",
        "attempts",
        "next_attempt_at",
        "updated_at",
        "last_error",
        "resolution",
        "history",
        "lease",
    }
)
_KIND, _EFFECT_STATUS = _members(EffectKind), _members(EffectStatus)


def read_effect(data: Any) -> Effect:
    d = _fields(data, _EFFECT)
    return Effect(
        _text(d["collaboration_id"]),
        _whole(d["step"]),
        _member(_KIND, d["kind"]),
        _text(d["office_id"]),
        _text(d["customer_id"]),
        _text(d["product"]),
        _maybe_text(d["request_id"]),
        _maybe_text(d["notice"]),
    )


def read_outbox_item(data: Any) -> OutboxItem:
    """The relay reads every item of a collaboration for each notification it sends."""
    d = _fields(data, _OUTBOX_ITEM)
    history = []
    for entry in _list(d["history"]):
        a = _fields(entry, _ATTEMPT)
        history.append(assembled(Attempt, _moment(a["at"]), _maybe_text(a["error"])))
    return assembled(
        OutboxItem,
        *(
            read_effect(d["effect"]),
            _member(_EFFECT_STATUS, d["status"]),
            _whole(d["attempts"]),
            _moment(d["next_attempt_at"]),
            _moment(d["updated_at"]),
            _maybe_text(d["last_error"]),
            _maybe_text(d["resolution"]),
            tuple(history),
            _maybe_text(d["lease"]),
        ),
    )


READERS: dict[type, Callable[[Any], Any]] = {
    Collaboration: read_collaboration,
    Customer: read_customer,
    AccountingOffice: read_office,
    Subscription: read_subscription,
    OutboxItem: read_outbox_item,
    Effect: read_effect,
}


def write(value: Any, kind: Any) -> dict[str, Any] | None:
    """``value``'s stored data by the fast road, or None where there is none."""
    writer = WRITERS.get(type(value))
    if writer is None:
        return None
    if type(value) is CollaborationEnded:
        return writer(value) if kind is Event else None
    return writer(value) if kind is None or kind is type(value) else None


def read(data: Any, kind: type[T]) -> T | None:
    """The value ``data`` holds by the fast road, or None: then the converter reads it
    (and names what is wrong, if anything is)."""
    reader = READERS.get(kind)
    if reader is None:
        return None
    try:
        value: T = reader(data)
    except Exception:
        return None
    return value
