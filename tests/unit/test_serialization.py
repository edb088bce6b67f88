"""Serialization at the edge: malformed data is refused with the path of the bad field."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

import collabcore as cc
from collabcore.adapters.serialization import event_from_data, from_data, from_json, to_data, to_json
from collabcore.domain import Event, MainContactChanged


def collab_data() -> dict[str, object]:
    collab = cc.Collaboration("c1", "o1", "k1", cc.BOOKKEEPING, datetime(2026, 1, 2, tzinfo=UTC))
    data = to_data(collab)
    assert isinstance(data, dict)
    return data


def test_data_is_plain_json_types() -> None:
    data = collab_data()
    assert data["status"] == "active" and data["started_at"] == "2026-01-02T00:00:00+00:00"
    assert from_json(to_json(from_data(data, cc.Collaboration)), cc.Collaboration).id == "c1"


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("status", "paused", "expected one of 'active', 'ended'"),
        ("version", "3", "expected int"),
        ("started_at", "2026-01-02T00:00:00", "naive datetime"),
        ("started_at", "yesterday", "not an ISO 8601 datetime"),
        ("id", "", "must not be empty"),
        ("id", "x" * 500, "limit is 128"),
        ("office_id", None, "expected str"),
    ],
)
def test_bad_fields_name_their_path(field: str, value: object, says: str) -> None:
    data = collab_data()
    data[field] = value
    with pytest.raises(cc.InvalidInput) as error:
        from_data(data, cc.Collaboration)
    assert says in str(error.value)
    assert error.value.path is not None and field in error.value.path


def test_unknown_and_missing_fields_are_refused() -> None:
    data = collab_data()
    data["colour"] = "red"
    with pytest.raises(cc.InvalidInput, match="unknown field"):
        from_data(data, cc.Collaboration)
    del data["colour"], data["office_id"]
    with pytest.raises(cc.InvalidInput, match="required field missing"):
        from_data(data, cc.Collaboration)


def test_nested_errors_point_into_the_list() -> None:
    customer = to_data(cc.Customer("k", "1", "K", (cc.CustomerUser("u", "U", cc.Role.ADMINISTRATOR),)))
    customer["users"][0]["role"] = "owner"
    with pytest.raises(cc.InvalidInput, match="users"):
        from_data(customer, cc.Customer)
    customer["users"] = "u"
    with pytest.raises(cc.InvalidInput, match="expected a list"):
        from_data(customer, cc.Customer)


@pytest.mark.parametrize("text", ["{", "[1, 2", "", "null", '"just a string"', b"\xff\xfe"])
def test_malformed_json_is_invalid_input(text: str | bytes) -> None:
    with pytest.raises(cc.InvalidInput):
        from_json(text, cc.AccountingOffice)


def test_events_carry_their_type_tag() -> None:
    actor = cc.Actor.office("o", "u")
    event = MainContactChanged("k", None, "u2", actor, datetime(2026, 1, 1, tzinfo=UTC))
    data = to_data(event, Event)
    assert data["type"] == "MainContactChanged"
    assert event_from_data(data) == event
    data["type"] = "Nonsense"
    with pytest.raises(cc.InvalidInput):
        event_from_data(data)


def test_an_event_keeps_its_tag_without_kind_and_round_trips_as_text() -> None:
    actor = cc.Actor.customer("k", "u")
    event = MainContactChanged("k", "u1", "u2", actor, datetime(2026, 1, 1, tzinfo=UTC))
    text = to_json(event)
    assert json.loads(text)["type"] == "MainContactChanged"
    assert from_json(text, Event) == event  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda d: d.pop("type"), "required field missing @ $.type"),
        (lambda d: d.update(type="Nonsense"), "unknown event type 'Nonsense' @ $.type"),
        (lambda d: d.update(type=5), "unknown event type 5 @ $.type"),
    ],
)
def test_a_bad_or_missing_event_tag_is_named_by_its_path(change: Any, says: str) -> None:
    event = MainContactChanged("k", None, "u2", cc.Actor.office("o", "u"), datetime(2026, 1, 1, tzinfo=UTC))
    data = to_data(event)
    change(data)
    with pytest.raises(cc.InvalidInput) as bad:
        from_json(json.dumps(data), Event)  # type: ignore[arg-type]
    assert says in bad.value.message and bad.value.path == "$.type"


@pytest.mark.parametrize("kind", [int, dict, "Collaboration", None, object, Exception])
def test_an_unknown_kind_is_invalid_input_naming_kind(kind: Any) -> None:
    with pytest.raises(cc.InvalidInput) as bad:
        from_json("{}", kind)
    assert bad.value.path == "kind"
    with pytest.raises(cc.InvalidInput):
        to_json(object(), kind)


def test_to_json_refuses_what_is_not_a_collabcore_value() -> None:
    with pytest.raises(cc.InvalidInput) as bad:
        to_json({"a": object()})
    assert bad.value.path == "kind"
    with pytest.raises(cc.InvalidInput) as wrong:
        to_json(cc.Actor.office("o", "u"), cc.Customer)
    assert wrong.value.path == "value"
