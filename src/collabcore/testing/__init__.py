"""For testing collabcore and its hosts: World, fakes, the store contract, faults, strategies, fixtures.

- :class:`StoreContract`: the contract every store must pass. Subclass it in
  a test module, give it a ``make_store`` and pytest runs the whole suite
  against your adapter (this repository runs it on memory, SQLite and
  PostgreSQL).
- :class:`World`: a ready cast of offices, customers and collaborations.
- :class:`FakeIntegrations`: every integration port in memory, with facts set in one line.
- :mod:`collabcore.testing.strategies`: hypothesis strategies for the domain.
- :mod:`collabcore.testing.fixtures`: pytest fixtures for a host's own tests.

Needs pytest (and hypothesis for the strategies): ``pip install collabcore[test]``.
Production code never imports this package.
"""

from __future__ import annotations

from collabcore.testing.contract import (
    AuditTrailContract,
    DirectoryContract,
    EndStorageContract,
    IdempotencyContract,
    OutboxContract,
    OverviewContract,
    StoreContract,
    TenancyContract,
    TransactionContract,
)
from collabcore.testing.fakes import CustomerFacts, FakeIntegrations, IntegrationFailure, RecordingNotifier
from collabcore.testing.world import (
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
    "AuditTrailContract",
    "CustomerFacts",
    "DirectoryContract",
    "EndStorageContract",
    "FakeIntegrations",
    "IdempotencyContract",
    "IntegrationFailure",
    "ManualClock",
    "OutboxContract",
    "OverviewContract",
    "RecordingNotifier",
    "StoreContract",
    "TenancyContract",
    "TransactionContract",
    "World",
]
