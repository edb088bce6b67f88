"""The hand-written codecs are the converter's format by a faster road: same data, same
order, same values read back, and nothing accepted that the converter refuses."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from collabcore.adapters import codecs
from collabcore.adapters.serialization import converter, from_data, stored_data, stored_value
from collabcore.domain import (
    AccountingOffice,
    Actor,
    Collaboration,
    CollaborationEnded,
    Customer,
    CustomerUser,
    Effect,
    EffectKind,
    Event,
    InvalidInput,
    OfficeUser,
    Outcome,
    Party,
    Role,
    Status,
    Subscription,
)
from collabcore.domain.outbox import Attempt, EffectStatus, OutboxItem
from collabcore.testing import strategies as s

outbox_items = st.builds(
    OutboxItem,
    effect=s.effects,
    status=st.sampled_from(EffectStatus),
    attempts=st.integers(0, 100),
    next_attempt_at=s.moments,
    updated_at=s.moments,
    last_error=st.one_of(st.none(), s.names),
    resolution=st.one_of(st.none(), s.names),
    history=st.lists(st.builds(Attempt, at=s.moments, error=st.one_of(st.none(), s.names)), max_size=3).map(
        tuple
    ),
    lease=st.one_of(st.none(), s.ids),
)
ended_events = st.builds(
    CollaborationEnded,
    collaboration_id=s.ids,
    office_id=s.ids,
    customer_id=s.ids,
    product=s.products,
    outcome=st.sampled_from(Outcome),
    actor=s.actors,
    acknowledged=st.lists(s.ids, max_size=3).map(tuple),
    occurred_at=s.moments,
)

READ: dict[type, st.SearchStrategy[Any]] = {
    Collaboration: s.collaborations(),
    Customer: s.customers(),
    AccountingOffice: s.offices,
    Subscription: s.subscriptions,
    OutboxItem: outbox_items,
    Effect: s.effects,
}


def test_every_kind_with_a_road_is_tested() -> None:
    assert set(codecs.READERS) == set(READ)
    assert set(codecs.WRITERS) == {Collaboration, Subscription, OutboxItem, CollaborationEnded}


@given(st.one_of(s.collaborations(), s.subscriptions, outbox_items, ended_events.map(lambda e: (e, Event))))
def test_writing_gives_the_converters_data_key_for_key(value: Any) -> None:
    value, kind = value if isinstance(value, tuple) else (value, None)
    fast = codecs.write(value, kind)
    slow = converter().unstructure(value, unstructure_as=kind)
    assert fast is not None
    assert json.dumps(fast) == json.dumps(slow)  # the same keys in the same order: the same text
    assert stored_data(value, kind) == slow


@given(ended_events)
def test_an_event_written_as_itself_goes_by_the_converter(event: CollaborationEnded) -> None:
    assert codecs.write(event, None) is None
    assert "type" not in stored_data(event)


@given(
    st.sampled_from(sorted(READ, key=lambda k: k.__name__)).flatmap(lambda k: st.tuples(st.just(k), READ[k]))
)
def test_reading_gives_the_converters_value(case: tuple[type, Any]) -> None:
    kind, value = case
    data = json.loads(json.dumps(converter().unstructure(value)))
    assert codecs.read(data, kind) == value == from_data(data, kind)


def _spoiled(data: dict[str, Any], draw: Callable[[st.SearchStrategy[Any]], Any]) -> Any:
    """``data`` with one thing wrong (or not: sometimes the change is harmless)."""
    key = draw(st.sampled_from(sorted(data)))
    how = draw(st.sampled_from(("drop", "extra", "value", "nested")))
    spoiled = dict(data)
    if how == "drop":
        del spoiled[key]
    elif how == "extra":
        spoiled[draw(s.ids)] = draw(st.one_of(st.none(), st.integers(), s.ids))
    elif how == "value":
        spoiled[key] = draw(
            st.one_of(
                st.none(),
                st.booleans(),
                st.integers(),
                st.floats(),
                s.ids,
                st.just([]),
                st.just({}),
                # What only the classes' validators refuse: the right type, a wrong value.
                st.sampled_from(("", " ", "\t", "a\x00b", "x" * 129, "y" * 501, "\ud800", "é" * 129)),
                st.sampled_from((-1, 2**31, 2**63, True)),
                st.sampled_from(("2026-01-01T00:00:00", "2026-01-01", "2026-13-01T00:00:00+00:00")),
            )
        )
    elif isinstance(spoiled[key], list) and spoiled[key] and isinstance(spoiled[key][0], dict):
        spoiled[key] = [_spoiled(spoiled[key][0], draw), *spoiled[key][1:]]
    elif isinstance(spoiled[key], dict):
        spoiled[key] = _spoiled(spoiled[key], draw)
    return spoiled


@settings(max_examples=500)
@given(st.data())
def test_the_fast_road_accepts_nothing_the_converter_refuses(data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(sorted(READ, key=lambda k: k.__name__)))
    stored = json.loads(json.dumps(converter().unstructure(data.draw(READ[kind]))))
    spoiled = _spoiled(stored, data.draw)
    fast = codecs.read(spoiled, kind)
    try:
        slow: Any = from_data(spoiled, kind)
    except InvalidInput:
        assert fast is None, "the fast road read what the converter refuses"
        with pytest.raises(InvalidInput):
            stored_value(spoiled, kind)  # and the adapters' road refuses it, naming why
        return
    assert fast is None or fast == slow
    assert stored_value(spoiled, kind) == slow


WRONG_VALUES: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    2**31,
    1.5,
    [],
    {},
    "",
    " ",
    "\t",
    "a\x00b",
    "x" * 129,
    "y" * 501,
    "\ud800",
    "é" * 129,
    "ok-id",
    "active",
    "office",
    "2026-01-01T00:00:00",
    "2026-01-01",
    "2026-01-01T00:00:00+00:00",
)
"""Each kind of wrong a stored field can hold: wrong types, and the right type with a value
only the classes' validators refuse (empty, blank, NUL, too long, a lone surrogate, a
naive time, a negative or too large count), and some right values in the wrong place."""


def _samples() -> list[tuple[type, dict[str, Any]]]:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    ended = Collaboration("k", "o", "c", "p", at).end(
        actor=Actor.office("o", "u"), outcome=Outcome.DELETE, at=at
    )
    values: list[Any] = [
        Collaboration("k", "o", "c", "p", at, variant="v"),
        ended,
        Customer("c", "1", "Name", (CustomerUser("u", "User", Role.ADMINISTRATOR),), "u"),
        AccountingOffice("o", "Office", (OfficeUser("u", "User", Role.USER, True),)),
        Subscription("c", "p", Party.OFFICE, paid_until=at.date()),
        Effect("k", 3, EffectKind.REVOKE_OFFICE_ACCESS, "o", "c", "p"),
        OutboxItem(
            Effect("k", 2, EffectKind.NOTIFY_OFFICE, "o", "c", "p", request_id="r", notice="n"),
            EffectStatus.FAILED,
            3,
            at,
            at,
            "boom",
            "fixed",
            (Attempt(at, "boom"), Attempt(at)),
            "lease-1",
        ),
    ]
    return [(type(v), json.loads(json.dumps(converter().unstructure(v)))) for v in values]


def _one_field_wrong(data: Any) -> Any:
    """``data`` with one field (at any depth) set to each wrong value in turn."""
    if isinstance(data, dict):
        for key, value in data.items():
            for wrong in WRONG_VALUES:
                yield {**data, key: wrong}
            for inner in _one_field_wrong(value):
                yield {**data, key: inner}
    elif isinstance(data, list):
        for index, value in enumerate(data):
            for inner in _one_field_wrong(value):
                yield [*data[:index], inner, *data[index + 1 :]]


def test_every_field_refuses_what_the_converter_refuses() -> None:
    """Field by field, every wrong value: the fast road reads a row only when the converter
    reads it too, to the same value."""
    cases = 0
    for kind, data in _samples():
        for spoiled in _one_field_wrong(data):
            cases += 1
            fast = codecs.read(spoiled, kind)
            try:
                slow: Any = from_data(spoiled, kind)
            except InvalidInput:
                assert fast is None, (kind.__name__, spoiled)
                continue
            assert fast is None or fast == slow, (kind.__name__, spoiled)
    assert cases > 1000


def test_a_missing_field_with_a_default_goes_by_the_converter() -> None:
    data = converter().unstructure(Subscription("c", "p", Party.OFFICE))
    del data["version"]
    assert codecs.read(data, Subscription) is None
    assert stored_value(data, Subscription).version == 0


def test_ending_keeps_every_field_it_does_not_change() -> None:
    """Collaboration.end lists the fields by hand, for speed: a new field must be added there."""
    c = Collaboration("k", "o", "c", "p", datetime(2026, 1, 1, tzinfo=UTC), variant="v", version=4)
    at, actor = datetime(2026, 2, 1, tzinfo=UTC), Actor.office("o", "u")
    ended = c.end(actor=actor, outcome=Outcome.DELETE, at=at)
    expected = attrs.evolve(
        c, status=Status.ENDED, ended_at=at, ended_by=actor, outcome=Outcome.DELETE, version=5
    )
    assert ended == expected
    assert len(attrs.fields(Collaboration)) == 12, "a new field: add it to Collaboration.end and the codecs"


@given(st.one_of(s.collaborations(), s.subscriptions, outbox_items, s.customers(), s.offices))
def test_the_codecs_know_every_field(value: Any) -> None:
    """A field added to a class and not to its codec would be lost on the fast road."""
    names = [f.name for f in attrs.fields(type(value))]
    writer = codecs.WRITERS.get(type(value))
    if writer is not None:
        assert list(writer(value)) == names
    reader = codecs.READERS.get(type(value))
    if reader is not None:
        assert codecs.read(converter().unstructure(value), type(value)) == value


json_data = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_data)
def test_sqlite_rows_are_written_as_json_dumps_writes_them(data: Any) -> None:
    from collabcore.adapters.codecs import ENCODE

    assert ENCODE(data) == json.dumps(data, ensure_ascii=False, separators=(",", ":"))
