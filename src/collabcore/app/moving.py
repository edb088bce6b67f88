"""Moving to a new office in one step: the customer's Administrator moves a product (or all
of them) from office A to office B.

Every rule of an end (with the company keeping the service: it continues, with B) and of a
start is asked; the end and the new collaboration are written in one transaction, so that
there is never a moment with two offices, or none, on a product. The hand-over goes through
the relay: the old office's access, the payroll backup and the reports, the new office's
access and who receives the invoices from when.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs
from attrs import frozen

from collabcore.app.config import Configuration
from collabcore.app.ending import Ending
from collabcore.app.follow_ups import START_STEP, after_end, with_steps
from collabcore.app.lifecycle import Lifecycle
from collabcore.app.refusals import denied, no_customer, no_office, refusal
from collabcore.app.requests import EndCommand
from collabcore.domain.billing import month_end, next_day
from collabcore.domain.effects import Effect, EffectKind
from collabcore.domain.errors import InvalidInput
from collabcore.domain.events import CollaborationEnded, CollaborationMoved, CollaborationStarted, Event
from collabcore.domain.findings import Finding
from collabcore.domain.model import Actor, Collaboration, Customer, Outcome, Party
from collabcore.domain.plans import MovePlan, Plan, TimelineStep
from collabcore.domain.records import EndResult, MoveResult
from collabcore.domain.requests import LifecycleRequest
from collabcore.policy.authorization import customer_admin_denial
from collabcore.policy.facts import Facts
from collabcore.policy.planner import render_findings, sentence
from collabcore.ports import UnitOfWork
from collabcore.wording.texts import Localizer

_NOT_IN_A_MOVE = frozenset(
    {
        # The company does not go on alone: the new office takes over, so its online access
        # stays, and the invoices go to the new recipient (CHANGE_PAYER) instead.
        EffectKind.TRANSFER_SUBSCRIPTION,
        EffectKind.REVOKE_COMPANY_ONLINE_ACCESS,
        EffectKind.NOTIFY_CUSTOMER,
    }
)


_HANDED_OVER = (
    EffectKind.HAND_OVER_PAYROLL_BACKUP,
    EffectKind.EXPORT_REPORTS,
    EffectKind.REVOKE_OFFICE_ACCESS,
)


@frozen
class MoveCommand:
    customer_id: str
    actor: Actor
    from_office_id: str
    to_office_id: str
    products: frozenset[str] | None
    """None: every product the customer has with the old office."""
    acknowledge: frozenset[str]
    invoice_recipient: Party | None
    """None: each new collaboration keeps the old one's invoice recipient."""


@frozen
class _Moving:
    """One product's move, as planned: the old collaboration, the customer's open requests
    and its collaborations that stay, and the new collaboration's invoice recipient."""

    old: Collaboration
    requests: tuple[LifecycleRequest, ...]
    staying: tuple[Collaboration, ...]
    recipient: Party


