"""Bulk end: one result per item, progress, resumable, and flat memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

import collabcore as cc
from collabcore.app import BulkStatus
from collabcore.domain import EndRefusedRecorded
from collabcore.testing import World


def test_each_item_gets_its_own_result(world: World) -> None:
    world.office()
    for n in range(3):
        world.customer(f"c{n}")
    ok = world.collaboration(cc.BOOKKEEPING, customer_id="c0")
    blocked = world.collaboration(cc.BOOKKEEPING, customer_id="c1")
    world.fakes.set_facts("c1", bank_integration_active=True)
    seen: list[tuple[int, BulkStatus]] = []
    items = list(
        world.service.end_many(
            [
                cc.EndRequest(ok.id, cc.Outcome.DEACTIVATE),
                cc.EndRequest(blocked.id, cc.Outcome.DEACTIVATE),
                cc.EndRequest("no-such-collaboration", cc.Outcome.DEACTIVATE),
            ],
            actor=world.office_admin(),
            progress=lambda done, item: seen.append((done, item.status)),
        )
    )
    assert [i.status for i in items] == [BulkStatus.ENDED, BulkStatus.REFUSED, BulkStatus.FAILED]
    assert items[0].result is not None and items[0].result.collaboration.status is cc.Status.ENDED
    assert [f.code for f in items[1].findings] == ["R17"]
    assert items[2].error is not None and "No collaboration" in items[2].error
    assert seen == [(1, BulkStatus.ENDED), (2, BulkStatus.REFUSED), (3, BulkStatus.FAILED)]


def test_an_office_closes_page_by_page(world: World) -> None:
    world.office()
    for n in range(450):
        world.customer(f"c{n:04d}")
        world.collaboration(cc.BOOKKEEPING, customer_id=f"c{n:04d}")
        world.collaboration(cc.PAYROLL, customer_id=f"c{n:04d}")
    outcomes = {cc.BOOKKEEPING: cc.Outcome.CUSTOMER_CONTINUES}
    results = world.service.end_all_of_office(
        "office-1", actor=world.office_admin(), outcomes=outcomes, idempotency_prefix="close-1"
    )
    first = [next(results) for _ in range(100)]  # the process "stops" here
    assert all(i.status is BulkStatus.ENDED for i in first)
    rest = list(
        world.service.end_all_of_office(
            "office-1", actor=world.office_admin(), outcomes=outcomes, idempotency_prefix="close-1"
        )
    )
    assert len(rest) == 350 and all(i.status is BulkStatus.ENDED for i in rest)
    page = world.service.overview("office-1", actor=world.office_admin())
    assert len(page.items) == 450
    assert all([c.product for c in i.collaborations] == [cc.PAYROLL] for i in page.items)


def _bulk_peak(tmp_path: Path, count: int) -> int:
    # A cache of decoded rows smaller than either run: both fill it, so what is left to
    # compare is whether the bulk end itself holds on to its items.
    world = World(cc.SQLiteStore(tmp_path / f"bulk-{count}.db", synchronous="OFF", decoded_rows=100))
    world.office()
    for n in range(count):
        world.customer(f"c{n:05d}")
        world.collaboration(cc.EXPENSES, customer_id=f"c{n:05d}")
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    ended = sum(
        1
        for item in world.service.end_all_of_office(
            "office-1", actor=world.office_admin(), outcomes={cc.EXPENSES: cc.Outcome.CUSTOMER_CONTINUES}
        )
        if item.status is BulkStatus.ENDED
    )
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    world.store.close()
    assert ended == count
    return peak


def test_bulk_memory_does_not_grow_with_the_number_of_items(tmp_path: Path) -> None:
    small, large = _bulk_peak(tmp_path, 300), _bulk_peak(tmp_path, 1500)
    # Five times the items: the peak may wobble, but it must not follow the count.
    assert large < small * 2, (small, large)


def test_a_batch_commits_together_and_audits_its_refusals(world: World) -> None:
    world.office()
    collabs = []
    for n in range(5):
        world.customer(f"c{n}")
        collabs.append(world.collaboration(cc.BOOKKEEPING, customer_id=f"c{n}"))
    world.fakes.set_facts("c2", bank_integration_active=True)
    requests = [cc.EndRequest(c.id, cc.Outcome.DEACTIVATE) for c in collabs]
    items = list(world.service.end_many(requests, actor=world.office_admin(), batch_size=5))
    assert [i.status for i in items].count(BulkStatus.ENDED) == 4
    assert items[2].status is BulkStatus.REFUSED and [f.code for f in items[2].findings] == ["R17"]
    refusals = [e for e in world.service.events_of_customer("c2") if isinstance(e, EndRefusedRecorded)]
    assert [r.codes for r in refusals] == [("R17",)]


def test_a_failed_batch_is_redone_one_by_one(world: World) -> None:
    from collabcore.testing.faults import FaultyStore

    faulty = FaultyStore(cc.MemoryStore())
    world = World(faulty)
    world.office()
    collabs = []
    for n in range(4):
        world.customer(f"c{n}")
        collabs.append(world.collaboration(cc.EXPENSES, customer_id=f"c{n}"))

    broken = {"left": 1}

    def fail_first_commit(point: str) -> None:
        if point == "before:commit" and broken["left"]:
            broken["left"] -= 1
            raise cc.StorageError("disk full (injected)")

    faulty.tick = fail_first_commit  # type: ignore[method-assign]
    requests = [cc.EndRequest(c.id, cc.Outcome.CUSTOMER_CONTINUES) for c in collabs]
    items = list(
        world.service.end_many(requests, actor=world.office_admin(), idempotency_prefix="b", batch_size=4)
    )
    assert [i.status for i in items] == [BulkStatus.ENDED] * 4
    with world.store.transaction(write=False) as uow:
        assert all(uow.get_collaboration(c.id).status is cc.Status.ENDED for c in collabs)  # type: ignore[union-attr]
        assert len(uow.outbox()) == 4 * 4


def test_batch_size_is_checked(world: World) -> None:
    with pytest.raises(cc.InvalidInput, match="batch_size"):
        world.service.end_many([], actor=world.office_admin(), batch_size=0)
