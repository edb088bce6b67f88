"""Bulk ends in batches (issue 26): a batch is read and written a few statements at a time,
and each item's answer is still the one it gets ending alone, one after the other; a batch
that dies half-way keeps nothing of itself, and running the bulk again ends every item
exactly once.

The batch path and the one-by-one path are run on two copies of the same world, with a
clock that stands still (so that both read the same time), and compared item by item and
row by row.
"""

from __future__ import annotations

import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import collabcore as cc
from collabcore.app import BulkItem, BulkStatus
from collabcore.domain import CollaborationEnded, StorageError
from collabcore.ports import Store
from collabcore.testing import World
from collabcore.testing.faults import Crash, FaultyStore
from collabcore.testing.world import ManualClock

PRODUCTS = (cc.BOOKKEEPING, cc.PAYROLL, cc.EXPENSES)


class StillClock(ManualClock):
    """A clock that reads the same time every time: the two paths read it in other orders."""

    def __call__(self) -> Any:
        return self.now


StoreMaker = Callable[[], Store]


def _sqlite() -> Store:
    return cc.SQLiteStore(Path(tempfile.mkdtemp(prefix="bulk-")) / "bulk.db")


def _postgres(dsn: str) -> StoreMaker:
    from collabcore.adapters.postgres import PostgresStore

    return lambda: PostgresStore(dsn, schema=f"t_{uuid.uuid4().hex[:16]}", max_size=2)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def make_store(request: pytest.FixtureRequest) -> Iterator[StoreMaker]:
    made: list[Store] = []
    if request.param == "memory":
        maker: StoreMaker = cc.MemoryStore
    elif request.param == "sqlite":
        maker = _sqlite
    else:
        maker = _postgres(request.getfixturevalue("postgres_dsn"))

    def make() -> Store:
        made.append(maker())
        return made[-1]

    yield make
    for store in made:
        drop = getattr(store, "drop_schema", None)
        if drop is not None:
            drop()
        store.close()


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """Customers with a few collaborations each, some ended already, some with another office,
    some without a main contact (R3 refuses), some with a bank integration or reports open
    (R17, R11); a list of requests with repeats and ids nobody has; how to end each product."""
    customers = []
    for n in range(draw(st.integers(1, 5))):
        collaborations = []
        for product in draw(st.lists(st.sampled_from(PRODUCTS), unique=True, max_size=3)):
            collaborations.append(
                (product, draw(st.sampled_from(("office-1", "office-1", "office-2"))), draw(st.booleans()))
            )
        customers.append(
            {
                "id": f"c{n}",
                "main_contact": draw(st.booleans()) or n == 0,
                "bank": draw(st.booleans()),
                "reports": draw(st.integers(0, 1)),
                "collaborations": collaborations,
            }
        )
    outcomes = {
        cc.BOOKKEEPING: draw(st.sampled_from((cc.Outcome.DEACTIVATE, cc.Outcome.CUSTOMER_CONTINUES))),
        cc.PAYROLL: draw(st.sampled_from((cc.Outcome.END_SUBSCRIPTION, cc.Outcome.CUSTOMER_CONTINUES))),
        cc.EXPENSES: draw(st.sampled_from((cc.Outcome.DELETE, cc.Outcome.CUSTOMER_CONTINUES))),
    }
    return {
        "customers": customers,
        "outcomes": outcomes,
        "picks": draw(st.lists(st.integers(0, 30), min_size=1, max_size=14)),
        "acknowledge": frozenset(draw(st.lists(st.sampled_from(("R16", "R11", "R12")), unique=True))),
        "confirm": draw(st.booleans()),
        "prefix": draw(st.sampled_from((None, "bulk-1"))),
        "batch_size": draw(st.integers(2, 6)),
    }


def built(store: Store, scenario: dict[str, Any]) -> tuple[World, list[str]]:
    """The scenario's world on ``store``, and every collaboration id in it, in order."""
    world = World(store, clock=StillClock())
    world.office("office-1")
    world.office("office-2")
    ids = []
    for c in scenario["customers"]:
        world.customer(c["id"], main_contact=True)
        for product, office, ended in c["collaborations"]:
            actor = cc.Actor.customer(c["id"], "boss")
            collab = world.service.start_collaboration(
                actor=actor, office_id=office, customer_id=c["id"], product=product
            )
            if ended:
                outcome = next(iter(world.service.products.get(product).outcomes))
                world.service.end(
                    collab.id,
                    actor=actor,
                    outcome=outcome,
                    acknowledge={"R16", "R11", "R12"},
                    confirm_deletion=True,
                )
            ids.append(collab.id)
        world.fakes.set_facts(c["id"], bank_integration_active=c["bank"], unsubmitted_reports=c["reports"])
        if not c["main_contact"]:
            with store.transaction() as uow:
                stored = uow.get_customer(c["id"])
                assert stored is not None
                uow.update_customer(
                    cc.Customer(
                        stored.id,
                        stored.number,
                        stored.name,
                        stored.users,
                        None,
                        stored.language,
                        stored.version + 1,
                    ),
                    expected_version=stored.version,
                )
                uow.commit()
    return world, ids


