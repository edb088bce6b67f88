"""Races on real databases: the customer and the office end the same collaboration at once.

Exactly one end wins; every other caller gets AlreadyEnded, or with the same
idempotency key the same result. Many workers ending different
collaborations all succeed, and nothing is lost or doubled.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

import collabcore as cc
from collabcore.app import RelayReport
from collabcore.domain import CollaborationEnded
from collabcore.ports import Store
from collabcore.testing import World

Factory = Callable[[], Store]


def race(workers: int, job: Callable[[int], object]) -> list[object]:
    """Run ``job(i)`` on ``workers`` threads released together; returns results or errors."""
    barrier = threading.Barrier(workers)
    results: list[object] = [None] * workers

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = job(i)
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def kinds(results: list[object]) -> Counter[str]:
    return Counter(type(r).__name__ for r in results)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Factory]:
    stores: list[Store] = []
    if request.param == "sqlite":

        def make() -> Store:
            stores.append(cc.SQLiteStore(tmp_path / "race.db"))
            return stores[-1]
    else:
        dsn = request.getfixturevalue("postgres_dsn")
        schema = request.getfixturevalue("postgres_schema")
        from collabcore.adapters.postgres import PostgresStore

        def make() -> Store:
            stores.append(PostgresStore(dsn, schema=schema, max_size=16))
            return stores[-1]

    yield make
    for store in stores:
        store.close()


def stored(world: World, collaboration_id: str) -> cc.Collaboration:
    with world.store.transaction(write=False) as uow:
        found = uow.get_collaboration(collaboration_id)
    assert found is not None
    return found


@pytest.mark.parametrize("workers", [2, 8, 16])
def test_exactly_one_of_customer_and_office_ends_it(factory: Factory, workers: int) -> None:
    world = World(factory())
    (collab,) = world.setup(cc.BOOKKEEPING)
    actors = [world.customer_admin() if i % 2 else world.office_admin() for i in range(workers)]
    outcomes = [cc.Outcome.CUSTOMER_CONTINUES, cc.Outcome.DEACTIVATE]
    results = race(
        workers,
        lambda i: world.service.end(collab.id, actor=actors[i], outcome=outcomes[i % 2]),
    )
    assert kinds(results) == Counter({"EndResult": 1, "AlreadyEnded": workers - 1})
    (winner,) = [r for r in results if isinstance(r, cc.EndResult)]
    assert stored(world, collab.id) == winner.collaboration
    ended_events = [
        e for e in world.service.events_of_customer("customer-1") if isinstance(e, CollaborationEnded)
    ]
    assert ended_events == [winner.event]
    with world.store.transaction(write=False) as uow:
        assert len(uow.outbox(collaboration_id=collab.id)) == len(winner.effects)


def test_same_idempotency_key_gives_everyone_the_same_result(factory: Factory) -> None:
    world = World(factory())
    (collab,) = world.setup(cc.PAYROLL)
    results = race(
        8,
        lambda i: world.service.end(
            collab.id,
            actor=world.office_admin(),
            outcome=cc.Outcome.END_SUBSCRIPTION,
            idempotency_key="one-request",
        ),
    )
    assert all(isinstance(r, cc.EndResult) for r in results), results
    ends = [r for r in results if isinstance(r, cc.EndResult)]
    assert sum(not r.replayed for r in ends) == 1
    assert len({r.event for r in ends}) == 1


def test_many_workers_end_different_collaborations(factory: Factory) -> None:
    world = World(factory())
    world.office()
    collabs = []
    for n in range(24):
        world.customer(f"c{n}")
        collabs.append(world.collaboration(cc.EXPENSES, customer_id=f"c{n}"))
    results = race(
        8,
        lambda i: [
            world.service.end(c.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES)
            for c in collabs[i::8]
        ],
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    with world.store.transaction(write=False) as uow:
        outbox = uow.outbox()
        assert all(not c.is_active for c in (uow.get_collaboration(c.id) for c in collabs) if c)
    per_end = len(cc.default_products().get(cc.EXPENSES).effects_of(cc.Outcome.CUSTOMER_CONTINUES))
    assert len(outbox) == len({i.key for i in outbox}) == 24 * per_end


# --- SQLite across processes ------------------------------------------------------------


def _end_in_child(path: str, party: str, results: Any) -> None:
    store = cc.SQLiteStore(path)
    world = World(store)
    actor = world.customer_admin() if party == "customer" else world.office_admin()
    try:
        world.service.end("collab-1", actor=actor, outcome=cc.Outcome.DEACTIVATE)
        results.put("ended")
    except cc.AlreadyEnded:
        results.put("already")
    except Exception as exc:
        results.put(f"error: {exc!r}")
    finally:
        store.close()


def test_sqlite_separate_processes_race_to_end(tmp_path: Path) -> None:
    path = str(tmp_path / "processes.db")
    world = World(cc.SQLiteStore(path))
    (collab,) = world.setup(cc.BOOKKEEPING)
    assert collab.id == "collab-1"
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    children = [
        context.Process(target=_end_in_child, args=(path, "customer" if i % 2 else "office", results))
        for i in range(6)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=120)
    outcomes = Counter(results.get(timeout=5) for _ in children)
    assert outcomes == Counter({"ended": 1, "already": 5})
    assert stored(world, collab.id).status is cc.Status.ENDED


@pytest.mark.parametrize("workers", [2, 4])
def test_relay_workers_never_take_the_same_effect(factory: Factory, workers: int) -> None:
    world = World(factory())
    world.office()
    results = []
    for n in range(40):
        world.customer(f"c{n}")
        collab = world.collaboration(cc.EXPENSES, customer_id=f"c{n}")
        results.append(
            world.service.end(
                collab.id, actor=world.office_admin(), outcome=cc.Outcome.DELETE, confirm_deletion=True
            )
        )
    config = world.service.configuration
    relays = [cc.Relay(attrs.evolve(config, store=factory())) for _ in range(workers)]
    reports = race(workers, lambda i: relays[i].drain())
    assert not [r for r in reports if isinstance(r, Exception)], reports
    keys = [e.key for r in results for e in r.effects]
    assert sum(r.done for r in reports if isinstance(r, RelayReport)) == len(keys)
    calls = Counter(key for _, key in world.fakes.calls)
    assert calls == Counter({key: 1 for key in keys}), "each effect was called exactly once"
    assert dict(world.fakes.repeats) == {}
    assert sorted(world.fakes.erased) == sorted((f"c{n}", cc.EXPENSES) for n in range(40))
