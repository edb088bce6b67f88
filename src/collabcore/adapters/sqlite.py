"""The SQLite adapter: the embedded default, one file, standard library only.

WAL journal (readers never wait for the writer), a busy timeout, and write
transactions that take the write lock up front (``BEGIN IMMEDIATE``), so two
writers never both read a row and then race to update it: the second waits,
then sees the first's commit. One connection per thread (and per process),
made on first use.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sqlite3
import tempfile
import threading
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any

from collabcore.adapters.by_parts import load_end_by_parts
from collabcore.adapters.codecs import ENCODE as _ENCODE
from collabcore.adapters.codecs import end_texts
from collabcore.adapters.decoded import DEFAULT_SIZE, DecodedRows, cache_for
from collabcore.adapters.serialization import stored_data
from collabcore.adapters.sql import (
    OPEN_STATUSES,
    SCHEMA_VERSION,
    JoinedStore,
    SQLUnitOfWork,
    migrate,
    stored_version,
    utc_text,
)
from collabcore.domain.errors import (
    ConcurrencyConflict,
    ConfigurationError,
    CorruptRecord,
    InvalidInput,
    SchemaVersionError,
    StorageError,
    describe,
    key_reused,
)
from collabcore.domain.model import AccountingOffice, Collaboration, Customer, Subscription
from collabcore.domain.records import EndSnapshot, EndWrites, IdempotencyKey, IdempotencyRecord
from collabcore.domain.requests import LifecycleRequest
from collabcore.ports import CollaborationParties

SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")

_forks = [0]
"""Forks so far: a child never uses its parent's connection. Counted at each fork rather
than comparing os.getpid() on every transaction (a system call)."""


def _count_fork() -> None:
    _forks[0] += 1


os.register_at_fork(after_in_child=_count_fork)


MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        "CREATE TABLE offices (id TEXT PRIMARY KEY, data TEXT NOT NULL)",
        "CREATE TABLE customers (id TEXT PRIMARY KEY, number TEXT NOT NULL, "
        "version INTEGER NOT NULL, data TEXT NOT NULL)",
        "CREATE TABLE collaborations (id TEXT PRIMARY KEY, office_id TEXT NOT NULL, "
        "customer_id TEXT NOT NULL REFERENCES customers (id), customer_number TEXT NOT NULL, "
        "product TEXT NOT NULL, status TEXT NOT NULL, started_at TEXT NOT NULL, "
        "version INTEGER NOT NULL, data TEXT NOT NULL)",
        "CREATE INDEX collaborations_active_customer ON collaborations (customer_id) WHERE status = 'active'",
        "CREATE INDEX collaborations_active_office ON collaborations "
        "(office_id, customer_number, customer_id) WHERE status = 'active'",
        "CREATE TABLE subscriptions (customer_id TEXT NOT NULL, product TEXT NOT NULL, "
        "data TEXT NOT NULL, PRIMARY KEY (customer_id, product))",
        "CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, customer_id TEXT NOT NULL, "
        "type TEXT NOT NULL, occurred_at TEXT NOT NULL, data TEXT NOT NULL)",
        "CREATE INDEX events_customer ON events (customer_id, seq)",
        "CREATE TABLE outbox (key TEXT PRIMARY KEY, collaboration_id TEXT NOT NULL, "
        "step INTEGER NOT NULL, status TEXT NOT NULL, next_attempt_at TEXT NOT NULL, "
        "data TEXT NOT NULL)",
        "CREATE INDEX outbox_due ON outbox (status, next_attempt_at)",
        "CREATE INDEX outbox_collaboration ON outbox (collaboration_id, step)",
        "CREATE TABLE idempotency (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, "
        "created_at TEXT NOT NULL, data TEXT NOT NULL)",
    ),
    # 0.2: idempotency keys scoped to the acting party (the scope of an existing key is the
    # party that used it, read from its stored result); a lease token per outbox row.
    2: (
        "ALTER TABLE outbox ADD COLUMN lease TEXT",
        "CREATE TABLE idempotency_scoped (scope TEXT NOT NULL, key TEXT NOT NULL, "
        "fingerprint TEXT NOT NULL, created_at TEXT NOT NULL, data TEXT NOT NULL, "
        "PRIMARY KEY (scope, key))",
        "INSERT INTO idempotency_scoped (scope, key, fingerprint, created_at, data) "
        "SELECT scope, key, fingerprint, created_at, json_set(data, '$.scope', scope) FROM ("
        "  SELECT json_extract(data, '$.result.event.actor.party') || ':' || "
        "  json_extract(data, '$.result.event.actor.party_id') AS scope, key, fingerprint, "
        "  created_at, data FROM idempotency)",
        "DROP TABLE idempotency",
        "ALTER TABLE idempotency_scoped RENAME TO idempotency",
    ),
    # 0.3: lifecycle requests (scheduled ends, invitations, read-only accesses).
    3: (
        "CREATE TABLE lifecycle_requests (id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, "
        "office_id TEXT NOT NULL, status TEXT NOT NULL, due_at TEXT, requested_at TEXT NOT NULL, "
        "version INTEGER NOT NULL, data TEXT NOT NULL)",
        "CREATE INDEX lifecycle_requests_customer ON lifecycle_requests (customer_id, requested_at)",
        "CREATE INDEX lifecycle_requests_office ON lifecycle_requests (office_id, requested_at)",
        "CREATE INDEX lifecycle_requests_due ON lifecycle_requests (due_at) "
        "WHERE status IN ('awaiting_acceptance', 'scheduled')",
    ),
}


_LOAD_END = (
    "SELECT c.data, c.office_id, c.customer_id, c.product, "
    "(SELECT data FROM customers WHERE id = c.customer_id), "
    "(SELECT data FROM offices WHERE id = c.office_id), "
    "(SELECT data FROM subscriptions WHERE customer_id = c.customer_id AND product = c.product), "
    "(SELECT data FROM idempotency WHERE scope = ? AND key = ?), "
    "EXISTS (SELECT 1 FROM collaborations x WHERE x.customer_id = c.customer_id "
    "AND x.status = 'active' AND x.id <> c.id), "
    "EXISTS (SELECT 1 FROM lifecycle_requests r WHERE r.customer_id = c.customer_id "
    f"AND r.status IN {OPEN_STATUSES}) "
    "FROM (SELECT 1) LEFT JOIN collaborations c ON c.id = ?"
)
"""All an end reads, in one statement; the customer's other active collaborations and open
requests are only asked whether there are any (most customers have none), and read
when there are."""

_UPDATE_ENDED = "UPDATE collaborations SET status = ?, version = ?, data = ? WHERE id = ? AND version = ?"
_INSERT_EVENT = "INSERT INTO events (customer_id, type, occurred_at, data) VALUES (?, ?, ?, ?)"
_SAVE_SUBSCRIPTION = (
    "INSERT INTO subscriptions (customer_id, product, data) VALUES (?, ?, ?) "
    "ON CONFLICT (customer_id, product) DO UPDATE SET data = excluded.data"
)
_ENQUEUE = (
    "INSERT INTO outbox (key, collaboration_id, step, status, next_attempt_at, data) "
    "VALUES (?, ?, ?, 'pending', ?, ?)"
)
_SAVE_KEY = "INSERT INTO idempotency (scope, key, fingerprint, created_at, data) VALUES (?, ?, ?, ?, ?)"


class SQLiteUnitOfWork(SQLUnitOfWork):
    def __init__(self, connection: sqlite3.Connection, decoded: DecodedRows | None = None) -> None:
        super().__init__(decoded)
        self._connection = connection

    # --- an end in the statements it needs ------------------------------------------

    def load_end(
        self, collaboration_id: str, *, idempotency_key: IdempotencyKey | None, for_update: bool
    ) -> EndSnapshot:
        # The write lock, if any, is the transaction's (BEGIN IMMEDIATE): nothing to lock here.
        return self.end_read(collaboration_id, idempotency_key)[0]

    def end_read(
        self, collaboration_id: str, idempotency_key: IdempotencyKey | None
    ) -> tuple[EndSnapshot, Any]:
        """What an end reads, and the row it was read from; None for the row when it was not
        read from that one statement alone (columns that disagree with the document)."""
        key = (None, None) if idempotency_key is None else (idempotency_key.scope, idempotency_key.key)
        row = self._execute(_LOAD_END, (*key, collaboration_id)).fetchone()
        record = (
            None
            if row[7] is None or idempotency_key is None
            else self._decode(row[7], IdempotencyRecord, "idempotency", key)
        )
        if row[0] is None:
            return EndSnapshot(None, None, None, (), None, record), row
        collaboration: Collaboration = self._decode(row[0], Collaboration, "collaborations", collaboration_id)
        c = collaboration
        if (c.office_id, c.customer_id, c.product) != (row[1], row[2], row[3]):
            # Columns that disagree with the document: read as the finer reads do, by the
            # document's ids, so that the answer is theirs.
            snapshot = load_end_by_parts(
                self, collaboration_id, idempotency_key=idempotency_key, for_update=False
            )
            return snapshot, None
        return EndSnapshot(
            c,
            None if row[4] is None else self._decode(row[4], Customer, "customers", c.customer_id),
            None if row[5] is None else self._decode(row[5], AccountingOffice, "offices", c.office_id),
            self._others(c) if row[8] else (),
            None
            if row[6] is None
            else self._decode(row[6], Subscription, "subscriptions", (c.customer_id, c.product)),
            record,
            tuple(self.requests(customer_id=c.customer_id, open_only=True)) if row[9] else (),
        ), row

    def record_end_as_read(self, writes: EndWrites, read: object, *, commit: bool) -> bool:
        """:class:`~collabcore.ports.EndsReadBeforeTheirLock`: ``record_end``, in this unit of
        work's transaction (which holds the write lock since its BEGIN IMMEDIATE), if what
        :meth:`SQLiteStore.read_end` read (``read``) is still there. Usually nothing was
        committed since: this connection's ``PRAGMA data_version``, which moves with every
        commit of another connection to the file, and its ``total_changes``, which counts
        the rows it changed itself, are where they were. If either moved (another worker
        committed something, perhaps about another customer), the end's statement is read
        again and compared, as stored texts, with what the end was decided on. False, with
        nothing kept, when anything differs: the caller ends the locked way."""
        if not isinstance(read, _EndRead):
            self.rollback()
            return False
        unmoved = read.changes == self._connection.total_changes
        if not (unmoved and self._execute("PRAGMA data_version").fetchone()[0] == read.version):
            again = self._execute(_LOAD_END, (*read.key, read.collaboration_id)).fetchone()
            same = again == read.row
            if same and read.row[8]:
                cid = read.collaboration_id
                c: Collaboration = self._decode(read.row[0], Collaboration, "collaborations", cid)
                same = self._others(c) == read.others
            if same and read.row[9]:
                same = tuple(self.requests(customer_id=read.row[2], open_only=True)) == read.requests
            if not same:
                self.rollback()
                return False
        self.record_end(writes, commit=commit)
        return True

    def _others(self, c: Collaboration) -> tuple[Collaboration, ...]:
        """The customer's active collaborations other than ``c``."""
        return tuple(o for o in self.active_collaborations_of_customer(c.customer_id) if o.id != c.id)

    def load_ends(self, requests: Sequence[tuple[str, IdempotencyKey | None]]) -> list[EndSnapshot]:
        """:class:`~collabcore.ports.EndsInBatches`: what ``load_end`` reads for each
        request, in a statement per table for all of them (of customers that differ)."""
        ids = [cid for cid, _ in requests]
        rows = {
            r[0]: r
            for r in self._rows_in(
                "SELECT id, office_id, customer_id, product, data FROM collaborations WHERE id IN ({})", ids
            )
        }
        customer_ids = sorted({r[2] for r in rows.values()})
        office_ids = sorted({r[1] for r in rows.values()})
        customers = {
            r[0]: r[1] for r in self._rows_in("SELECT id, data FROM customers WHERE id IN ({})", customer_ids)
        }
        offices = {
            r[0]: r[1] for r in self._rows_in("SELECT id, data FROM offices WHERE id IN ({})", office_ids)
        }
        subscriptions = {
            (r[0], r[1]): r[2]
            for r in self._rows_in(
                "SELECT customer_id, product, data FROM subscriptions WHERE customer_id IN ({})", customer_ids
            )
        }
        active: dict[str, list[tuple[str, Any]]] = {}
        for r in self._rows_in(
            "SELECT customer_id, id, data FROM collaborations WHERE status = 'active' "
            "AND customer_id IN ({}) ORDER BY started_at, id",
            customer_ids,
        ):
            active.setdefault(r[0], []).append((r[1], r[2]))
        requested: dict[str, list[tuple[str, Any]]] = {}
        for r in self._rows_in(
            f"SELECT customer_id, id, data FROM lifecycle_requests WHERE status IN {OPEN_STATUSES} "
            "AND customer_id IN ({}) ORDER BY requested_at, id",
            customer_ids,
        ):
            requested.setdefault(r[0], []).append((r[1], r[2]))
        records: dict[tuple[str, str], Any] = {}
        by_scope: dict[str, list[str]] = {}
        for _, k in requests:
            if k is not None:
                by_scope.setdefault(k.scope, []).append(k.key)
        for scope, keys in by_scope.items():
            for r in self._rows_in(
                "SELECT scope, key, data FROM idempotency WHERE scope = ? AND key IN ({})", keys, (scope,)
            ):
                records[(r[0], r[1])] = r[2]
        snapshots = []
        for cid, k in requests:
            held = None if k is None else records.get((k.scope, k.key))
            record = (
                None
                if held is None or k is None
                else self._decode(held, IdempotencyRecord, "idempotency", (k.scope, k.key))
            )
            row = rows.get(cid)
            if row is None:
                snapshots.append(EndSnapshot(None, None, None, (), None, record))
                continue
            c: Collaboration = self._decode(row[4], Collaboration, "collaborations", cid)
            if (c.office_id, c.customer_id, c.product) != (row[1], row[2], row[3]):
                snapshots.append(load_end_by_parts(self, cid, idempotency_key=k, for_update=False))
                continue
            customer, office = customers.get(c.customer_id), offices.get(c.office_id)
            subscription = subscriptions.get((c.customer_id, c.product))
            snapshots.append(
                EndSnapshot(
                    c,
                    None
                    if customer is None
                    else self._decode(customer, Customer, "customers", c.customer_id),
                    None
                    if office is None
                    else self._decode(office, AccountingOffice, "offices", c.office_id),
                    tuple(
                        self._decode(data, Collaboration, "collaborations", other)
                        for other, data in active.get(c.customer_id, ())
                        if other != cid
                    ),
                    None
                    if subscription is None
                    else self._decode(
                        subscription, Subscription, "subscriptions", (c.customer_id, c.product)
                    ),
                    record,
                    tuple(
                        self._decode(data, LifecycleRequest, "lifecycle_requests", rid)
                        for rid, data in requested.get(c.customer_id, ())
                    ),
                )
            )
        return snapshots

    def _rows_in(self, sql: str, values: Sequence[Any], before: tuple[Any, ...] = ()) -> list[Any]:
        """The rows of ``sql`` (its ``IN ({})`` filled with marks) for every one of ``values``,
        a chunk of them per statement."""
        rows: list[Any] = []
        for start in range(0, len(values), _IN_CHUNK):
            chunk = values[start : start + _IN_CHUNK]
            marks = ", ".join("?" for _ in chunk)
            rows += self._execute(sql.format(marks), (*before, *chunk)).fetchall()
        return rows

    def record_ends(self, writes: Sequence[EndWrites]) -> None:
        """:class:`~collabcore.ports.EndsInBatches`: what ``record_end`` writes for each, in
        one statement per table for all of them."""
        texts = [end_texts(w, _ENCODE) for w in writes]
        updates, events, subscriptions, items, keys = [], [], [], [], []
        for w, t in zip(writes, texts, strict=True):
            c, e = w.ended, w.event
            updates.append((c.status._value_, c.version, t.collaboration, c.id, w.expected_version))
            events.append((e.customer_id, "CollaborationEnded", utc_text(e.occurred_at), t.event))
            s = w.subscription
            if s is not None:
                subscriptions.append((s.customer_id, s.product, t.subscription))
            at = utc_text(w.at)
            items += [
                (f.key, f.collaboration_id, f.step, at, text)
                for f, text in zip(w.effects, t.items, strict=True)
            ]
            r = w.idempotency
            if r is not None:
                keys.append((r.scope, r.key, r.fingerprint, utc_text(r.created_at), t.record))
        connection = self._connection
        step = "update"
        try:
            changed = connection.executemany(_UPDATE_ENDED, updates)
            if changed.rowcount != len(updates):
                raise ConcurrencyConflict(
                    "A collaboration of the batch changed since it was read.", hint="Read it again and retry."
                )
            connection.executemany(_INSERT_EVENT, events)
            if subscriptions:
                connection.executemany(_SAVE_SUBSCRIPTION, subscriptions)
            step = "outbox"
            if items:
                connection.executemany(_ENQUEUE, items)
            step = "key"
            if keys:
                connection.executemany(_SAVE_KEY, keys)
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" in str(exc) and step == "outbox":
                raise StorageError("An effect of an end of the batch is in the outbox already.") from None
            if "UNIQUE" in str(exc) and step == "key":
                raise StorageError("An idempotency key of the batch is taken already.") from None
            raise _storage_error(exc) from exc
        except sqlite3.Error as exc:
            raise _storage_error(exc) from exc
        except (OverflowError, UnicodeEncodeError) as exc:
            raise _unstorable(exc) from None

    def record_end(self, writes: EndWrites, *, commit: bool) -> None:
        """What the finer writes write, each document encoded once and the outbox's rows in one
        statement: the update, the event, the subscription, the outbox and the key."""
        texts = end_texts(writes, _ENCODE)
        c, e = writes.ended, writes.event
        connection = self._connection
        step = "update"
        try:
            changed = connection.execute(
                _UPDATE_ENDED,
                (c.status._value_, c.version, texts.collaboration, c.id, writes.expected_version),
            )
            if changed.rowcount != 1:
                raise ConcurrencyConflict(
                    f"Collaboration {c.id} changed since it was read.", hint="Read it again and retry."
                )
            at = utc_text(writes.at)
            connection.execute(
                _INSERT_EVENT, (e.customer_id, "CollaborationEnded", utc_text(e.occurred_at), texts.event)
            )
            s = writes.subscription
            if s is not None:
                connection.execute(_SAVE_SUBSCRIPTION, (s.customer_id, s.product, texts.subscription))
            if texts.items:
                step = "outbox"
                connection.executemany(
                    _ENQUEUE,
                    [
                        (f.key, f.collaboration_id, f.step, at, text)
                        for f, text in zip(writes.effects, texts.items, strict=True)
                    ],
                )
            r = writes.idempotency
            if r is not None:
                step = "key"
                connection.execute(
                    _SAVE_KEY, (r.scope, r.key, r.fingerprint, utc_text(r.created_at), texts.record)
                )
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" in str(exc) and step == "outbox":
                raise StorageError("An effect of this end is in the outbox already.") from None
            if "UNIQUE" in str(exc) and step == "key" and writes.idempotency is not None:
                raise key_reused(writes.idempotency.key) from None
            raise _storage_error(exc) from exc
        except sqlite3.Error as exc:
            raise _storage_error(exc) from exc
        except (OverflowError, UnicodeEncodeError) as exc:
            raise _unstorable(exc) from None
        if commit:
            self.commit()

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        # Rows are fetched here, inside the error wrapper: a corrupt page is often met
        # only while stepping through the rows, after execute() itself returned.
        try:
            cursor = self._connection.execute(sql, params)
            return _Fetched(cursor.fetchall(), cursor.rowcount)
        except sqlite3.Error as exc:
            raise _storage_error(exc) from exc
        except (OverflowError, UnicodeEncodeError) as exc:
            raise _unstorable(exc) from None

    def _executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            self._connection.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise _storage_error(exc) from exc
        except (OverflowError, UnicodeEncodeError) as exc:
            raise _unstorable(exc) from None

    def _is_unique_violation(self, exc: BaseException) -> bool:
        cause = exc.__cause__
        return isinstance(cause, sqlite3.IntegrityError) and "UNIQUE" in str(cause)

    def _json(self, value: Any, kind: Any = None) -> Any:
        return _ENCODE(stored_data(value, kind))

    def _unjson(self, raw: Any) -> Any:
        if not isinstance(raw, str):
            raise ValueError(f"expected JSON text, found {type(raw).__name__}")
        return json.loads(raw)

    def _time(self, moment: datetime) -> Any:
        return utc_text(moment)

    def commit(self) -> None:
        self._execute("COMMIT")
        self.committed = True

    def rollback(self) -> None:
        if self._connection.in_transaction:
            self._connection.execute("ROLLBACK")


