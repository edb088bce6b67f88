"""Bad data at the storage edge, on the real SQLite file and PostgreSQL server."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import collabcore as cc
from collabcore.domain import CorruptRecord, OverviewCursor, SchemaVersionError
from collabcore.testing import World


def test_sqlite_refuses_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    cc.SQLiteStore(path).close()
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE collabcore_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(SchemaVersionError, match=r"schema version 99.*up to 3"):
        cc.SQLiteStore(path)


def test_sqlite_reopens_an_existing_file_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "again.db"
    first = World(cc.SQLiteStore(path))
    (collab,) = first.setup(cc.PAYROLL)
    first.store.close()
    store = cc.SQLiteStore(path)
    assert store.schema_version() == 3
    with store.transaction(write=False) as uow:
        assert uow.get_collaboration(collab.id) == collab
    store.close()


def test_sqlite_corrupt_row_names_table_and_key(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    world = World(cc.SQLiteStore(path))
    (collab,) = world.setup(cc.BOOKKEEPING)
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE collaborations SET data = '{\"id\": 5}' WHERE id = ?", (collab.id,))
    with pytest.raises(CorruptRecord, match=f"'{collab.id}' of table collaborations"):
        world.service.plan_end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.DEACTIVATE)
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE customers SET data = 'not json' WHERE id = 'customer-1'")
    with pytest.raises(CorruptRecord, match="customers"):
        world.service.overview("office-1", actor=world.office_admin())


def test_sqlite_memory_path_is_refused() -> None:
    with pytest.raises(cc.InvalidInput, match="MemoryStore"):
        cc.SQLiteStore(":memory:")


def test_sqlite_unwritable_folder_is_a_storage_error(tmp_path: Path) -> None:
    with pytest.raises(cc.StorageError, match="Cannot create"):
        cc.SQLiteStore(tmp_path / "missing-folder" / "x.db")


def test_a_failing_commit_leaves_nothing_half_written(tmp_path: Path) -> None:
    """The end's outbox insert fails: the collaboration is not ended either."""
    path = tmp_path / "half.db"
    world = World(cc.SQLiteStore(path))
    (collab,) = world.setup(cc.EXPENSES)
    with sqlite3.connect(path) as raw:
        raw.execute(
            "CREATE TRIGGER refuse_outbox BEFORE INSERT ON outbox "
            "BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
        )
    with pytest.raises(cc.StorageError, match="disk says no"):
        world.service.end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES)
    with world.store.transaction(write=False) as uow:
        assert uow.get_collaboration(collab.id) == collab
        assert uow.outbox() == []
    assert [type(e).__name__ for e in world.service.events_of_customer("customer-1")] == [
        "CollaborationStarted"
    ]


@pytest.mark.postgres
def test_postgres_refuses_a_newer_schema_and_reads_corrupt_rows_safely(
    postgres_dsn: str, postgres_schema: str
) -> None:
    from collabcore.adapters.postgres import PostgresStore

    store = PostgresStore(postgres_dsn, schema=postgres_schema)
    world = World(store)
    (collab,) = world.setup(cc.BOOKKEEPING)
    with store.transaction() as uow:
        uow._execute("UPDATE collaborations SET data = '{\"id\": 5}'::jsonb WHERE id = ?", (collab.id,))
        uow._execute("UPDATE collabcore_meta SET value = '7' WHERE key = 'schema_version'")
        uow.commit()
    with pytest.raises(CorruptRecord, match="collaborations"):
        world.service.plan_end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.DEACTIVATE)
    store.close()
    with pytest.raises(SchemaVersionError, match=r"schema version 7.*up to 3"):
        PostgresStore(postgres_dsn, schema=postgres_schema)


def test_postgres_unreachable_server_is_a_storage_error() -> None:
    from collabcore.adapters.postgres import PostgresStore

    with pytest.raises(cc.StorageError, match="Cannot connect"):
        PostgresStore("postgresql://nobody@127.0.0.1:1/none", timeout=1)


