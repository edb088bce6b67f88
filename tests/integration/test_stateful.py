"""A hypothesis state machine: starts, ends, role changes, relay steps and crashes, interleaved.

After every step the invariants hold: at most one active collaboration per
company and product; an ended collaboration has its event and every effect;
the main contact is an Administrator; effects run in order and are applied
at most once; after a final drain, everything is settled.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import collabcore as cc
from collabcore.ports import Store
from collabcore.testing import CUSTOMER_ADMIN, CUSTOMER_USER, World
from collabcore.testing.faults import Crash, FaultyStore
from collabcore.testing.strategies import OUTCOMES

CUSTOMERS = ("c0", "c1", "c2")


class Collaborating(RuleBasedStateMachine):
    factories: ClassVar[list[Callable[[], Store]]] = [cc.MemoryStore]

    def __init__(self) -> None:
        super().__init__()
        self.faulty = FaultyStore(self.factories[0]())
        self.world = World(self.faulty)
        self.world.office()
        for customer in CUSTOMERS:
            self.world.customer(customer)
        self.collabs: list[cc.Collaboration] = []

    def teardown(self) -> None:
        self.check_drained()
        self.faulty.close()

    @rule(customer=st.sampled_from(CUSTOMERS), product=st.sampled_from(list(OUTCOMES)))
    def start(self, customer: str, product: str) -> None:
        try:
            self.collabs.append(self.world.collaboration(product, customer_id=customer))
        except cc.OperationRefused as refused:
            assert refused.codes == ("single-active",)

    @precondition(lambda self: self.collabs)
    @rule(data=st.data(), by_customer=st.booleans())
    def end(self, data: st.DataObject, by_customer: bool) -> None:
        collab = data.draw(st.sampled_from(self.collabs))
        outcome = data.draw(st.sampled_from(OUTCOMES[collab.product]))
        actor = self.world.customer_admin(collab.customer_id) if by_customer else self.world.office_admin()
        try:
            self.world.service.end(collab.id, actor=actor, outcome=outcome, confirm_deletion=True)
        except cc.AlreadyEnded:
            pass
        except cc.NotAuthorized:
            assert by_customer, "the office admin always may"

    @rule(
        customer=st.sampled_from(CUSTOMERS),
        user=st.sampled_from([CUSTOMER_ADMIN, CUSTOMER_USER]),
        admin=st.booleans(),
    )
    def change_role(self, customer: str, user: str, admin: bool) -> None:
        role = cc.Role.ADMINISTRATOR if admin else cc.Role.USER
        try:
            self.world.service.change_role(customer, user, role, actor=self.world.office_admin())
        except cc.InvariantViolation:
            assert user == CUSTOMER_ADMIN and not admin
        except cc.NotFound:
            pass  # the office has no active collaboration with that customer any more

    @rule()
    def relay_step(self) -> None:
        self.world.relay().run_once(limit=3)

    @rule(nth=st.integers(1, 4), point=st.sampled_from(["before:update_outbox_item", "before:commit"]))
    def relay_crashes(self, nth: int, point: str) -> None:
        self.faulty.arm(point, nth)
        with contextlib.suppress(Crash):
            self.world.relay().drain()
        self.faulty.arm("never")

    @rule()
    def time_passes(self) -> None:
        self.world.clock.advance(timedelta(minutes=10))

    @invariant()
    def one_active_per_company_and_product(self) -> None:
        with self.world.store.transaction(write=False) as uow:
            for customer in CUSTOMERS:
                products = [c.product for c in uow.active_collaborations_of_customer(customer)]
                assert len(products) == len(set(products))

    @invariant()
    def ended_means_event_and_every_effect(self) -> None:
        with self.world.store.transaction(write=False) as uow:
            for collab in self.collabs:
                stored = uow.get_collaboration(collab.id)
                assert stored is not None
                # The end's own effects; a read-only access it left is revoked later (R20).
                outbox = [i for i in uow.outbox(collaboration_id=collab.id) if i.effect.request_id is None]
                if stored.is_active:
                    assert outbox == []
                    continue
                assert stored.outcome is not None
                expected = cc.default_products().get(collab.product).effects_of(stored.outcome)
                kinds = [i.effect.kind for i in sorted(outbox, key=lambda i: i.effect.step)]
                if cc.EffectKind.RESTRICT_OFFICE_ACCESS in kinds:
                    kinds[kinds.index(cc.EffectKind.RESTRICT_OFFICE_ACCESS)] = (
                        cc.EffectKind.REVOKE_OFFICE_ACCESS
                    )
                assert kinds == list(expected)
                settled = [i.settled for i in sorted(outbox, key=lambda i: i.effect.step)]
                assert settled == sorted(settled, reverse=True), "effects settle in step order"

    @invariant()
    def main_contact_is_an_administrator(self) -> None:
        with self.world.store.transaction(write=False) as uow:
            for customer_id in CUSTOMERS:
                customer = uow.get_customer(customer_id)
                assert customer is not None and customer.main_contact_user is not None
                assert customer.main_contact_user.role is cc.Role.ADMINISTRATOR

    @invariant()
    def applied_at_most_once(self) -> None:
        assert all(n == 1 for n in self.world.fakes.performed.values())

    def check_drained(self) -> None:
        self.world.clock.advance(timedelta(hours=2))
        self.world.relay().drain()
        with self.world.store.transaction(write=False) as uow:
            assert all(i.settled for i in uow.outbox())
            assert set(self.world.fakes.performed) == {i.key for i in uow.outbox()}


def run_machine(factory: Callable[[], Store], examples: int) -> None:
    class Machine(Collaborating):
        factories: ClassVar[list[Callable[[], Store]]] = [factory]

    Machine.TestCase.settings = settings(
        max_examples=examples,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    Machine.TestCase().runTest()


def test_state_machine_on_memory() -> None:
    run_machine(cc.MemoryStore, examples=60)


def test_state_machine_on_sqlite(tmp_path: Path) -> None:
    counter = iter(range(10_000))
    run_machine(lambda: cc.SQLiteStore(tmp_path / f"s{next(counter)}.db", synchronous="OFF"), examples=25)


@pytest.mark.postgres
def test_state_machine_on_postgres(postgres_dsn: str, postgres_schema: str) -> None:
    from collabcore.adapters.postgres import PostgresStore

    counter = iter(range(10_000))

    def make() -> Store:
        store = PostgresStore(postgres_dsn, schema=f"{postgres_schema}_{next(counter)}", max_size=2)
        return store

    def cleanup() -> None:
        import psycopg

        with psycopg.connect(postgres_dsn, autocommit=True) as connection:
            for (name,) in connection.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (f"{postgres_schema}_%",)
            ).fetchall():
                connection.execute(f"DROP SCHEMA {name} CASCADE")

    try:
        run_machine(make, examples=10)
    finally:
        cleanup()
