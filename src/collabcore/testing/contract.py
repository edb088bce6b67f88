"""The store contract: what every Store and UnitOfWork must do, as pytest tests.

Subclass :class:`StoreContract` in a test module whose name pytest collects
(``class TestMyStore(StoreContract)``) and implement ``make_store``; every
test below then runs against your adapter. The memory, SQLite and
PostgreSQL adapters of this library run exactly this suite.

The suite is split by the roles of :mod:`collabcore.ports` (``DirectoryContract``,
``OverviewContract``, ``AuditTrailContract``, ``EndStorageContract``, ``EndAbilitiesContract``,
``IdempotencyContract``, ``OutboxContract``, ``TransactionContract``, and
``TenancyContract`` and ``SecurityContract`` across them): a host that replaces one role of a shipped
store, say its own outbox, subclasses just that role's contract.
"""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from collabcore.adapters.by_parts import load_end_by_parts
from collabcore.domain import (
    BOOKKEEPING,
    EXPENSES,
    PAYROLL,
    AccountingOffice,
    AlreadyEnded,
    CollaborationEnded,
    ConcurrencyConflict,
    Customer,
    CustomerUser,
    EffectStatus,
    EndRefused,
    EndRefusedRecorded,
    EndWrites,
    IdempotencyKey,
    InvalidInput,
    NotFound,
    OfficeUser,
    Outcome,
    OverviewCursor,
    Party,
    Role,
    Status,
    Subscription,
    SubscriptionStatus,
)
from collabcore.testing.contract_base import StoreUnderTest, audit_added, snapshot
from collabcore.testing.end_abilities import EndAbilitiesContract
from collabcore.testing.faults import FEWER_STATEMENTS
from collabcore.testing.host_transaction import HostTransactionContract as HostTransactionContract
from collabcore.testing.lifecycle_contract import LifecycleContract as LifecycleContract
from collabcore.testing.security_contract import SecurityContract
from collabcore.testing.world import CUSTOMER_ADMIN, World

__all__ = [
    "AuditTrailContract",
    "DirectoryContract",
    "EndAbilitiesContract",
    "EndStorageContract",
    "IdempotencyContract",
    "OutboxContract",
    "OverviewContract",
    "SecurityContract",
    "StoreContract",
    "StoreUnderTest",
    "TenancyContract",
    "TransactionContract",
    "audit_added",
    "snapshot",
]


class TransactionContract(StoreUnderTest):
    """A unit of work keeps nothing unless committed, and sees its own writes."""

    def test_leaving_without_commit_keeps_nothing(self, world: World) -> None:
        with world.store.transaction() as uow:
            uow.save_office(AccountingOffice("o-gone", "Gone"))
        with world.store.transaction(write=False) as uow:
            assert uow.get_office("o-gone") is None

    def test_an_exception_rolls_everything_back(self, world: World) -> None:
        world.setup()
        with pytest.raises(RuntimeError), world.store.transaction() as uow:
            uow.save_office(AccountingOffice("o-gone", "Gone"))
            uow.add_customer(Customer("c-gone", "1", "Gone"))
            raise RuntimeError("host failure mid-transaction")
        with world.store.transaction(write=False) as uow:
            assert uow.get_office("o-gone") is None
            assert uow.get_customer("c-gone") is None

    def test_a_transaction_sees_its_own_writes(self, world: World) -> None:
        world.setup()
        with world.store.transaction() as uow:
            uow.add_customer(Customer("c-new", "1", "New"))
            assert uow.get_customer("c-new") == Customer("c-new", "1", "New")


