"""Lifecycle requests: what waits for a date or for the other party.

A scheduled end waits for its day; an office's end (or start) may wait for the
customer's Administrator to accept; an invitation waits for the office; the
read-only access a former office keeps after a deactivation waits for the end of
its last other collaboration with the company, or for its grace period. Each is
one stored value whose status only ever moves from *open* to one final status.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from enum import StrEnum

import attrs
from attrs import frozen

from collabcore.domain.errors import InvalidInput
from collabcore.domain.model import Actor, Outcome, Party
from collabcore.domain.plans import Plan
from collabcore.domain.validation import (
    check_aware,
    check_id,
    check_version,
    instance_of,
    optional,
    tuple_of,
)


class RequestKind(StrEnum):
    SCHEDULED_END = "scheduled_end"
    """An end that takes effect on a chosen date (by default the end of the billing month)."""
    INVITATION = "invitation"
    """A collaboration one party asks to start and the other accepts."""
    READ_ONLY_ACCESS = "read_only_access"
    """The read-only access a former office keeps after a deactivation (R20)."""


class RequestStatus(StrEnum):
    """Where a lifecycle request stands: open (awaiting acceptance, scheduled) or settled."""

    AWAITING_ACCEPTANCE = "awaiting_acceptance"
    """Waits for the other party's Administrator (until ``expires_at``)."""
    SCHEDULED = "scheduled"
    """Waits for its date (a read-only access without a date: for the last other collaboration)."""
    CARRIED_OUT = "carried_out"
    BLOCKED = "blocked"
    """On its date the rules refused it; nothing was done and both parties were told why."""
    WITHDRAWN = "withdrawn"
    DECLINED = "declined"
    EXPIRED = "expired"
    """Nobody accepted in time; it did nothing."""
    SUPERSEDED = "superseded"
    """The collaboration ended (or moved) another way first."""

    @property
    def is_open(self) -> bool:
        """True while it may still happen (awaiting acceptance, or scheduled); a settled request
        never changes again."""
        return self in (RequestStatus.AWAITING_ACCEPTANCE, RequestStatus.SCHEDULED)


@frozen
class LifecycleRequest:
    """One request, as stored. ``collaboration_id`` is the collaboration it ends (or keeps
    read-only); for an invitation, the collaboration it started, once accepted."""

    id: str = attrs.field(validator=check_id)
    kind: RequestKind = attrs.field(validator=instance_of(RequestKind))
    status: RequestStatus = attrs.field(validator=instance_of(RequestStatus))
    office_id: str = attrs.field(validator=check_id)
    customer_id: str = attrs.field(validator=check_id)
    product: str = attrs.field(validator=check_id)
    requested_by: Actor | None = attrs.field(validator=optional(instance_of(Actor)))
    """None for what the library opens itself (a read-only access)."""
    requested_at: datetime = attrs.field(validator=check_aware)
    collaboration_id: str | None = attrs.field(default=None, validator=optional(check_id))
    outcome: Outcome | None = attrs.field(default=None, validator=optional(instance_of(Outcome)))
    effective_on: date | None = attrs.field(default=None, validator=optional(instance_of(date)))
    """The day it takes effect (an end: the collaboration's last day, paid to that month's end)."""
    acknowledge: tuple[str, ...] = attrs.field(default=(), validator=tuple_of(str))
    confirm_deletion: bool = attrs.field(default=False, validator=instance_of(bool))
    variant: str | None = attrs.field(default=None, validator=optional(check_id))
    invoice_recipient: Party | None = attrs.field(default=None, validator=optional(instance_of(Party)))
    awaits: Party | None = attrs.field(default=None, validator=optional(instance_of(Party)))
    """The party whose Administrator must accept (AWAITING_ACCEPTANCE)."""
    expires_at: datetime | None = attrs.field(default=None, validator=optional(check_aware))
    settled_at: datetime | None = attrs.field(default=None, validator=optional(check_aware))
    settled_by: Actor | None = attrs.field(default=None, validator=optional(instance_of(Actor)))
    codes: tuple[str, ...] = attrs.field(default=(), validator=tuple_of(str))
    """BLOCKED: the codes of the findings that blocked it."""
    version: int = attrs.field(default=0, validator=check_version)

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    @property
    def due_at(self) -> datetime | None:
        """When the due-requests run acts on it: its expiry while it waits for acceptance,
        the start of its day (UTC) once scheduled; None when only another end settles it."""
        if self.status is RequestStatus.AWAITING_ACCEPTANCE:
            return self.expires_at
        if self.status is RequestStatus.SCHEDULED and self.effective_on is not None:
            return start_of(self.effective_on)
        return None

    def settle(
        self, status: RequestStatus, *, at: datetime, by: Actor | None = None, codes: tuple[str, ...] = ()
    ) -> LifecycleRequest:
        """The request in a final status (or, ACCEPTED into SCHEDULED, still open)."""
        if not self.is_open:
            raise InvalidInput(
                f"Request {self.id} is already settled ({self.status.value.replace('_', ' ')}); "
                "a settled request stays as it is.",
                hint="Make a new request if something should still happen.",
            )
        return attrs.evolve(
            self,
            status=status,
            settled_at=None if status.is_open else at,
            settled_by=by,
            codes=codes,
            version=self.version + 1,
        )


def start_of(day: date) -> datetime:
    """The first moment of ``day`` in UTC: when a request for that day falls due."""
    return datetime.combine(day, time.min, tzinfo=UTC)


@frozen
class Scheduled:
    """What ``schedule_end`` returns: the stored request and the plan as it looks now for its
    day (a preview: the rules are asked again on the day itself)."""

    request: LifecycleRequest
    preview: Plan


@frozen
class DueReport:
    """What one run of ``carry_out_due`` did."""

    carried_out: int = 0
    """Scheduled ends carried out."""
    blocked: int = 0
    """Scheduled ends the rules refused on their day (nothing done; both parties told)."""
    expired: int = 0
    """Requests nobody accepted in time."""
    revoked: int = 0
    """Read-only accesses whose grace period ran out."""
    skipped: int = 0
    """Requests another worker (or the other party) settled first."""
    failed: int = 0
    """Requests that raised an error; they stay open and are tried on the next run."""

    def __add__(self, other: DueReport) -> DueReport:
        return DueReport(*(a + b for a, b in zip(attrs.astuple(self), attrs.astuple(other), strict=True)))

    @property
    def settled(self) -> int:
        return self.carried_out + self.blocked + self.expired + self.revoked
