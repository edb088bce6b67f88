"""R13: every employee of the office sees its customers and collaborations; nobody else does."""

from __future__ import annotations

import pytest

from collabcore.domain import Actor
from collabcore.policy.authorization import OVERVIEW_RULE, overview_denial
from collabcore.testing import OFFICE_ADMIN, OFFICE_CLERK, OFFICE_JUNIOR_ADMIN
from collabcore.testing.rules import an_office


@pytest.mark.parametrize("user", [OFFICE_ADMIN, OFFICE_CLERK, OFFICE_JUNIOR_ADMIN])
def test_r13_every_employee_may_look(user: str) -> None:
    assert overview_denial(Actor.office("office-1", user), "office-1", an_office()) is None


def test_r13_a_stranger_to_the_office_is_refused_by_r13() -> None:
    denial = overview_denial(Actor.office("office-1", "nobody"), "office-1", an_office())
    assert denial is not None and (denial.rule, denial.key, denial.hidden) == (
        OVERVIEW_RULE,
        "R13.not_member",
        False,
    )


@pytest.mark.parametrize(
    "actor",
    [Actor.office("office-2", OFFICE_ADMIN), Actor.customer("office-1", "boss")],
    ids=["another office", "a customer"],
)
def test_r13_another_party_cannot_tell_the_office_exists(actor: Actor) -> None:
    for office in (an_office(), None):
        denial = overview_denial(actor, "office-1", office)
        assert denial is not None and denial.hidden
