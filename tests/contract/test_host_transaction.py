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