class DirectoryContract(StoreUnderTest):
    """Offices, customers, collaborations and subscriptions read back as written, version-checked."""

    def test_records_read_back_equal(self, world: World) -> None:
        office = world.office()
        customer = world.customer()
        collab = world.collaboration(PAYROLL, variant="start")
        with world.store.transaction(write=False) as uow:
            assert uow.get_office(office.id) == office
            assert uow.get_customer(customer.id) == customer
            assert uow.get_collaboration(collab.id) == collab
            assert uow.get_subscription(customer.id, PAYROLL) == Subscription(
                customer.id, PAYROLL, payer=Party.OFFICE
            )
            assert uow.get_office("nope") is None
            assert uow.get_customer("nope") is None
            assert uow.get_collaboration("nope") is None
            assert uow.get_subscription(customer.id, EXPENSES) is None

    def test_exotic_text_is_stored_exactly(self, world: World) -> None:
        name = 'Ö\'; DROP TABLE customers; -- \u202eبدا 🧾 "quoted" \\ % ? _'
        world.service.register_office(AccountingOffice("o-x", name, (OfficeUser("u", name),)))
        world.service.register_customer(Customer("c-x", "N-%_?", name, (CustomerUser("k", name),)))
        with world.store.transaction(write=False) as uow:
            office = uow.get_office("o-x")
            customer = uow.get_customer("c-x")
        assert office is not None and office.name == name and office.users[0].name == name
        assert customer is not None and customer.name == name and customer.number == "N-%_?"

    def test_office_is_replaced_on_save(self, world: World) -> None:
        office = world.office()
        renamed = attrs.evolve(office, name="Renamed")
        world.service.register_office(renamed)
        with world.store.transaction(write=False) as uow:
            assert uow.get_office(office.id) == renamed

    def test_duplicate_customer_is_invalid_input(self, world: World) -> None:
        """The store refuses a second customer with an id it holds; the service's
        ``register_customer`` reads first, and updates instead."""
        world.setup()
        with world.store.transaction(write=False) as uow:
            stored = uow.get_customer("customer-1")
        assert stored is not None
        with pytest.raises(InvalidInput, match="exists already"), world.store.transaction() as uow:
            uow.add_customer(stored)

    def test_registering_a_customer_again_updates_it_and_unchanged_writes_nothing(self, world: World) -> None:
        world.setup()
        with world.store.transaction(write=False) as uow:
            first = uow.get_customer("customer-1")
        assert first is not None
        again = world.service.register_customer(attrs.evolve(first, version=0))
        assert again == first, "registered unchanged: the stored customer, its version kept"
        renamed = world.service.register_customer(attrs.evolve(first, name="Renamed AB", version=0))
        assert renamed.name == "Renamed AB" and renamed.version == first.version + 1
        with world.store.transaction(write=False) as uow:
            assert uow.get_customer("customer-1") == renamed

    def test_collaboration_update_checks_the_version(self, world: World) -> None:
        (collab,) = world.setup(BOOKKEEPING)
        changed = attrs.evolve(collab, variant="pro", version=collab.version + 1)
        with pytest.raises(ConcurrencyConflict), world.store.transaction() as uow:
            uow.update_collaboration(changed, expected_version=collab.version + 7)
        with world.store.transaction() as uow:
            uow.update_collaboration(changed, expected_version=collab.version)
            uow.commit()
        with world.store.transaction(write=False) as uow:
            assert uow.get_collaboration(collab.id) == changed

    def test_customer_update_checks_the_version(self, world: World) -> None:
        world.setup()
        with world.store.transaction(write=False) as uow:
            customer = uow.get_customer("customer-1")
        assert customer is not None
        stale = attrs.evolve(customer, name="Stale", version=customer.version + 1)
        with pytest.raises(ConcurrencyConflict), world.store.transaction() as uow:
            uow.update_customer(stale, expected_version=customer.version + 1)

    def test_active_collaborations_of_a_customer_only(self, world: World) -> None:
        a, b = world.setup(BOOKKEEPING, PAYROLL)
        world.customer("customer-2")
        world.collaboration(EXPENSES, customer_id="customer-2")
        world.service.end(b.id, actor=world.office_admin(), outcome=Outcome.END_SUBSCRIPTION)
        with world.store.transaction(write=False) as uow:
            found = uow.active_collaborations_of_customer("customer-1")
        assert [c.id for c in found] == [a.id]


