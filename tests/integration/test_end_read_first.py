"""An end is read and decided before its locks (issue 26; on every store). Whatever
another writer changes while the integrations answer, through the end's own store or
another one on the same database (another process), the end comes to exactly what it
comes to when that change was made before it: the same result or the same error, and the
same rows."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import collabcore as cc
from collabcore.domain import CollaborationEnded, EndRefusedRecorded
from collabcore.ports import Store
from collabcore.testing import FakeIntegrations, World

Change = Callable[[World], object]


def _office(world: World, users: Callable[[cc.OfficeUser], cc.OfficeUser], name: str | None = None) -> None:
    with world.store.transaction(write=False) as uow:
        current = uow.get_office("office-1")
    assert current is not None
    world.service.register_office(
        cc.AccountingOffice(
            current.id, name or current.name, tuple(users(u) for u in current.users), current.language
        )
    )


def _demoted(user: cc.OfficeUser) -> cc.OfficeUser:
    return cc.OfficeUser(user.id, user.name, cc.Role.USER, user.full_rights) if user.id == "admin" else user


CHANGES: dict[str, Change] = {
    "nothing": lambda world: None,
    "the office renamed": lambda world: _office(world, lambda u: u, "Renamed AB"),
    "the office's administrator demoted": lambda world: _office(world, _demoted),
    "the company ends it first": lambda world: world.service.end(
        "collab-1", actor=world.customer_admin(), outcome=cc.Outcome.DEACTIVATE, acknowledge={"R16"}
    ),
    "another collaboration started": lambda world: world.collaboration(cc.EXPENSES),
    "another customer registered": lambda world: world.customer("customer-9"),
    "its key taken by another end": lambda world: world.service.end(
        "collab-2", actor=world.office_admin(), outcome=cc.Outcome.END_SUBSCRIPTION, idempotency_key="k"
    ),
}


class Meddling(FakeIntegrations):
    def __init__(self, meddle: Callable[[], None]) -> None:
        super().__init__()
        self.meddle: Callable[[], None] | None = meddle

    def bank_integration_active(self, customer_id: str) -> bool:
        if self.meddle is not None:
            meddle, self.meddle = self.meddle, None  # once, as one writer's change
            meddle()
        return False


class Stores:
    """Fresh stores of one kind, each on a database of its own, and a second store on the
    same database as one of them (what another process opens)."""

    def __init__(self, kind: str, dsn: str | None) -> None:
        self.kind, self.dsn = kind, dsn
        self.made: list[Store] = []

    def new(self) -> Store:
        if self.kind == "memory":
            store: Store = cc.MemoryStore()
        elif self.kind == "sqlite":
            store = cc.SQLiteStore(Path(tempfile.mkdtemp(prefix="read-first-")) / "end.db")
        else:
            from collabcore.adapters.postgres import PostgresStore

            assert self.dsn is not None
            store = PostgresStore(self.dsn, schema=f"t_{uuid.uuid4().hex[:16]}", max_size=2)
        self.made.append(store)
        return store

    def twin(self, store: Store) -> Store:
        if isinstance(store, cc.MemoryStore):
            return store  # one process's memory: there is no other way in
        if isinstance(store, cc.SQLiteStore):
            return cc.SQLiteStore(store.path)
        from collabcore.adapters.postgres import PostgresStore

        assert isinstance(store, PostgresStore) and self.dsn is not None
        return PostgresStore(self.dsn, schema=store.schema, max_size=1)

    def drop(self) -> None:
        for store in self.made:
            drop = getattr(store, "drop_schema", None)
            if drop is not None:
                drop()
            store.close()
        self.made.clear()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def stores(request: pytest.FixtureRequest) -> Iterator[Stores]:
    dsn = request.getfixturevalue("postgres_dsn") if request.param == "postgres" else None
    made = Stores(request.param, dsn)
    yield made
    made.drop()


def _world(store: Store) -> World:
    world = World(store)
    world.office()
    world.customer()
    world.collaboration(cc.BOOKKEEPING)  # collab-1, the one ended
    world.collaboration(cc.PAYROLL)  # collab-2, which another end may take the key with
    return world


def _made_by(change: Change, world: World, stores: Stores | None) -> Callable[[], None]:
    """``change`` as made through this world's store, or (with ``stores``) through a second
    store on the same database: another connection, as another process has."""
    if stores is None:

        def here() -> None:
            change(world)

        return here

    def there() -> None:
        other = World(stores.twin(world.store))
        # Its own service, whose new ids go on from the ones this world has made.
        other.service = cc.CollaborationService(
            other.store, integrations=other.fakes.integrations(), clock=other.clock, ids=lambda: "collab-3"
        )
        try:
            change(other)
        finally:
            other.store.close()

    return there


def _end(service: cc.CollaborationService, world: World, outcome: cc.Outcome) -> object:
    try:
        result = service.end(
            "collab-1", actor=world.office_admin(), outcome=outcome, acknowledge={"R16"}, idempotency_key="k"
        )
    except cc.CollabCoreError as error:
        return (type(error).__name__, tuple(f.code for f in getattr(error, "findings", ())))
    return ("ended", result.collaboration.status, result.collaboration.outcome, result.effects)


def _rows(world: World) -> dict[str, Any]:
    """What is stored, less the clock's readings (each world's clock is read a different
    number of times: the end read before its lock reads it once more)."""
    with world.store.transaction(write=False) as uow:
        collaborations = [uow.get_collaboration(f"collab-{n}") for n in (1, 2, 3)]
        events = uow.events_of_customer("customer-1")
        return {
            "collaborations": [
                None if c is None else (c.id, c.status, c.ended_by, c.outcome, c.version)
                for c in collaborations
            ],
            "outbox": [(i.key, i.effect, i.status) for i in uow.outbox()],
            "events": [
                (type(e).__name__, getattr(e, "collaboration_id", None), getattr(e, "codes", None))
                for e in events
                if isinstance(e, CollaborationEnded | EndRefusedRecorded)
            ],
            "subscriptions": [uow.get_subscription("customer-1", p) for p in (cc.BOOKKEEPING, cc.PAYROLL)],
        }


@settings(max_examples=36, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.sampled_from(sorted(CHANGES)),
    st.booleans(),
    st.sampled_from([cc.Outcome.CUSTOMER_CONTINUES, cc.Outcome.DEACTIVATE]),
)
def test_an_end_decided_before_its_lock_comes_to_what_it_comes_to_after_the_change(
    stores: Stores, change: str, elsewhere: bool, outcome: cc.Outcome
) -> None:
    try:
        meanwhile, before = _world(stores.new()), _world(stores.new())
        where = stores if elsewhere else None
        fakes = Meddling(_made_by(CHANGES[change], meanwhile, where))
        service = cc.CollaborationService(
            meanwhile.store, integrations=fakes.integrations(), clock=meanwhile.clock
        )
        made_meanwhile = _end(service, meanwhile, outcome)
        _made_by(CHANGES[change], before, where)()
        made_after = _end(before.service, before, outcome)
        assert made_meanwhile == made_after
        assert _rows(meanwhile) == _rows(before)
    finally:
        stores.drop()
