"""The outbox: each effect of an end with its status and attempts, and the notifications."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from attrs import frozen

from collabcore.domain.effects import Effect
from collabcore.domain.model import Party


class EffectStatus(StrEnum):
    PENDING = "pending"
    """Recorded with the end, not yet carried out (or waiting for a retry)."""
    DONE = "done"
    FAILED = "failed"
    """Out of retries; stays visible until retried or resolved by hand."""
    RESOLVED = "resolved"
    """Marked done by an operator, with a reason."""


@frozen
class Attempt:
    """One call of an effect's integration: when, and the error if it failed."""

    at: datetime
    error: str | None = None


@frozen
class OutboxItem:
    effect: Effect
    status: EffectStatus
    attempts: int
    next_attempt_at: datetime
    updated_at: datetime
    last_error: str | None = None
    resolution: str | None = None
    history: tuple[Attempt, ...] = ()
    """Every attempt, oldest first (the relay keeps the last 50)."""
    lease: str | None = None
    """The token of the relay worker that holds the effect now; its writes are fenced by it."""

    @property
    def key(self) -> str:
        return self.effect.key

    @property
    def settled(self) -> bool:
        return self.status in (EffectStatus.DONE, EffectStatus.RESOLVED)


@frozen
class Notification:
    key: str
    """The effect's key: a notifier that sees it twice sends once."""
    party: Party
    party_id: str
    brand: str
    language: str
    subject: str
    lines: tuple[str, ...]
