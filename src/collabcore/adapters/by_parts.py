"""An end's one read and one write, made of a unit of work's finer methods.

Always correct; a store that can read or write an end in fewer round trips
replaces them (the PostgreSQL adapter does, and the memory store reads its
committed state directly when nothing is staged).
"""

from __future__ import annotations

from collections.abc import Sequence

from collabcore.domain.effects import Effect
from collabcore.domain.model import AccountingOffice, Collaboration, Customer
from collabcore.domain.outbox import OutboxItem
from collabcore.domain.records import EndSnapshot, EndWrites, IdempotencyKey
from collabcore.ports import UnitOfWork


def load_end_by_parts(
    uow: UnitOfWork, collaboration_id: str, *, idempotency_key: IdempotencyKey | None, for_update: bool
) -> EndSnapshot:
    collaboration = uow.get_collaboration(collaboration_id, for_update=for_update)
    record = None if idempotency_key is None else uow.get_idempotency(idempotency_key)
    if collaboration is None:
        return EndSnapshot(None, None, None, (), None, record)
    customer = uow.get_customer(collaboration.customer_id, for_update=for_update)
    others = tuple(
        c
        for c in uow.active_collaborations_of_customer(collaboration.customer_id)
        if c.id != collaboration.id
    )
    return EndSnapshot(
        collaboration,
        customer,
        uow.get_office(collaboration.office_id),
        others,
        uow.get_subscription(collaboration.customer_id, collaboration.product),
        record,
        tuple(uow.requests(customer_id=collaboration.customer_id, open_only=True)),
    )


def record_end_by_parts(uow: UnitOfWork, writes: EndWrites, *, commit: bool) -> None:
    uow.update_collaboration(writes.ended, expected_version=writes.expected_version)
    uow.append_events([writes.event])
    if writes.subscription is not None:
        uow.save_subscription(writes.subscription)
    uow.enqueue_effects(writes.effects, at=writes.at)
    if writes.idempotency is not None:
        uow.save_idempotency(writes.idempotency)
    if commit:
        uow.commit()


class EndsByParts:
    """Mixin: ``load_end`` and ``record_end`` made of a unit of work's finer methods.

    Always correct; a store that can read or write an end in fewer round trips
    overrides them (the PostgreSQL adapter does).
    """

    def load_end(
        self: UnitOfWork, collaboration_id: str, *, idempotency_key: IdempotencyKey | None, for_update: bool
    ) -> EndSnapshot:
        return load_end_by_parts(
            self, collaboration_id, idempotency_key=idempotency_key, for_update=for_update
        )

    def record_end(self: UnitOfWork, writes: EndWrites, *, commit: bool) -> None:
        record_end_by_parts(self, writes, commit=commit)


class OutboxByParts:
    """Mixin: :class:`~collabcore.ports.OutboxInFewerStatements` made of the ``Outbox``
    methods. No fewer statements, but one code path for the relay; a store that can do
    better overrides them (the SQL adapters do)."""

    def lease_outbox_items(self: UnitOfWork, items: Sequence[OutboxItem]) -> None:
        for item in items:
            self.update_outbox_item(item)

    def settle_outbox_item(self: UnitOfWork, item: OutboxItem, *, fenced: str) -> bool:
        written = self.update_outbox_item(item, fenced=fenced)
        if written:
            self.commit()
        return written

    def notification_reads(
        self: UnitOfWork, effect: Effect
    ) -> tuple[Collaboration | None, AccountingOffice | None, Customer | None, Sequence[Effect]]:
        return (
            self.get_collaboration(effect.collaboration_id),
            self.get_office(effect.office_id),
            self.get_customer(effect.customer_id),
            tuple(i.effect for i in self.outbox(collaboration_id=effect.collaboration_id)),
        )
