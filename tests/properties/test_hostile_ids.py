"""Hostile ids get the same answer from every store, and change no other tenant's records.

SQLite and PostgreSQL keep an id as the text it holds; the memory store kept the object it
was given, so there a ``str`` subclass with its own ``==`` or ``hash`` could decide which
tenant's record answers (issue 23: a customer registered under an id whose ``==`` always says yes
let another company's Administrator change its users). Ids are copied into exact ``str``
where they enter (the values' validators, the service's arguments, the memory store's own
doors), so the same calls, with the same hostile ids, are made on the memory store, on an
SQLite file and on PostgreSQL, and every answer must be the same: the same result, or an
error of the same class with the same words; and what the stores hold afterwards must be
the same, the victim's records unchanged unless one of its own parties acted.
"""

from __future__ import annotations

import enum
import itertools
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import collabcore as cc
from collabcore.domain import OverviewCursor
from collabcore.domain.assembly import assembled
from collabcore.domain.effects import Effect, EffectKind
from collabcore.ports import Store
from collabcore.testing import World
from collabcore.testing.strategies import Liar

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))

VICTIM = "victim"
"""A company that collaborates with office o-1 only."""
ATTACKER = "cust-0"
"""Another company (with office o-2), whose users try to reach the victim."""
VICTIMS_PARTIES = frozenset({VICTIM, "o-1"})
"""Who may change the victim's records: its own users, its office, and the host."""


# --- hostile ids -----------------------------------------------------------------------------


def collider(text: str, posing_as: str) -> str:
    """Says it equals everything and hashes as ``posing_as``: a dict lookup by it finds
    ``posing_as``'s entry."""

    class Collider(str):
        def __eq__(self, other: object) -> bool:
            return True

        def __ne__(self, other: object) -> bool:
            return False

        def __hash__(self) -> int:
            return hash(posing_as)

    return Collider(text)


def spoof(text: str, posing_as: str) -> str:
    """Shows itself as ``posing_as`` wherever Python asks it to (``str()``, f-strings,
    ``repr``, slicing, encoding), while its text is ``text``."""

    class Spoof(str):
        def __str__(self) -> str:
            return posing_as

        def __format__(self, spec: str) -> str:
            return posing_as

        def __repr__(self) -> str:
            return repr(posing_as)

        def __getitem__(self, index: Any) -> str:
            return posing_as[index]

        def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
            return posing_as.encode(encoding, errors)

    return Spoof(text)


class Masked(str):
    """Hides what it holds from every check a validator could make by calling its methods:
    a NUL, a lone surrogate or a thousand characters pass for one plain letter."""

    def __len__(self) -> int:
        return 1

    def __contains__(self, part: object) -> bool:
        return False

    def isascii(self) -> bool:
        return True

    def isspace(self) -> bool:
        return False

    def strip(self, chars: str | None = None) -> str:
        return "x"

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return b"x"


class Impostor:
    """Not a string at all, but claims ``str`` as its ``__class__`` (isinstance believes it)."""

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        return str

    def __repr__(self) -> str:
        return "Impostor()"


KNOWN: tuple[str, ...] = (VICTIM, ATTACKER, "o-1", "o-2", "boss", "staff", "x", "collab-1", "collab-2")
KNOWN += ("collab-3", cc.PAYROLL, cc.EXPENSES, "k-1")
BROKEN = ("lone\ud800surrogate", "\udfff", "nul\x00byte", "x" * 129, "y" * 10_000, "", " \t", "ä😀")

texts = st.one_of(st.sampled_from(KNOWN), st.sampled_from(BROKEN), st.text(max_size=12))


def _wrapped(text: str) -> st.SearchStrategy[object]:
    others = st.sampled_from(KNOWN)
    return st.one_of(
        st.just(text),
        st.builds(Liar, st.just(text)),
        st.builds(collider, st.just(text), others),
        st.builds(spoof, st.just(text), others),
        st.builds(Masked, st.just(text)),
    )


