"""Facts: what the rules need to know from the host's integrations, asked for by key.

A fact is declared once, next to the rule that reads it (a :class:`Fact`), and
answered by the host's integrations by its key (``Integrations(facts={KEY: reader})``);
the seeds' facts are answered the same way, their typed ports being a view onto it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, Generic, TypeVar

import attrs
from attrs import frozen

from collabcore.domain.errors import InvalidInput, describe
from collabcore.domain.validation import check_id

T = TypeVar("T")

_VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
LATEST = "0.3"
"""The collabcore version whose facts a new host answers (``Integrations(as_of=...)``)."""
BEFORE_THE_PROMISE = "0.2"
"""What a host that names no version is taken to answer: the facts 0.2 read."""


def version_key(value: object, name: str = "as_of") -> tuple[int, int]:
    """``"0.3"`` as ``(0, 3)``, for comparing versions; anything else is InvalidInput."""
    match = _VERSION.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidInput(
            f"{name} must be a collabcore version such as {LATEST!r} (major.minor), got {describe(value)}.",
            path=name,
        )
    return int(match[1]), int(match[2])


def _hashable(value: object, name: str) -> None:
    try:
        hash(value)
    except TypeError:
        raise InvalidInput(
            f"{name} must be a value that can be hashed (a tuple, not a list), got {describe(value)}.",
            path=name,
        ) from None


def _since(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    version_key(value, attribute.name)


@frozen
class Fact(Generic[T]):
    """Something the rules need to know from the host's integrations, by key.

    A rule names the facts it reads (``@rule(..., reads=(FACT,))``); before
    planning, the integrations are asked for exactly those, and the rule reads
    the answer with ``ctx.facts.get(FACT)``, typed as ``T | None``.
    """

    key: str = attrs.field(validator=check_id)
    """The fact's name, ``area.what`` (``payroll.synchronised``); what integrations answer by."""
    description: str = ""
    """What the answer says, for people reading the reference."""
    all_clear: T | None = attrs.field(default=None, validator=lambda _, a, v: _hashable(v, a.name))
    """The answer under which the rules that read it find nothing: what
    :class:`~collabcore.testing.FakeIntegrations` answer until a test sets another. None:
    the fakes leave the fact unknown until it is set."""
    since: str = attrs.field(default="0.1", validator=_since)
    """The collabcore version whose rules first read it. Integrations written for an older
    version (``Integrations.as_of``) that do not answer it have it told as not checked,
    so that an upgrade never changes a host's decisions by itself."""

    @property
    def short_names(self) -> tuple[str, ...]:
        """The names a test may set it by (``FakeIntegrations.set_facts(customer, **names)``):
        the key with ``_`` for ``.``, and its last part."""
        return tuple(dict.fromkeys((self.key.replace(".", "_"), self.key.rsplit(".", 1)[-1])))


class Why(StrEnum):
    """Why a fact has no answer."""

    NO_INTEGRATION = "no_integration"
    """No integration answers it."""
    NOT_KNOWN = "not_known"
    """The integration answered, but could not tell (its reader returned None)."""
    FAILED = "failed"
    """The integration raised an error (``Unknown.failure`` says which)."""
    NOT_CHECKED = "not_checked"
    """No integration answers it, and it is newer than the integrations' ``as_of``: the
    rules that read it are not asked, and say so, so an upgrade keeps the host's decisions."""


@frozen
class Unknown:
    """A fact without an answer, and why."""

    key: str
    """The fact's key."""
    why: Why = Why.NO_INTEGRATION
    failure: str | None = None
    """The kind of error the integration raised (its class name: its message, which may
    carry a host's internals, goes to the ``collabcore.facts`` log only); None unless
    ``why`` is FAILED."""


class Facts:
    """What the integrations told about the customer before planning, by fact key.

    A fact that is not known (no integration answers it, it failed, or it was
    not asked) reads as ``None``: the rules that need it treat unknown as not
    satisfied, because guessing wrong would lose data; :meth:`unknown` says why.
    """

    __slots__ = ("_hash", "_items", "_unknown", "_values", "not_checked")

    def __init__(self, values: Mapping[str, object] | None = None, unknown: Iterable[Unknown] = ()) -> None:
        self._values: dict[str, object] = dict(values or {})
        self._unknown: dict[str, Unknown] = {u.key: u for u in unknown}
        self._items = tuple(sorted(self._values.items()))
        self.not_checked: frozenset[str] = frozenset()
        """The keys of the facts told as not checked (newer than the integrations)."""
        if self._unknown:
            self._items += tuple(sorted(self._unknown.items()))
            self.not_checked = frozenset(k for k, u in self._unknown.items() if u.why is Why.NOT_CHECKED)
        self._hash: int | None = None

    def get(self, fact: Fact[T]) -> T | None:
        """The answer, or None when it is not known (see :meth:`unknown` for why)."""
        return self._values.get(fact.key)  # type: ignore[return-value]  # each read, not cast()

    def unknown(self, fact: Fact[Any]) -> Unknown | None:
        """Why ``fact`` has no answer; None when it has one, or was not asked."""
        return self._unknown.get(fact.key)

    @property
    def failed(self) -> tuple[str, ...]:
        """The keys of the facts whose integration raised: unknown for now, maybe not later."""
        return tuple(k for k, u in self._unknown.items() if u.why is Why.FAILED)

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
        if self._unknown:
            return f"Facts({self._values!r}, unknown={list(self._unknown.values())!r})"
        return f"Facts({self._values!r})"


NO_FACTS = Facts()
