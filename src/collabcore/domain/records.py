"""The values that cross the storage port: what an end reads and writes, its result,
idempotency records and overview pages."""

from __future__ import annotations

from datetime import datetime

from attrs import frozen

from collabcore.domain.effects import Effect
from collabcore.domain.events import CollaborationEnded
from collabcore.domain.model import AccountingOffice, Actor, Collaboration, Customer, Subscription
from collabcore.domain.requests import LifecycleRequest


@frozen
class EndResult:
    """What ``end`` returns, and what an idempotent replay returns again."""

    collaboration: Collaboration
    event: CollaborationEnded
    effects: tuple[Effect, ...]
    replayed: bool = False


@frozen
class MoveResult:
    """What ``move`` returns: the ended collaborations with the old office and the new ones."""

    ended: tuple[EndResult, ...]
    started: tuple[Collaboration, ...]


@frozen
class IdempotencyKey:
    """A caller's idempotency key within its scope: the party that acts (an office or a
    customer). Two parties' keys never meet, so one tenant's key can neither block nor
    answer another's request."""

    scope: str
    key: str

    @classmethod
    def of(cls, actor: Actor, key: str) -> IdempotencyKey:
        return cls(idempotency_scope(actor), key)


def idempotency_scope(actor: Actor) -> str:
    """``office:<id>`` or ``customer:<id>``; the party names hold no colon, so it parses back."""
    return f"{actor.party._value_}:{actor.party_id}"  # the member's plain attribute


@frozen
class IdempotencyRecord:
    key: str
    fingerprint: str
    """The request it answered; the same key with another request is refused."""
    result: EndResult
    created_at: datetime
    scope: str = ""
    """The acting party the key belongs to (see :class:`IdempotencyKey`)."""

    @property
    def scoped_key(self) -> IdempotencyKey:
        return IdempotencyKey(self.scope, self.key)


@frozen
class OverviewCursor:
    """Where the next page of an office's overview starts (keyset, by customer)."""

    customer_number: str
    customer_id: str


@frozen
class CustomerCollaborations:
    customer: Customer
    collaborations: tuple[Collaboration, ...]
    requests: tuple[LifecycleRequest, ...] = ()
    """The open requests between the office and this customer: ends on a date, invitations,
    read-only accesses."""


@frozen
class OverviewPage:
    office_id: str
    items: tuple[CustomerCollaborations, ...]
    next_cursor: OverviewCursor | None
    """None on the last page."""


@frozen
class EndSnapshot:
    """Everything ending one collaboration reads, loaded together (and the collaboration
    locked, where the store can and was asked to)."""

    collaboration: Collaboration | None
    customer: Customer | None
    office: AccountingOffice | None
    others: tuple[Collaboration, ...]
    """The customer's other active collaborations."""
    subscription: Subscription | None
    idempotency: IdempotencyRecord | None
    requests: tuple[LifecycleRequest, ...] = ()
    """The customer's open lifecycle requests (an end may settle some)."""


@frozen
class EndWrites:
    """Everything ending one collaboration writes, in one go."""

    ended: Collaboration
    expected_version: int
    event: CollaborationEnded
    subscription: Subscription | None
    effects: tuple[Effect, ...]
    at: datetime
    idempotency: IdempotencyRecord | None
