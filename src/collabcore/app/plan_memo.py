"""Plans kept by everything they are computed from: pages that show a plan on every view
get it from here. A plan is a pure function of its inputs, so a hit is exact."""

from __future__ import annotations

import threading
from collections.abc import Hashable

from collabcore.domain.plans import Plan


class PlanMemo:
    """A bounded map from a plan's inputs to the plan; the oldest entry makes room."""

    __slots__ = ("_lock", "_plans", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self._plans: dict[Hashable, Plan] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Plan | None:
        """The plan for ``key``; raises TypeError for an unhashable key (the caller plans anew)."""
        return self._plans.get(key)

    def put(self, key: Hashable, plan: Plan) -> None:
        with self._lock:
            if len(self._plans) >= self.size:
                self._plans.pop(next(iter(self._plans)))
            self._plans[key] = plan
