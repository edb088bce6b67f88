"""Facts: what the rules need to know from the host's integrations, asked for by key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, TypeVar, cast

import attrs
from attrs import frozen

from collabcore.domain.validation import check_id

T = TypeVar("T")


@frozen
class Fact(Generic[T]):
    """Something the rules need to know from the host's integrations, by key.

    A rule names the facts it reads (``@rule(..., reads=(FACT,))``); before
    planning, the integrations are asked for exactly those, and the rule reads
    the answer with ``ctx.facts.get(FACT)``, typed as ``T | None``.
    """

    key: str = attrs.field(validator=check_id)
    description: str = ""


class Facts:
    """What the integrations told about the customer before planning, by fact key.

    A fact that is not known (no integration answers it, or it was not asked)
    reads as ``None``: the rules that need it treat unknown as not satisfied,
    because guessing wrong would lose data.
    """

    __slots__ = ("_hash", "_items", "_values")

    def __init__(self, values: Mapping[str, object] | None = None) -> None:
        self._values: dict[str, object] = dict(values or {})
        self._items = tuple(sorted(self._values.items()))
        self._hash: int | None = None

    def get(self, fact: Fact[T]) -> T | None:
        return cast("T | None", self._values.get(fact.key))

    @property
    def extra(self) -> Mapping[str, object]:
        """Every known fact by key (0.1's name, which hosts' rules read)."""
        return self._values

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Facts) and self._items == other._items

    def __hash__(self) -> int:
        # Raises TypeError for an unhashable answer: the plan memo then plans without memo.
        if self._hash is None:
            self._hash = hash(self._items)
        return self._hash

    def __repr__(self) -> str:
        return f"Facts({self._values!r})"


NO_FACTS = Facts()
