"""The security part of the store contract: what an attacker tried against 0.1, as tests
every store must pass (the whole :class:`~collabcore.testing.StoreContract` includes it).

- No office attaches itself to another office's customer (deny by default).
- Another tenant's id gets the answer of an id that does not exist, word for word.
- Idempotency keys belong to the party that acts; a key lost in a race is
  ``IdempotencyKeyReused``, never a storage error.
- A relay worker's write is fenced by its lease.
- Actors are rebuilt from exact types; text no store can keep is refused alike.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import attrs
import pytest

from collabcore.app.relay import RetryPolicy
from collabcore.app.requests import EndRequest
from collabcore.domain import (
    BOOKKEEPING,
    EXPENSES,
    PAYROLL,
    Actor,
    CollabCoreError,
    CustomerUser,
    EffectStatus,
    EndResult,
    IdempotencyKeyReused,
    InvalidInput,
    NotFound,
    OperationRefused,
    Outcome,
    Party,
    Role,
)
from collabcore.testing.contract_base import StoreUnderTest, snapshot
from collabcore.testing.world import CUSTOMER_ADMIN, CUSTOMER_USER, World

Answer = tuple[str, str, str, str | None, tuple[str, ...], str | None]


def answer(call: Callable[[], object], *ids: str) -> Answer:
    """What a caller learns from a refused call: type, text, message, hint, codes and path,
    with the ids it was asked about blanked (they differ between the two calls compared)."""
    try:
        result = call()
    except CollabCoreError as error:
        codes = error.codes if isinstance(error, OperationRefused) else ()
        parts = [type(error).__name__, str(error), error.message, error.hint]
        for n, value in enumerate(parts[1:], 1):
            for blank in ids:
                value = None if value is None else value.replace(blank, "<id>")
            parts[n] = value
        return (parts[0] or "", parts[1] or "", parts[2] or "", parts[3], codes, getattr(error, "path", None))
    raise AssertionError(f"expected a refusal, got {result!r}")


class SecurityContract(StoreUnderTest):
    """Deny by default; tell nothing to the wrong tenant; lose nothing."""

    def test_no_office_attaches_itself_to_another_offices_customer(self, world: World) -> None:
        world.setup(BOOKKEEPING)
        world.office("office-b")
        intruder = world.office_admin("office-b")
        before = snapshot(world, ["customer-1"], [])
        taken = answer(
            lambda: world.service.start_collaboration(
                actor=intruder, office_id="office-b", customer_id="customer-1", product=PAYROLL
            ),
            "customer-1",
        )
        missing = answer(
            lambda: world.service.start_collaboration(
                actor=intruder, office_id="office-b", customer_id="no-such-customer", product=PAYROLL
            ),
            "no-such-customer",
        )
        assert taken == missing and taken[0] == "NotFound"
        assert snapshot(world, ["customer-1"], []) == before
        assert world.service.overview("office-b", actor=intruder).items == ()
        manages: list[Callable[[], object]] = [
            lambda: world.service.change_role(
                "customer-1", CUSTOMER_USER, Role.ADMINISTRATOR, actor=intruder
            ),
            lambda: world.service.set_main_contact("customer-1", CUSTOMER_ADMIN, actor=intruder),
            lambda: world.service.add_customer_user(
                "customer-1", CustomerUser("mole", "Mole"), actor=intruder
            ),
        ]
        for manage in manages:
            with pytest.raises(NotFound):
                manage()
        assert snapshot(world, ["customer-1"], []) == before

    def test_the_customer_brings_an_office_in_and_an_office_adds_products(self, world: World) -> None:
        world.setup(BOOKKEEPING)
        world.office("office-b")
        brought = world.service.start_collaboration(
            actor=world.customer_admin(), office_id="office-b", customer_id="customer-1", product=PAYROLL
        )
        assert brought.office_id == "office-b"
        # Now office B works with the company: it may add a product and manage its users.
        added = world.service.start_collaboration(
            actor=world.office_admin("office-b"),
            office_id="office-b",
            customer_id="customer-1",
            product=EXPENSES,
        )
        assert added.office_id == "office-b"
        world.service.change_role(
            "customer-1", CUSTOMER_USER, Role.ADMINISTRATOR, actor=world.office_admin("office-b")
        )
        # A plain user of the company cannot bring an office in (R1).
        world.office("office-c")
        with pytest.raises(OperationRefused) as refused:
            world.service.start_collaboration(
                actor=Actor.customer("customer-1", "nobody"),
                office_id="office-c",
                customer_id="customer-1",
                product=PAYROLL,
            )
        assert "R1" in refused.value.codes

    def test_an_office_whose_collaborations_ended_cannot_start_again(self, world: World) -> None:
        (collab,) = world.setup(BOOKKEEPING)
        world.service.end(collab.id, actor=world.office_admin(), outcome=Outcome.CUSTOMER_CONTINUES)
        with pytest.raises(NotFound):
            world.service.start_collaboration(
                actor=world.office_admin(),
                office_id="office-1",
                customer_id="customer-1",
                product=BOOKKEEPING,
            )
        with pytest.raises(NotFound):
            world.service.change_role(
                "customer-1", CUSTOMER_USER, Role.ADMINISTRATOR, actor=world.office_admin()
            )

    def test_foreign_ids_get_the_answer_of_missing_ids(self, world: World) -> None:
        (collab,) = world.setup(PAYROLL)
        world.office("office-2")
        world.customer("customer-2")
        world.collaboration(BOOKKEEPING, office_id="office-2", customer_id="customer-2")
        world.fakes.fail("hand_over_backup", times=1)
        world.service.end(collab.id, actor=world.office_admin(), outcome=Outcome.CUSTOMER_CONTINUES)
        world.relay(RetryPolicy(max_attempts=1)).run_once()
        (failed,) = world.relay().failed()
        effect_key = failed.key
        before = snapshot(world, ["customer-1", "customer-2"], [collab.id])
        s, relay = world.service, world.relay()

        def by_collaboration(actor: Actor) -> list[Callable[[str], object]]:
            return [
                lambda i: s.get_collaboration(i, actor=actor),
                lambda i: s.plan_end(i, actor=actor, outcome=Outcome.CUSTOMER_CONTINUES),
                lambda i: s.end(i, actor=actor, outcome=Outcome.CUSTOMER_CONTINUES, idempotency_key="k"),
                lambda i: s.change_variant(i, actor=actor, variant="pro"),
                lambda i: _bulk_error(s.end_many([EndRequest(i, Outcome.CUSTOMER_CONTINUES)], actor=actor)),
            ]

        def by_customer(actor: Actor) -> list[Callable[[str], object]]:
            return [
                lambda i: s.events_of_customer(i, actor=actor),
                lambda i: s.add_customer_user(i, CustomerUser("new", "New"), actor=actor),
                lambda i: s.change_role(i, CUSTOMER_USER, Role.ADMINISTRATOR, actor=actor),
                lambda i: s.set_main_contact(i, CUSTOMER_ADMIN, actor=actor),
                lambda i: s.cancel_subscription(i, PAYROLL, actor=actor),
                lambda i: s.start_collaboration(
                    actor=actor, office_id=actor.party_id, customer_id=i, product=EXPENSES
                ),
            ]

        def by_office(actor: Actor) -> list[Callable[[str], object]]:
            return [
                lambda i: s.overview(i, actor=actor),
                lambda i: list(
                    s.end_all_of_office(i, actor=actor, outcomes={PAYROLL: Outcome.CUSTOMER_CONTINUES})
                ),
            ]

        def by_effect(actor: Actor) -> list[Callable[[str], object]]:
            return [
                lambda i: relay.retry(i, actor=actor),
                lambda i: relay.resolve(i, reason="done by hand", actor=actor),
            ]

        targets = [
            (by_collaboration, collab.id, "collab-none"),
            (by_customer, "customer-1", "customer-none"),
            (by_office, "office-1", "office-none"),
            (by_effect, effect_key, f"collab-none:1:{failed.effect.kind.value}"),
        ]
        compared = 0
        for stranger in (world.office_admin("office-2"), world.customer_admin("customer-2")):
            for calls, theirs, missing in targets:
                for call in calls(stranger):
                    foreign = answer(functools.partial(call, theirs), theirs)
                    absent = answer(functools.partial(call, missing), missing)
                    assert foreign == absent, (foreign, absent)
                    compared += 1
        assert compared == 2 * 15
        # Refused, every one of them: nothing changed (the trail of customer-1 included).
        assert snapshot(world, ["customer-1", "customer-2"], [collab.id]) == before
        assert relay.failed()[0].status is EffectStatus.FAILED

    def test_idempotency_keys_belong_to_the_party_that_acts(self, world: World) -> None:
        world.office()
        world.office("office-2")
        world.customer()
        world.customer("customer-2")
        mine = world.collaboration(PAYROLL)
        theirs = world.collaboration(PAYROLL, office_id="office-2", customer_id="customer-2")
        first = world.service.end(
            mine.id,
            actor=world.office_admin(),
            outcome=Outcome.END_SUBSCRIPTION,
            idempotency_key="request-42",
        )
        other = world.service.end(
            theirs.id,
            actor=world.office_admin("office-2"),
            outcome=Outcome.END_SUBSCRIPTION,
            idempotency_key="request-42",
        )
        assert not first.replayed and not other.replayed
        assert other.collaboration.id == theirs.id
        again = world.service.end(
            mine.id,
            actor=world.office_admin(),
            outcome=Outcome.END_SUBSCRIPTION,
            idempotency_key="request-42",
        )
        assert again.replayed and again.collaboration == first.collaboration
        # The same party reusing its key for another request is told so.
        world.customer("customer-3")
        third = world.collaboration(PAYROLL, customer_id="customer-3")
        with pytest.raises(IdempotencyKeyReused):
            world.service.end(
                third.id,
                actor=world.office_admin(),
                outcome=Outcome.END_SUBSCRIPTION,
                idempotency_key="request-42",
            )

    def test_a_key_that_races_on_two_collaborations_is_reused_not_a_storage_error(self, world: World) -> None:
        world.office()
        collabs = []
        for n in range(2):
            world.customer(f"c{n}")
            collabs.append(world.collaboration(PAYROLL, customer_id=f"c{n}"))
        barrier = threading.Barrier(2)
        results: list[object] = [None, None]

        def end(n: int) -> None:
            barrier.wait()
            try:
                results[n] = world.service.end(
                    collabs[n].id,
                    actor=world.office_admin(),
                    outcome=Outcome.END_SUBSCRIPTION,
                    idempotency_key="same",
                )
            except Exception as error:
                results[n] = error

        threads = [threading.Thread(target=end, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(type(r).__name__ for r in results) == ["EndResult", "IdempotencyKeyReused"], results
        (winner,) = [r for r in results if isinstance(r, EndResult)]
        loser = next(c for c in collabs if c.id != winner.collaboration.id)
        with world.store.transaction(write=False) as uow:
            stored = uow.get_collaboration(loser.id)
        assert stored == loser, "the losing end changed nothing"

    def test_a_fenced_outbox_write_with_a_lost_lease_changes_nothing(self, world: World) -> None:
        (collab,) = world.setup(PAYROLL)
        world.service.end(collab.id, actor=world.office_admin(), outcome=Outcome.CUSTOMER_CONTINUES)
        now = world.clock.now + timedelta(seconds=1)
        with world.store.transaction() as uow:
            (item,) = uow.claim_due_effects(now=now, limit=1)
            leased = attrs.evolve(item, lease="worker-b", next_attempt_at=now + timedelta(minutes=5))
            assert uow.update_outbox_item(leased)
            uow.commit()
        with world.store.transaction() as uow:
            stale = attrs.evolve(leased, status=EffectStatus.FAILED, lease=None)
            assert uow.update_outbox_item(stale, fenced="worker-a") is False
            uow.commit()
        with world.store.transaction() as uow:
            assert uow.get_outbox_item(item.key) == leased
            done = attrs.evolve(leased, status=EffectStatus.DONE, lease=None)
            assert uow.update_outbox_item(done, fenced="worker-b") is True
            uow.commit()
        with world.store.transaction(write=False) as uow:
            assert uow.get_outbox_item(item.key) == done

    def test_actors_are_rebuilt_from_exact_types(self, world: World) -> None:
        world.setup()
        world.office("office-2")
        theirs = world.collaboration(PAYROLL)
        before = snapshot(world, ["customer-1"], [theirs.id])

        class Liar(str):
            def __eq__(self, other: object) -> bool:
                return True

            __hash__ = str.__hash__

        forged: list[Any] = []
        spelled = Actor.office("office-2", "admin")
        object.__setattr__(spelled, "party", "office")
        forged.append(spelled)
        forged.append(Actor(user_id=Liar("admin"), party=Party.OFFICE, party_id=Liar("office-2")))
        customer_side = Actor.customer("customer-2", "boss")
        object.__setattr__(customer_side, "party", "customer")
        forged.append(customer_side)
        for actor in forged:
            with pytest.raises(NotFound):
                world.service.end(theirs.id, actor=actor, outcome=Outcome.CUSTOMER_CONTINUES)
        bad = Actor.office("office-2", "admin")
        object.__setattr__(bad, "party", "landlord")
        with pytest.raises(InvalidInput) as refused:
            world.service.end(theirs.id, actor=bad, outcome=Outcome.CUSTOMER_CONTINUES)
        assert refused.value.path == "actor.party"
        assert snapshot(world, ["customer-1"], [theirs.id]) == before

    def test_text_no_store_can_keep_is_refused_alike(self, world: World) -> None:
        (collab,) = world.setup(PAYROLL)
        before = snapshot(world, ["customer-1"], [collab.id])
        lone = "\ud800"
        calls: list[Callable[[], object]] = [
            lambda: world.service.end(
                collab.id,
                actor=world.office_admin(),
                outcome=Outcome.CUSTOMER_CONTINUES,
                idempotency_key=f"k{lone}",
            ),
            lambda: world.service.get_collaboration(f"x{lone}", actor=world.office_admin()),
            lambda: world.service.add_customer_user(
                "customer-1", CustomerUser(f"u{lone}", "U"), actor=world.office_admin()
            ),
            lambda: world.service.end(
                collab.id, actor=Actor.office("office-1", f"admin{lone}"), outcome=Outcome.CUSTOMER_CONTINUES
            ),
            lambda: world.service.set_main_contact(
                f"customer-1{lone}", CUSTOMER_ADMIN, actor=world.office_admin()
            ),
        ]
        for call in calls:
            with pytest.raises(InvalidInput):
                call()
        assert snapshot(world, ["customer-1"], [collab.id]) == before


def _bulk_error(items: Any) -> object:
    """A bulk answers per item: its status and error, raised so that they are compared."""
    (item,) = list(items)
    raise CollabCoreError(f"{item.status.value}: {item.error}")
