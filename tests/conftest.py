"""Shared fixtures: where PostgreSQL is, read once per session and only on request."""

from __future__ import annotations

import os
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import collabcore as cc
from collabcore.testing import World

DSN_VARIABLE = "COLLABCORE_TEST_POSTGRES_DSN"

# The example web host is imported as the package ``web_host`` (its modules import each other
# relatively), as ``python examples/web_host`` runs it and as mypy names it: one name, so one
# copy of its modules in the test process.
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

pytest_plugins = ["pytester"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def file_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A store on a real database: a SQLite file, then a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        made: Any = cc.SQLiteStore(tmp_path / "store.db")
    else:
        made = cc.PostgresStore(
            request.getfixturevalue("postgres_dsn"),
            schema=request.getfixturevalue("postgres_schema"),
            max_size=4,
        )
    yield made
    made.close()


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    dsn = os.environ.get(DSN_VARIABLE)
    if not dsn:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: set {DSN_VARIABLE} (.ci/run does).")
        pytest.skip(
            f"PostgreSQL tests skipped: set {DSN_VARIABLE}=postgresql://user@host:5432/db to run them."
        )
    return dsn


def new_schema() -> str:
    return f"t_{uuid.uuid4().hex[:16]}"


@pytest.fixture
def world() -> World:
    return World()


HostModule = Callable[[str, str], str]


@pytest.fixture
def host_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> HostModule:
    """Writes a host's module (its rules, its words) where ``module:attribute`` finds it,
    as the command line is given them; returns the module's name."""
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(name: str, source: str) -> str:
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        return name

    return write


@pytest.fixture
def postgres_schema(postgres_dsn: str) -> Iterator[str]:
    """A fresh schema, dropped afterwards, so PostgreSQL tests never see each other."""
    import psycopg

    schema = new_schema()
    yield schema
    # Straight through the driver: a store would refuse a schema a test left broken.
    with psycopg.connect(postgres_dsn, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
