"""Looking without changing: a collaboration, the office's overview (R13), the audit trail
and a subscription, each shown only to whom authorization allows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from collabcore.app.config import Configuration
from collabcore.app.refusals import denied, existing_customer, no_customer, no_office, visible
from collabcore.app.requests import MAX_PAGE, acting, identifier
from collabcore.domain.errors import InvalidInput
from collabcore.domain.events import Event
from collabcore.domain.model import Actor, Collaboration, Party, Subscription
from collabcore.domain.records import CustomerCollaborations, OverviewCursor, OverviewPage
from collabcore.domain.requests import LifecycleRequest, RequestKind
from collabcore.policy.authorization import audit_denial, overview_denial
from collabcore.ports import UnitOfWork


class Reading:
    def __init__(self, config: Configuration) -> None:
        self.config = config

    def get_collaboration(self, collaboration_id: str, *, actor: Actor) -> Collaboration:
        collab_id, actor = identifier(collaboration_id, "collaboration_id"), acting(actor)
        with self.config.store.transaction(write=False) as uow:
            return visible(uow.get_collaboration(collab_id), collab_id, actor)

    def overview(
        self,
        office_id: str,
        *,
        actor: Actor,
        after: OverviewCursor | None = None,
        limit: int | None = None,
    ) -> OverviewPage:
        """R13: the office's customers, each with the active collaborations it has with them,
        and the customers whose former office it is while it keeps read-only access to them
        for a period (R20: no collaborations, the access among ``requests``).

        Every employee of the office may look (R14); nobody else. Pages are keyset
        pages: pass ``page.next_cursor`` as ``after`` for the next one.
        """
        office_id = identifier(office_id, "office_id")
        actor = acting(actor)
        if limit is not None and (
            not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PAGE
        ):
            raise InvalidInput(f"limit must be a whole number from 1 to {MAX_PAGE}, or None.", path="limit")
        if after is not None and not isinstance(after, OverviewCursor):
            raise InvalidInput("after must be the next_cursor of a previous page, or None.")
        if after is not None:  # its ids as every store compares them: exact text, checked
            after = OverviewCursor(
                identifier(after.customer_number, "after.customer_number"),
                identifier(after.customer_id, "after.customer_id"),
            )
        with self.config.store.transaction(write=False) as uow:
            denial = overview_denial(actor, office_id, uow.get_office(office_id))
            if denial is not None:
                raise denied(denial, lambda: no_office(office_id))
            fetch = None if limit is None else limit + 1
            items = list(uow.overview(office_id, after=after, limit=fetch))
            waiting: dict[str, list[LifecycleRequest]] = {}
            for r in uow.requests(office_id=office_id, open_only=True):
                waiting.setdefault(r.customer_id, []).append(r)
            extra = _read_only_only(uow, items, waiting, after)
        if waiting:
            items = [
                attrs.evolve(i, requests=tuple(waiting[i.customer.id])) if i.customer.id in waiting else i
                for i in items
            ]
        if extra:  # into the store's order, which is by (number, id) as exact text
            items = sorted([*items, *extra], key=lambda i: (i.customer.number, i.customer.id))
        cursor = None
        if limit is not None and len(items) > limit:
            items = items[:limit]
            last = items[-1].customer
            cursor = OverviewCursor(last.number, last.id)
        return OverviewPage(office_id, tuple(items), cursor)

    def requests(self, *, actor: Actor, open_only: bool = True) -> tuple[LifecycleRequest, ...]:
        """The lifecycle requests of the actor's own party, oldest first: an office's (every
        employee may look, R13) or a customer's (its own users)."""
        actor = acting(actor)
        if not isinstance(open_only, bool):
            raise InvalidInput("open_only must be True or False.", path="open_only")
        with self.config.store.transaction(write=False) as uow:
            if actor.party is Party.OFFICE:
                denial = overview_denial(actor, actor.party_id, uow.get_office(actor.party_id))
                if denial is not None:
                    raise denied(denial, lambda: no_office(actor.party_id))
                return tuple(uow.requests(office_id=actor.party_id, open_only=open_only))
            customer = uow.get_customer(actor.party_id)
            if customer is None or customer.user(actor.user_id) is None:
                raise no_customer(actor.party_id)
            return tuple(uow.requests(customer_id=actor.party_id, open_only=open_only))

    def events_of_customer(self, customer_id: str, *, actor: Actor | None = None) -> tuple[Event, ...]:
        """The audit trail of one customer, oldest first.

        Without an ``actor`` the call is the host's own (trusted); with one, the customer's
        own users and the employees of an office that collaborates with it may read it.
        """
        customer_id = identifier(customer_id, "customer_id")
        with self.config.store.transaction(write=False) as uow:
            if actor is not None:
                actor = acting(actor)
                customer = existing_customer(uow, customer_id)
                office = uow.get_office(actor.party_id) if actor.party is Party.OFFICE else None
                active = uow.active_collaborations_of_customer(customer_id)
                denial = audit_denial(actor, customer, office, active)
                if denial is not None:
                    raise denied(denial, lambda: no_customer(customer_id))
            return tuple(uow.events_of_customer(customer_id))

    def get_subscription(self, customer_id: str, product: str) -> Subscription | None:
        with self.config.store.transaction(write=False) as uow:
            return uow.get_subscription(
                identifier(customer_id, "customer_id"), identifier(product, "product")
            )


def _read_only_only(
    uow: UnitOfWork,
    items: Sequence[CustomerCollaborations],
    waiting: Mapping[str, Sequence[LifecycleRequest]],
    after: OverviewCursor | None,
) -> list[CustomerCollaborations]:
    """The customers the office keeps read-only access to for a period (R20) that the
    store's page leaves out, as items without collaborations, in the page's window.

    The store lists only customers with active collaborations (``OverviewReads``, as 0.2
    hosts' stores do); a grace period outlives them. Only a period's access can (one
    "while other collaborations last" ends with the last of them), so only those are
    looked up: one customer by its key each, and they are few (the period's ends). Those
    after ``after`` join the page in order; the page's usual cut at ``limit`` then sets the
    cursor, so one past it comes again, in its place, on a later page.
    """
    listed = {i.customer.id for i in items}
    extra: list[CustomerCollaborations] = []
    for customer_id, requests in sorted(waiting.items()):
        if customer_id in listed or not any(
            r.kind is RequestKind.READ_ONLY_ACCESS and r.effective_on is not None for r in requests
        ):
            continue
        customer = uow.get_customer(customer_id)
        if customer is None:
            continue
        position = (customer.number, customer.id)
        if after is not None and position <= (after.customer_number, after.customer_id):
            continue
        extra.append(CustomerCollaborations(customer, (), tuple(requests)))
    return extra
