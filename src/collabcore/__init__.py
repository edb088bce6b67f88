"""collabcore: the rules for ending an accounting office's collaboration with a customer,
one service at a time, and a durable, exactly-once way to carry the ending out.

Start with :class:`CollaborationService` over a store (:class:`MemoryStore`,
:func:`open_store` for a SQLite file or a PostgreSQL DSN) and read
:meth:`CollaborationService.plan_end`. Test helpers are in :mod:`collabcore.testing`,
exploration in :mod:`collabcore.explore`; the layers are ``domain``, ``wording``,
``policy``, ``ports``, ``app`` and ``adapters`` (docs/concepts.md, Architecture).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from collabcore import _moved
from collabcore.adapters import MemoryStore, SQLiteStore, open_store
from collabcore.app import (
    CollaborationService,
    EndRequest,
    Integrations,
    Relay,
    RetryPolicy,
)
from collabcore.domain import (
    BOOKKEEPING,
    EXPENSES,
    PAYROLL,
    AccountingOffice,
    Actor,
    AlreadyEnded,
    CollabCoreError,
    Collaboration,
    ConcurrencyConflict,
    ConfigurationError,
    Customer,
    CustomerUser,
    Effect,
    EffectKind,
    EndRefused,
    EndResult,
    Finding,
    IdempotencyKeyReused,
    InvalidInput,
    InvariantViolation,
    NotAuthorized,
    NotFound,
    OfficeUser,
    OperationRefused,
    Outcome,
    OutcomeNotOffered,
    Party,
    Plan,
    RequestStatus,
    Role,
    Severity,
    Status,
    StorageError,
    Subscription,
    SubscriptionStatus,
)
from collabcore.policy import (
    Fact,
    Flag,
    Operation,
    ProductCatalog,
    ProductSpec,
    Rule,
    Rulebook,
    RuleContext,
    default_products,
    default_rulebook,
    rule,
)
from collabcore.wording import SPIRIS, VISMA, Brand, default_texts

if TYPE_CHECKING:
    from collabcore.adapters.postgres import PostgresStore

__version__ = "0.3.0"

__all__ = [
    "BOOKKEEPING",
    "EXPENSES",
    "PAYROLL",
    "SPIRIS",
    "VISMA",
    "AccountingOffice",
    "Actor",
    "AlreadyEnded",
    "Brand",
    "CollabCoreError",
    "Collaboration",
    "CollaborationService",
    "ConcurrencyConflict",
    "ConfigurationError",
    "Customer",
    "CustomerUser",
    "Effect",
    "EffectKind",
    "EndRefused",
    "EndRequest",
    "EndResult",
    "Fact",
    "Finding",
    "Flag",
    "IdempotencyKeyReused",
    "Integrations",
    "InvalidInput",
    "InvariantViolation",
    "MemoryStore",
    "NotAuthorized",
    "NotFound",
    "OfficeUser",
    "Operation",
    "OperationRefused",
    "Outcome",
    "OutcomeNotOffered",
    "Party",
    "Plan",
    "PostgresStore",
    "ProductCatalog",
    "ProductSpec",
    "Relay",
    "RequestStatus",
    "RetryPolicy",
    "Role",
    "Rule",
    "RuleContext",
    "Rulebook",
    "SQLiteStore",
    "Severity",
    "Status",
    "StorageError",
    "Subscription",
    "SubscriptionStatus",
    "__version__",
    "default_products",
    "default_rulebook",
    "default_texts",
    "open_store",
    "rule",
]

_moved.install()


if not TYPE_CHECKING:  # a type checker sees the names above only, and flags a typo as one

    def __getattr__(name: str) -> Any:
        # PostgresStore on first use, so that psycopg stays an optional extra; 0.1's other
        # root names from their new homes, with a DeprecationWarning.
        if name == "PostgresStore":
            from collabcore.adapters.postgres import PostgresStore

            return PostgresStore
        return _moved.moved_name(name)
