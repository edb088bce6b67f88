"""Ports & adapters: every interface between collabcore and its host, as protocols only.

Storage is a unit of work (:class:`Store` opens one), made of small roles so
that a host adapter can be built, and tested by the contract suite, a piece
at a time: reading the directory, keeping it, an end's one read and one write,
the outbox, idempotency and the audit trail. The integrations are split by
what they do: the facts the rules read (payroll, expenses, bookkeeping, or
any fact by key), the effects the relay carries out (access, billing, payroll
hand-over, export, erasure) and the notifier. A host implements the methods;
no base class is needed. The values that cross these ports are domain values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol, TypeAlias

from collabcore.domain.effects import Effect
from collabcore.domain.events import Event
from collabcore.domain.model import AccountingOffice, Collaboration, Customer, Subscription
from collabcore.domain.outbox import EffectStatus, Notification, OutboxItem
from collabcore.domain.records import (
    CustomerCollaborations,
    EndSnapshot,
    EndWrites,
    IdempotencyKey,
    IdempotencyRecord,
    OverviewCursor,
)
from collabcore.domain.requests import LifecycleRequest

# --- storage, by role ------------------------------------------------------------


class DirectoryReads(Protocol):
    """Offices, customers, collaborations and subscriptions, as stored."""

    def get_office(self, office_id: str) -> AccountingOffice | None:
        """The office with this id; None when there is none."""
        ...

    def get_customer(self, customer_id: str, *, for_update: bool = False) -> Customer | None:
        """The customer with this id; None when there is none. ``for_update`` locks the row until
        the transaction ends where the store can."""
        ...

    def get_collaboration(self, collaboration_id: str, *, for_update: bool = False) -> Collaboration | None:
        """``for_update`` locks the row until the transaction ends where the store can."""
        ...

    def active_collaborations_of_customer(self, customer_id: str) -> Sequence[Collaboration]:
        """The customer's active collaborations, with every office, oldest first (by start, then
        id); ended ones are left out."""
        ...

    def get_subscription(self, customer_id: str, product: str) -> Subscription | None:
        """The company's subscription to ``product``; None when none is stored (no collaboration
        for the product was ever started or registered through collabcore)."""
        ...


class OverviewReads(Protocol):
    """The office's overview (R13), a page at a time."""

    def overview(
        self, office_id: str, *, after: OverviewCursor | None, limit: int | None
    ) -> Sequence[CustomerCollaborations]:
        """The office's customers with at least one active collaboration with it, ordered
        by (customer number, customer id), starting after ``after``; ``limit`` None: all."""
        ...


class DirectoryWrites(Protocol):
    """Registering and changing offices, customers, collaborations and subscriptions."""

    def save_office(self, office: AccountingOffice) -> None:
        """Store the office, replacing one with the same id (its users included)."""
        ...

    def add_customer(self, customer: Customer) -> None:
        """Store a new customer; raises InvalidInput when one with the same id exists."""
        ...

    def update_customer(self, customer: Customer, *, expected_version: int) -> None:
        """Raises ConcurrencyConflict when the stored version is not ``expected_version``."""
        ...

    def add_collaboration(self, collaboration: Collaboration) -> None:
        """Store a new collaboration; raises InvalidInput when one with the same id exists."""
        ...

    def update_collaboration(self, collaboration: Collaboration, *, expected_version: int) -> None:
        """Raises ConcurrencyConflict when the stored version is not ``expected_version``."""
        ...

    def save_subscription(self, subscription: Subscription) -> None:
        """Store the subscription, replacing the one for the same customer and product."""
        ...


class AuditTrail(Protocol):
    """What happened, per customer, kept for good: events are appended, never changed."""

    def append_events(self, events: Sequence[Event]) -> None:
        """Add events to the trail, after those already there, in the order given."""
        ...

    def events_of_customer(self, customer_id: str) -> Sequence[Event]:
        """Every event about the customer, in the order they were appended (this
        transaction's own included); empty when there are none."""
        ...


