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

import json
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from json.encoder import encode_basestring as _string
from typing import Any, TypeVar

from attrs import frozen as frozen_slots

from collabcore.domain.assembly import assembled, assembler
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
from collabcore.domain.records import EndResult, EndWrites
from collabcore.domain.validation import LANGUAGE, MAX_COUNT, MAX_NAME_LENGTH, require_text

T = TypeVar("T")
E = TypeVar("E", bound=Enum)


def _json_encoder() -> Callable[[Any], str]:
    """One encoder for every row, built once: ``json.dumps`` with options builds a new one
    per call, and even a kept ``JSONEncoder`` builds its C encoder anew for each value.
    Without the C speedups, the kept encoder."""
    kept = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return kept.encode
    # markers=None: no check for cycles, which rows made of plain data never have.
    encode = make(None, kept.default, json.encoder.encode_basestring, None, ":", ",", False, False, True)
    return lambda data: "".join(encode(data, 0))


ENCODE = _json_encoder()
"""Compact JSON with ``ensure_ascii`` off, as the stores keep their documents."""


class NotOurShape(Exception):
    """The data is not exactly what collabcore writes: the converter decides."""


# --- writing --------------------------------------------------------------------


# The writers read an enum member's ``_value_``, its plain attribute: ``.value`` is a
# property of Enum's, a Python call each time, and an end writes some twenty of them.


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def actor_data(a: Actor) -> dict[str, Any]:
    return {"user_id": a.user_id, "party": a.party._value_, "party_id": a.party_id}


def collaboration_data(c: Collaboration, moment: datetime | None = None, stamp: str = "") -> dict[str, Any]:
    """``stamp``: ``moment``'s ISO form, when it is at hand (an end writes its moment into
    several documents)."""
    ended_at = c.ended_at
    return {
        "id": c.id,
        "office_id": c.office_id,
        "customer_id": c.customer_id,
        "product": c.product,
        "started_at": c.started_at.isoformat(),
        "variant": c.variant,
        "invoice_recipient": c.invoice_recipient._value_,
        "status": c.status._value_,
        "ended_at": stamp if ended_at is moment and moment is not None else _time(ended_at),
        "ended_by": None if c.ended_by is None else actor_data(c.ended_by),
        "outcome": None if c.outcome is None else c.outcome._value_,
        "version": c.version,
    }


def subscription_data(s: Subscription) -> dict[str, Any]:
    return {
        "customer_id": s.customer_id,
        "product": s.product,
        "payer": s.payer._value_,
        "status": s.status._value_,
        "paid_until": None if s.paid_until is None else s.paid_until.isoformat(),
        "version": s.version,
    }


def effect_data(e: Effect) -> dict[str, Any]:
    return {
        "collaboration_id": e.collaboration_id,
        "step": e.step,
        "kind": e.kind._value_,
        "office_id": e.office_id,
        "customer_id": e.customer_id,
        "product": e.product,
        "request_id": e.request_id,
        "notice": e.notice,
    }


def outbox_item_data(i: OutboxItem) -> dict[str, Any]:
    return {
        "effect": effect_data(i.effect),
        "status": i.status._value_,
        "attempts": i.attempts,
        "next_attempt_at": i.next_attempt_at.isoformat(),
        "updated_at": i.updated_at.isoformat(),
        "last_error": i.last_error,
        "resolution": i.resolution,
        "history": [{"at": a.at.isoformat(), "error": a.error} for a in i.history],
        "lease": i.lease,
    }


def ended_event_core(e: CollaborationEnded) -> dict[str, Any]:
    """:func:`ended_event_data` without the ``type`` tag: the event as an idempotency record's
    result holds it (written as a ``CollaborationEnded``, not as an ``Event``)."""
    return {
        "collaboration_id": e.collaboration_id,
        "office_id": e.office_id,
        "customer_id": e.customer_id,
        "product": e.product,
        "outcome": e.outcome._value_,
        "actor": actor_data(e.actor),
        "acknowledged": list(e.acknowledged),
        "occurred_at": e.occurred_at.isoformat(),
    }


def ended_event_data(e: CollaborationEnded) -> dict[str, Any]:
    # The tag comes last, as it always has: documents written before and after match byte for byte.
    return {**ended_event_core(e), "type": "CollaborationEnded"}


_TAG = ',"type":"CollaborationEnded"}'