def test_sqlite_overview_page_reads_through_the_index(tmp_path: Path) -> None:
    """Every statement of a keyset page searches an index; none scans the office's rows."""
    store = cc.SQLiteStore(tmp_path / "plan.db")
    world = World(store)
    world.office()
    for n in range(5):
        world.customer(f"c{n}", number=f"{n:04d}")
        world.collaboration(cc.BOOKKEEPING, customer_id=f"c{n}")
    statements: list[tuple[str, object]] = []
    with store.transaction(write=False) as uow:
        original = uow._execute

        def capture(sql: str, params: object = ()) -> object:
            statements.append((sql, params))
            return original(sql, params)  # type: ignore[arg-type]

        uow._execute = capture  # type: ignore[method-assign]
        page = uow.overview("office-1", after=OverviewCursor("0001", "c1"), limit=2)
        plans = [
            " | ".join(str(row[-1]) for row in original("EXPLAIN QUERY PLAN " + sql, params).fetchall())  # type: ignore[arg-type]
            for sql, params in statements
        ]
    assert [i.customer.id for i in page] == ["c2", "c3"]
    assert len(statements) == 3, "a page costs three statements, whatever the office's size"
    assert "collaborations_active_office (office_id=? AND (customer_number,customer_id)>(?,?))" in plans[0]
    # The page's collaborations are found by customer, not by walking the whole office.
    assert "collaborations_active_customer (customer_id=?)" in plans[2], plans[2]
    assert all("SCAN collaborations" not in plan and "SCAN customers" not in plan for plan in plans), plans
    world.store.close()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_sqlite_refuses_an_empty_file_unless_asked_to_create(tmp_path: Path) -> None:
    path = tmp_path / "truncated.db"
    path.write_bytes(b"")
    with pytest.raises(cc.StorageError, match="empty file, not a collabcore database") as refused:
        cc.SQLiteStore(path)
    assert "create=True" in (refused.value.hint or "")
    assert _files(tmp_path) == {"truncated.db": b""}, "a refused file is left exactly as it was"
    store = cc.SQLiteStore(path, create=True)
    assert store.schema_version() == 3
    store.close()
    cc.SQLiteStore(path).close()  # now it is a collabcore database


def test_sqlite_refuses_a_foreign_database_without_touching_it(tmp_path: Path) -> None:
    clashing, other = tmp_path / "app.db", tmp_path / "other.db"
    for path, table in ((clashing, "offices"), (other, "invoices")):
        with sqlite3.connect(path) as raw:
            raw.execute(f"CREATE TABLE {table} (id INTEGER)")
    before = _files(tmp_path)
    with pytest.raises(
        cc.StorageError, match="not a collabcore database: it has tables of its own named offices"
    ):
        cc.SQLiteStore(clashing, create=True)
    with pytest.raises(cc.StorageError, match=r"not a collabcore database .*invoices"):
        cc.SQLiteStore(other)
    assert _files(tmp_path) == before, "not even switched to WAL"
    store = cc.SQLiteStore(other, create=True)  # asked for: collabcore's tables beside the host's
    store.close()
    with sqlite3.connect(other) as raw:
        assert raw.execute("SELECT count(*) FROM invoices").fetchone() == (0,)


def test_sqlite_refuses_a_file_that_is_not_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("dear diary")
    with pytest.raises(cc.StorageError, match="not an SQLite database"):
        cc.SQLiteStore(path, create=True)
    assert path.read_text() == "dear diary"


