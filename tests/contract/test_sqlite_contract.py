from pathlib import Path

from collabcore.adapters.sqlite import SQLiteStore
from collabcore.ports import Store
from collabcore.testing import StoreContract


class TestSQLiteStore(StoreContract):
    def make_store(self, tmp_path: Path) -> Store:
        return SQLiteStore(tmp_path / "contract.db")
