"""A role's contract runs on its own: here the outbox's, on a store whose outbox is wrapped,
as a host that brings its own outbox would test it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from collabcore.adapters import MemoryStore
from collabcore.ports import Store, UnitOfWork
from collabcore.testing import LifecycleContract, OutboxContract, StoreContract


class CountingOutboxStore:
    """A memory store whose outbox calls are counted, standing in for a host's own outbox."""

    def __init__(self) -> None:
        self.inner = MemoryStore()
        self.claims = 0

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[UnitOfWork]:
        with self.inner.transaction(write=write) as uow:
            yield _Counting(uow, self)

    def close(self) -> None:
        self.inner.close()


class _Counting:
    def __init__(self, inner: Any, store: CountingOutboxStore) -> None:
        self._inner = inner
        self._store = store

    def claim_due_effects(self, *, now: Any, limit: int) -> Any:
        self._store.claims += 1
        return self._inner.claim_due_effects(now=now, limit=limit)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class TestOutboxRoleOnItsOwn(OutboxContract):
    def make_store(self, tmp_path: Path) -> Store:
        return CountingOutboxStore()


class TestLifecycleRoleOnAWrappedStore(LifecycleContract):
    """The lifecycle's contract alone, through a unit of work that is not collabcore's own
    class (as a host's adapter would be)."""

    def make_store(self, tmp_path: Path) -> Store:
        return CountingOutboxStore()


def test_the_whole_contract_is_every_role() -> None:
    roles = {base.__name__ for base in StoreContract.__bases__}
    assert roles == {
        "TransactionContract",
        "DirectoryContract",
        "OverviewContract",
        "AuditTrailContract",
        "EndStorageContract",
        "EndAbilitiesContract",
        "IdempotencyContract",
        "TenancyContract",
        "OutboxContract",
        "SecurityContract",
        "LifecycleContract",
    }
    whole = {n for n in dir(StoreContract) if n.startswith("test_")}
    by_role = {n for base in StoreContract.__bases__ for n in dir(base) if n.startswith("test_")}
    assert whole == by_role