@frozen_slots
class EndTexts:
    """An end's stored documents as JSON text, each exactly what the encoder makes of the
    converter's data for it (a property test holds them together)."""

    collaboration: str
    event: str
    """Tagged, as the events table keeps an :data:`Event`."""
    subscription: str | None
    items: tuple[str, ...]
    """One pending outbox item per effect, in the effects' order."""
    record: str | None


def end_texts(writes: EndWrites, encode: Callable[[Any], str]) -> EndTexts:
    """The JSON of everything ``writes`` stores, with ``encode`` (compact, ``ensure_ascii``
    off). Each document is encoded once: the idempotency record is pieced together from the
    texts of the collaboration, the event and the effects it holds, and the outbox items
    around their effects' texts, since the record's result and the outbox are the end's own."""
    moment = writes.at
    stamp = moment.isoformat()  # the end's one moment, written in several places
    collaboration = _collaboration_text(writes.ended, moment, stamp, encode)
    core = _event_text(writes.event, moment, stamp, encode)
    at = f'"{stamp}"'  # an ISO time holds nothing JSON escapes
    effects = _effect_texts(writes.effects, encode)
    tail = f',"status":"pending","attempts":0,"next_attempt_at":{at},"updated_at":{at},' + (
        '"last_error":null,"resolution":null,"history":[],"lease":null}'
    )
    items = tuple(f'{{"effect":{effect}{tail}' for effect in effects)
    s = writes.subscription
    record = None
    r = writes.idempotency
    if r is not None:
        result = r.result
        if (
            result.collaboration is writes.ended
            and result.event is writes.event
            and result.effects is writes.effects
        ):
            held = f'{{"collaboration":{collaboration},"event":{core},"effects":[{",".join(effects)}],'
            held += f'"replayed":{"true" if result.replayed else "false"}}}'
        else:  # a record of another result than this end's (no caller makes one)
            held = encode(end_result_data(result))
        record = (
            f'{{"key":{_string(r.key)},"fingerprint":{_string(r.fingerprint)},"result":{held},'
            f'"created_at":"{stamp if r.created_at is moment else r.created_at.isoformat()}",'
            f'"scope":{_string(r.scope)}}}'
        )
    return EndTexts(
        collaboration,
        core[:-1] + _TAG,
        None if s is None else encode(subscription_data(s)),
        items,
        record,
    )


# The texts below are written out rather than encoded from a dict: ids go through the
# encoder's own string escaping, enum members are plain words and times ISO forms, which
# JSON never escapes, and versions exact ints. Anything else takes the encoder's road.


def _collaboration_text(c: Collaboration, moment: datetime, stamp: str, encode: Callable[[Any], str]) -> str:
    by, variant, outcome, ended_at = c.ended_by, c.variant, c.outcome, c.ended_at
    if (
        type(c.version) is not int
        or (by is not None and type(by.party) is not Party)
        or (outcome is not None and type(outcome) is not Outcome)
    ):
        return encode(collaboration_data(c, moment, stamp))
    ended = "null" if ended_at is None else f'"{stamp if ended_at is moment else ended_at.isoformat()}"'
    who = (
        "null"
        if by is None
        else (
            f'{{"user_id":{_string(by.user_id)},"party":"{by.party._value_}",'
            f'"party_id":{_string(by.party_id)}}}'
        )
    )
    how = "null" if outcome is None else f'"{outcome._value_}"'
    return (
        f'{{"id":{_string(c.id)},"office_id":{_string(c.office_id)},"customer_id":{_string(c.customer_id)},'
        f'"product":{_string(c.product)},"started_at":"{c.started_at.isoformat()}",'
        f'"variant":{"null" if variant is None else _string(variant)},'
        f'"invoice_recipient":"{c.invoice_recipient._value_}","status":"{c.status._value_}",'
        f'"ended_at":{ended},"ended_by":{who},'
        f'"outcome":{how},"version":{c.version}}}'
    )


def _event_text(e: CollaborationEnded, moment: datetime, stamp: str, encode: Callable[[Any], str]) -> str:
    """:func:`ended_event_core`'s JSON."""
    a = e.actor
    if type(a.party) is not Party or type(e.acknowledged) is not tuple or type(e.outcome) is not Outcome:
        data = ended_event_core(e)
        return encode(data)
    when = stamp if e.occurred_at is moment else e.occurred_at.isoformat()
    acknowledged = ",".join([_string(code) for code in e.acknowledged])
    return (
        f'{{"collaboration_id":{_string(e.collaboration_id)},"office_id":{_string(e.office_id)},'
        f'"customer_id":{_string(e.customer_id)},"product":{_string(e.product)},'
        f'"outcome":"{e.outcome._value_}","actor":{{"user_id":{_string(a.user_id)},'
        f'"party":"{a.party._value_}","party_id":{_string(a.party_id)}}},'
        f'"acknowledged":[{acknowledged}],"occurred_at":"{when}"}}'
    )


