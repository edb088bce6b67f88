"""Fault injection for stores: make a unit of work die at a chosen step.

``FaultyStore`` wraps any store; ``arm("before:commit", nth=2)`` makes the
second commit raise :class:`Crash`. Crash is a ``BaseException`` so that no
``except Exception`` in the library or the host swallows it: to the code
under test it looks like the process died at that point.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from collabcore.adapters.by_parts import EndsByParts
from collabcore.ports import Store


class Crash(BaseException):
    """Not an Exception: nothing in the library may catch it, as with a killed process."""


class FaultyUnitOfWork(EndsByParts):
    """Wraps a unit of work; every method call passes two crash points, before and after.

    An end's reads and writes are taken part by part (EndsByParts), so that each part is a
    crash point of its own; a store's one-round-trip versions are atomic from outside. So
    are the relay's (:class:`~collabcore.ports.OutboxInFewerStatements`): hidden unless the
    store is made with ``whole=True``, when they are crash points of their own."""

    def __init__(self, inner: Any, store: FaultyStore) -> None:
        self._inner = inner
        self._store = store

    def __getattr__(self, name: str) -> Any:
        if name in FEWER_STATEMENTS and not self._store.whole:
            raise AttributeError(name)  # the relay then takes the finer methods
        target = getattr(self._inner, name)
        if not callable(target):
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            self._store.tick(f"before:{name}")
            result = target(*args, **kwargs)
            self._store.tick(f"after:{name}")
            return result

        return call


FEWER_STATEMENTS = frozenset({"lease_outbox_items", "settle_outbox_item", "notification_reads"})


class FaultyStore:
    """Wraps a store; raises Crash the ``nth`` time the point ``crash_at`` is reached."""

    def __init__(self, inner: Store, *, whole: bool = False) -> None:
        self.inner = inner
        self.whole = whole
        self.crash_at: str | None = None
        self.nth = 1
        self.seen = 0

    def arm(self, point: str, nth: int = 1) -> None:
        self.crash_at, self.nth, self.seen = point, nth, 0

    def tick(self, point: str) -> None:
        if point == self.crash_at:
            self.seen += 1
            if self.seen == self.nth:
                self.crash_at = None
                raise Crash(point)

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Any]:
        with self.inner.transaction(write=write) as uow:
            yield FaultyUnitOfWork(uow, self)

    def close(self) -> None:
        self.inner.close()
