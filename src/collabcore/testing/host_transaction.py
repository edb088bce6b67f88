"""The host's own transaction: a contract for stores that offer ``joining(connection)``.

A host that keeps its own rows in the same database calls collabcore inside its
transaction (``service.within(connection)``); its rows, collabcore's rows and the
outbox then commit or roll back together, and the relay carries the effects out
once the host has committed. Subclass :class:`HostTransactionContract` with the
``store`` fixture (as for :class:`~collabcore.testing.StoreContract`) and a ``host``
fixture: a :class:`Host` on the same database. :class:`SQLiteHost` and
:class:`PostgresHost` are the two for the shipped stores.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest

from collabcore.app.service import CollaborationService
from collabcore.domain import EXPENSES, PAYROLL, Outcome
from collabcore.domain.errors import CollabCoreError, ConfigurationError
from collabcore.domain.refusals import EndRefused
from collabcore.ports import Store
from collabcore.testing.contract_base import StoreUnderTest, snapshot
from collabcore.testing.faults import Crash, FaultyStore
from collabcore.testing.world import World


class Host(Protocol):
    """The host's side: its connection, its transaction and one table of its own."""

    connection: Any

    def begin(self) -> None: ...

    def write(self, note: str) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def notes(self) -> list[str]:
        """The host's committed rows, read on a connection of their own."""
        ...

    def session(self) -> Any:
        """What of the connection's settings collabcore must leave as it found them."""
        ...

    def close(self) -> None: ...


