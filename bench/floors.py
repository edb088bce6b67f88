"""The floors and peers collabcore is measured against, written by hand.

Two kinds of floor. The *same-work* floors (issue 15) do the database work
collabcore's operation does — the same reads, the version-checked update, the
event and outbox inserts, the commit — with prepared JSON and no validation,
rules or texts: what the database itself costs for collabcore's statements.
The *smallest honest* floors (issue 26) are what a developer writing the end by
hand would need at the least to end a collaboration correctly: the
collaboration's row read and decoded, its version-checked update, the event,
the idempotency record and the outbox rows, in one transaction, with the same
documents (built as dicts and written with ``json.dumps``) collabcore stores.
"""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import tempfile
import threading
import time
import tracemalloc
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import collabcore as cc
from collabcore.adapters import postgres as pg_adapter
from collabcore.domain import OverviewCursor

DOC = json.dumps({"id": "x", "status": "ended", "padding": "p" * 300})
EFFECTS = 4


def casbin_enforcer() -> Any:
    """An RBAC enforcer answering R1/R14's yes/no: may this user end this collaboration?"""
    try:
        import casbin
    except ImportError:
        return None
    folder = Path(tempfile.mkdtemp(prefix="casbin-"))
    model = folder / "model.conf"
    model.write_text(
        "[request_definition]\nr = sub, obj, act\n"
        "[policy_definition]\np = sub, obj, act\n"
        "[role_definition]\ng = _, _\n"
        "[policy_effect]\ne = some(where (p.eft == allow))\n"
        "[matchers]\nm = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act\n"
    )
    policy = folder / "policy.csv"
    policy.write_text(
        "p, office-1:manager, collab-1, end\n"
        "p, customer-1:administrator, collab-1, end\n"
        "g, office-1/admin, office-1:manager\n"
        "g, customer-1/boss, customer-1:administrator\n"
    )
    return casbin.Enforcer(str(model), str(policy))


def in_threads(work: Any, arguments: list[tuple[Any, ...]]) -> float:
    """Seconds for one thread per argument tuple to run ``work`` to the end."""
    threads = [threading.Thread(target=work, args=args) for args in arguments]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def _in_process(setup: Any, args: tuple[Any, ...], ready: Any, done: Any) -> None:
    run = setup(*args)
    ready.wait()
    run()
    done.put(None)


def in_processes(setup: Any, arguments: list[tuple[Any, ...]]) -> float:
    """Seconds for one process per argument tuple to run what ``setup(*args)`` returns.

    Each process sets up (connects, imports) first; then all are released together, so
    only the work is timed, as a host's worker processes would run it.
    """
    context = multiprocessing.get_context("spawn")
    ready, done = context.Barrier(len(arguments) + 1), context.Queue()
    processes = [context.Process(target=_in_process, args=(setup, a, ready, done)) for a in arguments]
    for process in processes:
        process.start()
    ready.wait()
    start = time.perf_counter()
    for _ in processes:
        done.get(timeout=900)
    elapsed = time.perf_counter() - start
    for process in processes:
        process.join()
    return elapsed


# --- SQLite ----------------------------------------------------------------------------


def _sqlite(path: Path, synchronous: str = "FULL") -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute(f"PRAGMA synchronous = {synchronous}")
    return connection


def _schema_sqlite(path: Path) -> None:
    """collabcore's own tables and indexes: the floor writes to what collabcore writes to."""
    cc.SQLiteStore(path, decoded_rows=0).close()


NOW = "2026-11-23T12:00:00.000000+00:00"
OPEN_REQUESTS_SQLITE = (
    "SELECT data FROM lifecycle_requests WHERE customer_id = ? "
    "AND status IN ('awaiting_acceptance', 'scheduled') ORDER BY requested_at, id"
)


def _populate_sqlite(connection: sqlite3.Connection, count: int) -> None:
    connection.execute("INSERT INTO offices VALUES ('o', ?)", (DOC,))
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO customers VALUES (?, ?, 0, ?)", [(f"c{n}", f"{n:06d}", DOC) for n in range(count)]
    )
    connection.executemany(
        "INSERT INTO collaborations VALUES (?, 'o', ?, ?, 'p', 'active', ?, 0, ?)",
        [(f"k{n}", f"c{n}", f"{n:06d}", NOW, DOC) for n in range(count)],
    )
    connection.execute("COMMIT")