class OverviewContract(StoreUnderTest):
    """The office's overview: keyset pages of customers with their active collaborations."""

    def test_overview_pages_by_customer_number(self, world: World) -> None:
        world.office()
        world.office("office-2")
        for n in (5, 3, 9, 1, 7):
            world.customer(f"c{n}", number=f"{n:04d}")
            world.collaboration(BOOKKEEPING, customer_id=f"c{n}")
            world.collaboration(EXPENSES, customer_id=f"c{n}")
        world.customer("other", number="0002")
        world.collaboration(BOOKKEEPING, office_id="office-2", customer_id="other")
        with world.store.transaction(write=False) as uow:
            first = uow.overview("office-1", after=None, limit=2)
            rest = uow.overview("office-1", after=OverviewCursor("0003", "c3"), limit=None)
            everything = uow.overview("office-1", after=None, limit=None)
        assert [i.customer.id for i in first] == ["c1", "c3"]
        assert [i.customer.id for i in rest] == ["c5", "c7", "c9"]
        assert [i.customer.id for i in everything] == ["c1", "c3", "c5", "c7", "c9"]
        assert all([c.product for c in i.collaborations] == [BOOKKEEPING, EXPENSES] for i in everything)

    def test_overview_leaves_out_ended_collaborations(self, world: World) -> None:
        a, b = world.setup(BOOKKEEPING, EXPENSES)
        world.service.end(b.id, actor=world.office_admin(), outcome=Outcome.CUSTOMER_CONTINUES)
        with world.store.transaction(write=False) as uow:
            (item,) = uow.overview("office-1", after=None, limit=None)
        assert [c.id for c in item.collaborations] == [a.id]
        world.service.end(a.id, actor=world.office_admin(), outcome=Outcome.DEACTIVATE)
        with world.store.transaction(write=False) as uow:
            assert list(uow.overview("office-1", after=None, limit=None)) == []


class AuditTrailContract(StoreUnderTest):
    """Events are kept per customer, in order."""

    def test_events_are_kept_in_order_per_customer(self, world: World) -> None:
        (collab,) = world.setup(EXPENSES)
        world.customer("customer-2")
        world.service.change_role("customer-1", "staff", Role.ADMINISTRATOR, actor=world.office_admin())
        world.service.end(collab.id, actor=world.office_admin(), outcome=Outcome.CUSTOMER_CONTINUES)
        events = world.service.events_of_customer("customer-1")
        assert [type(e).__name__ for e in events] == [
            "CollaborationStarted",
            "UserRoleChanged",
            "CollaborationEnded",
        ]
        assert world.service.events_of_customer("customer-2") == ()


