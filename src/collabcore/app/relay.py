"""The relay: carries out the effects an end recorded, at least once, in order.

Each round claims due effects in a short transaction, leasing each one on its
own (a token of its own, its next attempt moved past the lease), calls the
host's integration with the effect's deterministic key *outside* any
transaction, then records the outcome in a second short transaction. A worker
that dies mid-call leaves the lease to expire and the effect is tried again
with the same key, so the integrations must treat a repeated key as done
(at-least-once + idempotent receivers = exactly-once effects).

Every write a worker makes after its claim is *fenced* by its lease token: once
another worker has taken an effect over (the lease ran out), the first one's
late write changes nothing and is counted as ``stale``; a lease more than half
used is renewed before its effect is called, so a long batch is never taken
twice by live workers. Failures are never dropped: after the last retry an
effect is FAILED and waits for ``retry`` or ``resolve``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

import attrs
from attrs import frozen

from collabcore.app.config import Configuration
from collabcore.app.follow_ups import (
    AWAITING_NOTICE,
    BLOCKED_NOTICE,
    MOVED_IN_NOTICE,
    READ_ONLY_STEP,
    START_STEP,
)
from collabcore.app.refusals import denied, no_effect
from collabcore.app.requests import acting, whole_number
from collabcore.domain.effects import Effect, EffectKind
from collabcore.domain.errors import ConfigurationError, InvalidInput, describe, require_state
from collabcore.domain.model import Actor, Party, new_id
from collabcore.domain.outbox import Attempt, EffectStatus, Notification, OutboxItem
from collabcore.domain.requests import LifecycleRequest, RequestKind, RequestStatus
from collabcore.domain.validation import exact_text
from collabcore.policy.authorization import relay_operator_denial
from collabcore.policy.engine import Operation, RuleContext
from collabcore.policy.planner import consequences_of
from collabcore.ports import Store, UnitOfWork

log = logging.getLogger("collabcore.relay")

HISTORY_KEPT = 50
MAX_CLAIM = 10_000
"""The most effects one round may claim."""


def _positive_duration(_: object, attribute: attrs.Attribute[timedelta], value: object) -> None:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise InvalidInput(
            f"{attribute.name} must be a positive datetime.timedelta, got {describe(value)}.",
            path=attribute.name,
        )


def _attempts(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    whole_number(value, attribute.name, 1, 1000)


@frozen
class RetryPolicy:
    """How the relay retries an effect whose integration failed: after a delay that doubles with
    each attempt, until ``max_attempts``; then the effect is FAILED and waits for a person."""

    max_attempts: int = attrs.field(default=6, validator=_attempts)
    """Attempts in all, the first included (1 to 1000)."""
    first_delay: timedelta = attrs.field(default=timedelta(seconds=2), validator=_positive_duration)
    """The wait after the first failed attempt."""
    max_delay: timedelta = attrs.field(default=timedelta(minutes=30), validator=_positive_duration)
    """The longest wait between two attempts."""
    lease: timedelta = attrs.field(default=timedelta(minutes=5), validator=_positive_duration)
    """How long a claimed effect is left to its worker before another may take it (each
    effect has a lease of its own; a worker renews one more than half used before its call)."""

    def delay(self, attempts: int) -> timedelta:
        """The wait after ``attempts`` failed attempts: ``first_delay`` doubled each time, at
        most ``max_delay``."""
        delay: timedelta = self.first_delay * (2 ** max(attempts - 1, 0))
        return min(delay, self.max_delay)


@frozen
class RelayReport:
    done: int = 0
    retried: int = 0
    failed: int = 0
    stale: int = 0
    """Effects another worker took over (this worker's lease ran out) before this one could
    write its outcome, or renew the lease; nothing of this worker's was written for them."""

    def __add__(self, other: RelayReport) -> RelayReport:
        return RelayReport(
            self.done + other.done,
            self.retried + other.retried,
            self.failed + other.failed,
            self.stale + other.stale,
        )

    @property
    def attempted(self) -> int:
        return self.done + self.retried + self.failed + self.stale


class Relay:
    """Carries out pending effects through the configuration's integrations, and tells each
    party in its own language, in the configuration's brand. Build it with
    ``service.relay()``, so that it shares the service's store, words and clock."""

    def __init__(self, config: Configuration, *, retry: RetryPolicy | None = None) -> None:
        if not isinstance(config, Configuration):
            raise ConfigurationError(
                f"A Relay is built from the service's configuration, not from {type(config).__name__}.",
                hint="Use service.relay() (or Relay(service.configuration)), so that the relay "
                "speaks the service's brand and language and reads its clock.",
            )
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise InvalidInput(f"retry must be a RetryPolicy or None, got {describe(retry)}.", path="retry")
        self.config = config
        self.retry_policy = retry or RetryPolicy()

    @property
    def store(self) -> Store:
        """The store whose outbox it carries out (the service's)."""
        return self.config.store

    # --- running -----------------------------------------------------------

    def run_once(self, *, limit: int = 50) -> RelayReport:
        """Claim up to ``limit`` (1 to 10,000) due effects and carry each out once."""
        limit = whole_number(limit, "limit", 1, MAX_CLAIM)
        now = self.config.clock()
        lease = self.retry_policy.lease
        with self.config.store.transaction() as uow:
            claimed = [
                attrs.evolve(item, next_attempt_at=now + lease, updated_at=now, lease=new_id())
                for item in uow.claim_due_effects(now=now, limit=limit)
            ]
            lease_all = getattr(uow, "lease_outbox_items", None)  # OutboxInFewerStatements
            if lease_all is not None:
                lease_all(claimed)
            else:
                for item in claimed:
                    uow.update_outbox_item(item)
            uow.commit()
        report = RelayReport()
        for item in claimed:
            renewed = self._renewed(item)
            report += self._carry_out(renewed) if renewed is not None else _stale(item, "renew its lease")
        return report

    def drain(self, *, max_rounds: int = 10_000) -> RelayReport:
        """Run rounds until no effect is due now (later retries are left for later)."""
        max_rounds = whole_number(max_rounds, "max_rounds", 1, 10**9)
        total = RelayReport()
        for _ in range(max_rounds):
            report = self.run_once()
            if not report.attempted:
                break
            total += report
        return total

    def _renewed(self, item: OutboxItem) -> OutboxItem | None:
        """The item with its lease renewed if more than half of it is used (None: another
        worker has taken it over meanwhile); the item itself if its lease is fresh."""
        now = self.config.clock()
        lease = self.retry_policy.lease
        if item.next_attempt_at - now > lease / 2:
            return item
        renewed = attrs.evolve(item, next_attempt_at=now + lease, updated_at=now)
        return renewed if self._write(renewed, fenced=item.lease) else None

    def _write(self, item: OutboxItem, *, fenced: str | None) -> bool:
        with self.config.store.transaction() as uow:
            settle = getattr(uow, "settle_outbox_item", None)  # OutboxInFewerStatements
            if settle is not None and fenced is not None:
                written: bool = settle(item, fenced=fenced)
                return written
            written = uow.update_outbox_item(item, fenced=fenced)
            if written:
                uow.commit()
        return written

    def _carry_out(self, item: OutboxItem) -> RelayReport:
        effect = item.effect
        try:
            self._handler(effect)()
        except Exception as exc:
            return self._record_failure(item, exc)
        now = self.config.clock()
        done = attrs.evolve(
            item,
            status=EffectStatus.DONE,
            attempts=item.attempts + 1,
            updated_at=now,
            last_error=None,
            history=_logged(item, Attempt(now)),
            lease=None,
        )
        if not self._write(done, fenced=item.lease):
            return _stale(item, "record that it was done")
        log.info("effect %s done", effect.key)
        return RelayReport(done=1)

    def _record_failure(self, item: OutboxItem, exc: Exception) -> RelayReport:
        attempts = item.attempts + 1
        now = self.config.clock()
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
            lease=None,
        )
        if not self._write(updated, fenced=item.lease):
            return _stale(item, f"record its failure ({error[:200]})")
        log.warning("effect %s attempt %d failed: %s", item.key, attempts, error)
        return RelayReport(failed=1) if out_of_tries else RelayReport(retried=1)

    def _handler(self, effect: Effect) -> Callable[[], None]:
        i = self.config.integrations
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
            k.GRANT_OFFICE_ACCESS: (i.lifecycle, "grant_office_access"),
            k.CHANGE_PAYER: (i.lifecycle, "change_payer"),
            k.REVOKE_LINKED_SERVICES: (i.lifecycle, "revoke_linked_services"),
        }[effect.kind]
        if port is None:
            raise ConfigurationError(f"No integration is configured for {effect.kind.value}.")
        call: Callable[[Effect], None] = getattr(port, method)
        return lambda: call(effect)

    # --- notifications -------------------------------------------------------

    def notification(self, effect: Effect) -> Notification:
        """The message for one party, in its own language, with the consequence summary."""
        if not isinstance(effect, Effect) or effect.kind not in (
            EffectKind.NOTIFY_OFFICE,
            EffectKind.NOTIFY_CUSTOMER,
        ):
            raise InvalidInput(
                f"effect must be a notification Effect, got {describe(effect)}.", path="effect"
            )
        if effect.notice is not None:
            return self._notice(effect, effect.notice)
        with self.config.store.transaction(write=False) as uow:
            together = getattr(uow, "notification_reads", None)  # OutboxInFewerStatements
            if together is not None:
                collab, office, customer, effects = together(effect)
            else:
                collab = uow.get_collaboration(effect.collaboration_id)
                office = uow.get_office(effect.office_id)
                customer = uow.get_customer(effect.customer_id)
                effects = tuple(i.effect for i in uow.outbox(collaboration_id=effect.collaboration_id))
            requests = uow.requests(customer_id=effect.customer_id)
        collab = require_state(collab, f"collaboration {effect.collaboration_id}")
        customer = require_state(customer, f"customer {effect.customer_id}")
        office = require_state(office, f"office {effect.office_id}")
        # A move's own effects and a request's come after the end's; the summary is the end's.
        effects = tuple(e for e in effects if e.request_id is None and START_STEP < e.step < READ_ONLY_STEP)
        ended_by = require_state(collab.ended_by, f"who ended {collab.id}")
        outcome = require_state(collab.outcome, f"the outcome of {collab.id}")
        party = Party.OFFICE if effect.kind is EffectKind.NOTIFY_OFFICE else Party.CUSTOMER
        language = office.language if party is Party.OFFICE else customer.language
        loc = self.config.in_language(language)
        # Every date told is the end's own day: a scheduled end's effective day, however late
        # the due run carried it out (or the relay runs); an instant end's day it was made.
        ended_on = _scheduled_day(requests, collab.id) or (collab.ended_at or self.config.clock()).date()
        ctx = RuleContext(
            operation=Operation.END,
            actor=ended_by,
            today=ended_on,
            office=office,
            customer=customer,
            product=self.config.products.get(collab.product),
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
            brand=loc.brand.key,
            language=language,
            subject=loc.text("notification.subject", product=product),
            lines=(intro, *(summary.lines if summary else ())),
        )

    def _notice(self, effect: Effect, notice: str) -> Notification:
        """A notification about a lifecycle request or a move, in the party's language: the
        notice's sentence, then (a blocked end) the rules that stopped it."""
        with self.config.store.transaction(write=False) as uow:
            office = require_state(uow.get_office(effect.office_id), f"office {effect.office_id}")
            customer = require_state(uow.get_customer(effect.customer_id), f"customer {effect.customer_id}")
            request = None if effect.request_id is None else uow.get_request(effect.request_id)
            day = _notice_day(uow, effect, notice, request) or self.config.clock().date()
        party = Party.OFFICE if effect.kind is EffectKind.NOTIFY_OFFICE else Party.CUSTOMER
        language = office.language if party is Party.OFFICE else customer.language
        loc = self.config.in_language(language)
        params = {
            "office": office.name,
            "customer": customer.name,
            "product": loc.product(effect.product),
            "date": day.isoformat(),
        }
        codes = request.codes if request is not None and notice == BLOCKED_NOTICE else ()
        reasons = tuple(f"{code}: {loc.text(f'rule.{code}')}" for code in codes if loc.has(f"rule.{code}"))
        return Notification(
            key=effect.key,
            party=party,
            party_id=office.id if party is Party.OFFICE else customer.id,
            brand=loc.brand.key,
            language=language,
            subject=loc.text(f"{notice}.subject", **params),
            lines=(loc.text(notice, **params), *reasons),
        )

    # --- operating failures ------------------------------------------------------

    def pending(self) -> list[OutboxItem]:
        """The effects still to be carried out (due or waiting for a retry), by collaboration
        and step."""
        return self._items(EffectStatus.PENDING)

    def failed(self) -> list[OutboxItem]:
        """The effects that ran out of attempts, by collaboration and step: each waits for a
        person to fix its cause and ``retry`` it (or resolve it by hand)."""
        return self._items(EffectStatus.FAILED)

    def _items(self, status: EffectStatus) -> list[OutboxItem]:
        with self.config.store.transaction(write=False) as uow:
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
                item, status=EffectStatus.PENDING, attempts=0, next_attempt_at=now, updated_at=now, lease=None
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
                item, status=EffectStatus.RESOLVED, resolution=reason, updated_at=now, lease=None
            ),
        )

    def _change(
        self,
        key: str,
        actor: Actor | None,
        expected: EffectStatus,
        change: Callable[[OutboxItem, datetime], OutboxItem],
    ) -> OutboxItem:
        key = exact_text(key, "key", 400)
        operator = None if actor is None else acting(actor)
        with self.config.store.transaction() as uow:
            item = _existing(uow, key)
            if operator is not None:
                _authorize_operator(uow, item, operator, key)
            if item.status is not expected:
                raise InvalidInput(
                    f"Effect {key} is {item.status.value}, not {expected.value}.",
                    hint="Only failed effects can be retried or resolved by hand.",
                )
            updated = change(item, self.config.clock())
            uow.update_outbox_item(updated)
            uow.commit()
        return updated


