"""JSON-compatible data for every entity, event, effect and plan, with cattrs.

Serialization lives at the edge: the domain classes know nothing of it. The
converter is built by :func:`make_converter` (no module-level state to
reset); it is strict (a string where a number belongs is an error, unknown
keys are errors, datetimes must carry a time zone) and every failure becomes
:class:`~collabcore.domain.errors.InvalidInput` naming the path of the bad field.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from enum import Enum, StrEnum
from functools import cache
from typing import Any, TypeVar, cast, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.strategies import configure_tagged_union

from collabcore.adapters.codecs import read as read_fast
from collabcore.adapters.codecs import write as write_fast
from collabcore.domain.errors import InvalidInput, describe
from collabcore.domain.events import Event

T = TypeVar("T")

EVENT_TAG = "type"


def _strict(kind: type[T]) -> Any:
    def structure(value: Any, _: Any) -> T:
        if type(value) is not kind and not (kind is float and type(value) is int):
            raise InvalidInput(f"expected {kind.__name__}, got {describe(value)}")
        return cast(T, value)

    return structure


def _enum_value(member: Enum) -> Any:
    return member.value


def _enum_member(value: Any, kind: type[Enum]) -> Enum:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(repr(m.value) for m in kind)
        raise InvalidInput(f"expected one of {allowed}, got {describe(value)}") from None


def _datetime(value: Any, _: Any) -> datetime:
    if not isinstance(value, str):
        raise InvalidInput(f"expected an ISO 8601 datetime string, got {describe(value)}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"not an ISO 8601 datetime: {describe(value)}") from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"naive datetime {describe(value)}; add a UTC offset such as +00:00")
    return parsed


def _date(value: Any, _: Any) -> date:
    if not isinstance(value, str):
        raise InvalidInput(f"expected an ISO 8601 date string, got {describe(value)}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"not an ISO 8601 date: {describe(value)}") from None


def _tuple_hook(converter: cattrs.Converter) -> Callable[[Any], Any]:
    """Homogeneous tuples come only from JSON lists (a string is not a tuple of letters)."""

    def factory(kind: Any) -> Any:
        (item,) = get_args(kind)[:1]
        structure_item = converter.get_structure_hook(item)

        def structure(value: Any, _: Any) -> tuple[Any, ...]:
            if not isinstance(value, list | tuple):
                raise InvalidInput(f"expected a list, got {describe(value)}")
            items, errors = [], []
            for index, element in enumerate(value):
                try:
                    items.append(structure_item(element, item))
                except Exception as exc:
                    note = IterableValidationNote(f"Structuring item {index}", index, item)
                    exc.__notes__ = [*getattr(exc, "__notes__", []), note]
                    errors.append(exc)
            if errors:
                raise IterableValidationError(f"While structuring {describe(kind)}", errors, kind)
            return tuple(items)

        return structure

    return factory


def _is_set(kind: Any) -> bool:
    return kind in (set, frozenset) or get_origin(kind) in (set, frozenset)


def _is_homogeneous_tuple(kind: Any) -> bool:
    args = get_args(kind)
    return get_origin(kind) is tuple and len(args) == 2 and args[1] is Ellipsis


def make_converter() -> cattrs.Converter:
    """A fresh, strict converter for collabcore's types."""
    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    for kind in (str, int, bool, float):
        converter.register_structure_hook(kind, _strict(kind))
    # StrEnum comes before str in a StrEnum's MRO: these win over the str hook above.
    for enum_kind in (Enum, StrEnum):
        converter.register_structure_hook(enum_kind, _enum_member)
        converter.register_unstructure_hook(enum_kind, _enum_value)
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    converter.register_structure_hook(datetime, _datetime)
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_structure_hook(date, _date)
    # Sets become sorted lists: JSON has no sets, and a stable order diffs well.
    converter.register_unstructure_hook_func(_is_set, sorted)
    converter.register_structure_hook_factory(_is_homogeneous_tuple, _tuple_hook(converter))
    configure_tagged_union(Event, converter, tag_name=EVENT_TAG)
    return converter


@cache
def converter() -> cattrs.Converter:
    """The shared converter (built on first use, never at import)."""
    return make_converter()


def _message(exc: BaseException) -> str:
    if isinstance(exc, InvalidInput):
        return exc.message
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, ForbiddenExtraKeysError):
        return f"unknown field(s): {', '.join(sorted(exc.extra_fields))}"
    return f"invalid value: {exc}"


def _problems(exc: BaseException, path: str = "$") -> Iterator[tuple[str, str]]:
    """(path, message) for every leaf of cattrs' detailed validation errors."""
    if isinstance(exc, ClassValidationError):
        with_notes, without = exc.group_exceptions()
        for inner, note in with_notes:
            yield from _problems(inner, f"{path}.{note.name}")
        for inner in without:
            yield from _problems(inner, path)
    elif isinstance(exc, IterableValidationError):
        items, rest = exc.group_exceptions()
        for inner, item in items:
            yield from _problems(inner, f"{path}[{describe(item.index)}]")
        for inner in rest:
            yield from _problems(inner, path)
    elif isinstance(exc, InvalidInput) and exc.path:
        # Raised by an attrs validator in __init__: cattrs adds no note, the error names the field.
        yield f"{path}.{exc.path}", exc.message
    else:
        yield path, _message(exc)


