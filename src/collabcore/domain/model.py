"""Parties, users, collaborations and subscriptions: plain, immutable attrs values.

The methods that change an aggregate enforce its invariants (R4: the main
contact is an Administrator; R5: an ended collaboration stays ended) and return
new values.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import TypeAlias

import attrs
from attrs import frozen

from collabcore.domain.errors import AlreadyEnded, InvalidInput, InvariantViolation, NotFound
from collabcore.domain.validation import (
    check_aware,
    check_id,
    check_language,
    check_name,
    check_version,
    instance_of,
    optional,
    tuple_of,
)

Clock: TypeAlias = Callable[[], datetime]
IdGenerator: TypeAlias = Callable[[], str]


BOOKKEEPING = "bookkeeping"
"""The seeds' products, by key: Bookkeeping & Invoicing (Visma eEkonomi), with variants."""
PAYROLL = "payroll"
"""Payroll (Visma Lön)."""
EXPENSES = "expenses"
"""Travel & Expenses (Visma Utlägg)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


class Party(StrEnum):
    """The two sides of a collaboration."""

    OFFICE = "office"
    CUSTOMER = "customer"


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    USER = "user"


class Status(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class Outcome(StrEnum):
    """What happens to the service when the collaboration ends (R6, R15)."""

    CUSTOMER_CONTINUES = "customer_continues"
    """The office's access ends; the company keeps the service on its own."""
    DEACTIVATE = "deactivate"
    """Bookkeeping & Invoicing: the service stays readable, no changes can be made."""
    END_SUBSCRIPTION = "end_subscription"
    """Payroll: the subscription ends for the company too."""
    DELETE = "delete"
    """Travel & Expenses: the service is deleted with all its data (R7)."""


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    READ_ONLY = "read_only"
    ENDED = "ended"


# --- parties -----------------------------------------------------------------


@frozen
class OfficeUser:
    """A consultant of an accounting office.

    R14: every employee may see the office's collaborations; only one with full
    user rights *and* the Administrator role may end or change one.
    """

    id: str = attrs.field(validator=check_id)
    name: str = attrs.field(validator=check_name)
    role: Role = attrs.field(default=Role.USER, validator=instance_of(Role))
    full_rights: bool = attrs.field(default=False, validator=instance_of(bool))

    @property
    def may_manage_collaborations(self) -> bool:
        return self.full_rights and self.role is Role.ADMINISTRATOR


@frozen(cache_hash=True)
class AccountingOffice:
    id: str = attrs.field(validator=check_id)
    name: str = attrs.field(validator=check_name)
    users: tuple[OfficeUser, ...] = attrs.field(default=(), validator=tuple_of(OfficeUser))
    language: str = attrs.field(default="en", validator=check_language)

    def __attrs_post_init__(self) -> None:
        _require_unique_ids(self.users, f"office {self.id}")

    def user(self, user_id: str) -> OfficeUser | None:
        return next((u for u in self.users if u.id == user_id), None)


@frozen
class CustomerUser:
    """A user of the customer's company, with the Administrator or User role."""

    id: str = attrs.field(validator=check_id)
    name: str = attrs.field(validator=check_name)
    role: Role = attrs.field(default=Role.USER, validator=instance_of(Role))


@frozen(cache_hash=True)
class Customer:
    """The customer's company, with its customer number, users and main contact (R3, R4)."""

    id: str = attrs.field(validator=check_id)
    number: str = attrs.field(validator=check_id)
    name: str = attrs.field(validator=check_name)
    users: tuple[CustomerUser, ...] = attrs.field(default=(), validator=tuple_of(CustomerUser))
    main_contact: str | None = attrs.field(default=None, validator=optional(check_id))
    language: str = attrs.field(default="en", validator=check_language)
    version: int = attrs.field(default=0, validator=check_version)

    def __attrs_post_init__(self) -> None:
        _require_unique_ids(self.users, f"customer {self.id}")

    def user(self, user_id: str) -> CustomerUser | None:
        return next((u for u in self.users if u.id == user_id), None)

    @property
    def main_contact_user(self) -> CustomerUser | None:
        return None if self.main_contact is None else self.user(self.main_contact)

    # R4's three remediation operations, each keeping the invariant.

    def with_user(self, user: CustomerUser) -> Customer:
        if self.user(user.id) is not None:
            raise InvalidInput(
                f"Customer {self.id} already has a user {user.id}.",
                hint="Change that user's role instead, or pick another id.",
            )
        return attrs.evolve(self, users=(*self.users, user))

    def with_role(self, user_id: str, role: Role) -> Customer:
        self._existing_user(user_id)
        if user_id == self.main_contact and role is not Role.ADMINISTRATOR:
            raise InvariantViolation(
                f"User {user_id} is the main contact of customer {self.id} and must stay an "
                "Administrator (R4).",
                hint="Select another Administrator as main contact first, then change this role.",
            )
        users = tuple(attrs.evolve(u, role=role) if u.id == user_id else u for u in self.users)
        return attrs.evolve(self, users=users)

    def with_main_contact(self, user_id: str) -> Customer:
        user = self._existing_user(user_id)
        if user.role is not Role.ADMINISTRATOR:
            raise InvariantViolation(
                f"User {user_id} has the User role; the main contact must be an Administrator (R4).",
                hint="Change the user's role to Administrator first, then select them as main contact.",
            )
        return attrs.evolve(self, main_contact=user_id)

    def _existing_user(self, user_id: str) -> CustomerUser:
        user = self.user(user_id)
        if user is None:
            raise NotFound(
                f"Customer {self.id} has no user {user_id}.",
                hint="Create the user first (add_customer_user), then change the role.",
            )
        return user


