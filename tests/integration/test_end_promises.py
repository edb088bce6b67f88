"""The promises an end keeps however few statements it takes (issue 26), on every store:
the facts are asked outside any lock; the rights are the stored roles as they are when the
end is written, not as they were read before the integrations answered; one transaction
writes the end, its event, its effects and its key; and what an end keeps from before
(which customer and product a collaboration is for) is checked where it is used."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import collabcore as cc
from collabcore.domain import CollaborationEnded, EndRefusedRecorded, NotAuthorized
from collabcore.ports import Store
from collabcore.testing import FakeIntegrations, World


class Meddling(FakeIntegrations):
    """Fakes whose bank-integration fact (read by every Bookkeeping end) runs ``meddle``
    first: what happens elsewhere while the integrations answer."""

    def __init__(self, meddle: Callable[[], None]) -> None:
        super().__init__()
        self.meddle = meddle

    def bank_integration_active(self, customer_id: str) -> bool:
        self.meddle()
        return False


def served(world: World, fakes: FakeIntegrations) -> cc.CollaborationService:
    """A service over the world's store (and clock) with other integrations."""
    return cc.CollaborationService(world.store, integrations=fakes.integrations(), clock=world.clock)


def spied_writes(monkeypatch: pytest.MonkeyPatch, unit_of_work: type[Any]) -> list[bool]:
    """What each ``record_end_as_read`` of ``unit_of_work`` answered, in order: True when it
    wrote the end as decided before the lock, False when it sent the end the locked way."""
    answers: list[bool] = []
    write = unit_of_work.record_end_as_read

    def spied(self: Any, writes: Any, read: object, *, commit: bool) -> bool:
        answers.append(write(self, writes, read, commit=commit))
        return answers[-1]

    monkeypatch.setattr(unit_of_work, "record_end_as_read", spied)
    return answers


def holds_no_lock(store: Store, collab: cc.Collaboration) -> bool:
    """Whether another writer could take what an end locks right now."""
    if isinstance(store, cc.SQLiteStore):
        other = sqlite3.connect(store.path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # the write lock, or 'database is locked'
            other.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            other.close()
    if isinstance(store, cc.MemoryStore):
        free: list[bool] = []
        lock = store._lock

        def look() -> None:
            got = lock.acquire(blocking=False)
            free.append(got)
            if got:
                lock.release()

        thread = threading.Thread(target=look)  # the store's lock is re-entrant: ask from elsewhere
        thread.start()
        thread.join()
        return free[0]
    import psycopg

    from collabcore.adapters.postgres import PostgresStore

    assert isinstance(store, PostgresStore)
    with store._pool.connection() as looking, looking.transaction():
        try:
            looking.execute("SELECT 1 FROM customers WHERE id = %s FOR UPDATE NOWAIT", (collab.customer_id,))
            looking.execute("SELECT 1 FROM collaborations WHERE id = %s FOR UPDATE NOWAIT", (collab.id,))
        except psycopg.errors.LockNotAvailable:
            return False
    return True


@pytest.fixture
def world(collabcore_store: Store) -> World:
    world = World(collabcore_store)
    world.office()
    world.customer()
    return world


def test_the_integrations_are_asked_while_nothing_is_locked(world: World) -> None:
    collab = world.collaboration(cc.BOOKKEEPING)
    seen: list[bool] = []
    service = served(world, Meddling(lambda: seen.append(holds_no_lock(world.store, collab))))
    result = service.end(
        collab.id, actor=world.office_admin(), outcome=cc.Outcome.DEACTIVATE, acknowledge={"R16"}
    )
    assert result.collaboration.status is cc.Status.ENDED
    assert seen == [True]


def test_an_office_user_demoted_while_the_integrations_answer_is_refused(world: World) -> None:
    """The end may have read the office before the integrations were asked; the rights it
    acts on are the ones stored when it writes."""
    collab = world.collaboration(cc.BOOKKEEPING)
    office = world.service.register_office  # the host's directory changes the role meanwhile

    def demote() -> None:
        with world.store.transaction(write=False) as uow:
            current = uow.get_office("office-1")
        assert current is not None
        users = tuple(
            cc.OfficeUser(u.id, u.name, cc.Role.USER, u.full_rights) if u.id == "admin" else u
            for u in current.users
        )
        office(cc.AccountingOffice(current.id, current.name, users, current.language))

    service = served(world, Meddling(demote))
    with pytest.raises(NotAuthorized) as refused:
        service.end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.DEACTIVATE, acknowledge={"R16"})
    assert [f.code for f in refused.value.findings] == ["R14"]
    with world.store.transaction(write=False) as uow:
        stored = uow.get_collaboration(collab.id)
        assert stored is not None and stored.is_active and uow.outbox() == []
        events = uow.events_of_customer("customer-1")
    assert [type(e) for e in events if isinstance(e, CollaborationEnded | EndRefusedRecorded)] == [
        EndRefusedRecorded
    ]