class EndStorageContract(StoreUnderTest):
    """An end's one read and one write: all or nothing, and the same as the finer reads."""

    def test_record_end_is_all_or_nothing_on_a_stale_version(self, world: World) -> None:
        (collab,) = world.setup(EXPENSES)
        plan = world.service.plan_end(
            collab.id, actor=world.office_admin(), outcome=Outcome.DELETE, confirm_deletion=True
        )
        now = world.clock()
        ended = collab.end(actor=world.office_admin(), outcome=Outcome.DELETE, at=now)
        event = CollaborationEnded(
            collab.id, "office-1", "customer-1", EXPENSES, Outcome.DELETE, world.office_admin(), (), now
        )
        writes = EndWrites(ended, collab.version + 5, event, None, plan.effects, now, None)
        before = snapshot(world, ["customer-1"], [collab.id])
        with pytest.raises(ConcurrencyConflict), world.store.transaction() as uow:
            uow.record_end(writes, commit=True)
        assert snapshot(world, ["customer-1"], [collab.id]) == before
        with world.store.transaction() as uow:
            uow.record_end(attrs.evolve(writes, expected_version=collab.version), commit=True)
        with world.store.transaction(write=False) as uow:
            loaded = uow.load_end(collab.id, idempotency_key=None, for_update=False)
            assert loaded.collaboration == ended and len(uow.outbox()) == len(plan.effects)

    def test_load_end_reads_what_the_finer_reads_read(self, world: World) -> None:
        """A store's own load_end (fewer round trips, or a shortcut) against the by-parts one,
        before and after a change staged in the same unit of work."""
        bookkeeping, payroll, expenses = world.setup(BOOKKEEPING, PAYROLL, EXPENSES)
        admin = world.office_admin()
        world.service.end(payroll.id, actor=admin, outcome=Outcome.END_SUBSCRIPTION)
        world.service.end(
            expenses.id, actor=admin, outcome=Outcome.CUSTOMER_CONTINUES, idempotency_key="key-1"
        )
        world.customer("customer-2")
        world.collaboration(BOOKKEEPING, customer_id="customer-2")
        ids = [bookkeeping.id, payroll.id, expenses.id, "no-such-collaboration"]
        with world.store.transaction() as uow:
            for staged in (False, True):
                for cid in ids:
                    keys = [
                        IdempotencyKey.of(a, k)
                        for a in (admin, world.customer_admin())
                        for k in ("key-1", "key-2")
                    ]
                    for key in (None, *keys):
                        ours = uow.load_end(cid, idempotency_key=key, for_update=False)
                        assert ours == load_end_by_parts(uow, cid, idempotency_key=key, for_update=False)
                if not staged:
                    current = uow.get_collaboration(bookkeeping.id)
                    assert current is not None
                    ended = current.end(actor=admin, outcome=Outcome.DEACTIVATE, at=world.clock())
                    uow.update_collaboration(ended, expected_version=current.version)
            assert uow.load_end(bookkeeping.id, idempotency_key=None, for_update=False).collaboration == ended

    def test_end_records_collaboration_event_outbox_and_key_together(self, world: World) -> None:
        (collab,) = world.setup(EXPENSES)
        result = world.service.end(
            collab.id,
            actor=world.customer_admin(),
            outcome=Outcome.DELETE,
            confirm_deletion=True,
            idempotency_key="req-1",
        )
        with world.store.transaction(write=False) as uow:
            stored = uow.get_collaboration(collab.id)
            outbox = uow.outbox(collaboration_id=collab.id)
            record = uow.get_idempotency(IdempotencyKey("customer:customer-1", "req-1"))
            others = uow.get_idempotency(IdempotencyKey("office:office-1", "req-1"))
            subscription = uow.get_subscription("customer-1", EXPENSES)
        assert stored == result.collaboration
        assert stored is not None and stored.status is Status.ENDED and stored.version == 1
        assert [i.effect for i in outbox] == list(result.effects)
        assert all(i.status is EffectStatus.PENDING for i in outbox)
        assert record is not None and record.result == result
        assert others is None, "keys are scoped to the party that acts"
        assert subscription is not None and subscription.status is SubscriptionStatus.ENDED
        assert world.service.events_of_customer("customer-1")[-1] == result.event

    def test_refused_end_changes_nothing_but_the_audit_trail(self, world: World) -> None:
        (collab,) = world.setup(EXPENSES)
        world.fakes.set_facts("customer-1", unsubmitted_reports=3)
        before = snapshot(world, ["customer-1"], [collab.id])
        with pytest.raises(EndRefused):
            world.service.end(
                collab.id, actor=world.office_admin(), outcome=Outcome.DELETE, confirm_deletion=True
            )
        (refusal,) = audit_added(before, snapshot(world, ["customer-1"], [collab.id]))
        assert isinstance(refusal, EndRefusedRecorded)
        assert (refusal.collaboration_id, refusal.codes) == (collab.id, ("R11",))
        assert refusal.actor == world.office_admin() and refusal.outcome is Outcome.DELETE

    def test_second_end_is_already_ended_and_changes_nothing_else(self, world: World) -> None:
        (collab,) = world.setup(BOOKKEEPING)
        world.service.end(collab.id, actor=world.office_admin(), outcome=Outcome.DEACTIVATE)
        before = snapshot(world, ["customer-1"], [collab.id])
        with pytest.raises(AlreadyEnded):
            world.service.end(collab.id, actor=world.customer_admin(), outcome=Outcome.CUSTOMER_CONTINUES)
        (refusal,) = audit_added(before, snapshot(world, ["customer-1"], [collab.id]))
        assert isinstance(refusal, EndRefusedRecorded) and refusal.codes == ("R5",)


