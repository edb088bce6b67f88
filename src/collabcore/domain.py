"""The domain: parties, users, collaborations, subscriptions and their events.

Plain, immutable attrs values. This module imports only the standard library,
attrs and collabcore's own errors: no storage, no texts, no serialization.
Changes return new values; the methods that change an aggregate also enforce
its invariants (R4: the main contact is an Administrator; R5: an ended
collaboration stays ended).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeAlias

import attrs
from attrs import frozen

from collabcore.errors import AlreadyEnded, InvalidInput, InvariantViolation, NotFound, describe

MAX_ID_LENGTH = 128
MAX_NAME_LENGTH = 500

Clock: TypeAlias = Callable[[], datetime]
IdGenerator: TypeAlias = Callable[[], str]


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


def month_end(day: date) -> date:
    """The last day of ``day``'s month: what a mid-month end is paid until (R23)."""
    first_of_next = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def next_day(day: date) -> date:
    return day + timedelta(days=1)


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


class EffectKind(StrEnum):
    """One thing that ending causes outside the library, carried out by the relay."""

    HAND_OVER_PAYROLL_BACKUP = "hand_over_payroll_backup"
    EXPORT_REPORTS = "export_reports"
    REVOKE_OFFICE_ACCESS = "revoke_office_access"
    RESTRICT_OFFICE_ACCESS = "restrict_office_access"
    REVOKE_COMPANY_ONLINE_ACCESS = "revoke_company_online_access"
    TRANSFER_SUBSCRIPTION = "transfer_subscription"
    DEACTIVATE_SUBSCRIPTION = "deactivate_subscription"
    CANCEL_SUBSCRIPTION = "cancel_subscription"
    ERASE_SERVICE_DATA = "erase_service_data"
    NOTIFY_OFFICE = "notify_office"
    NOTIFY_CUSTOMER = "notify_customer"


# --- validators: bad input becomes InvalidInput, never a TypeError ------------


def require_text(value: Any, name: str, limit: int = MAX_ID_LENGTH) -> str:
    """``value`` as a non-empty string of at most ``limit`` characters, or InvalidInput."""
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string, got {describe(value)}.", path=name)
    if not value.strip():
        raise InvalidInput(f"{name} must not be empty.", path=name)
    if len(value) > limit:
        raise InvalidInput(
            f"{name} is {len(value)} characters long; the limit is {limit}.",
            hint="Shorten it.",
            path=name,
        )
    if "\x00" in value:
        raise InvalidInput(f"{name} contains a NUL character.", hint="Remove it.", path=name)
    return value


def _check_text(limit: int) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        require_text(value, attribute.name, limit)

    return check


check_id = _check_text(MAX_ID_LENGTH)
check_name = _check_text(MAX_NAME_LENGTH)


