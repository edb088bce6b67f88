"""Building an attrs value from values already checked, without checking them again.

attrs' ``__init__`` runs every validator. Where the same checks have just been made
(a reader that checks a stored row field by field, effects that share one
collaboration's ids), the value is built as ``__init__`` builds it, less the
validators, by a function generated once per class from its fields.
"""

from __future__ import annotations

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


def _assembler(kind: type) -> Callable[..., Any]:
    names = [f.name for f in attrs.fields(kind)]
    params = ", ".join(f"v{i}" for i in range(len(names)))
    lines = [f"def assemble({params}):", "    self = _new(kind)", "    _set = _setattr.__get__(self)"]
    lines += [f"    _set({name!r}, v{i})" for i, name in enumerate(names)]
    if "_attrs_cached_hash" in kind.__dict__:
        lines.append("    _set('_attrs_cached_hash', None)")  # as __init__ leaves it: not hashed yet
    lines.append("    return self")
    namespace: dict[str, Any] = {"_new": object.__new__, "_setattr": object.__setattr__, "kind": kind}
    # Our own text, made from the class's field names: nothing of a caller's goes in.
    exec("\n".join(lines), namespace)
    _ASSEMBLERS[kind] = namespace["assemble"]
    return _ASSEMBLERS[kind]
