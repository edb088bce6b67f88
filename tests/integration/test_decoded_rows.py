"""The cache of decoded rows never shows a value the database no longer holds."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import collabcore as cc
from collabcore.adapters.decoded import DecodedRows, cache_for
from collabcore.domain import CorruptRecord
from collabcore.testing import World


def _customer(store: cc.SQLiteStore, customer_id: str = "customer-1") -> cc.Customer | None:
    with store.transaction(write=False) as uow:
        return uow.get_customer(customer_id)


def test_a_row_rewritten_behind_the_stores_back_is_read_anew(tmp_path: Path) -> None:
    path = tmp_path / "behind.db"
    world = World(cc.SQLiteStore(path))
    world.setup(cc.BOOKKEEPING)
    store = world.store
    assert isinstance(store, cc.SQLiteStore)
    before = _customer(store)
    assert before is not None and _customer(store) is before  # the second read is the kept value
    renamed = attrs.evolve(before, name="Renamed AB")
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE customers SET data = ? WHERE id = 'customer-1'", (store_text(store, renamed),))
    assert _customer(store) == renamed


def store_text(store: cc.SQLiteStore, value: object) -> str:
    with store.transaction(write=False) as uow:
        text: str = uow._json(value)
        return text


def test_a_corrupted_row_is_refused_although_its_old_text_was_kept(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    world = World(cc.SQLiteStore(path))
    (collab,) = world.setup(cc.BOOKKEEPING)
    admin = world.office_admin()
    world.service.plan_end(collab.id, actor=admin, outcome=cc.Outcome.DEACTIVATE)
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE customers SET data = '{\"id\": 5}' WHERE id = ?", (collab.customer_id,))
    with pytest.raises(CorruptRecord, match="customers"):
        world.service.plan_end(collab.id, actor=admin, outcome=cc.Outcome.DEACTIVATE)


names = st.text(alphabet="abcåäö XYZ-", min_size=1, max_size=12).filter(str.strip)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(renames=st.lists(names, min_size=1, max_size=6))
def test_with_and_without_the_cache_every_read_is_the_same(tmp_path: Path, renames: list[str]) -> None:
    path = tmp_path / f"{uuid.uuid4().hex}.db"
    cached, plain = cc.SQLiteStore(path, decoded_rows=2), cc.SQLiteStore(path, decoded_rows=0)
    World(cached).setup(cc.PAYROLL)
    for name in renames:
        current = _customer(cached)
        assert current is not None
        with cached.transaction() as uow:
            uow.update_customer(
                attrs.evolve(current, name=name, version=current.version + 1),
                expected_version=current.version,
            )
            uow.commit()
        assert _customer(cached) == _customer(plain)
        assert _customer(cached, "nobody") is None
    cached.close()
    plain.close()


def test_postgres_reads_a_row_changed_by_another_process_anew(
    postgres_dsn: str, postgres_schema: str
) -> None:
    from collabcore.adapters.postgres import PostgresStore

    first, second = (PostgresStore(postgres_dsn, schema=postgres_schema) for _ in range(2))
    world = World(first)
    (collab,) = world.setup(cc.EXPENSES)
    admin = world.office_admin()
    plan = cc.CollaborationService(
        second, integrations=world.fakes.integrations(), clock=world.clock
    ).plan_end(collab.id, actor=admin, outcome=cc.Outcome.DELETE)
    assert plan.collaboration == collab
    world.service.end(collab.id, actor=admin, outcome=cc.Outcome.DELETE, confirm_deletion=True)
    with second.transaction(write=False) as uow:
        reread = uow.get_collaboration(collab.id)
    assert reread is not None and reread.status is cc.Status.ENDED
    first.close()
    second.close()


def test_the_oldest_decoded_rows_make_room() -> None:
    rows = DecodedRows(2)
    rows.put(str, "a", "A")
    rows.put(str, "b", "B")
    rows.put(str, "c", "C")
    assert (rows.get(str, "a"), rows.get(str, "b"), rows.get(str, "c")) == (None, "B", "C")
    assert len(rows) == 2
    assert rows.get(int, "b") is None  # the kind is part of the key


@pytest.mark.parametrize("size", [-1, 1.5, True, "10"])
def test_a_bad_cache_size_is_refused(size: object, tmp_path: Path) -> None:
    with pytest.raises(cc.InvalidInput, match="decoded_rows"):
        cc.SQLiteStore(tmp_path / "x.db", decoded_rows=size)  # type: ignore[arg-type]
    assert not (tmp_path / "x.db").exists()
    assert cache_for(0) is None


def test_a_whole_office_read_takes_from_the_cache_but_keeps_nothing(tmp_path: Path) -> None:
    """A whole office is a scan: an office larger than the cache would push out the pages
    people view again, and keep nothing anyone reads twice."""
    world = World(cc.SQLiteStore(tmp_path / "scan.db", decoded_rows=100))
    world.office()
    for n in range(5):
        world.customer(f"c{n}", number=f"{n:03d}")
        world.collaboration(cc.BOOKKEEPING, customer_id=f"c{n}")
    store, actor = world.store, world.office_admin()
    assert isinstance(store, cc.SQLiteStore) and store._decoded is not None
    cache = store._decoded
    page = world.service.overview("office-1", actor=actor, limit=2)
    kept = len(cache)
    assert kept >= 4  # two customers and their collaborations
    whole = world.service.overview("office-1", actor=actor)
    assert len(cache) == kept, "the whole office kept nothing"
    assert whole.items[: len(page.items)] == page.items
    first = page.items[0].customer
    assert world.service.overview("office-1", actor=actor).items[0].customer is first, "it took what was kept"
