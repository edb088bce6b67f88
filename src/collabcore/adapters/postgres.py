"""The PostgreSQL adapter: psycopg 3 with a connection pool, for many processes.

Installed by the ``postgres`` extra and imported only when used. All tables
live in one schema (``collabcore`` unless told otherwise), so the library
can share a database with its host. Rows that a use case is about to change
are read ``FOR UPDATE``; the relay claims effects ``FOR UPDATE SKIP LOCKED``,
so several relay workers never take the same effect.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from collabcore.adapters.codecs import ENCODE as _ENCODE
from collabcore.adapters.codecs import end_texts
from collabcore.adapters.decoded import DEFAULT_SIZE, DecodedRows, cache_for
from collabcore.adapters.serialization import stored_data
from collabcore.adapters.sql import (
    FENCE,
    OPEN_STATUSES,
    UPDATE_OUTBOX,
    JoinedStore,
    SQLUnitOfWork,
    migrate,
    stored_version,
)
from collabcore.domain.effects import Effect
from collabcore.domain.errors import (
    ConcurrencyConflict,
    ConfigurationError,
    InvalidInput,
    StorageError,
    describe,
    key_reused,
)
from collabcore.domain.model import AccountingOffice, Collaboration, Customer, Subscription
from collabcore.domain.outbox import OutboxItem
from collabcore.domain.records import EndSnapshot, EndWrites, IdempotencyKey, IdempotencyRecord
from collabcore.domain.requests import LifecycleRequest
from collabcore.ports import CollaborationParties

try:
    import psycopg
    from psycopg.types.json import Jsonb
    from psycopg.types.string import TextLoader
    from psycopg_pool import ConnectionPool
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ConfigurationError(
        "The PostgreSQL adapter needs psycopg 3 and psycopg-pool.",
        hint="pip install 'collabcore[postgres]'",
    ) from exc

T = TypeVar("T")

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
    # 0.2: idempotency keys scoped to the acting party (the scope of an existing key is the
    # party that used it, read from its stored result); a lease token per outbox row.
    2: (
        "ALTER TABLE outbox ADD COLUMN lease text",
        "ALTER TABLE idempotency ADD COLUMN scope text",
        "UPDATE idempotency SET scope = (data #>> '{result,event,actor,party}') || ':' || "
        "(data #>> '{result,event,actor,party_id}')",
        "UPDATE idempotency SET data = jsonb_set(data, '{scope}', to_jsonb(scope))",
        "ALTER TABLE idempotency ALTER COLUMN scope SET NOT NULL",
        "ALTER TABLE idempotency DROP CONSTRAINT idempotency_pkey",
        "ALTER TABLE idempotency ADD PRIMARY KEY (scope, key)",
    ),
    # 0.3: lifecycle requests (scheduled ends, invitations, read-only accesses).
    3: (
        "CREATE TABLE lifecycle_requests (id text PRIMARY KEY, customer_id text NOT NULL, "
        "office_id text NOT NULL, status text NOT NULL, due_at timestamptz, "
        "requested_at timestamptz NOT NULL, "
        "version integer NOT NULL, data jsonb NOT NULL)",
        "CREATE INDEX lifecycle_requests_customer ON lifecycle_requests (customer_id, requested_at)",
        "CREATE INDEX lifecycle_requests_office ON lifecycle_requests (office_id, requested_at)",
        "CREATE INDEX lifecycle_requests_due ON lifecycle_requests (due_at) "
        "WHERE status IN ('awaiting_acceptance', 'scheduled')",
    ),
}


@contextmanager
def _pipelined(connection: Any) -> Iterator[None]:
    """``connection.pipeline()``, with a driver error raised inside the block held back until
    the pipeline is closed, and raised then. psycopg logs "error ignored terminating
    <psycopg.Pipeline ...>" at WARNING when closing a pipeline fails while an exception is on
    its way out of it, which is what happens on every lost race (the statements queued after
    the failed one answer "pipeline aborted") and every lost connection: both are normal here
    and reported to the caller, so neither may reach the host's logs. The error from inside
    is the one raised (the closing's own only repeats it, or says "pipeline aborted"), unless
    it is itself only "pipeline aborted". When the connection was lost while the pipeline
    closed, psycopg then fails to leave pipeline mode ("cannot exit pipeline mode while
    busy") and the error that says what happened is the one before that."""
    failure: psycopg.Error | None = None
    try:
        with connection.pipeline():
            try:
                yield
            except psycopg.Error as exc:
                failure = exc
    except psycopg.Error as closing:
        if failure is None or isinstance(failure, psycopg.errors.PipelineAborted):
            before = closing.__context__
            stuck = (
                not connection.closed and connection.pgconn.pipeline_status != psycopg.pq.PipelineStatus.OFF
            )
            if isinstance(before, psycopg.Error) and stuck:
                failure = before
            else:
                raise
    if failure is not None:
        raise failure


@cache
def _placeholders(sql: str) -> str:
    # The shared queries use qmark placeholders and contain no literal '?' or '%'.
    return sql.replace("?", "%s")


class PostgresUnitOfWork(SQLUnitOfWork):
    lock_clause = " FOR UPDATE"
    claim_clause = " FOR UPDATE OF o SKIP LOCKED"
    _autocommit = True
    """The connection is collabcore's own, in autocommit: one statement is a transaction."""

    # The connection runs in autocommit mode and this unit of work sends BEGIN itself,
    # queued in one pipeline with its first statement: psycopg's own BEGIN would cost
    # a round trip of its own. A read-only unit of work never begins a transaction.

    def __init__(
        self,
        connection: psycopg.Connection[Any],
        *,
        write: bool,
        decoded: DecodedRows | None = None,
        replace: Callable[[psycopg.Connection[Any]], psycopg.Connection[Any]] | None = None,
        spares: int = 0,
    ) -> None:
        super().__init__(decoded)
        self._connection = connection
        self._write = write
        self._begun = False
        self._replace = replace
        self._spares = spares
        self._used = False

    def _sent(self, send: Callable[[], T], *, committing: bool = False) -> T:
        """``send`` on the connection. A pooled connection that died while idle (a restarted
        server, a terminated backend) fails its first statement; nothing has been sent on it
        for this unit of work, so nothing can be lost: it is replaced once and the statement
        sent again (every idle connection may have died at once: up to ``spares`` times).
        This costs nothing while connections are alive, where a check before each
        hand-out would cost a round trip per transaction. ``committing``: ``send`` commits
        (a statement of its own in autocommit), so a lost connection leaves it unknown."""
        spares_used = 0
        while True:
            try:
                result = send()
            except psycopg.OperationalError as exc:
                dead = _unusable(self._connection)
                if self._used or self._replace is None or not dead or spares_used == self._spares:
                    raise self._failure(exc, committing=committing) from exc
                if not self._connection.closed:
                    self._connection.close()  # left in pipeline mode: it cannot be used again
                self._connection = self._replace(self._connection)
                self._begun = False
                spares_used += 1
                continue
            except psycopg.Error as exc:
                raise self._failure(exc, committing=committing) from exc
            self._used = True
            return result

    def _failure(self, exc: psycopg.Error, *, committing: bool = False) -> StorageError:
        """``exc`` as a StorageError that says what is known of the transaction. Only
        collabcore's own transaction can be kept by a COMMIT that was lost on its way back:
        a savepoint in the host's is gone with the host's transaction."""
        return _storage_error(exc, self._connection, committing=committing and self._autocommit)

    def _begin_in_pipeline(self) -> None:
        if self._write and not self._begun:
            self._open()
            self._begun = True

    def _open(self) -> None:
        self._connection.execute("BEGIN")

    def _finish(self) -> None:
        self._connection.execute("COMMIT")

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        def send() -> Any:
            if self._write and not self._begun:
                with _pipelined(self._connection):
                    self._begin_in_pipeline()
                    cursor = self._connection.execute(_placeholders(sql), params)
                return cursor
            return self._connection.execute(_placeholders(sql), params)

        return self._sent(send)

    def _executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = list(rows)  # sent again whole if the connection is replaced

        def send() -> None:
            with _pipelined(self._connection), self._connection.cursor() as cursor:
                self._begin_in_pipeline()
                cursor.executemany(_placeholders(sql), batch)

        self._sent(send)

    def _is_unique_violation(self, exc: BaseException) -> bool:
        return isinstance(exc.__cause__, psycopg.errors.UniqueViolation)

    def _json(self, value: Any, kind: Any = None) -> Any:
        return Jsonb(stored_data(value, kind))

    def _unjson(self, raw: Any) -> Any:
        # jsonb arrives as text (see _load_jsonb_as_text), so that it can key the cache.
        if not isinstance(raw, str):
            raise ValueError(f"expected JSON text, found {type(raw).__name__}")
        return json.loads(raw)

    def _time(self, moment: datetime) -> Any:
        return moment

    def load_end(
        self, collaboration_id: str, *, idempotency_key: IdempotencyKey | None, for_update: bool
    ) -> EndSnapshot:
        return self._load(collaboration_id, idempotency_key, for_update)[0]

    def _load(
        self,
        collaboration_id: str,
        idempotency_key: IdempotencyKey | None,
        for_update: bool,
        sql: str | None = None,
    ) -> tuple[EndSnapshot, Any]:
        """The snapshot, and the row it was read from (with ``sql``: :data:`_LOAD_END`, or
        :data:`_READ_END`, whose row ``record_end_as_read`` checks)."""
        # One round trip: the lock (if asked), then everything else in a statement of its
        # own, so that it reads a snapshot taken after the lock was granted: a racing end
        # that committed meanwhile, and its idempotency record, are seen.
        params = _load_params(collaboration_id, idempotency_key)
        sql = sql or _LOAD_END

        def send() -> Any:
            if not for_update and not (self._write and not self._begun):
                # One statement, nothing to queue before it: sent as it is, without a pipeline.
                return self._connection.execute(sql, params).fetchone()
            with _pipelined(self._connection):
                self._begin_in_pipeline()
                if for_update:
                    # The customer first, as every lifecycle write does: ends, moves and the
                    # requests of one customer are serialized, so an end always sees the
                    # other ends that decide a former office's read-only access.
                    self._connection.execute(_LOCK_CUSTOMER_OF, (collaboration_id,))
                    self._connection.execute(
                        "SELECT 1 FROM collaborations WHERE id = %s FOR UPDATE", (collaboration_id,)
                    )
                return self._connection.execute(sql, params).fetchone()

        row = self._sent(send)
        return self._snapshot(row, collaboration_id, idempotency_key), row

    def _snapshot(
        self, row: Any, collaboration_id: str, idempotency_key: IdempotencyKey | None
    ) -> EndSnapshot:
        record = (
            None
            if row is None or row[5] is None or idempotency_key is None
            else self._decode(
                row[5], IdempotencyRecord, "idempotency", (idempotency_key.scope, idempotency_key.key)
            )
        )
        if row is None or row[0] is None:
            return EndSnapshot(None, None, None, (), None, record)
        collaboration: Collaboration = self._decode(row[0], Collaboration, "collaborations", collaboration_id)
        return EndSnapshot(
            collaboration,
            None
            if row[1] is None
            else self._decode(row[1], Customer, "customers", collaboration.customer_id),
            None
            if row[2] is None
            else self._decode(row[2], AccountingOffice, "offices", collaboration.office_id),
            tuple(
                self._decode(d, Collaboration, "collaborations", f"active of {collaboration.customer_id}")
                for d in row[3]
            ),
            None
            if row[4] is None
            else self._decode(row[4], Subscription, "subscriptions", collaboration.customer_id),
            record,
            tuple(
                self._decode(
                    d, LifecycleRequest, "lifecycle_requests", f"open of {collaboration.customer_id}"
                )
                for d in row[6]
            ),
        )

    def load_ends(self, requests: Sequence[tuple[str, IdempotencyKey | None]]) -> list[EndSnapshot]:
        """:class:`~collabcore.ports.EndsInBatches`: every request's ``load_end`` (each
        customer locked first, then its collaboration), pipelined: one round trip."""
        ids = [cid for cid, _ in requests]

        def send() -> list[Any]:
            with _pipelined(self._connection):
                self._begin_in_pipeline()
                for cid in ids:
                    self._connection.execute(_LOCK_CUSTOMER_OF, (cid,))
                    self._connection.execute("SELECT 1 FROM collaborations WHERE id = %s FOR UPDATE", (cid,))
                cursors = [self._connection.execute(_LOAD_END, _load_params(cid, k)) for cid, k in requests]
            return [cursor.fetchone() for cursor in cursors]

        rows = self._sent(send)
        return [self._snapshot(row, cid, k) for row, (cid, k) in zip(rows, requests, strict=True)]

    def record_end(self, writes: EndWrites, *, commit: bool) -> None:
        # One statement and the commit, in one round trip. Every write is a data-modifying
        # CTE of one statement; the version check divides by the number of rows the UPDATE
        # changed, so a stale version aborts the statement, and with it every write in it,
        # before the COMMIT in the same pipeline can keep anything.
        sql, params = self._end_statement(writes)
        e, c = writes, writes.ended
        try:
            with _pipelined(self._connection):
                self._begin_in_pipeline()
                self._connection.execute(sql + " SELECT 1 / (SELECT count(*)::int FROM changed)", params)
                if commit:
                    self._finish()
        except psycopg.errors.DivisionByZero:
            raise ConcurrencyConflict(
                f"Collaboration {c.id} changed since it was read.", hint="Read it again and retry."
            ) from None
        except psycopg.errors.UniqueViolation as exc:
            if e.idempotency is not None and exc.diag.table_name == "idempotency":
                # The same key, racing on another collaboration, committed first.
                raise key_reused(e.idempotency.key) from None
            raise self._failure(exc) from exc
        except psycopg.Error as exc:
            raise self._failure(exc, committing=commit) from exc
        if commit:
            self._begun, self.committed = False, True

    def record_end_as_read(self, writes: EndWrites, read: Any, *, commit: bool) -> bool:
        """:class:`~collabcore.ports.EndsReadBeforeTheirLock`: ``record_end``, in one round trip
        with the transaction's start and the customer's lock (as every lifecycle write takes
        it), if everything ``read`` (a row :meth:`PostgresStore.read_end` read) is still as it
        was: the collaboration at its version, its customer, office, subscription, the
        customer's other active collaborations and open requests. One statement checks them
        and writes, after the lock: a change makes it divide by zero, which aborts every
        write in it. False, with nothing kept (the transaction is rolled back), when anything
        changed or the key was taken meanwhile: the caller ends the locked way."""
        if self._begun or not self._autocommit:
            raise StorageError("record_end_as_read opens its own transaction; call it first.")
        sql, params = self._end_statement(writes)
        c = writes.ended
        # Row versions, not documents: nothing to render as text, and a few bytes to send.
        checks = (
            " SELECT 1 / (CASE WHEN (SELECT count(*) FROM changed) = 1 AND ("
            + _VERSIONS.format(
                customer="%s", office="%s", product="%s", collaboration="%s", open=OPEN_STATUSES
            )
            + ") IS NOT DISTINCT FROM (%s, %s, %s, %s::text[], %s::text[]) THEN 1 ELSE 0 END)"
        )
        params += [c.customer_id, c.office_id, c.customer_id, c.product, c.customer_id, c.id, c.customer_id]
        params += [read[7], read[8], read[9], list(read[10]), list(read[11])]

        def send() -> None:
            with _pipelined(self._connection):
                self._begin_in_pipeline()
                self._connection.execute("SELECT 1 FROM customers WHERE id = %s FOR UPDATE", (c.customer_id,))
                self._connection.execute(sql + checks, params)
                if commit:
                    self._finish()

        try:
            self._sent(send, committing=commit)
        except StorageError as exc:
            cause = exc.__cause__
            if isinstance(cause, psycopg.errors.DivisionByZero | psycopg.errors.UniqueViolation):
                self.rollback()
                return False
            raise
        if commit:
            self._begun, self.committed = False, True
        return True

    def record_ends(self, writes: Sequence[EndWrites]) -> None:
        """:class:`~collabcore.ports.EndsInBatches`: every end's statement, pipelined: one
        round trip; a stale version aborts its statement and, with it, the transaction."""
        statements = [self._end_statement(w) for w in writes]
        try:
            with _pipelined(self._connection):
                self._begin_in_pipeline()
                for sql, params in statements:
                    self._connection.execute(sql + " SELECT 1 / (SELECT count(*)::int FROM changed)", params)
        except psycopg.errors.DivisionByZero:
            raise ConcurrencyConflict(
                "A collaboration of the batch changed since it was read.", hint="Read it again and retry."
            ) from None
        except psycopg.Error as exc:
            raise self._failure(exc) from exc

    def _end_statement(self, writes: EndWrites) -> tuple[str, list[Any]]:
        """Everything ``writes`` writes, as the data-modifying CTEs of one statement (without
        its final SELECT), and its parameters. The documents go as JSON text, each encoded
        once (:func:`~collabcore.adapters.codecs.end_texts`), and are cast on the server."""
        e, c = writes, writes.ended
        texts = end_texts(writes, _ENCODE)
        parts = [
            "changed AS (UPDATE collaborations SET status = %s, version = %s, data = %s::jsonb "
            "WHERE id = %s AND version = %s RETURNING 1)",
            "event AS (INSERT INTO events (customer_id, type, occurred_at, data) "
            "VALUES (%s, %s, %s, %s::jsonb))",
        ]
        params: list[Any] = [c.status._value_, c.version, texts.collaboration, c.id, e.expected_version]
        params += [e.event.customer_id, "CollaborationEnded", e.event.occurred_at, texts.event]
        if e.subscription is not None:
            s = e.subscription
            parts.append(
                "subscription AS (INSERT INTO subscriptions (customer_id, product, data) "
                "VALUES (%s, %s, %s::jsonb) "
                "ON CONFLICT (customer_id, product) DO UPDATE SET data = excluded.data)"
            )
            params += [s.customer_id, s.product, texts.subscription]
        if e.effects:
            rows = ", ".join(["(%s, %s, %s, 'pending', %s, %s::jsonb)"] * len(e.effects))
            parts.append(
                "effects AS (INSERT INTO outbox (key, collaboration_id, step, status, next_attempt_at, data) "
                f"VALUES {rows})"
            )
            for effect, text in zip(e.effects, texts.items, strict=True):
                params += [effect.key, effect.collaboration_id, effect.step, e.at, text]
        if e.idempotency is not None:
            r = e.idempotency
            parts.append(
                "idempotency AS (INSERT INTO idempotency (scope, key, fingerprint, created_at, data) "
                "VALUES (%s, %s, %s, %s, %s::jsonb))"
            )
            params += [r.scope, r.key, r.fingerprint, r.created_at, texts.record]
        return "WITH " + ", ".join(parts), params

    def commit(self) -> None:
        if self._begun:
            try:
                self._finish()
            except psycopg.Error as exc:
                raise self._failure(exc, committing=True) from exc
            self._begun = False
        self.committed = True

    def rollback(self) -> None:
        """Roll back whatever the server says is open (a failed pipeline too). Never raises:
        it runs while the unit of work's own error, if any, is on its way out, and that one
        (a StorageError) is what the caller must see. A connection that cannot roll back
        (it was lost, or a pipeline that could not be closed left it in pipeline mode) is
        closed instead: the server rolls back what it had when the connection goes, and the
        pool opens another. Costs no round trip when nothing is open."""
        self._begun = False
        connection = self._connection
        if connection.closed:
            return
        if not _unusable(connection):
            try:
                connection.rollback()
                return
            except psycopg.Error:
                pass
        connection.close()

    def settle_outbox_item(self, item: OutboxItem, *, fenced: str) -> bool:
        # One statement, one round trip: nothing else has been sent in this unit of work,
        # so the fenced update runs as a transaction of its own (the connection is in
        # autocommit) and needs neither BEGIN nor COMMIT. A fence that no longer holds
        # changes no row, and so keeps nothing.
        if self._begun or not self._autocommit:
            return super().settle_outbox_item(item, fenced=fenced)
        params = (*self._outbox_update(item), fenced)
        written = self._sent(lambda: self._connection.execute(_SETTLE, params).rowcount, committing=True) == 1
        self.committed = True
        return written

    def notification_reads(
        self, effect: Effect
    ) -> tuple[Collaboration | None, AccountingOffice | None, Customer | None, Sequence[Effect]]:
        # One statement (one round trip, one snapshot): a relay sends a notification for
        # every other effect.
        if not self._autocommit:
            return super().notification_reads(effect)
        ids = (effect.collaboration_id, effect.office_id, effect.customer_id)
        params = {"c": ids[0], "o": ids[1], "cu": ids[2]}
        row = self._sent(lambda: self._connection.execute(_NOTIFICATION_READS, params).fetchone())
        if row is None:  # a SELECT from one row answers one row: a broken server
            raise StorageError("PostgreSQL answered no row to the notification's reads.")
        collab, office, customer, keys, items = row
        return (
            None if collab is None else self._decode(collab, Collaboration, "collaborations", ids[0]),
            None if office is None else self._decode(office, AccountingOffice, "offices", ids[1]),
            None if customer is None else self._decode(customer, Customer, "customers", ids[2]),
            # Only each item's effect is read and decoded: its attempts are not the notice's.
            [self._decode(data, Effect, "outbox", key) for key, data in zip(keys, items, strict=True)],
        )


class JoinedPostgresUnitOfWork(PostgresUnitOfWork):
    """A unit of work inside the host's transaction: a savepoint, released (not committed),
    with collabcore's schema on the search path only between the two."""

    _autocommit = False

    def __init__(self, connection: Any, decoded: DecodedRows | None, savepoint: str, schema: str) -> None:
        # write=True: even a read opens the savepoint, which puts the schema on the path.
        super().__init__(connection, write=True, decoded=decoded)
        self._savepoint = savepoint
        self._schema = schema

    def _open(self) -> None:
        # The host's search path is kept on the server, so that opening and closing cost no
        # round trip of their own: both are queued with the unit of work's statements.
        self._connection.execute(f"SAVEPOINT {self._savepoint}")
        self._connection.execute(
            "SELECT set_config('collabcore.host_search_path', current_setting('search_path'), true), "
            "set_config('search_path', %s, true)",
            (self._schema,),
        )

    def _finish(self) -> None:
        self._connection.execute(
            "SELECT set_config('search_path', current_setting('collabcore.host_search_path'), true)"
        )
        self._connection.execute(f"RELEASE SAVEPOINT {self._savepoint}")

    def rollback(self) -> None:
        # Rolling back to the savepoint also restores the host's search path. The connection
        # is the host's: one that was lost (or left in pipeline mode by a pipeline that could
        # not be closed, which only a lost connection does) is left to the host as it is; its
        # transaction is gone with it, and the error on its way out says so.
        begun, self._begun = self._begun, False
        connection = self._connection
        if not begun or _unusable(connection):
            return
        try:
            with _pipelined(connection):
                connection.execute(f"ROLLBACK TO SAVEPOINT {self._savepoint}")
                connection.execute(f"RELEASE SAVEPOINT {self._savepoint}")
        except psycopg.Error as exc:
            raise self._failure(exc) from exc


class _HostConnection:
    """The host's connection as collabcore's units of work use it: jsonb is read as text on
    collabcore's own cursors, and the host's adapters are left as they are."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self.connection = connection

    @property
    def closed(self) -> bool:
        return self.connection.closed

    @property
    def broken(self) -> bool:
        return self.connection.broken

    @property
    def pgconn(self) -> psycopg.pq.abc.PGconn:
        return self.connection.pgconn

    def cursor(self) -> psycopg.Cursor[Any]:
        cursor = self.connection.cursor()
        cursor.adapters.register_loader("jsonb", TextLoader)
        return cursor

    def execute(self, sql: Any, params: Any = None) -> psycopg.Cursor[Any]:
        return self.cursor().execute(sql, params)

    def pipeline(self) -> Any:
        return self.connection.pipeline()


class JoinedPostgresStore(JoinedStore):
    """A :class:`PostgresStore` working in the host's transaction on the host's psycopg
    connection (to the database that holds collabcore's schema).

    Each of collabcore's transactions is a savepoint in the host's: what collabcore
    keeps is kept only if the host commits, and a refusal undoes only collabcore's
    part. The host's search path and adapters are left as they were. The host opens
    the transaction (``with connection.transaction():``, or any statement on a
    connection that is not in autocommit mode) and ends it; :meth:`close` leaves the
    connection to the host.
    """

    def __init__(self, store: PostgresStore, connection: psycopg.Connection[Any]) -> None:
        super().__init__(connection)
        self.store = store
        self.connection: psycopg.Connection[Any] = connection
        self._host = _HostConnection(connection)

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[PostgresUnitOfWork]:
        status = self.connection.info.transaction_status
        if status == psycopg.pq.TransactionStatus.INERROR:
            raise ConfigurationError(
                "The host's transaction has failed already; nothing more can be done in it.",
                hint="Roll it back and begin again.",
            )
        if self.connection.autocommit and status != psycopg.pq.TransactionStatus.INTRANS:
            raise ConfigurationError(
                "The host's connection has no open transaction to join.",
                hint="Open one first (with connection.transaction(): ...), and call collabcore in it.",
            )
        savepoint = self._savepoint()
        uow = JoinedPostgresUnitOfWork(self._host, self.store._decoded, savepoint, self.store.schema)
        try:
            yield uow
        except psycopg.Error as exc:
            raise uow._failure(exc) from exc
        except StorageError as exc:
            # Found only when it happens, so that a working connection pays nothing to check.
            if isinstance(exc.__cause__, psycopg.errors.UndefinedTable):
                raise ConfigurationError(
                    f"The host's connection is to a database without collabcore's schema "
                    f"{self.store.schema}.",
                    hint="Connect it to the database this PostgresStore uses.",
                ) from None
            raise
        finally:
            uow.rollback()


_LOAD_END = """
SELECT c.data,
       (SELECT cu.data FROM customers cu WHERE cu.id = c.customer_id),
       (SELECT o.data FROM offices o WHERE o.id = c.office_id),
       (SELECT coalesce(array_agg(x.data::text ORDER BY x.started_at, x.id), '{}')
          FROM collaborations x
         WHERE x.customer_id = c.customer_id AND x.status = 'active' AND x.id <> c.id),
       (SELECT s.data FROM subscriptions s WHERE s.customer_id = c.customer_id AND s.product = c.product),
       (SELECT i.data FROM idempotency i WHERE i.scope = %(scope)s AND i.key = %(key)s),
       (SELECT coalesce(array_agg(r.data::text ORDER BY r.requested_at, r.id), '{}')
          FROM lifecycle_requests r
         WHERE r.customer_id = c.customer_id AND r.status IN ('awaiting_acceptance', 'scheduled'))
  FROM (SELECT 1) AS one
  LEFT JOIN collaborations c ON c.id = %(id)s
"""

_VERSIONS = """
       (SELECT cu.xmin::text FROM customers cu WHERE cu.id = {customer}),
       (SELECT o.xmin::text FROM offices o WHERE o.id = {office}),
       (SELECT s.xmin::text FROM subscriptions s WHERE s.customer_id = {customer} AND s.product = {product}),
       (SELECT coalesce(array_agg(x.xmin::text ORDER BY x.started_at, x.id), '{{}}')
          FROM collaborations x
         WHERE x.customer_id = {customer} AND x.status = 'active' AND x.id <> {collaboration}),
       (SELECT coalesce(array_agg(r.xmin::text ORDER BY r.requested_at, r.id), '{{}}')
          FROM lifecycle_requests r
         WHERE r.customer_id = {customer} AND r.status IN {open})
"""
"""The row version (``xmin``: the transaction that wrote it) of every row an end decides on
besides its collaboration (whose own version column guards it): its customer, office and
subscription, and the customer's other active collaborations and open requests. Any write
to one of them, or one that joins or leaves them, changes this; comparing it costs no
document's text."""

_READ_END = _LOAD_END.replace(
    "\n  FROM (SELECT 1) AS one",
    ","
    + _VERSIONS.format(
        customer="c.customer_id",
        office="c.office_id",
        product="c.product",
        collaboration="c.id",
        open=OPEN_STATUSES,
    )
    + "  FROM (SELECT 1) AS one",
)
"""What an end reads, and the row versions of what it read (columns 7 to 11), read before
its transaction."""

_SETTLE = _placeholders(UPDATE_OUTBOX + FENCE)


def _load_params(collaboration_id: str, key: IdempotencyKey | None) -> dict[str, Any]:
    return {
        "id": collaboration_id,
        "scope": None if key is None else key.scope,
        "key": None if key is None else key.key,
    }


_NOTIFICATION_READS = """
SELECT (SELECT data FROM collaborations WHERE id = %(c)s),
       (SELECT data FROM offices WHERE id = %(o)s),
       (SELECT data FROM customers WHERE id = %(cu)s),
       coalesce(array_agg(x.key ORDER BY x.collaboration_id, x.step), '{}'),
       coalesce(array_agg((x.data -> 'effect')::text ORDER BY x.collaboration_id, x.step), '{}')
  FROM (SELECT 1) AS one
  LEFT JOIN outbox x ON x.collaboration_id = %(c)s
"""

_LOCK_CUSTOMER_OF = (
    "SELECT 1 FROM customers WHERE id = (SELECT customer_id FROM collaborations WHERE id = %s) FOR UPDATE"
)


def _load_jsonb_as_text(connection: psycopg.Connection[Any]) -> None:
    # The unit of work parses JSON itself: the text keys the cache of decoded rows.
    connection.adapters.register_loader("jsonb", TextLoader)


def whole(value: object, name: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidInput(
            f"{name} must be a whole number from {low} to {high}, got {describe(value)}.", path=name
        )
    return value


def _diagnose(dsn: str, connect_timeout: int) -> None:
    """One plain connection before the pool opens: the pool only says "initialization
    incomplete" after its whole timeout, while libpq says why at once (connection refused,
    no such database, authentication failed, timeout expired)."""
    try:
        psycopg.connect(dsn, connect_timeout=connect_timeout, autocommit=True).close()
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise StorageError(
            f"Cannot connect to PostgreSQL: {reason}.",
            hint="Check the DSN (host, port, database, user, password) and that the server is running.",
        ) from None
    except Exception as exc:  # a malformed DSN is refused by libpq's parser
        raise InvalidInput(f"dsn is not a valid PostgreSQL connection string: {exc}.", path="dsn") from None


def _unusable(connection: Any) -> bool:
    """Closed, lost, or left in pipeline mode by a pipeline that could not be closed (which
    only a lost connection does): no statement can be sent on it again."""
    return bool(connection.closed or connection.pgconn.pipeline_status != psycopg.pq.PipelineStatus.OFF)


_LOST_STATES = ("25P03", "57P01", "57P02", "57P05")
"""The server ended the connection: idle_in_transaction_session_timeout, admin_shutdown
(pg_terminate_backend, a fast shutdown), crash_shutdown, idle_session_timeout; and every
state of class 08 (connection exceptions)."""


def _storage_error(exc: psycopg.Error, connection: Any = None, *, committing: bool = False) -> StorageError:
    """``exc`` as collabcore's StorageError. A lost connection (a failover, an operator's
    pg_terminate_backend, a pooler's restart) is said to be one, and the hint says what is
    known: nothing was kept, unless the COMMIT itself was under way (``committing``)."""
    state = exc.sqlstate or ""
    lost = state.startswith("08") or state in _LOST_STATES
    if connection is not None and _unusable(connection):
        lost = True
    if not lost:
        return StorageError(
            f"PostgreSQL failed: {type(exc).__name__}: {str(exc).strip()}.",
            hint="The transaction was rolled back; retry it.",
        )
    reason = str(exc).strip().splitlines()[0].strip() if str(exc).strip() else type(exc).__name__
    if committing:
        return StorageError(
            f"The connection to PostgreSQL was lost while committing: {reason}.",
            hint="Whether the change was kept is not known: retry it with the same idempotency key "
            "(an end that was kept answers as it did the first time), or read it back first.",
        )
    return StorageError(
        f"The connection to PostgreSQL was lost: {reason}.",
        hint="Nothing of the transaction was kept; retry it.",
    )


class PostgresStore:
    """A :class:`~collabcore.ports.Store` on a PostgreSQL server, via a connection pool.

    ``decoded_rows`` bounds the cache of decoded rows, as for :class:`SQLiteStore`;
    each process has its own.
    """

    def __init__(
        self,
        dsn: str,
        *,
        schema: str = "collabcore",
        min_size: int = 1,
        max_size: int = 10,
        timeout: float = 30.0,
        connect_timeout: int = 5,
        decoded_rows: int = DEFAULT_SIZE,
    ) -> None:
        """``timeout``: how long a request waits for a free connection of the pool;
        ``connect_timeout``: how long one connection attempt may take (seconds, 2 or more,
        as libpq counts them), so that an unreachable server is reported quickly and why."""
        if not isinstance(dsn, str) or not dsn.strip():
            raise InvalidInput(
                f"dsn must be a PostgreSQL connection string, got {describe(dsn)}.", path="dsn"
            )
        if not isinstance(schema, str) or not _IDENTIFIER.match(schema):
            raise InvalidInput(
                f"schema must be a lowercase SQL identifier, got {describe(schema)}.",
                hint="Letters, digits and underscores, starting with a letter.",
                path="schema",
            )
        min_size = whole(min_size, "min_size", 0, 1000)
        max_size = whole(max_size, "max_size", max(min_size, 1), 1000)
        connect_timeout = whole(connect_timeout, "connect_timeout", 2, 3600)
        if not isinstance(timeout, int | float) or isinstance(timeout, bool) or not 0 < timeout <= 3600:
            raise InvalidInput(
                f"timeout must be seconds from 0 to 3,600, got {describe(timeout)}.", path="timeout"
            )
        self.schema = schema
        self._decoded = cache_for(decoded_rows)
        options = {
            "autocommit": True,
            "options": f"-c search_path={schema}",
            "connect_timeout": connect_timeout,
        }
        _diagnose(dsn, connect_timeout)
        self._pool = ConnectionPool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            kwargs=options,
            configure=_load_jsonb_as_text,
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
        """A unit of work on a connection from the pool (waiting up to ``timeout`` seconds for
        one); leaving it without ``commit()`` rolls back, and a database error is raised as
        StorageError. ``write=False`` for a unit of work that only reads."""
        try:
            connection = self._pool.getconn()
        except psycopg.Error as exc:
            raise _storage_error(exc) from exc
        uow = PostgresUnitOfWork(
            connection, write=write, decoded=self._decoded, replace=self._replace, spares=self._pool.max_size
        )
        try:
            yield uow
        except psycopg.Error as exc:
            raise uow._failure(exc) from exc
        finally:
            try:
                uow.rollback()
            finally:
                self._pool.putconn(uow._connection)

    def read_end(
        self, collaboration_id: str, *, idempotency_key: IdempotencyKey | None
    ) -> tuple[EndSnapshot, Any]:
        """:class:`~collabcore.ports.EndsReadBeforeTheirLock`: what ``load_end`` reads, in one
        statement outside any transaction (nothing locked), and what
        ``record_end_as_read`` checks it by."""
        with self.transaction(write=False) as uow:
            return uow._load(collaboration_id, idempotency_key, for_update=False, sql=_READ_END)

    def collaboration_parties(self, collaboration_ids: Sequence[str]) -> dict[str, CollaborationParties]:
        """:class:`~collabcore.ports.PartiesBeforeAnEnd`: one statement, outside any transaction."""
        with self.transaction(write=False) as uow:
            rows = uow._execute(
                "SELECT id, office_id, customer_id, product FROM collaborations WHERE id = ANY(?)",
                (list(collaboration_ids),),
            ).fetchall()
        return {row[0]: (row[1], row[2], row[3]) for row in rows}

    def _replace(self, dead: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
        """Give a dead connection back (the pool drops it and opens another) and take a live one."""
        self._pool.putconn(dead)
        return self._pool.getconn()

    def joining(self, connection: psycopg.Connection[Any]) -> JoinedPostgresStore:
        """This store inside the host's own transaction on ``connection``: collabcore's
        writes, its events and its outbox commit or roll back with the host's rows. See
        :class:`JoinedPostgresStore`."""
        if not isinstance(connection, psycopg.Connection):
            raise InvalidInput(
                f"connection must be a psycopg.Connection, got {describe(connection)}.", path="connection"
            )
        return JoinedPostgresStore(self, connection)

    def close(self) -> None:
        """Close the connection pool; the store opens no more units of work."""
        self._pool.close()

    def drop_schema(self) -> None:
        """Remove every table of this store's schema (tests and tear-downs only)."""
        with self.transaction() as uow:
            uow._execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
            uow.commit()

    def schema_version(self) -> int:
        """The version of collabcore's tables in the schema (migrated forward when opened)."""
        with self.transaction(write=False) as uow:
            return stored_version(uow)

    def _migrate(self) -> None:
        with self.transaction() as uow:
            # One migrator at a time, even across processes.
            uow._execute("SELECT pg_advisory_xact_lock(hashtext(?))", (f"collabcore:{self.schema}",))
            uow._execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
            migrate(uow, MIGRATIONS, f"The PostgreSQL schema {self.schema}")
            uow.commit()
