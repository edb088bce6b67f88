"""A hypothesis state machine over the lifecycle with a manual clock: start, schedule,
withdraw, accept, decline, end now, move, facts that block, time passing, the due run and
the relay, interleaved, and invitations. The rulebook makes an office's end wait for the customer.

After every step: never two active collaborations per customer and product; a moved
product is never without an office; an open scheduled end is about an active
collaboration; a settled request never changes again; every collaboration ends at most
once; after a due run nothing due is left open; every effect is applied at most once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import collabcore as cc
from collabcore.domain import CollaborationEnded, LifecycleRequest, RequestKind
from collabcore.ports import Store
from collabcore.testing import World
from collabcore.testing.strategies import OUTCOMES

CUSTOMERS = ("c0", "c1")
OFFICES = ("o1", "o2")

ANSWERABLE = (cc.CollabCoreError,)


class Lifecycle(RuleBasedStateMachine):
    factories: ClassVar[list[Callable[[], Store]]] = [cc.MemoryStore]

    def __init__(self) -> None:
        super().__init__()
        rulebook = cc.default_rulebook().requiring_acceptance(end=True)
        self.world = World(self.factories[0](), rulebook=rulebook)
        for office in OFFICES:
            self.world.office(office)
        for customer in CUSTOMERS:
            self.world.customer(customer)
        self.collabs: list[cc.Collaboration] = []
        self.settled: dict[str, cc.RequestStatus] = {}

    def teardown(self) -> None:
        self.world.store.close()

    def _actor(self, collab: cc.Collaboration, by_customer: bool) -> cc.Actor:
        if by_customer:
            return self.world.customer_admin(collab.customer_id)
        return self.world.office_admin(collab.office_id)

    def _requests(self) -> list[LifecycleRequest]:
        with self.world.store.transaction(write=False) as uow:
            return [r for c in CUSTOMERS for r in uow.requests(customer_id=c)]

    @rule(
        customer=st.sampled_from(CUSTOMERS),
        office=st.sampled_from(OFFICES),
        product=st.sampled_from(list(OUTCOMES)),
    )
    def start(self, customer: str, office: str, product: str) -> None:
        try:
            self.collabs.append(self.world.collaboration(product, customer_id=customer, office_id=office))
        except cc.OperationRefused as refused:
            assert refused.codes == ("single-active",)

    @precondition(lambda self: self.collabs)
    @rule(data=st.data(), by_customer=st.booleans(), days=st.integers(0, 12))
    def schedule(self, data: st.DataObject, by_customer: bool, days: int) -> None:
        collab = data.draw(st.sampled_from(self.collabs))
        outcome = data.draw(st.sampled_from(OUTCOMES[collab.product]))
        effective = self.world.clock.now.date() + timedelta(days=days)
        with contextlib.suppress(*ANSWERABLE):
            scheduled = self.world.service.schedule_end(
                collab.id,
                actor=self._actor(collab, by_customer),
                outcome=outcome,
                effective=effective,
                confirm_deletion=True,
            )
            waits = scheduled.request.status is cc.RequestStatus.AWAITING_ACCEPTANCE
            assert waits == (not by_customer), "an office's end waits for the customer"

    @rule(
        data=st.data(), by_customer=st.booleans(), answer=st.sampled_from(["withdraw", "accept", "decline"])
    )
    def answer(self, data: st.DataObject, by_customer: bool, answer: str) -> None:
        requests = self._requests()
        if not requests:
            return
        r = data.draw(st.sampled_from(requests))
        actor = (
            self.world.customer_admin(r.customer_id) if by_customer else self.world.office_admin(r.office_id)
        )
        with contextlib.suppress(*ANSWERABLE):
            answered = getattr(self.world.service, answer)(r.id, actor=actor)
            if answered.kind is RequestKind.INVITATION and answered.collaboration_id is not None:
                self.collabs.append(
                    self.world.service.get_collaboration(answered.collaboration_id, actor=actor)
                )

    @rule(
        customer=st.sampled_from(CUSTOMERS),
        office=st.sampled_from(OFFICES),
        product=st.sampled_from(list(OUTCOMES)),
        by_customer=st.booleans(),
    )
    def invite(self, customer: str, office: str, product: str, by_customer: bool) -> None:
        actor = self.world.customer_admin(customer) if by_customer else self.world.office_admin(office)
        try:
            self.world.service.invite(actor=actor, office_id=office, customer_id=customer, product=product)
        except cc.NotFound:
            assert not by_customer, "only an office that does not work with the customer is answered so"
        except (cc.OperationRefused, cc.InvalidInput):
            pass  # one active per product, or an invitation open already

    @precondition(lambda self: self.collabs)
    @rule(data=st.data(), by_customer=st.booleans())
    def end_now(self, data: st.DataObject, by_customer: bool) -> None:
        collab = data.draw(st.sampled_from(self.collabs))
        outcome = data.draw(st.sampled_from(OUTCOMES[collab.product]))
        try:
            self.world.service.end(
                collab.id, actor=self._actor(collab, by_customer), outcome=outcome, confirm_deletion=True
            )
        except cc.AlreadyEnded:
            pass
        except cc.OperationRefused as refused:
            assert "L1" in refused.codes or "R11" in refused.codes or "R12" in refused.codes
            if "L1" in refused.codes:
                assert not by_customer, "only an office's end waits for acceptance"

    @rule(customer=st.sampled_from(CUSTOMERS), to=st.sampled_from(OFFICES))
    def move(self, customer: str, to: str) -> None:
        source = next(o for o in OFFICES if o != to)
        with self.world.store.transaction(write=False) as uow:
            before = {
                c.product for c in uow.active_collaborations_of_customer(customer) if c.office_id == source
            }
        try:
            moved = self.world.service.move(
                customer, actor=self.world.customer_admin(customer), from_office_id=source, to_office_id=to
            )
        except cc.InvalidInput:
            assert not before, "only a customer with nothing at the old office has nothing to move"
            return
        except cc.OperationRefused:
            return
        self.collabs.extend(moved.started)
        event("moved")
        with self.world.store.transaction(write=False) as uow:
            after = {c.product: c.office_id for c in uow.active_collaborations_of_customer(customer)}
        assert all(after.get(p) == to for p in before), "every moved product is with the new office"

    @rule(customer=st.sampled_from(CUSTOMERS), reports=st.integers(0, 1))
    def facts_change(self, customer: str, reports: int) -> None:
        self.world.fakes.set_facts(customer, unsubmitted_reports=reports)

    @rule(days=st.integers(0, 15), hours=st.integers(0, 23))
    def time_passes(self, days: int, hours: int) -> None:
        self.world.clock.advance(timedelta(days=days, hours=hours))

    @rule()
    def carry_out_due(self) -> None:
        report = self.world.service.carry_out_due(limit=1000)
        assert report.failed == 0
        for name in ("carried_out", "blocked", "expired", "revoked", "skipped"):
            if getattr(report, name):
                event(f"due run: {name}")
        now = self.world.clock.now
        left = [r for r in self._requests() if r.is_open and r.due_at is not None and r.due_at <= now]
        assert left == [], "nothing due is left open after a due run"

    @rule()
    def relay_step(self) -> None:
        self.world.relay().run_once(limit=5)

    @invariant()
    def one_active_per_company_and_product(self) -> None:
        with self.world.store.transaction(write=False) as uow:
            for customer in CUSTOMERS:
                products = [c.product for c in uow.active_collaborations_of_customer(customer)]
                assert len(products) == len(set(products))

    @invariant()
    def open_scheduled_ends_are_about_active_collaborations(self) -> None:
        requests = self._requests()
        with self.world.store.transaction(write=False) as uow:
            for r in requests:
                if r.is_open and r.kind is RequestKind.SCHEDULED_END:
                    assert r.collaboration_id is not None
                    stored = uow.get_collaboration(r.collaboration_id)
                    assert stored is not None and stored.is_active

    @invariant()
    def settled_requests_stay_settled(self) -> None:
        for r in self._requests():
            if r.id in self.settled:
                assert r.status is self.settled[r.id], f"{r.id} changed after it was settled"
            elif not r.is_open:
                self.settled[r.id] = r.status

    @invariant()
    def every_collaboration_ends_once(self) -> None:
        ended = [
            e.collaboration_id
            for c in CUSTOMERS
            for e in self.world.service.events_of_customer(c)
            if isinstance(e, CollaborationEnded)
        ]
        assert len(ended) == len(set(ended))
        for r in self._requests():
            if r.kind is RequestKind.SCHEDULED_END and r.status is cc.RequestStatus.CARRIED_OUT:
                assert r.collaboration_id in ended and r.effective_on is not None
                assert r.settled_at is not None and r.settled_at.date() >= r.effective_on

    @invariant()
    def applied_at_most_once(self) -> None:
        assert all(n == 1 for n in self.world.fakes.performed.values())


def run_machine(factory: Callable[[], Store], examples: int) -> None:
    class Machine(Lifecycle):
        factories: ClassVar[list[Callable[[], Store]]] = [factory]

    Machine.TestCase.settings = settings(
        max_examples=examples,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    Machine.TestCase().runTest()


def test_lifecycle_machine_on_memory() -> None:
    run_machine(cc.MemoryStore, examples=200)


def test_lifecycle_machine_on_sqlite(tmp_path: Path) -> None:
    counter = iter(range(10_000))
    run_machine(lambda: cc.SQLiteStore(tmp_path / f"l{next(counter)}.db", synchronous="OFF"), examples=20)