class Outbox(Protocol):
    """The pending effects of ends, claimed and updated by the relay."""

    def enqueue_effects(self, effects: Sequence[Effect], *, at: datetime) -> None:
        """Add the effects as pending items, due ``at``; raises StorageError when an effect's key
        is in the outbox already."""
        ...

    def outbox(
        self,
        *,
        statuses: Sequence[EffectStatus] | None = None,
        collaboration_id: str | None = None,
    ) -> Sequence[OutboxItem]:
        """The outbox's items, in any status, narrowed to ``statuses`` and to one
        collaboration when given (None: no narrowing)."""
        ...

    def get_outbox_item(self, key: str, *, for_update: bool = False) -> OutboxItem | None:
        """The item of the effect with this key; None when there is none. ``for_update`` locks it
        until the transaction ends where the store can."""
        ...

    def claim_due_effects(self, *, now: datetime, limit: int) -> Sequence[OutboxItem]:
        """Pending effects whose time has come and whose earlier steps are settled;
        locked for this transaction where the store can (others skip them)."""
        ...

    def update_outbox_item(self, item: OutboxItem, *, fenced: str | None = None) -> bool:
        """Write ``item`` back. With ``fenced`` (the lease its writer holds), only if the stored
        item still holds that lease: False, and nothing written, when another worker has taken
        it over since. Without, the item must exist (StorageError otherwise); True."""
        ...


class OutboxInFewerStatements(Protocol):
    """What a store's unit of work may add so that the relay sends fewer statements. Not
    part of :class:`UnitOfWork`: the relay uses these where a unit of work has them, and
    :class:`Outbox`'s own methods where it has not (a host's store need not change)."""

    def lease_outbox_items(self, items: Sequence[OutboxItem]) -> None:
        """Write back, all at once, items this transaction has just claimed (and so locked):
        what ``update_outbox_item`` (unfenced) would write for each."""
        ...

    def settle_outbox_item(self, item: OutboxItem, *, fenced: str) -> bool:
        """``update_outbox_item(item, fenced=fenced)`` and, if it wrote, the commit, in one go:
        False, and nothing kept, when another worker holds the lease now."""
        ...

    def notification_reads(
        self, effect: Effect
    ) -> tuple[Collaboration | None, AccountingOffice | None, Customer | None, Sequence[Effect]]:
        """What a notification of ``effect``'s end says: its collaboration, office and customer,
        and the effects in the collaboration's outbox, in step order, read together."""
        ...


class IdempotencyKeys(Protocol):
    """Keys are scoped to the acting party: the same key text of two parties are two keys."""

    def get_idempotency(self, key: IdempotencyKey) -> IdempotencyRecord | None:
        """The result recorded under this scoped key; None when the key is new."""
        ...

    def save_idempotency(self, record: IdempotencyRecord) -> None:
        """Raises IdempotencyKeyReused if the record's scoped key is taken (a racing request)."""
        ...


class RequestStore(Protocol):
    """Lifecycle requests: scheduled ends, invitations, read-only accesses (open until settled)."""

    def add_request(self, request: LifecycleRequest) -> None:
        """Store a new request; raises InvalidInput when one with the same id exists."""
        ...

    def get_request(self, request_id: str, *, for_update: bool = False) -> LifecycleRequest | None:
        """The request with this id; None when there is none. ``for_update`` locks it until the
        transaction ends where the store can."""
        ...

    def update_request(self, request: LifecycleRequest, *, expected_version: int) -> None:
        """Raises ConcurrencyConflict when the stored version is not ``expected_version``."""
        ...

    def requests(
        self, *, customer_id: str | None = None, office_id: str | None = None, open_only: bool = False
    ) -> Sequence[LifecycleRequest]:
        """A customer's or an office's requests (at least one of the two), oldest first."""
        ...

    def due_requests(self, *, now: datetime, limit: int) -> Sequence[LifecycleRequest]:
        """Open requests whose ``due_at`` has come, earliest first."""
        ...


class EndStorage(Protocol):
    """An end's one read and one write; ``collabcore.adapters.EndsByParts`` makes both of
    the finer roles, and a store may replace them with fewer round trips."""

    def load_end(
        self, collaboration_id: str, *, idempotency_key: IdempotencyKey | None, for_update: bool
    ) -> EndSnapshot:
        """All an end reads (the collaboration locked if ``for_update``, where the store can)."""
        ...

    def record_end(self, writes: EndWrites, *, commit: bool) -> None:
        """All an end writes, and the commit if asked."""
        ...


CollaborationParties: TypeAlias = tuple[str, str, str]
"""A collaboration's office id, customer id and product: what never changes once it is
stored."""