def _end_writes_sqlite(connection: sqlite3.Connection, rows: list[tuple[str, str]]) -> None:
    """An end's writes for each (collaboration, customer): the version-checked update,
    the event, the subscription, the outbox."""
    updated = connection.executemany(
        "UPDATE collaborations SET status = 'ended', version = 1, data = ? WHERE id = ? AND version = 0",
        [(DOC, k) for k, _ in rows],
    )
    assert updated.rowcount == len(rows)
    connection.executemany(
        "INSERT INTO events (customer_id, type, occurred_at, data) VALUES (?, 'CollaborationEnded', ?, ?)",
        [(c, NOW, DOC) for _, c in rows],
    )
    connection.executemany(
        "INSERT INTO subscriptions VALUES (?, 'p', ?) ON CONFLICT DO UPDATE SET data = excluded.data",
        [(c, DOC) for _, c in rows],
    )
    connection.executemany(
        "INSERT INTO outbox (key, collaboration_id, step, status, next_attempt_at, data) VALUES (?, ?, ?, 'pending', ?, ?)",
        [(f"{k}:{s}", k, s, NOW, DOC) for k, _ in rows for s in range(EFFECTS)],
    )


def sqlite_end_floor(path: Path, count: int, synchronous: str = "FULL") -> tuple[list[float], float]:
    """Seconds per end, the same transaction shape as CollaborationService.end, and the
    CPU seconds all the ends took."""
    _schema_sqlite(path)
    connection = _sqlite(path, synchronous)
    _populate_sqlite(connection, count)
    samples = []
    cpu = time.process_time()
    for n in range(count):
        start = time.perf_counter()
        # Before the write lock, the collaboration read in a read transaction of its own, as
        # collabcore reads it to ask the integrations for facts without holding a lock.
        connection.execute("BEGIN")
        json.loads(
            connection.execute("SELECT data FROM collaborations WHERE id = ?", (f"k{n}",)).fetchone()[0]
        )
        connection.execute("ROLLBACK")
        connection.execute("BEGIN IMMEDIATE")
        json.loads(
            connection.execute("SELECT data FROM collaborations WHERE id = ?", (f"k{n}",)).fetchone()[0]
        )
        json.loads(connection.execute("SELECT data FROM customers WHERE id = ?", (f"c{n}",)).fetchone()[0])
        json.loads(connection.execute("SELECT data FROM offices WHERE id = 'o'").fetchone()[0])
        for (data,) in connection.execute(
            "SELECT data FROM collaborations WHERE customer_id = ? AND status = 'active'", (f"c{n}",)
        ).fetchall():
            json.loads(data)
        connection.execute(
            "SELECT data FROM subscriptions WHERE customer_id = ? AND product = 'p'", (f"c{n}",)
        ).fetchone()
        for (data,) in connection.execute(OPEN_REQUESTS_SQLITE, (f"c{n}",)).fetchall():
            json.loads(data)  # the customer's open lifecycle requests, which an end may settle
        _end_writes_sqlite(connection, [(f"k{n}", f"c{n}")])
        connection.execute("COMMIT")
        samples.append(time.perf_counter() - start)
    cpu = time.process_time() - cpu
    connection.close()
    return samples, cpu


def sqlite_overview_floor(path: Path, middle: OverviewCursor) -> tuple[float, float]:
    """The same rows as the overview, whole and one keyset page, read by hand (median seconds)."""
    connection = _sqlite(path)
    whole_sql = (
        "SELECT cu.data, co.data FROM collaborations co JOIN customers cu ON cu.id = co.customer_id "
        "WHERE co.office_id = 'office-1' AND co.status = 'active' "
        "ORDER BY co.customer_number, co.customer_id, co.product"
    )
    page_sql = (
        "SELECT cu.data, co.data FROM (SELECT DISTINCT customer_number, customer_id FROM collaborations "
        "WHERE office_id = 'office-1' AND status = 'active' AND (customer_number, customer_id) > (?, ?) "
        "ORDER BY customer_number, customer_id LIMIT 50) p JOIN customers cu ON cu.id = p.customer_id "
        "JOIN collaborations co ON co.customer_id = p.customer_id AND co.office_id = 'office-1' "
        "AND co.status = 'active' ORDER BY p.customer_number, p.customer_id, co.product"
    )

    def whole() -> float:
        start = time.perf_counter()
        for a, b in connection.execute(whole_sql):
            json.loads(a), json.loads(b)
        return time.perf_counter() - start

    def page() -> float:
        start = time.perf_counter()
        for a, b in connection.execute(page_sql, (middle.customer_number, middle.customer_id)):
            json.loads(a), json.loads(b)
        return time.perf_counter() - start

    whole_times = sorted(whole() for _ in range(5))
    page_times = sorted(page() for _ in range(200))
    connection.close()
    return whole_times[2], page_times[100]


