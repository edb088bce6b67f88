"""Findings: what a rule found, in words, with the steps that fix it."""

from __future__ import annotations

from enum import StrEnum

from attrs import frozen

from collabcore.domain.deferred import deferred_fields


class Severity(StrEnum):
    """How much a finding stops: a blocker, one that needs acknowledging, or information."""

    BLOCKER = "blocker"
    """Ending (or the operation) cannot go ahead until it is fixed."""
    NEEDS_ACKNOWLEDGEMENT = "needs_acknowledgement"
    """It may go ahead once the actor acknowledges the finding by its code."""
    INFO = "info"
    """Something the actor should know; never stops anything."""


@deferred_fields("message", "remedy")
@frozen
class Finding:
    """A rendered flag: stable code, severity, message and ordered remedy steps. The
    planner's findings render their words the first time they are read."""

    code: str
    severity: Severity
    message: str
    remedy: tuple[str, ...] = ()
    key: str = ""
    """The text key, a finer machine-readable code such as ``R11.delete``."""
    language: str = ""
    """The language its message is written in: the plan's, or another where the catalog had
    no text for it and fell back (``Localizer.language_of``); "" when not told. The remedy
    falls back on its own: ``localizer.language_of(f"{finding.key}.remedy")`` tells its."""
