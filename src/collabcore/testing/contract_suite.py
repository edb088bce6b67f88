"""The store contract on the host's store named by ``collabcore_store`` (see
:mod:`collabcore.testing.plugin`, which collects this module when it is set)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from collabcore.ports import Store
from collabcore.testing.contract import StoreContract
from collabcore.testing.store_option import store_factory


class TestHostStoreContract(StoreContract):
    make: Callable[[Path], Store]

    @pytest.fixture(autouse=True)
    def _host_factory(self, request: pytest.FixtureRequest) -> None:
        maker = store_factory(request.config)
        assert maker is not None, "collected only when collabcore_store names a function"
        self.make = maker

    def make_store(self, tmp_path: Path) -> Store:
        return self.make(tmp_path)