def sqlite_bulk_floor(path: Path, count: int, batch: int = 500) -> float:
    """Seconds to end ``count`` collaborations in batches, by hand: each batch reads the
    next page of the office's active collaborations and their customers, then writes
    every end of the page in one transaction."""
    _schema_sqlite(path)
    connection = _sqlite(path, "NORMAL")
    _populate_sqlite(connection, count)
    start = time.perf_counter()
    after = ""
    while True:
        connection.execute("BEGIN IMMEDIATE")
        page = connection.execute(
            "SELECT co.id, co.customer_id, co.customer_number, co.data, cu.data FROM collaborations co "
            "JOIN customers cu ON cu.id = co.customer_id WHERE co.office_id = 'o' AND co.status = 'active' "
            "AND co.customer_number > ? ORDER BY co.customer_number LIMIT ?",
            (after, batch),
        ).fetchall()
        if not page:
            connection.execute("COMMIT")
            break
        for row in page:
            json.loads(row[3]), json.loads(row[4])
        _end_writes_sqlite(connection, [(row[0], row[1]) for row in page])
        connection.execute("COMMIT")
        after = page[-1][2]
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


# --- the smallest honest end (issue 26) ----------------------------------------------------
#
# What a developer who writes the end by hand needs at the least, and nothing more: no
# rules, no roles, no facts, no subscription, no lifecycle requests. The row read is
# decoded (json.loads); what is written is prepared JSON of the size collabcore's
# documents have (the ended collaboration, the event, the idempotency record holding the
# result, the outbox items), as the same-work floors write prepared JSON: the floor is
# what the database costs, and building the documents is left to the one measured.

ACTOR = {"user_id": "admin", "party": "office", "party_id": "o"}
END_KINDS = ("revoke_office_access", "deactivate_subscription", "notify_office", "notify_customer")
SMALLEST_READ = (
    "SELECT id, office_id, customer_id, product, status, version, data FROM collaborations WHERE id = ?"
)
UPDATE_GUARDED = (
    "UPDATE collaborations SET status = 'ended', version = ?, data = ? WHERE id = ? AND version = ?"
)
INSERT_EVENT = (
    "INSERT INTO events (customer_id, type, occurred_at, data) VALUES (?, 'CollaborationEnded', ?, ?)"
)
INSERT_KEY = "INSERT INTO idempotency (scope, key, fingerprint, created_at, data) VALUES (?, ?, ?, ?, ?)"
INSERT_OUTBOX = (
    "INSERT INTO outbox (key, collaboration_id, step, status, next_attempt_at, data) "
    "VALUES (?, ?, ?, 'pending', ?, ?)"
)


def collaboration_doc(n: int, started: str = NOW) -> dict[str, Any]:
    """A collaboration as collabcore stores it."""
    return {
        "id": f"k{n}",
        "office_id": "o",
        "customer_id": f"c{n}",
        "product": "p",
        "started_at": started,
        "variant": None,
        "invoice_recipient": "office",
        "status": "active",
        "ended_at": None,
        "ended_by": None,
        "outcome": None,
        "version": 0,
    }


def _end_texts() -> tuple[str, str, str, tuple[tuple[int, str, str], ...]]:
    """The ended collaboration, its event, its idempotency record and its four outbox items
    as JSON text, each the size of collabcore's for an end of a collaboration ``k<n>``."""
    collaboration = collaboration_doc(999999) | {
        "status": "ended",
        "ended_at": NOW,
        "ended_by": ACTOR,
        "outcome": "deactivate",
        "version": 1,
    }
    event = {
        "collaboration_id": "k999999",
        "office_id": "o",
        "customer_id": "c999999",
        "product": "p",
        "outcome": "deactivate",
        "actor": ACTOR,
        "acknowledged": ["R16"],
        "occurred_at": NOW,
    }
    effects = [
        {
            "collaboration_id": "k999999",
            "step": step,
            "kind": kind,
            "office_id": "o",
            "customer_id": "c999999",
            "product": "p",
            "request_id": None,
            "notice": None,
        }
        for step, kind in enumerate(END_KINDS, start=1)
    ]
    record = {
        "key": "key-999999",
        "fingerprint": "end|k999999|office|o|admin|deactivate",
        "result": {"collaboration": collaboration, "event": event, "effects": effects, "replayed": False},
        "created_at": NOW,
        "scope": "office:o",
    }
    items = tuple(
        (
            e["step"],
            e["kind"],
            json.dumps(
                {
                    "effect": e,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": NOW,
                    "updated_at": NOW,
                    "last_error": None,
                    "resolution": None,
                    "history": [],
                    "lease": None,
                }
            ),
        )
        for e in effects
    )
    return (
        json.dumps(collaboration),
        json.dumps(event | {"type": "CollaborationEnded"}),
        json.dumps(record),
        items,
    )