ids: st.SearchStrategy[object] = st.one_of(
    texts.flatmap(_wrapped), st.builds(Impostor), st.none(), st.integers(-1, 2**70)
)


def text_of(value: object) -> str | None:
    """The text a store keeps for ``value``: what SQLite and PostgreSQL bind."""
    return str.__str__(value) if issubclass(type(value), str) else None


# --- the calls ----------------------------------------------------------------------------------

Call = Callable[[cc.CollaborationService, Any, Any, Any], object]


def _first(items: Iterator[Any]) -> object:
    return [(i.status, i.collaboration_id, i.error) for i in items]


CALLS: dict[str, tuple[Call, Callable[[Any, Any, Any], set[str | None]]]] = {
    # name: (the call with ids a, b, c; the texts among them that act or are acted on as a party)
    "change_role by a boss": (
        lambda s, a, b, c: s.change_role(a, b, "administrator", actor=cc.Actor.customer(c, "boss")),
        lambda a, b, c: {text_of(c)},
    ),
    "change_role by a plain user": (
        lambda s, a, b, c: s.change_role(a, b, "administrator", actor=cc.Actor.customer(c, "staff")),
        lambda a, b, c: {text_of(c)},
    ),
    "set_main_contact": (
        lambda s, a, b, c: s.set_main_contact(a, b, actor=cc.Actor.customer(c, "boss")),
        lambda a, b, c: {text_of(c)},
    ),
    "add_customer_user": (
        lambda s, a, b, c: s.add_customer_user(
            a, cc.CustomerUser(b, "New"), actor=cc.Actor.customer(c, "boss")
        ),
        lambda a, b, c: {text_of(c)},
    ),
    "get_collaboration by an office": (
        lambda s, a, b, c: s.get_collaboration(a, actor=cc.Actor.office(b, "admin")),
        lambda a, b, c: set(),
    ),
    "get_collaboration by a customer": (
        lambda s, a, b, c: s.get_collaboration(a, actor=cc.Actor.customer(b, c)),
        lambda a, b, c: set(),
    ),
    "plan_end": (
        lambda s, a, b, c: s.plan_end(a, actor=cc.Actor.office(b, "admin"), outcome="customer_continues"),
        lambda a, b, c: set(),
    ),
    "end with a key": (
        lambda s, a, b, c: s.end(
            a, actor=cc.Actor.customer(b, "boss"), outcome="end_subscription", idempotency_key=c
        ),
        lambda a, b, c: {text_of(b)},
    ),
    "end by an office": (
        lambda s, a, b, c: s.end(a, actor=cc.Actor.office(b, c), outcome="customer_continues"),
        lambda a, b, c: {text_of(b)},
    ),
    "end_many": (
        lambda s, a, b, c: _first(
            s.end_many([cc.EndRequest(a, "end_subscription")], actor=cc.Actor.customer(b, "boss"))
        ),
        lambda a, b, c: {text_of(b)},
    ),
    "schedule_end": (
        lambda s, a, b, c: s.schedule_end(a, actor=cc.Actor.office(b, "admin"), outcome="end_subscription"),
        lambda a, b, c: {text_of(b)},
    ),
    "change_variant": (
        lambda s, a, b, c: s.change_variant(a, actor=cc.Actor.office(b, "admin"), variant=c),
        lambda a, b, c: {text_of(b)},
    ),
    "start_collaboration": (
        lambda s, a, b, c: s.start_collaboration(
            actor=cc.Actor.customer(a, "boss"), office_id=b, customer_id=c, product=cc.EXPENSES
        ),
        lambda a, b, c: {text_of(a), text_of(b)},
    ),
    "start_collaboration by an office": (
        lambda s, a, b, c: s.start_collaboration(
            actor=cc.Actor.office(a, "admin"), office_id=b, customer_id=c, product=cc.EXPENSES
        ),
        lambda a, b, c: {text_of(a), text_of(b)},
    ),
    "invite": (
        lambda s, a, b, c: s.invite(
            actor=cc.Actor.office(a, "admin"), office_id=b, customer_id=c, product=cc.EXPENSES
        ),
        lambda a, b, c: {text_of(a), text_of(b)},
    ),
    "cancel_subscription": (
        lambda s, a, b, c: s.cancel_subscription(a, b, actor=cc.Actor.customer(c, "boss")),
        lambda a, b, c: {text_of(c)},
    ),
    "events_of_customer": (
        lambda s, a, b, c: s.events_of_customer(a, actor=cc.Actor.customer(b, c)),
        lambda a, b, c: set(),
    ),
    "events_of_customer for the host": (
        lambda s, a, b, c: s.events_of_customer(a),
        lambda a, b, c: set(),
    ),
    "get_subscription": (lambda s, a, b, c: s.get_subscription(a, b), lambda a, b, c: set()),
    "overview": (
        lambda s, a, b, c: s.overview(a, actor=cc.Actor.office(b, "clerk")),
        lambda a, b, c: set(),
    ),
    "overview after a cursor": (
        lambda s, a, b, c: s.overview(
            a, actor=cc.Actor.office(a, "clerk"), after=OverviewCursor(b, c), limit=1
        ),
        lambda a, b, c: set(),
    ),
    "requests": (lambda s, a, b, c: s.requests(actor=cc.Actor.customer(a, b)), lambda a, b, c: set()),
    "get_request": (
        lambda s, a, b, c: s.get_request(a, actor=cc.Actor.customer(b, "boss")),
        lambda a, b, c: set(),
    ),
    "withdraw": (
        lambda s, a, b, c: s.withdraw(a, actor=cc.Actor.customer(b, c)),
        lambda a, b, c: {text_of(b)},
    ),
    "accept": (
        lambda s, a, b, c: s.accept(a, actor=cc.Actor.customer(b, "boss")),
        lambda a, b, c: {text_of(b)},
    ),
    "plan_move": (
        lambda s, a, b, c: s.plan_move(
            a, actor=cc.Actor.customer(a, "boss"), from_office_id=b, to_office_id=c
        ),
        lambda a, b, c: set(),
    ),
    "move": (
        lambda s, a, b, c: s.move(a, actor=cc.Actor.customer(a, "boss"), from_office_id=b, to_office_id=c),
        lambda a, b, c: {text_of(a), text_of(b), text_of(c)},
    ),
    "relay retry": (
        lambda s, a, b, c: s.relay().retry(a, actor=cc.Actor.office(b, "admin")),
        lambda a, b, c: {text_of(b)},
    ),
    "register_customer": (
        lambda s, a, b, c: s.register_customer(
            cc.Customer(a, b, "Registered", (cc.CustomerUser(c, "C", cc.Role.ADMINISTRATOR),), main_contact=c)
        ),
        lambda a, b, c: {text_of(a)},  # the host's own call: it may replace whom it names
    ),
    "register_office": (
        lambda s, a, b, c: s.register_office(
            cc.AccountingOffice(a, "Registered", (cc.OfficeUser(b, "B", cc.Role.ADMINISTRATOR, True),))
        ),
        lambda a, b, c: {text_of(a)},
    ),
    "register_collaboration": (
        lambda s, a, b, c: s.register_collaboration(office_id=a, customer_id=b, product=c),
        lambda a, b, c: {text_of(a), text_of(b)},
    ),
}

