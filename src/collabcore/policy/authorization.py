"""Who may see or do what: the one place that decides it (R1, R13, R14).

Every use case, the planner's R1/R14 rules and the relay ask here; nothing else
compares an actor with a party. Decisions are made from stored offices and
customers only, never from the caller's word. A decision is ``None`` (allowed)
or a :class:`Denial`. A *hidden* denial is answered exactly as an id that does
not exist, so that one tenant cannot learn what another holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from attrs import frozen

from collabcore.domain.model import AccountingOffice, Actor, Collaboration, Customer, Party, Role
from collabcore.policy.engine import Flag, Operation, Refusal, RuleContext, rule

CUSTOMER_ADMIN_RULE = "R1"
"""The customer's side: an Administrator of the company."""
OVERVIEW_RULE = "R13"
"""The office's overview: every employee of the office, nobody else."""
OFFICE_RIGHTS_RULE = "R14"
"""The office's side: full user rights and the Administrator role to act; any employee to look."""


@frozen
class Denial:
    """Why an actor may not: the rule, its text key and parameters, and a message for logs."""

    rule: str
    key: str
    params: Mapping[str, str]
    message: str
    hint: str | None = None
    hidden: bool = False
    """Answer exactly as for an id that does not exist."""


HIDDEN = Denial("", "", {}, "", hidden=True)


def acts_for(actor: Actor, office_id: str, customer_id: str) -> bool:
    """The actor speaks for one of the two parties (the tenant check)."""
    if actor.party is Party.OFFICE:
        return actor.party_id == office_id
    if actor.party is Party.CUSTOMER:
        return actor.party_id == customer_id
    return False  # deny by default: a party that is neither is nobody


def office_collaborates(office_id: str, active: Iterable[Collaboration]) -> bool:
    """The office has an active collaboration among ``active`` (a customer's)."""
    return any(c.office_id == office_id and c.is_active for c in active)


def sees_collaboration(actor: Actor, collaboration: Collaboration) -> bool:
    """Another tenant's collaboration looks exactly like one that does not exist."""
    return acts_for(actor, collaboration.office_id, collaboration.customer_id)


def customer_admin_denial(actor: Actor, customer: Customer) -> Denial | None:
    """R1 on the customer's side: an Administrator of the company, by its stored role."""
    user = customer.user(actor.user_id)
    if user is None:
        return Denial(
            CUSTOMER_ADMIN_RULE,
            "R1.not_member",
            {"user": actor.user_id},
            f"User {actor.user_id} is not a user of customer {customer.id} (R1).",
            "Ask an Administrator of the company, or the accounting office.",
        )
    if user.role is not Role.ADMINISTRATOR:
        return Denial(
            CUSTOMER_ADMIN_RULE,
            "R1.not_admin",
            {"user": user.name},
            f"User {actor.user_id} is not an Administrator of customer {customer.id} (R1).",
            "Ask an Administrator of the company, or the accounting office.",
        )
    return None


def office_rights_denial(actor: Actor, office: AccountingOffice | None) -> Denial | None:
    """R14: full user rights and the Administrator role in the office, to act for it."""
    user = None if office is None else office.user(actor.user_id)
    if user is None:
        return Denial(
            OFFICE_RIGHTS_RULE,
            "R14.not_member",
            {"user": actor.user_id},
            f"User {actor.user_id} is not a user of office {actor.party_id} (R14).",
            "Sign in as a user of the accounting office that holds the collaboration.",
        )
    if not user.may_manage_collaborations:
        return Denial(
            OFFICE_RIGHTS_RULE,
            "R14.no_rights",
            {"user": user.name},
            f"User {actor.user_id} of office {actor.party_id} lacks full user rights and the "
            "Administrator role (R14).",
            "Ask a colleague who has both.",
        )
    return None


