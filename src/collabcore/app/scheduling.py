"""Ends on a date, requests that wait for the other party, and the one run that carries out
what is due.

Each step is one transaction, which locks the customer first (as every lifecycle write
does), so that a request is settled once however many workers run ``carry_out_due`` and
however the parties race. Facts are asked before the transaction opens, never under a lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

import attrs

from collabcore.app.config import Configuration
from collabcore.app.ending import Ending
from collabcore.app.follow_ups import BLOCKED_NOTICE, notices, opened, revocation, settled
from collabcore.app.lifecycle import Lifecycle, Terms
from collabcore.app.refusals import denied, no_customer, no_office, no_request, visible
from collabcore.app.requests import EndCommand
from collabcore.domain.billing import moment_after, month_end
from collabcore.domain.effects import Effect, EffectKind
from collabcore.domain.errors import CollabCoreError, InvalidInput, RequestConflict
from collabcore.domain.model import Actor, Collaboration, Party
from collabcore.domain.plans import Plan
from collabcore.domain.refusals import NotAuthorized
from collabcore.domain.requests import (
    DueReport,
    LifecycleRequest,
    RequestKind,
    RequestStatus,
    Scheduled,
)
from collabcore.policy.authorization import (
    acts_for,
    answer_denial,
    customer_admin_denial,
    party_rights_denial,
    start_denial,
)
from collabcore.policy.engine import Operation, Refusal
from collabcore.ports import UnitOfWork
from collabcore.wording.lifecycle_words import scheduled_already, settled_already

log = logging.getLogger("collabcore.scheduling")

_NOTIFY_BOTH = (EffectKind.NOTIFY_OFFICE, EffectKind.NOTIFY_CUSTOMER)


def _locked(uow: UnitOfWork, request: LifecycleRequest) -> LifecycleRequest | None:
    """The request as stored, locked: its customer first, as every lifecycle write locks."""
    uow.get_customer(request.customer_id, for_update=True)
    return uow.get_request(request.id, for_update=True)


def _end_command(request: LifecycleRequest) -> EndCommand:
    """The end a scheduled end request carries out: by whom it asked, as it asked."""
    r = request
    assert r.collaboration_id is not None and r.outcome is not None and r.requested_by is not None
    return EndCommand(
        r.collaboration_id, r.requested_by, r.outcome, frozenset(r.acknowledge), r.confirm_deletion
    )


def _other(party: Party) -> Party:
    return Party.CUSTOMER if party is Party.OFFICE else Party.OFFICE


def _notify(party: Party) -> EffectKind:
    return EffectKind.NOTIFY_OFFICE if party is Party.OFFICE else EffectKind.NOTIFY_CUSTOMER


class Scheduling:
    def __init__(self, config: Configuration, ending: Ending, lifecycle: Lifecycle) -> None:
        self.config = config
        self.ending = ending
        self.lifecycle = lifecycle

    # --- scheduled ends ----------------------------------------------------------------

    def schedule_end(self, command: EndCommand, effective: date | None) -> Scheduled:
        """Record an end for its day (by default the end of this billing month, R23). Who may
        end (R1, R14), finality (R5) and the outcome (R15) are decided now; every other
        finding is a preview, asked again on the day. With the acceptance switch on, an
        office's end first waits for the customer's Administrator."""
        config = self.config
        facts = self.ending.facts_for(command)
        with config.store.transaction() as uow:
            snapshot = uow.load_end(command.collaboration_id, idempotency_key=None, for_update=True)
            current = visible(snapshot.collaboration, command.collaboration_id, command.actor)
            now = config.clock()
            day = effective or month_end(now.date())
            if day < now.date():
                raise InvalidInput(
                    f"effective must be today or later, got {day.isoformat()} (today is {now.date()}).",
                    hint="Leave it out for the end of this billing month, or use end() to end now.",
                    path="effective",
                )
            preview = self.ending.planned(snapshot, current, command, facts, memo=False, effective=day)
            rulebook = config.rulebook
            hard = [f for f in preview.blockers if rulebook.refusal_of(f.code) < Refusal.REFUSED]
            if hard:
                raise self.ending.refusal(attrs.evolve(preview, findings=tuple(hard)))
            waiting = [r for r in snapshot.requests if r.kind is RequestKind.SCHEDULED_END]
            already = next((r for r in waiting if r.collaboration_id == current.id), None)
            if already is not None:
                raise RequestConflict(
                    scheduled_already(already, config.localizer, config.localizer.product(current.product)),
                    hint="Withdraw that request first, then schedule again.",
                    path="collaboration_id",
                )
            awaits = Party.CUSTOMER if rulebook.acceptance.needed(Operation.END, command.actor) else None
            request = LifecycleRequest(
                id=config.ids(),
                kind=RequestKind.SCHEDULED_END,
                status=RequestStatus.SCHEDULED if awaits is None else RequestStatus.AWAITING_ACCEPTANCE,
                office_id=current.office_id,
                customer_id=current.customer_id,
                product=current.product,
                requested_by=command.actor,
                requested_at=now,
                collaboration_id=current.id,
                outcome=command.outcome,
                effective_on=day,
                acknowledge=tuple(sorted(command.acknowledge)),
                confirm_deletion=command.confirm_deletion,
                awaits=awaits,
                expires_at=None
                if awaits is None
                else moment_after(now, rulebook.acceptance.expires_after, field="expires_at"),
            )
            if awaits is None:  # nobody loses a collaboration by surprise: the other party hears now
                told = notices(request, "notice.scheduled", (_notify(_other(command.actor.party)),))
            else:
                told = notices(request, "notice.awaiting", (_notify(awaits),))
            opened(request, told).write(uow, at=now)
            uow.commit()
        log.info("end of %s scheduled for %s (%s)", current.id, day, request.status.value)
        return Scheduled(request, preview)

    def plan_scheduled(self, request_id: str, actor: Actor) -> Plan:
        """The plan of a scheduled end as it would be carried out on its day, with today's facts:
        by the party that asked for it, whoever looks."""
        request = self.get(request_id, actor)
        if request.kind is not RequestKind.SCHEDULED_END or request.collaboration_id is None:
            raise InvalidInput(f"Request {request_id} is not a scheduled end.", path="request_id")
        return self.ending.plan(_end_command(request), effective=request.effective_on)

    # --- answering and withdrawing ---------------------------------------------------------

    def withdraw(self, request_id: str, actor: Actor) -> LifecycleRequest:
        """Either party with the rights of R1/R14 withdraws a scheduled end; the party that
        sent an invitation withdraws it."""

        def check(uow: UnitOfWork, r: LifecycleRequest, actor: Actor) -> None:
            if r.kind is RequestKind.READ_ONLY_ACCESS:
                raise InvalidInput(
                    f"Request {r.id} is a read-only access; it ends by itself, it is not withdrawn.",
                    path="request_id",
                )
            if r.kind is RequestKind.INVITATION and r.awaits is actor.party:
                raise NotAuthorized(
                    f"Request {r.id} waits for the {actor.party.value}'s answer; the party that sent "
                    "it withdraws it.",
                    hint="Decline it instead.",
                )
            self._rights(uow, r, actor)

        return self._answer(request_id, actor, check, RequestStatus.WITHDRAWN)

    def decline(self, request_id: str, actor: Actor) -> LifecycleRequest:
        return self._answer(request_id, actor, self._awaited, RequestStatus.DECLINED)

    def accept(self, request_id: str, actor: Actor) -> LifecycleRequest:
        """The awaited party's Administrator accepts: an invitation starts its collaboration at
        once; an end waits for its day (and is carried out now if that day has come)."""
        accepted = self._answer(request_id, actor, self._awaited, RequestStatus.SCHEDULED)
        due = accepted.due_at
        if accepted.kind is RequestKind.SCHEDULED_END and due is not None and due <= self.config.clock():
            self._carry_out_end(accepted)
            return self.get(request_id, actor)
        return accepted

    def _awaited(self, uow: UnitOfWork, r: LifecycleRequest, actor: Actor) -> None:
        if r.status is not RequestStatus.AWAITING_ACCEPTANCE:
            raise InvalidInput(
                f"Request {r.id} is {r.status.value}; only a request awaiting acceptance is answered.",
                path="request_id",
            )
        assert r.expires_at is not None
        if r.expires_at <= self.config.clock():
            raise InvalidInput(
                f"Request {r.id} expired at {r.expires_at.isoformat()}; it does nothing.",
                hint="Ask the other party to send a new one.",
                path="request_id",
            )
        customer = uow.get_customer(r.customer_id)
        office = uow.get_office(r.office_id)
        denial = answer_denial(actor, r.awaits, customer, office)
        if denial is not None:
            raise denied(denial, lambda: no_request(r.id, actor))

    def _rights(self, uow: UnitOfWork, r: LifecycleRequest, actor: Actor) -> None:
        customer = uow.get_customer(r.customer_id)
        office = uow.get_office(r.office_id)
        denial = party_rights_denial(actor, customer, office)
        if denial is not None:
            raise denied(denial, lambda: no_request(r.id, actor))

    def _answer(
        self,
        request_id: str,
        actor: Actor,
        check: Callable[[UnitOfWork, LifecycleRequest, Actor], None],
        status: RequestStatus,
    ) -> LifecycleRequest:
        config = self.config
        with config.store.transaction() as uow:
            found = uow.get_request(request_id)
            if found is None or not acts_for(actor, found.office_id, found.customer_id):
                raise no_request(request_id, actor)
            r = _locked(uow, found)
            assert r is not None
            if not r.is_open:
                raise RequestConflict(settled_already(r, config.localizer), path="request_id")
            check(uow, r, actor)
            now = config.clock()
            if status is RequestStatus.SCHEDULED and r.kind is RequestKind.INVITATION:
                started = self._start_invited(uow, r)
                r, status = attrs.evolve(r, collaboration_id=started.id), RequestStatus.CARRIED_OUT
            told: tuple[Effect, ...] = ()
            if status in (RequestStatus.WITHDRAWN, RequestStatus.DECLINED):
                notice = "notice.withdrawn" if status is RequestStatus.WITHDRAWN else "notice.declined"
                told = notices(r, notice, (_notify(_other(actor.party)),))
            follow = settled(r, status, at=now, by=actor, effects=told)
            changed = follow.changed[0][0]
            follow.write(uow, at=now)
            uow.commit()
        log.info("request %s: %s by %s", request_id, changed.status.value, actor.party.value)
        return changed

    # --- invitations -------------------------------------------------------------------------

    def invite(self, actor: Actor, terms: Terms) -> LifecycleRequest:
        """A customer's Administrator invites an office to start a collaboration (the office
        accepts); or an office that already works with the customer asks to add a product
        (the customer's Administrator accepts). Nobody else can ask: no office attaches
        itself to another office's customer."""
        config = self.config
        office_id, customer_id, spec, variant, recipient = terms
        with config.store.transaction() as uow:
            customer = uow.get_customer(customer_id, for_update=True)
            active = () if customer is None else tuple(uow.active_collaborations_of_customer(customer_id))
            if actor.party is Party.CUSTOMER:
                if customer is None or actor.party_id != customer_id:
                    raise no_customer(customer_id)
                denial = customer_admin_denial(actor, customer)
            else:
                denial = start_denial(actor, office_id, customer, active)
                if denial is None and customer is not None:
                    denial = party_rights_denial(actor, customer, uow.get_office(office_id))
            if denial is not None:
                raise denied(denial, lambda: no_customer(customer_id))
            assert customer is not None
            office = uow.get_office(office_id)
            if office is None:
                raise no_office(office_id)
            ctx = self.lifecycle.start_context(actor, terms, office, customer, active, accepted=True)
            self.lifecycle.refuse_blocked(ctx, f"Inviting {office_id} to {spec.key} for {customer_id}")
            pending = uow.requests(customer_id=customer_id, open_only=True)
            if any(r.kind is RequestKind.INVITATION and r.product == spec.key for r in pending):
                raise InvalidInput(
                    f"Customer {customer_id} has an open invitation for {spec.key} already.",
                    hint="Withdraw it first, or wait for the answer.",
                    path="product",
                )
            now = config.clock()
            awaits = Party.OFFICE if actor.party is Party.CUSTOMER else Party.CUSTOMER
            request = LifecycleRequest(
                id=config.ids(),
                kind=RequestKind.INVITATION,
                status=RequestStatus.AWAITING_ACCEPTANCE,
                office_id=office_id,
                customer_id=customer_id,
                product=spec.key,
                requested_by=actor,
                requested_at=now,
                variant=variant,
                invoice_recipient=recipient,
                awaits=awaits,
                expires_at=moment_after(now, config.rulebook.acceptance.expires_after, field="expires_at"),
            )
            opened(request, notices(request, "notice.awaiting", (_notify(awaits),))).write(uow, at=now)
            uow.commit()
        return request

    def _start_invited(self, uow: UnitOfWork, r: LifecycleRequest) -> Collaboration:
        """The invitation's collaboration, started as its sender's start (the rules of a
        start asked again now), accepted by the other party."""
        assert r.requested_by is not None and r.invoice_recipient is not None
        product = self.config.products.get(r.product)
        terms: Terms = (r.office_id, r.customer_id, product, r.variant, r.invoice_recipient)
        return self.lifecycle.start_in(uow, r.requested_by, terms, accepted=True)

    # --- reading -------------------------------------------------------------------------------

    def get(self, request_id: str, actor: Actor) -> LifecycleRequest:
        with self.config.store.transaction(write=False) as uow:
            found = uow.get_request(request_id)
        if found is None or not acts_for(actor, found.office_id, found.customer_id):
            raise no_request(request_id, actor)
        return found

    # --- what is due -------------------------------------------------------------------------

    def carry_out_due(self, limit: int) -> DueReport:
        """Settle every open request whose time has come: expire what nobody accepted, carry
        out (or block) scheduled ends, end read-only accesses whose grace period ran out.
        Each in a transaction of its own; a request another worker settled is skipped."""
        with self.config.store.transaction(write=False) as uow:
            due = list(uow.due_requests(now=self.config.clock(), limit=limit))
        report = DueReport()
        for request in due:
            try:
                if request.status is RequestStatus.AWAITING_ACCEPTANCE:
                    report += self._settle_alone(request, RequestStatus.EXPIRED, DueReport(expired=1))
                elif request.kind is RequestKind.SCHEDULED_END:
                    report += self._carry_out_end(request)
                else:
                    revoke = DueReport(revoked=1)
                    report += self._settle_alone(
                        request, RequestStatus.CARRIED_OUT, revoke, revocation(request)
                    )
            except CollabCoreError as exc:
                log.warning("request %s could not be settled now: %s", request.id, exc)
                report += DueReport(failed=1)
        return report

    def _fresh(self, uow: UnitOfWork, request: LifecycleRequest) -> LifecycleRequest | None:
        """The request, locked, if it is still as it was read (else another got there first)."""
        current = _locked(uow, request)
        if current is None or current.version != request.version or not current.is_open:
            return None
        return current

    def _settle_alone(
        self,
        request: LifecycleRequest,
        status: RequestStatus,
        done: DueReport,
        effects: tuple[Effect, ...] = (),
    ) -> DueReport:
        with self.config.store.transaction() as uow:
            current = self._fresh(uow, request)
            if current is None:
                return DueReport(skipped=1)
            now = self.config.clock()
            settled(current, status, at=now, effects=effects).write(uow, at=now)
            uow.commit()
        return done

    def _carry_out_end(self, request: LifecycleRequest) -> DueReport:
        r = request
        command = _end_command(r)
        facts = self.ending.facts(r.customer_id, self.config.products.get(r.product))
        if facts.failed:
            # An integration that is down says nothing of the end: deciding now would block it
            # for good on a passing outage. It waits for the next run, counted as failed.
            log.warning(
                "request %s waits: the integration answering %s failed", r.id, ", ".join(facts.failed)
            )
            return DueReport(failed=1)
        with self.config.store.transaction() as uow:
            current = self._fresh(uow, r)
            if current is None:
                return DueReport(skipped=1)
            done = self.ending.end_in(
                uow,
                command,
                facts,
                None,
                None,
                commit=False,
                memo=False,
                accepted=True if r.awaits is not None else None,
                carrying_out=r.id,
                effective=r.effective_on,
            )
            now = self.config.clock()
            if isinstance(done, Plan):
                codes = tuple(f.code for f in done.blocking_findings)
                told = notices(current, BLOCKED_NOTICE, _NOTIFY_BOTH)
                settled(current, RequestStatus.BLOCKED, at=now, codes=codes, effects=told).write(uow, at=now)
                report = DueReport(blocked=1)
            else:
                settled(current, RequestStatus.CARRIED_OUT, at=now).write(uow, at=now)
                report = DueReport(carried_out=1)
            uow.commit()
        return report
