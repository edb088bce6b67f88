"""The lifecycle beyond an instant end, on a store: scheduled ends, acceptance, invitations,
the former office's read-only access and moves. Part of :class:`StoreContract`."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import attrs
import pytest

from collabcore.app.follow_ups import BLOCKED_NOTICE, NOTICE_STEPS
from collabcore.domain.billing import month_end
from collabcore.domain.effects import EffectKind
from collabcore.domain.errors import InvalidInput, NotFound, OperationRefused
from collabcore.domain.events import CollaborationMoved, RequestStatusChanged
from collabcore.domain.model import BOOKKEEPING, EXPENSES, PAYROLL, Actor, Outcome, Party, Status
from collabcore.domain.records import OverviewCursor
from collabcore.domain.refusals import NotAuthorized
from collabcore.domain.requests import LifecycleRequest, RequestKind, RequestStatus
from collabcore.policy.products import default_products
from collabcore.policy.rules import default_rulebook
from collabcore.testing.contract_base import StoreUnderTest, snapshot
from collabcore.testing.world import CUSTOMER_USER, OFFICE_CLERK, World


def _day(world: World) -> date:
    return world.clock.now.date()


def _to(world: World, day: date) -> None:
    """Move the world's clock to the first minute of ``day`` (UTC): the day has come."""
    now = world.clock.now
    world.clock.advance(now.replace(year=day.year, month=day.month, day=day.day, hour=0, minute=1) - now)


def _request(world: World, request_id: str) -> LifecycleRequest:
    with world.store.transaction(write=False) as uow:
        found = uow.get_request(request_id)
    assert found is not None
    return found


def _status(world: World, collaboration_id: str) -> Status:
    with world.store.transaction(write=False) as uow:
        found = uow.get_collaboration(collaboration_id)
    assert found is not None
    return found.status


