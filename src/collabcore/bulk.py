"""Bulk end: many collaborations, one result per item, memory that stays flat.

Items are committed a batch at a time, each one ended, refused (and audited)
or failed on its own, so one refusal never undoes the others; a batch whose
transaction fails is redone one item at a time. Results are yielded as they
are committed and never collected here; an office's collaborations are read
page by page through the keyset overview.
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
    batch_size: int = 100,
) -> Iterator[BulkItem]:
    """Items are committed ``batch_size`` at a time, each ended, refused or failed on its
    own; a result is yielded only once it is committed."""
    done = 0
    for batch in _batches(requests, batch_size):
        results = (
            service._end_batch(batch, actor, idempotency_prefix)
            if batch_size > 1
            else _one(service, batch[0], actor, idempotency_prefix)
        )
        for item in results:
            done += 1
            if progress is not None:
                progress(done, item)
            yield item


def _batches(requests: Iterable[EndRequest], size: int) -> Iterator[list[EndRequest]]:
    batch: list[EndRequest] = []
    for request in requests:
        batch.append(request)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _one(
    service: CollaborationService, request: EndRequest, actor: Actor, prefix: str | None
) -> list[BulkItem]:
    key = None if prefix is None else f"{prefix}:{request.collaboration_id}"
    try:
        result = service.end(
            request.collaboration_id,
            actor=actor,
            outcome=request.outcome,
            acknowledge=request.acknowledge,
            confirm_deletion=request.confirm_deletion,
            idempotency_key=key,
        )
        return [BulkItem(request.collaboration_id, BulkStatus.ENDED, result=result)]
    except OperationRefused as refused:
        return [
            BulkItem(
                request.collaboration_id, BulkStatus.REFUSED, findings=refused.findings, error=str(refused)
            )
        ]
    except CollabCoreError as error:
        return [BulkItem(request.collaboration_id, BulkStatus.FAILED, error=str(error))]


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
