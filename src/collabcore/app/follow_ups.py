"""What an end does to the customer's open lifecycle requests, in the end's own transaction.

A scheduled end of the collaboration that ends another way first is superseded; a
deactivation that leaves the office read-only access opens a read-only-access request
(R20, or the product's grace period); and when the office's last active collaboration
with the company ends, every read-only access it kept there (R20) is revoked through the
relay, with an event and a notification to both parties.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime

import attrs
from attrs import frozen

from collabcore.domain.effects import Effect, EffectKind
from collabcore.domain.events import Event, RequestRecorded, RequestStatusChanged
from collabcore.domain.model import Actor, Collaboration
from collabcore.domain.requests import LifecycleRequest, RequestKind, RequestStatus
from collabcore.ports import UnitOfWork

START_STEP = 0
"""The step of a collaboration's set-up effects (a move's new office): before any end's."""
READ_ONLY_STEP = 100
"""Steps of a read-only access's revocation: after every step of the end that opened it."""
BLOCKED_NOTICE = "notice.end_blocked"
"""The one notice that lists the rules that stopped its request."""
AWAITING_NOTICE = "notice.awaiting"
"""The notice of a request that waits for acceptance: it tells the request's expiry."""
MOVED_IN_NOTICE = "notice.moved_in"
"""The new office's notice of a move: it tells the day its collaboration started."""
NOTICE_STEPS = {
    "notice.read_only_ended": READ_ONLY_STEP + 1,
    "notice.awaiting": 1000,
    "notice.scheduled": 1010,
    "notice.withdrawn": 1020,
    "notice.declined": 1030,
    "notice.end_blocked": 1040,
}
"""The first step of each notice's notifications: after any step of an end, and apart from
each other, so that every notice of one request has keys of its own."""


@frozen
class FollowUps:
    changed: tuple[tuple[LifecycleRequest, int], ...] = ()
    """Requests with the version they were read at."""
    opened: tuple[LifecycleRequest, ...] = ()
    events: tuple[Event, ...] = ()
    effects: tuple[Effect, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.changed or self.opened or self.events or self.effects)

    def __add__(self, other: FollowUps) -> FollowUps:
        return FollowUps(
            self.changed + other.changed,
            self.opened + other.opened,
            self.events + other.events,
            self.effects + other.effects,
        )

    def write(self, uow: UnitOfWork, *, at: datetime) -> None:
        for request, version in self.changed:
            uow.update_request(request, expected_version=version)
        for request in self.opened:
            uow.add_request(request)
        if self.events:
            uow.append_events(self.events)
        if self.effects:
            uow.enqueue_effects(self.effects, at=at)


def status_changed(request: LifecycleRequest, at: datetime) -> RequestStatusChanged:
    r = request
    return RequestStatusChanged(
        r.id, r.kind, r.status, r.office_id, r.customer_id, r.collaboration_id, r.codes, r.settled_by, at
    )


def recorded(request: LifecycleRequest) -> RequestRecorded:
    r = request
    return RequestRecorded(
        r.id,
        r.kind,
        r.status,
        r.office_id,
        r.customer_id,
        r.product,
        r.collaboration_id,
        r.effective_on,
        r.requested_by,
        r.requested_at,
    )


def settled(
    request: LifecycleRequest,
    status: RequestStatus,
    *,
    at: datetime,
    by: Actor | None = None,
    codes: tuple[str, ...] = (),
    effects: tuple[Effect, ...] = (),
) -> FollowUps:
    """One request moved to ``status``, its event, and the effects that go with it."""
    changed = request.settle(status, at=at, by=by, codes=codes)
    return FollowUps(((changed, request.version),), events=(status_changed(changed, at),), effects=effects)


def opened(request: LifecycleRequest, effects: tuple[Effect, ...] = ()) -> FollowUps:
    return FollowUps(opened=(request,), events=(recorded(request),), effects=effects)


def notices(request: LifecycleRequest, notice: str, kinds: Iterable[EffectKind]) -> tuple[Effect, ...]:
    """Notifications about ``request`` (one per kind), grouped with its collaboration so that
    they come after that collaboration's earlier effects."""
    group = request.collaboration_id or request.id
    r = request
    step = NOTICE_STEPS[notice]
    return tuple(
        Effect(group, step + i, kind, r.office_id, r.customer_id, r.product, request_id=r.id, notice=notice)
        for i, kind in enumerate(kinds)
    )


def revocation(request: LifecycleRequest) -> tuple[Effect, ...]:
    """The end of a former office's read-only access: revoke it, then tell both parties."""
    r = request
    assert r.collaboration_id is not None
    revoke = Effect(
        r.collaboration_id,
        READ_ONLY_STEP,
        EffectKind.REVOKE_OFFICE_ACCESS,
        r.office_id,
        r.customer_id,
        r.product,
        request_id=r.id,
    )
    told = notices(
        r,
        "notice.read_only_ended",
        (EffectKind.NOTIFY_OFFICE, EffectKind.NOTIFY_CUSTOMER),
    )
    return (revoke, *told)


def after_end(
    ended: Collaboration,
    open_requests: Sequence[LifecycleRequest],
    others: Sequence[Collaboration],
    effects: Sequence[Effect],
    *,
    at: datetime,
    new_id: Callable[[], str],
    read_only_until: date | None,
    carrying_out: str | None = None,
) -> FollowUps:
    """The follow-ups of ending ``ended``; ``others`` are the customer's other active
    collaborations after it, ``carrying_out`` the scheduled end being carried out (if any).
    A read-only access this end revokes keeps the end's own day as its ``effective_on`` (a
    scheduled end's day, however late the due run comes): the day both parties are told."""
    result = FollowUps()
    ends_on = next((r.effective_on for r in open_requests if r.id == carrying_out), None) or at.date()
    for r in open_requests:
        if r.kind is RequestKind.SCHEDULED_END and r.collaboration_id == ended.id and r.id != carrying_out:
            result += settled(r, RequestStatus.SUPERSEDED, at=at, by=ended.ended_by)
    if any(e.kind is EffectKind.RESTRICT_OFFICE_ACCESS for e in effects):
        access = LifecycleRequest(
            id=new_id(),
            kind=RequestKind.READ_ONLY_ACCESS,
            status=RequestStatus.SCHEDULED,
            office_id=ended.office_id,
            customer_id=ended.customer_id,
            product=ended.product,
            requested_by=None,
            requested_at=at,
            collaboration_id=ended.id,
            effective_on=read_only_until,
        )
        result += opened(access)
    if not any(c.office_id == ended.office_id for c in others):
        for r in open_requests:
            if (
                r.kind is RequestKind.READ_ONLY_ACCESS
                and r.office_id == ended.office_id
                and r.effective_on is None
            ):
                revoked = attrs.evolve(r, effective_on=ends_on)
                result += settled(revoked, RequestStatus.CARRIED_OUT, at=at, effects=revocation(revoked))
    return result


def with_steps(effects: Iterable[Effect]) -> tuple[Effect, ...]:
    """``effects`` numbered again from 1, in their order."""
    return tuple(attrs.evolve(e, step=i) for i, e in enumerate(effects, start=1))
