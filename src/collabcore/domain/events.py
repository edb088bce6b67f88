"""Domain events: the record of what happened, ids and codes only, never names.

They are what the audit trail keeps and what the outbox's notifications are about.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TypeAlias

import attrs
from attrs import frozen

from collabcore.domain.model import Actor, Outcome, Party, Role
from collabcore.domain.requests import RequestKind, RequestStatus
from collabcore.domain.validation import check_aware


@frozen
class CollaborationStarted:
    collaboration_id: str
    office_id: str
    customer_id: str
    product: str
    variant: str | None
    invoice_recipient: Party
    actor: Actor
    occurred_at: datetime = attrs.field(validator=check_aware)


@frozen
class CollaborationRegistered:
    """A collaboration the host recorded as already running (its own set-up, no actor)."""

    collaboration_id: str
    office_id: str
    customer_id: str
    product: str
    variant: str | None
    invoice_recipient: Party
    occurred_at: datetime = attrs.field(validator=check_aware)


@frozen
class CollaborationEnded:
    collaboration_id: str
    office_id: str
    customer_id: str
    product: str
    outcome: Outcome
    actor: Actor
    acknowledged: tuple[str, ...]
    occurred_at: datetime = attrs.field(validator=check_aware)


@frozen
class EndRefusedRecorded:
    """An attempt to end that the rules refused: who, when, which outcome, which codes."""

    collaboration_id: str
    customer_id: str
    outcome: Outcome
    codes: tuple[str, ...]
    actor: Actor
    occurred_at: datetime = attrs.field(validator=check_aware)


@frozen
class VariantChanged:
    collaboration_id: str
    customer_id: str
    old_variant: str | None
    new_variant: str
    actor: Actor
    occurred_at: datetime = attrs.field(validator=check_aware)


@frozen
class CustomerUserAdded:
    customer_id: str
    user_id: str
    role: Role
    actor: Actor
    occurred_at: datetime = attrs.field(validator=check_aware)


@frozen
class UserRoleChanged:
    customer_id: str
    user_id: str
    old_role: Role
    new_role: Role
    actor: Actor
    occurred_at: datetime = attrs.field(validator=check_aware)


@frozen
class MainContactChanged:
    customer_id: str
    old_user_id: str | None
    new_user_id: str
    actor: Actor
    occurred_at: datetime = attrs.field(validator=check_aware)


@frozen
class SubscriptionCancelled:
    customer_id: str
    product: str
    paid_until: date
    actor: Actor
    occurred_at: datetime = attrs.field(validator=check_aware)


@frozen
class RequestRecorded:
    """A lifecycle request was made: an end scheduled, an invitation sent, or the read-only
    access a former office keeps opened (no actor: the library opens it with the end)."""

    request_id: str
    kind: RequestKind
    status: RequestStatus
    office_id: str
    customer_id: str
    product: str
    collaboration_id: str | None
    effective_on: date | None
    actor: Actor | None
    occurred_at: datetime = attrs.field(validator=check_aware)


@frozen
class RequestStatusChanged:
    """A lifecycle request moved on: accepted (SCHEDULED again), declined, withdrawn, expired, carried out,
    blocked on its date (with the codes that blocked it) or superseded by another end."""

    request_id: str
    kind: RequestKind
    status: RequestStatus
    office_id: str
    customer_id: str
    collaboration_id: str | None
    codes: tuple[str, ...]
    actor: Actor | None
    occurred_at: datetime = attrs.field(validator=check_aware)


@frozen
class CollaborationMoved:
    """The customer moved a product from one office to another in one step."""

    customer_id: str
    product: str
    from_office_id: str
    to_office_id: str
    ended_collaboration_id: str
    started_collaboration_id: str
    actor: Actor
    occurred_at: datetime = attrs.field(validator=check_aware)


Event: TypeAlias = (
    CollaborationStarted
    | CollaborationRegistered
    | CollaborationEnded
    | EndRefusedRecorded
    | VariantChanged
    | CustomerUserAdded
    | UserRoleChanged
    | MainContactChanged
    | SubscriptionCancelled
    | RequestRecorded
    | RequestStatusChanged
    | CollaborationMoved
)