def _effect_texts(effects: tuple[Effect, ...], encode: Callable[[Any], str]) -> list[str]:
    """Each effect's JSON. An end's effects share their ids and differ in step and kind
    (plain words, which JSON never escapes), so the shared parts are encoded once."""
    if not effects:
        return []
    first = effects[0]
    ids = (first.collaboration_id, first.office_id, first.customer_id, first.product)
    for e in effects:
        if (
            e.collaboration_id is not ids[0]
            or e.office_id is not ids[1]
            or e.customer_id is not ids[2]
            or e.product is not ids[3]
            or e.request_id is not None
            or e.notice is not None
            or type(e.step) is not int
        ):
            return [encode(effect_data(e)) for e in effects]
    head = f'{{"collaboration_id":{_string(ids[0])},"step":'
    tail = (
        f'","office_id":{_string(ids[1])},"customer_id":{_string(ids[2])},"product":{_string(ids[3])},'
        '"request_id":null,"notice":null}'
    )
    return [f'{head}{e.step},"kind":"{e.kind._value_}{tail}' for e in effects]


def end_result_data(result: EndResult) -> dict[str, Any]:
    return {
        "collaboration": collaboration_data(result.collaboration),
        "event": ended_event_core(result.event),
        "effects": [effect_data(e) for e in result.effects],
        "replayed": result.replayed,
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
    """Its validators' checks (and its users') made here, inline, as for a collaboration: a
    bulk end reads a customer for every item."""
    d = _fields(data, _CUSTOMER)
    users = []
    seen: set[str] = set()
    for item in _list(d["users"]):
        u = _fields(item, _CUSTOMER_USER)
        user_id = _id(u["id"])
        if user_id in seen:  # the class refuses it; the converter says so
            raise NotOurShape
        seen.add(user_id)
        users.append(_CUSTOMER_USER_OF(user_id, _name(u["name"]), _member(_ROLE, u["role"])))
    main = d["main_contact"]
    return _CUSTOMER_OF(
        _id(d["id"]),
        _id(d["number"]),
        _name(d["name"]),
        tuple(users),
        None if main is None else _id(main),
        _language(d["language"]),
        _count(d["version"]),
    )


def read_office(data: Any) -> AccountingOffice:
    d = _fields(data, _OFFICE)
    users = []
    seen: set[str] = set()
    for item in _list(d["users"]):
        u = _fields(item, _OFFICE_USER)
        user_id = _id(u["id"])
        if user_id in seen:
            raise NotOurShape
        seen.add(user_id)
        users.append(
            _OFFICE_USER_OF(user_id, _name(u["name"]), _member(_ROLE, u["role"]), _flag(u["full_rights"]))
        )
    return _OFFICE_OF(_id(d["id"]), _name(d["name"]), tuple(users), _language(d["language"]))


def _name(value: Any) -> str:
    """What ``check_name`` lets through."""
    if type(value) is not str:
        raise NotOurShape
    return require_text(value, "name", MAX_NAME_LENGTH)


def _language(value: Any) -> str:
    """What ``check_language`` lets through."""
    if type(value) is not str or not LANGUAGE.fullmatch(value):
        raise NotOurShape
    return value


_CUSTOMER_OF, _CUSTOMER_USER_OF = assembler(Customer), assembler(CustomerUser)
_OFFICE_OF, _OFFICE_USER_OF = assembler(AccountingOffice), assembler(OfficeUser)


def read_subscription(data: Any) -> Subscription:
    d = _fields(data, _SUBSCRIPTION)
    paid_until = d["paid_until"]
    # Its validators' checks made here, as for a collaboration (every end reads one).
    return assembled(
        Subscription,
        _id(d["customer_id"]),
        _id(d["product"]),
        _member(_PARTY, d["payer"]),
        _member(_SUBSCRIPTION_STATUS, d["status"]),
        None if paid_until is None else _day(paid_until),
        _count(d["version"]),
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