def _notice_day(
    uow: UnitOfWork, effect: Effect, notice: str, request: LifecycleRequest | None
) -> date | None:
    """The day a notice tells, from what it is about, never from the clock: a request that
    waits for acceptance, its expiry (accepting after it is refused); another request, its
    own day (a read-only access that ended with the office's last collaboration: that end's
    day); a move, the day it was made."""
    if request is None:
        collab = uow.get_collaboration(effect.collaboration_id)
        if collab is None:
            return None
        moment = collab.started_at if notice == MOVED_IN_NOTICE else collab.ended_at
        return None if moment is None else moment.date()
    expiry = None if request.expires_at is None else request.expires_at.date()
    if notice == AWAITING_NOTICE and expiry is not None:
        return expiry
    if request.effective_on is not None:
        return request.effective_on
    if request.settled_at is not None and request.kind is RequestKind.READ_ONLY_ACCESS:
        return request.settled_at.date()  # revoked before its end's day was kept with it
    return expiry or request.requested_at.date()


def _scheduled_day(requests: Sequence[LifecycleRequest], collaboration_id: str) -> date | None:
    """The effective day of the scheduled end that ended ``collaboration_id``; None when it
    ended at once."""
    for r in requests:
        if (
            r.kind is RequestKind.SCHEDULED_END
            and r.status is RequestStatus.CARRIED_OUT
            and r.collaboration_id == collaboration_id
        ):
            return r.effective_on
    return None


def _stale(item: OutboxItem, what: str) -> RelayReport:
    log.warning(
        "effect %s: this worker's lease ran out and another worker took the effect over; "
        "did not %s (nothing written)",
        item.key,
        what,
    )
    return RelayReport(stale=1)


def _logged(item: OutboxItem, attempt: Attempt) -> tuple[Attempt, ...]:
    return (*item.history, attempt)[-HISTORY_KEPT:]


def _authorize_operator(uow: UnitOfWork, item: OutboxItem, actor: Actor, key: str) -> None:
    office = uow.get_office(actor.party_id) if actor.party is Party.OFFICE else None
    denial = relay_operator_denial(actor, item.effect.office_id, office)
    if denial is not None:
        raise denied(denial, lambda: no_effect(key))


def _existing(uow: UnitOfWork, key: str) -> OutboxItem:
    item = uow.get_outbox_item(key, for_update=True)
    if item is None:
        raise no_effect(key)
    return item
