"""Hypothesis strategies for collabcore's domain, for this repo's tests and hosts' own.

Every strategy builds valid values (they pass the domain's validators); the
ids are short so that collisions, and thus interesting cases, happen.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from collabcore.domain import (
    AccountingOffice,
    Actor,
    Collaboration,
    CollaborationEnded,
    CollaborationRegistered,
    CollaborationStarted,
    Customer,
    CustomerUser,
    Effect,
    EffectKind,
    Event,
    MainContactChanged,
    OfficeUser,
    Outcome,
    Party,
    Role,
    Status,
    Subscription,
    SubscriptionStatus,
    UserRoleChanged,
)
from collabcore.policy.products import default_products

ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=12)
names = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() != "")
products = st.sampled_from(tuple(spec.key for spec in default_products()))
"""Every product of the catalog: one added there is drawn by every property test."""
OUTCOMES: dict[str, tuple[Outcome, ...]] = {spec.key: tuple(spec.outcomes) for spec in default_products()}
"""Each product's outcomes, as the catalog declares them."""
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
languages = st.sampled_from(("en", "sv"))

office_users = st.builds(
    OfficeUser, id=ids, name=names, role=st.sampled_from(Role), full_rights=st.booleans()
)
customer_users = st.builds(CustomerUser, id=ids, name=names, role=st.sampled_from(Role))


def _unique_by_id(users: list[OfficeUser] | list[CustomerUser]) -> tuple[OfficeUser | CustomerUser, ...]:
    seen: dict[str, OfficeUser | CustomerUser] = {}
    for user in users:
        seen.setdefault(user.id, user)
    return tuple(seen.values())


offices = st.builds(
    AccountingOffice,
    id=ids,
    name=names,
    users=st.lists(office_users, max_size=5).map(_unique_by_id),
    language=languages,
)


@st.composite
def customers(draw: st.DrawFn) -> Customer:
    users = draw(st.lists(customer_users, max_size=5).map(_unique_by_id))
    admins = [u.id for u in users if u.role is Role.ADMINISTRATOR]
    main_contact = draw(st.one_of(st.none(), st.sampled_from(admins))) if admins else None
    return Customer(
        id=draw(ids),
        number=draw(ids),
        name=draw(names),
        users=users,  # type: ignore[arg-type]
        main_contact=main_contact,
        language=draw(languages),
        version=draw(st.integers(0, 1000)),
    )


actors = st.builds(Actor, user_id=ids, party=st.sampled_from(Party), party_id=ids)


@st.composite
def collaborations(draw: st.DrawFn) -> Collaboration:
    started = draw(moments)
    ended = draw(st.booleans())
    return Collaboration(
        id=draw(ids),
        office_id=draw(ids),
        customer_id=draw(ids),
        product=draw(products),
        started_at=started,
        variant=draw(st.one_of(st.none(), ids)),
        invoice_recipient=draw(st.sampled_from(Party)),
        status=Status.ENDED if ended else Status.ACTIVE,
        ended_at=started + timedelta(days=draw(st.integers(0, 900))) if ended else None,
        ended_by=draw(actors) if ended else None,
        outcome=draw(st.sampled_from(Outcome)) if ended else None,
        version=draw(st.integers(0, 50)),
    )


subscriptions = st.builds(
    Subscription,
    customer_id=ids,
    product=products,
    payer=st.sampled_from(Party),
    status=st.sampled_from(SubscriptionStatus),
    paid_until=st.one_of(st.none(), st.dates()),
    version=st.integers(0, 50),
)

events: st.SearchStrategy[Event] = st.one_of(
    st.builds(
        CollaborationRegistered,
        collaboration_id=ids,
        office_id=ids,
        customer_id=ids,
        product=products,
        variant=st.one_of(st.none(), ids),
        invoice_recipient=st.sampled_from(Party),
        occurred_at=moments,
    ),
    st.builds(
        CollaborationStarted,
        collaboration_id=ids,
        office_id=ids,
        customer_id=ids,
        product=products,
        variant=st.one_of(st.none(), ids),
        invoice_recipient=st.sampled_from(Party),
        actor=actors,
        occurred_at=moments,
    ),
    st.builds(
        CollaborationEnded,
        collaboration_id=ids,
        office_id=ids,
        customer_id=ids,
        product=products,
        outcome=st.sampled_from(Outcome),
        actor=actors,
        acknowledged=st.lists(ids, max_size=3).map(tuple),
        occurred_at=moments,
    ),
    st.builds(
        UserRoleChanged,
        customer_id=ids,
        user_id=ids,
        old_role=st.sampled_from(Role),
        new_role=st.sampled_from(Role),
        actor=actors,
        occurred_at=moments,
    ),
    st.builds(
        MainContactChanged,
        customer_id=ids,
        old_user_id=st.one_of(st.none(), ids),
        new_user_id=ids,
        actor=actors,
        occurred_at=moments,
    ),
)

effects = st.builds(
    Effect,
    collaboration_id=ids,
    step=st.integers(1, 20),
    kind=st.sampled_from(EffectKind),
    office_id=ids,
    customer_id=ids,
    product=products,
)


# --- hostile values: what an attacker or a careless caller passes -----------------------


class Liar(str):
    """A string that says it equals everything (a forged id)."""

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    __hash__ = str.__hash__


class Unprintable:
    """A value whose ``repr`` raises: the error about it must still come out."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")


def forged_actor(party: object) -> Actor:
    """An Actor whose party was swapped after its checks ran (a plain string, or nonsense)."""
    actor = Actor.office("office-1", "admin")
    object.__setattr__(actor, "party", party)
    return actor


hostile_values: st.SearchStrategy[object] = st.one_of(
    st.none(),
    st.just("lone\ud800surrogate"),
    st.just(2**70),
    st.just(2**31),
    st.just(-1),
    st.just(Liar("office-1")),
    st.builds(Unprintable),
    st.builds(forged_actor, st.sampled_from(["office", "customer", "landlord"])),
    st.builds(lambda: iter([1, 2])),
    st.just(float("inf")),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.binary(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
    st.just(datetime(2026, 1, 1)),
    st.just("x" * 5000),
    st.just("nul\x00byte"),
    st.just("'; DROP TABLE collaborations; --"),
    st.builds(object),
)
"""Arbitrary wrong values, hostile ones among them: for a host's own fuzzing of its entry
points (only collabcore's errors may come out)."""