ENDED_TEXT, EVENT_TEXT, RECORD_TEXT, ITEM_TEXTS = _end_texts()


def _populate_smallest_sqlite(connection: sqlite3.Connection, count: int) -> None:
    connection.execute("INSERT INTO offices VALUES ('o', ?)", (DOC,))
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO customers VALUES (?, ?, 0, ?)", [(f"c{n}", f"{n:06d}", DOC) for n in range(count)]
    )
    connection.executemany(
        "INSERT INTO collaborations VALUES (?, 'o', ?, ?, 'p', 'active', ?, 0, ?)",
        [(f"k{n}", f"c{n}", f"{n:06d}", NOW, json.dumps(collaboration_doc(n))) for n in range(count)],
    )
    connection.execute("COMMIT")


def _decoded(row: tuple[Any, ...]) -> dict[str, Any]:
    """The collaboration's row decoded, and checked to be active, as a hand-written end must."""
    collaboration: dict[str, Any] = json.loads(row[6])
    if row[4] != "active" or collaboration["status"] != "active":
        raise RuntimeError(f"{row[0]} is not active")
    return collaboration


def _outbox_rows(collaboration_id: str, now: Any) -> list[tuple[Any, ...]]:
    return [
        (f"{collaboration_id}:{step}:{kind}", collaboration_id, step, now, text)
        for step, kind, text in ITEM_TEXTS
    ]


def sqlite_smallest_end_floor(
    path: Path, count: int, synchronous: str = "FULL", *, ends: int | None = None
) -> tuple[list[float], float]:
    """Seconds per end and the CPU seconds of all of them, for the smallest honest end on
    SQLite: one ``BEGIN IMMEDIATE … COMMIT`` on a WAL file that reads the collaboration's
    row (id, office, customer, product, status, version, document) and decodes it,
    updates it guarded by the version read, inserts the end event, the idempotency record
    and (one ``executemany``) the four outbox rows: seven calls, ten rows. ``count``
    collaborations, of which the first ``ends`` (all, by default) are ended."""
    _schema_sqlite(path)
    connection = _sqlite(path, synchronous)
    _populate_smallest_sqlite(connection, count)
    samples = []
    cpu = time.process_time()
    for n in range(count if ends is None else ends):
        start = time.perf_counter()
        now = datetime.now(UTC).isoformat()
        connection.execute("BEGIN IMMEDIATE")
        row = connection.execute(SMALLEST_READ, (f"k{n}",)).fetchone()
        _decoded(row)
        version = row[5]
        changed = connection.execute(UPDATE_GUARDED, (version + 1, ENDED_TEXT, row[0], version))
        if changed.rowcount != 1:
            raise RuntimeError(f"{row[0]} changed since it was read")
        connection.execute(INSERT_EVENT, (row[2], now, EVENT_TEXT))
        connection.execute(
            INSERT_KEY, ("office:o", f"key-{n}", f"end|{row[0]}|office|o|admin|deactivate", now, RECORD_TEXT)
        )
        connection.executemany(INSERT_OUTBOX, _outbox_rows(row[0], now))
        connection.execute("COMMIT")
        samples.append(time.perf_counter() - start)
    cpu = time.process_time() - cpu
    connection.close()
    return samples, cpu