class Moving:
    def __init__(self, config: Configuration, ending: Ending, lifecycle: Lifecycle) -> None:
        self.config = config
        self.ending = ending
        self.lifecycle = lifecycle

    def plan(self, command: MoveCommand) -> MovePlan:
        facts = self._facts(command)
        with self.config.store.transaction(write=False) as uow:
            plan, _ = self._plan_in(uow, command, facts, lock=False)
        return plan

    def move(self, command: MoveCommand) -> MoveResult:
        config = self.config
        facts = self._facts(command)
        with config.store.transaction() as uow:
            plan, moves = self._plan_in(uow, command, facts, lock=True)
            if not plan.allowed:
                raise refusal(
                    plan.blocking_findings,
                    config.rulebook,
                    what=f"Moving customer {command.customer_id} to office {command.to_office_id}",
                )
            now = config.clock()
            ended_results: list[EndResult] = []
            started: list[Collaboration] = []
            settled_ids: set[str] = set()
            for move, end_plan in zip(moves, plan.ends, strict=True):
                old = move.old
                ended = old.end(actor=command.actor, outcome=Outcome.CUSTOMER_CONTINUES, at=now)
                uow.update_collaboration(ended, expected_version=old.version)
                new = self.lifecycle.begin(
                    uow, command.to_office_id, old.customer_id, old.product, old.variant, move.recipient, now
                )
                effects = self._old_effects(end_plan.effects) + self._new_effects(new)
                end_event = CollaborationEnded(
                    ended.id,
                    ended.office_id,
                    ended.customer_id,
                    ended.product,
                    Outcome.CUSTOMER_CONTINUES,
                    command.actor,
                    end_plan.acknowledged_codes,
                    now,
                )
                events: list[Event] = [
                    end_event,
                    CollaborationStarted(
                        new.id,
                        new.office_id,
                        new.customer_id,
                        new.product,
                        new.variant,
                        move.recipient,
                        command.actor,
                        now,
                    ),
                    CollaborationMoved(
                        old.customer_id,
                        old.product,
                        old.office_id,
                        new.office_id,
                        old.id,
                        new.id,
                        command.actor,
                        now,
                    ),
                ]
                uow.append_events(events)
                uow.enqueue_effects(effects, at=now)
                # The old office keeps only the collaborations that stay; a read-only access it
                # kept is revoked once, with the first moved collaboration.
                follow = after_end(
                    ended,
                    [r for r in move.requests if r.id not in settled_ids],
                    move.staying,
                    effects,
                    at=now,
                    new_id=config.ids,
                    read_only_until=None,
                )
                settled_ids.update(r.id for r, _ in follow.changed)
                follow.write(uow, at=now)
                own = tuple(e for e in effects if e.collaboration_id == old.id)
                ended_results.append(EndResult(ended, end_event, own))
                started.append(new)
            uow.commit()
        return MoveResult(tuple(ended_results), tuple(started))

    # --- planning ----------------------------------------------------------------------------

    def _facts(self, command: MoveCommand) -> dict[str, Facts]:
        """The facts each moving collaboration's end reads, asked before any lock is taken."""
        with self.config.store.transaction(write=False) as uow:
            customer = uow.get_customer(command.customer_id)
            self._authorize(command, customer)
            moving = self._moving(uow, command)
        products = self.config.products
        return {c.id: self.ending.facts(c.customer_id, products.get(c.product)) for c in moving}

    def _authorize(self, command: MoveCommand, customer: Customer | None) -> Customer:
        actor = command.actor
        if customer is None or actor.party is not Party.CUSTOMER or actor.party_id != customer.id:
            raise no_customer(command.customer_id)
        denial = customer_admin_denial(actor, customer)
        if denial is not None:
            raise denied(denial, lambda: no_customer(command.customer_id))
        return customer

    def _active(self, uow: UnitOfWork, customer_id: str) -> list[Collaboration]:
        return list(uow.active_collaborations_of_customer(customer_id))

    def _moving(self, uow: UnitOfWork, command: MoveCommand) -> list[Collaboration]:
        c = command
        if c.to_office_id == c.from_office_id:
            raise InvalidInput(
                f"to_office_id is the office the products are with already ({c.to_office_id}).",
                hint="Name the office the customer moves to.",
                path="to_office_id",
            )
        moving = [
            x
            for x in self._active(uow, c.customer_id)
            if x.office_id == c.from_office_id and (c.products is None or x.product in c.products)
        ]
        wanted = "" if c.products is None else " for " + ", ".join(sorted(c.products))
        if not moving or (c.products is not None and len(moving) != len(c.products)):
            raise InvalidInput(
                f"Customer {c.customer_id} has no active collaboration with office "
                f"{c.from_office_id}{wanted}.",
                hint="overview() and events_of_customer() show who holds which product.",
                path="products" if c.products is not None else "from_office_id",
            )
        return moving

    def _plan_in(
        self, uow: UnitOfWork, command: MoveCommand, facts: dict[str, Facts], *, lock: bool
    ) -> tuple[MovePlan, list[_Moving]]:
        config = self.config
        loc = config.localizer
        customer = self._authorize(command, uow.get_customer(command.customer_id, for_update=lock))
        moving = self._moving(uow, command)
        to_office = uow.get_office(command.to_office_id)
        if to_office is None:
            raise no_office(command.to_office_id)
        from_office = uow.get_office(command.from_office_id)
        remaining = tuple(c for c in self._active(uow, customer.id) if c not in moving)
        today = config.clock().date()
        ends: list[Plan] = []
        moves: list[_Moving] = []
        start_findings: list[Finding] = []
        handover: list[str] = []
        timeline: list[TimelineStep] = []
        for old in moving:
            if old.id not in facts:
                raise InvalidInput(
                    f"Collaboration {old.id} started while the move was being planned; plan again."
                )
            snapshot = uow.load_end(old.id, idempotency_key=None, for_update=lock)
            end = EndCommand(old.id, command.actor, Outcome.CUSTOMER_CONTINUES, command.acknowledge, False)
            plan = self._with_export(self.ending.planned(snapshot, old, end, facts[old.id], memo=False))
            recipient = command.invoice_recipient or old.invoice_recipient
            spec = config.products.get(old.product)
            terms = (to_office.id, customer.id, spec, old.variant, recipient)
            ctx = self.lifecycle.start_context(command.actor, terms, to_office, customer, remaining)
            start_findings.extend(render_findings(loc, ctx, config.rulebook.evaluate(ctx)))
            moves.append(_Moving(old, snapshot.requests, remaining, recipient))
            ends.append(plan)
            until = month_end(today)
            params = {
                "product": loc.product(old.product),
                "from_office": "" if from_office is None else from_office.name,
                "to_office": to_office.name,
                "date": today.isoformat(),
            }
            summary = loc.text("move.summary", **params)
            payer = loc.text(
                "move.payer",
                payer=loc.text(f"party.{old.invoice_recipient.value}"),
                product=params["product"],
                date=until.isoformat(),
                next_date=next_day(until).isoformat(),
                next_payer=to_office.name if recipient is Party.OFFICE else loc.text("party.customer"),
            )
            payer = sentence(payer)
            handover.extend((summary, payer))
            old_office = "" if from_office is None else from_office.name
            words = _effect_params(loc, old, customer, old_office)
            handover.extend(loc.text(f"effect.{k.value}", **words) for k in _handed_over(plan.effects))
            timeline.extend(
                (TimelineStep(today, summary, "move.summary"), TimelineStep(until, payer, "move.payer"))
            )
        move_plan = MovePlan(
            customer.id,
            command.from_office_id,
            command.to_office_id,
            tuple(ends),
            tuple(start_findings),
            tuple(handover),
            tuple(sorted(timeline, key=lambda s: s.on)),
        )
        return move_plan, moves

    # --- effects -----------------------------------------------------------------------------

    def _with_export(self, plan: Plan) -> Plan:
        """A product that can export its reports (R22) exports them for the new office too."""
        spec = self.config.products.get(plan.collaboration.product)
        exports = any(EffectKind.EXPORT_REPORTS in kinds for kinds in spec.outcomes.values())
        if not exports or any(e.kind is EffectKind.EXPORT_REPORTS for e in plan.effects):
            return plan
        c = plan.collaboration
        export = Effect(c.id, 1, EffectKind.EXPORT_REPORTS, c.office_id, c.customer_id, c.product)
        return attrs.evolve(plan, effects=with_steps((export, *plan.effects)))

    def _old_effects(self, effects: Iterable[Effect]) -> tuple[Effect, ...]:
        """The end's effects, less what belongs to a company going on alone; the old office
        is told of the move (an end's summary would say the company pays from next month)."""
        kept = [
            attrs.evolve(e, notice="notice.moved_out") if e.kind is EffectKind.NOTIFY_OFFICE else e
            for e in effects
            if e.kind not in _NOT_IN_A_MOVE
        ]
        return with_steps(kept)

    def _new_effects(self, new: Collaboration) -> tuple[Effect, ...]:
        """The new collaboration's set-up, all at step 0: an end's steps start at 1, so when
        the new collaboration ends one day its end waits for these, and no key is shared."""

        def effect(kind: EffectKind, notice: str | None = None) -> Effect:
            return Effect(
                new.id, START_STEP, kind, new.office_id, new.customer_id, new.product, notice=notice
            )

        return (
            effect(EffectKind.GRANT_OFFICE_ACCESS),
            effect(EffectKind.CHANGE_PAYER),
            effect(EffectKind.NOTIFY_OFFICE, "notice.moved_in"),
        )


def _handed_over(effects: Iterable[Effect]) -> list[EffectKind]:
    return [e.kind for e in effects if e.kind in _HANDED_OVER]


def _effect_params(loc: Localizer, old: Collaboration, customer: Customer, office: str) -> dict[str, str]:
    return {"product": loc.product(old.product), "customer": customer.name, "office": office}
