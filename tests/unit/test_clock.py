"""The clock is checked where the service is configured and at every reading: no naive
time is compared or written, whichever operation reads it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

import collabcore as cc
from collabcore.ports import Store
from collabcore.testing import World
from collabcore.testing.contract import snapshot


def test_a_naive_clock_is_refused_where_the_service_is_configured() -> None:
    with pytest.raises(cc.ConfigurationError, match="time zone"):
        cc.CollaborationService(cc.MemoryStore(), clock=lambda: datetime(2026, 1, 1))
    with pytest.raises(cc.InvalidInput) as bad:
        cc.CollaborationService(cc.MemoryStore(), clock="now")  # type: ignore[arg-type]
    assert bad.value.path == "clock"


class TurnsNaive:
    """A host clock that is right at configuration, then loses its time zone."""

    def __init__(self) -> None:
        self.naive = False

    def __call__(self) -> datetime:
        now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
        return now.replace(tzinfo=None) if self.naive else now


OPERATIONS: dict[str, Callable[[World], object]] = {
    "change_role": lambda w: w.service.change_role(
        "customer-1", "staff", cc.Role.ADMINISTRATOR, actor=w.office_admin()
    ),
    "set_main_contact": lambda w: w.service.set_main_contact("customer-1", "boss", actor=w.office_admin()),
    "add_customer_user": lambda w: w.service.add_customer_user(
        "customer-1", cc.CustomerUser("new", "New"), actor=w.office_admin()
    ),
    "change_variant": lambda w: w.service.change_variant("collab-1", actor=w.office_admin(), variant="pro"),
    "cancel_subscription": lambda w: w.service.cancel_subscription(
        "customer-1", cc.PAYROLL, actor=w.customer_admin()
    ),
    "a refused end": lambda w: w.service.end("collab-2", actor=w.office_admin(), outcome=cc.Outcome.DELETE),
    "end": lambda w: w.service.end("collab-1", actor=w.office_admin(), outcome=cc.Outcome.DEACTIVATE),
    "start_collaboration": lambda w: w.service.start_collaboration(
        actor=w.customer_admin(), office_id="office-1", customer_id="customer-1", product=cc.PAYROLL
    ),
    "relay": lambda w: w.relay().drain(),
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
@pytest.mark.parametrize(
    "store_kind", ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_a_clock_that_turns_naive_writes_nothing(
    operation: str, store_kind: str, tmp_path: object, request: pytest.FixtureRequest
) -> None:
    store: Store
    if store_kind == "memory":
        store = cc.MemoryStore()
    elif store_kind == "sqlite":
        store = cc.SQLiteStore(f"{tmp_path}/clock.db")
    else:
        dsn = request.getfixturevalue("postgres_dsn")
        store = cc.PostgresStore(dsn, schema=request.getfixturevalue("postgres_schema"), max_size=2)
    clock = TurnsNaive()
    world = World(store)
    ids = world.service.configuration.ids
    world.service = cc.CollaborationService(
        store, integrations=world.fakes.integrations(), clock=clock, ids=ids
    )
    world.office()
    world.customer()
    world.service.register_collaboration(
        office_id="office-1", customer_id="customer-1", product=cc.BOOKKEEPING
    )
    world.service.register_collaboration(office_id="office-1", customer_id="customer-1", product=cc.EXPENSES)
    collabs = ["collab-1", "collab-2"]
    if operation == "relay":
        world.service.end("collab-1", actor=world.office_admin(), outcome=cc.Outcome.DEACTIVATE)
    before = snapshot(world, ["customer-1"], collabs)
    clock.naive = True
    with pytest.raises(cc.ConfigurationError, match="time zone"):
        OPERATIONS[operation](world)
    assert snapshot(world, ["customer-1"], collabs) == before
    clock.naive = False
    # Everything written stays readable (a naive time once made the SQLite trail unreadable).
    assert world.service.events_of_customer("customer-1")
    store.close()