def sqlite_smallest_bulk_floor(path: Path, count: int, batch: int = 100) -> float:
    """Seconds to end ``count`` collaborations of one office by hand, ``batch`` per
    transaction (collabcore's default batch): each batch reads the office's next active
    collaborations (the rows only) and decodes them, then writes their updates (guarded by
    the versions read), events and outbox rows with one ``executemany`` each."""
    _schema_sqlite(path)
    connection = _sqlite(path, "NORMAL")
    _populate_smallest_sqlite(connection, count)
    start = time.perf_counter()
    after = ""
    while True:
        now = datetime.now(UTC).isoformat()
        connection.execute("BEGIN IMMEDIATE")
        page = connection.execute(
            "SELECT id, office_id, customer_id, product, status, version, data, customer_number "
            "FROM collaborations WHERE office_id = 'o' AND status = 'active' AND customer_number > ? "
            "ORDER BY customer_number LIMIT ?",
            (after, batch),
        ).fetchall()
        if not page:
            connection.execute("COMMIT")
            break
        for row in page:
            _decoded(row)
        changed = connection.executemany(
            UPDATE_GUARDED, [(row[5] + 1, ENDED_TEXT, row[0], row[5]) for row in page]
        )
        if changed.rowcount != len(page):
            raise RuntimeError("a collaboration changed since it was read")
        connection.executemany(INSERT_EVENT, [(row[2], now, EVENT_TEXT) for row in page])
        connection.executemany(INSERT_OUTBOX, [r for row in page for r in _outbox_rows(row[0], now)])
        connection.execute("COMMIT")
        after = page[-1][7]
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


# --- PostgreSQL --------------------------------------------------------------------------


def round_trips_per_end(dsn: str, ends: int = 50) -> float:
    """Real round trips per end, read from libpq's protocol trace: each round trip ends
    with the server's ReadyForQuery. One connection, so the trace sees every message."""
    from psycopg import pq

    from collabcore.testing import World

    store = pg_adapter.PostgresStore(dsn, schema=f"trips_{uuid.uuid4().hex[:10]}", min_size=1, max_size=1)
    world = World(store)
    world.office()
    ids = []
    for n in range(ends + 1):
        world.customer(f"c{n}")
        ids.append(world.collaboration(cc.BOOKKEEPING, customer_id=f"c{n}").id)
    trace = Path(tempfile.mkdtemp()) / "libpq.trace"
    with trace.open("w") as sink:
        with store._pool.connection() as connection:
            connection.pgconn.trace(sink.fileno())
            connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        actor = world.office_admin()
        world.service.end(ids[0], actor=actor, outcome=cc.Outcome.DEACTIVATE, acknowledge={"R16"})
        sink.flush()
        before = trace.read_text().count("ReadyForQuery")
        for cid in ids[1:]:
            world.service.end(
                cid, actor=actor, outcome=cc.Outcome.DEACTIVATE, acknowledge={"R16"}, idempotency_key=cid
            )
        sink.flush()
        after = trace.read_text().count("ReadyForQuery")
        with store._pool.connection() as connection:
            connection.pgconn.untrace()
    store.drop_schema()
    store.close()
    return (after - before) / ends


def _pg_schema(dsn: str) -> tuple[str, Any]:
    """A new schema with collabcore's own tables and indexes, and an admin connection."""
    import psycopg

    schema = f"floor_{uuid.uuid4().hex[:10]}"
    pg_adapter.PostgresStore(dsn, schema=schema, min_size=1, max_size=1).close()
    return schema, psycopg.connect(dsn, autocommit=True, options=f"-c search_path={schema}")


def _pg_connect(dsn: str, schema: str) -> Any:
    import psycopg
    from psycopg.types.string import TextLoader

    connection = psycopg.connect(dsn, autocommit=True, options=f"-c search_path={schema}")
    connection.adapters.register_loader("jsonb", TextLoader)
    return connection


