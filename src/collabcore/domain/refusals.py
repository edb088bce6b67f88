"""The refusals that carry a plan: who may not act, and an end the rules refuse."""

from __future__ import annotations

from collections.abc import Sequence

from collabcore.domain.errors import OperationRefused
from collabcore.domain.findings import Finding
from collabcore.domain.plans import Plan


class NotAuthorized(OperationRefused):
    """R1/R13/R14: the actor may not do this (decided from stored roles only)."""

    def __init__(
        self,
        message: str,
        findings: Sequence[Finding] = (),
        *,
        hint: str | None = None,
        plan: Plan | None = None,
    ) -> None:
        self.plan = plan
        super().__init__(message, findings, hint=hint)


class EndRefused(OperationRefused):
    """Ending is blocked or not yet acknowledged; ``plan`` has every finding."""

    def __init__(self, plan: Plan, message: str | None = None) -> None:
        self.plan = plan
        blocking = plan.blocking_findings
        codes = ", ".join(f.code for f in blocking)
        super().__init__(
            message or f"Ending collaboration {plan.collaboration.id} was refused ({codes}).",
            blocking,
            hint="Fix the blockers and acknowledge what needs it; plan.findings has the steps.",
        )