def requests_of(scenario: dict[str, Any], ids: list[str], world: World) -> list[Any]:
    products = {}
    with world.store.transaction(write=False) as uow:
        for cid in ids:
            c = uow.get_collaboration(cid)
            assert c is not None
            products[cid] = c.product
    wanted: list[Any] = []
    for pick in scenario["picks"]:
        if pick < len(ids):
            cid = ids[pick]
            wanted.append(
                cc.EndRequest(
                    cid, scenario["outcomes"][products[cid]], scenario["acknowledge"], scenario["confirm"]
                )
            )
        elif pick % 7 == 0:
            wanted.append("not a request")
        else:
            wanted.append(cc.EndRequest(f"nobody-{pick}", cc.Outcome.DEACTIVATE))
    return wanted


def state(world: World, customers: list[str], ids: list[str]) -> dict[str, Any]:
    """What is stored, without the ids the service makes up (they come in another order)."""
    with world.store.transaction(write=False) as uow:
        return {
            "collaborations": [uow.get_collaboration(cid) for cid in ids],
            "subscriptions": [uow.get_subscription(c, p) for c in customers for p in PRODUCTS],
            "events": [
                (type(e).__name__, getattr(e, "collaboration_id", None))
                for c in customers
                for e in uow.events_of_customer(c)
            ],
            "outbox": sorted(
                (i.effect.collaboration_id, i.effect.step, i.effect.kind.value, i.status.value)
                for cid in ids
                for i in uow.outbox(collaboration_id=cid)
            ),
            "requests": sorted(
                (r.customer_id, r.kind.value, r.status.value, r.collaboration_id or "")
                for c in customers
                for r in uow.requests(customer_id=c)
            ),
        }


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenarios())
def test_a_batch_answers_each_item_as_one_by_one_would(
    make_store: StoreMaker, scenario: dict[str, Any]
) -> None:
    answers, states = [], []
    for batch_size in (scenario["batch_size"], 1):  # the batch path, then one by one
        world, ids = built(make_store(), scenario)
        requests = requests_of(scenario, ids, world)
        items = list(
            world.service.end_many(
                requests,
                actor=world.office_admin(),
                idempotency_prefix=scenario["prefix"],
                batch_size=batch_size,
            )
        )
        assert len(items) == len(requests)
        answers.append(items)
        states.append(state(world, [c["id"] for c in scenario["customers"]], ids))
    batched, alone = answers
    assert batched == alone
    assert states[0] == states[1]


# --- dying half-way -------------------------------------------------------------------------


def closing_office(store: Store, customers: int) -> World:
    world = World(store)
    world.office()
    for n in range(customers):
        world.customer(f"c{n:03d}")
        world.collaboration(cc.BOOKKEEPING, customer_id=f"c{n:03d}")
        if n % 3 == 0:  # some customers end two collaborations in one batch
            world.collaboration(cc.EXPENSES, customer_id=f"c{n:03d}")
    return world


OUTCOMES = {cc.BOOKKEEPING: cc.Outcome.CUSTOMER_CONTINUES, cc.EXPENSES: cc.Outcome.CUSTOMER_CONTINUES}


def close(world: World) -> list[BulkItem]:
    """What a restarted process does: the office's whole list again, under the same prefix."""
    with world.store.transaction(write=False) as uow:
        every = [c for n in range(40) for c in [uow.get_collaboration(f"collab-{n + 1}")] if c is not None]
    return list(
        world.service.end_many(
            [cc.EndRequest(c.id, OUTCOMES[c.product]) for c in every],
            actor=world.office_admin(),
            idempotency_prefix="close",
            batch_size=7,
        )
    )


def every_effect_once(world: World, ends: int) -> None:
    with world.store.transaction(write=False) as uow:
        events = [e for n in range(30) for e in uow.events_of_customer(f"c{n:03d}")]
        outbox = uow.outbox()
    assert Counter(e.collaboration_id for e in events if isinstance(e, CollaborationEnded)) == Counter(
        {c: 1 for c in {e.collaboration_id for e in events if isinstance(e, CollaborationEnded)}}
    )
    assert len([e for e in events if isinstance(e, CollaborationEnded)]) == ends
    world.clock.advance(timedelta(hours=1))
    world.relay().drain()
    assert len(world.fakes.performed) == len(outbox) and set(world.fakes.performed.values()) == {1}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        made: Store = cc.SQLiteStore(tmp_path / "bulk.db")
    else:
        from collabcore.adapters.postgres import PostgresStore

        made = PostgresStore(
            request.getfixturevalue("postgres_dsn"), schema=request.getfixturevalue("postgres_schema")
        )
    yield made
    made.close()