class IdempotencyContract(StoreUnderTest):
    """The same idempotency key replays the first result."""

    def test_same_idempotency_key_replays_the_result(self, world: World) -> None:
        (collab,) = world.setup(PAYROLL)
        first = world.service.end(
            collab.id, actor=world.office_admin(), outcome=Outcome.END_SUBSCRIPTION, idempotency_key="k"
        )
        before = snapshot(world, ["customer-1"], [collab.id])
        again = world.service.end(
            collab.id, actor=world.office_admin(), outcome=Outcome.END_SUBSCRIPTION, idempotency_key="k"
        )
        assert again.replayed and not first.replayed
        assert attrs.evolve(again, replayed=False) == first
        assert snapshot(world, ["customer-1"], [collab.id]) == before


class TenancyContract(StoreUnderTest):
    """One tenant never sees another's records; a foreign id looks like a missing one."""

    def test_unknown_and_foreign_ids_look_the_same(self, world: World) -> None:
        (collab,) = world.setup(BOOKKEEPING)
        world.office("office-2")
        stranger = world.office_admin("office-2")
        with pytest.raises(NotFound) as foreign:
            world.service.plan_end(collab.id, actor=stranger, outcome=Outcome.DEACTIVATE)
        with pytest.raises(NotFound) as missing:
            world.service.plan_end("no-such-id", actor=stranger, outcome=Outcome.DEACTIVATE)
        assert type(foreign.value) is type(missing.value)

    def test_tenants_never_see_each_other(self, world: World) -> None:
        world.office()
        world.office("office-2")
        world.customer()
        world.customer("customer-2")
        mine = world.collaboration(BOOKKEEPING)
        theirs = world.collaboration(BOOKKEEPING, office_id="office-2", customer_id="customer-2")
        page = world.service.overview("office-2", actor=world.office_admin("office-2"))
        assert [c.id for item in page.items for c in item.collaborations] == [theirs.id]
        for stranger in (world.office_admin("office-2"), world.customer_admin("customer-2")):
            with pytest.raises(NotFound):
                world.service.get_collaboration(mine.id, actor=stranger)
            with pytest.raises(NotFound):
                world.service.end(mine.id, actor=stranger, outcome=Outcome.DEACTIVATE)
            with pytest.raises(NotFound):
                world.service.change_variant(mine.id, actor=stranger, variant="pro")
            with pytest.raises(NotFound):
                world.service.set_main_contact("customer-1", CUSTOMER_ADMIN, actor=stranger)
        with pytest.raises(NotFound):
            world.service.overview("office-1", actor=world.office_admin("office-2"))
        with world.store.transaction(write=False) as uow:
            assert uow.get_collaboration(mine.id) == mine


