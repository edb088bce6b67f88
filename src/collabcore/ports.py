"""Ports & adapters: every interface between collabcore and its host.

Storage is a unit of work (:class:`Store` opens one, :class:`UnitOfWork`
reads and writes inside it). The integrations are split by what they do: the
facts the rules read (payroll, expenses, bookkeeping), the effects the relay
carries out (access, billing, payroll hand-over, export, erasure) and the
notifier. Each is a ``typing.Protocol``: a host implements the methods, no
base class needed. The values that cross these ports live here too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from attrs import frozen

from collabcore.domain import (
    AccountingOffice,
    Collaboration,
    CollaborationEnded,
    Customer,
    Event,
    Party,
    Subscription,
)
from collabcore.planning import Effect

# --- values crossing the storage port -------------------------------------


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

    @property
    def key(self) -> str:
        return self.effect.key

    @property
    def settled(self) -> bool:
        return self.status in (EffectStatus.DONE, EffectStatus.RESOLVED)


@frozen
class EndResult:
    """What ``end`` returns, and what an idempotent replay returns again."""

    collaboration: Collaboration
    event: CollaborationEnded
    effects: tuple[Effect, ...]
    replayed: bool = False


@frozen
class IdempotencyRecord:
    key: str
    fingerprint: str
    """The request it answered; the same key with another request is refused."""
    result: EndResult
    created_at: datetime


@frozen
class OverviewCursor:
    """Where the next page of an office's overview starts (keyset, by customer)."""

    customer_number: str
    customer_id: str


@frozen
class CustomerCollaborations:
    customer: Customer
    collaborations: tuple[Collaboration, ...]


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


class UnitOfWork(Protocol):
    """Reads and writes in one transaction; nothing is kept unless ``commit`` is called."""

    def get_office(self, office_id: str) -> AccountingOffice | None: ...

    def get_customer(self, customer_id: str, *, for_update: bool = False) -> Customer | None: ...

    def get_collaboration(self, collaboration_id: str, *, for_update: bool = False) -> Collaboration | None:
        """``for_update`` locks the row until the transaction ends where the store can."""
        ...

    def active_collaborations_of_customer(self, customer_id: str) -> Sequence[Collaboration]: ...

    def get_subscription(self, customer_id: str, product: str) -> Subscription | None: ...

    def overview(
        self, office_id: str, *, after: OverviewCursor | None, limit: int | None
    ) -> Sequence[CustomerCollaborations]:
        """The office's customers with at least one active collaboration with it, ordered
        by (customer number, customer id), starting after ``after``; ``limit`` None: all."""
        ...

    def get_idempotency(self, key: str) -> IdempotencyRecord | None: ...

    def events_of_customer(self, customer_id: str) -> Sequence[Event]: ...

    def outbox(
        self,
        *,
        statuses: Sequence[EffectStatus] | None = None,
        collaboration_id: str | None = None,
    ) -> Sequence[OutboxItem]: ...

    def get_outbox_item(self, key: str, *, for_update: bool = False) -> OutboxItem | None: ...

    def claim_due_effects(self, *, now: datetime, limit: int) -> Sequence[OutboxItem]:
        """Pending effects whose time has come and whose earlier steps are settled;
        locked for this transaction where the store can (others skip them)."""
        ...

    def save_office(self, office: AccountingOffice) -> None: ...

    def add_customer(self, customer: Customer) -> None: ...

    def update_customer(self, customer: Customer, *, expected_version: int) -> None:
        """Raises ConcurrencyConflict when the stored version is not ``expected_version``."""
        ...

    def add_collaboration(self, collaboration: Collaboration) -> None: ...

    def update_collaboration(self, collaboration: Collaboration, *, expected_version: int) -> None:
        """Raises ConcurrencyConflict when the stored version is not ``expected_version``."""
        ...

    def save_subscription(self, subscription: Subscription) -> None: ...

    def append_events(self, events: Sequence[Event]) -> None: ...

    def enqueue_effects(self, effects: Sequence[Effect], *, at: datetime) -> None: ...

    def update_outbox_item(self, item: OutboxItem) -> None: ...

    def save_idempotency(self, record: IdempotencyRecord) -> None: ...

    def load_end(
        self, collaboration_id: str, *, idempotency_key: str | None, for_update: bool
    ) -> EndSnapshot:
        """All an end reads; :func:`load_end_by_parts` is a correct implementation, which a
        store may replace with fewer round trips."""
        ...

    def record_end(self, writes: EndWrites, *, commit: bool) -> None:
        """All an end writes, and the commit if asked; :func:`record_end_by_parts` is a
        correct implementation, which a store may replace with fewer round trips."""
        ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