def end_denial(
    actor: Actor, collaboration: Collaboration, *, office: AccountingOffice | None, customer: Customer | None
) -> Denial | None:
    """R1 and R14 alone, for ``collaboration`` as stored with its stored ``office`` and
    ``customer``: None if ``actor`` may end it (whatever the other rules then find), else
    why not. Another tenant's collaboration, or one whose customer is missing, is hidden."""
    if not sees_collaboration(actor, collaboration):
        return HIDDEN
    if actor.party is Party.OFFICE:
        if office is None or office.id != collaboration.office_id:
            return HIDDEN
        return office_rights_denial(actor, office)
    if customer is None or customer.id != collaboration.customer_id:
        return HIDDEN
    return customer_admin_denial(actor, customer)


def may_end(
    actor: Actor, collaboration: Collaboration, *, office: AccountingOffice | None, customer: Customer | None
) -> bool:
    """May ``actor`` end ``collaboration`` (R1, R14)? The yes/no a host asks before it shows
    an "End collaboration" button; :func:`end_denial` says why not. Only who may act is
    decided here: the end's other rules (payroll, expenses, the main contact...) are the
    plan's (``service.plan_end``)."""
    return end_denial(actor, collaboration, office=office, customer=customer) is None


# --- the rules the planner evaluates -------------------------------------------------

_ACTS = (Operation.END, Operation.START, Operation.CHANGE_VARIANT)


@rule(
    CUSTOMER_ADMIN_RULE,
    on=(*_ACTS, Operation.CANCEL_SUBSCRIPTION),
    texts=("R1.not_member", "R1.not_member.remedy", "R1.not_admin", "R1.not_admin.remedy"),
    protected=True,
    refusal=Refusal.NOT_AUTHORIZED,
)
def who_may_end(ctx: RuleContext) -> tuple[Flag, ...]:
    """Seed: "Both the customer and the accounting office can, at any time, choose to end a
    collaboration." On the customer's side: an Administrator of the company, by its
    stored role."""
    if ctx.actor.party is Party.OFFICE:
        if ctx.operation is Operation.CANCEL_SUBSCRIPTION:
            # The subscription is the company's own; an office never cancels it.
            return (Flag("R1.not_member", {"user": ctx.actor.user_id}),)
        return ()
    denial = (
        customer_admin_denial(ctx.actor, ctx.customer)
        if ctx.actor.party is Party.CUSTOMER
        else Denial(CUSTOMER_ADMIN_RULE, "R1.not_member", {"user": ctx.actor.user_id}, "")
    )
    return () if denial is None else (Flag(denial.key, denial.params),)


@rule(
    OFFICE_RIGHTS_RULE,
    on=_ACTS,
    texts=("R14.not_member", "R14.not_member.remedy", "R14.no_rights", "R14.no_rights.remedy"),
    protected=True,
    refusal=Refusal.NOT_AUTHORIZED,
)
def office_rights(ctx: RuleContext) -> tuple[Flag, ...]:
    """Only a user with full user rights in the office and the Administrator role may end a
    collaboration or change its variant; every employee may see them."""
    if ctx.actor.party is Party.CUSTOMER:
        return ()
    denial = office_rights_denial(ctx.actor, ctx.office if ctx.actor.party is Party.OFFICE else None)
    return () if denial is None else (Flag(denial.key, denial.params),)


# --- decisions for the use cases that are not rules -----------------------------------


def start_denial(
    actor: Actor, office_id: str, customer: Customer | None, active: Iterable[Collaboration]
) -> Denial | None:
    """Deny by default. The customer brings an office in (its own user acts; R1 then asks
    for an Administrator), or an office that already has an active collaboration with the
    customer adds a product (R14 then asks for full rights). Anyone else, an office above
    all that has never worked with the customer, is answered as if the customer did not
    exist: no office can attach itself to another office's customer."""
    if customer is None or not acts_for(actor, office_id, customer.id):
        return HIDDEN
    if actor.party is Party.OFFICE and not office_collaborates(office_id, active):
        return HIDDEN
    return None


