"""The domain's own guards: validation at construction, invariants in the aggregate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import collabcore as cc

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
