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
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")
C = TypeVar("C", bound=type)


class Deferred(partial):  # type: ignore[type-arg]
    """A field's value not worked out yet: ``Deferred(render, *args)`` is ``render(*args)``,
    which :meth:`value` works out once and keeps, so copies that share it (plans handed out
    again by the memo) render it once between them. A ``functools.partial``, so that making
    one (a plan makes a dozen) is a single call into C."""

    __slots__ = ("_value",)
    _value: Any

    def value(self) -> Any:
        try:
            return self._value
        except AttributeError:
            value = self._value = self()
            return value

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
            value = value.value()
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
    copy = _COPIERS.get(kind) or _copier(kind)
    if changes.keys() - _FIELDS[kind]:
        unknown = sorted(changes.keys() - _FIELDS[kind])
        raise TypeError(f"{kind.__name__} has no field(s) {', '.join(unknown)}")
    copied: T = copy(instance, changes)
    return copied


_COPIERS: dict[type, Callable[[Any, dict[str, Any]], Any]] = {}
_FIELDS: dict[type, frozenset[str]] = {}
_MISSING = object()


def _copier(kind: type) -> Callable[[Any, dict[str, Any]], Any]:
    """A function that copies ``kind`` slot by slot, raw (a deferred value stays deferred),
    generated once from its slots: a plan handed out again by the memo is copied so."""
    slots: dict[str, Any] = {}
    for klass in reversed(kind.__mro__):
        for name in getattr(klass, "__slots__", ()):
            if name != "__weakref__":
                descriptor = kind.__dict__.get(name, klass.__dict__.get(name))
                slots[name] = descriptor.slot if isinstance(descriptor, _ReadOnce) else klass.__dict__[name]
    namespace: dict[str, Any] = {"_new": object.__new__, "kind": kind, "_MISSING": _MISSING}
    lines = ["def copy(src, changes):", "    new = _new(kind)", "    get = changes.get"]
    for i, (name, slot) in enumerate(slots.items()):
        namespace[f"set{i}"], namespace[f"get{i}"] = slot.__set__, slot.__get__
        if name.startswith("_attrs_"):  # attrs' hash cache: copied if filled (it is the same value)
            lines += [
                "    try:",
                f"        set{i}(new, get{i}(src))",
                "    except AttributeError:",
                "        pass",
            ]
        else:
            lines += [
                f"    v = get({name!r}, _MISSING)",
                f"    set{i}(new, get{i}(src) if v is _MISSING else v)",
            ]
    lines.append("    return new")
    # Our own text, made from the class's slot names: nothing of a caller's goes in.
    exec("\n".join(lines), namespace)
    _FIELDS[kind] = frozenset(n for n in slots if not n.startswith("_attrs_"))
    _COPIERS[kind] = namespace["copy"]
    return _COPIERS[kind]


_MAKERS: dict[type, Callable[..., Any]] = {}


def maker(kind: type[T]) -> Callable[..., T]:
    """A function that makes a ``kind`` (an ``@deferred_fields`` attrs class without
    validators or converters) from every field's value in field order, as its ``__init__``
    would, but setting the deferred fields' slots directly: ``__init__`` goes through their
    descriptors, one Python call per field, and a plan makes a few dozen of them."""
    made = _MAKERS.get(kind)
    if made is not None:
        return made
    import attrs

    fields = attrs.fields(kind)  # type: ignore[arg-type]
    if any(f.validator is not None or f.converter is not None for f in fields):
        raise TypeError(f"{kind.__name__} checks its fields: make it with its __init__")
    namespace: dict[str, Any] = {"_new": object.__new__, "kind": kind}
    params = ", ".join(f"v{i}" for i in range(len(fields)))
    lines = [f"def make({params}):", "    new = _new(kind)"]
    for i, f in enumerate(fields):
        descriptor = kind.__dict__[f.name]
        slot = descriptor.slot if isinstance(descriptor, _ReadOnce) else descriptor
        namespace[f"set{i}"] = slot.__set__
        lines.append(f"    set{i}(new, v{i})")
    if "_attrs_cached_hash" in kind.__dict__:
        namespace["set_hash"] = kind.__dict__["_attrs_cached_hash"].__set__
        lines.append("    set_hash(new, None)")
    lines.append("    return new")
    # Our own text, made from the class's field names: nothing of a caller's goes in.
    exec("\n".join(lines), namespace)
    made = _MAKERS[kind] = namespace["make"]
    return made  # type: ignore[no-any-return]
