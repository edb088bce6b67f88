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

from collabcore.domain.assembly import assembled
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
    """A user's role in an office or a company; only an Administrator may end (R1, R14) or be
    the customer's main contact (R4)."""

    ADMINISTRATOR = "administrator"
    USER = "user"


class Status(StrEnum):
    """A collaboration's state: active until it ends, and ended for good (R5)."""

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
    """The state of the company's subscription to a product."""

    ACTIVE = "active"
    READ_ONLY = "read_only"
    """Deactivated: the company can read its data and change nothing (R20)."""
    ENDED = "ended"
    """Cancelled, or ended with the collaboration; paid to ``paid_until`` (R23)."""


# --- parties -----------------------------------------------------------------


@frozen
class OfficeUser:
    """A consultant of an accounting office.

    R14: every employee may see the office's collaborations; only one with full
    user rights *and* the Administrator role may end or change one.
    """

    id: str = attrs.field(validator=check_id)
    """The user's id in the host's system, unique within the office."""
    name: str = attrs.field(validator=check_name)
    """The name people read."""
    role: Role = attrs.field(default=Role.USER, validator=instance_of(Role))
    full_rights: bool = attrs.field(default=False, validator=instance_of(bool))
    """Full user rights in the office; with the Administrator role, needed to end (R14)."""

    @property
    def may_manage_collaborations(self) -> bool:
        """True when the user may end a collaboration or change its variant: full user rights
        and the Administrator role (R14)."""
        return self.full_rights and self.role is Role.ADMINISTRATOR


@frozen(cache_hash=True)
class AccountingOffice:
    """An accounting office, a tenant: its consultants, and the language it is written to in."""

    id: str = attrs.field(validator=check_id)
    """The office's id in the host's system."""
    name: str = attrs.field(validator=check_name)
    """The name people read, in messages and notifications."""
    users: tuple[OfficeUser, ...] = attrs.field(default=(), validator=tuple_of(OfficeUser))
    """The office's consultants, each id once; their roles decide who may act (R14)."""
    language: str = attrs.field(default="en", validator=check_language)
    """The language the office's notifications are written in (a code such as ``en``, ``sv``)."""

    def __attrs_post_init__(self) -> None:
        _require_unique_ids(self.users, f"office {self.id}")

    def user(self, user_id: str) -> OfficeUser | None:
        """The office's user with this id; None when it has none."""
        for u in self.users:  # a loop, not next(<generator>): every plan asks
            if u.id == user_id:
                return u
        return None


@frozen
class CustomerUser:
    """A user of the customer's company, with the Administrator or User role."""

    id: str = attrs.field(validator=check_id)
    """The user's id in the host's system, unique within the company."""
    name: str = attrs.field(validator=check_name)
    """The name people read."""
    role: Role = attrs.field(default=Role.USER, validator=instance_of(Role))


@frozen(cache_hash=True)
class Customer:
    """The customer's company, with its customer number, users and main contact (R3, R4)."""

    id: str = attrs.field(validator=check_id)
    """The customer's id in the host's system."""
    number: str = attrs.field(validator=check_id)
    """The customer number the office knows the company by; messages name the company by it."""
    name: str = attrs.field(validator=check_name)
    """The company's name, in messages and notifications."""
    users: tuple[CustomerUser, ...] = attrs.field(default=(), validator=tuple_of(CustomerUser))
    """The company's users, each id once; an Administrator among them may end (R1)."""
    main_contact: str | None = attrs.field(default=None, validator=optional(check_id))
    """The id of the user who is the main contact, an Administrator (R4); None when the company
    has none, which blocks every end (R3) until one is set."""
    language: str = attrs.field(default="en", validator=check_language)
    """The language the company's notifications are written in (a code such as ``en``, ``sv``)."""
    version: int = attrs.field(default=0, validator=check_version)
    """Raised by one with each change; a write of a stale copy is a ConcurrencyConflict."""

    def __attrs_post_init__(self) -> None:
        _require_unique_ids(self.users, f"customer {self.id}")

    def user(self, user_id: str) -> CustomerUser | None:
        """The company's user with this id; None when it has none."""
        for u in self.users:  # a loop, not next(<generator>): every plan asks
            if u.id == user_id:
                return u
        return None

    @property
    def main_contact_user(self) -> CustomerUser | None:
        """The main contact as a user; None when there is no main contact, or its id names no
        user of the company."""
        return None if self.main_contact is None else self.user(self.main_contact)

    # R4's three remediation operations, each keeping the invariant.

    def with_user(self, user: CustomerUser) -> Customer:
        """The customer with one more user; raises InvalidInput when the id is taken."""
        if self.user(user.id) is not None:
            raise InvalidInput(
                f"Customer {self.id} already has a user {user.id}.",
                hint="Change that user's role instead, or pick another id.",
            )
        return attrs.evolve(self, users=(*self.users, user))

    def with_role(self, user_id: str, role: Role) -> Customer:
        """The customer with the user's role changed; raises NotFound for an unknown user and
        InvariantViolation when it would demote the main contact (R4)."""
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
        """The customer with this user as main contact; raises NotFound for an unknown user and
        InvariantViolation when the user is not an Administrator (R4)."""
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
    """The acting user's id, as the host authenticated it."""
    party: Party = attrs.field(validator=instance_of(Party))
    """The side the user acts for."""
    party_id: str = attrs.field(validator=check_id)
    """The id of the office or the customer the user acts for."""

    @classmethod
    def office(cls, office_id: str, user_id: str) -> Actor:
        """A user of the office ``office_id``, acting for it."""
        return cls(user_id=user_id, party=Party.OFFICE, party_id=office_id)

    @classmethod
    def customer(cls, customer_id: str, user_id: str) -> Actor:
        """A user of the customer ``customer_id``, acting for the company."""
        return cls(user_id=user_id, party=Party.CUSTOMER, party_id=customer_id)