def test_an_end_that_another_makes_while_the_integrations_answer_is_made_once(world: World) -> None:
    collab = world.collaboration(cc.BOOKKEEPING)
    customer = world.customer_admin()

    def the_customer_ends_it() -> None:
        world.service.end(collab.id, actor=customer, outcome=cc.Outcome.DEACTIVATE, acknowledge={"R16"})

    service = served(world, Meddling(the_customer_ends_it))
    with pytest.raises(cc.AlreadyEnded):
        service.end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.DEACTIVATE, acknowledge={"R16"})
    with world.store.transaction(write=False) as uow:
        stored = uow.get_collaboration(collab.id)
        ends = [e for e in uow.events_of_customer("customer-1") if isinstance(e, CollaborationEnded)]
        outbox = uow.outbox(collaboration_id=collab.id)
    assert stored is not None and stored.ended_by == customer and stored.version == collab.version + 1
    assert [e.actor for e in ends] == [customer]
    assert len({i.key for i in outbox}) == len(outbox) == 4


def test_a_key_taken_while_the_integrations_answer_is_answered_as_taken(world: World) -> None:
    first, second = world.collaboration(cc.BOOKKEEPING), world.collaboration(cc.PAYROLL)
    admin = world.office_admin()

    def the_key_is_used_elsewhere() -> None:
        world.service.end(second.id, actor=admin, outcome=cc.Outcome.END_SUBSCRIPTION, idempotency_key="k")

    service = served(world, Meddling(the_key_is_used_elsewhere))
    with pytest.raises(cc.IdempotencyKeyReused):
        service.end(
            first.id, actor=admin, outcome=cc.Outcome.DEACTIVATE, acknowledge={"R16"}, idempotency_key="k"
        )
    with world.store.transaction(write=False) as uow:
        stored = uow.get_collaboration(first.id)
    assert stored is not None and stored.is_active


def test_what_an_end_keeps_from_before_is_checked_in_its_transaction(world: World) -> None:
    """The office, customer and product a service has seen a collaboration with are kept,
    as they never change; an end still checks them where it reads, and asks for the facts
    of what it finds if they do not hold."""
    world.customer("customer-2")
    collab = world.collaboration(cc.BOOKKEEPING)
    asked: list[str] = []

    class Counting(FakeIntegrations):
        def bank_integration_active(self, customer_id: str) -> bool:
            asked.append(customer_id)
            return False

    service = served(world, Counting())
    service._ending._parties.put(collab.id, ("office-1", "customer-2", cc.BOOKKEEPING))  # a wrong one
    result = service.end(
        collab.id, actor=world.office_admin(), outcome=cc.Outcome.DEACTIVATE, acknowledge={"R16"}
    )
    assert result.collaboration.customer_id == "customer-1"
    # Parties seen before send an end the locked way on every store (nothing read before
    # the lock): asked for them, then again for its own customer.
    assert asked == ["customer-2", "customer-1"]
    assert service._ending._parties.get(collab.id) == ("office-1", "customer-1", cc.BOOKKEEPING)


