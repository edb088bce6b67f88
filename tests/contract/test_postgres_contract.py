from collections.abc import Iterator
from pathlib import Path

import pytest

from collabcore.ports import Store
from collabcore.testing import StoreContract

pytestmark = pytest.mark.postgres


class TestPostgresStore(StoreContract):
    @pytest.fixture(autouse=True)
    def _server(self, postgres_dsn: str, postgres_schema: str) -> Iterator[None]:
        self.dsn, self.schema = postgres_dsn, postgres_schema
        yield

    def make_store(self, tmp_path: Path) -> Store:
        from collabcore.adapters.postgres import PostgresStore

        return PostgresStore(self.dsn, schema=self.schema, max_size=4)