class OutboxContract(StoreUnderTest):
    """Claims follow each collaboration's step order; the relay does every effect once."""

    def test_claims_follow_each_collaborations_step_order(self, world: World) -> None:
        (collab,) = world.setup(EXPENSES)
        result = world.service.end(
            collab.id, actor=world.office_admin(), outcome=Outcome.DELETE, confirm_deletion=True
        )
        now = world.clock.now + timedelta(seconds=1)
        with world.store.transaction() as uow:
            (first,) = uow.claim_due_effects(now=now, limit=10)
            assert first.effect == result.effects[0]
            uow.update_outbox_item(attrs.evolve(first, status=EffectStatus.DONE))
            (second,) = uow.claim_due_effects(now=now, limit=10)
            assert second.effect == result.effects[1]
            uow.update_outbox_item(attrs.evolve(second, next_attempt_at=now + timedelta(minutes=1)))
            assert list(uow.claim_due_effects(now=now, limit=10)) == []
            uow.commit()
        with world.store.transaction(write=False) as uow:
            assert [i.key for i in uow.outbox(statuses=[EffectStatus.DONE])] == [first.key]
            assert uow.get_outbox_item("missing") is None

    def test_fewer_statements_agree_with_the_outbox_methods(self, world: World) -> None:
        """OutboxInFewerStatements, where the store offers it: the same rows as the plain
        Outbox methods would write and read, the fence kept, the commit made."""
        (collab,) = world.setup(EXPENSES)
        world.service.end(
            collab.id, actor=world.office_admin(), outcome=Outcome.DELETE, confirm_deletion=True
        )
        now = world.clock.now + timedelta(seconds=1)
        with world.store.transaction() as uow:
            offered = [n for n in FEWER_STATEMENTS if hasattr(uow, n)]
            if not offered:
                pytest.skip("this store offers none of OutboxInFewerStatements (the relay uses Outbox)")
            (claimed,) = uow.claim_due_effects(now=now, limit=10)
            leased = attrs.evolve(claimed, next_attempt_at=now + timedelta(minutes=5), lease="token-1")
            if hasattr(uow, "lease_outbox_items"):
                uow.lease_outbox_items([leased])
            else:
                uow.update_outbox_item(leased)
            uow.commit()
        with world.store.transaction(write=False) as uow:
            assert uow.get_outbox_item(leased.key) == leased
            if hasattr(uow, "notification_reads"):
                read, office, customer, effects = uow.notification_reads(leased.effect)
                assert (read, office, customer) == (
                    uow.get_collaboration(collab.id),
                    uow.get_office(collab.office_id),
                    uow.get_customer(collab.customer_id),
                )
                assert list(effects) == [i.effect for i in uow.outbox(collaboration_id=collab.id)]
        if "settle_outbox_item" in offered:
            done = attrs.evolve(leased, status=EffectStatus.DONE, lease=None)
            with world.store.transaction() as uow:
                assert getattr(uow, "settle_outbox_item")(done, fenced="token-2") is False  # noqa: B009
            with world.store.transaction(write=False) as uow:
                assert uow.get_outbox_item(leased.key) == leased, "a lost fence writes nothing"
            with world.store.transaction() as uow:
                assert getattr(uow, "settle_outbox_item")(done, fenced="token-1") is True  # noqa: B009
            with world.store.transaction(write=False) as uow:
                assert uow.get_outbox_item(leased.key) == done, "and a held one is committed"

    def test_relay_carries_out_every_effect_once(self, world: World) -> None:
        (collab,) = world.setup(PAYROLL)
        result = world.service.end(collab.id, actor=world.office_admin(), outcome=Outcome.CUSTOMER_CONTINUES)
        report = world.relay().drain()
        assert report.done == len(result.effects)
        assert {e.key: 1 for e in result.effects} == dict(world.fakes.performed)
        assert world.relay().drain().attempted == 0


class StoreContract(
    TransactionContract,
    DirectoryContract,
    OverviewContract,
    AuditTrailContract,
    EndStorageContract,
    EndAbilitiesContract,
    IdempotencyContract,
    TenancyContract,
    OutboxContract,
    SecurityContract,
    LifecycleContract,
):
    """The whole contract: every role of a store. Subclass it (or only the roles your adapter
    implements itself) and implement :meth:`make_store`."""
