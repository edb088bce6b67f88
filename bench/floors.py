"""The floors and peers collabcore is measured against, written by hand.

Each floor does the same database work as collabcore's operation — the same
reads, the version-checked update, the event and outbox inserts, the commit —
with prepared JSON and no validation, rules or texts: what the database
itself costs.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import threading
import time
import tracemalloc
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import collabcore as cc
from collabcore.adapters import postgres as pg_adapter

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


# --- SQLite ----------------------------------------------------------------------------


def _sqlite(path: Path, synchronous: str = "FULL") -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute(f"PRAGMA synchronous = {synchronous}")
    return connection


def _schema_sqlite(connection: sqlite3.Connection) -> None:
    connection.executescript(
        "CREATE TABLE collaborations (id TEXT PRIMARY KEY, customer_id TEXT, status TEXT, version INT, data TEXT);"
        "CREATE INDEX ca ON collaborations (customer_id) WHERE status = 'active';"
        "CREATE TABLE customers (id TEXT PRIMARY KEY, data TEXT);"
        "CREATE TABLE offices (id TEXT PRIMARY KEY, data TEXT);"
        "CREATE TABLE subscriptions (customer_id TEXT, product TEXT, data TEXT, PRIMARY KEY (customer_id, product));"
        "CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, customer_id TEXT, data TEXT);"
        "CREATE TABLE outbox (key TEXT PRIMARY KEY, collaboration_id TEXT, step INT, status TEXT, data TEXT);"
    )


def sqlite_end_floor(path: Path, count: int) -> list[float]:
    """Seconds per end, the same transaction shape as CollaborationService.end."""
    connection = _sqlite(path)
    _schema_sqlite(connection)
    connection.execute("INSERT INTO offices VALUES ('o', ?)", (DOC,))
    connection.execute("BEGIN")
    for n in range(count):
        connection.execute("INSERT INTO customers VALUES (?, ?)", (f"c{n}", DOC))
        connection.execute(
            "INSERT INTO collaborations VALUES (?, ?, 'active', 0, ?)", (f"k{n}", f"c{n}", DOC)
        )
    connection.execute("COMMIT")
    samples = []
    for n in range(count):
        start = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        json.loads(
            connection.execute("SELECT data FROM collaborations WHERE id = ?", (f"k{n}",)).fetchone()[0]
        )
        json.loads(connection.execute("SELECT data FROM customers WHERE id = ?", (f"c{n}",)).fetchone()[0])
        json.loads(connection.execute("SELECT data FROM offices WHERE id = 'o'").fetchone()[0])
        connection.execute(
            "SELECT data FROM collaborations WHERE customer_id = ? AND status = 'active'", (f"c{n}",)
        ).fetchall()
        connection.execute(
            "SELECT data FROM subscriptions WHERE customer_id = ? AND product = 'p'", (f"c{n}",)
        )
        updated = connection.execute(
            "UPDATE collaborations SET status = 'ended', version = 1, data = ? WHERE id = ? AND version = 0",
            (DOC, f"k{n}"),
        )
        assert updated.rowcount == 1
        connection.execute("INSERT INTO events (customer_id, data) VALUES (?, ?)", (f"c{n}", DOC))
        connection.execute(
            "INSERT INTO subscriptions VALUES (?, 'p', ?) ON CONFLICT DO UPDATE SET data = excluded.data",
            (f"c{n}", DOC),
        )
        connection.executemany(
            "INSERT INTO outbox VALUES (?, ?, ?, 'pending', ?)",
            [(f"k{n}:{s}", f"k{n}", s, DOC) for s in range(EFFECTS)],
        )
        connection.execute("COMMIT")
        samples.append(time.perf_counter() - start)
    connection.close()
    return samples


def sqlite_overview_floor(path: Path, middle: cc.OverviewCursor) -> tuple[float, float]:
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
    """Seconds to end ``count`` collaborations in batches, by hand."""
    connection = _sqlite(path, "NORMAL")
    _schema_sqlite(connection)
    connection.execute("BEGIN")
    for n in range(count):
        connection.execute(
            "INSERT INTO collaborations VALUES (?, ?, 'active', 0, ?)", (f"k{n}", f"c{n}", DOC)
        )
    connection.execute("COMMIT")
    start = time.perf_counter()
    for first in range(0, count, batch):
        ids = [f"k{n}" for n in range(first, min(first + batch, count))]
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(
            "UPDATE collaborations SET status = 'ended', version = 1, data = ? WHERE id = ? AND version = 0",
            [(DOC, i) for i in ids],
        )
        connection.executemany(
            "INSERT INTO events (customer_id, data) VALUES (?, ?)", [(i, DOC) for i in ids]
        )
        connection.executemany(
            "INSERT INTO outbox VALUES (?, ?, ?, 'pending', ?)",
            [(f"{i}:{s}", i, s, DOC) for i in ids for s in range(EFFECTS)],
        )
        connection.execute("COMMIT")
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
    import psycopg

    schema = f"floor_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(dsn, autocommit=True)
    admin.execute(f"CREATE SCHEMA {schema}")
    admin.execute(
        f"CREATE TABLE {schema}.collaborations (id text PRIMARY KEY, customer_id text, status text, "
        "version int, data jsonb)"
    )
    admin.execute(f"CREATE TABLE {schema}.customers (id text PRIMARY KEY, data jsonb)")
    admin.execute(
        f"CREATE TABLE {schema}.events (seq bigint GENERATED ALWAYS AS IDENTITY, customer_id text, data jsonb)"
    )
    admin.execute(
        f"CREATE TABLE {schema}.outbox (key text PRIMARY KEY, collaboration_id text, step int, status text, "
        "next_attempt_at timestamptz, data jsonb)"
    )
    return schema, admin


def postgres_end_floor(dsn: str, count: int, workers: int) -> float:
    """Ends per second with the end's transaction shape, by hand, on ``workers`` connections."""
    import psycopg
    from psycopg.types.json import Jsonb

    schema, admin = _pg_schema(dsn)
    with admin.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {schema}.customers VALUES (%s, %s)",
            [(f"c{n}", Jsonb({"n": n})) for n in range(count)],
        )
        cursor.executemany(
            f"INSERT INTO {schema}.collaborations VALUES (%s, %s, 'active', 0, %s)",
            [(f"k{n}", f"c{n}", Jsonb({"n": n})) for n in range(count)],
        )

    def work(ids: list[int]) -> None:
        with psycopg.connect(dsn) as connection:
            for n in ids:
                connection.execute(
                    f"SELECT data FROM {schema}.collaborations WHERE id = %s FOR UPDATE", (f"k{n}",)
                ).fetchone()
                connection.execute(
                    f"SELECT data FROM {schema}.customers WHERE id = %s", (f"c{n}",)
                ).fetchone()
                connection.execute(
                    f"UPDATE {schema}.collaborations SET status = 'ended', version = 1, data = %s WHERE id = %s AND version = 0",
                    (Jsonb({"ended": True}), f"k{n}"),
                )
                connection.execute(
                    f"INSERT INTO {schema}.events (customer_id, data) VALUES (%s, %s)", (f"c{n}", Jsonb({}))
                )
                with connection.cursor() as cursor:
                    cursor.executemany(
                        f"INSERT INTO {schema}.outbox VALUES (%s, %s, %s, 'pending', now(), %s)",
                        [(f"k{n}:{s}", f"k{n}", s, Jsonb({})) for s in range(EFFECTS)],
                    )
                connection.commit()

    elapsed = in_threads(work, [(list(range(i, count, workers)),) for i in range(workers)])
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
            f"INSERT INTO {schema}.outbox VALUES (%s, %s, 1, 'pending', now(), %s)",
            [(f"e{n}", f"k{n}", Jsonb({})) for n in range(effects)],
        )
    done = [0] * workers

    def work(i: int) -> None:
        with psycopg.connect(dsn) as connection:
            while True:
                row = connection.execute(
                    f"SELECT key FROM {schema}.outbox WHERE status = 'pending' AND next_attempt_at <= now() "
                    "ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED"
                ).fetchone()
                if row is None:
                    connection.commit()
                    return
                connection.execute(f"UPDATE {schema}.outbox SET status = 'done' WHERE key = %s", (row[0],))
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
