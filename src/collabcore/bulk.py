"""Bulk end: many collaborations, one result per item, memory that stays flat.

Each item ends in its own transaction, so one refusal or failure never undoes
the others. Results are yielded as they happen and never collected here; an
office's collaborations are read page by page through the keyset overview.
With an ``idempotency_prefix``, running the same bulk again after a crash
replays what was ended and carries on with the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING

from attrs import frozen

from collabcore.domain import Actor, Outcome
from collabcore.errors import CollabCoreError, OperationRefused
from collabcore.ports import EndResult
from collabcore.rules import Finding

if TYPE_CHECKING:
    from collabcore.service import CollaborationService


class BulkStatus(StrEnum):
    ENDED = "ended"
    REFUSED = "refused"
    """The rules said no; ``findings`` says why and how to fix it."""
    FAILED = "failed"
    """Bad input or storage trouble; ``error`` says what."""


@frozen
class EndRequest:
    collaboration_id: str
    outcome: Outcome
    acknowledge: frozenset[str] = frozenset()
    confirm_deletion: bool = False


@frozen
class BulkItem:
    collaboration_id: str
    status: BulkStatus
    result: EndResult | None = None
    findings: tuple[Finding, ...] = ()
    error: str | None = None


Progress = Callable[[int, BulkItem], None]
"""Called after each item with how many items are done so far, and the item."""


def end_many(
    service: CollaborationService,
    requests: Iterable[EndRequest],
    *,
    actor: Actor,
    idempotency_prefix: str | None = None,
    progress: Progress | None = None,
) -> Iterator[BulkItem]:
    for done, request in enumerate(requests, start=1):
        key = None if idempotency_prefix is None else f"{idempotency_prefix}:{request.collaboration_id}"
        try:
            result = service.end(
                request.collaboration_id,
                actor=actor,
                outcome=request.outcome,
                acknowledge=request.acknowledge,
                confirm_deletion=request.confirm_deletion,
                idempotency_key=key,
            )
            item = BulkItem(request.collaboration_id, BulkStatus.ENDED, result=result)
        except OperationRefused as refused:
            item = BulkItem(
                request.collaboration_id, BulkStatus.REFUSED, findings=refused.findings, error=str(refused)
            )
        except CollabCoreError as error:
            item = BulkItem(request.collaboration_id, BulkStatus.FAILED, error=str(error))
        if progress is not None:
            progress(done, item)
        yield item


def office_requests(
    service: CollaborationService,
    office_id: str,
    *,
    actor: Actor,
    outcomes: Mapping[str, Outcome],
    acknowledge: Iterable[str] = (),
    confirm_deletion: bool = False,
    page_size: int = 200,
) -> Iterator[EndRequest]:
    """An end request for each active collaboration of the office whose product is in
    ``outcomes``, read one overview page at a time."""
    acks = frozenset(acknowledge)
    cursor = None
    while True:
        page = service.overview(office_id, actor=actor, after=cursor, limit=page_size)
        for entry in page.items:
            for collaboration in entry.collaborations:
                outcome = outcomes.get(collaboration.product)
                if outcome is not None:
                    yield EndRequest(collaboration.id, outcome, acks, confirm_deletion)
        if page.next_cursor is None:
            return
        cursor = page.next_cursor