class PartiesBeforeAnEnd(Protocol):
    """What a store may add so that an end needs no transaction before its own. Not part of
    :class:`Store`: an end uses it where the store has it, and a read-only unit of work
    where it has not (a host's store need not change)."""

    def collaboration_parties(self, collaboration_ids: Sequence[str]) -> Mapping[str, CollaborationParties]:
        """The office, customer and product of each collaboration that exists among
        ``collaboration_ids``, read in one statement, without a transaction of collabcore's
        own: what an end needs to ask the integrations for facts before it takes any lock.
        They never change, so the end's own transaction checks them and reads nothing else
        again."""
        ...


class EndsReadBeforeTheirLock(Protocol):
    """What a store may add so that an end takes one round trip fewer: everything it reads,
    read before its transaction, and checked unchanged by the statement that writes. Not
    part of :class:`Store` or :class:`UnitOfWork`: an end uses these where the store and
    its unit of work have them, and reads under the lock where they have not."""

    def read_end(
        self, collaboration_id: str, *, idempotency_key: IdempotencyKey | None
    ) -> tuple[EndSnapshot, object]:
        """(A method of the store.) What ``load_end`` reads, read in one statement outside
        any transaction (nothing locked), and a token of what was read."""
        ...

    def record_end_as_read(self, writes: EndWrites, read: object, *, commit: bool) -> bool:
        """(A method of a fresh unit of work.) ``record_end(writes, commit=commit)`` in a
        transaction of its own that first takes the locks an end takes, if everything
        ``read`` stands for is still as it was read; False, and nothing kept (the unit of
        work rolled back), when anything changed meanwhile."""
        ...


class EndsInBatches(Protocol):
    """What a store's unit of work may add so that a bulk end writes a batch in a few
    statements instead of one end's statements per item. Not part of :class:`UnitOfWork`:
    a bulk end uses these where a unit of work has them, and :class:`EndStorage`'s own
    methods where it has not."""

    def load_ends(self, requests: Sequence[tuple[str, IdempotencyKey | None]]) -> Sequence[EndSnapshot]:
        """What ``load_end(id, idempotency_key=key, for_update=True)`` reads, for each
        ``(id, key)``, in that order, read together. The caller never asks for two
        collaborations of one customer at once (an end may change what the other reads)."""
        ...

    def record_ends(self, writes: Sequence[EndWrites]) -> None:
        """What ``record_end(w, commit=False)`` writes, for each of ``writes``, written
        together: all of them, or (ConcurrencyConflict when a collaboration is not at its
        expected version, IdempotencyKeyReused when a key is taken) none."""
        ...


class Transaction(Protocol):
    """Ending a unit of work: keep what it wrote, or drop it."""

    def commit(self) -> None:
        """Keep everything written so far, all at once; raises StorageError (and keeps
        nothing) when the store cannot."""
        ...

    def rollback(self) -> None:
        """Drop everything written since the last commit."""
        ...


class UnitOfWork(
    DirectoryReads,
    OverviewReads,
    DirectoryWrites,
    AuditTrail,
    Outbox,
    IdempotencyKeys,
    RequestStore,
    EndStorage,
    Transaction,
    Protocol,
):
    """Every role in one transaction; nothing is kept unless ``commit`` is called."""


class Store(Protocol):
    """Opens units of work; one per adapter (memory, SQLite, PostgreSQL, a host's own)."""

    def transaction(self, *, write: bool = True) -> AbstractContextManager[UnitOfWork]:
        """A unit of work; leaving it without ``commit()`` (or by an exception) rolls back."""
        ...

    def close(self) -> None:
        """Release what the store holds (connections, a pool); call it when the store is no
        longer used."""
        ...


# --- the facts the rules read ----------------------------------------------------

FactReader: TypeAlias = Callable[[str], object]
"""Answers one fact for a customer id; ``None`` means not known."""


class PayrollPort(Protocol):
    """The payroll system: two facts for ending Payroll (R8, R9), and the backup's hand-over.

    A fact method that raises makes its fact unknown, with the error as the reason: the
    rule that reads it blocks rather than guess."""

    def customer_is_payroll_user(self, customer_id: str) -> bool:
        """Whether the company has been added as a user of the payroll program, which it needs
        before the backup is handed over (R8)."""
        ...

    def payroll_synchronised(self, customer_id: str) -> bool:
        """Whether the company's payroll data is synchronised, so that the backup is complete (R9)."""
        ...

    def hand_over_backup(self, effect: Effect) -> None:
        """Hand the payroll backup file to the company; idempotent on ``effect.key``."""
        ...