def _end_floor_worker(dsn: str, schema: str, ids: list[int]) -> Any:
    from psycopg.types.json import Jsonb

    connection = _pg_connect(dsn, schema)

    def work() -> None:
        for n in ids:
            k, c = f"k{n}", f"c{n}"
            # Before the transaction, the collaboration read on its own, as collabcore reads
            # it to ask the integrations for facts without holding a lock: a round trip.
            json.loads(
                connection.execute("SELECT data FROM collaborations WHERE id = %s", (k,)).fetchone()[0]
            )
            with connection.pipeline():
                connection.execute("BEGIN")
                # The customer's row locked first, as every lifecycle write of collabcore's does.
                connection.execute("SELECT 1 FROM customers WHERE id = %s FOR UPDATE", (c,))
                reads = [
                    connection.execute("SELECT data FROM collaborations WHERE id = %s FOR UPDATE", (k,)),
                    connection.execute("SELECT data FROM customers WHERE id = %s", (c,)),
                    connection.execute("SELECT data FROM offices WHERE id = 'o'"),
                    connection.execute(
                        "SELECT data FROM collaborations WHERE customer_id = %s AND status = 'active' "
                        "AND id <> %s",
                        (c, k),
                    ),
                    connection.execute(
                        "SELECT data FROM subscriptions WHERE customer_id = %s AND product = 'p'", (c,)
                    ),
                    connection.execute(
                        "SELECT data FROM lifecycle_requests WHERE customer_id = %s "
                        "AND status IN ('awaiting_acceptance', 'scheduled') ORDER BY requested_at, id",
                        (c,),
                    ),
                ]
            for cursor in reads:
                for (data,) in cursor.fetchall():
                    json.loads(data)
            with connection.pipeline():
                connection.execute(
                    "UPDATE collaborations SET status = 'ended', version = 1, data = %s "
                    "WHERE id = %s AND version = 0",
                    (Jsonb({"ended": True, "padding": "p" * 300}), k),
                )
                connection.execute(
                    "INSERT INTO events (customer_id, type, occurred_at, data) "
                    "VALUES (%s, 'CollaborationEnded', now(), %s)",
                    (c, Jsonb({"padding": "p" * 300})),
                )
                connection.execute(
                    "INSERT INTO subscriptions VALUES (%s, 'p', %s) "
                    "ON CONFLICT (customer_id, product) DO UPDATE SET data = excluded.data",
                    (c, Jsonb({"padding": "p" * 300})),
                )
                with connection.cursor() as cursor:
                    cursor.executemany(
                        "INSERT INTO outbox (key, collaboration_id, step, status, next_attempt_at, data) VALUES (%s, %s, %s, 'pending', now(), %s)",
                        [(f"{k}:{s}", k, s, Jsonb({"padding": "p" * 300})) for s in range(EFFECTS)],
                    )
                connection.execute("COMMIT")

    return work


def _seed_postgres(admin: Any, count: int, document: Callable[[int], dict[str, Any]]) -> None:
    """An office ``o``, ``count`` customers ``c<n>`` and an active collaboration ``k<n>`` of
    each, the collaboration's document made by ``document(n)``."""
    from psycopg.types.json import Jsonb

    admin.execute("INSERT INTO offices VALUES ('o', %s)", (Jsonb({"id": "o"}),))
    with admin.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO customers VALUES (%s, %s, 0, %s)",
            [(f"c{n}", f"{n:06d}", Jsonb({"n": n, "padding": "p" * 300})) for n in range(count)],
        )
        cursor.executemany(
            "INSERT INTO collaborations VALUES (%s, 'o', %s, %s, 'p', 'active', now(), 0, %s)",
            [(f"k{n}", f"c{n}", f"{n:06d}", Jsonb(document(n))) for n in range(count)],
        )


def postgres_end_floor(dsn: str, count: int, workers: int) -> float:
    """Ends per second by hand, in ``workers`` processes: the same reads and
    writes as collabcore's end, in three round trips: the collaboration read before the
    transaction, then (pipelined) the customer locked and everything read, then every write
    and the commit."""

    schema, admin = _pg_schema(dsn)
    _seed_postgres(admin, count, lambda n: {"n": n, "padding": "p" * 300})

    elapsed = in_processes(
        _end_floor_worker, [(dsn, schema, list(range(i, count, workers))) for i in range(workers)]
    )
    ended = admin.execute("SELECT count(*) FROM collaborations WHERE status = 'ended'").fetchone()[0]
    assert ended == count, ended
    admin.execute(f"DROP SCHEMA {schema} CASCADE")
    admin.close()
    return count / elapsed


