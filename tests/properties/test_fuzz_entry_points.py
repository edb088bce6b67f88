"""The fuzzer over every public entry point that is not a service method (those are in
test_bad_input.py): the relay, the stores, the value classes, the rule engine, the words
and the JSON codec. Each gets hostile values (collabcore.testing.strategies.hostile_values:
lone surrogates, integers beyond 64 bits, forged actors, ids whose == lies, values whose
repr raises, naive datetimes...) mixed with valid ones so that every argument is reached.
Only collabcore's own errors may come out, each saying what was wrong; and an entry point
that changes storage changes nothing when it refuses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import collabcore as cc
from collabcore.adapters.serialization import from_data, from_json, to_data, to_json
from collabcore.app import Relay, RetryPolicy
from collabcore.domain import Event, utc_now
from collabcore.explore import Grid, decide, decision_table, scenario
from collabcore.ports import Store
from collabcore.testing import World
from collabcore.testing.contract import snapshot
from collabcore.testing.strategies import hostile_values

EXAMPLES = 200
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


def either(*valid: Any) -> st.SearchStrategy[Any]:
    """Mostly valid, so that a call gets past its first argument to the later ones."""
    if not valid:
        return hostile_values
    good = st.sampled_from(valid)
    return st.integers(0, 3).flatmap(lambda n: hostile_values if n == 0 else good)


def args(*parts: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.tuples(*parts)


ADMIN = cc.Actor.office("office-1", "admin")
BOSS = cc.Actor.customer("customer-1", "boss")
PAYROLL_SPEC = cc.default_products().get(cc.PAYROLL)
EFFECT = cc.Effect("collab-1", 1, cc.EffectKind.NOTIFY_OFFICE, "office-1", "customer-1", cc.PAYROLL)


def _check(_: cc.RuleContext) -> Iterator[cc.Flag]:
    return iter(())


def _failed_world() -> World:
    """A world with one failed effect (so that retry and resolve reach their checks)."""
    world = World()
    (collab,) = world.setup(cc.PAYROLL)
    world.fakes.fail("hand_over_backup", times=1)
    world.service.end(collab.id, actor=ADMIN, outcome=cc.Outcome.CUSTOMER_CONTINUES)
    world.relay(RetryPolicy(max_attempts=1)).run_once()
    return world


FAILED_KEY = "collab-1:1:hand_over_payroll_backup"

# name -> (call(world, args), strategy of args); the world is fresh for every example.
WORLD_CALLS: dict[str, tuple[Callable[[World, tuple[Any, ...]], object], st.SearchStrategy[Any]]] = {
    "Relay.run_once": (lambda w, a: w.relay().run_once(limit=a[0]), args(either(1, 50))),
    "Relay.drain": (lambda w, a: w.relay().drain(max_rounds=a[0]), args(either(1, 10))),
    "Relay.retry": (
        lambda w, a: w.relay().retry(a[0], actor=a[1]),
        args(either(FAILED_KEY, "k"), either(None, ADMIN)),
    ),
    "Relay.resolve": (
        lambda w, a: w.relay().resolve(a[0], reason=a[1], actor=a[2]),
        args(either(FAILED_KEY), either("fixed by hand", ""), either(None, ADMIN)),
    ),
    "Relay.notification": (lambda w, a: w.relay().notification(a[0]), args(either(EFFECT))),
    "Relay()": (
        lambda w, a: Relay(w.service.configuration if a[0] == "config" else a[0], retry=a[1]),
        args(either("config"), either(None, RetryPolicy())),
    ),
    "service.relay": (lambda w, a: w.service.relay(a[0]), args(either(None, RetryPolicy()))),
    "service.speaking": (
        lambda w, a: w.service.speaking(a[0], a[1]),
        args(either(None, "visma", "spiris", cc.SPIRIS), either(None, "sv")),
    ),
    "service.register_collaboration": (
        lambda w, a: w.service.register_collaboration(
            office_id=a[0], customer_id=a[1], product=a[2], variant=a[3], invoice_recipient=a[4]
        ),
        args(
            either("office-1"),
            either("customer-1"),
            either(cc.EXPENSES, cc.PAYROLL),
            either(None),
            either("office"),
        ),
    ),
    "service.facts": (
        lambda w, a: w.service.facts(a[0], a[1]),
        args(either("customer-1"), either(PAYROLL_SPEC)),
    ),
    "service.events_of_customer(actor)": (
        lambda w, a: w.service.events_of_customer(a[0], actor=a[1]),
        args(either("customer-1"), either(ADMIN, BOSS)),
    ),
    "service.end_many": (
        lambda w, a: list(
            w.service.end_many(a[0], actor=a[1], idempotency_prefix=a[2], progress=a[3], batch_size=a[4])
        ),
        args(
            either([cc.EndRequest("collab-1", cc.Outcome.CUSTOMER_CONTINUES)], [object(), "x"]),
            either(ADMIN),
            either(None, "bulk"),
            either(None, lambda n, item: None),
            either(1, 100),
        ),
    ),
    "service.end_all_of_office": (
        lambda w, a: list(
            w.service.end_all_of_office(
                a[0], actor=a[1], outcomes=a[2], acknowledge=a[3], confirm_deletion=a[4]
            )
        ),
        args(
            either("office-1"),
            either(ADMIN),
            either({cc.PAYROLL: cc.Outcome.CUSTOMER_CONTINUES}, {cc.PAYROLL: "nonsense"}, {"nope": "delete"}),
            either((), ("R11",)),
            either(False, True),
        ),
    ),
    "CollaborationService()": (
        lambda w, a: cc.CollaborationService(
            a[0],
            integrations=a[1],
            rulebook=a[2],
            brand=a[3],
            language=a[4],
            clock=a[5],
            ids=a[6],
            plan_memo_size=a[7],
        ),
        args(
            either(cc.MemoryStore()),
            either(None, cc.Integrations()),
            either(None, cc.default_rulebook()),
            either("visma", "spiris"),
            either("en", "sv"),
            either(utc_now, lambda: datetime(2026, 1, 1)),
            either(lambda: "x"),
            either(0, 10),
        ),
    ),
}

# name -> (call(args), strategy): no storage involved.
PURE_CALLS: dict[str, tuple[Callable[[tuple[Any, ...]], object], st.SearchStrategy[Any]]] = {
    "Actor()": (
        lambda a: cc.Actor(user_id=a[0], party=a[1], party_id=a[2]),
        args(either("u"), either(*cc.Party), either("p")),
    ),
    "Actor.office": (lambda a: cc.Actor.office(a[0], a[1]), args(either("o"), either("u"))),
    "Actor.customer": (lambda a: cc.Actor.customer(a[0], a[1]), args(either("c"), either("u"))),
    "OfficeUser()": (
        lambda a: cc.OfficeUser(a[0], a[1], a[2], a[3]),
        args(either("u"), either("U"), either(*cc.Role), either(True)),
    ),
    "AccountingOffice()": (
        lambda a: cc.AccountingOffice(a[0], a[1], a[2], a[3]),
        args(either("o"), either("O"), either((), (cc.OfficeUser("u", "U"),)), either("en", "sv")),
    ),
    "CustomerUser()": (
        lambda a: cc.CustomerUser(a[0], a[1], a[2]),
        args(either("u"), either("U"), either(*cc.Role)),
    ),
    "Customer()": (
        lambda a: cc.Customer(a[0], a[1], a[2], a[3], main_contact=a[4], language=a[5], version=a[6]),
        args(
            either("c"),
            either("1"),
            either("C"),
            either((), (cc.CustomerUser("u", "U", cc.Role.ADMINISTRATOR),)),
            either(None, "u"),
            either("en"),
            either(0, 3),
        ),
    ),
    "Collaboration()": (
        lambda a: cc.Collaboration(a[0], a[1], a[2], a[3], a[4], version=a[5]),
        args(
            either("x"),
            either("o"),
            either("c"),
            either(cc.PAYROLL),
            either(datetime(2026, 1, 1, tzinfo=UTC)),
            either(0),
        ),
    ),
    "Subscription()": (
        lambda a: cc.Subscription(a[0], a[1], a[2], version=a[3]),
        args(either("c"), either(cc.PAYROLL), either(*cc.Party), either(0)),
    ),
    "EndRequest()": (
        lambda a: cc.EndRequest(a[0], a[1], a[2], a[3]),
        args(either("x"), either(*cc.Outcome), either(frozenset(), {"R11"}), either(False)),
    ),
    "RetryPolicy()": (
        lambda a: RetryPolicy(max_attempts=a[0], first_delay=a[1], lease=a[2]),
        args(either(1, 6), either(timedelta(seconds=1)), either(timedelta(minutes=5))),
    ),
    "Integrations()": (
        lambda a: cc.Integrations(payroll=a[0], notifier=a[1], facts=a[2]),
        args(either(None), either(None), either({}, {"k": lambda customer, product: 1})),
    ),
    "Fact()": (lambda a: cc.Fact(a[0], a[1]), args(either("k"), either("", "what it is"))),
    "Effect()": (
        lambda a: cc.Effect(a[0], a[1], a[2], a[3], a[4], a[5]),
        args(either("x"), either(1), either(*cc.EffectKind), either("o"), either("c"), either(cc.PAYROLL)),
    ),
    "rule()": (
        lambda a: cc.rule(a[0], on=a[1], severity=a[2], texts=a[3], products=a[4], reads=a[5])(_check),
        args(
            either("X1"),
            either((cc.Operation.END,)),
            either(*cc.Severity),
            either((), ("X1",)),
            either(None, (cc.PAYROLL,)),
            either((), (cc.Fact("k"),)),
        ),
    ),
    "Rulebook()": (
        lambda a: cc.Rulebook(a[0], a[1]),
        args(either((), cc.default_rulebook().rules), either({})),
    ),
    "Rulebook.add": (
        lambda a: cc.default_rulebook().add(a[0], before=a[1]),
        args(either(cc.rule("fuzz:x9")(_check)), either(None, "R3")),
    ),
    "Rulebook.without": (lambda a: cc.default_rulebook().without(a[0]), args(either("R11", "R1"))),
    "Rulebook.regrade": (
        lambda a: cc.default_rulebook().regrade(a[0], a[1]),
        args(either("R11"), either(*cc.Severity)),
    ),
    "Rulebook.get": (lambda a: cc.default_rulebook().get(a[0]), args(either("R11"))),
    "ProductCatalog.get": (lambda a: cc.default_products().get(a[0]), args(either(cc.PAYROLL))),
    "ProductCatalog.register": (lambda a: cc.default_products().register(a[0]), args(either(PAYROLL_SPEC))),
    "ProductSpec()": (
        lambda a: cc.ProductSpec(a[0], a[1], a[2], a[3]),
        args(
            either("time"),
            either({cc.Outcome.DELETE: (cc.EffectKind.ERASE_SERVICE_DATA,)}),
            either((), ("basic",)),
            either(None, "basic"),
        ),
    ),
    "Texts.localizer": (
        lambda a: cc.default_texts().localizer(a[0], a[1], a[2]),
        args(either("visma", cc.VISMA), either("en"), either((), ("R3",))),
    ),
    "Texts.with_templates": (
        lambda a: cc.default_texts().with_templates(a[0], a[1]),
        args(either("en"), either({"k": "v"})),
    ),
    "Texts.with_brand": (lambda a: cc.default_texts().with_brand(a[0]), args(either(cc.SPIRIS))),
    "explore.scenario": (
        lambda a: scenario(
            product=a[0],
            actor=a[1],
            brand=a[2],
            language=a[3],
            main_contact=a[4],
            facts=a[5],
            other_products=a[6],
        ),
        args(
            either(cc.EXPENSES, cc.PAYROLL),
            either("office-admin", "customer-admin", ADMIN),
            either("visma", "spiris"),
            either("en", "sv"),
            either(True, False),
            either("all clear", {"unsubmitted_reports": 2}),
            either((), (cc.BOOKKEEPING,)),
        ),
    ),
    "explore.decide": (
        lambda a: decide(a[0], a[1], a[2], a[3]),
        args(either("office-admin"), either(cc.PAYROLL), either(*cc.Outcome), either("all clear")),
    ),
    "explore.Grid": (
        lambda a: Grid(actors=a[0], products=a[1], outcomes=a[2]),
        args(either(("office-admin",)), either((cc.PAYROLL,)), either(tuple(cc.Outcome))),
    ),
    "explore.decision_table": (
        lambda a: decision_table(a[0]),
        args(
            either(Grid(("office-admin",), (cc.PAYROLL,), (cc.Outcome.CUSTOMER_CONTINUES,), ("all clear",)))
        ),
    ),
    "from_json": (
        lambda a: from_json(a[0], a[1]),
        args(either('{"id": "x"}', "{}"), either(cc.Actor, Event, cc.Customer)),
    ),
    "to_json": (lambda a: to_json(a[0], a[1]), args(either(ADMIN), either(None, cc.Actor))),
    "from_data": (lambda a: from_data(a[0], a[1]), args(either({"user_id": "u"}), either(cc.Actor, Event))),
    "to_data": (lambda a: to_data(a[0], a[1]), args(either(ADMIN), either(None, cc.Actor))),
}


def _says_what(error: cc.CollabCoreError) -> None:
    assert str(error).strip(), "every error says what was wrong"


@pytest.mark.parametrize("name", list(WORLD_CALLS))
def test_world_entry_points_raise_only_library_errors_and_change_nothing_when_refusing(name: str) -> None:
    call, arguments = WORLD_CALLS[name]

    @SETTINGS
    @given(arguments)
    def attempt(a: tuple[Any, ...]) -> None:
        world = _failed_world()
        before = snapshot(world, ["customer-1"], ["collab-1"])
        try:
            call(world, a)
        except cc.CollabCoreError as error:
            _says_what(error)
            after = snapshot(world, ["customer-1"], ["collab-1"])
            changed = [n for n, (x, y) in enumerate(zip(before, after, strict=True)) if x != y]
            # A refused end may add its audit record; nothing else may change.
            assert changed in ([], [2]), (name, changed)

    attempt()


@pytest.mark.parametrize("name", list(PURE_CALLS))
def test_pure_entry_points_raise_only_library_errors(name: str) -> None:
    call, arguments = PURE_CALLS[name]

    @SETTINGS
    @given(arguments)
    def attempt(a: tuple[Any, ...]) -> None:
        try:
            call(a)
        except cc.CollabCoreError as error:
            _says_what(error)

    attempt()


@pytest.mark.parametrize("name", ["SQLiteStore", "open_store"])
def test_store_constructors_raise_only_library_errors(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a hostile path that is a valid relative file name lands here
    counter = iter(range(10**6))

    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        args(
            either("db"),
            either(1.0, 5),
            either("FULL", "normal"),
            either(0, 100),
            either(False, True),
        )
    )
    def attempt(a: tuple[Any, ...]) -> None:
        folder = tmp_path / str(next(counter))
        folder.mkdir()
        path = folder / a[0] if isinstance(a[0], str) and a[0] == "db" else a[0]
        try:
            store: Store
            if name == "SQLiteStore":
                store = cc.SQLiteStore(path, timeout=a[1], synchronous=a[2], decoded_rows=a[3], create=a[4])
            else:
                store = cc.open_store(path)
            store.close()
        except cc.CollabCoreError as error:
            _says_what(error)

    attempt()


ENTRY_POINTS = len(WORLD_CALLS) + len(PURE_CALLS) + 2


def test_the_count_of_entry_points_fuzzed_here() -> None:
    """The closing note quotes these numbers; the service's own 16 are in test_bad_input."""
    assert ENTRY_POINTS >= 45
