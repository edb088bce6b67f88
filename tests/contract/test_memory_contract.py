from pathlib import Path

from collabcore.adapters.memory import MemoryStore
from collabcore.ports import Store
from collabcore.testing import StoreContract


class TestMemoryStore(StoreContract):
    def make_store(self, tmp_path: Path) -> Store:
        return MemoryStore()
