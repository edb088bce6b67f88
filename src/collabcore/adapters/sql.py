"""The unit of work both SQL adapters share; each dialect overrides a few hooks.

Entities are stored as JSON documents (the serialization module's format)
beside the columns that queries filter and sort on. Every row read back is
checked: one that no longer parses raises CorruptRecord naming its table and
key, instead of handing half a value to the rules.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, TypeVar

from collabcore.adapters.by_parts import EndsByParts, OutboxByParts
from collabcore.adapters.decoded import KEPT_KINDS, DecodedRows
from collabcore.adapters.serialization import stored_value
from collabcore.domain.effects import Effect
from collabcore.domain.errors import (
    ConcurrencyConflict,
    CorruptRecord,
    InvalidInput,
    SchemaVersionError,
    StorageError,
    describe,
    key_reused,
)
from collabcore.domain.events import Event
from collabcore.domain.model import AccountingOffice, Collaboration, Customer, Subscription
from collabcore.domain.outbox import EffectStatus, OutboxItem
from collabcore.domain.records import (
    CustomerCollaborations,
    IdempotencyKey,
    IdempotencyRecord,
    OverviewCursor,
)
from collabcore.domain.requests import LifecycleRequest, RequestStatus

T = TypeVar("T")

SCHEMA_VERSION = 3
OPEN_STATUSES = "(" + ", ".join(f"'{s.value}'" for s in RequestStatus if s.is_open) + ")"
"""Written out, not bound: only a literal lets the planner use the partial index."""
UPDATE_OUTBOX = "UPDATE outbox SET status = ?, next_attempt_at = ?, lease = ?, data = ? WHERE key = ?"
"""An outbox item written back; with :data:`FENCE`, only while its writer holds the lease."""
FENCE = " AND lease = ?"
OVERVIEW_CHUNK = 500
"""Customers per statement when reading a whole office's overview."""


def utc_text(moment: datetime) -> str:
    """A fixed-width UTC form, so that text comparison is time order (SQLite)."""
    global _last_utc_text
    last = _last_utc_text  # one tuple, replaced whole: a racing thread reads a matching pair
    if last[0] is moment:  # an end writes its one moment into several rows
        return last[1]
    text = moment.astimezone(UTC).isoformat(timespec="microseconds")
    _last_utc_text = (moment, text)
    return text


_last_utc_text: tuple[datetime | None, str] = (None, "")


def migrate(uow: SQLUnitOfWork, migrations: dict[int, tuple[str, ...]], where: str) -> None:
    """Bring the schema up to SCHEMA_VERSION inside ``uow``; refuse a newer one."""
    uow._execute("CREATE TABLE IF NOT EXISTS collabcore_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    current = stored_version(uow)
    if current > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"{where} has schema version {current}; this collabcore knows versions up to {SCHEMA_VERSION}.",
            hint="Upgrade collabcore to a version that knows the newer schema.",
        )
    for version in range(current + 1, SCHEMA_VERSION + 1):
        for statement in migrations[version]:
            uow._execute(statement)
    if current < SCHEMA_VERSION:
        uow._execute(
            "INSERT INTO collabcore_meta (key, value) VALUES ('schema_version', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(SCHEMA_VERSION),),
        )


def stored_version(uow: SQLUnitOfWork) -> int:
    row = uow._execute("SELECT value FROM collabcore_meta WHERE key = 'schema_version'").fetchone()
    if row is None:
        return 0
    try:
        return int(row[0])
    except (TypeError, ValueError):
        raise CorruptRecord(
            f"Row 'schema_version' of table collabcore_meta holds {describe(row[0])}, not a number.",
            hint="Set it to the schema version the database really has.",
        ) from None