# --- the aggregate -------------------------------------------------------------


@frozen(cache_hash=True)
class Collaboration:
    """One office's collaboration with one customer for one product."""

    id: str = attrs.field(validator=check_id)
    office_id: str = attrs.field(validator=check_id)
    customer_id: str = attrs.field(validator=check_id)
    product: str = attrs.field(validator=check_id)
    """The product's key in the catalog, such as ``payroll``."""
    started_at: datetime = attrs.field(validator=check_aware)
    """When it started or was registered (timezone-aware)."""
    variant: str | None = attrs.field(default=None, validator=optional(check_id))
    """The product's variant (R19), such as ``smart``; None for a product without variants."""
    invoice_recipient: Party = attrs.field(default=Party.OFFICE, validator=instance_of(Party))
    """Who receives the subscription's invoices while it runs (R18)."""
    status: Status = attrs.field(default=Status.ACTIVE, validator=instance_of(Status))
    ended_at: datetime | None = attrs.field(default=None, validator=optional(check_aware))
    """When it ended; None while it is active."""
    ended_by: Actor | None = attrs.field(default=None)
    """Who ended it (for a scheduled end, who scheduled it); None while it is active."""
    outcome: Outcome | None = attrs.field(default=None)
    """What became of the service when it ended; None while it is active."""
    version: int = attrs.field(default=0, validator=check_version)
    """Raised by one with each change; a write of a stale copy is a ConcurrencyConflict."""

    @property
    def is_active(self) -> bool:
        """True until it ends."""
        return self.status is Status.ACTIVE

    def end(self, *, actor: Actor, outcome: Outcome, at: datetime) -> Collaboration:
        """R5: ending is final; an ended collaboration refuses to end again."""
        if not self.is_active:
            raise AlreadyEnded(self.id)
        # Field by field rather than attrs.evolve, which looks every field up by name, and
        # without checking again what this collaboration's own checks passed: an end is the
        # hot path. ``ended_at`` is the one new field with a check; ``ended_by`` and
        # ``outcome`` have none. A field added to the class must be added here (a test checks).
        check_aware(self, _ENDED_AT, at)
        version = self.version + 1
        check_version(self, _VERSION, version)
        return assembled(
            Collaboration,
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
            version,
        )

    def with_variant(self, variant: str) -> Collaboration:
        """The collaboration with another variant, without ending it (R19); raises AlreadyEnded
        once it has ended. The variant is checked by the service, not here."""
        if not self.is_active:
            raise AlreadyEnded(self.id)
        return attrs.evolve(self, variant=variant, version=self.version + 1)


_ENDED_AT, _VERSION = attrs.fields(Collaboration).ended_at, attrs.fields(Collaboration).version


@frozen(cache_hash=True)
class Subscription:
    """The company's subscription to a product: who pays, and in what state (R18, R21, R23)."""

    customer_id: str = attrs.field(validator=check_id)
    product: str = attrs.field(validator=check_id)
    payer: Party = attrs.field(validator=instance_of(Party))
    """Who pays for it now."""
    status: SubscriptionStatus = attrs.field(
        default=SubscriptionStatus.ACTIVE, validator=instance_of(SubscriptionStatus)
    )
    paid_until: date | None = attrs.field(default=None)
    """The last day paid for once it is deactivated or ended: the end of that billing month
    (R23); None while it runs on."""
    version: int = attrs.field(default=0, validator=check_version)
