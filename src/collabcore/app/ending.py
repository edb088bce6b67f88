"""Ending a collaboration: plan it (changing nothing), then end it exactly once.

Facts come from the integrations *before* the write transaction opens, so a
slow integration never holds a database lock. The end re-plans inside one
transaction and records the ended collaboration, its event, its pending
effects and the idempotency key together, or refuses with every finding.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from datetime import date

import attrs

from collabcore.app.config import Configuration
from collabcore.app.facts import FactAsker
from collabcore.app.follow_ups import after_end
from collabcore.app.plan_memo import PlanMemo
from collabcore.app.refusals import no_customer, refusal, visible
from collabcore.app.requests import EndCommand
from collabcore.domain.billing import settled_subscription
from collabcore.domain.effects import EffectKind
from collabcore.domain.errors import ConcurrencyConflict, OperationRefused, key_reused
from collabcore.domain.events import CollaborationEnded, EndRefusedRecorded
from collabcore.domain.model import Collaboration
from collabcore.domain.plans import Plan
from collabcore.domain.records import EndResult, EndSnapshot, EndWrites, IdempotencyKey, IdempotencyRecord
from collabcore.policy.engine import Operation, RuleContext
from collabcore.policy.facts import Facts
from collabcore.policy.planner import make_plan
from collabcore.policy.products import ProductSpec
from collabcore.policy.rules.bookkeeping import read_only_until
from collabcore.ports import UnitOfWork

log = logging.getLogger("collabcore.service")


class Ending:
    """Plans and ends, with a memo of plans (``memo_size`` of them; 0 turns it off)."""

    def __init__(self, config: Configuration, memo_size: int) -> None:
        self.config = config
        self.memo = PlanMemo(memo_size) if memo_size else None
        self.asker = FactAsker(config.integrations, config.rulebook)

    def facts(self, customer_id: str, product: ProductSpec) -> Facts:
        """Ask the integrations what the rules for ending ``product`` read."""
        return self.asker.gather(customer_id, product)

    def plan(self, command: EndCommand, effective: date | None = None) -> Plan:
        with self.config.store.transaction(write=False) as uow:
            snapshot = uow.load_end(command.collaboration_id, idempotency_key=None, for_update=False)
        collab = visible(snapshot.collaboration, command.collaboration_id, command.actor)
        # Nothing is locked here, so the integrations may be asked after the read.
        facts = self.facts(collab.customer_id, self.config.products.get(collab.product))
        return self.planned(snapshot, collab, command, facts, effective=effective)

    def end(
        self, command: EndCommand, idempotency_key: str | None, expected_version: int | None
    ) -> EndResult:
        facts = self.facts_for(command)
        with self.config.store.transaction() as uow:
            done = self.end_in(uow, command, facts, idempotency_key, expected_version, commit=True)
        if isinstance(done, Plan):
            # Recorded only now: the refused transaction is over and its lock released.
            self.record_refusal(done)
            raise self.refusal(done)
        if not done.replayed:
            log.info(
                "collaboration %s ended by %s: %s",
                command.collaboration_id,
                command.actor.party.value,
                command.outcome.value,
            )
        return done

    def facts_for(self, command: EndCommand) -> Facts:
        with self.config.store.transaction(write=False) as uow:
            collab = uow.get_collaboration(command.collaboration_id)
        collab = visible(collab, command.collaboration_id, command.actor)
        return self.facts(collab.customer_id, self.config.products.get(collab.product))

    def end_in(
        self,
        uow: UnitOfWork,
        command: EndCommand,
        facts: Facts,
        idempotency_key: str | None,
        expected_version: int | None,
        *,
        commit: bool,
        memo: bool = True,
        accepted: bool | None = None,
        carrying_out: str | None = None,
        effective: date | None = None,
    ) -> EndResult | Plan:
        """The end's reads and writes (committed if ``commit``): the result, or the refused
        plan, with nothing written. ``accepted``: the customer accepted this (office's) end;
        ``carrying_out``: the scheduled end request this end carries out, on its day
        ``effective`` (the rules and the billing period are that day's, however late the
        due run comes)."""
        scoped = None if idempotency_key is None else IdempotencyKey.of(command.actor, idempotency_key)
        snapshot = uow.load_end(command.collaboration_id, idempotency_key=scoped, for_update=True)
        fingerprint = command.fingerprint
        if idempotency_key is not None and snapshot.idempotency is not None:
            if snapshot.idempotency.fingerprint != fingerprint:
                raise key_reused(idempotency_key)
            return attrs.evolve(snapshot.idempotency.result, replayed=True)
        current = visible(snapshot.collaboration, command.collaboration_id, command.actor)
        # An end takes a plan from the memo (the page that showed it planned it), but keeps
        # none: the collaboration it ends will not be planned in this state again.
        plan = self.planned(
            snapshot,
            current,
            command,
            facts,
            memo=memo,
            remember=False,
            accepted=accepted,
            effective=effective,
        )
        if not plan.allowed:
            return plan
        if expected_version is not None and current.version != expected_version:
            raise ConcurrencyConflict(
                f"Collaboration {current.id} is at version {current.version}, not {expected_version}.",
                hint="Plan again on the current version.",
            )
        now = self.config.clock()
        ended = current.end(actor=command.actor, outcome=command.outcome, at=now)
        event = CollaborationEnded(
            collaboration_id=ended.id,
            office_id=ended.office_id,
            customer_id=ended.customer_id,
            product=ended.product,
            outcome=command.outcome,
            actor=command.actor,
            acknowledged=plan.acknowledged_codes,
            occurred_at=now,
        )
        result = EndResult(ended, event, plan.effects)
        record = None
        if scoped is not None and idempotency_key is not None:
            record = IdempotencyRecord(idempotency_key, fingerprint, result, now, scope=scoped.scope)
        kinds = {e.kind for e in plan.effects}
        until = None
        if EffectKind.RESTRICT_OFFICE_ACCESS in kinds:
            until = read_only_until(self.context(snapshot, current, command, facts, today=effective))
        follow_ups = after_end(
            ended,
            snapshot.requests,
            snapshot.others,
            plan.effects,
            at=now,
            new_id=self.config.ids,
            read_only_until=until,
            carrying_out=carrying_out,
        )
        uow.record_end(
            EndWrites(
                ended=ended,
                expected_version=current.version,
                event=event,
                subscription=settled_subscription(
                    snapshot.subscription, ended, kinds, effective or plan.planned_at.date()
                ),
                effects=plan.effects,
                at=now,
                idempotency=record,
            ),
            commit=commit and not follow_ups,
        )
        if follow_ups:
            follow_ups.write(uow, at=now)
            if commit:
                uow.commit()
        return result

    def planned(
        self,
        snapshot: EndSnapshot,
        collab: Collaboration,
        command: EndCommand,
        facts: Facts,
        *,
        memo: bool = True,
        remember: bool = True,
        accepted: bool | None = None,
        effective: date | None = None,
    ) -> Plan:
        """The plan of ending ``collab`` (on ``effective``, if given) with what was read; from
        the memo if it is there (``memo``), kept in it if not (``remember``)."""
        config = self.config
        now = config.clock()
        if accepted is None and config.rulebook.acceptance.needed(Operation.END, command.actor):
            accepted = False
        key: Hashable | None = None
        if memo and self.memo is not None and (remember or self.memo.knows(collab.id)):
            s = snapshot  # its parts, not the snapshot: they hash from their caches
            c = command  # its fields, not the command: a fresh value's hash is computed anew
            key = (collab, s.customer, s.office, s.others, s.subscription, c.actor, c.outcome)
            key += (c.acknowledge, c.confirm_deletion, facts, now.date(), accepted, effective)
            try:
                known = self.memo.get(key)
            except TypeError:  # unhashable facts from a host: plan without the memo
                known, key = None, None
            if known is not None:
                return known.at(now)
        ctx = self.context(snapshot, collab, command, facts, today=effective, accepted=accepted)
        plan = make_plan(
            ctx,
            config.rulebook,
            config.localizer,
            now=now,
            acknowledge=command.acknowledge,
            confirm_deletion=command.confirm_deletion,
            effective_on=effective,
        )
        if remember and key is not None and self.memo is not None:
            self.memo.put(key, plan)
        return plan

    def context(
        self,
        snapshot: EndSnapshot,
        collab: Collaboration,
        command: EndCommand,
        facts: Facts,
        *,
        today: date | None = None,
        accepted: bool | None = None,
    ) -> RuleContext:
        if snapshot.customer is None:
            raise no_customer(collab.customer_id)
        return RuleContext(
            operation=Operation.END,
            actor=command.actor,
            today=today or self.config.clock().date(),
            office=snapshot.office,
            customer=snapshot.customer,
            product=self.config.products.get(collab.product),
            collaboration=collab,
            outcome=command.outcome,
            facts=facts,
            others=snapshot.others,
            accepted=accepted,
        )

    def refusal(self, plan: Plan) -> OperationRefused:
        """The error for a plan that does not allow ending, by what blocks it most."""
        return refusal(
            plan.blockers,
            self.config.rulebook,
            what=f"Ending collaboration {plan.collaboration.id}",
            collaboration_id=plan.collaboration.id,
            plan=plan,
        )

    def refusal_event(self, plan: Plan) -> EndRefusedRecorded:
        return EndRefusedRecorded(
            plan.collaboration.id,
            plan.collaboration.customer_id,
            plan.outcome,
            tuple(f.code for f in plan.blocking_findings),
            plan.actor,
            self.config.clock(),
        )

    def record_refusal(self, plan: Plan) -> None:
        """The audit trail keeps refused ends too (ids and codes only), in a transaction of
        its own: the refused one has been rolled back, and the lock released."""
        with self.config.store.transaction() as audit:
            audit.append_events([self.refusal_event(plan)])
            audit.commit()