def overview_denial(actor: Actor, office_id: str, office: AccountingOffice | None) -> Denial | None:
    """R13: every employee of the office sees its customers and collaborations; nobody else."""
    if office is None or actor.party is not Party.OFFICE or actor.party_id != office_id:
        return HIDDEN
    if office.user(actor.user_id) is None:
        return Denial(
            OVERVIEW_RULE,
            "R13.not_member",
            {"user": actor.user_id},
            f"User {actor.user_id} is not an employee of office {office_id} (R13, R14).",
            "Only the office's own users see its collaborations.",
        )
    return None


def cancel_denial(actor: Actor, customer_id: str) -> Denial | None:
    """R1, R21: only the company itself cancels its own subscription. Decided before any
    look-up, so the answer says nothing about which customer ids exist."""
    if actor.party is not Party.CUSTOMER:
        return Denial(
            CUSTOMER_ADMIN_RULE,
            "R1.not_member",
            {"user": actor.user_id},
            "Only the company itself cancels its subscription (R1, R21).",
            "Ask an Administrator of the company.",
        )
    return None if actor.party_id == customer_id else HIDDEN


def user_management_denial(
    actor: Actor, customer: Customer, office: AccountingOffice | None, active: Iterable[Collaboration]
) -> Denial | None:
    """R4's operations: the company's Administrator manages its users; so does an office
    user with full rights whose office has an active collaboration with the company (the
    seeds: "switch to the customer's company"). Anyone else sees no such customer."""
    if actor.party is Party.CUSTOMER:
        if actor.party_id != customer.id:
            return HIDDEN
        return customer_admin_denial(actor, customer)
    if actor.party is not Party.OFFICE or not office_collaborates(actor.party_id, active):
        return HIDDEN
    return office_rights_denial(actor, office)


def audit_denial(
    actor: Actor, customer: Customer, office: AccountingOffice | None, active: Iterable[Collaboration]
) -> Denial | None:
    """The audit trail of a customer: its own users, and the employees of an office that
    collaborates with it (R13, R14: every employee may see)."""
    if actor.party is Party.CUSTOMER:
        if actor.party_id != customer.id:
            return HIDDEN
        if customer.user(actor.user_id) is None:
            return customer_admin_denial(actor, customer)
        return None
    if actor.party is not Party.OFFICE or not office_collaborates(actor.party_id, active):
        return HIDDEN
    return overview_denial(actor, actor.party_id, office)


def relay_operator_denial(actor: Actor, office_id: str, office: AccountingOffice | None) -> Denial | None:
    """Retrying or resolving an effect by hand: a user with full rights and the
    Administrator role in the office whose collaboration it was (R14)."""
    if actor.party is not Party.OFFICE or actor.party_id != office_id:
        return HIDDEN
    return office_rights_denial(actor, office)


# --- lifecycle requests ----------------------------------------------------------------


def party_rights_denial(
    actor: Actor, customer: Customer | None, office: AccountingOffice | None
) -> Denial | None:
    """The rights to change a collaboration for one's own party: the company's Administrator
    (R1) or an office user with full rights and the Administrator role (R14)."""
    if actor.party is Party.CUSTOMER and customer is not None and actor.party_id == customer.id:
        return customer_admin_denial(actor, customer)
    if actor.party is Party.OFFICE and office is not None and actor.party_id == office.id:
        return office_rights_denial(actor, office)
    return HIDDEN


def answer_denial(
    actor: Actor, awaits: Party | None, customer: Customer | None, office: AccountingOffice | None
) -> Denial | None:
    """Accepting or declining: only the awaited party, with the rights of R1/R14."""
    if awaits is None or actor.party is not awaits:
        return Denial(
            CUSTOMER_ADMIN_RULE if awaits is Party.CUSTOMER else OFFICE_RIGHTS_RULE,
            "R1.not_member",
            {"user": actor.user_id},
            "Only the party a request waits for accepts or declines it; the party that made it "
            "may withdraw it.",
            "Withdraw the request instead, or ask the other party to answer it.",
        )
    return party_rights_denial(actor, customer, office)