def _require_unique_ids(users: tuple[OfficeUser, ...] | tuple[CustomerUser, ...], owner: str) -> None:
    seen: set[str] = set()
    for user in users:
        if user.id in seen:
            raise InvalidInput(f"User id {user.id} appears twice in {owner}.", path="users")
        seen.add(user.id)


@frozen(cache_hash=True)
class Actor:
    """Who acts: a user id and the party (office or customer) it acts for.

    The actor's rights are never taken from here: they are looked up in the
    stored office or customer (R1, R14).
    """

    user_id: str = attrs.field(validator=check_id)
    party: Party = attrs.field(validator=instance_of(Party))
    party_id: str = attrs.field(validator=check_id)

    @classmethod
    def office(cls, office_id: str, user_id: str) -> Actor:
        return cls(user_id=user_id, party=Party.OFFICE, party_id=office_id)

    @classmethod
    def customer(cls, customer_id: str, user_id: str) -> Actor:
        return cls(user_id=user_id, party=Party.CUSTOMER, party_id=customer_id)


# --- the aggregate -------------------------------------------------------------


@frozen(cache_hash=True)
class Collaboration:
    """One office's collaboration with one customer for one product."""

    id: str = attrs.field(validator=check_id)
    office_id: str = attrs.field(validator=check_id)
    customer_id: str = attrs.field(validator=check_id)
    product: str = attrs.field(validator=check_id)
    started_at: datetime = attrs.field(validator=check_aware)
    variant: str | None = attrs.field(default=None, validator=optional(check_id))
    invoice_recipient: Party = attrs.field(default=Party.OFFICE, validator=instance_of(Party))
    status: Status = attrs.field(default=Status.ACTIVE, validator=instance_of(Status))
    ended_at: datetime | None = attrs.field(default=None, validator=optional(check_aware))
    ended_by: Actor | None = attrs.field(default=None)
    outcome: Outcome | None = attrs.field(default=None)
    version: int = attrs.field(default=0, validator=check_version)

    @property
    def is_active(self) -> bool:
        return self.status is Status.ACTIVE

    def end(self, *, actor: Actor, outcome: Outcome, at: datetime) -> Collaboration:
        """R5: ending is final; an ended collaboration refuses to end again."""
        if not self.is_active:
            raise AlreadyEnded(self.id)
        # Field by field rather than attrs.evolve, which looks every field up by name: an end
        # is the hot path. A field added to the class must be added here (a test checks).
        return Collaboration(
            self.id,
            self.office_id,
            self.customer_id,
            self.product,
            self.started_at,
            self.variant,
            self.invoice_recipient,
            Status.ENDED,
            at,
            actor,
            outcome,
            self.version + 1,
        )

    def with_variant(self, variant: str) -> Collaboration:
        if not self.is_active:
            raise AlreadyEnded(self.id)
        return attrs.evolve(self, variant=variant, version=self.version + 1)


@frozen(cache_hash=True)
class Subscription:
    """The company's subscription to a product: who pays, and in what state (R18, R21, R23)."""

    customer_id: str = attrs.field(validator=check_id)
    product: str = attrs.field(validator=check_id)
    payer: Party = attrs.field(validator=instance_of(Party))
    status: SubscriptionStatus = attrs.field(
        default=SubscriptionStatus.ACTIVE, validator=instance_of(SubscriptionStatus)
    )
    paid_until: date | None = attrs.field(default=None)
    version: int = attrs.field(default=0, validator=check_version)