@pytest.mark.parametrize(
    ("point", "nth"),
    [
        ("before:load_ends", 1),
        ("after:load_ends", 4),
        ("before:record_ends", 5),
        ("after:record_ends", 4),
        ("before:commit", 3),
        ("after:commit", 3),
    ],
)
def test_a_batch_that_dies_half_way_keeps_nothing_and_a_rerun_ends_each_once(
    store: Store, point: str, nth: int
) -> None:
    """The process dies at a point of the nth batch (the store's batch methods are atomic
    from outside, so the crash points are around them); a restarted bulk with the same
    prefix replays what was committed and ends the rest, and every effect is carried out
    once."""
    faulty = FaultyStore(store)
    world = closing_office(faulty, 30)
    faulty.arm(point, nth)
    seen: list[BulkItem] = []
    with pytest.raises(Crash):
        for item in world.service.end_all_of_office(
            "office-1",
            actor=world.office_admin(),
            outcomes=OUTCOMES,
            idempotency_prefix="close",
            batch_size=7,
        ):
            seen.append(item)
    assert all(i.status is BulkStatus.ENDED for i in seen)
    with store.transaction(write=False) as uow:
        ended = {
            c.id
            for n in range(40)
            for c in [uow.get_collaboration(f"collab-{n + 1}")]
            if c and not c.is_active
        }
    # What was answered was committed; of the batch that died, nothing (all of it when it died
    # just after its commit, before it could answer).
    answered = {i.collaboration_id for i in seen}
    assert answered <= ended
    assert len(ended - answered) == (7 if point == "after:commit" else 0)
    committed = len(ended)
    again = close(world)  # the restarted process
    assert len(again) == 40 and all(i.status is BulkStatus.ENDED for i in again)
    assert sum(1 for i in again if i.result is not None and i.result.replayed) == committed
    every_effect_once(world, 40)


class FailingOnce:
    """A store whose first batch write fails as storage can (an Exception, not a death)."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.failed = False

    def transaction(self, *, write: bool = True) -> Any:
        return _Wrapped(self, self.inner.transaction(write=write))

    def close(self) -> None:
        self.inner.close()


class _Wrapped:
    def __init__(self, store: FailingOnce, inner: Any) -> None:
        self.store, self.inner = store, inner

    def __enter__(self) -> Any:
        return _FailingUow(self.store, self.inner.__enter__())

    def __exit__(self, *exc: Any) -> Any:
        return self.inner.__exit__(*exc)


class _FailingUow:
    def __init__(self, store: FailingOnce, inner: Any) -> None:
        self._store, self._inner = store, inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def record_ends(self, writes: Any) -> None:
        self._inner.record_ends(writes)  # written, then the failure: the batch must keep none of it
        if not self._store.failed:
            self._store.failed = True
            raise StorageError("The disk is full.")


def test_a_batch_whose_write_fails_is_ended_one_by_one_each_once(store: Store) -> None:
    world = closing_office(FailingOnce(store), 30)
    items = close(world)
    assert len(items) == 40 and all(i.status is BulkStatus.ENDED for i in items)
    assert not any(i.result is not None and i.result.replayed for i in items)
    every_effect_once(world, 40)


class Spying:
    """A store that counts the calls its units of work get, by method."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()

    def transaction(self, *, write: bool = True) -> Any:
        return _Spied(self, self.inner.transaction(write=write))

    def collaboration_parties(self, ids: Any) -> Any:
        self.calls["collaboration_parties"] += 1
        return self.inner.collaboration_parties(ids)  # type: ignore[attr-defined]

    def close(self) -> None:
        self.inner.close()


class _Spied:
    def __init__(self, store: Spying, inner: Any) -> None:
        self.store, self.inner = store, inner

    def __enter__(self) -> Any:
        uow = self.inner.__enter__()
        calls = self.store.calls

        class Uow:
            def __getattr__(self, name: str) -> Any:
                found = getattr(uow, name)
                if not callable(found):
                    return found

                def call(*args: Any, **kwargs: Any) -> Any:
                    calls[name] += 1
                    return found(*args, **kwargs)

                return call

        return Uow()

    def __exit__(self, *exc: Any) -> Any:
        return self.inner.__exit__(*exc)


def test_a_batch_is_read_and_written_together_not_item_by_item(store: Store) -> None:
    """An office ending a product for its customers: each batch reads its collaborations'
    parties once, then in its transaction reads and writes all its ends together."""
    world = World(store)
    world.office()
    for n in range(30):
        world.customer(f"c{n:03d}")
        world.collaboration(cc.BOOKKEEPING, customer_id=f"c{n:03d}")
    spy = Spying(store)
    service = cc.CollaborationService(spy, integrations=world.fakes.integrations(), clock=world.clock)
    items = list(
        service.end_all_of_office(
            "office-1", actor=world.office_admin(), outcomes=OUTCOMES, idempotency_prefix="p", batch_size=10
        )
    )
    assert len(items) == 30 and all(i.status is BulkStatus.ENDED for i in items)
    batches = 3
    assert spy.calls["collaboration_parties"] == batches
    assert spy.calls["load_ends"] == spy.calls["record_ends"] == spy.calls["commit"] == batches
    assert spy.calls["load_end"] == spy.calls["record_end"] == 0