def _optional(
    check: Callable[[Any, attrs.Attribute[Any], Any], None],
) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def run(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None:
            check(instance, attribute, value)

    return run


def _instance_of(kind: type | tuple[type, ...]) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise InvalidInput(
                f"{attribute.name} must be a {names}, got {describe(value)}.", path=attribute.name
            )

    return check


def check_aware(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, datetime):
        raise InvalidInput(
            f"{attribute.name} must be a datetime, got {describe(value)}.", path=attribute.name
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(
            f"{attribute.name} is a naive datetime ({value.isoformat()}).",
            hint="Give it a time zone, e.g. datetime.now(UTC).",
            path=attribute.name,
        )


def _check_version(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidInput(
            f"{attribute.name} must be a whole number ≥ 0, got {describe(value)}.",
            path=attribute.name,
        )


def _tuple_of(kind: type) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, tuple) or not all(isinstance(v, kind) for v in value):
            raise InvalidInput(
                f"{attribute.name} must be a tuple of {kind.__name__}, got {describe(value)}.",
                path=attribute.name,
            )

    return check


_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")


def _language(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not _LANGUAGE.fullmatch(value):
        raise InvalidInput(
            f"{attribute.name} must be a language code such as 'en' or 'sv', got {describe(value)}.",
            path=attribute.name,
        )


# --- parties -----------------------------------------------------------------


@frozen
class OfficeUser:
    """A consultant of an accounting office.

    R14: every employee may see the office's collaborations; only one with full
    user rights *and* the Administrator role may end or change one.
    """

    id: str = attrs.field(validator=check_id)
    name: str = attrs.field(validator=check_name)
    role: Role = attrs.field(default=Role.USER, validator=_instance_of(Role))
    full_rights: bool = attrs.field(default=False, validator=_instance_of(bool))

    @property
    def may_manage_collaborations(self) -> bool:
        return self.full_rights and self.role is Role.ADMINISTRATOR


@frozen(cache_hash=True)
class AccountingOffice:
    id: str = attrs.field(validator=check_id)
    name: str = attrs.field(validator=check_name)
    users: tuple[OfficeUser, ...] = attrs.field(default=(), validator=_tuple_of(OfficeUser))
    language: str = attrs.field(default="en", validator=_language)

    def __attrs_post_init__(self) -> None:
        _require_unique_ids(self.users, f"office {self.id}")

    def user(self, user_id: str) -> OfficeUser | None:
        return next((u for u in self.users if u.id == user_id), None)


@frozen
class CustomerUser:
    """A user of the customer's company, with the Administrator or User role."""

    id: str = attrs.field(validator=check_id)
    name: str = attrs.field(validator=check_name)
    role: Role = attrs.field(default=Role.USER, validator=_instance_of(Role))


@frozen(cache_hash=True)
class Customer:
    """The customer's company, with its customer number, users and main contact (R3, R4)."""

    id: str = attrs.field(validator=check_id)
    number: str = attrs.field(validator=check_id)
    name: str = attrs.field(validator=check_name)
    users: tuple[CustomerUser, ...] = attrs.field(default=(), validator=_tuple_of(CustomerUser))
    main_contact: str | None = attrs.field(default=None, validator=_optional(check_id))
    language: str = attrs.field(default="en", validator=_language)
    version: int = attrs.field(default=0, validator=_check_version)

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
    party: Party = attrs.field(validator=_instance_of(Party))
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
    variant: str | None = attrs.field(default=None, validator=_optional(check_id))
    invoice_recipient: Party = attrs.field(default=Party.OFFICE, validator=_instance_of(Party))
    status: Status = attrs.field(default=Status.ACTIVE, validator=_instance_of(Status))
    ended_at: datetime | None = attrs.field(default=None, validator=_optional(check_aware))
    ended_by: Actor | None = attrs.field(default=None)
    outcome: Outcome | None = attrs.field(default=None)
    version: int = attrs.field(default=0, validator=_check_version)

    @property
    def is_active(self) -> bool:
        return self.status is Status.ACTIVE

    def end(self, *, actor: Actor, outcome: Outcome, at: datetime) -> Collaboration:
        """R5: ending is final; an ended collaboration refuses to end again."""
        if not self.is_active:
            raise AlreadyEnded(self.id)
        return attrs.evolve(
            self,
            status=Status.ENDED,
            ended_at=at,
            ended_by=actor,
            outcome=outcome,
            version=self.version + 1,
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
    payer: Party = attrs.field(validator=_instance_of(Party))
    status: SubscriptionStatus = attrs.field(
        default=SubscriptionStatus.ACTIVE, validator=_instance_of(SubscriptionStatus)
    )
    paid_until: date | None = attrs.field(default=None)
    version: int = attrs.field(default=0, validator=_check_version)


# --- domain events: ids and codes only, never names -------------------------


@frozen
class CollaborationStarted:
    collaboration_id: str
    office_id: str
    customer_id: str
    product: str
    variant: str | None
    invoice_recipient: Party
    actor: Actor
    occurred_at: datetime


@frozen
class CollaborationEnded:
    collaboration_id: str
    office_id: str
    customer_id: str
    product: str
    outcome: Outcome
    actor: Actor
    acknowledged: tuple[str, ...]
    occurred_at: datetime


@frozen
class EndRefusedRecorded:
    """An attempt to end that the rules refused: who, when, which outcome, which codes."""

    collaboration_id: str
    customer_id: str
    outcome: Outcome
    codes: tuple[str, ...]
    actor: Actor
    occurred_at: datetime


@frozen
class VariantChanged:
    collaboration_id: str
    customer_id: str
    old_variant: str | None
    new_variant: str
    actor: Actor
    occurred_at: datetime


@frozen
class CustomerUserAdded:
    customer_id: str
    user_id: str
    role: Role
    actor: Actor
    occurred_at: datetime


@frozen
class UserRoleChanged:
    customer_id: str
    user_id: str
    old_role: Role
    new_role: Role
    actor: Actor
    occurred_at: datetime


@frozen
class MainContactChanged:
    customer_id: str
    old_user_id: str | None
    new_user_id: str
    actor: Actor
    occurred_at: datetime


@frozen
class SubscriptionCancelled:
    customer_id: str
    product: str
    paid_until: date
    actor: Actor
    occurred_at: datetime


Event: TypeAlias = (
    CollaborationStarted
    | CollaborationEnded
    | EndRefusedRecorded
    | VariantChanged
    | CustomerUserAdded
    | UserRoleChanged
    | MainContactChanged
    | SubscriptionCancelled
)