class ExpensesPort(Protocol):
    """The expenses system: two facts for ending Travel & Expenses (R11, R12), and the export.

    A fact method that raises makes its fact unknown, with the error as the reason."""

    def unsubmitted_reports(self, customer_id: str) -> int:
        """How many of the company's expense reports are not yet submitted (R11: any blocks a
        delete, and needs an acknowledgement otherwise)."""
        ...

    def users_with_unsubmitted_outlays(self, customer_id: str) -> Sequence[str]:
        """The ids of the company's users with outlays not yet submitted (R12); empty when none."""
        ...

    def export_submitted_reports(self, effect: Effect) -> None:
        """Give the company an export of its submitted reports before its data is erased (R22);
        idempotent on ``effect.key``."""
        ...


class BookkeepingPort(Protocol):
    """The bookkeeping system: two facts for ending Bookkeeping & Invoicing (R16, R17).

    A fact method that raises makes its fact unknown, with the error as the reason."""

    def active_linked_services(self, customer_id: str) -> Sequence[str]:
        """The names of the services linked to the company's bookkeeping that are still active
        (a scanner, a financial overview); empty when none (R16)."""
        ...

    def bank_integration_active(self, customer_id: str) -> bool:
        """Whether the company's bank integration is still active (R17 blocks while it is)."""
        ...


class ExtraFactsPort(Protocol):
    """Many facts at once, by key (0.1's way for a host's products; ``Integrations.facts``
    answers one fact at a time)."""

    def facts(self, customer_id: str, product: str) -> Mapping[str, Any]:
        """The facts it knows about the customer for ending ``product``, by fact key; a key left
        out is not known."""
        ...


# --- the effects -----------------------------------------------------------------


class AccessPort(Protocol):
    """Who may use the product once a collaboration ends; each method idempotent on
    ``effect.key``, and an exception makes the relay retry it."""

    def revoke_office_access(self, effect: Effect) -> None:
        """Take away ``effect.office_id``'s access to the company's ``effect.product``."""
        ...

    def restrict_office_access(self, effect: Effect) -> None:
        """Leave ``effect.office_id`` read-only access to the company's deactivated product
        instead of none (R20)."""
        ...

    def revoke_company_online_access(self, effect: Effect) -> None:
        """Take away the company's own online access to the product (R10: Payroll; a company
        that continues goes on in the payroll program)."""
        ...


class BillingPort(Protocol):
    """The subscription and its invoices once a collaboration ends (R18, R23); each method
    idempotent on ``effect.key``, and an exception makes the relay retry it."""

    def transfer_subscription(self, effect: Effect) -> None:
        """Move the subscription and its invoices to the company, which continues on its own (R18)."""
        ...

    def deactivate_subscription(self, effect: Effect) -> None:
        """Make the subscription read-only, paid to the end of this billing month (R23)."""
        ...

    def cancel_subscription(self, effect: Effect) -> None:
        """End the subscription, paid to the end of this billing month (R23)."""
        ...


class EraserPort(Protocol):
    """Deleting a product's data when a collaboration ends with ``Outcome.DELETE`` (R7)."""

    def erase_service_data(self, effect: Effect) -> None:
        """Erase all data of ``effect.product`` for ``effect.customer_id``, nothing else (R7)."""
        ...


class LifecyclePort(Protocol):
    """The effects of moves and of linked apps; each idempotent on ``effect.key``."""

    def grant_office_access(self, effect: Effect) -> None:
        """A move: give ``effect.office_id`` (the new office) access to the product."""
        ...

    def change_payer(self, effect: Effect) -> None:
        """A move: invoice the new collaboration's recipient from the next billing month."""
        ...

    def revoke_linked_services(self, effect: Effect) -> None:
        """End the access of the services linked to the product for the company (R16)."""
        ...


class NotifierPort(Protocol):
    """Telling each party of an end or a request, in its own language."""

    def notify(self, notification: Notification) -> None:
        """Deliver the message (by mail, in the host's inbox...); idempotent on
        ``notification.key``, and an exception makes the relay retry it."""
        ...
