"""collabcore's pytest plugin: loaded by pytest itself (the ``pytest11`` entry point) once
collabcore is installed, so a host's tests use these fixtures without an import.

- ``collabcore_world``: a fresh :class:`~collabcore.testing.World` (memory store, manual
  clock, fake integrations), with nothing registered yet.
- ``collabcore_service``: the world's service, with an office and a customer registered.
- ``collabcore_fakes``: the world's :class:`~collabcore.testing.FakeIntegrations`.
- ``collabcore_clock``: the world's :class:`~collabcore.testing.ManualClock`.
- ``collabcore_memory_store``, ``collabcore_sqlite_store`` (a new file in ``tmp_path``),
  ``collabcore_postgres_store`` (a fresh schema, dropped afterwards; skipped unless
  ``COLLABCORE_TEST_POSTGRES_DSN`` or the ini option ``collabcore_postgres_dsn`` names a
  database), and ``collabcore_store``, which runs a test on each of the three.
- ``collabcore_scenario``: :func:`collabcore.explore.scenario`, for one-line scenarios.

The store contract runs on a host's own store without a test module: name a function
that makes a new, empty store from a temporary folder, in the ini file
(``collabcore_store = myhost.storage:make_store``) or on the command line
(``--collabcore-store myhost.storage:make_store``), and every test of
:class:`~collabcore.testing.StoreContract` is collected with the host's own tests.

Turn the plugin off with ``-p no:collabcore``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from collabcore.adapters.memory import MemoryStore
from collabcore.adapters.sqlite import SQLiteStore
from collabcore.app.service import CollaborationService
from collabcore.ports import Store
from collabcore.testing.fakes import FakeIntegrations
from collabcore.testing.store_option import STORE_OPTION, store_factory
from collabcore.testing.world import ManualClock, World

DSN_VARIABLE = "COLLABCORE_TEST_POSTGRES_DSN"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        STORE_OPTION, "module:function that makes a new store from a folder; runs the store contract"
    )
    parser.addini("collabcore_postgres_dsn", "a PostgreSQL database for collabcore_postgres_store")
    group = parser.getgroup("collabcore")
    group.addoption(
        "--collabcore-store",
        dest=STORE_OPTION,
        metavar="MODULE:FUNCTION",
        help="run collabcore's store contract on the store this function makes from a folder",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    # First, so that -k and -m select among the contract's tests as among the host's own.
    if store_factory(config) is None:
        return
    from collabcore.testing import contract_suite

    module = pytest.Module.from_parent(session, path=Path(contract_suite.__file__))
    items.extend(_items(module))


def _items(node: pytest.Collector) -> Iterator[pytest.Item]:
    for child in node.collect():
        if isinstance(child, pytest.Item):
            yield child
        else:
            yield from _items(child)


@pytest.fixture
def collabcore_world() -> World:
    return World()


@pytest.fixture
def collabcore_service(collabcore_world: World) -> CollaborationService:
    collabcore_world.office()
    collabcore_world.customer()
    return collabcore_world.service


@pytest.fixture
def collabcore_fakes(collabcore_world: World) -> FakeIntegrations:
    return collabcore_world.fakes


@pytest.fixture
def collabcore_clock(collabcore_world: World) -> ManualClock:
    return collabcore_world.clock


@pytest.fixture
def collabcore_scenario() -> Callable[..., Any]:
    from collabcore.tools.explore import scenario

    return scenario


@pytest.fixture
def collabcore_memory_store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def collabcore_sqlite_store(tmp_path: Path) -> Iterator[SQLiteStore]:
    store = SQLiteStore(tmp_path / "collabcore.db")
    yield store
    store.close()


@pytest.fixture
def collabcore_postgres_dsn(request: pytest.FixtureRequest) -> str:
    dsn = os.environ.get(DSN_VARIABLE) or str(request.config.getini("collabcore_postgres_dsn") or "")
    if not dsn:
        pytest.skip(f"collabcore's PostgreSQL fixtures need a database: set {DSN_VARIABLE}=postgresql://...")
    return dsn


@pytest.fixture
def collabcore_postgres_store(collabcore_postgres_dsn: str) -> Iterator[Store]:
    from collabcore.adapters.postgres import PostgresStore

    schema = f"collabcore_test_{uuid.uuid4().hex[:12]}"
    store = PostgresStore(collabcore_postgres_dsn, schema=schema, max_size=4)
    try:
        yield store
    finally:
        store.drop_schema()
        store.close()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def collabcore_store(request: pytest.FixtureRequest) -> Store:
    """The test runs once on each shipped store (PostgreSQL only where there is one)."""
    store: Store = request.getfixturevalue(f"collabcore_{request.param}_store")
    return store
