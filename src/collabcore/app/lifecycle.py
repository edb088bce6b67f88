"""Starting a collaboration, changing its variant (R19), and the company cancelling its own
subscription (R21), each checked by the rules of its operation."""

from __future__ import annotations

from datetime import datetime
from typing import TypeAlias

from collabcore.app.config import Configuration
from collabcore.app.follow_ups import settled
from collabcore.app.refusals import denied, existing_customer, no_customer, no_office, refusal, visible
from collabcore.app.requests import acting, identifier, member
from collabcore.domain.billing import cancelled_subscription
from collabcore.domain.errors import InvalidInput, NotFound
from collabcore.domain.events import (
    CollaborationRegistered,
    CollaborationStarted,
    SubscriptionCancelled,
    VariantChanged,
)
from collabcore.domain.findings import Severity
from collabcore.domain.model import (
    AccountingOffice,
    Actor,
    Collaboration,
    Customer,
    Party,
    Subscription,
    SubscriptionStatus,
)
from collabcore.domain.requests import RequestKind, RequestStatus
from collabcore.policy.authorization import cancel_denial, start_denial
from collabcore.policy.engine import Operation, RuleContext
from collabcore.policy.planner import render_findings
from collabcore.policy.products import ProductSpec
from collabcore.ports import UnitOfWork

Terms: TypeAlias = tuple[str, str, ProductSpec, str | None, Party]
"""A new collaboration's terms, checked: office, customer, product, variant, invoice recipient."""


