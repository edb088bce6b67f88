"""The relay: carries out the effects an end recorded, at least once, in order.

Each round claims due effects in a short transaction (leasing them by moving
their next attempt into the future), calls the host's integration with the
effect's deterministic key *outside* any transaction, then records the
outcome in a second short transaction. A worker that dies mid-call leaves the
lease to expire and the effect is tried again with the same key, so the
integrations must treat a repeated key as done (at-least-once + idempotent
receivers = exactly-once effects). Failures are never dropped: after the last
retry an effect is FAILED and waits for ``retry`` or ``resolve``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import attrs
from attrs import frozen

from collabcore.domain import Actor, Clock, EffectKind, Party, require_text, utc_now
from collabcore.errors import ConfigurationError, InvalidInput, NotAuthorized, NotFound, require_state
from collabcore.planning import Effect, consequences_of
from collabcore.ports import (
    Attempt,
    EffectStatus,
    Integrations,
    Notification,
    OutboxItem,
    Store,
    UnitOfWork,
)
from collabcore.products import ProductCatalog, default_products
from collabcore.rules import Operation, RuleContext
from collabcore.texts import Localizer, Texts
from collabcore.wording import default_texts

log = logging.getLogger("collabcore.relay")

HISTORY_KEPT = 50


@frozen
class RetryPolicy:
    max_attempts: int = 6
    first_delay: timedelta = timedelta(seconds=2)
    max_delay: timedelta = timedelta(minutes=30)
    lease: timedelta = timedelta(minutes=5)
    """How long a claimed effect is left to its worker before another may take it."""

    def delay(self, attempts: int) -> timedelta:
        delay: timedelta = self.first_delay * (2 ** max(attempts - 1, 0))
        return min(delay, self.max_delay)


@frozen
class RelayReport:
    done: int = 0
    retried: int = 0
    failed: int = 0

    def __add__(self, other: RelayReport) -> RelayReport:
        return RelayReport(self.done + other.done, self.retried + other.retried, self.failed + other.failed)

    @property
    def attempted(self) -> int:
        return self.done + self.retried + self.failed


class Relay:
    def __init__(
        self,
        store: Store,
        integrations: Integrations,
        *,
        texts: Texts | None = None,
        brand: str = "visma",
        products: ProductCatalog | None = None,
        clock: Clock = utc_now,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.store = store
        self.integrations = integrations
        self.texts = texts or default_texts()
        self._localizers: dict[str, tuple[Texts, str, Localizer]] = {}
        self.brand = self.texts.brand(brand).key
        self.products = products or default_products()
        self.clock = clock
        self.retry_policy = retry or RetryPolicy()

    # --- running -----------------------------------------------------------

    def run_once(self, *, limit: int = 50) -> RelayReport:
        """Claim up to ``limit`` due effects and carry each out once."""
        now = self.clock()
        with self.store.transaction() as uow:
            claimed = list(uow.claim_due_effects(now=now, limit=limit))
            lease_until = now + self.retry_policy.lease
            for item in claimed:
                uow.update_outbox_item(attrs.evolve(item, next_attempt_at=lease_until, updated_at=now))
            uow.commit()
        report = RelayReport()
        for item in claimed:
            report += self._carry_out(item)
        return report

    def drain(self, *, max_rounds: int = 10_000) -> RelayReport:
        """Run rounds until no effect is due now (later retries are left for later)."""
        total = RelayReport()
        for _ in range(max_rounds):
            report = self.run_once()
            if not report.attempted:
                break
            total += report
        return total

    def _carry_out(self, item: OutboxItem) -> RelayReport:
        effect = item.effect
        try:
            self._handler(effect)()
        except Exception as exc:
            return self._record_failure(item, exc)
        now = self.clock()
        with self.store.transaction() as uow:
            uow.update_outbox_item(
                attrs.evolve(
                    item,
                    status=EffectStatus.DONE,
                    attempts=item.attempts + 1,
                    updated_at=now,
                    last_error=None,
                    history=_logged(item, Attempt(now)),
                )
            )
            uow.commit()
        log.info("effect %s done", effect.key)
        return RelayReport(done=1)

    def _record_failure(self, item: OutboxItem, exc: Exception) -> RelayReport:
        attempts = item.attempts + 1
        now = self.clock()
        error = f"{type(exc).__name__}: {exc}"[:2000]
        out_of_tries = attempts >= self.retry_policy.max_attempts
        updated = attrs.evolve(
            item,
            status=EffectStatus.FAILED if out_of_tries else EffectStatus.PENDING,
            attempts=attempts,
            next_attempt_at=now + self.retry_policy.delay(attempts),
            updated_at=now,
            last_error=error,
            history=_logged(item, Attempt(now, error)),
        )
        with self.store.transaction() as uow:
            uow.update_outbox_item(updated)
            uow.commit()
        log.warning("effect %s attempt %d failed: %s", item.key, attempts, error)
        return RelayReport(failed=1) if out_of_tries else RelayReport(retried=1)

    def _handler(self, effect: Effect) -> Callable[[], None]:
        i = self.integrations
        k = EffectKind
        port: object | None
        method: str
        if effect.kind in (k.NOTIFY_OFFICE, k.NOTIFY_CUSTOMER):
            notifier = i.notifier
            if notifier is None:
                raise ConfigurationError("No notifier is configured.")
            note = self.notification(effect)
            return lambda: notifier.notify(note)
        port, method = {
            k.HAND_OVER_PAYROLL_BACKUP: (i.payroll, "hand_over_backup"),
            k.EXPORT_REPORTS: (i.expenses, "export_submitted_reports"),
            k.REVOKE_OFFICE_ACCESS: (i.access, "revoke_office_access"),
            k.RESTRICT_OFFICE_ACCESS: (i.access, "restrict_office_access"),
            k.REVOKE_COMPANY_ONLINE_ACCESS: (i.access, "revoke_company_online_access"),
            k.TRANSFER_SUBSCRIPTION: (i.billing, "transfer_subscription"),
            k.DEACTIVATE_SUBSCRIPTION: (i.billing, "deactivate_subscription"),
            k.CANCEL_SUBSCRIPTION: (i.billing, "cancel_subscription"),
            k.ERASE_SERVICE_DATA: (i.eraser, "erase_service_data"),
        }[effect.kind]
        if port is None:
            raise ConfigurationError(f"No integration is configured for {effect.kind.value}.")
        call: Callable[[Effect], None] = getattr(port, method)
        return lambda: call(effect)

    # --- notifications -------------------------------------------------------

    def _localizer(self, language: str) -> Localizer:
        # Building a localizer checks every template (a start-up check); once per
        # language and texts, not once per notification.
        known = self._localizers.get(language)
        if known is None or known[0] is not self.texts or known[1] != self.brand:
            known = (self.texts, self.brand, self.texts.localizer(self.brand, language))
            self._localizers[language] = known
        return known[2]

    def notification(self, effect: Effect) -> Notification:
        """The message for one party, in its own language, with the consequence summary."""
        with self.store.transaction(write=False) as uow:
            collab = uow.get_collaboration(effect.collaboration_id)
            office = uow.get_office(effect.office_id)
            customer = uow.get_customer(effect.customer_id)
            effects = tuple(i.effect for i in uow.outbox(collaboration_id=effect.collaboration_id))
        collab = require_state(collab, f"collaboration {effect.collaboration_id}")
        customer = require_state(customer, f"customer {effect.customer_id}")
        office = require_state(office, f"office {effect.office_id}")
        ended_by = require_state(collab.ended_by, f"who ended {collab.id}")
        outcome = require_state(collab.outcome, f"the outcome of {collab.id}")
        party = Party.OFFICE if effect.kind is EffectKind.NOTIFY_OFFICE else Party.CUSTOMER
        language = office.language if party is Party.OFFICE else customer.language
        loc = self._localizer(language)
        ended_on = (collab.ended_at or self.clock()).date()
        ctx = RuleContext(
            operation=Operation.END,
            actor=ended_by,
            today=ended_on,
            office=office,
            customer=customer,
            product=self.products.get(collab.product),
            collaboration=collab,
            outcome=outcome,
        )
        summary = consequences_of(loc, ctx, tuple(sorted(effects, key=lambda e: e.step)))
        product = loc.product(collab.product)
        intro = loc.text(
            "notification.intro",
            office=office.name,
            customer=customer.name,
            product=product,
            date=ended_on.isoformat(),
            outcome=loc.text(f"outcome.{outcome.value}"),
        )
        return Notification(
            key=effect.key,
            party=party,
            party_id=office.id if party is Party.OFFICE else customer.id,
            brand=self.brand,
            language=language,
            subject=loc.text("notification.subject", product=product),
            lines=(intro, *(summary.lines if summary else ())),
        )

    # --- operating failures ------------------------------------------------------

    def pending(self) -> list[OutboxItem]:
        return self._items(EffectStatus.PENDING)

    def failed(self) -> list[OutboxItem]:
        return self._items(EffectStatus.FAILED)

    def _items(self, status: EffectStatus) -> list[OutboxItem]:
        with self.store.transaction(write=False) as uow:
            return sorted(
                uow.outbox(statuses=[status]),
                key=lambda i: (i.effect.collaboration_id, i.effect.step),
            )

    def retry(self, key: str, *, actor: Actor | None = None) -> OutboxItem:
        """Put a FAILED effect back in line now, with a fresh set of attempts.

        With an ``actor``, only a user with full rights and the Administrator role in
        the office whose collaboration it was may do it (R14); without one, the call is
        the host's own operator tooling, trusted as such.
        """
        return self._change(
            key,
            actor,
            EffectStatus.FAILED,
            lambda item, now: attrs.evolve(
                item, status=EffectStatus.PENDING, attempts=0, next_attempt_at=now, updated_at=now
            ),
        )

    def resolve(self, key: str, *, reason: str, actor: Actor | None = None) -> OutboxItem:
        """Mark a FAILED effect as done by hand; the reason is kept. ``actor`` as in retry."""
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidInput("resolve needs a reason: say what was done by hand.")
        return self._change(
            key,
            actor,
            EffectStatus.FAILED,
            lambda item, now: attrs.evolve(
                item, status=EffectStatus.RESOLVED, resolution=reason, updated_at=now
            ),
        )

    def _change(
        self,
        key: str,
        actor: Actor | None,
        expected: EffectStatus,
        change: Callable[[OutboxItem, datetime], OutboxItem],
    ) -> OutboxItem:
        key = require_text(key, "key", 400)
        with self.store.transaction() as uow:
            item = _existing(uow, key)
            if actor is not None:
                _authorize_operator(uow, item, actor)
            if item.status is not expected:
                raise InvalidInput(
                    f"Effect {key} is {item.status.value}, not {expected.value}.",
                    hint="Only failed effects can be retried or resolved by hand.",
                )
            updated = change(item, self.clock())
            uow.update_outbox_item(updated)
            uow.commit()
        return updated


def _logged(item: OutboxItem, attempt: Attempt) -> tuple[Attempt, ...]:
    return (*item.history, attempt)[-HISTORY_KEPT:]


def _authorize_operator(uow: UnitOfWork, item: OutboxItem, actor: Actor) -> None:
    if not isinstance(actor, Actor):
        raise InvalidInput(f"actor must be a collabcore.Actor, got {actor!r:.60}.")
    if actor.party is not Party.OFFICE or actor.party_id != item.effect.office_id:
        raise NotFound(f"No effect {item.key} in the outbox.", hint="List them with Relay.failed().")
    office = uow.get_office(actor.party_id)
    user = None if office is None else office.user(actor.user_id)
    if user is None or not user.may_manage_collaborations:
        raise NotAuthorized(
            f"User {actor.user_id} lacks full user rights and the Administrator role (R14).",
            hint="Ask a colleague who has both.",
        )


def _existing(uow: UnitOfWork, key: str) -> OutboxItem:
    item = uow.get_outbox_item(key, for_update=True)
    if item is None:
        raise NotFound(f"No effect {key} in the outbox.", hint="List them with Relay.pending().")
    return item
