"""Every kind of actor x every operation: only the allowed pass.

The matrix is computed here from real calls and compared with the expected
one below; the same table stands in docs/security.md. Set
COLLABCORE_WRITE_DOCS=1 to have this test write it there.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable
from pathlib import Path

import attrs

import collabcore as cc
from collabcore.domain import EndRefusedRecorded
from collabcore.testing import World

DOC = Path(__file__).resolve().parent.parent.parent / "docs" / "security.md"
ALLOWED, REFUSED, HIDDEN = "allowed", "refused", "not found"

ACTORS: dict[str, cc.Actor] = {
    "office user with full rights and Administrator": cc.Actor.office("office-1", "admin"),
    "office employee without full rights": cc.Actor.office("office-1", "clerk"),
    "Administrator of another office": cc.Actor.office("office-2", "admin"),
    "the customer's Administrator": cc.Actor.customer("customer-1", "boss"),
    "the customer's plain user": cc.Actor.customer("customer-1", "staff"),
    "a user of another customer": cc.Actor.customer("customer-2", "boss"),
    "an unknown user": cc.Actor.office("office-1", "ghost"),
    "an office user demoted after planning": cc.Actor.office("office-1", "dora"),
}


@attrs.define
class Setup:
    world: World
    collab: cc.Collaboration
    failed_key: str
    request_id: str = ""

    def demote_dora(self) -> None:
        with self.world.store.transaction(write=False) as uow:
            office = uow.get_office("office-1")
        assert office is not None
        users = tuple(attrs.evolve(u, full_rights=False) if u.id == "dora" else u for u in office.users)
        self.world.service.register_office(attrs.evolve(office, users=users))


def setup() -> Setup:
    world = World()
    world.office()
    world.office("office-2")
    with world.store.transaction(write=False) as uow:
        office = uow.get_office("office-1")
    assert office is not None
    dora = cc.OfficeUser("dora", "Dora Demoted", cc.Role.ADMINISTRATOR, full_rights=True)
    world.service.register_office(attrs.evolve(office, users=(*office.users, dora)))
    world.customer()
    world.customer("customer-2")
    world.service.add_customer_user(
        "customer-1", cc.CustomerUser("vice", "Vic Vice", cc.Role.ADMINISTRATOR), actor=world.customer_admin()
    )
    collab = world.collaboration(cc.BOOKKEEPING)
    payroll = world.collaboration(cc.PAYROLL)
    world.service.end(payroll.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES)
    expenses = world.collaboration(cc.EXPENSES)
    world.fakes.fail("export_submitted_reports", times=1)
    world.service.end(
        expenses.id, actor=world.office_admin(), outcome=cc.Outcome.DELETE, confirm_deletion=True
    )
    world.relay(cc.RetryPolicy(max_attempts=1)).drain()
    (failed,) = world.relay().failed()
    return Setup(world, collab, failed.key)


def _plan(s: Setup, actor: cc.Actor) -> bool:
    s.demote_dora()
    return s.world.service.plan_end(s.collab.id, actor=actor, outcome=cc.Outcome.DEACTIVATE).allowed


def _end(s: Setup, actor: cc.Actor) -> bool:
    with contextlib.suppress(cc.NotFound):  # the end below answers the same way
        s.world.service.plan_end(s.collab.id, actor=actor, outcome=cc.Outcome.DEACTIVATE)
    s.demote_dora()  # between plan and end
    s.world.service.end(s.collab.id, actor=actor, outcome=cc.Outcome.DEACTIVATE)
    return True


def _scheduled_by_the_office(s: Setup) -> None:
    scheduled = s.world.service.schedule_end(
        s.collab.id, actor=s.world.office_admin(), outcome=cc.Outcome.DEACTIVATE
    )
    s.request_id = scheduled.request.id


PREPARE: dict[str, Callable[[Setup], None]] = {"withdraw a scheduled end": _scheduled_by_the_office}
"""What an operation needs done first, by someone else than the actor under test."""


def _demoted_first(operation: Callable[[Setup, cc.Actor], object]) -> Callable[[Setup, cc.Actor], object]:
    def run(s: Setup, actor: cc.Actor) -> object:
        s.demote_dora()
        return operation(s, actor)

    return run


OPERATIONS: dict[str, Callable[[Setup, cc.Actor], object]] = {
    "plan": _plan,
    "end": _end,
    "overview": _demoted_first(lambda s, a: s.world.service.overview("office-1", actor=a)),
    "change variant": _demoted_first(
        lambda s, a: s.world.service.change_variant(s.collab.id, actor=a, variant="pro")
    ),
    "set main contact": _demoted_first(
        lambda s, a: s.world.service.set_main_contact("customer-1", "vice", actor=a)
    ),
    "change a role": _demoted_first(
        lambda s, a: s.world.service.change_role("customer-1", "staff", cc.Role.ADMINISTRATOR, actor=a)
    ),
    "cancel subscription": _demoted_first(
        lambda s, a: s.world.service.cancel_subscription("customer-1", cc.PAYROLL, actor=a)
    ),
    "retry a failed effect": _demoted_first(lambda s, a: s.world.relay().retry(s.failed_key, actor=a)),
    "start a collaboration": _demoted_first(
        lambda s, a: s.world.service.start_collaboration(
            actor=a,
            office_id=a.party_id if a.party is cc.Party.OFFICE else "office-1",
            customer_id="customer-1",
            product=cc.PAYROLL,
        )
    ),
    "add a user": _demoted_first(
        lambda s, a: s.world.service.add_customer_user("customer-1", cc.CustomerUser("new", "New"), actor=a)
    ),
    "read the audit trail": _demoted_first(
        lambda s, a: s.world.service.events_of_customer("customer-1", actor=a)
    ),
    "schedule an end": _demoted_first(
        lambda s, a: s.world.service.schedule_end(s.collab.id, actor=a, outcome=cc.Outcome.DEACTIVATE)
    ),
    "withdraw a scheduled end": _demoted_first(lambda s, a: s.world.service.withdraw(s.request_id, actor=a)),
    "invite": _demoted_first(
        lambda s, a: s.world.service.invite(
            actor=a,
            office_id=a.party_id if a.party is cc.Party.OFFICE else "office-2",
            customer_id="customer-1",
            product=cc.EXPENSES,
        )
    ),
    "move to another office": _demoted_first(
        lambda s, a: s.world.service.move(
            "customer-1",
            actor=a,
            from_office_id="office-1",
            to_office_id="office-2",
            products=[cc.BOOKKEEPING],
        )
    ),
}

A, R, H = ALLOWED, REFUSED, HIDDEN
EXPECTED = {
    # plan end overview variant main-contact role cancel retry start add-user audit
    # schedule withdraw invite move
    "office user with full rights and Administrator": (A, A, A, A, A, A, R, A, A, A, A, A, A, A, H),
    "office employee without full rights": (R, R, A, R, R, R, R, R, R, R, A, R, R, R, H),
    "Administrator of another office": (H, H, H, H, H, H, R, H, H, H, H, H, H, H, H),
    "the customer's Administrator": (A, A, H, A, A, A, A, H, A, A, A, A, A, A, A),
    "the customer's plain user": (R, R, H, R, R, R, R, H, R, R, A, R, R, R, R),
    "a user of another customer": (H, H, H, H, H, H, H, H, H, H, H, H, H, H, H),
    "an unknown user": (R, R, R, R, R, R, R, R, R, R, R, R, R, R, H),
    "an office user demoted after planning": (R, R, A, R, R, R, R, R, R, R, A, R, R, R, H),
}


def verdict(name: str, actor: cc.Actor) -> str:
    operation = OPERATIONS[name]
    s = setup()
    if name in PREPARE:
        PREPARE[name](s)
    before = s.world.service.events_of_customer("customer-1")
    try:
        result = operation(s, actor)
    except cc.NotAuthorized:
        outcome = REFUSED
    except cc.NotFound:
        outcome = HIDDEN
    else:
        outcome = ALLOWED if result is not False else REFUSED
    if outcome != ALLOWED:
        added = s.world.service.events_of_customer("customer-1")[len(before) :]
        assert all(isinstance(e, EndRefusedRecorded) for e in added), "a refusal changes nothing else"
    return outcome


def matrix() -> dict[str, tuple[str, ...]]:
    return {name: tuple(verdict(op, actor) for op in OPERATIONS) for name, actor in ACTORS.items()}


def markdown(computed: dict[str, tuple[str, ...]]) -> str:
    head = "| actor | " + " | ".join(OPERATIONS) + " |"
    rule = "|---" * (len(OPERATIONS) + 1) + "|"
    rows = [f"| {name} | " + " | ".join(cells) + " |" for name, cells in computed.items()]
    return "\n".join([head, rule, *rows])


def test_authorization_matrix() -> None:
    computed = matrix()
    assert computed == EXPECTED
    table = markdown(computed)
    text = DOC.read_text(encoding="utf-8")
    block = re.compile(r"(<!-- authorization-matrix -->\n).*?(\n<!-- /authorization-matrix -->)", re.DOTALL)
    if os.environ.get("COLLABCORE_WRITE_DOCS") == "1":
        DOC.write_text(block.sub(lambda m: m.group(1) + table + m.group(2), text), encoding="utf-8")
        text = DOC.read_text(encoding="utf-8")
    found = block.search(text)
    assert found is not None and table in found.group(0), (
        "run with COLLABCORE_WRITE_DOCS=1 to update docs/security.md"
    )


def test_an_actor_claims_nothing_but_who_they_are() -> None:
    """No role or rights field to fill in: rights can only come from storage."""
    assert {f.name for f in attrs.fields(cc.Actor)} == {"user_id", "party", "party_id"}