class Lifecycle:
    def __init__(self, config: Configuration) -> None:
        self.config = config

    def refuse_blocked(self, ctx: RuleContext, what: str) -> None:
        rulebook = self.config.rulebook
        findings = render_findings(self.config.localizer, ctx, rulebook.evaluate(ctx))
        blockers = [f for f in findings if f.severity is Severity.BLOCKER]
        if blockers:
            collab_id = None if ctx.collaboration is None else ctx.collaboration.id
            raise refusal(blockers, rulebook, what=what, collaboration_id=collab_id)

    def start(
        self,
        *,
        actor: Actor,
        office_id: str,
        customer_id: str,
        product: str,
        variant: str | None = None,
        invoice_recipient: Party | str = Party.OFFICE,
    ) -> Collaboration:
        """Start a collaboration (a new one after an end, R5); one active per product.

        The customer's Administrator brings an office in; an office with full rights adds a
        product only for a customer it already has an active collaboration with. To
        anyone else the customer does not exist."""
        actor = acting(actor)
        terms = self.terms(office_id, customer_id, product, variant, invoice_recipient)
        with self.config.store.transaction() as uow:
            collab = self.start_in(uow, actor, terms)
            uow.commit()
        return collab

    def start_in(
        self, uow: UnitOfWork, actor: Actor, terms: Terms, *, accepted: bool | None = None
    ) -> Collaboration:
        """A start's reads, checks and writes in ``uow`` (not committed). ``accepted``: the
        other party accepted it (an invitation); otherwise the acceptance switch may ask for it."""
        config = self.config
        office_id, customer_id, spec, variant, recipient = terms
        # Locking the customer serializes concurrent starts for it, so two
        # racing starts cannot both pass the one-active-per-product rule.
        customer = uow.get_customer(customer_id, for_update=True)
        active = () if customer is None else tuple(uow.active_collaborations_of_customer(customer_id))
        denial = start_denial(actor, office_id, customer, active)
        if denial is not None:
            raise denied(denial, lambda: no_customer(customer_id))
        assert customer is not None  # start_denial hides a missing customer
        office = uow.get_office(office_id)
        if office is None:
            raise no_office(office_id)
        ctx = self.start_context(actor, terms, office, customer, active, accepted=accepted)
        self.refuse_blocked(ctx, f"Starting {spec.key} for customer {customer_id}")
        now = config.clock()
        collab = self.begin(uow, office_id, customer_id, spec.key, variant, recipient, now)
        started = CollaborationStarted(
            collab.id, office_id, customer_id, spec.key, variant, recipient, actor, now
        )
        uow.append_events([started])
        return collab

    def start_context(
        self,
        actor: Actor,
        terms: Terms,
        office: AccountingOffice,
        customer: Customer,
        others: tuple[Collaboration, ...],
        *,
        accepted: bool | None = None,
    ) -> RuleContext:
        """What the rules of a start look at. ``accepted`` None: the acceptance switch decides
        whether the other party's yes is still missing."""
        _, _, spec, variant, recipient = terms
        if accepted is None and self.config.rulebook.acceptance.needed(Operation.START, actor):
            accepted = False
        return RuleContext(
            operation=Operation.START,
            actor=actor,
            today=self.config.clock().date(),
            office=office,
            customer=customer,
            product=spec,
            others=others,
            variant=variant,
            invoice_recipient=recipient,
            accepted=accepted,
        )

    def register(
        self,
        *,
        office_id: str,
        customer_id: str,
        product: str,
        variant: str | None = None,
        invoice_recipient: Party | str = Party.OFFICE,
    ) -> Collaboration:
        """The host's own set-up, trusted like ``register_customer``: record a collaboration
        that already runs in the host's system (moving onto collabcore, say). No actor, so
        no rule about who may start is asked; one active collaboration per product still holds."""
        config = self.config
        office_id, customer_id, spec, variant, recipient = self.terms(
            office_id, customer_id, product, variant, invoice_recipient
        )
        with config.store.transaction() as uow:
            existing_customer(uow, customer_id, for_update=True)
            if uow.get_office(office_id) is None:
                raise no_office(office_id)
            if any(c.product == spec.key for c in uow.active_collaborations_of_customer(customer_id)):
                raise InvalidInput(
                    f"Customer {customer_id} has an active collaboration for {spec.key} already.",
                    hint="One collaboration per product is active at a time; end it first.",
                    path="product",
                )
            now = config.clock()
            collab = self.begin(uow, office_id, customer_id, spec.key, variant, recipient, now)
            uow.append_events(
                [
                    CollaborationRegistered(
                        collab.id, office_id, customer_id, spec.key, variant, recipient, now
                    )
                ]
            )
            uow.commit()
        return collab

    def terms(
        self,
        office_id: str,
        customer_id: str,
        product: str,
        variant: str | None,
        invoice_recipient: Party | str,
    ) -> Terms:
        """A new collaboration's terms, checked: the parties, the product, its variant and who
        receives the invoices."""
        office_id, customer_id = identifier(office_id, "office_id"), identifier(customer_id, "customer_id")
        spec = self.config.products.get(identifier(product, "product"))
        return (
            office_id,
            customer_id,
            spec,
            spec.check_variant(variant),
            member(Party, invoice_recipient, "invoice_recipient"),
        )

    def begin(
        self,
        uow: UnitOfWork,
        office_id: str,
        customer_id: str,
        product: str,
        variant: str | None,
        recipient: Party,
        now: datetime,
    ) -> Collaboration:
        """The new collaboration and its subscription, paid by the invoice recipient. A
        read-only access the office kept to the product is superseded: it has full access
        again, which the end of that read-only access must not take away."""
        collab = Collaboration(
            id=self.config.ids(),
            office_id=office_id,
            customer_id=customer_id,
            product=product,
            started_at=now,
            variant=variant,
            invoice_recipient=recipient,
        )
        uow.add_collaboration(collab)
        subscription = uow.get_subscription(customer_id, product)
        uow.save_subscription(
            Subscription(
                customer_id,
                product,
                payer=recipient,
                version=0 if subscription is None else subscription.version + 1,
            )
        )
        for r in uow.requests(customer_id=customer_id, open_only=True):
            if r.kind is RequestKind.READ_ONLY_ACCESS and (r.office_id, r.product) == (office_id, product):
                settled(r, RequestStatus.SUPERSEDED, at=now).write(uow, at=now)
        return collab

    def change_variant(self, collaboration_id: str, *, actor: Actor, variant: str) -> Collaboration:
        """R19: changing the variant never requires ending the collaboration."""
        config = self.config
        collab_id, actor = identifier(collaboration_id, "collaboration_id"), acting(actor)
        with config.store.transaction() as uow:
            current = visible(uow.get_collaboration(collab_id, for_update=True), collab_id, actor)
            spec = config.products.get(current.product)
            checked = spec.check_variant(identifier(variant, "variant"))
            assert checked is not None
            ctx = RuleContext(
                operation=Operation.CHANGE_VARIANT,
                actor=actor,
                today=config.clock().date(),
                office=uow.get_office(current.office_id),
                customer=existing_customer(uow, current.customer_id),
                product=spec,
                collaboration=current,
                variant=checked,
            )
            self.refuse_blocked(ctx, f"Changing the variant of {collab_id}")
            changed = current.with_variant(checked)
            uow.update_collaboration(changed, expected_version=current.version)
            event = VariantChanged(
                collab_id, current.customer_id, current.variant, checked, actor, config.clock()
            )
            uow.append_events([event])
            uow.commit()
        return changed

    def cancel_subscription(self, customer_id: str, product: str, *, actor: Actor) -> Subscription:
        """The company cancels its own subscription; refused while a collaboration is active (R21)."""
        config = self.config
        customer_id, actor = identifier(customer_id, "customer_id"), acting(actor)
        spec = config.products.get(identifier(product, "product"))
        denial = cancel_denial(actor, customer_id)
        if denial is not None:
            raise denied(denial, lambda: no_customer(customer_id))
        with config.store.transaction() as uow:
            customer = existing_customer(uow, customer_id, for_update=True)
            others = tuple(uow.active_collaborations_of_customer(customer_id))
            holder = next((c for c in others if c.product == spec.key), None)
            ctx = RuleContext(
                operation=Operation.CANCEL_SUBSCRIPTION,
                actor=actor,
                today=config.clock().date(),
                office=None if holder is None else uow.get_office(holder.office_id),
                customer=customer,
                product=spec,
                others=others,
            )
            self.refuse_blocked(ctx, f"Cancelling {spec.key} for customer {customer_id}")
            current = uow.get_subscription(customer_id, spec.key)
            if current is None or current.status is SubscriptionStatus.ENDED:
                raise NotFound(f"Customer {customer_id} has no active subscription to {spec.key}.")
            now = config.clock()
            cancelled = cancelled_subscription(current, now.date())
            until = cancelled.paid_until
            assert until is not None  # a cancellation is always paid to a date (R23)
            uow.save_subscription(cancelled)
            uow.append_events([SubscriptionCancelled(customer_id, spec.key, until, actor, now)])
            uow.commit()
        return cancelled
