"""Rows already decoded, kept by their stored text so that reading them again is free.

Decoding a row (JSON, then checked attrs values) costs far more than the database
read itself. A row's stored text determines its value, and the values kept here are
frozen, so a hit is exactly what decoding again would give; a row that changed has
a new text and misses. Nothing here can be stale, so nothing is ever invalidated:
the oldest entries simply make room.
"""

from __future__ import annotations

import threading
from typing import Any

from collabcore.domain.errors import InvalidInput, describe
from collabcore.domain.model import AccountingOffice, Collaboration, Customer, Subscription

KEPT_KINDS = frozenset({AccountingOffice, Customer, Collaboration, Subscription})
"""The frozen, often re-read kinds. Outbox items and events change or are read once."""

DEFAULT_SIZE = 4096


class DecodedRows:
    """A bounded map from (kind, stored text) to the decoded value, shared by threads."""

    __slots__ = ("_lock", "_size", "_values")

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._size = size
        self._values: dict[tuple[type, str], Any] = {}
        self._lock = threading.Lock()

    def get(self, kind: type, text: str) -> Any:
        """The value decoded from ``text`` before, or None."""
        return self._values.get((kind, text))

    def put(self, kind: type, text: str, value: Any) -> None:
        with self._lock:
            if len(self._values) >= self._size:
                # Oldest first: dicts keep insertion order.
                del self._values[next(iter(self._values))]
            self._values[(kind, text)] = value

    def __len__(self) -> int:
        return len(self._values)


def cache_for(size: int) -> DecodedRows | None:
    """The cache a store asked for with ``decoded_rows=size``; 0 turns it off."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise InvalidInput(
            f"decoded_rows must be a whole number of rows, 0 or more, got {describe(size)}.",
            hint="0 turns the cache of decoded rows off.",
        )
    return DecodedRows(size) if size else None
