"""Ending a collaboration: plan it (changing nothing), then end it exactly once.

Facts come from the integrations *before* the write transaction opens, so a
slow integration never holds a database lock. The end re-plans inside one
transaction and records the ended collaboration, its event, its pending
effects and the idempotency key together, or refuses with every finding.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from datetime import date, datetime

import attrs
from attrs import frozen

from collabcore.app.config import Configuration
from collabcore.app.facts import FactAsker
from collabcore.app.follow_ups import FollowUps, after_end
from collabcore.app.plan_memo import PlanMemo
from collabcore.app.refusals import no_collaboration, no_customer, refusal, visible
from collabcore.app.requests import EndCommand
from collabcore.domain.assembly import assembler
from collabcore.domain.billing import settled_subscription
from collabcore.domain.effects import Effect, EffectKind
from collabcore.domain.errors import ConcurrencyConflict, OperationRefused, key_reused
from collabcore.domain.events import CollaborationEnded, EndRefusedRecorded
from collabcore.domain.findings import Severity
from collabcore.domain.model import Collaboration
from collabcore.domain.plans import Plan
from collabcore.domain.records import EndResult, EndSnapshot, EndWrites, IdempotencyKey, IdempotencyRecord
from collabcore.policy.authorization import acts_for
from collabcore.policy.engine import Operation, RuleContext
from collabcore.policy.facts import Facts
from collabcore.policy.planner import effects_of, make_plan
from collabcore.policy.products import ProductSpec
from collabcore.policy.rules.bookkeeping import read_only_until
from collabcore.ports import CollaborationParties, UnitOfWork

log = logging.getLogger("collabcore.service")

_MAKE_CONTEXT = assembler(RuleContext)
_MAKE_ENDED_EVENT = assembler(CollaborationEnded)
# The values an end writes, made from values checked already (none of these classes checks
# its fields): the field-by-field calls of their __init__ are the end's hot path.
_MAKE_RESULT, _MAKE_RECORD = assembler(EndResult), assembler(IdempotencyRecord)
_MAKE_WRITES = assembler(EndWrites)


@frozen
class Decided:
    """An end decided and not yet written: its result, and what recording it writes."""

    result: EndResult
    writes: EndWrites
    follow_ups: FollowUps | None


class OtherParties(Exception):
    """Raised by ``end_in``, before it writes anything, when the collaboration is not between
    the parties, or for the product, that the facts were asked for (an answer kept from
    before that no longer holds): the end asks again, from the store."""


class PartiesSeen:
    """Collaborations' office, customer and product as read before, by id: they never change
    once stored, so an end needs no read of its own to ask the integrations for facts. A
    bounded map; the oldest entry makes room. An end still checks them in its transaction."""

    __slots__ = ("_lock", "_seen", "size")

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._seen: dict[str, CollaborationParties] = {}
        self._lock = threading.Lock()

    def get(self, collaboration_id: str) -> CollaborationParties | None:
        return self._seen.get(collaboration_id)

    def put(self, collaboration_id: str, parties: CollaborationParties) -> None:
        with self._lock:
            if len(self._seen) >= self.size and collaboration_id not in self._seen:
                del self._seen[next(iter(self._seen))]
            self._seen[collaboration_id] = parties

    def forget(self, collaboration_id: str) -> None:
        with self._lock:
            self._seen.pop(collaboration_id, None)


class Ending:
    """Plans and ends, with a memo of plans (``memo_size`` of them; 0 turns it off)."""

    def __init__(self, config: Configuration, memo_size: int) -> None:
        self.config = config
        self.memo = PlanMemo(memo_size) if memo_size else None
        self.asker = FactAsker(config.integrations, config.rulebook)
        self._parties = PartiesSeen()
        store = config.store
        self._read_parties = getattr(store, "collaboration_parties", None)  # PartiesBeforeAnEnd
        self._read_end = getattr(store, "read_end", None)  # EndsReadBeforeTheirLock

    def facts(self, customer_id: str, product: ProductSpec) -> Facts:
        """Ask the integrations what the rules for ending ``product`` read."""
        return self.asker.gather(customer_id, product)

    def plan(self, command: EndCommand, effective: date | None = None) -> Plan:
        with self.config.store.transaction(write=False) as uow:
            snapshot = uow.load_end(command.collaboration_id, idempotency_key=None, for_update=False)
        collab = visible(snapshot.collaboration, command.collaboration_id, command.actor)
        parties = (collab.office_id, collab.customer_id, collab.product)
        if self._parties.get(collab.id) != parties:
            self._parties.put(collab.id, parties)
        # Nothing is locked here, so the integrations may be asked after the read.
        facts = self.facts(collab.customer_id, self.config.products.get(collab.product))
        return self.planned(snapshot, collab, command, facts, effective=effective)

    def end(
        self, command: EndCommand, idempotency_key: str | None, expected_version: int | None
    ) -> EndResult:
        done: EndResult | Plan | None = None
        known: tuple[CollaborationParties, Facts] | None = None
        read_first = self._read_end
        # Parties seen before (a plan shown first) leave nothing to read before the lock: the
        # locked way then reads once, where reading first would read twice.
        if read_first is not None and self._parties.get(command.collaboration_id) is None:
            done, known = self._end_as_read(read_first, command, idempotency_key, expected_version)
        fresh = False
        while done is None:
            # Outside any lock: who the collaboration is between and what it is for (which
            # never changes), then the facts the integrations give for them.
            if known is not None:
                (parties, facts), known = known, None
            else:
                parties = self.parties(command, fresh=fresh)
                facts = self.facts(parties[1], self.config.products.get(parties[2]))
            try:
                with self.config.store.transaction() as uow:
                    done = self.end_in(
                        uow, command, facts, idempotency_key, expected_version, commit=True, parties=parties
                    )
            except OtherParties:
                if fresh:  # read from the store a moment ago: a host rewrote the row meanwhile
                    raise ConcurrencyConflict(
                        f"Collaboration {command.collaboration_id} changed while it was being ended.",
                        hint="Try again.",
                    ) from None
                fresh = True
        if isinstance(done, Plan):
            # Recorded only now: the refused transaction is over and its lock released.
            self.record_refusal(done)
            raise self.refusal(done)
        if not done.replayed:
            log.info(
                "collaboration %s ended by %s: %s",
                command.collaboration_id,
                command.actor.party,  # a StrEnum: formatted as its value, when it is logged
                command.outcome,
            )
        return done

    def _end_as_read(
        self,
        read_first: Callable[..., tuple[EndSnapshot, object]],
        command: EndCommand,
        idempotency_key: str | None,
        expected_version: int | None,
    ) -> tuple[EndResult | Plan | None, tuple[CollaborationParties, Facts] | None]:
        """The end decided on what was read before any lock, and written, in the transaction
        that takes the locks, only if none of it has changed since
        (:class:`~collabcore.ports.EndsReadBeforeTheirLock`): one round trip fewer. None when
        it cannot be (it changed, or it has follow-ups to write): the end then reads again
        under the lock, with the parties and facts known here."""
        scoped = None if idempotency_key is None else IdempotencyKey.of(command.actor, idempotency_key)
        snapshot, read = read_first(command.collaboration_id, idempotency_key=scoped)
        current = visible(snapshot.collaboration, command.collaboration_id, command.actor)
        parties = (current.office_id, current.customer_id, current.product)
        if self._parties.get(current.id) != parties:
            self._parties.put(current.id, parties)
        # Outside any lock, as in every end: the facts for what was read.
        facts = self.facts(parties[1], self.config.products.get(parties[2]))
        decided = self.decide(snapshot, command, facts, idempotency_key, scoped, expected_version)
        if not isinstance(decided, Decided):
            return decided, None  # a result recorded under the key, or the plan that refuses
        if not decided.follow_ups:
            with self.config.store.transaction() as uow:
                record = getattr(uow, "record_end_as_read", None)
                if record is not None:
                    if record(decided.writes, read, commit=True):
                        return decided.result, None
                    # How often this happens tells an operator how busy the customer's rows are.
                    log.debug(
                        "collaboration %s changed while its end was decided; ending it under the lock",
                        current.id,
                    )
        return None, (parties, facts)

    def facts_for(self, command: EndCommand) -> Facts:
        parties = self.parties(command)
        return self.facts(parties[1], self.config.products.get(parties[2]))

    def parties(self, command: EndCommand, *, fresh: bool = False) -> CollaborationParties:
        """The collaboration's office, customer and product, for ``command``'s actor to see
        (NotFound otherwise, as for an id that does not exist), read outside any lock: from
        what this service has read before (they never change), else in one statement where
        the store offers it (:class:`~collabcore.ports.PartiesBeforeAnEnd`), else in a
        read-only unit of work. ``fresh``: from the store, whatever was read before."""
        cid = command.collaboration_id
        parties = None if fresh else self._parties.get(cid)
        if parties is None:
            reader = self._read_parties
            if reader is not None:
                parties = reader((cid,)).get(cid)
            else:
                with self.config.store.transaction(write=False) as uow:
                    found = uow.get_collaboration(cid)
                parties = None if found is None else (found.office_id, found.customer_id, found.product)
            if parties is not None:
                self._parties.put(cid, parties)
        if parties is None or not acts_for(command.actor, parties[0], parties[1]):
            raise no_collaboration(cid, command.actor)
        return parties

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
        parties: CollaborationParties | None = None,
    ) -> EndResult | Plan:
        """The end's reads and writes (committed if ``commit``): the result, or the refused
        plan, with nothing written. ``accepted``: the customer accepted this (office's) end;
        ``carrying_out``: the scheduled end request this end carries out, on its day
        ``effective`` (the rules and the billing period are that day's, however late the
        due run comes). ``parties``: the office, customer and product ``facts`` were asked
        for; if the collaboration read here has others, nothing is written and
        :class:`OtherParties` raised (the caller asks again)."""
        scoped = None if idempotency_key is None else IdempotencyKey.of(command.actor, idempotency_key)
        snapshot = uow.load_end(command.collaboration_id, idempotency_key=scoped, for_update=True)
        decided = self.decide(
            snapshot,
            command,
            facts,
            idempotency_key,
            scoped,
            expected_version,
            memo=memo,
            accepted=accepted,
            carrying_out=carrying_out,
            effective=effective,
            parties=parties,
        )
        if not isinstance(decided, Decided):
            return decided
        follow_ups = decided.follow_ups
        uow.record_end(decided.writes, commit=commit and not follow_ups)
        if follow_ups:
            follow_ups.write(uow, at=decided.writes.at)
            if commit:
                uow.commit()
        return decided.result

    def decide(
        self,
        snapshot: EndSnapshot,
        command: EndCommand,
        facts: Facts,
        idempotency_key: str | None,
        scoped: IdempotencyKey | None,
        expected_version: int | None,
        *,
        memo: bool = True,
        accepted: bool | None = None,
        carrying_out: str | None = None,
        effective: date | None = None,
        parties: CollaborationParties | None = None,
    ) -> EndResult | Plan | Decided:
        """What ending with what was read (``snapshot``) comes to, writing nothing: the result
        recorded before under the same key (replayed), the plan that refuses, or the end
        with what it writes. Raises as ``end_in`` does."""
        fingerprint = command.fingerprint
        if idempotency_key is not None and snapshot.idempotency is not None:
            if snapshot.idempotency.fingerprint != fingerprint:
                raise key_reused(idempotency_key)
            return attrs.evolve(snapshot.idempotency.result, replayed=True)
        current = visible(snapshot.collaboration, command.collaboration_id, command.actor)
        if parties is not None and parties != (current.office_id, current.customer_id, current.product):
            self._parties.forget(current.id)
            raise OtherParties
        verdict = self.verdict(
            snapshot, current, command, facts, memo=memo, accepted=accepted, effective=effective
        )
        if isinstance(verdict, Plan):
            return verdict  # it refuses
        effects, acknowledged, planned_at = verdict
        if expected_version is not None and current.version != expected_version:
            raise ConcurrencyConflict(
                f"Collaboration {current.id} is at version {current.version}, not {expected_version}.",
                hint="Plan again on the current version.",
            )
        now = self.config.clock()
        ended = current.end(actor=command.actor, outcome=command.outcome, at=now)
        # Every field is checked already: the collaboration's, the command's, the codes the
        # plan acknowledged, and a time from the checked clock.
        event = _MAKE_ENDED_EVENT(
            ended.id,
            ended.office_id,
            ended.customer_id,
            ended.product,
            command.outcome,
            command.actor,
            acknowledged,
            now,
        )
        result = _MAKE_RESULT(ended, event, effects, False)
        record = None
        if scoped is not None and idempotency_key is not None:
            record = _MAKE_RECORD(idempotency_key, fingerprint, result, now, scoped.scope)
        kinds = {e.kind for e in effects}
        until = None
        if EffectKind.RESTRICT_OFFICE_ACCESS in kinds:
            until = read_only_until(self.context(snapshot, current, command, facts, today=effective))
        follow_ups = (
            after_end(
                ended,
                snapshot.requests,
                snapshot.others,
                effects,
                at=now,
                new_id=self.config.ids,
                read_only_until=until,
                carrying_out=carrying_out,
            )
            # Without an open request and without a read-only access to open, an end has
            # nothing to follow up (after_end would find as much, less quickly).
            if snapshot.requests or EffectKind.RESTRICT_OFFICE_ACCESS in kinds
            else None
        )
        subscription = settled_subscription(
            snapshot.subscription, ended, kinds, effective or planned_at.date()
        )
        writes = _MAKE_WRITES(ended, current.version, event, subscription, effects, now, record)
        return Decided(result, writes, follow_ups)

    def verdict(
        self,
        snapshot: EndSnapshot,
        collab: Collaboration,
        command: EndCommand,
        facts: Facts,
        *,
        memo: bool = True,
        accepted: bool | None = None,
        effective: date | None = None,
    ) -> Plan | tuple[tuple[Effect, ...], tuple[str, ...], datetime]:
        """What an end needs of its plan: the plan when it refuses; else its effects, the codes
        it acknowledges and the time it was planned. Every rule is asked as for the plan; the
        findings' values (and the plan's) are only made when the end is refused, or taken
        from the memo when a page showed this plan (an end keeps none there: the
        collaboration it ends will not be planned in this state again)."""
        config = self.config
        if memo and self.memo is not None and self.memo.knows(collab.id):
            plan = self.planned(
                snapshot,
                collab,
                command,
                facts,
                memo=True,
                remember=False,
                accepted=accepted,
                effective=effective,
            )
            return plan if not plan.allowed else (plan.effects, plan.acknowledged_codes, plan.planned_at)
        now = config.clock()
        if accepted is None and config.rulebook.acceptance.needed(Operation.END, command.actor):
            accepted = False
        ctx = self.context(snapshot, collab, command, facts, today=effective or now.date(), accepted=accepted)
        rulebook = config.rulebook
        flagged = rulebook.flagged(ctx)
        confirmation, acknowledge = rulebook.confirmation_codes, command.acknowledge
        for rule, _, severity in flagged:
            # Plan.allowed, from the flags: a blocker, or a finding not acknowledged (R7's by
            # confirm_deletion only), refuses.
            if severity is Severity.BLOCKER or (
                severity is Severity.NEEDS_ACKNOWLEDGEMENT
                and not (command.confirm_deletion if rule.id in confirmation else rule.id in acknowledge)
            ):
                return make_plan(
                    ctx,
                    rulebook,
                    config.localizer,
                    now=now,
                    acknowledge=acknowledge,
                    confirm_deletion=command.confirm_deletion,
                    effective_on=effective,
                    flagged=flagged,
                )
        confirmed = confirmation if command.confirm_deletion else frozenset()
        return effects_of(ctx), tuple(sorted(frozenset(acknowledge) | confirmed)), now

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
        ctx = self.context(snapshot, collab, command, facts, today=effective or now.date(), accepted=accepted)
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
        # Made as RuleContext(...) makes it, less the look-up of each field by name: every
        # value is one read from the store or checked at the door.
        return _MAKE_CONTEXT(
            Operation.END,
            command.actor,
            today or self.config.clock().date(),
            snapshot.office,
            snapshot.customer,
            self.config.products.get(collab.product),
            collab,
            command.outcome,
            facts,
            snapshot.others,
            None,
            None,
            None,
            accepted,
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