class SQLUnitOfWork(EndsByParts, OutboxByParts):
    """Queries written once with ``?`` placeholders; hooks cover the dialects' differences."""

    lock_clause = ""
    """Appended to single-row reads ``for_update`` (PostgreSQL: FOR UPDATE)."""
    claim_clause = ""
    """Appended to the relay's claim (PostgreSQL: FOR UPDATE SKIP LOCKED)."""

    def __init__(self, decoded: DecodedRows | None = None) -> None:
        self.committed = False
        self._decoded = decoded

    # --- dialect hooks -------------------------------------------------------

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement; returns a cursor."""
        raise NotImplementedError

    def _executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        raise NotImplementedError

    def _is_unique_violation(self, exc: BaseException) -> bool:
        raise NotImplementedError

    def _json(self, value: Any, kind: Any = None) -> Any:
        """A value as the driver should store it in a JSON column."""
        raise NotImplementedError

    def _unjson(self, raw: Any) -> Any:
        """A JSON column's content as plain data."""
        raise NotImplementedError

    def _time(self, moment: datetime) -> Any:
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def rollback(self) -> None:
        raise NotImplementedError

    # --- decoding ------------------------------------------------------------

    def _decode(self, raw: Any, kind: type[T] | Any, table: str, key: Any, *, keep: bool = True) -> T:
        """The value of a row's stored text, from the cache of decoded rows if it is there;
        kept there (``keep``) if not."""
        cache = self._decoded if kind in KEPT_KINDS and isinstance(raw, str) else None
        if cache is not None:
            found: T | None = cache.get(kind, raw)
            if found is not None:
                return found
        try:
            value: T = stored_value(self._unjson(raw), kind)
        except (InvalidInput, ValueError, TypeError) as exc:
            raise CorruptRecord(
                f"Row {describe(key)} of table {table} cannot be read: {exc}",
                hint="Restore the row from a backup, or delete it if it is not needed.",
            ) from None
        if keep and cache is not None:
            cache.put(kind, raw, value)
        return value

    def _one(self, sql: str, params: Sequence[Any], kind: Any, table: str, key: Any) -> Any:
        row = self._execute(sql, params).fetchone()
        return None if row is None else self._decode(row[0], kind, table, key)

    def _insert(self, sql: str, params: Sequence[Any], duplicate: Callable[[], Exception]) -> None:
        try:
            self._execute(sql, params)
        except Exception as exc:
            if self._is_unique_violation(exc):
                raise duplicate() from None
            raise

    # --- reads -----------------------------------------------------------------

    def get_office(self, office_id: str) -> AccountingOffice | None:
        sql = "SELECT data FROM offices WHERE id = ?"
        return self._one(sql, (office_id,), AccountingOffice, "offices", office_id)  # type: ignore[no-any-return]

    def get_customer(self, customer_id: str, *, for_update: bool = False) -> Customer | None:
        sql = "SELECT data FROM customers WHERE id = ?" + (self.lock_clause if for_update else "")
        return self._one(sql, (customer_id,), Customer, "customers", customer_id)  # type: ignore[no-any-return]

    def get_collaboration(self, collaboration_id: str, *, for_update: bool = False) -> Collaboration | None:
        sql = "SELECT data FROM collaborations WHERE id = ?"
        if for_update:
            sql += self.lock_clause
        return self._one(  # type: ignore[no-any-return]
            sql, (collaboration_id,), Collaboration, "collaborations", collaboration_id
        )

    def active_collaborations_of_customer(self, customer_id: str) -> Sequence[Collaboration]:
        rows = self._execute(
            # 'active' is written out: only a literal lets the planner use the partial index.
            "SELECT id, data FROM collaborations WHERE customer_id = ? AND status = 'active' "
            "ORDER BY started_at, id",
            (customer_id,),
        ).fetchall()
        return [self._decode(r[1], Collaboration, "collaborations", r[0]) for r in rows]

    def get_subscription(self, customer_id: str, product: str) -> Subscription | None:
        return self._one(  # type: ignore[no-any-return]
            "SELECT data FROM subscriptions WHERE customer_id = ? AND product = ?",
            (customer_id, product),
            Subscription,
            "subscriptions",
            (customer_id, product),
        )

    def overview(
        self, office_id: str, *, after: OverviewCursor | None, limit: int | None
    ) -> Sequence[CustomerCollaborations]:
        # Page by page, each page in three index-driven statements: the page's customer
        # ids from the partial index on (office_id, customer_number, customer_id), then
        # those customers, then their active collaborations. A join of all three lets the
        # planner start from every collaboration of the office instead of from the page.
        items: list[CustomerCollaborations] = []
        cursor = ("", "") if after is None else (after.customer_number, after.customer_id)
        while limit is None or len(items) < limit:
            size = OVERVIEW_CHUNK if limit is None else min(OVERVIEW_CHUNK, limit - len(items))
            page = self._execute(
                "SELECT DISTINCT customer_number, customer_id FROM collaborations "
                "WHERE office_id = ? AND status = 'active' AND (customer_number, customer_id) > (?, ?) "
                "ORDER BY customer_number, customer_id LIMIT ?",
                (office_id, *cursor, size),
            ).fetchall()
            if not page:
                break
            # A whole office is a scan: it takes what the cache holds but keeps nothing, so
            # that an office larger than the cache does not push out the pages people view.
            items.extend(self._overview_items(office_id, [row[1] for row in page], keep=limit is not None))
            cursor = (page[-1][0], page[-1][1])
            if len(page) < size:
                break
        return items

    def _overview_items(
        self, office_id: str, customer_ids: list[str], *, keep: bool
    ) -> list[CustomerCollaborations]:
        marks = ", ".join("?" for _ in customer_ids)
        customers: dict[str, Customer] = {
            row[0]: self._decode(row[1], Customer, "customers", row[0], keep=keep)
            for row in self._execute(
                f"SELECT id, data FROM customers WHERE id IN ({marks})", customer_ids
            ).fetchall()
        }
        collaborations: dict[str, list[Collaboration]] = {c: [] for c in customer_ids}
        # By customer, not by office: with office_id in the WHERE clause SQLite walks the
        # office's index through every collaboration of the office. Other offices' rows of
        # these customers are few, and are dropped before they are decoded.
        for customer_id, collab_id, office, data in self._execute(
            f"SELECT customer_id, id, office_id, data FROM collaborations WHERE status = 'active' "
            f"AND customer_id IN ({marks}) ORDER BY product, id",
            customer_ids,
        ).fetchall():
            if office == office_id:
                collaborations[customer_id].append(
                    self._decode(data, Collaboration, "collaborations", collab_id, keep=keep)
                )
        return [
            CustomerCollaborations(customers[c], tuple(collaborations[c]))
            for c in customer_ids
            if c in customers and collaborations[c]
        ]

    def get_idempotency(self, key: IdempotencyKey) -> IdempotencyRecord | None:
        sql = "SELECT data FROM idempotency WHERE scope = ? AND key = ?"
        return self._one(  # type: ignore[no-any-return]
            sql, (key.scope, key.key), IdempotencyRecord, "idempotency", (key.scope, key.key)
        )

    def events_of_customer(self, customer_id: str) -> Sequence[Event]:
        rows = self._execute(
            "SELECT seq, data FROM events WHERE customer_id = ? ORDER BY seq", (customer_id,)
        ).fetchall()
        return [self._decode(r[1], Event, "events", r[0]) for r in rows]

    def outbox(
        self,
        *,
        statuses: Sequence[EffectStatus] | None = None,
        collaboration_id: str | None = None,
    ) -> Sequence[OutboxItem]:
        sql = "SELECT key, data FROM outbox WHERE 1 = 1"
        params: list[Any] = []
        if statuses is not None:
            if not statuses:
                return []
            sql += f" AND status IN ({', '.join('?' for _ in statuses)})"
            params.extend(s.value for s in statuses)
        if collaboration_id is not None:
            sql += " AND collaboration_id = ?"
            params.append(collaboration_id)
        rows = self._execute(sql + " ORDER BY collaboration_id, step", params).fetchall()
        return [self._decode(r[1], OutboxItem, "outbox", r[0]) for r in rows]

    def get_outbox_item(self, key: str, *, for_update: bool = False) -> OutboxItem | None:
        sql = "SELECT data FROM outbox WHERE key = ?" + (self.lock_clause if for_update else "")
        return self._one(sql, (key,), OutboxItem, "outbox", key)  # type: ignore[no-any-return]

    def claim_due_effects(self, *, now: datetime, limit: int) -> Sequence[OutboxItem]:
        rows = self._execute(
            "SELECT o.key, o.data FROM outbox o WHERE o.status = 'pending' "
            "AND o.next_attempt_at <= ? AND NOT EXISTS ("
            "  SELECT 1 FROM outbox e WHERE e.collaboration_id = o.collaboration_id "
            "  AND e.step < o.step AND e.status NOT IN ('done', 'resolved')) "
            "ORDER BY o.next_attempt_at, o.collaboration_id, o.step LIMIT ?" + self.claim_clause,
            (self._time(now), limit),
        ).fetchall()
        return [self._decode(r[1], OutboxItem, "outbox", r[0]) for r in rows]

    def get_request(self, request_id: str, *, for_update: bool = False) -> LifecycleRequest | None:
        sql = "SELECT data FROM lifecycle_requests WHERE id = ?" + (self.lock_clause if for_update else "")
        return self._one(  # type: ignore[no-any-return]
            sql, (request_id,), LifecycleRequest, "lifecycle_requests", request_id
        )

    def requests(
        self, *, customer_id: str | None = None, office_id: str | None = None, open_only: bool = False
    ) -> Sequence[LifecycleRequest]:
        sql = "SELECT id, data FROM lifecycle_requests WHERE 1 = 1"
        params: list[Any] = []
        for column, value in (("customer_id", customer_id), ("office_id", office_id)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        if open_only:
            sql += f" AND status IN {OPEN_STATUSES}"
        rows = self._execute(sql + " ORDER BY requested_at, id", params).fetchall()
        return [self._decode(r[1], LifecycleRequest, "lifecycle_requests", r[0]) for r in rows]

    def due_requests(self, *, now: datetime, limit: int) -> Sequence[LifecycleRequest]:
        rows = self._execute(
            f"SELECT id, data FROM lifecycle_requests WHERE status IN {OPEN_STATUSES} "
            "AND due_at <= ? ORDER BY due_at, id LIMIT ?",
            (self._time(now), limit),
        ).fetchall()
        return [self._decode(r[1], LifecycleRequest, "lifecycle_requests", r[0]) for r in rows]

    # --- writes ------------------------------------------------------------------

    def add_request(self, request: LifecycleRequest) -> None:
        r = request
        due = None if r.due_at is None else self._time(r.due_at)
        self._insert(
            "INSERT INTO lifecycle_requests (id, customer_id, office_id, status, due_at, requested_at, "
            "version, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                r.id,
                r.customer_id,
                r.office_id,
                r.status.value,
                due,
                self._time(r.requested_at),
                r.version,
                self._json(r),
            ),
            lambda: InvalidInput(f"Request {r.id} exists already."),
        )

    def update_request(self, request: LifecycleRequest, *, expected_version: int) -> None:
        r = request
        due = None if r.due_at is None else self._time(r.due_at)
        cursor = self._execute(
            "UPDATE lifecycle_requests SET status = ?, due_at = ?, version = ?, data = ? "
            "WHERE id = ? AND version = ?",
            (r.status.value, due, r.version, self._json(r), r.id, expected_version),
        )
        if cursor.rowcount != 1:
            raise ConcurrencyConflict(
                f"Request {r.id} changed since it was read.", hint="Read it again and retry."
            )

    def save_office(self, office: AccountingOffice) -> None:
        self._execute(
            "INSERT INTO offices (id, data) VALUES (?, ?) "
            "ON CONFLICT (id) DO UPDATE SET data = excluded.data",
            (office.id, self._json(office)),
        )

    def add_customer(self, customer: Customer) -> None:
        self._insert(
            "INSERT INTO customers (id, number, version, data) VALUES (?, ?, ?, ?)",
            (customer.id, customer.number, customer.version, self._json(customer)),
            lambda: InvalidInput(
                f"Customer {customer.id} exists already.", hint="Use another id, or update it."
            ),
        )

    def update_customer(self, customer: Customer, *, expected_version: int) -> None:
        cursor = self._execute(
            "UPDATE customers SET number = ?, version = ?, data = ? WHERE id = ? AND version = ?",
            (customer.number, customer.version, self._json(customer), customer.id, expected_version),
        )
        if cursor.rowcount != 1:
            raise ConcurrencyConflict(
                f"Customer {customer.id} changed since it was read.", hint="Read it again and retry."
            )
        self._execute(
            "UPDATE collaborations SET customer_number = ? WHERE customer_id = ? AND customer_number <> ?",
            (customer.number, customer.id, customer.number),
        )

    def add_collaboration(self, collaboration: Collaboration) -> None:
        c = collaboration
        number = self._execute("SELECT number FROM customers WHERE id = ?", (c.customer_id,)).fetchone()
        if number is None:
            raise StorageError(f"Customer {c.customer_id} is not stored; register it first.")
        self._insert(
            "INSERT INTO collaborations (id, office_id, customer_id, customer_number, product, "
            "status, started_at, version, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                c.id,
                c.office_id,
                c.customer_id,
                number[0],
                c.product,
                c.status.value,
                self._time(c.started_at),
                c.version,
                self._json(c),
            ),
            lambda: InvalidInput(f"Collaboration {c.id} exists already."),
        )

    def update_collaboration(self, collaboration: Collaboration, *, expected_version: int) -> None:
        c = collaboration
        cursor = self._execute(
            "UPDATE collaborations SET status = ?, version = ?, data = ? WHERE id = ? AND version = ?",
            (c.status.value, c.version, self._json(c), c.id, expected_version),
        )
        if cursor.rowcount != 1:
            raise ConcurrencyConflict(
                f"Collaboration {c.id} changed since it was read.", hint="Read it again and retry."
            )

    def save_subscription(self, subscription: Subscription) -> None:
        s = subscription
        self._execute(
            "INSERT INTO subscriptions (customer_id, product, data) VALUES (?, ?, ?) "
            "ON CONFLICT (customer_id, product) DO UPDATE SET data = excluded.data",
            (s.customer_id, s.product, self._json(s)),
        )

    def append_events(self, events: Sequence[Event]) -> None:
        self._executemany(
            "INSERT INTO events (customer_id, type, occurred_at, data) VALUES (?, ?, ?, ?)",
            [
                (e.customer_id, type(e).__name__, self._time(e.occurred_at), self._json(e, Event))
                for e in events
            ],
        )

    def enqueue_effects(self, effects: Sequence[Effect], *, at: datetime) -> None:
        items = [OutboxItem(e, EffectStatus.PENDING, 0, at, at) for e in effects]
        try:
            self._executemany(
                "INSERT INTO outbox (key, collaboration_id, step, status, next_attempt_at, data) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        i.key,
                        i.effect.collaboration_id,
                        i.effect.step,
                        i.status.value,
                        self._time(i.next_attempt_at),
                        self._json(i),
                    )
                    for i in items
                ],
            )
        except Exception as exc:
            if self._is_unique_violation(exc):
                raise StorageError("An effect of this end is in the outbox already.") from None
            raise

    def update_outbox_item(self, item: OutboxItem, *, fenced: str | None = None) -> bool:
        sql, params = UPDATE_OUTBOX, self._outbox_update(item)
        if fenced is not None:
            # The fence: a worker whose lease was taken over writes nothing.
            sql += FENCE
            params += (fenced,)
        cursor = self._execute(sql, params)
        if cursor.rowcount == 1:
            return True
        if fenced is not None:
            return False
        raise StorageError(f"Effect {item.key} is not in the outbox.")

    def lease_outbox_items(self, items: Sequence[OutboxItem]) -> None:
        """:class:`~collabcore.ports.OutboxInFewerStatements`: the claimed rows exist and are
        locked by this transaction, so one batch of updates needs no count of rows changed."""
        self._executemany(UPDATE_OUTBOX, [self._outbox_update(i) for i in items])

    def _outbox_update(self, item: OutboxItem) -> tuple[Any, ...]:
        """The parameters of :data:`UPDATE_OUTBOX` for ``item``."""
        return (item.status.value, self._time(item.next_attempt_at), item.lease, self._json(item), item.key)

    def save_idempotency(self, record: IdempotencyRecord) -> None:
        self._insert(
            "INSERT INTO idempotency (scope, key, fingerprint, created_at, data) VALUES (?, ?, ?, ?, ?)",
            (record.scope, record.key, record.fingerprint, self._time(record.created_at), self._json(record)),
            lambda: key_reused(record.key),
        )


class JoinedStore:
    """What the stores that work in a host's transaction share: a new savepoint name for
    each of collabcore's transactions, the schema version read through one, and a close
    that leaves the connection to the host. Subclasses give ``transaction``."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self._names = itertools.count(1)

    def transaction(self, *, write: bool = True) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _savepoint(self) -> str:
        return f"collabcore_{next(self._names)}"

    def schema_version(self) -> int:
        with self.transaction(write=False) as uow:
            return stored_version(uow)

    def close(self) -> None:
        """Nothing: the connection is the host's."""
