"""Where 0.1's modules and root names went: old import paths keep working, with a
DeprecationWarning, until 1.0 (docs/upgrading.md). Only strings here: nothing is imported until asked for."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings
from collections.abc import Sequence
from typing import Any

MOVED_MODULES: dict[str, tuple[str, ...]] = {
    "collabcore.errors": ("collabcore.domain",),
    "collabcore.planning": ("collabcore.policy.planner", "collabcore.domain"),
    "collabcore.rules": ("collabcore.policy.engine", "collabcore.policy.facts", "collabcore.domain"),
    "collabcore.rulebook": ("collabcore.policy.rules", "collabcore.policy.engine", "collabcore.domain"),
    "collabcore.products": ("collabcore.policy.products", "collabcore.domain"),
    "collabcore.texts": ("collabcore.wording.texts",),
    "collabcore.service": ("collabcore.app.service",),
    "collabcore.bulk": ("collabcore.app.bulk", "collabcore.app.requests"),
    "collabcore.relay": ("collabcore.app.relay",),
    "collabcore.serialization": ("collabcore.adapters.serialization",),
    "collabcore.notifiers": ("collabcore.adapters.notifier", "collabcore.testing.fakes"),
    "collabcore.world": ("collabcore.testing.world",),
    "collabcore.demo": ("collabcore.tools.demo",),
    "collabcore.cli": ("collabcore.tools.cli",),
    "collabcore.reference": ("collabcore.tools.reference",),
}
"""Old module -> the modules that now hold its names, searched in order."""

MOVED_NAMES: dict[str, str] = {
    **dict.fromkeys(
        (
            "CollaborationEnded",
            "CollaborationStarted",
            "CustomerUserAdded",
            "EndRefusedRecorded",
            "MainContactChanged",
            "SubscriptionCancelled",
            "UserRoleChanged",
            "VariantChanged",
            "AccessLevel",
            "Attempt",
            "Consequences",
            "CustomerCollaborations",
            "Notification",
            "OverviewCursor",
            "CorruptRecord",
            "EffectStatus",
            "Event",
            "OutboxItem",
            "OverviewPage",
            "SchemaVersionError",
        ),
        "collabcore.domain",
    ),
    **dict.fromkeys(("BulkItem", "BulkStatus", "RelayReport"), "collabcore.app"),
    **dict.fromkeys(("Facts", "Words"), "collabcore.policy"),
    **dict.fromkeys(
        (
            "AccessPort",
            "BillingPort",
            "BookkeepingPort",
            "EraserPort",
            "ExpensesPort",
            "ExtraFactsPort",
            "NotifierPort",
            "PayrollPort",
            "Store",
            "UnitOfWork",
        ),
        "collabcore.ports",
    ),
    **dict.fromkeys(("Localizer", "Texts"), "collabcore.wording"),
    **dict.fromkeys(
        ("event_from_data", "from_data", "from_json", "make_converter", "to_data", "to_json"),
        "collabcore.adapters.serialization",
    ),
    "LoggingNotifier": "collabcore.adapters.notifier",
    **dict.fromkeys(
        ("FakeIntegrations", "IntegrationFailure", "ManualClock", "RecordingNotifier", "World"),
        "collabcore.testing",
    ),
}
"""Names that left the package root in 0.2 -> where they live now."""


def moved_name(name: str) -> Any:
    """A 0.1 root name, from its new home, with a warning that says where that is."""
    home = MOVED_NAMES.get(name)
    if home is None:
        raise AttributeError(f"module 'collabcore' has no attribute {name!r}")
    warnings.warn(
        f"collabcore.{name} moved to {home}.{name} in 0.2; import it from there (the old name goes in 0.3).",
        DeprecationWarning,
        stacklevel=3,
    )
    return getattr(importlib.import_module(home), name)


class _MovedModule(types.ModuleType):
    def __init__(self, name: str, homes: Sequence[str]) -> None:
        super().__init__(name, f"Moved in collabcore 0.2 to {', '.join(homes)}.")
        self.__homes = tuple(homes)

    def __getattr__(self, attribute: str) -> Any:
        for home in self.__homes:
            module = importlib.import_module(home)
            if hasattr(module, attribute):
                return getattr(module, attribute)
        raise AttributeError(f"{self.__name__}.{attribute} is gone; see CHANGELOG.md (0.2, Moved)")


class _MovedFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED_MODULES:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return _MovedModule(spec.name, MOVED_MODULES[spec.name])

    def exec_module(self, module: types.ModuleType) -> None:
        homes = " and ".join(MOVED_MODULES[module.__name__])
        warnings.warn(
            f"{module.__name__} moved to {homes} in collabcore 0.2; import from there "
            "(the old path goes in 0.3).",
            DeprecationWarning,
            stacklevel=2,
        )


def install() -> None:
    """Answer the old paths; real modules are found first, so this only ever sees old names."""
    if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
        sys.meta_path.append(_MovedFinder())
