"""What every part of the store contract stands on: the store under test, and a snapshot
of what a store holds to compare before and after a refused call."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from collabcore.ports import Store
from collabcore.testing.world import World


def snapshot(world: World, customer_ids: list[str], collaboration_ids: list[str]) -> Any:
    """Everything a store holds about these records, to compare before and after."""
    with world.store.transaction(write=False) as uow:
        return (
            [uow.get_customer(c) for c in customer_ids],
            [uow.get_collaboration(c) for c in collaboration_ids],
            [uow.events_of_customer(c) for c in customer_ids],
            [uow.get_subscription(c, p) for c in customer_ids for p in world.service.products.products],
            sorted(i.key for i in uow.outbox()),
            [uow.requests(customer_id=c) for c in customer_ids],
        )


def audit_added(before: Any, after: Any) -> list[Any]:
    """The events a refused operation added; everything else must be unchanged."""
    customers, collabs, events, subscriptions, outbox, requests = before
    assert (after[0], after[1], after[3], after[4], after[5]) == (
        customers,
        collabs,
        subscriptions,
        outbox,
        requests,
    )
    assert after[2][0][: len(events[0])] == events[0]
    return list(after[2][0][len(events[0]) :])


class StoreUnderTest:
    """The store a contract runs on: subclass a contract and implement :meth:`make_store`."""

    def make_store(self, tmp_path: Path) -> Store:
        """Return a new, empty store of your adapter, one per test; ``tmp_path`` is pytest's,
        for a store that keeps files."""
        raise NotImplementedError("Return a new, empty store of your adapter.")

    def dispose_store(self, store: Store) -> None:
        """Release a store once its test is over: ``close()`` it by default; override to drop a
        database schema as well, say."""
        store.close()

    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[Store]:
        """The fixture every test runs on: ``make_store``'s store, disposed of afterwards."""
        made = self.make_store(tmp_path)
        try:
            yield made
        finally:
            self.dispose_store(made)

    @pytest.fixture
    def world(self, store: Store) -> World:
        """The fixture: a :class:`World` over the store under test, nothing registered yet."""
        return World(store)
