"""Building an attrs value from values already checked, without checking them again.

attrs' ``__init__`` runs every validator. Where the same checks have just been made
(a reader that checks a stored row field by field, effects that share one
collaboration's ids), the value is built as ``__init__`` builds it, less the
validators, by a function generated once per class from its fields.

What the validators would also do is still done: a text field (one whose type names
``str``) holds an exact ``str``, a subclass being copied into one, as ``check_id`` does
(see :mod:`collabcore.domain.validation`). So a value assembled from a caller's text can
never carry a ``str`` subclass, with its own ``==`` and ``hash``, into a store.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

T = TypeVar("T")

_ASSEMBLERS: dict[type, Callable[..., Any]] = {}


def assembled(kind: type[T], *values: Any) -> T:
    """A ``kind`` from its fields' values in field order, each already checked."""
    assemble = _ASSEMBLERS.get(kind) or _assembler(kind)
    value: T = assemble(*values)
    return value


def assembler(kind: type[T]) -> Callable[..., T]:
    """What :func:`assembled` calls for ``kind``: for a caller that makes many of them."""
    return _ASSEMBLERS.get(kind) or _assembler(kind)


_TEXT = re.compile(r"\bstr\b")
_MEMBER = type(type("_Slotted", (), {"__slots__": ("x",)}).__dict__["x"])
"""The type of a ``__slots__`` entry's descriptor (``member_descriptor``)."""


def _plain_text(value: Any) -> Any:
    """A text field's value as an exact ``str`` (a copy of a subclass's text); else as given."""
    return str.__str__(value) if issubclass(type(value), str) else value


def _assembler(kind: type) -> Callable[..., Any]:
    fields = attrs.fields(kind)
    names = [f.name for f in fields]
    params = ", ".join(f"v{i}" for i in range(len(names)))
    lines = [f"def assemble({params}):", "    self = _new(kind)"]
    for i, f in enumerate(fields):
        if _TEXT.search(f.type if isinstance(f.type, str) else repr(f.type)):
            # One C comparison for the exact str (or None) every caller passes.
            lines.append(f"    if _type(v{i}) is not _str and v{i} is not None: v{i} = _plain(v{i})")
    namespace: dict[str, Any] = {
        "_new": object.__new__,
        "_setattr": object.__setattr__,
        "kind": kind,
        "_type": type,
        "_str": str,
        "_plain": _plain_text,
    }
    for i, name in enumerate(names):
        slot = kind.__dict__.get(name)
        if isinstance(slot, _MEMBER):
            # The slot's own setter: no look-up of the name on every value made.
            namespace[f"_set{i}"] = slot.__set__
            lines.append(f"    _set{i}(self, v{i})")
        else:
            lines.append(f"    _setattr(self, {name!r}, v{i})")
    cached_hash = kind.__dict__.get("_attrs_cached_hash")
    if isinstance(cached_hash, _MEMBER):  # as __init__ leaves it: not hashed yet
        namespace["_set_hash"] = cached_hash.__set__
        lines.append("    _set_hash(self, None)")
    elif cached_hash is not None:
        lines.append("    _setattr(self, '_attrs_cached_hash', None)")
    lines.append("    return self")
    # Our own text, made from the class's field names: nothing of a caller's goes in.
    exec("\n".join(lines), namespace)
    _ASSEMBLERS[kind] = namespace["assemble"]
    return _ASSEMBLERS[kind]
