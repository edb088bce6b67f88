"""The PostgreSQL adapter: psycopg 3 with a connection pool, for many processes.

Installed by the ``postgres`` extra and imported only when used. All tables
live in one schema (``collabcore`` unless told otherwise), so the library
can share a database with its host. Rows that a use case is about to change
are read ``FOR UPDATE``; the relay claims effects ``FOR UPDATE SKIP LOCKED``,
so several relay workers never take the same effect.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from typing import Any

from collabcore.adapters.sql import SQLUnitOfWork, migrate, stored_version
from collabcore.errors import ConfigurationError, InvalidInput, StorageError
from collabcore.serialization import to_data

try:
    import psycopg
    from psycopg.types.json import Jsonb
    from psycopg_pool import ConnectionPool
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ConfigurationError(
        "The PostgreSQL adapter needs psycopg 3 and psycopg-pool.",
        hint="pip install 'collabcore[postgres]'",
    ) from exc

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        "CREATE TABLE offices (id text PRIMARY KEY, data jsonb NOT NULL)",
        "CREATE TABLE customers (id text PRIMARY KEY, number text NOT NULL, "
        "version integer NOT NULL, data jsonb NOT NULL)",
        "CREATE TABLE collaborations (id text PRIMARY KEY, office_id text NOT NULL, "
        "customer_id text NOT NULL REFERENCES customers (id), customer_number text NOT NULL, "
        "product text NOT NULL, status text NOT NULL, started_at timestamptz NOT NULL, "
        "version integer NOT NULL, data jsonb NOT NULL)",
        "CREATE INDEX collaborations_active_customer ON collaborations (customer_id) WHERE status = 'active'",
        "CREATE INDEX collaborations_active_office ON collaborations "
        "(office_id, customer_number, customer_id) WHERE status = 'active'",
        "CREATE TABLE subscriptions (customer_id text NOT NULL, product text NOT NULL, "
        "data jsonb NOT NULL, PRIMARY KEY (customer_id, product))",
        "CREATE TABLE events (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
        "customer_id text NOT NULL, type text NOT NULL, occurred_at timestamptz NOT NULL, "
        "data jsonb NOT NULL)",
        "CREATE INDEX events_customer ON events (customer_id, seq)",
        "CREATE TABLE outbox (key text PRIMARY KEY, collaboration_id text NOT NULL, "
        "step integer NOT NULL, status text NOT NULL, next_attempt_at timestamptz NOT NULL, "
        "data jsonb NOT NULL)",
        "CREATE INDEX outbox_due ON outbox (status, next_attempt_at)",
        "CREATE INDEX outbox_collaboration ON outbox (collaboration_id, step)",
        "CREATE TABLE idempotency (key text PRIMARY KEY, fingerprint text NOT NULL, "
        "created_at timestamptz NOT NULL, data jsonb NOT NULL)",
    ),
}


@cache
def _placeholders(sql: str) -> str:
    # The shared queries use qmark placeholders and contain no literal '?' or '%'.
    return sql.replace("?", "%s")


class PostgresUnitOfWork(SQLUnitOfWork):
    lock_clause = " FOR UPDATE"
    claim_clause = " FOR UPDATE OF o SKIP LOCKED"

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        super().__init__()
        self._connection = connection

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        try:
            return self._connection.execute(_placeholders(sql), params)
        except psycopg.Error as exc:
            raise _storage_error(exc) from exc

    def _executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            with self._connection.cursor() as cursor:
                cursor.executemany(_placeholders(sql), rows)
        except psycopg.Error as exc:
            raise _storage_error(exc) from exc

    def _is_unique_violation(self, exc: BaseException) -> bool:
        return isinstance(exc.__cause__, psycopg.errors.UniqueViolation)

    def _json(self, value: Any, kind: Any = None) -> Any:
        return Jsonb(to_data(value, kind))

    def _unjson(self, raw: Any) -> Any:
        return raw

    def _time(self, moment: datetime) -> Any:
        return moment

    def commit(self) -> None:
        try:
            self._connection.commit()
        except psycopg.Error as exc:
            raise _storage_error(exc) from exc
        self.committed = True

    def rollback(self) -> None:
        if not self._connection.closed:
            self._connection.rollback()


def _storage_error(exc: psycopg.Error) -> StorageError:
    return StorageError(
        f"PostgreSQL failed: {type(exc).__name__}: {str(exc).strip()}.",
        hint="The transaction was rolled back; retry it.",
    )


class PostgresStore:
    """A :class:`~collabcore.ports.Store` on a PostgreSQL server, via a connection pool."""

    def __init__(
        self,
        dsn: str,
        *,
        schema: str = "collabcore",
        min_size: int = 1,
        max_size: int = 10,
        timeout: float = 30.0,
    ) -> None:
        if not _IDENTIFIER.match(schema):
            raise InvalidInput(
                f"schema must be a lowercase SQL identifier, got {schema!r}.",
                hint="Letters, digits and underscores, starting with a letter.",
            )
        self.schema = schema
        self._pool = ConnectionPool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            kwargs={"autocommit": False, "options": f"-c search_path={schema}"},
            open=False,
        )
        try:
            self._pool.open(wait=True, timeout=timeout)
        except Exception as exc:
            self._pool.close()
            raise StorageError(
                f"Cannot connect to PostgreSQL: {exc}.",
                hint="Check the DSN and that the server is running.",
            ) from exc
        self._migrate()

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[PostgresUnitOfWork]:
        try:
            with self._pool.connection() as connection:
                uow = PostgresUnitOfWork(connection)
                try:
                    yield uow
                finally:
                    uow.rollback()
        except psycopg.Error as exc:
            raise _storage_error(exc) from exc

    def close(self) -> None:
        self._pool.close()

    def drop_schema(self) -> None:
        """Remove every table of this store's schema (tests and tear-downs only)."""
        with self.transaction() as uow:
            uow._execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
            uow.commit()

    def schema_version(self) -> int:
        with self.transaction(write=False) as uow:
            return stored_version(uow)

    def _migrate(self) -> None:
        with self.transaction() as uow:
            # One migrator at a time, even across processes.
            uow._execute("SELECT pg_advisory_xact_lock(hashtext(?))", (f"collabcore:{self.schema}",))
            uow._execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
            migrate(uow, MIGRATIONS, f"The PostgreSQL schema {self.schema}")
            uow.commit()