def _smallest_end_floor_worker(dsn: str, schema: str, ids: list[int]) -> Any:
    connection = _pg_connect(dsn, schema)
    read = SMALLEST_READ.replace("?", "%s") + " FOR UPDATE"
    update = UPDATE_GUARDED.replace("?", "%s").replace("data = %s", "data = %s::jsonb")
    event = INSERT_EVENT.replace("?", "%s").replace("%s)", "%s::jsonb)")
    key = INSERT_KEY.replace("?", "%s").replace("%s)", "%s::jsonb)")
    outbox = INSERT_OUTBOX.replace("?", "%s").replace("%s)", "%s::jsonb)")

    def work() -> None:
        for n in ids:
            k = f"k{n}"
            now = datetime.now(UTC)
            # Round trip 1: the transaction opened and the row read, locked.
            with connection.pipeline():
                connection.execute("BEGIN")
                cursor = connection.execute(read, (k,))
            row = cursor.fetchone()
            _decoded(row)
            # Round trip 2: every write and the commit. The row is locked, so the version
            # guard holds; a hand-written end checks it all the same.
            with connection.pipeline():
                changed = connection.execute(update, (row[5] + 1, ENDED_TEXT, k, row[5]))
                connection.execute(event, (row[2], now, EVENT_TEXT))
                connection.execute(
                    key, ("office:o", f"key-{n}", f"end|{k}|office|o|admin|deactivate", now, RECORD_TEXT)
                )
                with connection.cursor() as many:
                    many.executemany(outbox, _outbox_rows(k, now))
                connection.execute("COMMIT")
            if changed.rowcount != 1:
                raise RuntimeError(f"{k} changed since it was read")

    return work


def postgres_smallest_end_floor(dsn: str, count: int, workers: int) -> float:
    """Ends per second by hand, in ``workers`` processes, for the smallest honest end on
    PostgreSQL: the statements of :func:`sqlite_smallest_end_floor` (the row read ``FOR
    UPDATE``), pipelined into the two round trips a read-then-write needs: the
    transaction opened with the read, then every write with the ``COMMIT``."""

    schema, admin = _pg_schema(dsn)
    _seed_postgres(admin, count, collaboration_doc)
    elapsed = in_processes(
        _smallest_end_floor_worker, [(dsn, schema, list(range(i, count, workers))) for i in range(workers)]
    )
    ended = admin.execute("SELECT count(*) FROM collaborations WHERE status = 'ended'").fetchone()[0]
    assert ended == count, ended
    admin.execute(f"DROP SCHEMA {schema} CASCADE")
    admin.close()
    return count / elapsed


def postgres_relay_floor(dsn: str, effects: int, workers: int) -> float:
    """Effects per second for a bare claim-and-mark loop with FOR UPDATE SKIP LOCKED."""
    import psycopg
    from psycopg.types.json import Jsonb

    schema, admin = _pg_schema(dsn)
    with admin.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO outbox (key, collaboration_id, step, status, next_attempt_at, data) VALUES (%s, %s, 1, 'pending', now(), %s)",
            [(f"e{n}", f"k{n}", Jsonb({})) for n in range(effects)],
        )
    done = [0] * workers

    def work(i: int) -> None:
        with psycopg.connect(dsn, options=f"-c search_path={schema}") as connection:
            while True:
                row = connection.execute(
                    "SELECT key FROM outbox WHERE status = 'pending' AND next_attempt_at <= now() "
                    "ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED"
                ).fetchone()
                if row is None:
                    connection.commit()
                    return
                connection.execute("UPDATE outbox SET status = 'done' WHERE key = %s", (row[0],))
                connection.commit()
                done[i] += 1

    elapsed = in_threads(work, [(i,) for i in range(workers)])
    admin.execute(f"DROP SCHEMA {schema} CASCADE")
    admin.close()
    return sum(done) / elapsed


# --- memory --------------------------------------------------------------------------------


class BareCollaboration:
    __slots__ = (
        "customer_id",
        "ended_at",
        "ended_by",
        "id",
        "invoice_recipient",
        "office_id",
        "outcome",
        "product",
        "started_at",
        "status",
        "variant",
        "version",
    )

    def __init__(self, id: str, office_id: str, customer_id: str, product: str, started_at: datetime) -> None:
        self.id, self.office_id, self.customer_id, self.product = id, office_id, customer_id, product
        self.started_at, self.variant, self.invoice_recipient = started_at, None, "office"
        self.status, self.ended_at, self.ended_by, self.outcome, self.version = "active", None, None, None, 0


def bare_slotted_bytes(count: int) -> float:
    """Bytes per collaboration held as a bare slotted object in a dict by id."""
    now = datetime.now(UTC)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    held = {
        f"k{n:07d}": BareCollaboration(f"k{n:07d}", "office-1", "c", "bookkeeping", now) for n in range(count)
    }
    size = (tracemalloc.get_traced_memory()[0] - before) / count
    tracemalloc.stop()
    assert len(held) == count
    return size
