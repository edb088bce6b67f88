"""Lease fencing, on every store: a relay worker whose call outlives its lease never
overwrites the worker that took the effect over, and a long batch is never taken twice
by live workers.

The integration "sleeps past the lease" on the shared manual clock: while its first
call is in progress the clock moves beyond the lease and a second worker, on its own
store object over the same database, claims and finishes the effect. Then the first call
returns (or fails), and the first worker tries to write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import attrs
import pytest

import collabcore as cc
from collabcore.app import Relay, RelayReport, RetryPolicy
from collabcore.domain import EffectStatus, OutboxItem
from collabcore.ports import Store
from collabcore.testing import FakeIntegrations, World
from collabcore.testing.fakes import IntegrationFailure

LEASE = timedelta(minutes=5)
POLICY = RetryPolicy(lease=LEASE, first_delay=timedelta(seconds=1))

SecondStore = Callable[[], Store]


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, SecondStore]]:
    """A store, and a way to open another store object over the same data (a second worker)."""
    opened: list[Store] = []
    make: SecondStore
    if request.param == "memory":
        memory = cc.MemoryStore()
        opened.append(memory)

        def make() -> Store:
            return memory

    elif request.param == "sqlite":

        def make() -> Store:
            opened.append(cc.SQLiteStore(tmp_path / "leases.db"))
            return opened[-1]

    else:
        dsn = request.getfixturevalue("postgres_dsn")
        schema = request.getfixturevalue("postgres_schema")

        def make() -> Store:
            opened.append(cc.PostgresStore(dsn, schema=schema, max_size=4))
            return opened[-1]

    first = opened[0] if opened else make()
    yield first, make
    for store in opened:
        store.close()


class SlowPorts:
    """Every port of the fakes; the first call of ``slow_key`` runs ``meanwhile`` before it
    answers (the worker's call outliving its lease), then succeeds or fails."""

    def __init__(self, fakes: FakeIntegrations, slow_key: Callable[[str], bool]) -> None:
        self.fakes = fakes
        self.slow_key = slow_key
        self.meanwhile: Callable[[], None] = lambda: None
        self.fail_after = False
        self.slowed = False

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.fakes, name)

        def call(effect: Any) -> Any:
            key = getattr(effect, "key", None)
            if not self.slowed and isinstance(key, str) and self.slow_key(key):
                self.slowed = True
                self.meanwhile()
                if self.fail_after:
                    target(effect)
                    raise IntegrationFailure(f"{name} timed out at the far end")
            return target(effect)

        return call


def slow_world(store: Store, slow_key: Callable[[str], bool]) -> tuple[World, SlowPorts]:
    world = World(store)
    slow = SlowPorts(world.fakes, slow_key)
    ports = cast(Any, slow)
    integrations = attrs.evolve(
        world.fakes.integrations(),
        payroll=ports,
        expenses=ports,
        access=ports,
        billing=ports,
        eraser=ports,
        notifier=ports,
    )
    world.service = cc.CollaborationService(
        store, integrations=integrations, clock=world.clock, ids=world.service.configuration.ids
    )
    return world, slow


def ended_expenses(world: World, customers: int) -> None:
    """An office that ended its expenses collaboration with each of ``customers`` companies:
    one effect of each is due at once, so one claim takes them all."""
    world.office()
    for n in range(customers):
        world.customer(f"c{n}")
        collab = world.collaboration(cc.EXPENSES, customer_id=f"c{n}")
        world.service.end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES)


def second_worker(world: World, make: SecondStore) -> Relay:
    return Relay(attrs.evolve(world.service.configuration, store=make()), retry=POLICY)


def item(world: World, key: str) -> OutboxItem:
    with world.store.transaction(write=False) as uow:
        found = uow.get_outbox_item(key)
    assert found is not None
    return found


@pytest.mark.parametrize("late_outcome", ["done", "failed"])
def test_a_stale_worker_writes_nothing_over_the_new_owner(
    stores: tuple[Store, SecondStore], late_outcome: str
) -> None:
    store, make = stores
    world, slow = slow_world(store, lambda key: ":1:" in key)
    (collab,) = world.setup(cc.PAYROLL)
    result = world.service.end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES)
    key = result.effects[0].key
    assert ":1:" in key
    other = second_worker(world, make)
    taken_over: list[RelayReport] = []

    def meanwhile() -> None:
        world.clock.advance(LEASE + timedelta(seconds=1))
        taken_over.append(other.run_once(limit=1))

    slow.meanwhile = meanwhile
    slow.fail_after = late_outcome == "failed"
    first = world.service.relay(POLICY).run_once(limit=1)

    assert taken_over == [RelayReport(done=1)], "the second worker took the expired lease over"
    assert first == RelayReport(stale=1), "the first worker's late write was refused and reported"
    after = item(world, key)
    assert after.status is EffectStatus.DONE
    assert after.attempts == 1 and len(after.history) == 1 and after.history[0].error is None
    assert after.lease is None
    # The rest of the end goes on normally, and nothing runs a second time.
    world.service.relay(POLICY).drain()
    assert item(world, key).status is EffectStatus.DONE
    assert world.fakes.performed[key] == 1


def test_a_long_batch_is_not_taken_twice_by_live_workers(stores: tuple[Store, SecondStore]) -> None:
    store, make = stores
    world, slow = slow_world(store, lambda key: key.startswith("collab-1:"))
    ended_expenses(world, 4)
    other = second_worker(world, make)
    seconds: list[RelayReport] = []

    def meanwhile() -> None:
        # The first call of the batch outlives the whole batch's lease; the second worker
        # takes the batch over, the slow effect included.
        world.clock.advance(LEASE + timedelta(seconds=1))
        seconds.append(other.run_once(limit=10))

    slow.meanwhile = meanwhile
    first = world.service.relay(POLICY).run_once(limit=4)

    assert seconds == [RelayReport(done=4)]
    assert first == RelayReport(done=0, stale=4), "its own slow effect was taken over too"
    calls: dict[str, int] = {}
    for _, key in world.fakes.calls:
        calls[key] = calls.get(key, 0) + 1
    slow_keys = [k for k in calls if k.startswith("collab-1:")]
    assert len(slow_keys) == 1 and calls[slow_keys[0]] == 2, "the one slow call was repeated, as leases allow"
    assert all(n == 1 for k, n in calls.items() if k not in slow_keys), calls


def test_a_worker_renews_a_lease_half_used_and_keeps_the_effect(stores: tuple[Store, SecondStore]) -> None:
    store, make = stores
    world, slow = slow_world(store, lambda key: key.startswith("collab-1:"))
    ended_expenses(world, 2)
    other = second_worker(world, make)
    seconds: list[RelayReport] = []

    def meanwhile() -> None:
        # Most of the lease is used, none has run out: nobody may take the batch yet.
        world.clock.advance(LEASE * 0.9)
        seconds.append(other.run_once(limit=10))

    slow.meanwhile = meanwhile
    first = world.service.relay(POLICY).run_once(limit=2)
    assert seconds == [RelayReport()]
    assert first == RelayReport(done=2)
    # The second effect's lease was renewed before its call: a worker arriving when the
    # first lease would have run out still finds it taken.
    assert all(n == 1 for n in world.fakes.performed.values())
    assert not world.fakes.repeats
