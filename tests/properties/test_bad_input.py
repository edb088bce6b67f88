"""Arbitrary values at every public entry point: only collabcore's own errors come out,
each with a message, and a refused call leaves storage as it was (a refused end adds
only its audit record)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import collabcore as cc
from collabcore.adapters.serialization import from_data, from_json
from collabcore.domain import EndRefusedRecorded, OverviewCursor
from collabcore.ports import Store
from collabcore.testing import World
from collabcore.testing.contract import snapshot
from collabcore.testing.strategies import hostile_values

EXAMPLES = 300
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

junk = hostile_values


def valid_or_junk(*valid: Any) -> st.SearchStrategy[Any]:
    """Mostly valid, so that a call gets past its first argument to the later ones."""
    if not valid:
        return junk
    good = st.sampled_from(valid)
    return st.integers(0, 4).flatmap(lambda n: junk if n == 0 else good)


def fresh() -> World:
    """Bookkeeping (collab-1) and expenses (collab-2), whose end is scheduled (collab-3)."""
    world = World()
    world.setup(cc.BOOKKEEPING, cc.EXPENSES)
    world.service.schedule_end("collab-2", actor=world.customer_admin(), outcome=cc.Outcome.DELETE)
    world.office("office-2")
    return world


actors = valid_or_junk(
    cc.Actor.office("office-1", "admin"),
    cc.Actor.customer("customer-1", "boss"),
    cc.Actor.office("office-9", "x"),
)
ids = valid_or_junk("collab-1", "collab-2", "collab-3", "customer-1", "office-1", "office-2", "staff", "boss")
days = valid_or_junk(
    None, date(2026, 11, 30), date(2026, 12, 24), date(2020, 1, 1), datetime(2026, 12, 1, tzinfo=UTC)
)
outcomes = valid_or_junk(*cc.Outcome, "delete", "deactivate")

CALLS: dict[str, tuple[Callable[..., Any], st.SearchStrategy[Any]]] = {
    "plan_end": (
        lambda s, a: s.plan_end(a[0], actor=a[1], outcome=a[2], acknowledge=a[3], confirm_deletion=a[4]),
        st.tuples(
            ids, actors, outcomes, valid_or_junk(frozenset(), {"R11"}, ("R16",)), valid_or_junk(True, False)
        ),
    ),
    "end": (
        lambda s, a: s.end(a[0], actor=a[1], outcome=a[2], idempotency_key=a[3], expected_version=a[4]),
        st.tuples(ids, actors, outcomes, valid_or_junk(None, "k1"), valid_or_junk(None, 0, 1)),
    ),
    "start_collaboration": (
        lambda s, a: s.start_collaboration(
            actor=a[0], office_id=a[1], customer_id=a[2], product=a[3], variant=a[4], invoice_recipient=a[5]
        ),
        st.tuples(
            actors,
            ids,
            ids,
            valid_or_junk(cc.PAYROLL, "nope"),
            valid_or_junk(None, "start"),
            valid_or_junk(*cc.Party),
        ),
    ),
    "change_variant": (
        lambda s, a: s.change_variant(a[0], actor=a[1], variant=a[2]),
        st.tuples(ids, actors, valid_or_junk("pro", "smart", "gold")),
    ),
    "overview": (
        lambda s, a: s.overview(a[0], actor=a[1], after=a[2], limit=a[3]),
        st.tuples(
            ids,
            actors,
            valid_or_junk(None, OverviewCursor("0", "a")),
            valid_or_junk(None, 1, 50, 0, -1, 10**9),
        ),
    ),
    "add_customer_user": (
        lambda s, a: s.add_customer_user(a[0], a[1], actor=a[2]),
        st.tuples(ids, valid_or_junk(cc.CustomerUser("new", "New")), actors),
    ),
    "change_role": (
        lambda s, a: s.change_role(a[0], a[1], a[2], actor=a[3]),
        st.tuples(ids, ids, valid_or_junk(*cc.Role, "owner"), actors),
    ),
    "set_main_contact": (
        lambda s, a: s.set_main_contact(a[0], a[1], actor=a[2]),
        st.tuples(ids, ids, actors),
    ),
    "cancel_subscription": (
        lambda s, a: s.cancel_subscription(a[0], a[1], actor=a[2]),
        st.tuples(ids, valid_or_junk(cc.BOOKKEEPING, cc.PAYROLL), actors),
    ),
    "register_office": (lambda s, a: s.register_office(a), junk),
    "register_customer": (lambda s, a: s.register_customer(a), junk),
    "get_collaboration": (lambda s, a: s.get_collaboration(a[0], actor=a[1]), st.tuples(ids, actors)),
    "events_of_customer": (lambda s, a: s.events_of_customer(a), ids),
    "get_subscription": (lambda s, a: s.get_subscription(a[0], a[1]), st.tuples(ids, ids)),
    "schedule_end": (
        lambda s, a: s.schedule_end(a[0], actor=a[1], outcome=a[2], effective=a[3], acknowledge=a[4]),
        st.tuples(ids, actors, outcomes, days, valid_or_junk((), {"R11"})),
    ),
    "withdraw": (lambda s, a: s.withdraw(a[0], actor=a[1]), st.tuples(ids, actors)),
    "accept": (lambda s, a: s.accept(a[0], actor=a[1]), st.tuples(ids, actors)),
    "decline": (lambda s, a: s.decline(a[0], actor=a[1]), st.tuples(ids, actors)),
    "get_request": (lambda s, a: s.get_request(a[0], actor=a[1]), st.tuples(ids, actors)),
    "plan_request": (lambda s, a: s.plan_request(a[0], actor=a[1]), st.tuples(ids, actors)),
    "requests": (lambda s, a: s.requests(actor=a[0], open_only=a[1]), st.tuples(actors, valid_or_junk(True))),
    "carry_out_due": (lambda s, a: s.carry_out_due(limit=a), valid_or_junk(1, 100, 0, 10**6)),
    "invite": (
        lambda s, a: s.invite(
            actor=a[0], office_id=a[1], customer_id=a[2], product=a[3], invoice_recipient=a[4]
        ),
        st.tuples(actors, ids, ids, valid_or_junk(cc.PAYROLL, "nope"), valid_or_junk(*cc.Party)),
    ),
    "plan_move": (
        lambda s, a: s.plan_move(a[0], actor=a[1], from_office_id=a[2], to_office_id=a[3], products=a[4]),
        st.tuples(ids, actors, ids, ids, valid_or_junk(None, [cc.BOOKKEEPING], [], ["nope"])),
    ),
    "move": (
        lambda s, a: s.move(
            a[0], actor=a[1], from_office_id=a[2], to_office_id=a[3], products=a[4], invoice_recipient=a[5]
        ),
        st.tuples(ids, actors, ids, ids, valid_or_junk(None, [cc.EXPENSES]), valid_or_junk(None, *cc.Party)),
    ),
    "end_many": (
        lambda s, a: list(s.end_many([cc.EndRequest(a[0], cc.Outcome.DEACTIVATE)], actor=a[1])),
        st.tuples(ids, actors),
    ),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_public_entry_points_raise_only_library_errors(name: str) -> None:
    call, arguments = CALLS[name]

    @SETTINGS
    @given(arguments)
    def attempt(args: Any) -> None:
        world = fresh()
        before = snapshot(world, ["customer-1"], ["collab-1", "collab-2"])
        try:
            call(world.service, args)
        except cc.CollabCoreError as error:
            assert str(error).strip(), "every error says what was wrong"
            after = snapshot(world, ["customer-1"], ["collab-1", "collab-2"])
            assert (after[0], after[1], after[3], after[4], after[5]) == (
                before[0],
                before[1],
                before[3],
                before[4],
                before[5],
            )
            added = after[2][0][len(before[2][0]) :]
            assert all(isinstance(e, EndRefusedRecorded) for e in added)

    attempt()


LOADERS = [cc.AccountingOffice, cc.Customer, cc.Collaboration, cc.Subscription, cc.Actor, cc.Effect, cc.Plan]
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)


@pytest.mark.parametrize("kind", LOADERS, ids=lambda k: k.__name__)
def test_json_loaders_raise_only_invalid_input(kind: type) -> None:
    @SETTINGS
    @given(st.one_of(json_values, st.text(max_size=40), st.binary(max_size=40)))
    def load(value: Any) -> None:
        try:
            if isinstance(value, str | bytes):
                from_json(value, kind)
            else:
                from_data(value, kind)
        except cc.InvalidInput as error:
            assert error.message

    load()


@pytest.mark.parametrize("store_kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_exotic_strings_round_trip_and_huge_ones_are_refused(
    store_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if store_kind == "sqlite":
        store: Store = cc.SQLiteStore(tmp_path / "exotic.db")
    else:
        from collabcore.adapters.postgres import PostgresStore

        store = PostgresStore(
            request.getfixturevalue("postgres_dsn"), schema=request.getfixturevalue("postgres_schema")
        )
    world = World(store)
    names = [
        "Robert'); DROP TABLE customers;--",
        "\u0627\u0644\u0634\u0631\u0643\u0629 \u202eRTL\u202c",
        "Café 🧾🇸🇪 \U0001f600",
        "back\\slash %s %(x)s ? $1",
        "x" * 500,
    ]
    for n, name in enumerate(names):
        world.service.register_customer(cc.Customer(f"c{n}", f"N{n}", name, (cc.CustomerUser("u", name),)))
    with store.transaction(write=False) as uow:
        for n, name in enumerate(names):
            customer = uow.get_customer(f"c{n}")
            assert customer is not None and customer.name == name and customer.users[0].name == name
    for bad in ("x" * 1_000_000, "nul\x00", ""):
        with pytest.raises(cc.InvalidInput):
            world.service.register_customer(cc.Customer("c-bad", "1", bad))
    with store.transaction(write=False) as uow:
        assert uow.get_customer("c-bad") is None
    store.close()