def test_an_end_on_sqlite_is_one_transaction_after_one_read(tmp_path: Path) -> None:
    """What reaches SQLite for one end: the database's data_version, then everything the end
    reads in one statement (no transaction of collabcore's, no lock); then one
    BEGIN IMMEDIATE … COMMIT that asks whether the data_version has moved (anything
    committed meanwhile) and writes the end, its event, its effects and its key."""
    store = cc.SQLiteStore(tmp_path / "one.db")
    world = World(store)
    world.office()
    world.customer()
    collab = world.collaboration(cc.BOOKKEEPING)
    statements: list[str] = []
    store._connection().set_trace_callback(statements.append)
    world.service.end(
        collab.id,
        actor=world.office_admin(),
        outcome=cc.Outcome.DEACTIVATE,
        acknowledge={"R16"},
        idempotency_key="k-1",
    )
    store._connection().set_trace_callback(None)
    statements = [s for s in statements if not s.startswith("--")]  # SQLite's own comments
    begin = statements.index("BEGIN IMMEDIATE")
    before, inside = statements[:begin], statements[begin + 1 :]
    assert before[0] == "PRAGMA data_version"
    assert len(before) == 2 and before[1].startswith("SELECT c.data, c.office_id")
    assert inside[-1] == "COMMIT" and "COMMIT" not in inside[:-1] and "BEGIN" not in " ".join(inside)
    verbs = [s.split()[0] + " " + s.split()[2] for s in inside[1:-1]]
    assert inside[0] == "PRAGMA data_version"
    assert verbs == [
        "UPDATE SET",
        "INSERT events",
        "INSERT subscriptions",
        *["INSERT outbox"] * 4,  # one executemany
        "INSERT idempotency",
    ]
    # A plan shown first leaves the end nothing to read before its transaction.
    second = world.collaboration(cc.PAYROLL)
    world.service.plan_end(second.id, actor=world.office_admin(), outcome=cc.Outcome.END_SUBSCRIPTION)
    statements.clear()
    store._connection().set_trace_callback(statements.append)
    world.service.end(second.id, actor=world.office_admin(), outcome=cc.Outcome.END_SUBSCRIPTION)
    store._connection().set_trace_callback(None)
    assert statements[0] == "BEGIN IMMEDIATE" and statements[-1] == "COMMIT"
    store.close()


