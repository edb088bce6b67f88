"""Plans kept by everything they are computed from: pages that show a plan on every view
get it from here. A plan is a pure function of its inputs, so a hit is exact."""

from __future__ import annotations

import threading
from collections.abc import Hashable

from collabcore.domain.plans import Plan


class PlanMemo:
    """A bounded map from a plan's inputs to the plan; the oldest entry makes room. It
    also counts its plans by collaboration, so that an end can tell, without building a
    key (hashing every value read), whether a plan of its collaboration may be here."""

    __slots__ = ("_collaborations", "_lock", "_plans", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self._plans: dict[Hashable, Plan] = {}
        self._collaborations: dict[str, int] = {}
        self._lock = threading.Lock()

    def knows(self, collaboration_id: str) -> bool:
        """Whether some plan of ``collaboration_id`` is kept (of any inputs)."""
        return collaboration_id in self._collaborations

    def get(self, key: Hashable) -> Plan | None:
        """The plan for ``key``; raises TypeError for an unhashable key (the caller plans anew)."""
        return self._plans.get(key)

    def put(self, key: Hashable, plan: Plan) -> None:
        with self._lock:
            if key in self._plans:
                return
            if len(self._plans) >= self.size:
                self._forget(self._plans.pop(next(iter(self._plans))).collaboration.id)
            self._plans[key] = plan
            held = plan.collaboration.id
            self._collaborations[held] = self._collaborations.get(held, 0) + 1

    def _forget(self, collaboration_id: str) -> None:
        left = self._collaborations[collaboration_id] - 1
        if left:
            self._collaborations[collaboration_id] = left
        else:
            del self._collaborations[collaboration_id]