class JoinedSQLiteUnitOfWork(SQLiteUnitOfWork):
    """A unit of work inside the host's transaction: a savepoint, released (not committed)."""

    def __init__(self, connection: sqlite3.Connection, decoded: DecodedRows | None, savepoint: str) -> None:
        super().__init__(connection, decoded)
        self._savepoint = savepoint

    def commit(self) -> None:
        self._execute(f"RELEASE SAVEPOINT {self._savepoint}")
        self.committed = True

    def rollback(self) -> None:
        if not self.committed and self._connection.in_transaction:
            self._connection.execute(f"ROLLBACK TO SAVEPOINT {self._savepoint}")
            self._connection.execute(f"RELEASE SAVEPOINT {self._savepoint}")
            self.committed = True  # nothing of it is left to undo


class JoinedSQLiteStore(JoinedStore):
    """A :class:`SQLiteStore` working in the host's transaction on the host's connection.

    Each of collabcore's transactions is a savepoint in the host's: what collabcore
    keeps is kept only if the host commits, and a refusal undoes only collabcore's
    part. The host begins the transaction (``BEGIN IMMEDIATE`` for writes, so that
    two writers never deadlock upgrading their locks) and commits or rolls back;
    :meth:`close` leaves the connection to the host.
    """

    def __init__(self, store: SQLiteStore, connection: sqlite3.Connection) -> None:
        super().__init__(connection)
        self.store = store
        self.connection: sqlite3.Connection = connection

    def collaboration_parties(self, collaboration_ids: Sequence[str]) -> dict[str, CollaborationParties]:
        """:class:`~collabcore.ports.PartiesBeforeAnEnd`, on the host's connection (in its
        transaction, which collabcore neither opens nor ends)."""
        return _parties(self.connection, collaboration_ids)

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[SQLiteUnitOfWork]:
        connection = self.connection
        if not connection.in_transaction:
            raise ConfigurationError(
                "The host's connection has no open transaction to join.",
                hint="Begin it first (connection.execute('BEGIN IMMEDIATE')), then call collabcore, "
                "then commit or roll back.",
            )
        savepoint = self._savepoint()
        uow = JoinedSQLiteUnitOfWork(connection, self.store._decoded, savepoint)
        uow._execute(f"SAVEPOINT {savepoint}")
        try:
            foreign_keys = uow._execute("PRAGMA foreign_keys").fetchone()
            if not foreign_keys or not foreign_keys[0]:
                raise ConfigurationError(
                    "The host's connection has foreign keys off; collabcore's tables rely on them.",
                    hint="Run PRAGMA foreign_keys = ON on the connection before its transaction begins.",
                )
            yield uow
        finally:
            uow.rollback()