def test_sqlite_says_a_locked_database_is_locked(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    cc.SQLiteStore(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(cc.StorageError, match="is locked by another connection") as refused:
            cc.SQLiteStore(path, timeout=0.1)
        assert "folder" not in str(refused.value)
    finally:
        holder.close()


def test_sqlite_a_new_database_appears_whole_to_racing_openers(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    stores: list[cc.SQLiteStore] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def open_it() -> None:
        barrier.wait()
        try:
            stores.append(cc.SQLiteStore(path))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and len(stores) == 6
    assert {p.name for p in tmp_path.iterdir()} <= {"new.db", "new.db-wal", "new.db-shm"}, "no drafts left"
    for store in stores:
        assert store.schema_version() == 3
        store.close()


@pytest.mark.parametrize("limit", [0, -1, 10_001, 2**70, "5", None, 1.5, True])
def test_run_once_limit_means_the_same_on_every_store(limit: object, tmp_path: Path) -> None:
    for store in (cc.MemoryStore(), cc.SQLiteStore(tmp_path / "limit.db")):
        world = World(store)
        with pytest.raises(cc.InvalidInput) as bad:
            world.relay().run_once(limit=limit)  # type: ignore[arg-type]
        assert bad.value.path == "limit"
        store.close()


def test_integers_beyond_what_a_store_keeps_are_refused_at_the_door(tmp_path: Path) -> None:
    world = World(cc.SQLiteStore(tmp_path / "big.db"))
    (collab,) = world.setup(cc.PAYROLL)
    for too_big in (2**31, 2**63, 2**70):
        with pytest.raises(cc.InvalidInput):
            cc.Customer("c-big", "1", "Big", version=too_big)
        with pytest.raises(cc.InvalidInput) as bad:
            world.service.end(
                collab.id,
                actor=world.office_admin(),
                outcome=cc.Outcome.END_SUBSCRIPTION,
                expected_version=too_big,
            )
        assert bad.value.path == "expected_version"


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("dsn_of", "says"),
    [
        (lambda d: d.rsplit("@", 1)[0] + "@127.0.0.1:1/test", "Connection refused"),
        (
            lambda d: d.rsplit("/", 1)[0] + "/no_such_database_here",
            'database "no_such_database_here" does not exist',
        ),
        (lambda d: "postgresql://no_such_role@" + d.split("@", 1)[1], 'role "no_such_role" does not exist'),
    ],
)
def test_postgres_says_at_once_why_it_cannot_connect(
    postgres_dsn: str, dsn_of: Callable[[str], str], says: str
) -> None:
    from collabcore.adapters.postgres import PostgresStore

    started = time.monotonic()
    with pytest.raises(cc.StorageError, match="Cannot connect to PostgreSQL") as refused:
        PostgresStore(dsn_of(postgres_dsn), connect_timeout=2, timeout=30)
    assert says in str(refused.value)
    # Not a timed assertion of speed: the pool's own wait (30 s here) is never reached.
    assert time.monotonic() - started < 25


@pytest.mark.postgres
def test_postgres_pool_replaces_a_connection_killed_while_idle(
    postgres_dsn: str, postgres_schema: str
) -> None:
    import psycopg

    from collabcore.adapters.postgres import PostgresStore

    name = f"pool_{postgres_schema}"
    dsn = psycopg.conninfo.make_conninfo(postgres_dsn, application_name=name)
    store = PostgresStore(dsn, schema=postgres_schema, min_size=2, max_size=2)
    world = World(store)
    (collab,) = world.setup(cc.PAYROLL)
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s",
            (name,),
        ).fetchone()
    assert killed is not None and killed[0] >= 1, "the pool's idle connections were killed"
    for _ in range(4):  # every pooled connection is used at least once
        assert world.service.get_collaboration(collab.id, actor=world.office_admin()) == collab
    store.close()


@pytest.mark.parametrize(
    ("options", "path"),
    [
        ({"dsn": 5}, "dsn"),
        ({"dsn": ""}, "dsn"),
        ({"schema": "Robert'; DROP"}, "schema"),
        ({"schema": 7}, "schema"),
        ({"min_size": -1}, "min_size"),
        ({"max_size": 2**70}, "max_size"),
        ({"connect_timeout": 1}, "connect_timeout"),
        ({"timeout": "soon"}, "timeout"),
    ],
)
def test_postgres_store_checks_its_arguments_before_connecting(options: dict[str, object], path: str) -> None:
    from collabcore.adapters.postgres import PostgresStore

    arguments: dict[str, object] = {"dsn": "postgresql://nobody@127.0.0.1:1/none", **options}
    with pytest.raises(cc.InvalidInput) as bad:
        PostgresStore(**arguments)  # type: ignore[arg-type]
    assert bad.value.path == path


def test_sqlite_a_corrupt_file_raises_storage_errors_only(tmp_path: Path) -> None:
    """Pages near the end overwritten with garbage: the overview meets them while stepping
    through its rows, after the statement itself ran (sqlite3.DatabaseError escaped from
    that fetch in 0.1); every read that meets them is a StorageError."""
    path = tmp_path / "corrupt-pages.db"
    world = World(cc.SQLiteStore(path))
    world.office()
    boss = cc.CustomerUser("boss", "B" * 300, cc.Role.ADMINISTRATOR)
    for n in range(300):
        world.service.register_customer(
            cc.Customer(f"c{n}", f"{n:04d}", "N" * 400, (boss,), main_contact="boss")
        )
        world.collaboration(cc.BOOKKEEPING, customer_id=f"c{n}")
    world.store.close()
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    pages = len(data) // page
    for number in range(pages - 20, pages - 5):
        start = number * page
        data[start : start + page] = bytes((start + i) % 251 for i in range(page))
    path.write_bytes(bytes(data))
    reader = World(cc.SQLiteStore(path))
    with pytest.raises(cc.StorageError, match="malformed"):
        reader.service.overview("office-1", actor=reader.office_admin())
    with pytest.raises(cc.StorageError, match="malformed"):
        for n in range(1, 301):
            reader.service.get_collaboration(f"collab-{n}", actor=reader.office_admin())
    reader.store.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is not available here")
def test_a_forked_child_opens_its_own_sqlite_connection(tmp_path: Path) -> None:
    """SQLite connections must not cross a fork; the store counts forks instead of asking
    the process id on every transaction."""
    world = World(cc.SQLiteStore(tmp_path / "fork.db"))
    (collab,) = world.setup(cc.BOOKKEEPING)
    parent = world.store._connection()  # type: ignore[attr-defined]
    pid = os.fork()
    if pid == 0:  # the child: report through the exit code, never return into pytest
        code = 1
        try:
            child = world.store._connection()  # type: ignore[attr-defined]
            with world.store.transaction(write=False) as uow:
                found = uow.get_collaboration(collab.id)
            code = 0 if child is not parent and found == collab else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert world.store._connection() is parent  # type: ignore[attr-defined]
