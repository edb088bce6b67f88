"""Storage adapters (memory, SQLite, PostgreSQL), their shared SQL, the decoded-row cache, serialization."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from collabcore.adapters.by_parts import EndsByParts, load_end_by_parts, record_end_by_parts
from collabcore.adapters.memory import MemoryStore
from collabcore.adapters.sqlite import SQLiteStore
from collabcore.domain.errors import InvalidInput, describe
from collabcore.ports import Store

if TYPE_CHECKING:
    from collabcore.adapters.postgres import PostgresStore

__all__ = [
    "EndsByParts",
    "MemoryStore",
    "PostgresStore",
    "SQLiteStore",
    "load_end_by_parts",
    "open_store",
    "record_end_by_parts",
]


def open_store(target: str | os.PathLike[str], **options: Any) -> Store:
    """A store for ``target``: a SQLite file path, or a ``postgresql://`` DSN.

    PostgreSQL needs the ``postgres`` extra (``pip install collabcore[postgres]``).
    """
    if not isinstance(target, str | os.PathLike):
        raise InvalidInput(
            f"target must be a file path or a postgresql:// DSN, got {describe(target)}.", path="target"
        )
    text = os.fspath(target)
    if not isinstance(text, str):
        raise InvalidInput(f"target must be a text path, got {describe(target)}.", path="target")
    if text.startswith(("postgresql://", "postgres://")):
        from collabcore.adapters.postgres import PostgresStore

        return PostgresStore(text, **options)
    return SQLiteStore(text, **options)


if not TYPE_CHECKING:  # a type checker sees the import above, and flags a typo as one

    def __getattr__(name: str) -> Any:
        # PostgresStore is imported on first use, so that psycopg stays an optional extra.
        if name == "PostgresStore":
            from collabcore.adapters.postgres import PostgresStore

            return PostgresStore
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
