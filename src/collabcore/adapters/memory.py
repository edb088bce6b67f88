"""The in-memory adapter: a store of dicts behind one lock.

Shipped code, not a test double: it passes the same contract suite as SQLite
and PostgreSQL, so tests, notebooks and examples built on it behave like
production. A unit of work stages its writes and applies them on commit, so
an exception (or leaving without commit) changes nothing.

Ids are kept, looked up and compared as exact ``str``, as SQLite and PostgreSQL keep
them: the values a host gives are plain text already (their validators copy a ``str``
subclass, see :mod:`collabcore.domain.validation`), and every id this store is asked
about is copied the same way at its door, so a subclass's ``==`` or ``hash`` never
decides which tenant's record answers.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from collabcore.adapters.by_parts import EndsByParts, OutboxByParts, load_end_by_parts
from collabcore.domain.effects import Effect
from collabcore.domain.errors import ConcurrencyConflict, InvalidInput, StorageError, key_reused
from collabcore.domain.events import Event
from collabcore.domain.model import AccountingOffice, Collaboration, Customer, Status, Subscription
from collabcore.domain.outbox import EffectStatus, OutboxItem
from collabcore.domain.records import (
    CustomerCollaborations,
    EndSnapshot,
    EndWrites,
    IdempotencyKey,
    IdempotencyRecord,
    OverviewCursor,
)
from collabcore.domain.requests import LifecycleRequest
from collabcore.domain.validation import plain
from collabcore.ports import CollaborationParties


def _text(value: Any) -> Any:
    """An id as the SQL stores bind it: a ``str`` subclass as an exact copy of its text."""
    return plain(value) if issubclass(type(value), str) else value


def _key(key: IdempotencyKey) -> IdempotencyKey:
    if type(key.scope) is str and type(key.key) is str:
        return key
    return IdempotencyKey(_text(key.scope), _text(key.key))


class _State:
    """Everything a MemoryStore holds, with the indexes its queries need."""

    def __init__(self) -> None:
        self.offices: dict[str, AccountingOffice] = {}
        self.customers: dict[str, Customer] = {}
        self.collaborations: dict[str, Collaboration] = {}
        self.subscriptions: dict[tuple[str, str], Subscription] = {}
        self.events: list[Event] = []
        self.outbox: dict[str, OutboxItem] = {}
        self.idempotency: dict[IdempotencyKey, IdempotencyRecord] = {}
        self.requests: dict[str, LifecycleRequest] = {}
        # customer id, office id -> ids of their requests: every end reads its customer's
        self.requests_by_party: dict[str, set[str]] = defaultdict(set)
        # customer id -> ids of its active collaborations
        self.active_by_customer: dict[str, set[str]] = defaultdict(set)
        # office id -> customer id -> ids of the office's active collaborations with it
        self.active_by_office: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.events_by_customer: dict[str, list[Event]] = defaultdict(list)
        self.commits = 0
        """How many units of work have committed: what an end read before its lock is
        current if none has since."""

    def put_collaboration(self, c: Collaboration) -> None:
        self.collaborations[c.id] = c
        by_office = self.active_by_office[c.office_id]
        if c.status is Status.ACTIVE:
            self.active_by_customer[c.customer_id].add(c.id)
            by_office[c.customer_id].add(c.id)
        else:
            self.active_by_customer[c.customer_id].discard(c.id)
            ids = by_office.get(c.customer_id)
            if ids is not None:
                ids.discard(c.id)
                if not ids:
                    del by_office[c.customer_id]


class MemoryUnitOfWork(EndsByParts, OutboxByParts):
    def __init__(self, state: _State) -> None:
        self._state = state
        self._offices: dict[str, AccountingOffice] = {}
        self._customers: dict[str, Customer] = {}
        self._collaborations: dict[str, Collaboration] = {}
        self._subscriptions: dict[tuple[str, str], Subscription] = {}
        self._events: list[Event] = []
        self._outbox: dict[str, OutboxItem] = {}
        self._idempotency: dict[IdempotencyKey, IdempotencyRecord] = {}
        self._requests: dict[str, LifecycleRequest] = {}
        self.committed = False

    # --- reads -----------------------------------------------------------

    def get_office(self, office_id: str) -> AccountingOffice | None:
        if type(office_id) is not str:
            office_id = _text(office_id)
        return self._offices.get(office_id) or self._state.offices.get(office_id)

    def get_customer(self, customer_id: str, *, for_update: bool = False) -> Customer | None:
        if type(customer_id) is not str:
            customer_id = _text(customer_id)
        return self._customers.get(customer_id) or self._state.customers.get(customer_id)

    def get_collaboration(self, collaboration_id: str, *, for_update: bool = False) -> Collaboration | None:
        if type(collaboration_id) is not str:
            collaboration_id = _text(collaboration_id)
        found = self._collaborations.get(collaboration_id)
        return found or self._state.collaborations.get(collaboration_id)

    def active_collaborations_of_customer(self, customer_id: str) -> Sequence[Collaboration]:
        customer_id = _text(customer_id)
        ids = set(self._state.active_by_customer.get(customer_id, ()))
        ids.update(c.id for c in self._collaborations.values() if c.customer_id == customer_id)
        found = (self.get_collaboration(i) for i in ids)
        return sorted((c for c in found if c is not None and c.is_active), key=lambda c: (c.started_at, c.id))

    def load_end(
        self, collaboration_id: str, *, idempotency_key: IdempotencyKey | None, for_update: bool
    ) -> EndSnapshot:
        if type(collaboration_id) is not str:
            collaboration_id = _text(collaboration_id)
        if idempotency_key is not None:
            idempotency_key = _key(idempotency_key)
        if (
            self._offices
            or self._customers
            or self._collaborations
            or self._subscriptions
            or self._idempotency
            or self._requests
        ):
            return load_end_by_parts(
                self, collaboration_id, idempotency_key=idempotency_key, for_update=for_update
            )
        # Nothing staged, as in every plan_end: read the committed state directly.
        state = self._state
        collaboration = state.collaborations.get(collaboration_id)
        record = None if idempotency_key is None else state.idempotency.get(idempotency_key)
        if collaboration is None:
            return EndSnapshot(None, None, None, (), None, record)
        c = collaboration
        active = state.active_by_customer.get(c.customer_id)
        others: tuple[Collaboration, ...] = ()
        if active and (len(active) > 1 or c.id not in active):
            others = tuple(
                sorted(
                    (state.collaborations[i] for i in active if i != c.id),
                    key=lambda o: (o.started_at, o.id),
                )
            )
        # Most customers have no request at all: their index is not even there to read.
        requested = state.requests_by_party.get(f"c:{c.customer_id}")
        return EndSnapshot(
            c,
            state.customers.get(c.customer_id),
            state.offices.get(c.office_id),
            others,
            state.subscriptions.get((c.customer_id, c.product)),
            record,
            tuple(self.requests(customer_id=c.customer_id, open_only=True)) if requested else (),
        )

    def get_subscription(self, customer_id: str, product: str) -> Subscription | None:
        key = (_text(customer_id), _text(product))
        return self._subscriptions.get(key) or self._state.subscriptions.get(key)

    def overview(
        self, office_id: str, *, after: OverviewCursor | None, limit: int | None
    ) -> Sequence[CustomerCollaborations]:
        office_id = _text(office_id)
        if after is not None:
            after = OverviewCursor(_text(after.customer_number), _text(after.customer_id))
        by_customer: dict[str, set[str]] = {
            k: set(v) for k, v in self._state.active_by_office.get(office_id, {}).items()
        }
        for c in self._collaborations.values():
            if c.office_id == office_id:
                by_customer.setdefault(c.customer_id, set()).add(c.id)
        customers = []
        for customer_id in by_customer:
            customer = self.get_customer(customer_id)
            if customer is None:
                continue
            position = (customer.number, customer.id)
            if after is None or position > (after.customer_number, after.customer_id):
                customers.append(customer)
        customers.sort(key=lambda c: (c.number, c.id))
        items = []
        for customer in customers:
            collabs = (self.get_collaboration(i) for i in by_customer[customer.id])
            active = sorted(
                (c for c in collabs if c is not None and c.is_active),
                key=lambda c: (c.product, c.id),
            )
            if active:
                items.append(CustomerCollaborations(customer, tuple(active)))
            if limit is not None and len(items) >= limit:
                break
        return items

    def get_idempotency(self, key: IdempotencyKey) -> IdempotencyRecord | None:
        key = _key(key)
        return self._idempotency.get(key) or self._state.idempotency.get(key)

    def events_of_customer(self, customer_id: str) -> Sequence[Event]:
        customer_id = _text(customer_id)
        staged = [e for e in self._events if e.customer_id == customer_id]
        return [*self._state.events_by_customer.get(customer_id, ()), *staged]

    def outbox(
        self,
        *,
        statuses: Sequence[EffectStatus] | None = None,
        collaboration_id: str | None = None,
    ) -> Sequence[OutboxItem]:
        collaboration_id = _text(collaboration_id)
        merged = {**self._state.outbox, **self._outbox}
        return [
            item
            for item in merged.values()
            if (statuses is None or item.status in statuses)
            and (collaboration_id is None or item.effect.collaboration_id == collaboration_id)
        ]

    def get_outbox_item(self, key: str, *, for_update: bool = False) -> OutboxItem | None:
        if type(key) is not str:
            key = _text(key)
        return self._outbox.get(key) or self._state.outbox.get(key)

    def claim_due_effects(self, *, now: datetime, limit: int) -> Sequence[OutboxItem]:
        merged = {**self._state.outbox, **self._outbox}
        unsettled: dict[str, int] = {}
        for item in merged.values():
            if not item.settled:
                c = item.effect.collaboration_id
                unsettled[c] = min(unsettled.get(c, item.effect.step), item.effect.step)
        due = [
            item
            for item in merged.values()
            if item.status is EffectStatus.PENDING
            and item.next_attempt_at <= now
            and unsettled.get(item.effect.collaboration_id) == item.effect.step
        ]
        due.sort(key=lambda i: (i.next_attempt_at, i.effect.collaboration_id, i.effect.step))
        return due[:limit]

    def get_request(self, request_id: str, *, for_update: bool = False) -> LifecycleRequest | None:
        if type(request_id) is not str:
            request_id = _text(request_id)
        return self._requests.get(request_id) or self._state.requests.get(request_id)

    def requests(
        self, *, customer_id: str | None = None, office_id: str | None = None, open_only: bool = False
    ) -> Sequence[LifecycleRequest]:
        customer_id, office_id = _text(customer_id), _text(office_id)
        # The port asks for at least one of the two; the customer's index is the narrower.
        key = f"c:{customer_id}" if customer_id is not None else f"o:{office_id}"
        ids = set(self._state.requests_by_party.get(key, ()))
        ids.update(self._requests)
        candidates = (self.get_request(i) for i in ids)
        found = [
            r
            for r in candidates
            if r is not None
            and (customer_id is None or r.customer_id == customer_id)
            and (office_id is None or r.office_id == office_id)
            and (not open_only or r.is_open)
        ]
        return sorted(found, key=lambda r: (r.requested_at, r.id))

    def due_requests(self, *, now: datetime, limit: int) -> Sequence[LifecycleRequest]:
        merged = {**self._state.requests, **self._requests}
        due = [r for r in merged.values() if (at := r.due_at) is not None and at <= now]
        return sorted(due, key=lambda r: (r.due_at, r.id))[:limit]

    # --- writes ----------------------------------------------------------

    def add_request(self, request: LifecycleRequest) -> None:
        if self.get_request(request.id) is not None:
            raise InvalidInput(f"Request {request.id} exists already.")
        self._requests[request.id] = request

    def update_request(self, request: LifecycleRequest, *, expected_version: int) -> None:
        current = self.get_request(request.id)
        if current is None or current.version != expected_version:
            raise ConcurrencyConflict(
                f"Request {request.id} changed since it was read.", hint="Read it again and retry."
            )
        self._requests[request.id] = request

    def save_office(self, office: AccountingOffice) -> None:
        self._offices[office.id] = office

    def add_customer(self, customer: Customer) -> None:
        if self.get_customer(customer.id) is not None:
            raise InvalidInput(
                f"Customer {customer.id} exists already.", hint="Use another id, or update it."
            )
        self._customers[customer.id] = customer

    def update_customer(self, customer: Customer, *, expected_version: int) -> None:
        current = self.get_customer(customer.id)
        if current is None or current.version != expected_version:
            raise ConcurrencyConflict(
                f"Customer {customer.id} changed since it was read.", hint="Read it again and retry."
            )
        self._customers[customer.id] = customer

    def add_collaboration(self, collaboration: Collaboration) -> None:
        if self.get_collaboration(collaboration.id) is not None:
            raise InvalidInput(f"Collaboration {collaboration.id} exists already.")
        self._collaborations[collaboration.id] = collaboration

    def update_collaboration(self, collaboration: Collaboration, *, expected_version: int) -> None:
        current = self.get_collaboration(collaboration.id)
        if current is None or current.version != expected_version:
            raise ConcurrencyConflict(
                f"Collaboration {collaboration.id} changed since it was read.",
                hint="Read it again and retry.",
            )
        self._collaborations[collaboration.id] = collaboration

    def save_subscription(self, subscription: Subscription) -> None:
        self._subscriptions[(subscription.customer_id, subscription.product)] = subscription

    def append_events(self, events: Sequence[Event]) -> None:
        self._events.extend(events)

    def enqueue_effects(self, effects: Sequence[Effect], *, at: datetime) -> None:
        for effect in effects:
            if self.get_outbox_item(effect.key) is not None:
                raise StorageError(f"Effect {effect.key} is in the outbox already.")
            self._outbox[effect.key] = OutboxItem(effect, EffectStatus.PENDING, 0, at, at)

    def update_outbox_item(self, item: OutboxItem, *, fenced: str | None = None) -> bool:
        current = self.get_outbox_item(item.key)
        if fenced is not None:
            if current is None or current.lease != fenced:
                return False
        elif current is None:
            raise StorageError(f"Effect {item.key} is not in the outbox.")
        self._outbox[item.key] = item
        return True

    def save_idempotency(self, record: IdempotencyRecord) -> None:
        key = _key(record.scoped_key)
        if self.get_idempotency(key) is not None:
            raise key_reused(record.key)
        self._idempotency[key] = record

    def commit(self) -> None:
        state = self._state
        state.commits += 1
        state.offices.update(self._offices)
        state.customers.update(self._customers)
        for c in self._collaborations.values():
            state.put_collaboration(c)
        state.subscriptions.update(self._subscriptions)
        state.events.extend(self._events)
        for event in self._events:
            state.events_by_customer[event.customer_id].append(event)
        state.outbox.update(self._outbox)
        state.idempotency.update(self._idempotency)
        for r in self._requests.values():
            state.requests[r.id] = r
            state.requests_by_party[f"c:{r.customer_id}"].add(r.id)
            state.requests_by_party[f"o:{r.office_id}"].add(r.id)
        self._discard()
        self.committed = True

    def rollback(self) -> None:
        self._discard()

    # --- the optional abilities of an end (collabcore.ports) ------------------------

    def record_end_as_read(self, writes: EndWrites, read: object, *, commit: bool) -> bool:
        """:class:`~collabcore.ports.EndsReadBeforeTheirLock`: ``record_end`` if no unit of
        work has committed since :meth:`MemoryStore.read_end` read ``read`` (this one holds
        the store's lock, so none can commit meanwhile)."""
        if read != self._state.commits:
            self.rollback()
            return False
        self.record_end(writes, commit=commit)
        return True

    def load_ends(self, requests: Sequence[tuple[str, IdempotencyKey | None]]) -> list[EndSnapshot]:
        """:class:`~collabcore.ports.EndsInBatches`: ``load_end`` for each request."""
        return [self.load_end(cid, idempotency_key=key, for_update=True) for cid, key in requests]

    def record_ends(self, writes: Sequence[EndWrites]) -> None:
        """:class:`~collabcore.ports.EndsInBatches`: ``record_end`` for each, staged together
        (a stale one raises before anything of the unit of work is kept)."""
        for each in writes:
            self.record_end(each, commit=False)

    def _discard(self) -> None:
        for staged in (
            self._offices,
            self._customers,
            self._collaborations,
            self._subscriptions,
            self._outbox,
            self._idempotency,
            self._requests,
        ):
            staged.clear()
        self._events.clear()


class _Transaction:
    """The lock held for one unit of work, which is rolled back on leaving unless committed.

    A class rather than a generator-based context manager: plan_end on this store costs
    microseconds, and the generator's machinery was a tenth of them."""

    __slots__ = ("_lock", "_state", "_uow")

    def __init__(self, lock: threading.RLock, state: _State) -> None:
        self._lock, self._state = lock, state

    def __enter__(self) -> MemoryUnitOfWork:
        # Built before the lock is taken: nothing can then fail between acquire and return.
        self._uow = MemoryUnitOfWork(self._state)
        self._lock.acquire()
        return self._uow

    def __exit__(self, *exc_info: object) -> None:
        try:
            self._uow.rollback()
        finally:
            self._lock.release()


class MemoryStore:
    """A :class:`~collabcore.ports.Store` in process memory; one transaction at a time."""

    def __init__(self) -> None:
        self._state = _State()
        self._lock = threading.RLock()

    def transaction(self, *, write: bool = True) -> AbstractContextManager[MemoryUnitOfWork]:
        """A unit of work that holds the store to itself until it is left (another thread's
        waits); what it wrote is kept only on ``commit()``. ``write`` changes nothing here."""
        return _Transaction(self._lock, self._state)

    def read_end(
        self, collaboration_id: str, *, idempotency_key: IdempotencyKey | None
    ) -> tuple[EndSnapshot, object]:
        """:class:`~collabcore.ports.EndsReadBeforeTheirLock`: what ``load_end`` reads, and
        how many units of work had committed then; the store is held only while it reads."""
        with self.transaction(write=False) as uow:
            return uow.load_end(collaboration_id, idempotency_key=idempotency_key, for_update=False), (
                self._state.commits
            )

    def collaboration_parties(self, collaboration_ids: Sequence[str]) -> dict[str, CollaborationParties]:
        """:class:`~collabcore.ports.PartiesBeforeAnEnd`: each collaboration's office, customer
        and product, as committed."""
        with self._lock:
            found = (self._state.collaborations.get(_text(cid)) for cid in collaboration_ids)
            return {c.id: (c.office_id, c.customer_id, c.product) for c in found if c is not None}

    def close(self) -> None:
        """Nothing to release; here so the memory store is a drop-in for the others."""
