"""Bad data at the storage edge, on the real SQLite file and PostgreSQL server."""

from __future__ import annotations

import sqlite3
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
    with pytest.raises(SchemaVersionError, match=r"schema version 99.*up to 2"):
        cc.SQLiteStore(path)


def test_sqlite_reopens_an_existing_file_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "again.db"
    first = World(cc.SQLiteStore(path))
    (collab,) = first.setup(cc.PAYROLL)
    first.store.close()
    store = cc.SQLiteStore(path)
    assert store.schema_version() == 2
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
    with pytest.raises(SchemaVersionError, match=r"schema version 7.*up to 2"):
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
