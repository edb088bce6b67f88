"""The texts of the lifecycle beyond an instant end (scheduled ends, acceptance,
invitations, grace periods, moving); their words are in the catalogs with the rest."""

from __future__ import annotations

from collabcore.domain.requests import LifecycleRequest
from collabcore.wording.texts import Localizer

LIFECYCLE_TEXTS: frozenset[str] = frozenset(
    (
        "L1",
        "L1.remedy",
        "R20.grace",
        "action.move",
        "effect.change_payer",
        "effect.grant_office_access",
        "effect.revoke_linked_services",
        "move.payer",
        "move.same_office",
        "move.summary",
        "notice.awaiting",
        "notice.awaiting.subject",
        "notice.declined",
        "notice.declined.subject",
        "notice.end_blocked",
        "notice.end_blocked.subject",
        "notice.moved_in",
        "notice.moved_in.subject",
        "notice.moved_out",
        "notice.moved_out.subject",
        "notice.read_only_ended",
        "notice.read_only_ended.subject",
        "notice.scheduled",
        "notice.scheduled.subject",
        "notice.withdrawn",
        "notice.withdrawn.subject",
        "overview.awaiting",
        "overview.ends_on",
        "overview.read_only_until",
        "overview.read_only_while",
        "request.invitation",
        "request.read_only_access",
        "request.scheduled_end",
        "request.settled",
        "request.scheduled_already",
        "request.status.awaiting_acceptance",
        "request.status.blocked",
        "request.status.carried_out",
        "request.status.declined",
        "request.status.expired",
        "request.status.scheduled",
        "request.status.superseded",
        "request.status.withdrawn",
        "rule.L1",
        "timeline.ends",
        "timeline.next_payer",
        "timeline.paid_until",
        "timeline.read_only_ends",
        "timeline.read_only_while",
        "timeline.scheduled",
    )
)
"""The service requires them whatever the rulebook holds."""


def request_status(request: LifecycleRequest, loc: Localizer) -> str:
    """Where ``request`` stands, in ``loc``'s words ("carried out", "awaits the company's
    acceptance until 2026-11-30"...): never the status's raw value."""
    awaits = "" if request.awaits is None else loc.text(f"party.{request.awaits.value}")
    day = request.expires_at.date() if request.expires_at is not None else request.effective_on
    return loc.text(
        f"request.status.{request.status.value}", party=awaits, date="" if day is None else day.isoformat()
    )


def scheduled_already(request: LifecycleRequest, loc: Localizer, product: str) -> str:
    """Why a second end is not scheduled beside ``request``, the one waiting, in ``loc``'s words."""
    return loc.text(
        "request.scheduled_already",
        product=product,
        date="" if request.effective_on is None else request.effective_on.isoformat(),
        request=request.id,
    )


def settled_already(request: LifecycleRequest, loc: Localizer) -> str:
    """Why a settled request is not answered again, in ``loc``'s words, with its status in words."""
    return loc.text("request.settled", request=request.id, status=request_status(request, loc))
