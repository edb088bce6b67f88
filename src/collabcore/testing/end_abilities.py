"""The optional abilities of a store that make an end take fewer statements
(:class:`~collabcore.ports.PartiesBeforeAnEnd`, :class:`~collabcore.ports.EndsReadBeforeTheirLock`,
:class:`~collabcore.ports.EndsInBatches`): each gives what the plain methods give, and
writes all or nothing. Part of :class:`~collabcore.testing.StoreContract`; a test of an
ability the store does not offer is skipped, saying which."""

from __future__ import annotations

from typing import Any

import pytest

from collabcore.domain.errors import ConcurrencyConflict
from collabcore.domain.events import CollaborationEnded
from collabcore.domain.model import BOOKKEEPING, EXPENSES, PAYROLL, AccountingOffice, Collaboration, Outcome
from collabcore.domain.records import EndWrites, IdempotencyKey
from collabcore.testing.contract_base import StoreUnderTest, snapshot
from collabcore.testing.world import World


def _ability(owner: object, *names: str) -> list[Any]:
    """``owner``'s methods of these names, or a skip naming the ability missing."""
    found = [getattr(owner, name, None) for name in names]
    if any(method is None for method in found):
        pytest.skip(f"the store does not offer {' and '.join(names)} (optional)")
    return found


def _writes(world: World, collab: Collaboration, outcome: Outcome, expected_version: int) -> EndWrites:
    """What an end of ``collab`` by the office's admin writes, as the service builds it."""
    plan = world.service.plan_end(collab.id, actor=world.office_admin(), outcome=outcome, acknowledge={"R16"})
    now = world.clock()
    ended = collab.end(actor=world.office_admin(), outcome=outcome, at=now)
    event = CollaborationEnded(
        collab.id,
        collab.office_id,
        collab.customer_id,
        collab.product,
        outcome,
        world.office_admin(),
        (),
        now,
    )
    return EndWrites(ended, expected_version, event, None, plan.effects, now, None)


def _ended(world: World, collab: Collaboration) -> tuple[Any, ...]:
    with world.store.transaction(write=False) as uow:
        stored = uow.get_collaboration(collab.id)
        outbox = uow.outbox(collaboration_id=collab.id)
    return (stored, tuple(item.effect for item in outbox))


class EndAbilitiesContract(StoreUnderTest):
    """What an end's shortcuts must give, wherever a store offers them."""

    def test_collaboration_parties_are_the_stored_ones(self, world: World) -> None:
        (read,) = _ability(world.store, "collaboration_parties")
        first, second = world.setup(BOOKKEEPING, PAYROLL)
        world.customer("customer-2")
        third = world.collaboration(EXPENSES, customer_id="customer-2")
        found = read([first.id, second.id, third.id, "no-such-collaboration"])
        assert dict(found) == {c.id: (c.office_id, c.customer_id, c.product) for c in (first, second, third)}

    def test_an_end_read_first_reads_what_load_end_reads(self, world: World) -> None:
        (read_end,) = _ability(world.store, "read_end")
        bookkeeping, payroll = world.setup(BOOKKEEPING, PAYROLL)
        world.service.end(
            payroll.id, actor=world.office_admin(), outcome=Outcome.END_SUBSCRIPTION, idempotency_key="k"
        )
        for cid in (bookkeeping.id, payroll.id, "no-such-collaboration"):
            for key in (None, IdempotencyKey.of(world.office_admin(), "k")):
                snapshot_read, _ = read_end(cid, idempotency_key=key)
                with world.store.transaction(write=False) as uow:
                    assert snapshot_read == uow.load_end(cid, idempotency_key=key, for_update=False)

    def test_an_end_read_first_is_written_when_nothing_changed(self, world: World) -> None:
        (read_end,) = _ability(world.store, "read_end")
        (collab,) = world.setup(BOOKKEEPING)
        writes = _writes(world, collab, Outcome.CUSTOMER_CONTINUES, collab.version)
        _, read = read_end(collab.id, idempotency_key=None)
        with world.store.transaction() as uow:
            (record,) = _ability(uow, "record_end_as_read")
            assert record(writes, read, commit=True) is True
        assert _ended(world, collab) == (writes.ended, writes.effects)

    def test_an_end_read_first_keeps_nothing_when_what_it_read_changed(self, world: World) -> None:
        (read_end,) = _ability(world.store, "read_end")
        (collab,) = world.setup(BOOKKEEPING)
        writes = _writes(world, collab, Outcome.CUSTOMER_CONTINUES, collab.version)
        _, read = read_end(collab.id, idempotency_key=None)
        with world.store.transaction(write=False) as uow:
            office = uow.get_office("office-1")
        assert office is not None
        world.service.register_office(
            AccountingOffice(office.id, "Renamed AB", office.users, office.language)
        )
        before = snapshot(world, ["customer-1"], [collab.id])
        with world.store.transaction() as uow:
            (record,) = _ability(uow, "record_end_as_read")
            assert record(writes, read, commit=True) is False
        assert snapshot(world, ["customer-1"], [collab.id]) == before

    def test_ends_in_batches_are_the_ends_one_by_one(self, world: World) -> None:
        world.office()
        collabs = []
        for n in (1, 2, 3):
            world.customer(f"customer-{n}")
            collabs.append(world.collaboration(BOOKKEEPING, customer_id=f"customer-{n}"))
        key = IdempotencyKey.of(world.office_admin(), "k")
        asked = [(collabs[0].id, None), (collabs[1].id, key), ("no-such-collaboration", None)]
        writes = [_writes(world, c, Outcome.CUSTOMER_CONTINUES, c.version) for c in collabs[:2]]
        with world.store.transaction() as uow:
            load_ends, record_ends = _ability(uow, "load_ends", "record_ends")
            together = list(load_ends(asked))
            assert together == [uow.load_end(cid, idempotency_key=k, for_update=True) for cid, k in asked]
            record_ends(writes)
            uow.commit()
        assert [_ended(world, c) for c in collabs[:2]] == [(w.ended, w.effects) for w in writes]

    def test_ends_in_batches_keep_nothing_when_one_is_stale(self, world: World) -> None:
        world.office()
        collabs = []
        for n in (1, 2):
            world.customer(f"customer-{n}")
            collabs.append(world.collaboration(BOOKKEEPING, customer_id=f"customer-{n}"))
        writes = [
            _writes(world, collabs[0], Outcome.CUSTOMER_CONTINUES, collabs[0].version),
            _writes(world, collabs[1], Outcome.CUSTOMER_CONTINUES, collabs[1].version + 5),
        ]
        with world.store.transaction(write=False) as probe:
            _ability(probe, "record_ends")
        before = snapshot(world, ["customer-1", "customer-2"], [c.id for c in collabs])
        with pytest.raises(ConcurrencyConflict), world.store.transaction() as uow:
            uow.record_ends(writes)  # type: ignore[attr-defined]  # EndsInBatches, found above
            uow.commit()
        assert snapshot(world, ["customer-1", "customer-2"], [c.id for c in collabs]) == before