class ScheduledEndContract(StoreUnderTest):
    """An end on a date: recorded, shown, withdrawn, carried out once, or blocked on its day."""

    def test_an_end_is_scheduled_for_the_end_of_the_billing_month_by_default(self, world: World) -> None:
        (collab,) = world.setup(PAYROLL)
        scheduled = world.service.schedule_end(
            collab.id, actor=world.office_admin(), outcome=Outcome.END_SUBSCRIPTION
        )
        r = scheduled.request
        assert (r.kind, r.status, r.effective_on) == (
            RequestKind.SCHEDULED_END,
            RequestStatus.SCHEDULED,
            month_end(_day(world)),
        )
        assert scheduled.preview.effective_on == r.effective_on and scheduled.preview.allowed
        keys = [s.key for s in scheduled.preview.timeline]
        assert keys[0] == "timeline.scheduled" and "timeline.ends" in keys
        assert _status(world, collab.id) is Status.ACTIVE, "nothing ends before its day"
        (item,) = world.service.overview("office-1", actor=world.office_admin()).items
        assert item.requests == (r,), "the overview shows the end to come"
        assert world.service.requests(actor=world.customer_admin()) == (r,)

    def test_nothing_happens_before_the_day_and_everything_once_on_it(self, world: World) -> None:
        (collab,) = world.setup(PAYROLL)
        day = _day(world) + timedelta(days=3)
        r = world.service.schedule_end(
            collab.id, actor=world.customer_admin(), outcome=Outcome.END_SUBSCRIPTION, effective=day
        ).request
        assert world.service.carry_out_due().settled == 0
        _to(world, day)
        report = world.service.carry_out_due()
        assert report.carried_out == 1
        assert world.service.carry_out_due().settled == 0, "a second run finds nothing to do"
        done = _request(world, r.id)
        assert done.status is RequestStatus.CARRIED_OUT and not done.is_open
        ended = world.service.get_collaboration(collab.id, actor=world.office_admin())
        assert ended.status is Status.ENDED and ended.ended_by == world.customer_admin()
        assert ended.ended_at is not None and ended.ended_at.date() == day
        subscription = world.service.get_subscription("customer-1", PAYROLL)
        assert subscription is not None and subscription.paid_until == month_end(day), "R23 from its day"
        assert world.relay().drain().done > 0

    def test_two_workers_carry_a_due_end_out_once(self, world: World) -> None:
        collabs = world.setup(PAYROLL, EXPENSES)
        day = _day(world) + timedelta(days=1)
        outcomes = {PAYROLL: Outcome.END_SUBSCRIPTION, EXPENSES: Outcome.CUSTOMER_CONTINUES}
        for c in collabs:
            world.service.schedule_end(
                c.id, actor=world.office_admin(), outcome=outcomes[c.product], effective=day
            )
        _to(world, day)
        reports = []
        barrier = threading.Barrier(2)

        def work() -> None:
            barrier.wait()
            reports.append(world.service.carry_out_due())

        threads = [threading.Thread(target=work) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sum(r.carried_out for r in reports) == 2 and sum(r.failed for r in reports) == 0
        events = world.service.events_of_customer("customer-1")
        ended = [e for e in events if type(e).__name__ == "CollaborationEnded"]
        assert len(ended) == 2, "each end once"

    def test_the_other_party_hears_of_a_scheduled_end_and_of_its_withdrawal(self, world: World) -> None:
        (collab,) = world.setup(PAYROLL)
        r = world.service.schedule_end(
            collab.id, actor=world.office_admin(), outcome=Outcome.END_SUBSCRIPTION
        ).request
        world.relay().drain()
        (scheduled,) = world.fakes.notifications
        assert scheduled.party is Party.CUSTOMER and r.effective_on is not None
        assert r.effective_on.isoformat() in scheduled.subject, "nobody loses a collaboration by surprise"
        world.service.withdraw(r.id, actor=world.customer_admin())
        world.relay().drain()
        (_, withdrawn) = world.fakes.notifications
        assert withdrawn.party is Party.OFFICE and withdrawn.subject != scheduled.subject

    def test_either_party_withdraws_and_then_nothing_happens(self, world: World) -> None:
        (collab,) = world.setup(PAYROLL)
        r = world.service.schedule_end(
            collab.id, actor=world.office_admin(), outcome=Outcome.END_SUBSCRIPTION
        ).request
        withdrawn = world.service.withdraw(r.id, actor=world.customer_admin())
        assert withdrawn.status is RequestStatus.WITHDRAWN and withdrawn.settled_by == world.customer_admin()
        _to(world, month_end(_day(world)))
        assert world.service.carry_out_due().settled == 0
        assert _status(world, collab.id) is Status.ACTIVE
        with pytest.raises(InvalidInput, match=r"already settled: withdrawn\."):
            world.service.withdraw(r.id, actor=world.office_admin())
        again = world.service.schedule_end(
            collab.id, actor=world.office_admin(), outcome=Outcome.END_SUBSCRIPTION
        )
        assert again.request.id != r.id, "a new request may follow a withdrawn one"

    def test_only_the_rights_of_r1_and_r14_withdraw(self, world: World) -> None:
        (collab,) = world.setup(PAYROLL)
        r = world.service.schedule_end(
            collab.id, actor=world.office_admin(), outcome=Outcome.END_SUBSCRIPTION
        ).request
        before = snapshot(world, ["customer-1"], [collab.id])
        for actor in (Actor.customer("customer-1", CUSTOMER_USER), Actor.office("office-1", OFFICE_CLERK)):
            with pytest.raises(NotAuthorized):
                world.service.withdraw(r.id, actor=actor)
        world.office("office-2")
        with pytest.raises(NotFound) as raised:
            world.service.withdraw(r.id, actor=world.office_admin("office-2"))
        assert "No request" in str(raised.value)
        assert snapshot(world, ["customer-1"], [collab.id]) == before

    def test_who_may_end_is_decided_when_scheduling(self, world: World) -> None:
        (collab,) = world.setup(PAYROLL)
        before = snapshot(world, ["customer-1"], [collab.id])
        with pytest.raises(NotAuthorized):
            world.service.schedule_end(
                collab.id, actor=Actor.office("office-1", OFFICE_CLERK), outcome=Outcome.END_SUBSCRIPTION
            )
        with pytest.raises(OperationRefused):
            world.service.schedule_end(collab.id, actor=world.office_admin(), outcome=Outcome.DELETE)
        with pytest.raises(InvalidInput, match="today or later"):
            world.service.schedule_end(
                collab.id,
                actor=world.office_admin(),
                outcome=Outcome.END_SUBSCRIPTION,
                effective=_day(world) - timedelta(days=1),
            )
        assert snapshot(world, ["customer-1"], [collab.id]) == before

    def test_one_scheduled_end_per_collaboration(self, world: World) -> None:
        (collab,) = world.setup(PAYROLL)
        world.service.schedule_end(collab.id, actor=world.office_admin(), outcome=Outcome.END_SUBSCRIPTION)
        with pytest.raises(InvalidInput, match="scheduled already"):
            world.service.schedule_end(
                collab.id, actor=world.customer_admin(), outcome=Outcome.CUSTOMER_CONTINUES
            )

    def test_a_blocker_on_the_day_stops_the_end_and_both_parties_hear_why(self, world: World) -> None:
        (collab,) = world.setup(EXPENSES)
        day = _day(world) + timedelta(days=2)
        scheduled = world.service.schedule_end(
            collab.id, actor=world.customer_admin(), outcome=Outcome.CUSTOMER_CONTINUES, effective=day
        )
        assert scheduled.preview.allowed
        world.fakes.set_facts("customer-1", unsubmitted_reports=3)
        _to(world, day)
        assert world.service.carry_out_due().blocked == 1
        blocked = _request(world, scheduled.request.id)
        assert blocked.status is RequestStatus.BLOCKED and "R11" in blocked.codes
        assert _status(world, collab.id) is Status.ACTIVE, "a blocked end is not carried out"
        world.relay().drain()
        about = [n for n in world.fakes.notifications if n.key.startswith(blocked.id)]
        told = [n for n in about if n.key.startswith(f"{blocked.id}:{NOTICE_STEPS[BLOCKED_NOTICE]}")]
        told += [n for n in about if n.key.startswith(f"{blocked.id}:{NOTICE_STEPS[BLOCKED_NOTICE] + 1}")]
        assert {n.party for n in told} == {Party.OFFICE, Party.CUSTOMER}
        assert all(any(line.startswith("R11") for line in n.lines) for n in told), "with the findings"
        (earlier,) = [n for n in about if n not in told]
        assert earlier.party is Party.OFFICE, "the office heard of the scheduled end when it was made"
        assert not any(line.startswith("R11") for line in earlier.lines), "and of nothing it could not know"

    def test_ending_now_supersedes_the_scheduled_end(self, world: World) -> None:
        (collab,) = world.setup(PAYROLL)
        r = world.service.schedule_end(
            collab.id, actor=world.office_admin(), outcome=Outcome.END_SUBSCRIPTION
        ).request
        world.service.end(collab.id, actor=world.customer_admin(), outcome=Outcome.CUSTOMER_CONTINUES)
        assert _request(world, r.id).status is RequestStatus.SUPERSEDED
        _to(world, month_end(_day(world)))
        assert world.service.carry_out_due().settled == 0
        statuses = [
            e.status
            for e in world.service.events_of_customer("customer-1")
            if isinstance(e, RequestStatusChanged)
        ]
        assert statuses == [RequestStatus.SUPERSEDED]


class AcceptanceContract(StoreUnderTest):
    """The rulebook's acceptance switch, and invitations to start."""

    def _switched(self, world: World) -> World:
        switched = World(
            world.store, rulebook=default_rulebook().requiring_acceptance(start=True), clock=world.clock
        )
        switched.fakes = world.fakes
        return switched

    def test_an_offices_end_waits_for_the_customer_to_accept(self, world: World) -> None:
        (collab,) = world.setup(PAYROLL)
        w = self._switched(world)
        with pytest.raises(OperationRefused) as refused:
            w.service.end(collab.id, actor=w.office_admin(), outcome=Outcome.END_SUBSCRIPTION)
        assert "L1" in refused.value.codes
        r = w.service.schedule_end(
            collab.id, actor=w.office_admin(), outcome=Outcome.END_SUBSCRIPTION, effective=_day(w)
        ).request
        assert r.status is RequestStatus.AWAITING_ACCEPTANCE and r.awaits is Party.CUSTOMER
        assert r.expires_at == r.requested_at + timedelta(days=7)
        assert w.service.carry_out_due().settled == 0, "nothing is due before it is accepted"
        with pytest.raises(NotAuthorized):
            w.service.accept(r.id, actor=w.office_admin())
        accepted = w.service.accept(r.id, actor=w.customer_admin())
        assert accepted.status is RequestStatus.CARRIED_OUT, "its day had come: carried out at once"
        assert _status(w, collab.id) is Status.ENDED
        # The customer's own end needs nobody's yes.
        (other,) = [w.collaboration(EXPENSES)]
        w.service.end(other.id, actor=w.customer_admin(), outcome=Outcome.CUSTOMER_CONTINUES)

    def test_declined_and_expired_requests_do_nothing(self, world: World) -> None:
        collabs = world.setup(PAYROLL, EXPENSES)
        w = self._switched(world)
        declined, expiring = (
            w.service.schedule_end(c.id, actor=w.office_admin(), outcome=o).request
            for c, o in zip(collabs, (Outcome.END_SUBSCRIPTION, Outcome.CUSTOMER_CONTINUES), strict=True)
        )
        assert w.service.decline(declined.id, actor=w.customer_admin()).status is RequestStatus.DECLINED
        w.clock.advance(timedelta(days=7, minutes=1))
        with pytest.raises(InvalidInput, match="expired"):
            w.service.accept(expiring.id, actor=w.customer_admin())
        assert w.service.carry_out_due().expired == 1
        assert _request(w, expiring.id).status is RequestStatus.EXPIRED
        assert all(_status(w, c.id) is Status.ACTIVE for c in collabs)
        recorded = [
            e.status
            for e in w.service.events_of_customer("customer-1")
            if isinstance(e, RequestStatusChanged)
        ]
        assert recorded == [RequestStatus.DECLINED, RequestStatus.EXPIRED]

    def test_a_customer_invites_an_office_that_accepts(self, world: World) -> None:
        world.setup(PAYROLL)
        world.office("office-2")
        invitation = world.service.invite(
            actor=world.customer_admin(), office_id="office-2", customer_id="customer-1", product=EXPENSES
        )
        assert invitation.awaits is Party.OFFICE and invitation.status is RequestStatus.AWAITING_ACCEPTANCE
        with pytest.raises(NotAuthorized):
            world.service.accept(invitation.id, actor=Actor.office("office-2", OFFICE_CLERK))
        accepted = world.service.accept(invitation.id, actor=world.office_admin("office-2"))
        assert accepted.status is RequestStatus.CARRIED_OUT and accepted.collaboration_id is not None
        started = world.service.get_collaboration(
            accepted.collaboration_id, actor=world.office_admin("office-2")
        )
        assert (started.office_id, started.product, started.status) == ("office-2", EXPENSES, Status.ACTIVE)
        world.relay().drain()
        assert any(n.party is Party.OFFICE and n.party_id == "office-2" for n in world.fakes.notifications)

    def test_no_office_invites_itself_to_a_customer_it_does_not_work_with(self, world: World) -> None:
        world.setup(PAYROLL)
        world.office("office-2")
        before = snapshot(world, ["customer-1"], [])
        with pytest.raises(NotFound) as raised:
            world.service.invite(
                actor=world.office_admin("office-2"),
                office_id="office-2",
                customer_id="customer-1",
                product=EXPENSES,
            )
        assert str(raised.value).startswith("No customer customer-1")
        assert snapshot(world, ["customer-1"], []) == before

    def test_with_the_switch_an_offices_start_waits_for_the_customer(self, world: World) -> None:
        world.setup(PAYROLL)
        w = self._switched(world)
        with pytest.raises(OperationRefused) as refused:
            w.service.start_collaboration(
                actor=w.office_admin(), office_id="office-1", customer_id="customer-1", product=EXPENSES
            )
        assert "L1" in refused.value.codes
        asked = w.service.invite(
            actor=w.office_admin(), office_id="office-1", customer_id="customer-1", product=EXPENSES
        )
        assert asked.awaits is Party.CUSTOMER
        assert w.service.accept(asked.id, actor=w.customer_admin()).status is RequestStatus.CARRIED_OUT


class ReadOnlyAccessContract(StoreUnderTest):
    """R20: the former office's read-only access lasts exactly as long as the rule says."""

    def test_read_only_access_ends_with_the_offices_last_other_collaboration(self, world: World) -> None:
        book, pay = world.setup(BOOKKEEPING, PAYROLL)
        result = world.service.end(book.id, actor=world.office_admin(), outcome=Outcome.DEACTIVATE)
        assert EffectKind.RESTRICT_OFFICE_ACCESS in {e.kind for e in result.effects}
        (access,) = world.service.requests(actor=world.office_admin())
        assert (access.kind, access.collaboration_id, access.effective_on) == (
            RequestKind.READ_ONLY_ACCESS,
            book.id,
            None,
        )
        world.service.end(pay.id, actor=world.customer_admin(), outcome=Outcome.END_SUBSCRIPTION)
        assert _request(world, access.id).status is RequestStatus.CARRIED_OUT
        world.relay().drain()
        revoked = f"{access.id}:100:revoke_office_access"
        assert world.fakes.performed[revoked] == 1, "the relay revokes it"
        told = [n for n in world.fakes.notifications if n.key.startswith(access.id)]
        assert {n.party for n in told} == {Party.OFFICE, Party.CUSTOMER}

    def test_a_grace_period_ends_read_only_access_on_its_day(self, world: World) -> None:
        w = _graced(world)
        (book,) = w.setup(BOOKKEEPING)
        plan = w.service.plan_end(book.id, actor=w.office_admin(), outcome=Outcome.DEACTIVATE)
        until = _day(w) + timedelta(days=30)
        assert ("timeline.read_only_ends", until) in [(s.key, s.on) for s in plan.timeline]
        w.service.end(book.id, actor=w.office_admin(), outcome=Outcome.DEACTIVATE)
        (access,) = w.service.requests(actor=w.office_admin())
        assert access.effective_on == until
        _to(w, until - timedelta(days=1))
        assert w.service.carry_out_due().revoked == 0
        _to(w, until)
        assert w.service.carry_out_due().revoked == 1
        assert w.service.carry_out_due().settled == 0
        w.relay().drain()
        assert w.fakes.performed[f"{access.id}:100:revoke_office_access"] == 1

    def test_the_overview_shows_a_customer_while_a_grace_period_lasts(self, world: World) -> None:
        w = _graced(world)
        w.office()
        for n in (1, 2, 3):
            w.customer(f"customer-{n}")
            w.collaboration(BOOKKEEPING if n == 2 else PAYROLL, customer_id=f"customer-{n}")
        (book,) = w.service.overview("office-1", actor=w.office_admin(), limit=3).items[1].collaborations
        w.service.end(book.id, actor=w.office_admin(), outcome=Outcome.DEACTIVATE)
        (access,) = w.service.requests(actor=w.office_admin())
        whole = w.service.overview("office-1", actor=Actor.office("office-1", OFFICE_CLERK))
        assert [(i.customer.id, len(i.collaborations)) for i in whole.items] == [
            ("customer-1", 1),
            ("customer-2", 0),
            ("customer-3", 1),
        ], "the former office still sees the company it keeps read-only access to"
        assert whole.items[1].requests == (access,) and whole.next_cursor is None
        seen: list[str] = []
        after: OverviewCursor | None = None
        while True:
            page = w.service.overview("office-1", actor=w.office_admin(), after=after, limit=1)
            seen.extend(i.customer.id for i in page.items)
            if page.next_cursor is None:
                break
            after = page.next_cursor
        assert seen == ["customer-1", "customer-2", "customer-3"], "each page once, in order"
        _to(w, access.effective_on or _day(w))
        assert w.service.carry_out_due().revoked == 1
        ids = [i.customer.id for i in w.service.overview("office-1", actor=w.office_admin()).items]
        assert ids == ["customer-1", "customer-3"], "and no longer once the access ends"


class MoveContract(StoreUnderTest):
    """Moving to another office: one transaction, never two offices or none."""

    def test_a_customer_moves_every_product_to_another_office(self, world: World) -> None:
        old = world.setup(PAYROLL, EXPENSES)
        world.office("office-2")
        plan = world.service.plan_move(
            "customer-1", actor=world.customer_admin(), from_office_id="office-1", to_office_id="office-2"
        )
        assert plan.allowed and len(plan.ends) == 2 and plan.handover
        moved = world.service.move(
            "customer-1", actor=world.customer_admin(), from_office_id="office-1", to_office_id="office-2"
        )
        assert [r.collaboration.status for r in moved.ended] == [Status.ENDED, Status.ENDED]
        assert {r.collaboration.id for r in moved.ended} == {c.id for c in old}
        assert {c.office_id for c in moved.started} == {"office-2"}
        with world.store.transaction(write=False) as uow:
            active = uow.active_collaborations_of_customer("customer-1")
        assert sorted((c.product, c.office_id) for c in active) == [
            (EXPENSES, "office-2"),
            (PAYROLL, "office-2"),
        ]
        moves = [
            e for e in world.service.events_of_customer("customer-1") if isinstance(e, CollaborationMoved)
        ]
        assert {(m.product, m.from_office_id, m.to_office_id) for m in moves} == {
            (PAYROLL, "office-1", "office-2"),
            (EXPENSES, "office-1", "office-2"),
        }
        world.relay().drain()
        done = {k.split(":", 2)[2] for k in world.fakes.performed}
        assert {"grant_office_access", "change_payer", "hand_over_payroll_backup", "export_reports"} <= done
        assert "revoke_company_online_access" not in done, "the company does not go on alone"
        told = [n for n in world.fakes.notifications if n.party_id == "office-1"]
        assert told and all("another accounting office" in n.subject for n in told), "told of the move"

    def test_a_reader_never_sees_two_offices_or_none_during_moves(self, world: World) -> None:
        world.setup(PAYROLL, EXPENSES)
        world.office("office-2")
        seen: list[list[tuple[str, str]]] = []
        stop = threading.Event()

        def read() -> None:
            while not stop.is_set():
                with world.store.transaction(write=False) as uow:
                    active = uow.active_collaborations_of_customer("customer-1")
                seen.append(sorted((c.product, c.office_id) for c in active))

        reader = threading.Thread(target=read)
        reader.start()
        try:
            offices = ("office-1", "office-2")
            for n in range(6):
                source, target = offices[n % 2], offices[(n + 1) % 2]
                world.service.move(
                    "customer-1", actor=world.customer_admin(), from_office_id=source, to_office_id=target
                )
        finally:
            stop.set()
            reader.join()
        assert seen, "the reader read while the moves ran"
        for snapshot_ in seen:
            assert [p for p, _ in snapshot_] == [EXPENSES, PAYROLL], f"one office per product: {snapshot_}"
            assert len({o for _, o in snapshot_}) == 1, "both products move together"

    def test_moving_the_offices_last_products_away_ends_its_read_only_access_once(self, world: World) -> None:
        book, _, _ = world.setup(BOOKKEEPING, PAYROLL, EXPENSES)
        world.office("office-2")
        world.service.end(book.id, actor=world.office_admin(), outcome=Outcome.DEACTIVATE)
        (access,) = world.service.requests(actor=world.office_admin())
        world.service.move(
            "customer-1", actor=world.customer_admin(), from_office_id="office-1", to_office_id="office-2"
        )
        assert _request(world, access.id).status is RequestStatus.CARRIED_OUT
        with world.store.transaction(write=False) as uow:
            revokes = [i.key for i in uow.outbox() if i.effect.request_id == access.id]
        assert revokes.count(f"{access.id}:100:revoke_office_access") == 1

    def test_a_refused_move_changes_nothing(self, world: World) -> None:
        (pay,) = world.setup(PAYROLL)
        world.office("office-2")
        world.fakes.set_facts("customer-1", payroll_synchronised=False)
        before = snapshot(world, ["customer-1"], [pay.id])
        with pytest.raises(OperationRefused) as refused:
            world.service.move(
                "customer-1", actor=world.customer_admin(), from_office_id="office-1", to_office_id="office-2"
            )
        assert "R9" in refused.value.codes
        assert snapshot(world, ["customer-1"], [pay.id]) == before
        for actor in (world.office_admin(), Actor.customer("customer-1", CUSTOMER_USER)):
            with pytest.raises((NotFound, NotAuthorized)):
                world.service.move(
                    "customer-1", actor=actor, from_office_id="office-1", to_office_id="office-2"
                )
        assert snapshot(world, ["customer-1"], [pay.id]) == before


class LifecycleContract(ScheduledEndContract, AcceptanceContract, ReadOnlyAccessContract, MoveContract):
    """Every lifecycle role."""


def _graced(world: World, days: int = 30) -> World:
    """The world's store and clock, with Bookkeeping's read-only access lasting ``days``."""
    products = default_products()
    graced = products.replace(attrs.evolve(products.get(BOOKKEEPING), read_only_for=timedelta(days=days)))
    return World(world.store, clock=world.clock, products=graced)
