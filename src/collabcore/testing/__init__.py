"""For testing collabcore and its hosts: World, fakes, the store contract, faults, strategies, fixtures.

- :class:`StoreContract`: the contract every store must pass. Subclass it in
  a test module, give it a ``make_store`` and pytest runs the whole suite
  against your adapter (this repository runs it on memory, SQLite and
  PostgreSQL).
- :class:`HostTransactionContract`: for a store that can work in the host's own
  transaction (``store.joining(connection)``, ``service.within(connection)``).
- :class:`World`: a ready cast of offices, customers and collaborations.
- :class:`FakeIntegrations`: every integration port in memory, with facts set in one line.
- :mod:`collabcore.testing.strategies`: hypothesis strategies for the domain.
- :mod:`collabcore.testing.plugin`: pytest fixtures for a host's own tests, loaded by
  pytest itself (``collabcore_world``, the stores...), and the store contract on a host's
  store named in its pytest configuration.

The contracts and fixtures need pytest, the strategies hypothesis (``pip install
collabcore[test]``); World and the fakes need neither.
Production code never imports this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from collabcore.testing.contract import (
        AuditTrailContract,
        DirectoryContract,
        EndAbilitiesContract,
        EndStorageContract,
        HostTransactionContract,
        IdempotencyContract,
        LifecycleContract,
        OutboxContract,
        OverviewContract,
        StoreContract,
        TenancyContract,
        TransactionContract,
    )

_CONTRACTS = frozenset(
    {
        "AuditTrailContract",
        "DirectoryContract",
        "EndAbilitiesContract",
        "EndStorageContract",
        "HostTransactionContract",
        "IdempotencyContract",
        "LifecycleContract",
        "OutboxContract",
        "OverviewContract",
        "StoreContract",
        "TenancyContract",
        "TransactionContract",
    }
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
    "EndAbilitiesContract",
    "EndStorageContract",
    "FakeIntegrations",
    "HostTransactionContract",
    "IdempotencyContract",
    "IntegrationFailure",
    "LifecycleContract",
    "ManualClock",
    "OutboxContract",
    "OverviewContract",
    "RecordingNotifier",
    "StoreContract",
    "TenancyContract",
    "TransactionContract",
    "World",
]


if not TYPE_CHECKING:  # a type checker sees the imports above

    def __getattr__(name: str) -> Any:
        # The contracts need pytest; World and the fakes do not (the demo and the command
        # line use them on an install without the test extras).
        if name in _CONTRACTS:
            from collabcore.testing import contract

            return getattr(contract, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
