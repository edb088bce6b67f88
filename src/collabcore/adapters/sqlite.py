"""The SQLite adapter: the embedded default, one file, standard library only.

WAL journal (readers never wait for the writer), a busy timeout, and write
transactions that take the write lock up front (``BEGIN IMMEDIATE``), so two
writers never both read a row and then race to update it: the second waits,
then sees the first's commit. One connection per thread (and per process),
made on first use.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from collabcore.adapters.decoded import DEFAULT_SIZE, DecodedRows, cache_for
from collabcore.adapters.serialization import to_data
from collabcore.adapters.sql import SQLUnitOfWork, migrate, stored_version, utc_text
from collabcore.domain.errors import InvalidInput, StorageError

SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")

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
}


class SQLiteUnitOfWork(SQLUnitOfWork):
    def __init__(self, connection: sqlite3.Connection, decoded: DecodedRows | None = None) -> None:
        super().__init__(decoded)
        self._connection = connection

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        try:
            return self._connection.execute(sql, params)
        except sqlite3.Error as exc:
            raise _storage_error(exc) from exc

    def _executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            self._connection.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise _storage_error(exc) from exc

    def _is_unique_violation(self, exc: BaseException) -> bool:
        cause = exc.__cause__
        return isinstance(cause, sqlite3.IntegrityError) and "UNIQUE" in str(cause)

    def _json(self, value: Any, kind: Any = None) -> Any:
        return json.dumps(to_data(value, kind), ensure_ascii=False, separators=(",", ":"))

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
    ) -> None:
        self.path = os.fspath(path)
        if self.path == ":memory:" or self.path.startswith("file:"):
            raise InvalidInput(
                "SQLiteStore needs a file path; each connection to ':memory:' is a new database.",
                hint="Use MemoryStore() for an in-memory store.",
            )
        if synchronous.upper() not in SYNCHRONOUS:
            raise InvalidInput(f"synchronous must be one of {', '.join(SYNCHRONOUS)}.")
        self.timeout = timeout
        self.synchronous = synchronous.upper()
        self._decoded = cache_for(decoded_rows)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._guard = threading.Lock()
        self._migrate()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():
            try:
                connection = sqlite3.connect(
                    self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
                )
                connection.execute("PRAGMA journal_mode = WAL")
                connection.execute(f"PRAGMA synchronous = {self.synchronous}")
                connection.execute("PRAGMA foreign_keys = ON")
            except sqlite3.Error as exc:
                raise StorageError(
                    f"Cannot open the SQLite database {self.path}: {exc}.",
                    hint="Check that the folder exists and is writable.",
                ) from exc
            self._local.connection = connection
            self._local.pid = os.getpid()
            with self._guard:
                self._connections.append(connection)
        return connection

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[SQLiteUnitOfWork]:
        connection = self._connection()
        uow = SQLiteUnitOfWork(connection, self._decoded)
        uow._execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield uow
        finally:
            uow.rollback()

    def close(self) -> None:
        with self._guard:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()

    def schema_version(self) -> int:
        with self.transaction(write=False) as uow:
            return stored_version(uow)

    def _migrate(self) -> None:
        with self.transaction() as uow:
            migrate(uow, MIGRATIONS, f"The database {os.path.basename(self.path)}")
            uow.commit()
