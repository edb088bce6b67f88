"""Rules tested on their own: a :class:`RuleContext` in one call, no service, no store.

    ctx = rule_context(product=PAYROLL, outcome=Outcome.CUSTOMER_CONTINUES,
                       facts={PAYROLL_SYNCHRONISED: False})
    assert keys(payroll_synchronised, ctx) == ["R9"]

The cast is World's: office ``office-1`` (``admin`` with full rights, ``clerk``,
``junior``) and customer ``customer-1`` (``boss``, an Administrator and the main
contact; ``staff``, a User).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from collabcore.domain.model import (
    EXPENSES,
    AccountingOffice,
    Actor,
    Collaboration,
    Customer,
    CustomerUser,
    OfficeUser,
    Outcome,
    Party,
    Role,
    Status,
)
from collabcore.policy.engine import Flag, Operation, Rule, RuleContext
from collabcore.policy.facts import Fact, Facts
from collabcore.policy.products import ProductCatalog, default_products
from collabcore.testing.world import (
    CUSTOMER_ADMIN,
    CUSTOMER_NAMES,
    CUSTOMER_USER,
    OFFICE_ADMIN,
    OFFICE_CLERK,
    OFFICE_JUNIOR_ADMIN,
    OFFICE_NAMES,
    cast_name,
    cast_number,
)

TODAY = date(2026, 11, 23)
STARTED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def an_office(office_id: str = "office-1") -> AccountingOffice:
    return AccountingOffice(
        office_id,
        cast_name(office_id, OFFICE_NAMES),
        (
            OfficeUser(OFFICE_ADMIN, "Ada Admin", Role.ADMINISTRATOR, full_rights=True),
            OfficeUser(OFFICE_CLERK, "Carl Clerk", Role.USER, full_rights=False),
            OfficeUser(OFFICE_JUNIOR_ADMIN, "Jo Junior", Role.ADMINISTRATOR, full_rights=False),
        ),
    )


def a_customer(customer_id: str = "customer-1", *, main_contact: str | None = CUSTOMER_ADMIN) -> Customer:
    return Customer(
        customer_id,
        cast_number(customer_id),
        cast_name(customer_id, CUSTOMER_NAMES),
        (
            CustomerUser(CUSTOMER_ADMIN, "Bea Boss", Role.ADMINISTRATOR),
            CustomerUser(CUSTOMER_USER, "Stu Staff", Role.USER),
        ),
        main_contact=main_contact,
    )


def a_collaboration(
    product: str = EXPENSES,
    *,
    collaboration_id: str = "collab-1",
    office_id: str = "office-1",
    customer_id: str = "customer-1",
    variant: str | None = None,
    invoice_recipient: Party = Party.OFFICE,
    ended: bool = False,
) -> Collaboration:
    return Collaboration(
        collaboration_id,
        office_id,
        customer_id,
        product,
        STARTED,
        variant=variant,
        invoice_recipient=invoice_recipient,
        status=Status.ENDED if ended else Status.ACTIVE,
        ended_at=STARTED if ended else None,
    )


def rule_context(
    *,
    operation: Operation = Operation.END,
    product: str = EXPENSES,
    outcome: Outcome | None = Outcome.DELETE,
    actor: Actor | None = None,
    facts: Mapping[Fact[Any], object] | Facts | None = None,
    customer: Customer | None = None,
    office: AccountingOffice | None = None,
    collaboration: Collaboration | None = None,
    others: Sequence[Collaboration] = (),
    variant: str | None = None,
    invoice_recipient: Party | None = None,
    today: date = TODAY,
    products: ProductCatalog | None = None,
    accepted: bool | None = None,
) -> RuleContext:
    """A context as the service would build it, with World's cast; change what a test is about."""
    known = facts if isinstance(facts, Facts) else Facts({f.key: v for f, v in (facts or {}).items()})
    has_collaboration = operation in (Operation.END, Operation.CHANGE_VARIANT)
    return RuleContext(
        operation=operation,
        actor=actor or Actor.office("office-1", OFFICE_ADMIN),
        today=today,
        office=office if office is not None else an_office(),
        customer=customer if customer is not None else a_customer(),
        product=(products or default_products()).get(product),
        collaboration=collaboration or (a_collaboration(product) if has_collaboration else None),
        outcome=outcome if operation is Operation.END else None,
        facts=known,
        others=tuple(others),
        variant=variant,
        invoice_recipient=invoice_recipient,
        accepted=accepted,
    )


def flags(rule: Rule, ctx: RuleContext) -> list[Flag]:
    """What ``rule`` raises in ``ctx``; nothing when it does not apply to the context's
    operation or product (as in a rulebook)."""
    return list(rule.check(ctx)) if rule.applies(ctx) else []


def keys(rule: Rule, ctx: RuleContext) -> list[str]:
    return [f.key for f in flags(rule, ctx)]


def declared_keys(rule: Rule) -> set[str]:
    """The text keys a rule's flags may use (its remedies aside)."""
    return {k for k in rule.texts if not k.endswith(".remedy")}
