"""Plans: what ending a collaboration would do, as a plain value that changes nothing."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from attrs import frozen

from collabcore.domain.deferred import deferred_fields, unrendered
from collabcore.domain.effects import Effect
from collabcore.domain.findings import Finding, Severity
from collabcore.domain.model import Actor, Collaboration, Outcome, Party


class AccessLevel(StrEnum):
    """How much of the product a party can use after an end."""

    FULL = "full"
    READ_ONLY = "read_only"
    PAYROLL_PROGRAM = "payroll_program"
    """Payroll: the company goes on in the payroll program, not online (R10)."""
    NONE = "none"


@deferred_fields("lines")
@frozen
class Consequences:
    """What an end means for each party: who keeps what access, who pays until when, and
    whether data is deleted."""

    outcome: Outcome
    office_access: AccessLevel
    """What the office keeps: none, or read-only after a deactivation (R20)."""
    company_access: AccessLevel
    """What the company keeps."""
    payer: Party
    """Who pays until ``paid_until``: the collaboration's invoice recipient."""
    paid_until: date
    """The end of the billing month the end takes effect in (R23)."""
    next_payer: Party | None
    """Who pays from the day after ``paid_until``; None when the subscription ends."""
    data_deleted: bool
    """True when the product's data is erased (R7)."""
    lines: tuple[str, ...]
    """The same, in the reader's words."""


@frozen
class TimelineStep:
    """One dated line of what an end does: the day, and what happens on it in words."""

    on: date
    text: str
    key: str
    """The text key, a machine-readable name of the step such as ``timeline.ends``."""


@deferred_fields("effect_descriptions", "consequences", "timeline")
@frozen
class Plan:
    """What ending would do. Its words (the findings' messages and remedies, the effects'
    descriptions, the consequences with their lines, the timeline) are worked out when first
    read: an end that goes ahead reads none of them."""

    collaboration: Collaboration
    """The collaboration as it was read when planning."""
    actor: Actor
    """Who would end it."""
    outcome: Outcome
    """What would become of the service."""
    findings: tuple[Finding, ...]
    """Everything every rule found, at once, in the rulebook's order."""
    effects: tuple[Effect, ...]
    """What ending would cause outside the library, in the order the product needs."""
    effect_descriptions: tuple[str, ...]
    """The effects in the reader's words, one per effect."""
    consequences: Consequences | None
    """Who keeps access, who pays until when, whether data is deleted. None when ending would
    cause no effect: the collaboration has ended already (R5), its product does not offer the
    outcome (R15), or the product lists no effects for the outcome. Check for None before
    reading ``consequences.lines``."""
    acknowledged: frozenset[str]
    """The codes the actor acknowledged (``acknowledge``)."""
    deletion_confirmed: bool
    """Whether the actor confirmed deleting the data (``confirm_deletion``, R7)."""
    brand: str
    """The brand its words are in, such as ``visma``."""
    language: str
    """The language its words are in, such as ``en``."""
    planned_at: datetime
    """When it was planned."""
    confirmation_codes: frozenset[str] = frozenset()
    """The codes only ``confirm_deletion=True`` acknowledges (R7), never ``acknowledge``."""
    effective_on: date | None = None
    """The day the end takes effect; None: the moment it is carried out (today)."""
    timeline: tuple[TimelineStep, ...] = ()
    """What happens on each date, in order: scheduled, ends, paid until, read-only until."""

    @property
    def blockers(self) -> tuple[Finding, ...]:
        """The findings that stop the end whatever is acknowledged."""
        return tuple(f for f in self.findings if f.severity is Severity.BLOCKER)

    @property
    def unacknowledged(self) -> tuple[Finding, ...]:
        """The findings that need an acknowledgement (or R7's confirmation) not yet given."""
        return tuple(
            f
            for f in self.findings
            if f.severity is Severity.NEEDS_ACKNOWLEDGEMENT and not self._acknowledges(f.code)
        )

    @property
    def blocking_findings(self) -> tuple[Finding, ...]:
        """Everything that stops the end as planned: the blockers, then the unacknowledged;
        ``end`` raises with these."""
        return self.blockers + self.unacknowledged

    @property
    def allowed(self) -> bool:
        """True when ending would go ahead with these acknowledgements."""
        for f in self.findings:  # blocking_findings, stopping at the first (every end asks)
            severity = f.severity
            if severity is Severity.BLOCKER or (
                severity is Severity.NEEDS_ACKNOWLEDGEMENT and not self._acknowledges(f.code)
            ):
                return False
        return True

    @property
    def needs_acknowledgement(self) -> frozenset[str]:
        """The codes to pass in ``acknowledge`` (R7 goes with ``confirm_deletion``)."""
        return frozenset(f.code for f in self.unacknowledged if f.code not in self.confirmation_codes)

    @property
    def needs_deletion_confirmation(self) -> bool:
        """True when the end deletes data and ``confirm_deletion=True`` was not given (R7)."""
        return any(f.code in self.confirmation_codes for f in self.unacknowledged)

    @property
    def codes(self) -> tuple[str, ...]:
        """Every finding's code, in the findings' order."""
        return tuple(f.code for f in self.findings)

    @property
    def acknowledged_codes(self) -> tuple[str, ...]:
        """What the end's event records as acknowledged: ``acknowledge``, and R7 if confirmed."""
        confirmed = self.confirmation_codes if self.deletion_confirmed else frozenset()
        return tuple(sorted(self.acknowledged | confirmed))

    def at(self, moment: datetime) -> Plan:
        """The same plan as planned at ``moment`` (a memoized plan, handed out again), its
        words still unrendered if they were."""
        return unrendered(self, planned_at=moment)

    def _acknowledges(self, code: str) -> bool:
        if code in self.confirmation_codes:
            return self.deletion_confirmed
        return code in self.acknowledged


@frozen
class MovePlan:
    """What moving products from one office to another would do, changing nothing: the end of
    each collaboration with the old office (every rule of an end), the findings of each start
    with the new one (every rule of a start), the hand-over in words, and when what happens."""

    customer_id: str
    from_office_id: str
    to_office_id: str
    ends: tuple[Plan, ...]
    start_findings: tuple[Finding, ...]
    handover: tuple[str, ...]
    """Who pays what until when, and what is handed over, in the reader's words."""
    timeline: tuple[TimelineStep, ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        """What stands in the way or asks for an acknowledgement on either side, and the
        start's information. An end's information is left out: it tells of the company
        going on alone, which a move is not. Each said once, though several products say it."""
        ending = (f for p in self.ends for f in p.findings if f.severity is not Severity.INFO)
        unique: dict[tuple[str, str], Finding] = {}
        for f in (*ending, *self.start_findings):
            unique.setdefault((f.code, f.message), f)
        return tuple(unique.values())

    @property
    def blocking_findings(self) -> tuple[Finding, ...]:
        starting = tuple(f for f in self.start_findings if f.severity is Severity.BLOCKER)
        return tuple(f for p in self.ends for f in p.blocking_findings) + starting

    @property
    def allowed(self) -> bool:
        return not self.blocking_findings

    @property
    def needs_acknowledgement(self) -> frozenset[str]:
        return frozenset(c for p in self.ends for c in p.needs_acknowledgement)