class SQLiteHost:
    """A host with a table ``host_notes`` in the store's SQLite file."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.connection = sqlite3.connect(self.path, isolation_level=None)
        self.connection.execute("PRAGMA foreign_keys = ON")
        self.connection.execute("CREATE TABLE IF NOT EXISTS host_notes (note text NOT NULL)")

    def begin(self) -> None:
        self.connection.execute("BEGIN IMMEDIATE")

    def write(self, note: str) -> None:
        self.connection.execute("INSERT INTO host_notes (note) VALUES (?)", (note,))

    def commit(self) -> None:
        self.connection.execute("COMMIT")

    def rollback(self) -> None:
        self.connection.execute("ROLLBACK")

    def notes(self) -> list[str]:
        with sqlite3.connect(self.path) as other:
            return [row[0] for row in other.execute("SELECT note FROM host_notes ORDER BY rowid")]

    def session(self) -> Any:
        return self.connection.in_transaction, self.connection.execute("PRAGMA foreign_keys").fetchone()

    def close(self) -> None:
        self.connection.close()


class PostgresHost:
    """A host with its own schema and table (``<schema>_host.notes``) in the store's database;
    its search path names only its own schema."""

    def __init__(self, dsn: str, schema: str) -> None:
        import psycopg

        self.dsn = dsn
        self.table = f"{schema}_host.notes"
        self.connection = psycopg.connect(dsn, autocommit=True)
        self.connection.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}_host")
        self.connection.execute(f"CREATE TABLE IF NOT EXISTS {self.table} (note text NOT NULL, meta jsonb)")
        self.connection.execute(f"SET search_path = {schema}_host")
        self._schema = f"{schema}_host"

    def begin(self) -> None:
        self.connection.execute("BEGIN")

    def write(self, note: str) -> None:
        self.connection.execute("INSERT INTO notes (note, meta) VALUES (%s, '{\"a\": 1}')", (note,))

    def commit(self) -> None:
        self.connection.execute("COMMIT")

    def rollback(self) -> None:
        self.connection.execute("ROLLBACK")

    def notes(self) -> list[str]:
        import psycopg

        with psycopg.connect(self.dsn) as other:
            return [row[0] for row in other.execute(f"SELECT note FROM {self.table} ORDER BY note")]

    def session(self) -> Any:
        # The host's search path, and its jsonb still read as Python values (not text).
        path = self.connection.execute("SHOW search_path").fetchone()
        meta = self.connection.execute("SELECT '{\"a\": 1}'::jsonb").fetchone()
        return path, meta

    def close(self) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as other:
            other.execute(f"DROP SCHEMA IF EXISTS {self._schema} CASCADE")
        self.connection.close()


class HostTransactionContract(StoreUnderTest):
    """Subclass with :meth:`make_store` and :meth:`make_host`."""

    def make_host(self, store: Store) -> Host:
        """Return a host on the same database as ``store``: its own connection and a table of
        its own, whose transaction collabcore joins (see ``SQLiteHost``)."""
        raise NotImplementedError("Return a Host on the same database as store.")

    @pytest.fixture
    def host(self, store: Store) -> Iterator[Host]:
        """The fixture: ``make_host``'s host, closed afterwards."""
        made = self.make_host(store)
        try:
            yield made
        finally:
            made.close()

    @pytest.fixture
    def world(self, store: Store) -> World:
        """The fixture: a :class:`World` over the store with an office, a customer, and Travel &
        Expenses and Payroll collaborations whose payroll facts are all clear."""
        world = World(store)
        world.office()
        world.customer()
        world.collaboration(EXPENSES)
        world.collaboration(PAYROLL)
        world.fakes.set_facts("customer-1", payroll_customer_is_user=True, payroll_synchronised=True)
        return world

    def test_an_end_commits_with_the_hosts_rows_and_the_relay_carries_it_out(
        self, world: World, host: Host
    ) -> None:
        before = host.session()
        host.begin()
        host.write("invoice 1")
        inside = world.service.within(host.connection)
        result = inside.end(
            "collab-1",
            actor=world.customer_admin(),
            outcome=Outcome.DELETE,
            confirm_deletion=True,
            idempotency_key="k1",
        )
        assert inside.get_collaboration("collab-1", actor=world.customer_admin()).status.value == "ended"
        # Until the host commits, nobody else sees the end, and the relay finds nothing.
        assert (
            world.service.get_collaboration("collab-1", actor=world.customer_admin()).status.value == "active"
        )
        host.commit()
        assert host.notes() == ["invoice 1"]
        assert (
            world.service.get_collaboration("collab-1", actor=world.customer_admin()).status.value == "ended"
        )
        assert world.relay().drain().done == len(result.effects)
        again = world.service.end(
            "collab-1",
            actor=world.customer_admin(),
            outcome=Outcome.DELETE,
            confirm_deletion=True,
            idempotency_key="k1",
        )
        assert again.replayed and again.event == result.event
        host.begin()
        host.rollback()
        assert host.session() == before, "collabcore leaves the host's connection as it found it"

    def test_a_relay_in_the_hosts_transaction_keeps_its_work_with_the_hosts(
        self, world: World, host: Host
    ) -> None:
        """The relay's fewer-statement writes and reads (one statement in autocommit on
        collabcore's own PostgreSQL connection) stay inside the host's savepoints here."""
        result = world.service.end(
            "collab-1", actor=world.customer_admin(), outcome=Outcome.CUSTOMER_CONTINUES
        )
        before = host.session()
        host.begin()
        host.write("relay run")
        report = world.service.within(host.connection).relay().drain()
        assert report.done == len(result.effects)
        host.rollback()
        assert host.session() == before, "collabcore leaves the host's connection as it found it"
        assert world.relay().drain().done == len(result.effects), "rolled back with the host's rows"
        assert world.relay().drain().attempted == 0

    def test_a_host_rollback_takes_collabcores_rows_with_it(self, world: World, host: Host) -> None:
        before = snapshot(world, ["customer-1"], ["collab-1", "collab-2"])
        host.begin()
        host.write("invoice 2")
        inside = world.service.within(host.connection)
        inside.end(
            "collab-1", actor=world.customer_admin(), outcome=Outcome.CUSTOMER_CONTINUES, idempotency_key="k2"
        )
        inside.schedule_end("collab-2", actor=world.customer_admin(), outcome=Outcome.END_SUBSCRIPTION)
        host.rollback()
        assert host.notes() == []
        assert snapshot(world, ["customer-1"], ["collab-1", "collab-2"]) == before
        assert world.relay().drain().done == 0
        # The key was never kept: it ends the collaboration now, for the first time.
        result = world.service.end(
            "collab-1", actor=world.customer_admin(), outcome=Outcome.CUSTOMER_CONTINUES, idempotency_key="k2"
        )
        assert not result.replayed

    def test_a_refusal_undoes_only_collabcores_part(self, world: World, host: Host) -> None:
        before = snapshot(world, ["customer-1"], ["collab-1", "collab-2"])
        host.begin()
        host.write("before")
        inside = world.service.within(host.connection)
        with pytest.raises(EndRefused):
            inside.end("collab-1", actor=world.customer_admin(), outcome=Outcome.DELETE)  # R7 unconfirmed
        host.write("after")
        host.commit()
        assert host.notes() == ["after", "before"] or host.notes() == ["before", "after"]
        after = snapshot(world, ["customer-1"], ["collab-1", "collab-2"])
        assert after[:2] == before[:2] and after[3:] == before[3:], "only the refusal's audit event is new"

    def test_a_crash_in_collabcores_part_leaves_the_hosts_transaction_whole(
        self, world: World, host: Host
    ) -> None:
        before = snapshot(world, ["customer-1"], ["collab-1", "collab-2"])
        host.begin()
        host.write("before")
        joining = getattr(world.store, "joining")  # noqa: B009 - the contract's subject
        faulty = FaultyStore(joining(host.connection))
        service = CollaborationService(faulty, integrations=world.fakes.integrations(), clock=world.clock)
        # Mid-end: the collaboration is written, its effects are not.
        faulty.arm("before:enqueue_effects")
        with pytest.raises(Crash):
            service.end("collab-1", actor=world.customer_admin(), outcome=Outcome.CUSTOMER_CONTINUES)
        host.write("after")
        host.commit()
        assert sorted(host.notes()) == ["after", "before"]
        assert snapshot(world, ["customer-1"], ["collab-1", "collab-2"]) == before, "no half an end"

    def test_without_an_open_transaction_nothing_is_done(self, world: World, host: Host) -> None:
        before = snapshot(world, ["customer-1"], ["collab-1", "collab-2"])
        inside = world.service.within(host.connection)
        with pytest.raises(ConfigurationError, match="no open transaction"):
            inside.end("collab-1", actor=world.customer_admin(), outcome=Outcome.CUSTOMER_CONTINUES)
        assert snapshot(world, ["customer-1"], ["collab-1", "collab-2"]) == before

    def test_two_ends_in_one_host_transaction_are_kept_together(self, world: World, host: Host) -> None:
        host.begin()
        inside = world.service.within(host.connection)
        for collaboration in ("collab-1", "collab-2"):
            inside.end(collaboration, actor=world.customer_admin(), outcome=Outcome.CUSTOMER_CONTINUES)
        try:
            inside.end("collab-1", actor=world.customer_admin(), outcome=Outcome.CUSTOMER_CONTINUES)
        except CollabCoreError as exc:
            assert "already ended" in str(exc)
        host.commit()
        for collaboration in ("collab-1", "collab-2"):
            ended = world.service.get_collaboration(collaboration, actor=world.customer_admin())
            assert ended.status.value == "ended"
