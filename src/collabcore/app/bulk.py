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

from collabcore.app.ending import Decided, Ending, OtherParties
from collabcore.app.reading import Reading
from collabcore.app.refusals import no_collaboration
from collabcore.app.requests import EndCommand, EndRequest, identifier
from collabcore.domain.assembly import assembler
from collabcore.domain.errors import (
    CollabCoreError,
    IdempotencyKeyReused,
    NotFound,
    OperationRefused,
    describe,
)
from collabcore.domain.events import Event
from collabcore.domain.findings import Finding
from collabcore.domain.model import Actor, Outcome
from collabcore.domain.records import EndResult, IdempotencyKey
from collabcore.policy.authorization import acts_for
from collabcore.policy.facts import Facts
from collabcore.ports import CollaborationParties, UnitOfWork

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


_REQUEST, _ACTOR = assembler(EndRequest), assembler(Actor)

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
        # A copy of our own, made now (the items are ended later, as they are asked for): what
        # the caller does with its Actor meanwhile changes nothing, and it is checked once.
        own = _ACTOR(actor.user_id, actor.party, actor.party_id)
        return self._ended(requests, own, idempotency_prefix, progress, batch_size)

    def _ended(
        self,
        requests: Iterable[EndRequest],
        actor: Actor,
        idempotency_prefix: str | None,
        progress: Progress | None,
        batch_size: int,
    ) -> Iterator[BulkItem]:
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
                            # Every value checked: a stored collaboration's id, and the
                            # outcomes, codes and flag the service checked at its door.
                            yield _REQUEST(collaboration.id, outcome, acks, confirm_deletion)
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
        its own; if the transaction itself fails, the items go one by one.

        The batch is read and written a few statements at a time where the store offers it
        (:class:`~collabcore.ports.EndsInBatches`): in rounds in which no two items end
        collaborations of the same customer (an end changes what the other would read), each
        round read together, decided item by item, and written together. The answer of every
        item is the one it gets ending alone, one after the other."""
        items: dict[int, BulkItem] = {}
        prepared: list[tuple[int, EndCommand, str | None]] = []
        for n, r in enumerate(requests):
            if not isinstance(r, EndRequest):
                items[n] = not_a_request(r)
                continue
            try:
                # The actor is the service's own copy (rebuilt at its door); the request's
                # fields are checked again, as they may have changed since it was made.
                command = EndCommand.of(r, actor, actor_checked=True)
                key = (
                    None
                    if prefix is None
                    else identifier(f"{prefix}:{r.collaboration_id}", "idempotency_key")
                )
                prepared.append((n, command, key))
            except CollabCoreError as error:
                items[n] = BulkItem(str(r.collaboration_id), BulkStatus.FAILED, error=str(error))
        # No lock while the integrations answer: who each collaboration is between, then facts.
        parties = self._parties([command.collaboration_id for _, command, _ in prepared])
        facts: dict[int, Facts] = {}
        going: list[tuple[int, EndCommand, str | None, CollaborationParties]] = []
        config = self.ending.config
        for n, command, key in prepared:
            try:
                found = parties.get(command.collaboration_id)
                if found is None or not acts_for(command.actor, found[0], found[1]):
                    raise no_collaboration(command.collaboration_id, command.actor)
                facts[n] = self.ending.facts(found[1], config.products.get(found[2]))
                going.append((n, command, key, found))
            except CollabCoreError as error:
                items[n] = BulkItem(command.collaboration_id, BulkStatus.FAILED, error=str(error))
        try:
            with config.store.transaction() as uow:
                for wave in _rounds(going):
                    items.update(self._end_round(uow, wave, facts))
                uow.commit()
        except (CollabCoreError, OtherParties):
            log.warning("a bulk batch of %d failed as a whole; ending its items one by one", len(requests))
            return [item for r in requests for item in self._one(r, actor, prefix)]
        return [items[n] for n in range(len(requests))]

    def _parties(self, ids: list[str]) -> Mapping[str, CollaborationParties]:
        """Each collaboration's office, customer and product, read without a lock: in one
        statement where the store offers it, else in one read-only unit of work."""
        if not ids:
            return {}
        store = self.ending.config.store
        reader = getattr(store, "collaboration_parties", None)  # PartiesBeforeAnEnd
        if reader is not None:
            found: Mapping[str, CollaborationParties] = reader(ids)
            return found
        read: dict[str, CollaborationParties] = {}
        with store.transaction(write=False) as uow:
            for cid in ids:
                c = uow.get_collaboration(cid)
                if c is not None:
                    read[cid] = (c.office_id, c.customer_id, c.product)
        return read

    def _end_round(
        self,
        uow: UnitOfWork,
        wave: list[tuple[int, EndCommand, str | None, CollaborationParties]],
        facts: dict[int, Facts],
    ) -> dict[int, BulkItem]:
        """One round of a batch, no two of its items about the same customer: read together,
        decided one by one, written together."""
        ending = self.ending
        keys = [None if key is None else IdempotencyKey.of(command.actor, key) for _, command, key, _ in wave]
        load_ends = getattr(uow, "load_ends", None)  # EndsInBatches
        record_ends = getattr(uow, "record_ends", None)
        if load_ends is not None and len(wave) > 1:
            snapshots = load_ends(
                [(command.collaboration_id, k) for (_, command, _, _), k in zip(wave, keys, strict=True)]
            )
        else:
            snapshots = [
                uow.load_end(command.collaboration_id, idempotency_key=k, for_update=True)
                for (_, command, _, _), k in zip(wave, keys, strict=True)
            ]
        items: dict[int, BulkItem] = {}
        decided: list[tuple[int, Decided]] = []
        refused: list[Event] = []
        for (n, command, key, parties), scoped, snapshot in zip(wave, keys, snapshots, strict=True):
            cid = command.collaboration_id
            try:
                # A bulk never plans the same thing twice: keep its plans out of the memo.
                done = ending.decide(
                    snapshot, command, facts[n], key, scoped, None, memo=False, parties=parties
                )
            except (NotFound, IdempotencyKeyReused) as error:  # nothing of the item is written
                items[n] = BulkItem(cid, BulkStatus.FAILED, error=str(error))
                continue
            if isinstance(done, Decided):
                decided.append((n, done))
                items[n] = BulkItem(cid, BulkStatus.ENDED, result=done.result)
            elif isinstance(done, EndResult):  # replayed under its key
                items[n] = BulkItem(cid, BulkStatus.ENDED, result=done)
            else:
                refused.append(ending.refusal_event(done))
                why = ending.refusal(done)
                items[n] = BulkItem(cid, BulkStatus.REFUSED, findings=why.findings, error=str(why))
        if record_ends is not None and len(decided) > 1:
            record_ends([d.writes for _, d in decided])
        else:
            for _, d in decided:
                uow.record_end(d.writes, commit=False)
        for _, d in decided:
            if d.follow_ups:
                d.follow_ups.write(uow, at=d.writes.at)
        if refused:
            uow.append_events(refused)
        return items


def not_a_request(value: object) -> BulkItem:
    """An item that is not an EndRequest fails on its own; the others go on."""
    return BulkItem(
        "",
        BulkStatus.FAILED,
        error=f"Each item must be an EndRequest(collaboration_id, outcome, ...), got {describe(value)}.",
    )


def _rounds(
    going: list[tuple[int, EndCommand, str | None, CollaborationParties]],
) -> Iterator[list[tuple[int, EndCommand, str | None, CollaborationParties]]]:
    """``going`` in rounds, in order, each holding one item of a customer at most: the first
    item of each customer, then the second... (a customer's items keep their order)."""
    waiting = going
    while waiting:
        seen: set[str] = set()
        now: list[tuple[int, EndCommand, str | None, CollaborationParties]] = []
        later: list[tuple[int, EndCommand, str | None, CollaborationParties]] = []
        for item in waiting:
            customer = item[3][1]
            if customer in seen:
                later.append(item)
            else:
                seen.add(customer)
                now.append(item)
        yield now
        waiting = later


def _batches(requests: Iterable[EndRequest], size: int) -> Iterator[list[EndRequest]]:
    batch: list[EndRequest] = []
    for request in requests:
        batch.append(request)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
