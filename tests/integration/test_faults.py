"""Fault injection: the process dies at every step of ``end`` and of the relay.

After each crash, a fresh service and relay (as after a restart) finish the
work. The invariants, checked on the real SQLite file and PostgreSQL server:
the end is recorded whole or not at all (collaboration, event, every
effect), and once the relay has run to completion every effect was applied
exactly once according to the integrations' own log.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import collabcore as cc
from collabcore.domain import CollaborationEnded
from collabcore.ports import Store
from collabcore.testing import World
from collabcore.testing.faults import Crash, FaultyStore


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def inner_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        store: Store = cc.MemoryStore()
    elif request.param == "sqlite":
        store = cc.SQLiteStore(tmp_path / "faults.db")
    else:
        from collabcore.adapters.postgres import PostgresStore

        store = PostgresStore(
            request.getfixturevalue("postgres_dsn"), schema=request.getfixturevalue("postgres_schema")
        )
    yield store
    store.close()


def check_whole_or_nothing(world: World, collab: cc.Collaboration) -> bool:
    """True when ended (with everything), False when untouched; anything else fails."""
    with world.store.transaction(write=False) as uow:
        stored = uow.get_collaboration(collab.id)
        outbox = uow.outbox(collaboration_id=collab.id)
        events = uow.events_of_customer(collab.customer_id)
    assert stored is not None
    ends = [e for e in events if isinstance(e, CollaborationEnded)]
    if stored.is_active:
        assert stored == collab and outbox == [] and ends == []
        return False
    kinds = cc.default_products().get(collab.product).effects_of(cc.Outcome.DELETE)
    assert [i.effect.kind for i in outbox] == list(kinds)
    assert len(ends) == 1 and ends[0].collaboration_id == collab.id
    return True


def end_with_delete(world: World, collab: cc.Collaboration) -> cc.EndResult:
    """The one request every test here makes (and a restarted process makes again)."""
    return world.service.end(
        collab.id,
        actor=world.office_admin(),
        outcome=cc.Outcome.DELETE,
        confirm_deletion=True,
        idempotency_key="the-request",
    )


def finish(world: World, collab: cc.Collaboration) -> None:
    """What a restarted process does: end again with the same key, then drain the relay."""
    result = end_with_delete(world, collab)
    world.clock.advance(timedelta(hours=1))  # past every lease and backoff
    world.relay().drain()
    assert dict(world.fakes.performed) == {e.key: 1 for e in result.effects}
    assert world.fakes.erased == [("customer-1", cc.EXPENSES)]
    assert {n.party for n in world.fakes.notifications} == {cc.Party.OFFICE, cc.Party.CUSTOMER}
    assert world.relay().pending() == [] and world.relay().failed() == []


END_POINTS = [
    "before:update_collaboration",
    "after:update_collaboration",
    "after:append_events",
    "after:enqueue_effects",
    "after:save_idempotency",
    "before:commit",
    "after:commit",
]


@pytest.mark.parametrize("point", END_POINTS)
def test_a_crash_during_end_records_all_or_nothing(inner_store: Store, point: str) -> None:
    faulty = FaultyStore(inner_store)
    world = World(faulty)
    (collab,) = world.setup(cc.EXPENSES)
    faulty.arm(point)
    with pytest.raises(Crash):
        end_with_delete(world, collab)
    assert check_whole_or_nothing(world, collab) == (point == "after:commit")
    finish(world, collab)


RELAY_POINTS = [
    ("before:claim_due_effects", 1),
    ("after:claim_due_effects", 1),
    ("before:update_outbox_item", 1),  # the lease
    ("before:update_outbox_item", 2),  # marking the first effect done, after it was applied
    ("after:update_outbox_item", 2),
    ("before:commit", 2),
    ("before:update_outbox_item", 6),
    ("before:commit", 7),
]


WHOLE_RELAY_POINTS = [
    ("before:lease_outbox_items", 1),
    ("after:lease_outbox_items", 1),
    ("before:notification_reads", 1),
    ("before:settle_outbox_item", 1),
    ("after:settle_outbox_item", 1),
    ("before:settle_outbox_item", 3),
    ("after:settle_outbox_item", 4),
]
"""The same, through the relay's fewer-statement methods as a store offers them."""


