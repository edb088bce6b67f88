"""The host's own transaction on SQLite and on PostgreSQL."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from collabcore.adapters.sqlite import SQLiteStore
from collabcore.ports import Store
from collabcore.testing.host_transaction import Host, HostTransactionContract, PostgresHost, SQLiteHost


class TestSQLiteHostTransaction(HostTransactionContract):
    def make_store(self, tmp_path: Path) -> Store:
        return SQLiteStore(tmp_path / "host.db")

    def make_host(self, store: Store) -> Host:
        assert isinstance(store, SQLiteStore)
        return SQLiteHost(store.path)


@pytest.mark.postgres
class TestPostgresHostTransaction(HostTransactionContract):
    @pytest.fixture(autouse=True)
    def _server(self, postgres_dsn: str, postgres_schema: str) -> Iterator[None]:
        self.dsn, self.schema = postgres_dsn, postgres_schema
        yield

    def make_store(self, tmp_path: Path) -> Store:
        from collabcore.adapters.postgres import PostgresStore

        return PostgresStore(self.dsn, schema=self.schema, max_size=4)

    def make_host(self, store: Any) -> Host:
        return PostgresHost(self.dsn, self.schema)


def test_a_connection_to_another_database_or_no_connection_is_refused(tmp_path: Path) -> None:
    import sqlite3

    import collabcore as cc
    from collabcore.domain.errors import ConfigurationError, InvalidInput

    service = cc.CollaborationService(SQLiteStore(tmp_path / "ours.db"))
    other = sqlite3.connect(tmp_path / "theirs.db")
    with pytest.raises(InvalidInput, match="not to this store's database"):
        service.within(other)
    with pytest.raises(InvalidInput, match=r"must be a sqlite3\.Connection"):
        service.within("ours.db")
    with pytest.raises(ConfigurationError, match="cannot work in a host's transaction"):
        cc.CollaborationService(cc.MemoryStore()).within(other)


@pytest.mark.postgres
def test_a_postgres_connection_without_collabcores_schema_is_told_so(
    postgres_dsn: str, postgres_schema: str
) -> None:
    import psycopg

    import collabcore as cc
    from collabcore.adapters.postgres import PostgresStore
    from collabcore.domain.errors import ConfigurationError

    store = PostgresStore(postgres_dsn, schema=postgres_schema, max_size=2)
    service = cc.CollaborationService(store)
    store.drop_schema()  # as if the host's connection were to another database
    with psycopg.connect(postgres_dsn) as connection, connection.transaction():
        with pytest.raises(ConfigurationError, match="without collabcore's schema"):
            service.within(connection).overview("office-1", actor=cc.Actor.office("office-1", "u"))
        # The host's transaction is still usable: only collabcore's savepoint was undone.
        assert connection.execute("SELECT 1").fetchone() == (1,)
    store.close()


@pytest.mark.postgres
def test_psycopgs_own_transaction_blocks_carry_collabcore_along(
    postgres_dsn: str, postgres_schema: str
) -> None:
    """The way psycopg users write it: a connection out of autocommit, `with transaction()`."""
    import psycopg

    import collabcore as cc
    from collabcore.adapters.postgres import PostgresStore
    from collabcore.testing import World

    world = World(PostgresStore(postgres_dsn, schema=postgres_schema, max_size=2))
    expenses, payroll = world.setup(cc.EXPENSES, cc.PAYROLL)
    admin = world.customer_admin()
    with psycopg.connect(postgres_dsn) as connection:
        with pytest.raises(RuntimeError), connection.transaction():
            world.service.within(connection).end(expenses.id, actor=admin, outcome="customer_continues")
            raise RuntimeError("the host fails after collabcore's part")
        with connection.transaction():
            world.service.within(connection).end(payroll.id, actor=admin, outcome="end_subscription")
        # Without a transaction block, psycopg begins one itself: the host commits it.
        world.service.within(connection).end(
            expenses.id, actor=admin, outcome="delete", confirm_deletion=True
        )
        connection.commit()
    statuses = [world.service.get_collaboration(c.id, actor=admin).status.value for c in (expenses, payroll)]
    assert statuses == ["ended", "ended"]
    assert world.service.get_collaboration(expenses.id, actor=admin).outcome is cc.Outcome.DELETE
    world.store.close()
