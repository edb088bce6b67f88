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

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from enum import StrEnum

from attrs import frozen

from collabcore.app.ending import Ending
from collabcore.app.reading import Reading
from collabcore.app.refusals import visible
from collabcore.app.requests import EndCommand, EndRequest, identifier
from collabcore.domain.errors import (
    CollabCoreError,
    IdempotencyKeyReused,
    NotFound,
    OperationRefused,
    describe,
)
from collabcore.domain.findings import Finding
from collabcore.domain.model import Actor, Outcome
from collabcore.domain.records import EndResult
from collabcore.policy.facts import Facts
from collabcore.ports import UnitOfWork

log = logging.getLogger("collabcore.bulk")


class BulkStatus(StrEnum):
    ENDED = "ended"
    REFUSED = "refused"
    """The rules said no; ``findings`` says why and how to fix it."""
    FAILED = "failed"
    """Bad input or storage trouble; ``error`` says what."""


@frozen
class BulkItem:
    collaboration_id: str
    status: BulkStatus
    result: EndResult | None = None
    findings: tuple[Finding, ...] = ()
    error: str | None = None


Progress = Callable[[int, BulkItem], None]
"""Called after each item with how many items are done so far, and the item."""


class Bulk:
    """Many ends, one result per item, committed a batch at a time."""

    def __init__(self, ending: Ending, reading: Reading) -> None:
        self.ending = ending
        self.reading = reading

    def end_many(
        self,
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
                self._end_batch(batch, actor, idempotency_prefix)
                if batch_size > 1
                else self._one(batch[0], actor, idempotency_prefix)
            )
            for item in results:
                done += 1
                if progress is not None:
                    progress(done, item)
                yield item

    def office_requests(
        self,
        office_id: str,
        *,
        actor: Actor,
        outcomes: Mapping[str, Outcome],
        acknowledge: Iterable[str] = (),
        confirm_deletion: bool = False,
        page_size: int = 200,
    ) -> Iterator[EndRequest]:
        """An end request for each active collaboration of the office whose product is in
        ``outcomes``, read one overview page at a time. The first page is read now, so that
        an office the actor may not see is refused at the call, not at the first item."""
        acks = frozenset(acknowledge)
        first = self.reading.overview(office_id, actor=actor, limit=page_size)

        def pages() -> Iterator[EndRequest]:
            page = first
            while True:
                for entry in page.items:
                    for collaboration in entry.collaborations:
                        outcome = outcomes.get(collaboration.product)
                        if outcome is not None:
                            yield EndRequest(collaboration.id, outcome, acks, confirm_deletion)
                if page.next_cursor is None:
                    return
                page = self.reading.overview(office_id, actor=actor, after=page.next_cursor, limit=page_size)

        return pages()

    def _one(self, request: EndRequest, actor: Actor, prefix: str | None) -> list[BulkItem]:
        if not isinstance(request, EndRequest):
            return [not_a_request(request)]
        key = None if prefix is None else f"{prefix}:{request.collaboration_id}"
        try:
            command = EndCommand.of(request, actor)
            checked_key = None if key is None else identifier(key, "idempotency_key")
            result = self.ending.end(command, checked_key, None)
            return [BulkItem(command.collaboration_id, BulkStatus.ENDED, result=result)]
        except OperationRefused as refused:
            return [
                BulkItem(
                    str(request.collaboration_id),
                    BulkStatus.REFUSED,
                    findings=refused.findings,
                    error=str(refused),
                )
            ]
        except CollabCoreError as error:
            return [BulkItem(str(request.collaboration_id), BulkStatus.FAILED, error=str(error))]

    def _end_batch(self, requests: Sequence[EndRequest], actor: Actor, prefix: str | None) -> list[BulkItem]:
        """Many ends in one transaction: each item ends, is refused (and audited) or fails on
        its own; if the transaction itself fails, the items go one by one."""
        items: dict[int, BulkItem] = {}
        prepared: list[tuple[int, EndCommand, str | None]] = []
        for n, r in enumerate(requests):
            if not isinstance(r, EndRequest):
                items[n] = not_a_request(r)
                continue
            try:
                command = EndCommand.of(r, actor)
                key = (
                    None
                    if prefix is None
                    else identifier(f"{prefix}:{r.collaboration_id}", "idempotency_key")
                )
                prepared.append((n, command, key))
            except CollabCoreError as error:
                items[n] = BulkItem(str(r.collaboration_id), BulkStatus.FAILED, error=str(error))
        facts: dict[int, Facts] = {}
        config = self.ending.config
        with config.store.transaction(write=False) as uow:  # no write lock while the integrations answer
            for n, command, _ in prepared:
                try:
                    found = uow.get_collaboration(command.collaboration_id)
                    collab = visible(found, command.collaboration_id, command.actor)
                    facts[n] = self.ending.facts(collab.customer_id, config.products.get(collab.product))
                except CollabCoreError as error:
                    items[n] = BulkItem(command.collaboration_id, BulkStatus.FAILED, error=str(error))
        try:
            with config.store.transaction() as uow:
                for n, command, key in prepared:
                    if n not in items:
                        items[n] = self._end_item(uow, command, facts[n], key)
                uow.commit()
        except CollabCoreError:
            log.warning("a bulk batch of %d failed as a whole; ending its items one by one", len(requests))
            return [item for r in requests for item in self._one(r, actor, prefix)]
        return [items[n] for n in range(len(requests))]

    def _end_item(self, uow: UnitOfWork, command: EndCommand, facts: Facts, key: str | None) -> BulkItem:
        collab_id = command.collaboration_id
        try:
            # A bulk never plans the same thing twice: keep its plans out of the memo.
            done = self.ending.end_in(uow, command, facts, key, None, commit=False, memo=False)
        except (NotFound, IdempotencyKeyReused) as error:  # raised before anything is written
            return BulkItem(collab_id, BulkStatus.FAILED, error=str(error))
        if isinstance(done, EndResult):
            return BulkItem(collab_id, BulkStatus.ENDED, result=done)
        uow.append_events([self.ending.refusal_event(done)])
        refused = self.ending.refusal(done)
        return BulkItem(collab_id, BulkStatus.REFUSED, findings=refused.findings, error=str(refused))


def not_a_request(value: object) -> BulkItem:
    """An item that is not an EndRequest fails on its own; the others go on."""
    return BulkItem(
        "",
        BulkStatus.FAILED,
        error=f"Each item must be an EndRequest(collaboration_id, outcome, ...), got {describe(value)}.",
    )


def _batches(requests: Iterable[EndRequest], size: int) -> Iterator[list[EndRequest]]:
    batch: list[EndRequest] = []
    for request in requests:
        batch.append(request)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