@pytest.mark.parametrize(
    ("whole", "point", "nth"),
    [(False, point, nth) for point, nth in RELAY_POINTS]
    + [(True, point, nth) for point, nth in WHOLE_RELAY_POINTS],
)
def test_a_crash_inside_the_relay_loses_and_doubles_nothing(
    inner_store: Store, whole: bool, point: str, nth: int
) -> None:
    """Part by part, and (``whole``) through the store's fewer-statement methods."""
    faulty = FaultyStore(inner_store, whole=whole)
    world = World(faulty)
    (collab,) = world.setup(cc.EXPENSES)
    end_with_delete(world, collab)
    faulty.arm(point, nth)
    with pytest.raises(Crash):
        world.relay().drain()
    assert check_whole_or_nothing(world, collab)
    finish(world, collab)


@pytest.mark.parametrize(
    "method",
    [
        "export_submitted_reports",
        "revoke_office_access",
        "erase_service_data",
        "cancel_subscription",
        "notify",
    ],
)
def test_a_crash_inside_an_effect_is_retried_after_the_lease(inner_store: Store, method: str) -> None:
    world = World(inner_store)
    (collab,) = world.setup(cc.EXPENSES)
    end_with_delete(world, collab)
    original = getattr(world.fakes, method)

    def dies(*args: Any) -> None:
        setattr(world.fakes, method, original)
        raise Crash(method)

    setattr(world.fakes, method, dies)
    with pytest.raises(Crash):
        world.relay().drain()
    assert world.relay().drain().attempted == 0, "leased: nobody retries before the lease ends"
    finish(world, collab)


def test_notifier_down_is_retried_until_it_is_back(world: World) -> None:
    (collab,) = world.setup(cc.EXPENSES)
    world.fakes.fail("notify", times=3)
    end_with_delete(world, collab)
    relay = world.relay()
    relay.drain()
    assert [i.effect.kind for i in relay.pending()] == [
        cc.EffectKind.NOTIFY_OFFICE,
        cc.EffectKind.NOTIFY_CUSTOMER,
    ]
    for _ in range(3):
        world.clock.advance(timedelta(minutes=5))
        relay.drain()
    finish(world, collab)
    assert sum(1 for m, _ in world.fakes.calls if m == "notify") == 5


@pytest.mark.postgres
def test_postgres_connection_terminated_mid_end(postgres_dsn: str, postgres_schema: str) -> None:
    from collabcore.adapters.postgres import PostgresStore

    store = PostgresStore(postgres_dsn, schema=postgres_schema, max_size=2)
    faulty = FaultyStore(store)
    world = World(faulty)
    (collab,) = world.setup(cc.EXPENSES)
    killed: list[str] = []

    def terminate(point: str) -> None:
        if point == "after:enqueue_effects" and not killed:
            killed.append(point)
            with store.transaction() as uow:  # another session kills the end's backend
                uow._execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in%'"
                )

    faulty.tick = terminate  # type: ignore[method-assign]
    with pytest.raises(cc.StorageError):
        end_with_delete(world, collab)
    faulty.tick = lambda point: None  # type: ignore[method-assign]
    assert killed and not check_whole_or_nothing(world, collab)
    finish(world, collab)
    store.close()


def _die_in_end(path: str, when: str) -> None:
    """A child process that is killed (os._exit) just before or just after the commit."""
    from collabcore.adapters import sqlite

    real_commit = sqlite.SQLiteUnitOfWork.commit

    def commit(self: sqlite.SQLiteUnitOfWork) -> None:
        if when == "before":
            os._exit(9)
        real_commit(self)
        os._exit(9)

    world = World(cc.SQLiteStore(path))
    sqlite.SQLiteUnitOfWork.commit = commit  # type: ignore[method-assign]
    world.service.end(
        "collab-1",
        actor=world.office_admin(),
        outcome=cc.Outcome.DELETE,
        confirm_deletion=True,
        idempotency_key="the-request",
    )


@pytest.mark.parametrize("when", ["before", "after"])
def test_sqlite_process_killed_around_the_commit(tmp_path: Path, when: str) -> None:
    path = str(tmp_path / "killed.db")
    world = World(cc.SQLiteStore(path))
    (collab,) = world.setup(cc.EXPENSES)
    child = multiprocessing.get_context("spawn").Process(target=_die_in_end, args=(path, when))
    child.start()
    child.join(timeout=120)
    assert child.exitcode == 9
    assert check_whole_or_nothing(world, collab) == (when == "after")
    finish(world, collab)