steps = st.lists(st.tuples(st.sampled_from(sorted(CALLS)), ids, ids, ids), min_size=1, max_size=3)


def _calling(service: cc.CollaborationService, name: str, a: Any, b: Any, c: Any) -> Callable[[], object]:
    return lambda: CALLS[name][0](service, a, b, c)


# --- the worlds -------------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """``value`` as plain data to compare across stores. A ``str`` subclass anywhere in a
    result is shown as one (it would compare equal to anything): every store must answer
    with exact strings."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, enum.Enum):  # before str: a StrEnum is one
        return plain(value.value)
    if isinstance(value, str):
        return ("a str subclass, kept from the caller:", type(value).__name__, str.__str__(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if attrs.has(type(value)):
        return (
            type(value).__name__,
            tuple((f.name, plain(getattr(value, f.name))) for f in attrs.fields(type(value))),
        )
    if isinstance(value, Mapping):
        return tuple(sorted((repr(plain(k)), plain(v)) for k, v in value.items()))
    if isinstance(value, frozenset | set):
        return tuple(sorted((plain(v) for v in value), key=repr))
    if isinstance(value, tuple | list):
        return tuple(plain(v) for v in value)
    return repr(value)


def answer(call: Callable[[], object]) -> Any:
    """What the caller learns: the result as plain data, or the error's class and words."""
    try:
        return ("result", plain(call()))
    except cc.CollabCoreError as error:
        return ("error", type(error).__name__, str(error), getattr(error, "path", None))


def held(store: Store) -> Any:
    """Everything the stores hold about the cast, as plain data."""
    with store.transaction(write=False) as uow:
        return plain(
            (
                [uow.get_office(o) for o in ("o-1", "o-2")],
                [
                    (c, uow.get_customer(c), uow.active_collaborations_of_customer(c))
                    for c in (VICTIM, ATTACKER)
                ],
                [uow.get_collaboration(c) for c in ("collab-1", "collab-2", "collab-3")],
                [uow.events_of_customer(c) for c in (VICTIM, ATTACKER)],
                [uow.get_subscription(c, p) for c in (VICTIM, ATTACKER) for p in (cc.PAYROLL, cc.EXPENSES)],
                [uow.requests(customer_id=c) for c in (VICTIM, ATTACKER)],
                sorted(i.key for i in uow.outbox()),
            )
        )


def victims(store: Store) -> Any:
    with store.transaction(write=False) as uow:
        return plain(
            (
                uow.get_customer(VICTIM),
                uow.get_collaboration("collab-1"),
                uow.active_collaborations_of_customer(VICTIM),
                uow.events_of_customer(VICTIM),
                uow.get_subscription(VICTIM, cc.PAYROLL),
                uow.requests(customer_id=VICTIM),
            )
        )


def cast(store: Store, victim_id: str) -> World:
    """Office o-1 with the victim (collab-1, whose end is scheduled: request collab-3); office
    o-2 with the attacker's company (collab-2). The victim is registered under ``victim_id``."""
    world = World(store)
    world.office("o-1")
    world.office("o-2")
    world.customer(ATTACKER)
    world.service.register_customer(
        cc.Customer(
            victim_id,
            "N-victim",
            "Victim",
            (
                cc.CustomerUser("boss", "B", cc.Role.ADMINISTRATOR),
                cc.CustomerUser("staff", "S"),
                cc.CustomerUser("x", "X"),
            ),
            main_contact="boss",
        )
    )
    world.collaboration(cc.PAYROLL, office_id="o-1", customer_id=VICTIM)
    world.collaboration(cc.PAYROLL, office_id="o-2", customer_id=ATTACKER)
    world.service.schedule_end(
        "collab-1", actor=world.office_admin("o-1"), outcome=cc.Outcome.END_SUBSCRIPTION
    )
    return world


class Stores:
    """Fresh stores of each kind compared, made one at a time; each is closed (a PostgreSQL
    store's schema dropped first) when its turn is over, or at the end of the test."""

    def __init__(self, tmp_path: Path, dsn: str | None) -> None:
        self.open: list[Store] = []
        files = itertools.count()
        self.makers: dict[str, Callable[[], Store]] = {
            "memory": cc.MemoryStore,
            "sqlite": lambda: cc.SQLiteStore(tmp_path / f"{next(files)}.db", synchronous="OFF"),
        }
        if dsn is not None:
            self.makers["postgres"] = lambda: cc.PostgresStore(
                dsn, schema=f"t_{uuid.uuid4().hex[:16]}", max_size=2
            )

    def each(self) -> Iterator[tuple[str, Store]]:
        for kind, make in self.makers.items():
            store = make()
            self.open.append(store)
            try:
                yield kind, store
            finally:
                self.dispose(store)

    def dispose(self, store: Store) -> None:
        if store in self.open:
            self.open.remove(store)
            drop = getattr(store, "drop_schema", None)
            if drop is not None:
                drop()
            store.close()


@pytest.fixture(
    params=["memory and sqlite", pytest.param("memory, sqlite and postgres", marks=pytest.mark.postgres)]
)
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    dsn = request.getfixturevalue("postgres_dsn") if "postgres" in request.param else None
    made = Stores(tmp_path, dsn)
    yield made
    for store in list(made.open):
        made.dispose(store)


# --- the properties ------------------------------------------------------------------------------


@SETTINGS
@given(victim_id=_wrapped(VICTIM), calls=steps)
def test_hostile_ids_get_the_same_answers_from_every_store(
    stores: Stores, victim_id: str, calls: list[tuple[str, object, object, object]]
) -> None:
    answers: dict[str, list[Any]] = {}
    holdings: dict[str, Any] = {}
    for kind, store in stores.each():
        world = cast(store, victim_id)
        before = victims(store)
        answers[kind] = [answer(_calling(world.service, *step)) for step in calls]
        holdings[kind] = held(store)
        acting = set().union(*(CALLS[name][1](a, b, c) for name, a, b, c in calls))
        if not acting & VICTIMS_PARTIES:
            assert victims(store) == before, f"{kind}: {calls} changed the victim's records"
    first, *others = answers
    for kind in others:
        for n, (mine, theirs) in enumerate(zip(answers[first], answers[kind], strict=True)):
            assert mine == theirs, (
                f"call {n} ({calls[n][0]}): {first} answered {mine}, {kind} answered {theirs}"
            )
        assert holdings[kind] == holdings[first], f"{first} and {kind} hold different records after {calls}"
    for kind, given_answers in answers.items():
        assert "a str subclass, kept from the caller:" not in repr(given_answers), f"{kind}: {given_answers}"


eq_or_hash_liars = st.sampled_from((*KNOWN, "nobody")).flatmap(
    lambda text: st.one_of(
        st.builds(Liar, st.just(text)),
        st.builds(collider, st.just(text), st.sampled_from(KNOWN)),
        st.builds(spoof, st.just(text), st.sampled_from(KNOWN)),
    )
)


@SETTINGS
@given(value=eq_or_hash_liars)
def test_a_stores_own_doors_compare_the_text_of_an_id(stores: Stores, value: str) -> None:
    """A host that reads a store directly (its own tools, a migration) gets what the id's text
    names, from every store alike, whatever the id object says about itself."""
    found: dict[str, Any] = {}
    for kind, store in stores.each():
        cast(store, VICTIM)
        with store.transaction(write=False) as uow:
            found[kind] = plain(
                (
                    uow.get_office(value),
                    uow.get_customer(value),
                    uow.get_collaboration(value),
                    uow.active_collaborations_of_customer(value),
                    uow.events_of_customer(value),
                    uow.get_subscription(value, cc.PAYROLL),
                    uow.get_subscription(VICTIM, value),
                    uow.get_request(value),
                    uow.requests(customer_id=value),
                    uow.requests(office_id=value),
                    uow.overview(value, after=None, limit=None),
                    uow.overview("o-1", after=OverviewCursor(value, value), limit=None),
                    uow.outbox(collaboration_id=value),
                    uow.get_outbox_item(value),
                )
            )
    first, *others = found
    for kind in others:
        assert found[kind] == found[first], f"{value!r}: {first} and {kind} differ"


# --- the program, on every store ------------------------------------------------------


class WeirdStr(str):
    __eq__ = lambda self, other: True  # noqa: E731
    __ne__ = lambda self, other: False  # noqa: E731
    __hash__ = str.__hash__


@pytest.mark.parametrize("kind", ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_customer_registered_under_a_lying_id_is_another_companys_no_longer(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if kind == "memory":
        store: Store = cc.MemoryStore()
    elif kind == "sqlite":
        store = cc.SQLiteStore(tmp_path / "weird.db")
    else:
        store = cc.PostgresStore(request.getfixturevalue("postgres_dsn"), schema=f"t_{uuid.uuid4().hex[:16]}")
    try:
        users = (cc.CustomerUser("boss", "B", cc.Role.ADMINISTRATOR), cc.CustomerUser("x", "X"))
        svc = cc.CollaborationService(store)
        svc.register_customer(cc.Customer("cust-0", "N0", "Zero", users, main_contact="boss"))
        registered = svc.register_customer(
            cc.Customer(WeirdStr("victim"), "N9", "Victim", users, main_contact="boss")
        )
        assert type(registered.id) is str  # the text, not the host's object
        for intruder in ("boss", "x"):  # another company's Administrator, and its plain user
            with pytest.raises(cc.NotFound, match="No customer victim"):
                svc.change_role("victim", "x", "administrator", actor=cc.Actor.customer("cust-0", intruder))
        with store.transaction(write=False) as uow:
            victim = uow.get_customer("victim")
        assert victim is not None and type(victim.id) is str
        assert victim.user("x") == cc.CustomerUser("x", "X", cc.Role.USER)
        # The victim's own Administrator still may.
        changed = svc.change_role(
            WeirdStr("victim"), "x", "administrator", actor=cc.Actor.customer("victim", "boss")
        )
        assert changed.user("x") == cc.CustomerUser("x", "X", cc.Role.ADMINISTRATOR)
    finally:
        if kind == "postgres":
            store.drop_schema()  # type: ignore[attr-defined]
        store.close()


def test_a_hidden_nul_surrogate_or_length_is_refused_by_the_values_themselves() -> None:
    """The validators check the copied text, not what the subclass's methods say about it."""
    for hidden in ("nul\x00byte", "lone\ud800", "z" * 129):
        with pytest.raises(cc.InvalidInput):
            cc.Customer(Masked(hidden), "N", "Name")
    with pytest.raises(cc.InvalidInput, match="must be a string"):
        cc.Actor.office(Impostor(), "admin")  # type: ignore[arg-type]
    assert type(cc.Customer(Masked("fine"), Liar("N-1"), spoof("Name", "Other")).name) is str


def test_values_built_without_their_validators_hold_exact_text_too() -> None:
    """The fast roads (effects sharing one collaboration's ids, rows assembled field by
    field) copy a subclass's text as the validators do."""
    kinds = (EffectKind.NOTIFY_OFFICE, EffectKind.NOTIFY_CUSTOMER, EffectKind.REVOKE_LINKED_SERVICES)
    effects = Effect.steps(
        Liar("collab-1"), collider("o-1", "o-2"), Liar("victim"), spoof("payroll", "x"), kinds
    )
    for effect in effects:
        for field in ("collaboration_id", "office_id", "customer_id", "product"):
            assert type(getattr(effect, field)) is str
    assert [e.customer_id for e in effects] == ["victim"] * 3
    again = assembled(
        Effect, Liar("collab-1"), 2, EffectKind.NOTIFY_OFFICE, "o-1", Liar("c"), "p", None, Liar("n")
    )
    assert (type(again.collaboration_id), type(again.customer_id), type(again.notice)) == (str, str, str)
    assert again.request_id is None
