"""The one error hierarchy of collabcore.

Every error the library raises on purpose derives from :class:`CollabCoreError`,
says what was wrong and, where there is one, how to fix it. Errors that refuse
an operation carry the findings so a host can show the same remedy steps the
plan showed; the two that also carry a whole plan (:class:`NotAuthorized`,
:class:`EndRefused`) are in :mod:`collabcore.domain.refusals`, beside nothing
but the plan they carry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from collabcore.domain.findings import Finding

_T = TypeVar("_T")


class CollabCoreError(Exception):
    """Base of every error collabcore raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} {hint}" if hint else message)


class InvalidInput(CollabCoreError, ValueError):
    """A value given to the library is malformed; nothing was changed."""

    def __init__(self, message: str, *, hint: str | None = None, path: str | None = None) -> None:
        self.path = path
        super().__init__(message, hint=hint)


class IdempotencyKeyReused(InvalidInput):
    """An idempotency key was sent again with a different request (by the same party: keys
    are scoped to the acting office or customer)."""


def key_reused(key: str) -> IdempotencyKeyReused:
    """The one answer for a key used before, whether found at once or lost in a race."""
    return IdempotencyKeyReused(
        f"Idempotency key {describe(key, 200)} was used for another request.",
        hint="Use a new key for each distinct request.",
        path="idempotency_key",
    )


class RequestConflict(InvalidInput):
    """What was asked clashes with where things stand: an end is scheduled for the collaboration
    already, or the request it answers is settled already. Its message is in the service's words
    (a person reads it); a web host answers 409. An InvalidInput, as it was before 0.3."""


class ConfigurationError(CollabCoreError):
    """The library was set up inconsistently (a missing text, an unknown product...)."""


class NotFound(CollabCoreError, LookupError):
    """No such office, customer, collaboration or user visible to the actor.

    Ids that belong to another tenant raise this too, exactly as ids that do
    not exist, so that one office cannot probe another's data.
    """


class OperationRefused(CollabCoreError):
    """The rules refuse an operation; ``findings`` says why and how to fix it."""

    def __init__(
        self,
        message: str,
        findings: Sequence[Finding] = (),
        *,
        hint: str | None = None,
    ) -> None:
        self.findings: tuple[Finding, ...] = tuple(findings)
        super().__init__(message, hint=hint)

    @property
    def codes(self) -> tuple[str, ...]:
        """The findings' codes, in order, such as ``("R3", "R11")``; empty when there are none."""
        return tuple(f.code for f in self.findings)


class OutcomeNotOffered(OperationRefused, InvalidInput):
    """R15: the product does not offer the outcome asked for (refused, and bad input)."""


class AlreadyEnded(OperationRefused):
    """R5: the collaboration has ended already; start a new one to go on."""

    def __init__(self, collaboration_id: str, findings: Sequence[Finding] = ()) -> None:
        self.collaboration_id = collaboration_id
        super().__init__(
            f"Collaboration {collaboration_id} has already ended.",
            findings,
            hint="An ended collaboration never becomes active again; start a new collaboration.",
        )


class ConcurrencyConflict(CollabCoreError):
    """Someone else changed the record since it was read (version check)."""


class InvariantViolation(OperationRefused):
    """A change would break a domain invariant, such as R4's main contact."""


class StorageError(CollabCoreError):
    """The storage adapter failed; the transaction was rolled back."""


class SchemaVersionError(StorageError):
    """The database was written by a different schema version than this library knows."""


class CorruptRecord(StorageError):
    """A stored row cannot be read back; names the table and the key."""


class CollabCoreDeprecationWarning(DeprecationWarning):
    """A name or way of calling that still works but goes in the next major version; the
    message says what to use instead (docs/upgrading.md lists them all)."""


def describe(value: Any, limit: int = 60) -> str:
    """A short, safe rendering of a bad value for error messages: never raises, even for a
    value whose ``__repr__`` does (the error about it must still come out)."""
    try:
        text = repr(value)
        if not isinstance(text, str):
            raise TypeError
    except Exception:
        return f"<a {type(value).__name__} that cannot be shown>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def require_state(value: _T | None, what: str) -> _T:
    """A stored record the caller relies on, or StorageError naming what is missing."""
    if value is None:
        raise StorageError(f"{what} is missing from storage.", hint="The store is inconsistent.")
    return value
