"""Fields whose value is worked out the first time someone reads it, then kept.

A plan carries about thirty sentences (messages, remedy steps, consequences, the
timeline). An end reads none of them, a memo keeps plans nobody may show, and a
bulk end makes thousands. So the planner stores a :class:`Deferred` in those
fields, and the first read renders it and keeps the text in the slot: every
later read, ``==``, ``hash``, ``repr`` and serialization see the plain value, as
if it had been given to ``__init__``.

Rendering twice at once (two threads reading the same fresh plan) renders the
same text twice; either copy is kept. Nothing here knows of words: a deferred
value is any function of nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
C = TypeVar("C", bound=type)


class Deferred:
    """A field's value not worked out yet: ``render()`` gives it on first read."""

    __slots__ = ("render",)

    def __init__(self, render: Callable[[], Any]) -> None:
        self.render = render

    def __repr__(self) -> str:
        return "Deferred(...)"


def later(render: Callable[[], T]) -> T:
    """``render``'s value, given to an ``@deferred_fields`` class's field as if it were
    the value itself; worked out when the field is first read."""
    return Deferred(render)  # type: ignore[return-value]


class _ReadOnce:
    """Stands in front of a slot: a Deferred found there is rendered and replaced."""

    __slots__ = ("name", "slot")

    def __init__(self, name: str, slot: Any) -> None:
        self.name = name
        self.slot = slot

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        value = self.slot.__get__(instance, owner)
        if type(value) is Deferred:
            value = value.render()
            self.slot.__set__(instance, value)
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        self.slot.__set__(instance, value)

    def __delete__(self, instance: Any) -> None:
        self.slot.__delete__(instance)


def deferred_fields(*names: str) -> Callable[[C], C]:
    """Class decorator, applied over ``@attrs.frozen``: the named fields may be given
    :func:`later` values."""

    def decorate(cls: C) -> C:
        for name in names:
            setattr(cls, name, _ReadOnce(name, cls.__dict__[name]))
        return cls

    return decorate


def unrendered(instance: T, **changes: Any) -> T:
    """A copy of a slotted ``instance`` with ``changes``, its deferred fields left as they
    are (``attrs.evolve`` would read, and so render, every one)."""
    kind = type(instance)
    slots = _SLOTS.get(kind) or _slots_of(kind)
    unknown = changes.keys() - slots.keys()
    if unknown:
        raise TypeError(f"{kind.__name__} has no field(s) {', '.join(sorted(unknown))}")
    copy = object.__new__(kind)
    for name, slot in slots.items():
        if name in changes:
            value = changes[name]
        else:
            try:
                value = slot.__get__(instance, kind)
            except AttributeError:  # a cache slot (attrs' hash) not filled yet
                continue
        slot.__set__(copy, value)
    return copy


_SLOTS: dict[type, dict[str, Any]] = {}


def _slots_of(kind: type) -> dict[str, Any]:
    """The raw slot descriptors of ``kind`` and its bases, by name."""
    found: dict[str, Any] = {}
    for klass in reversed(kind.__mro__):
        for name in getattr(klass, "__slots__", ()):
            if name != "__weakref__":
                descriptor = kind.__dict__.get(name, klass.__dict__.get(name))
                found[name] = descriptor.slot if isinstance(descriptor, _ReadOnce) else klass.__dict__[name]
    _SLOTS[kind] = found
    return found