def load_end_by_parts(
    uow: UnitOfWork, collaboration_id: str, *, idempotency_key: str | None, for_update: bool
) -> EndSnapshot:
    collaboration = uow.get_collaboration(collaboration_id, for_update=for_update)
    record = None if idempotency_key is None else uow.get_idempotency(idempotency_key)
    if collaboration is None:
        return EndSnapshot(None, None, None, (), None, record)
    others = tuple(
        c
        for c in uow.active_collaborations_of_customer(collaboration.customer_id)
        if c.id != collaboration.id
    )
    return EndSnapshot(
        collaboration,
        uow.get_customer(collaboration.customer_id),
        uow.get_office(collaboration.office_id),
        others,
        uow.get_subscription(collaboration.customer_id, collaboration.product),
        record,
    )


def record_end_by_parts(uow: UnitOfWork, writes: EndWrites, *, commit: bool) -> None:
    uow.update_collaboration(writes.ended, expected_version=writes.expected_version)
    uow.append_events([writes.event])
    if writes.subscription is not None:
        uow.save_subscription(writes.subscription)
    uow.enqueue_effects(writes.effects, at=writes.at)
    if writes.idempotency is not None:
        uow.save_idempotency(writes.idempotency)
    if commit:
        uow.commit()


class EndsByParts:
    """Mixin: ``load_end`` and ``record_end`` made of a unit of work's finer methods.

    Always correct; a store that can read or write an end in fewer round trips
    overrides them (the PostgreSQL adapter does).
    """

    def load_end(
        self: UnitOfWork, collaboration_id: str, *, idempotency_key: str | None, for_update: bool
    ) -> EndSnapshot:
        return load_end_by_parts(
            self, collaboration_id, idempotency_key=idempotency_key, for_update=for_update
        )

    def record_end(self: UnitOfWork, writes: EndWrites, *, commit: bool) -> None:
        record_end_by_parts(self, writes, commit=commit)


class Store(Protocol):
    """Opens units of work; one per adapter (memory, SQLite, PostgreSQL, a host's own)."""

    def transaction(self, *, write: bool = True) -> AbstractContextManager[UnitOfWork]:
        """A unit of work; leaving it without ``commit()`` (or by an exception) rolls back."""
        ...

    def close(self) -> None: ...


# --- the facts the rules read ----------------------------------------------


class PayrollPort(Protocol):
    def customer_is_payroll_user(self, customer_id: str) -> bool: ...

    def payroll_synchronised(self, customer_id: str) -> bool: ...

    def hand_over_backup(self, effect: Effect) -> None:
        """Hand the payroll backup file to the company; idempotent on ``effect.key``."""
        ...


class ExpensesPort(Protocol):
    def unsubmitted_reports(self, customer_id: str) -> int: ...

    def users_with_unsubmitted_outlays(self, customer_id: str) -> Sequence[str]: ...

    def export_submitted_reports(self, effect: Effect) -> None: ...


class BookkeepingPort(Protocol):
    def active_linked_services(self, customer_id: str) -> Sequence[str]: ...

    def bank_integration_active(self, customer_id: str) -> bool: ...


class ExtraFactsPort(Protocol):
    """Facts for products a host registered, read by the host's own rules."""

    def facts(self, customer_id: str, product: str) -> Mapping[str, Any]: ...


# --- the effects ----------------------------------------------------------


class AccessPort(Protocol):
    def revoke_office_access(self, effect: Effect) -> None: ...

    def restrict_office_access(self, effect: Effect) -> None: ...

    def revoke_company_online_access(self, effect: Effect) -> None: ...


class BillingPort(Protocol):
    def transfer_subscription(self, effect: Effect) -> None: ...

    def deactivate_subscription(self, effect: Effect) -> None: ...

    def cancel_subscription(self, effect: Effect) -> None: ...


class EraserPort(Protocol):
    def erase_service_data(self, effect: Effect) -> None:
        """Erase all data of ``effect.product`` for ``effect.customer_id``, nothing else (R7)."""
        ...


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


class NotifierPort(Protocol):
    def notify(self, notification: Notification) -> None: ...


@frozen
class Integrations:
    """The host's integrations; leave out what it does not have.

    A fact with no integration is unknown, and the rules that need it block
    (guessing would risk data); an effect with no integration fails visibly in
    the relay and waits to be retried or resolved by hand.
    """

    payroll: PayrollPort | None = None
    expenses: ExpensesPort | None = None
    bookkeeping: BookkeepingPort | None = None
    extra_facts: ExtraFactsPort | None = None
    access: AccessPort | None = None
    billing: BillingPort | None = None
    eraser: EraserPort | None = None
    notifier: NotifierPort | None = None