_IN_CHUNK = 500
_PARTIES_OF_ONE = "SELECT id, office_id, customer_id, product FROM collaborations WHERE id = ?"
"""Ids per ``IN (...)``: well below any SQLite's limit on bound parameters."""


def _parties(connection: sqlite3.Connection, ids: Sequence[str]) -> dict[str, CollaborationParties]:
    """Each collaboration's office, customer and product, from their columns; a row whose
    columns are not text is corrupt, and said to be."""
    rows: list[Any] = []
    try:
        if len(ids) == 1:  # an end's: one statement the connection keeps prepared
            rows = connection.execute(_PARTIES_OF_ONE, (ids[0],)).fetchall()
        for start in range(0, len(ids) if len(ids) > 1 else 0, _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            marks = ", ".join("?" for _ in chunk)
            rows += connection.execute(
                f"SELECT id, office_id, customer_id, product FROM collaborations WHERE id IN ({marks})", chunk
            ).fetchall()
    except sqlite3.Error as exc:
        raise _storage_error(exc) from exc
    except (OverflowError, UnicodeEncodeError) as exc:
        raise _unstorable(exc) from None
    found: dict[str, CollaborationParties] = {}
    for cid, office, customer, product in rows:
        if type(office) is not str or type(customer) is not str or type(product) is not str:
            raise CorruptRecord(
                f"Row {describe(cid)} of table collaborations cannot be read: its office, customer "
                "or product is not text.",
                hint="Restore the row from a backup, or delete it if it is not needed.",
            )
        found[cid] = (office, customer, product)
    return found


class _Transaction:
    """A store's unit of work, begun on entering and rolled back on leaving unless it was
    committed. A class rather than a generator-based context manager: every end opens one,
    and the generator's machinery costs more than the class's two calls."""

    __slots__ = ("_uow", "_write")

    def __init__(self, uow: SQLiteUnitOfWork, write: bool) -> None:
        self._uow, self._write = uow, write

    def __enter__(self) -> SQLiteUnitOfWork:
        self._uow._execute("BEGIN IMMEDIATE" if self._write else "BEGIN")
        return self._uow

    def __exit__(self, *exc_info: object) -> None:
        self._uow.rollback()


class _EndRead:
    """What :meth:`SQLiteStore.read_end` read an end from: the database's ``data_version``
    as the read began and how many rows the connection had changed by then; the statement's
    row as stored texts; the customer's other active collaborations and open requests, as
    read when the row says there are some."""

    __slots__ = ("changes", "collaboration_id", "key", "others", "requests", "row", "version")

    def __init__(
        self,
        version: int,
        changes: int,
        collaboration_id: str,
        key: tuple[str | None, str | None],
        row: Any,
        snapshot: EndSnapshot,
    ) -> None:
        self.version, self.changes, self.row = version, changes, row
        self.collaboration_id, self.key = collaboration_id, key
        self.others, self.requests = snapshot.others, snapshot.requests


class _Fetched:
    """A statement's rows, read in full, and how many rows it changed."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows, self.rowcount = rows, rowcount

    def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[Any]:
        return self._rows


def _unstorable(exc: Exception) -> InvalidInput:
    # The door refuses such values first; this is the last line, not the first.
    return InvalidInput(f"A value cannot be stored in SQLite: {exc}.", hint="Check the values passed in.")


def _storage_error(exc: sqlite3.Error) -> StorageError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return StorageError(
            f"SQLite is busy: {text}.",
            hint="Another writer held the lock past the busy timeout; retry, or raise timeout=.",
        )
    return StorageError(f"SQLite failed: {text}.")


class SQLiteStore:
    """A :class:`~collabcore.ports.Store` in one SQLite file.

    ``decoded_rows`` bounds the cache of decoded offices, customers, collaborations
    and subscriptions, kept by their stored text (0 turns it off); see
    :mod:`collabcore.adapters.decoded`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float = 10.0,
        synchronous: str = "FULL",
        decoded_rows: int = DEFAULT_SIZE,
        create: bool = False,
    ) -> None:
        """Open the collabcore database at ``path``, making it if nothing is there yet.

        An existing file must be a collabcore database. An empty file, or an SQLite
        database without collabcore's tables, is refused unless ``create=True`` (it may be
        a database that was truncated, or someone else's); a file that is not SQLite, or a
        database that holds tables of collabcore's names, is always refused.
        """
        if not isinstance(path, str | os.PathLike):
            raise InvalidInput(f"path must be a file path, got {describe(path)}.", path="path")
        self.path = os.fspath(path)
        if not isinstance(self.path, str) or not self.path.strip() or "\x00" in self.path:
            raise InvalidInput(f"path must be a file path, got {describe(path)}.", path="path")
        try:
            os.fsencode(self.path)
        except UnicodeEncodeError:
            raise InvalidInput(
                f"path {describe(self.path)} cannot be a file name here (a lone surrogate).", path="path"
            ) from None
        if self.path == ":memory:" or self.path.startswith("file:"):
            raise InvalidInput(
                "SQLiteStore needs a file path; each connection to ':memory:' is a new database.",
                hint="Use MemoryStore() for an in-memory store.",
                path="path",
            )
        if not isinstance(synchronous, str) or synchronous.upper() not in SYNCHRONOUS:
            raise InvalidInput(f"synchronous must be one of {', '.join(SYNCHRONOUS)}.", path="synchronous")
        if not isinstance(timeout, int | float) or isinstance(timeout, bool) or not 0 <= timeout <= 86_400:
            raise InvalidInput(
                f"timeout must be seconds from 0 to 86,400, got {describe(timeout)}.", path="timeout"
            )
        if not isinstance(create, bool):
            raise InvalidInput("create must be True or False.", path="create")
        self.timeout = float(timeout)
        self.synchronous = synchronous.upper()
        self._decoded = cache_for(decoded_rows)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._guard = threading.Lock()
        if not os.path.exists(self.path):
            self._create_new()
        else:
            _require_collabcore(self.path, create, self.timeout)
        try:
            self._migrate()
        except BaseException:
            self.close()  # a refused file is left as it was, with no connection kept to it
            raise

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None or self._local.forks != _forks[0]:
            try:
                connection = sqlite3.connect(
                    self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
                )
                connection.execute("PRAGMA journal_mode = WAL")
                connection.execute(f"PRAGMA synchronous = {self.synchronous}")
                connection.execute("PRAGMA foreign_keys = ON")
            except sqlite3.Error as exc:
                raise _open_error(self.path, exc) from exc
            self._local.connection = connection
            self._local.forks = _forks[0]
            with self._guard:
                self._connections.append(connection)
        return connection

    def transaction(self, *, write: bool = True) -> AbstractContextManager[SQLiteUnitOfWork]:
        """A unit of work on this thread's connection; leaving it without ``commit()`` rolls
        back. ``write=True`` takes the write lock up front (``BEGIN IMMEDIATE``, waiting up to
        ``timeout`` seconds), so racing writers queue instead of failing."""
        return _Transaction(SQLiteUnitOfWork(self._connection(), self._decoded), write)

    def read_end(
        self, collaboration_id: str, *, idempotency_key: IdempotencyKey | None
    ) -> tuple[EndSnapshot, object]:
        """:class:`~collabcore.ports.EndsReadBeforeTheirLock`: what ``load_end`` reads, on this
        thread's connection outside any transaction (nothing locked: SQLite reads the
        statement in a snapshot of its own), and the database's ``data_version`` just before,
        by which ``record_end_as_read`` tells whether anything was committed since (a commit
        between the two only makes it compare what was read). The end's decoding and rules
        then run before the write lock is taken, not under it."""
        connection = self._connection()
        changes = connection.total_changes
        try:
            version = connection.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error as exc:
            raise _storage_error(exc) from exc
        snapshot, row = SQLiteUnitOfWork(connection, self._decoded).end_read(
            collaboration_id, idempotency_key
        )
        if row is None:
            return snapshot, None
        key = (None, None) if idempotency_key is None else (idempotency_key.scope, idempotency_key.key)
        return snapshot, _EndRead(version, changes, collaboration_id, key, row, snapshot)

    def collaboration_parties(self, collaboration_ids: Sequence[str]) -> dict[str, CollaborationParties]:
        """:class:`~collabcore.ports.PartiesBeforeAnEnd`: one statement on this thread's
        connection, outside any transaction of collabcore's (SQLite reads it in a snapshot
        of its own)."""
        return _parties(self._connection(), collaboration_ids)

    def joining(self, connection: sqlite3.Connection) -> JoinedSQLiteStore:
        """This store inside the host's own transaction on ``connection`` (a connection to
        the same database file): collabcore's writes, its events and its outbox commit or
        roll back with the host's rows. See :class:`JoinedSQLiteStore`."""
        if not isinstance(connection, sqlite3.Connection):
            raise InvalidInput(
                f"connection must be a sqlite3.Connection, got {describe(connection)}.", path="connection"
            )
        try:
            files = [row[2] for row in connection.execute("PRAGMA database_list") if row[1] == "main"]
        except sqlite3.Error as exc:
            raise _storage_error(exc) from exc
        if not files or not files[0] or os.path.realpath(files[0]) != os.path.realpath(self.path):
            raise InvalidInput(
                f"The connection is to {describe(files[0] if files else None)}, not to this store's "
                f"database {self.path}.",
                hint="Open the host's connection on the same file; collabcore's tables live in it.",
                path="connection",
            )
        return JoinedSQLiteStore(self, connection)

    def close(self) -> None:
        """Close every connection the store opened, in every thread; a later unit of work opens
        a new one."""
        with self._guard:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()

    def schema_version(self) -> int:
        """The version of collabcore's tables in the file (migrated forward when opened)."""
        with self.transaction(write=False) as uow:
            return stored_version(uow)

    def _migrate(self) -> None:
        """Bring the file's tables up to this collabcore's schema, after checking that its
        version record matches them.

        An up-to-date file is only read (a deferred transaction; in WAL mode no writer can
        keep it waiting), so opening one never takes the write lock. Only when a migration
        is due is the write lock taken, and the file is checked again under it: another
        process may have migrated it in between."""
        where = f"The database {os.path.basename(self.path)}"
        with self.transaction(write=False) as uow:
            if _schema_is_current(self.path, uow, where):
                return
        with self.transaction() as uow:
            if _schema_is_current(self.path, uow, where):
                return
            migrate(uow, MIGRATIONS, where)
            uow.commit()

    def _create_new(self) -> None:
        """A new database appears at ``path`` whole or not at all: it is made beside it under
        another name and linked into place, so a process opening the same new path at the
        same moment finds either nothing or a complete collabcore database (never an empty
        file it would have to refuse)."""
        try:
            self._make_and_link()
        except OSError as exc:
            raise StorageError(
                f"Cannot create the SQLite database {self.path}: {exc.strerror or exc}.",
                hint="Check that the folder exists and is writable, and that the name is a valid file name.",
            ) from None

    def _make_and_link(self) -> None:
        folder = os.path.dirname(os.path.abspath(self.path))
        handle, draft = tempfile.mkstemp(prefix=".collabcore-", suffix=".db", dir=folder)
        os.close(handle)
        try:
            # The draft is an empty file of our own making: create=True makes it a database.
            SQLiteStore(
                draft, timeout=self.timeout, synchronous=self.synchronous, decoded_rows=0, create=True
            ).close()
            try:
                os.link(draft, self.path)
            except FileExistsError:
                pass  # another process made it first: open theirs
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                    raise
                # No hard links here (some network or FAT file systems): take the path if
                # it is still free; a lost race leaves the other process's file in place.
                if not os.path.exists(self.path):
                    os.replace(draft, self.path)
        finally:
            for leftover in (draft, draft + "-wal", draft + "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(leftover)


_SQLITE_HEADER = b"SQLite format 3\x00"
_OUR_TABLES = ("offices", "customers", "collaborations", "subscriptions", "events", "outbox", "idempotency")

MARKS: dict[int, frozenset[str]] = {
    1: frozenset(_OUR_TABLES),
    2: frozenset({"outbox.lease", "idempotency.scope"}),
    3: frozenset({"lifecycle_requests"}),
}
"""What each version's migration leaves that can be seen from outside: the tables it makes,
and ``table.column`` for a column it gives a table that was there already. A file at
version N has exactly the marks of versions 1 to N (a test holds every migration to its
entry here: a new migration adds one)."""
_MARKED_TABLES = frozenset(m for marks in MARKS.values() for m in marks if "." not in m)
_MARKED_COLUMNS = tuple(sorted(m for marks in MARKS.values() for m in marks if "." in m))

Rows = Callable[[str, Sequence[Any]], Sequence[Any]]


def _marks(rows: Rows) -> tuple[frozenset[str], bool]:
    """The marks of collabcore's versions the file has, and whether it has collabcore_meta."""
    tables = {row[0] for row in rows("SELECT name FROM sqlite_master WHERE type = 'table'", ())}
    found = set(tables & _MARKED_TABLES)
    for mark in _MARKED_COLUMNS:
        table, column = mark.split(".")
        if table in tables and rows("SELECT 1 FROM pragma_table_info(?) WHERE name = ?", (table, column)):
            found.add(mark)
    return frozenset(found), "collabcore_meta" in tables


def _marks_up_to(version: int) -> frozenset[str]:
    return frozenset(m for v, marks in MARKS.items() if v <= version for m in marks)


def version_shown(marks: frozenset[str]) -> int | None:
    """The schema version whose tables are exactly ``marks``; None when none is."""
    return next((v for v in range(SCHEMA_VERSION + 1) if _marks_up_to(v) == marks), None)


def _schema_is_current(path: str, uow: SQLiteUnitOfWork, where: str) -> bool:
    """True when the file is at this collabcore's schema version; False when a migration is
    due. Raises SchemaVersionError, changing nothing, when the version record is newer than
    this collabcore knows, or does not match the tables the file has."""

    def rows(sql: str, params: Sequence[Any]) -> Sequence[Any]:
        fetched: Sequence[Any] = uow._execute(sql, params).fetchall()
        return fetched

    marks, has_meta = _marks(rows)
    recorded = stored_version(uow) if has_meta else 0
    if recorded > SCHEMA_VERSION:  # in migrate()'s words
        raise SchemaVersionError(
            f"{where} has schema version {recorded}; this collabcore knows versions up to {SCHEMA_VERSION}.",
            hint="Upgrade collabcore to a version that knows the newer schema.",
        )
    if version_shown(marks) == recorded:
        return recorded == SCHEMA_VERSION
    raise _mismatch(path, recorded, marks)


def _mismatch(path: str, recorded: int, marks: frozenset[str]) -> SchemaVersionError:
    """The error for a file whose version record does not match its tables: it says which
    version each of them shows, and how to put the record right (or restore the file)."""
    shown = version_shown(marks)
    said = (
        "its version record is missing (no 'schema_version' row in table collabcore_meta)"
        if recorded == 0
        else f"its version record says schema version {recorded}"
    )
    if shown is not None:
        tables = f"its tables are those of schema version {shown}"
        hint = (
            "If nothing else in the file was changed by hand, record the version its tables have "
            "(with the sqlite3 command line, on the file): CREATE TABLE IF NOT EXISTS collabcore_meta "
            "(key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT OR REPLACE INTO collabcore_meta "
            f"(key, value) VALUES ('schema_version', '{shown}'); then open it again"
            + (" (collabcore migrates it forward from there)." if shown < SCHEMA_VERSION else ".")
            + " Otherwise restore it from a backup."
        )
    else:
        expected = _marks_up_to(recorded)
        lacking, extra = sorted(expected - marks), sorted(marks - expected)
        detail = "; ".join(
            part
            for part in (
                f"it lacks {', '.join(lacking)}" if lacking else "",
                f"it has {', '.join(extra)} as well" if extra else "",
            )
            if part
        )
        tables = f"its tables match no schema version of collabcore's ({detail})"
        hint = (
            "Restore the file from a backup: its tables were changed by hand or by another "
            "program, and collabcore changes nothing in a database it cannot place."
        )
    return SchemaVersionError(
        f"{path} is a collabcore database whose version record does not match its tables: "
        f"{said}, but {tables}. Nothing was changed: collabcore neither migrates nor uses a "
        "database whose record and tables disagree.",
        hint=hint,
    )


def _require_collabcore(path: str, create: bool, timeout: float) -> None:
    """Look before touching: the file is read through a read-only connection, so that a
    file that is refused is left exactly as it was (not even switched to WAL)."""
    if not _require_sqlite_file(path, create):
        return
    try:
        with contextlib.closing(
            sqlite3.connect(f"file:{urllib.parse.quote(path)}?mode=ro", uri=True, timeout=timeout)
        ) as look:
            tables = {row[0] for row in look.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            marks, _ = _marks(lambda sql, params: look.execute(sql, params).fetchall())
    except sqlite3.Error as exc:
        raise _open_error(path, exc) from exc
    if "collabcore_meta" in tables:
        return
    clashing = sorted(tables.intersection(_OUR_TABLES))
    if clashing:
        if version_shown(marks):  # collabcore's own tables, whole, without their version record
            raise _mismatch(path, 0, marks)
        raise StorageError(
            f"{path} is not a collabcore database: it has tables of its own named {', '.join(clashing)}.",
            hint="Give collabcore a file of its own.",
        )
    if tables and not create:
        raise StorageError(
            f"{path} is not a collabcore database (it holds the tables {', '.join(sorted(tables)[:5])}).",
            hint="Give collabcore a file of its own, or pass create=True to add collabcore's tables to it.",
        )
    if not tables and not create:
        raise StorageError(
            f"{path} is an SQLite database without any tables, not a collabcore database.",
            hint="To make a new collabcore database in it, pass create=True.",
        )


def _require_sqlite_file(path: str, create: bool) -> bool:
    """True if ``path`` holds an SQLite database to look into; False for an empty file that
    may be made into one (``create``)."""
    try:
        with open(path, "rb") as file:
            header = file.read(len(_SQLITE_HEADER))
    except IsADirectoryError:
        raise InvalidInput(f"{path} is a folder, not a database file.", path="path") from None
    except OSError as exc:
        raise StorageError(f"Cannot read {path}: {exc.strerror}.", hint="Check its permissions.") from None
    if not header:
        if create:
            return False
        raise StorageError(
            f"{path} is an empty file, not a collabcore database.",
            hint="An empty file may be a database that was truncated: restore it from a backup. "
            "To make a new collabcore database in it, pass create=True.",
        )
    if header != _SQLITE_HEADER:
        raise StorageError(
            f"{path} is not an SQLite database (nor a collabcore one).", hint="Check the path."
        )
    return True


def _open_error(path: str, exc: sqlite3.Error) -> StorageError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return StorageError(
            f"The SQLite database {path} is locked by another connection ({text}).",
            hint="Close the program that holds it (an open transaction or an exclusive lock), "
            "or raise timeout= to wait longer.",
        )
    if "not a database" in text or "malformed" in text or "encrypted" in text:
        return StorageError(
            f"{path} is not a readable SQLite database ({text}).",
            hint="Restore it from a backup, or check the path.",
        )
    return StorageError(
        f"Cannot open the SQLite database {path}: {text}.",
        hint="Check that the folder exists and is writable.",
    )