_EVENT_TYPES = frozenset(get_args(Event))


def _is_event(kind: Any) -> bool:
    return kind is Event


def _known_kind(kind: Any) -> bool:
    """A type this module reads and writes: Event, or an attrs class of collabcore's."""
    return kind is Event or (
        isinstance(kind, type) and attrs.has(kind) and kind.__module__.startswith("collabcore.")
    )


def _check_kind(kind: Any) -> None:
    if not _known_kind(kind):
        raise InvalidInput(
            "kind must be collabcore.domain.Event or one of collabcore's value classes, "
            f"got {describe(kind)}.",
            hint="For example from_json(text, cc.Collaboration) or from_json(text, Event).",
            path="kind",
        )


def to_data(value: Any, kind: Any = None) -> Any:
    """JSON-compatible data (dicts, lists, strings, numbers) for a collabcore value.

    An event always carries its type tag (``"type"``), so that its text reads back as an
    :data:`Event` with or without ``kind=Event``.
    """
    if kind is None:
        kind = Event if type(value) in _EVENT_TYPES else type(value)
    _check_kind(kind)
    if kind is not Event and not isinstance(value, kind):
        raise InvalidInput(f"value must be a {kind.__name__}, got {describe(value)}.", path="value")
    if kind is Event and type(value) not in _EVENT_TYPES:
        raise InvalidInput(f"value must be an event, got {describe(value)}.", path="value")
    try:
        return converter().unstructure(value, unstructure_as=kind)
    except (AttributeError, TypeError, ValueError) as exc:
        # A value altered after its checks ran (object.__setattr__ on a frozen class).
        raise InvalidInput(f"{describe(value)} cannot be written: {exc}.", path="value") from None


def stored_data(value: Any, kind: Any = None) -> Any:
    """:func:`to_data` for the adapters, whose values come from the library itself: no door.
    The hot kinds take the hand-written road (:mod:`collabcore.adapters.codecs`)."""
    fast = write_fast(value, kind)
    return converter().unstructure(value, unstructure_as=kind) if fast is None else fast


def stored_value(data: Any, kind: type[T]) -> T:
    """:func:`from_data` for the adapters' rows: the hand-written road for the hot kinds
    when the row has exactly collabcore's shape, else the converter (same checks, and an
    error that names the bad field)."""
    fast = read_fast(data, kind)
    return from_data(data, kind) if fast is None else fast


def from_data(data: Any, kind: type[T]) -> T:
    """The value of type ``kind`` that ``data`` describes, or InvalidInput with the path."""
    _check_kind(kind)
    if _is_event(kind):
        _check_tag(data)
    try:
        return converter().structure(data, kind)
    except (ClassValidationError, IterableValidationError) as exc:
        problems = list(_problems(exc))
        described = "; ".join(f"{message} @ {path}" for path, message in problems)
        raise InvalidInput(
            f"Cannot read {getattr(kind, '__name__', kind)}: {described}.",
            hint="Fix the field(s) named after @.",
            path=problems[0][0] if problems else None,
        ) from None
    except InvalidInput as exc:
        raise InvalidInput(
            f"Cannot read {getattr(kind, '__name__', kind)}: {exc.message}.", path="$"
        ) from None
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise InvalidInput(f"Cannot read {getattr(kind, '__name__', kind)}: {exc}.", path="$") from None


def _check_tag(data: Any) -> None:
    """A missing or unknown event tag, named by its path (cattrs' own error names neither)."""
    if not isinstance(data, dict):
        raise InvalidInput(f"Cannot read Event: expected an object, got {describe(data)}.", path="$")
    tag = data.get(EVENT_TAG)
    names = sorted(t.__name__ for t in _EVENT_TYPES)
    if tag is None:
        raise InvalidInput(
            f"Cannot read Event: required field missing @ $.{EVENT_TAG}.",
            hint=f"Say which event it is: one of {', '.join(names)}.",
            path=f"$.{EVENT_TAG}",
        )
    if tag not in names:
        raise InvalidInput(
            f"Cannot read Event: unknown event type {describe(tag)} @ $.{EVENT_TAG}.",
            hint=f"One of {', '.join(names)}.",
            path=f"$.{EVENT_TAG}",
        )


def event_from_data(data: Any) -> Event:
    """An event from its tagged data (``{"type": "CollaborationEnded", ...}``)."""
    event: Event = from_data(data, Event)  # type: ignore[arg-type]
    return event


def to_json(value: Any, kind: Any = None) -> str:
    data = to_data(value, kind)
    try:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{describe(value)} cannot be written as JSON: {exc}.", path="value") from None


def from_json(text: str | bytes, kind: type[T]) -> T:
    _check_kind(kind)
    if not isinstance(text, str | bytes | bytearray):
        raise InvalidInput(f"text must be JSON as str or bytes, got {describe(text)}.", path="text")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError, TypeError, RecursionError) as exc:
        raise InvalidInput(f"Malformed JSON: {exc}.", hint="Send a JSON document.") from None
    return from_data(data, kind)
