"""No existence oracle: for every public operation that takes an id on behalf of an actor,
another tenant's existing id gets byte for byte the answer of an id that does not exist
(type, text, message, hint, codes, path), whoever the intruder, whatever state the
target is in. Two worlds are built that differ only in whether the target tenant exists;
the same call is made in both, with the same ids, and the answers must be identical.

Only the host's own trusted calls (``events_of_customer`` and ``get_subscription``
without an actor) are left out: they answer the host, not a tenant.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import collabcore as cc
from collabcore.app import RetryPolicy
from collabcore.testing import World
from collabcore.testing.contract import snapshot
from collabcore.testing.security_contract import answer

Call = Callable[[World, cc.Actor, str], object]


def _first_bulk_item(items: Any) -> object:
    (item,) = list(items)
    raise cc.CollabCoreError(f"{item.status.value}: {item.error}")


BY_COLLABORATION: dict[str, Call] = {
    "get_collaboration": lambda w, a, i: w.service.get_collaboration(i, actor=a),
    "plan_end": lambda w, a, i: w.service.plan_end(i, actor=a, outcome=cc.Outcome.CUSTOMER_CONTINUES),
    "end": lambda w, a, i: w.service.end(i, actor=a, outcome=cc.Outcome.END_SUBSCRIPTION),
    "end with a key": lambda w, a, i: w.service.end(
        i, actor=a, outcome=cc.Outcome.CUSTOMER_CONTINUES, idempotency_key="k-1", expected_version=0
    ),
    "change_variant": lambda w, a, i: w.service.change_variant(i, actor=a, variant="pro"),
    "schedule_end": lambda w, a, i: w.service.schedule_end(i, actor=a, outcome=cc.Outcome.END_SUBSCRIPTION),
    "end_many": lambda w, a, i: _first_bulk_item(
        w.service.end_many([cc.EndRequest(i, cc.Outcome.CUSTOMER_CONTINUES)], actor=a)
    ),
    "end_many one by one": lambda w, a, i: _first_bulk_item(
        w.service.end_many([cc.EndRequest(i, cc.Outcome.END_SUBSCRIPTION)], actor=a, batch_size=1)
    ),
}
BY_CUSTOMER: dict[str, Call] = {
    "events_of_customer": lambda w, a, i: w.service.events_of_customer(i, actor=a),
    "add_customer_user": lambda w, a, i: w.service.add_customer_user(i, cc.CustomerUser("new", "N"), actor=a),
    "change_role": lambda w, a, i: w.service.change_role(i, "staff", cc.Role.ADMINISTRATOR, actor=a),
    "change_role of nobody": lambda w, a, i: w.service.change_role(i, "nobody", "user", actor=a),
    "set_main_contact": lambda w, a, i: w.service.set_main_contact(i, "boss", actor=a),
    "set_main_contact of a plain user": lambda w, a, i: w.service.set_main_contact(i, "staff", actor=a),
    "cancel_subscription": lambda w, a, i: w.service.cancel_subscription(i, cc.PAYROLL, actor=a),
    "start_collaboration": lambda w, a, i: w.service.start_collaboration(
        actor=a, office_id=a.party_id, customer_id=i, product=cc.EXPENSES
    ),
    "invite": lambda w, a, i: w.service.invite(
        actor=a, office_id=a.party_id, customer_id=i, product=cc.EXPENSES
    ),
    "plan_move": lambda w, a, i: w.service.plan_move(
        i, actor=a, from_office_id="office-1", to_office_id="office-2"
    ),
    "move": lambda w, a, i: w.service.move(i, actor=a, from_office_id="office-1", to_office_id="office-2"),
}
BY_REQUEST: dict[str, Call] = {
    "get_request": lambda w, a, i: w.service.get_request(i, actor=a),
    "plan_request": lambda w, a, i: w.service.plan_request(i, actor=a),
    "withdraw": lambda w, a, i: w.service.withdraw(i, actor=a),
    "accept": lambda w, a, i: w.service.accept(i, actor=a),
    "decline": lambda w, a, i: w.service.decline(i, actor=a),
}
BY_OFFICE: dict[str, Call] = {
    "overview": lambda w, a, i: w.service.overview(i, actor=a),
    "overview page": lambda w, a, i: w.service.overview(i, actor=a, limit=1),
    "end_all_of_office": lambda w, a, i: list(
        w.service.end_all_of_office(i, actor=a, outcomes={cc.PAYROLL: cc.Outcome.CUSTOMER_CONTINUES})
    ),
}
BY_EFFECT: dict[str, Call] = {
    "Relay.retry": lambda w, a, i: w.relay().retry(i, actor=a),
    "Relay.resolve": lambda w, a, i: w.relay().resolve(i, reason="done by hand", actor=a),
}
OPERATIONS = [
    *(("collaboration", name) for name in BY_COLLABORATION),
    *(("customer", name) for name in BY_CUSTOMER),
    *(("office", name) for name in BY_OFFICE),
    *(("effect", name) for name in BY_EFFECT),
    *(("request", name) for name in BY_REQUEST),
]
CALLS = {
    "collaboration": BY_COLLABORATION,
    "customer": BY_CUSTOMER,
    "office": BY_OFFICE,
    "effect": BY_EFFECT,
    "request": BY_REQUEST,
}

INTRUDERS = {
    "another office's Administrator": cc.Actor.office("office-2", "admin"),
    "another office's clerk": cc.Actor.office("office-2", "clerk"),
    "a stranger claiming another office": cc.Actor.office("office-2", "stranger"),
    "another customer's Administrator": cc.Actor.customer("customer-2", "boss"),
    "another customer's plain user": cc.Actor.customer("customer-2", "staff"),
}

ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=20).filter(
    lambda s: s not in ("office-2", "customer-2") and not s.startswith("collab-")
)


def worlds(office_id: str, customer_id: str, ended: bool) -> tuple[World, World, str, str, str]:
    """Two worlds alike but for the target tenant, and the target's collaboration, effect and
    scheduled end (settled once the collaboration has ended)."""
    made = []
    for with_target in (True, False):
        world = World()
        world.office("office-2")
        world.customer("customer-2")
        world.collaboration(cc.PAYROLL, office_id="office-2", customer_id="customer-2")
        if with_target:
            world.office(office_id)
            world.customer(customer_id)
            world.collaboration(cc.PAYROLL, office_id=office_id, customer_id=customer_id)
        made.append(world)
    theirs, empty = made
    collab_id = "collab-2"
    theirs.fakes.fail("hand_over_backup", times=1)
    admin = theirs.office_admin(office_id)
    scheduled = theirs.service.schedule_end(collab_id, actor=admin, outcome=cc.Outcome.END_SUBSCRIPTION)
    if ended:
        theirs.service.end(collab_id, actor=admin, outcome=cc.Outcome.CUSTOMER_CONTINUES)
        theirs.relay(RetryPolicy(max_attempts=1)).run_once()
    effect_key = f"{collab_id}:1:hand_over_payroll_backup"
    return theirs, empty, collab_id, effect_key, scheduled.request.id


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    operation=st.sampled_from(OPERATIONS),
    intruder=st.sampled_from(sorted(INTRUDERS)),
    office_id=ids,
    customer_id=ids,
    ended=st.booleans(),
)
def test_another_tenants_id_is_answered_as_a_missing_one(
    operation: tuple[str, str], intruder: str, office_id: str, customer_id: str, ended: bool
) -> None:
    if office_id == customer_id:
        customer_id += "-c"
    theirs, empty, collab_id, effect_key, request_id = worlds(office_id, customer_id, ended)
    kind, name = operation
    target = {
        "collaboration": collab_id,
        "customer": customer_id,
        "office": office_id,
        "effect": effect_key,
        "request": request_id,
    }[kind]
    call = CALLS[kind][name]
    actor = INTRUDERS[intruder]
    before = snapshot(theirs, [customer_id, "customer-2"], [collab_id])
    foreign = answer(lambda: call(theirs, actor, target))
    missing = answer(lambda: call(empty, actor, target))
    assert foreign == missing, f"{name} by {intruder}: {foreign} != {missing}"
    assert snapshot(theirs, [customer_id, "customer-2"], [collab_id]) == before


def test_every_operation_taking_an_id_is_walked() -> None:
    """The list above is every public service and relay method that takes an id and an actor."""
    service_methods = {
        n
        for n in dir(cc.CollaborationService)
        if not n.startswith("_") and callable(getattr(cc.CollaborationService, n))
    }
    walked = {name.split(" ")[0] for _, name in OPERATIONS}
    trusted_or_idless = {
        "register_office",
        "register_customer",
        "register_collaboration",
        "get_subscription",
        "facts",
        "speaking",
        "within",  # a twin over the host's connection
        "problem",  # words for an error, no id
        "relay",
        "requests",  # the actor's own party's, no id
        "carry_out_due",  # the host's scheduler
    }
    assert service_methods - walked - trusted_or_idless == set()
    assert {"Relay.retry", "Relay.resolve"} <= walked
