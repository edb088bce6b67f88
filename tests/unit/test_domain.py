"""The domain's own guards: validation at construction, invariants in the aggregate."""

from __future__ import annotations

from datetime import UTC, date, datetime

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import collabcore as cc
from collabcore.domain import Collaboration, EffectKind, Party, Subscription, SubscriptionStatus
from collabcore.testing import strategies

NOW = datetime(2026, 11, 23, tzinfo=UTC)


@pytest.mark.parametrize(
    "build",
    [
        lambda: cc.Collaboration("c", "o", "k", "payroll", datetime(2026, 1, 1)),
        lambda: cc.Collaboration("c", "o", "k", "payroll", "2026-01-01"),  # type: ignore[arg-type]
        lambda: cc.Customer("", "1", "K"),
        lambda: cc.Customer("k", "1", "K\x00"),
        lambda: cc.Customer("k", "1", "K" * 501),
        lambda: cc.Customer("k", "1", "K", language="swedish"),
        lambda: cc.OfficeUser("u", "U", role="boss"),  # type: ignore[arg-type]
        lambda: cc.OfficeUser("u", "U", full_rights="yes"),  # type: ignore[arg-type]
        lambda: cc.AccountingOffice("o", "O", (cc.OfficeUser("u", "A"), cc.OfficeUser("u", "B"))),
        lambda: cc.Actor("u", "office", "o"),  # type: ignore[arg-type]
        lambda: cc.Collaboration("c", "o", "k", "payroll", NOW, version=-1),
    ],
)
def test_bad_values_are_invalid_input(build: object) -> None:
    with pytest.raises(cc.InvalidInput):
        build()  # type: ignore[operator]


def test_naive_datetime_message_says_how_to_fix_it() -> None:
    with pytest.raises(cc.InvalidInput, match=r"naive datetime.*time zone"):
        cc.Collaboration("c", "o", "k", "payroll", datetime(2026, 1, 1))


def test_r5_end_is_final_in_the_aggregate() -> None:
    collab = cc.Collaboration("c", "o", "k", "payroll", NOW)
    ended = collab.end(actor=cc.Actor.office("o", "u"), outcome=cc.Outcome.END_SUBSCRIPTION, at=NOW)
    assert (ended.status, ended.version, collab.status) == (cc.Status.ENDED, 1, cc.Status.ACTIVE)
    with pytest.raises(cc.AlreadyEnded):
        ended.end(actor=cc.Actor.office("o", "u"), outcome=cc.Outcome.END_SUBSCRIPTION, at=NOW)


def test_r4_invariants_of_the_customer() -> None:
    customer = cc.Customer(
        "k", "1", "K", (cc.CustomerUser("a", "A", cc.Role.ADMINISTRATOR),), main_contact="a"
    )
    with pytest.raises(cc.InvariantViolation):
        customer.with_role("a", cc.Role.USER)
    with pytest.raises(cc.NotFound, match="Create the user first"):
        customer.with_main_contact("ghost")
    with pytest.raises(cc.InvalidInput, match="already has a user"):
        customer.with_user(cc.CustomerUser("a", "Again"))
    promoted = customer.with_user(cc.CustomerUser("b", "B")).with_role("b", cc.Role.ADMINISTRATOR)
    assert promoted.with_main_contact("b").with_role("a", cc.Role.USER).main_contact == "b"


def test_registering_a_customer_checks_r4() -> None:
    service = cc.CollaborationService(cc.MemoryStore())
    with pytest.raises(cc.InvariantViolation):
        service.register_customer(cc.Customer("k", "1", "K", (cc.CustomerUser("a", "A"),), main_contact="a"))


@given(
    st.one_of(st.none(), strategies.subscriptions),
    strategies.collaborations(),
    st.sets(st.sampled_from(list(EffectKind))),
    st.dates(),
)
def test_a_settled_subscription_changes_only_what_the_end_settles(
    current: Subscription | None, ended: Collaboration, kinds: set[EffectKind], today: date
) -> None:
    """settled_subscription builds its value field by field (the hot path): the same as
    evolving the subscription, whatever fields Subscription has."""
    from collabcore.domain.billing import month_end, settled_subscription

    before = current or Subscription(ended.customer_id, ended.product, payer=ended.invoice_recipient)
    if EffectKind.CANCEL_SUBSCRIPTION in kinds:
        expected = attrs.evolve(before, status=SubscriptionStatus.ENDED, paid_until=month_end(today))
    elif EffectKind.DEACTIVATE_SUBSCRIPTION in kinds:
        expected = attrs.evolve(before, status=SubscriptionStatus.READ_ONLY, paid_until=month_end(today))
    elif EffectKind.TRANSFER_SUBSCRIPTION in kinds:
        expected = attrs.evolve(before, payer=Party.CUSTOMER)
    else:
        assert settled_subscription(current, ended, kinds, today) is None
        return
    assert settled_subscription(current, ended, kinds, today) == attrs.evolve(
        expected, version=before.version + 1
    )
    assert len(attrs.fields(Subscription)) == 6, "a new field: add it to settled_subscription"
