"""Tools for testing collabcore and the hosts built on it.

- :class:`StoreContract`: the contract every store must pass. Subclass it in
  a test module, give it a ``make_store`` and pytest runs the whole suite
  against your adapter (this repository runs it on memory, SQLite and
  PostgreSQL).
- :class:`World`: a ready cast of offices, customers and collaborations.
- :mod:`collabcore.testing.strategies`: hypothesis strategies for the domain.

Needs pytest (and hypothesis for the strategies): ``pip install collabcore[test]``.
"""

from __future__ import annotations

from collabcore.testing.contract import StoreContract
from collabcore.world import (
    CUSTOMER_ADMIN,
    CUSTOMER_USER,
    OFFICE_ADMIN,
    OFFICE_CLERK,
    OFFICE_JUNIOR_ADMIN,
    ManualClock,
    World,
)

__all__ = [
    "CUSTOMER_ADMIN",
    "CUSTOMER_USER",
    "OFFICE_ADMIN",
    "OFFICE_CLERK",
    "OFFICE_JUNIOR_ADMIN",
    "ManualClock",
    "StoreContract",
    "World",
]