@pytest.mark.postgres
def test_an_end_on_postgres_is_checked_by_the_statement_that_writes(
    postgres_dsn: str, postgres_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL an end reads before its transaction and writes in one round trip when
    nothing it read has changed; when something has, that round trip keeps nothing and the
    end is made the locked way."""
    from collabcore.adapters.postgres import PostgresStore, PostgresUnitOfWork

    store = PostgresStore(postgres_dsn, schema=postgres_schema, max_size=2)
    world = World(store)
    world.office()
    world.customer()
    kept = spied_writes(monkeypatch, PostgresUnitOfWork)
    # Ends with nothing to follow up (no read-only access to open): each in one write.
    first, second = world.collaboration(cc.PAYROLL), world.collaboration(cc.BOOKKEEPING)
    world.service.end(first.id, actor=world.office_admin(), outcome=cc.Outcome.END_SUBSCRIPTION)
    assert kept == [True]

    def rename_the_office() -> None:  # a change the end read: its checks see it
        office = world.service.register_office
        with store.transaction(write=False) as uow:
            current = uow.get_office("office-1")
        assert current is not None
        office(cc.AccountingOffice(current.id, "Renamed AB", current.users, current.language))

    service = served(world, Meddling(rename_the_office))
    service.end(
        second.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES, acknowledge={"R16"}
    )
    assert kept == [True, False]
    with store.transaction(write=False) as uow:
        ended = uow.get_collaboration(second.id)
        outbox = uow.outbox(collaboration_id=second.id)
    assert ended is not None and not ended.is_active and len({i.key for i in outbox}) == len(outbox) > 0
    store.close()


def _rename_the_office(world: World) -> None:
    with world.store.transaction(write=False) as uow:
        current = uow.get_office("office-1")
    assert current is not None
    world.service.register_office(
        cc.AccountingOffice(current.id, "Renamed AB", current.users, current.language)
    )


def _another_connection_renames_the_office(world: World) -> None:
    """As another process would: its own store, so its own connection to the file."""
    assert isinstance(world.store, cc.SQLiteStore)
    elsewhere = cc.SQLiteStore(world.store.path)
    try:
        _rename_the_office(World(elsewhere))
    finally:
        elsewhere.close()


def _another_connection_registers_another_customer(world: World) -> None:
    """A commit to the file that changes nothing the end read."""
    assert isinstance(world.store, cc.SQLiteStore)
    elsewhere = cc.SQLiteStore(world.store.path)
    try:
        World(elsewhere).customer("customer-9")
    finally:
        elsewhere.close()


def _start_another(world: World) -> None:
    world.collaboration(cc.PAYROLL)


def _take_the_key(world: World) -> None:
    other = world.collaboration(cc.EXPENSES)
    world.service.end(
        other.id,
        actor=world.office_admin(),
        outcome=cc.Outcome.DELETE,
        confirm_deletion=True,
        idempotency_key="k",
    )


@pytest.mark.parametrize(
    ("meanwhile", "kept"),
    [
        (lambda world: None, [True]),
        (_rename_the_office, [False]),
        (_another_connection_renames_the_office, [False]),
        (_start_another, [False]),
        (_another_connection_registers_another_customer, [True]),
    ],
    ids=[
        "nothing",
        "the office renamed",
        "the office renamed elsewhere",
        "another collaboration started",
        "another customer registered elsewhere",
    ],
)
def test_an_end_on_sqlite_decided_before_its_lock_is_written_only_if_nothing_changed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    meanwhile: Callable[[World], None],
    kept: list[bool],
) -> None:
    """On SQLite an end is read and decided before the write lock; under the lock it is
    written as decided if nothing was committed meanwhile (the database's data_version, for
    other connections, and the connection's own total_changes), or if what was committed
    leaves what the end read as it was (its statement read again and compared). Anything it
    read that changed sends the end the locked way: read, decided and written again under
    the lock, once."""
    from collabcore.adapters.sqlite import SQLiteUnitOfWork

    store = cc.SQLiteStore(tmp_path / "read-first.db")
    world = World(store)
    world.office()
    world.customer()
    collab = world.collaboration(cc.BOOKKEEPING)
    outcomes = spied_writes(monkeypatch, SQLiteUnitOfWork)
    caplog.set_level(logging.DEBUG, logger="collabcore.service")
    service = served(world, Meddling(lambda: meanwhile(world)))
    result = service.end(
        collab.id,
        actor=world.office_admin(),
        outcome=cc.Outcome.CUSTOMER_CONTINUES,
        acknowledge={"R16"},
        idempotency_key="k",
    )
    assert outcomes == kept
    # An operator sees each end sent the locked way, at DEBUG.
    sent_back = [r for r in caplog.records if "ending it under the lock" in r.getMessage()]
    assert len(sent_back) == kept.count(False)
    with store.transaction(write=False) as uow:
        ended = uow.get_collaboration(collab.id)
        outbox = uow.outbox(collaboration_id=collab.id)
        events = [e for e in uow.events_of_customer("customer-1") if isinstance(e, CollaborationEnded)]
    assert ended == result.collaboration and not ended.is_active
    assert [i.effect for i in outbox] == list(result.effects)
    assert [e.collaboration_id for e in events] == [collab.id]
    assert service.end(
        collab.id,
        actor=world.office_admin(),
        outcome=cc.Outcome.CUSTOMER_CONTINUES,
        acknowledge={"R16"},
        idempotency_key="k",
    ).replayed
    store.close()


def test_an_end_on_sqlite_whose_key_is_taken_before_its_lock_is_answered_as_taken(tmp_path: Path) -> None:
    store = cc.SQLiteStore(tmp_path / "key.db")
    world = World(store)
    world.office()
    world.customer()
    collab = world.collaboration(cc.BOOKKEEPING)
    service = served(world, Meddling(lambda: _take_the_key(world)))
    with pytest.raises(cc.IdempotencyKeyReused):
        service.end(
            collab.id,
            actor=world.office_admin(),
            outcome=cc.Outcome.CUSTOMER_CONTINUES,
            acknowledge={"R16"},
            idempotency_key="k",
        )
    with store.transaction(write=False) as uow:
        stored = uow.get_collaboration(collab.id)
        assert stored is not None and stored.is_active and uow.outbox(collaboration_id=collab.id) == []
    store.close()
