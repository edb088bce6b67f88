"""The host's directory and R4's remedy: registering offices and customers, and the three
operations that fix a missing main contact (add a user, make them Administrator, select
them as main contact), each keeping the invariant."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from collabcore.app.config import Configuration
from collabcore.app.refusals import denied, existing_customer, no_customer
from collabcore.app.requests import acting, identifier, member
from collabcore.domain.errors import InvalidInput, InvariantViolation, describe
from collabcore.domain.events import CustomerUserAdded, Event, MainContactChanged, UserRoleChanged
from collabcore.domain.findings import Finding, Severity
from collabcore.domain.model import (
    AccountingOffice,
    Actor,
    Collaboration,
    Customer,
    CustomerUser,
    Party,
    Role,
)
from collabcore.policy.authorization import user_management_denial
from collabcore.policy.rules.main_contact import KEEP_ADMIN, ONLY_ADMIN, main_contact_is_admin
from collabcore.ports import UnitOfWork

Change = Callable[[Customer], tuple[Customer, Callable[[Customer, Actor], Event]]]
"""The changed customer, and how to record the change once its time is known."""


class Customers:
    def __init__(self, config: Configuration) -> None:
        self.config = config

    # --- registration: the host's own trusted set-up ------------------------

    def register_office(self, office: AccountingOffice) -> AccountingOffice:
        """Add or replace an office and its users (the host's directory is the source)."""
        if not isinstance(office, AccountingOffice):
            raise InvalidInput(f"Expected an AccountingOffice, got {describe(office)}.")
        with self.config.store.transaction() as uow:
            uow.save_office(office)
            uow.commit()
        return office

    def register_customer(self, customer: Customer) -> Customer:
        if not isinstance(customer, Customer):
            raise InvalidInput(f"Expected a Customer, got {describe(customer)}.")
        if customer.main_contact is not None:
            customer.with_main_contact(customer.main_contact)  # R4 holds from the start
        with self.config.store.transaction() as uow:
            stored = uow.get_customer(customer.id, for_update=True)
            if stored is None:
                uow.add_customer(customer)
            elif attrs.evolve(stored, version=customer.version) == customer:
                return stored  # registered as it is: nothing to write
            else:
                # The host's directory is the source: what it says now replaces what it said.
                customer = attrs.evolve(customer, version=stored.version + 1)
                uow.update_customer(customer, expected_version=stored.version)
            uow.commit()
        return customer

    # --- R4: fixing a missing main contact ---------------------------------------

    def add_customer_user(self, customer_id: str, user: CustomerUser, *, actor: Actor) -> Customer:
        """R4: "Should your customer not be in the list over users, you first need to create
        a new user." """
        if not isinstance(user, CustomerUser):
            raise InvalidInput(f"user must be a CustomerUser, got {describe(user)}.", path="user")

        def change(c: Customer) -> tuple[Customer, Callable[[Customer, Actor], Event]]:
            return c.with_user(user), lambda new, a: CustomerUserAdded(
                new.id, user.id, user.role, a, self.config.clock()
            )

        return self._change(customer_id, actor, change)

    def change_role(self, customer_id: str, user_id: str, role: Role | str, *, actor: Actor) -> Customer:
        """R4: "Change a user's role by selecting the pencil symbol followed by selecting
        Administrator." The main contact cannot be demoted."""
        user_id = identifier(user_id, "user_id")
        new_role = member(Role, role, "role")

        def change(c: Customer) -> tuple[Customer, Callable[[Customer, Actor], Event]]:
            changed = c.with_role(user_id, new_role)
            old = c.user(user_id)
            assert old is not None  # with_role refuses a user it does not know
            return changed, lambda new, a: UserRoleChanged(
                new.id, user_id, old.role, new_role, a, self.config.clock()
            )

        return self._change(customer_id, actor, change, refused_as=(KEEP_ADMIN, user_id))

    def set_main_contact(self, customer_id: str, user_id: str, *, actor: Actor) -> Customer:
        """R4: "Finally, select this user as Main contact." Only an Administrator can be."""
        user_id = identifier(user_id, "user_id")

        def change(c: Customer) -> tuple[Customer, Callable[[Customer, Actor], Event]]:
            return c.with_main_contact(user_id), lambda new, a: MainContactChanged(
                new.id, c.main_contact, user_id, a, self.config.clock()
            )

        return self._change(customer_id, actor, change, refused_as=(ONLY_ADMIN, user_id))

    def _change(
        self, customer_id: str, actor: Actor, change: Change, refused_as: tuple[str, str] | None = None
    ) -> Customer:
        """``refused_as``: the text key that says, in the brand's words, why the aggregate
        refused (R4's invariant), and the user it is about."""
        customer_id, actor = identifier(customer_id, "customer_id"), acting(actor)
        with self.config.store.transaction() as uow:
            customer = existing_customer(uow, customer_id, for_update=True)
            self._authorize(uow, customer, actor)
            try:
                changed, event = change(customer)
            except InvariantViolation as refused:
                if refused_as is None:
                    raise
                finding = self._in_words(customer, *refused_as)
                raise InvariantViolation(refused.message, [finding], hint=refused.hint) from None
            changed = attrs.evolve(changed, version=customer.version + 1)
            uow.update_customer(changed, expected_version=customer.version)
            uow.append_events([event(changed, actor)])
            uow.commit()
        return changed

    def _in_words(self, customer: Customer, key: str, user_id: str) -> Finding:
        loc = self.config.localizer
        user = customer.user(user_id)
        params = {"user": user_id if user is None else user.name, "customer_number": customer.number}
        return Finding(
            main_contact_is_admin.id,
            Severity.BLOCKER,
            loc.text(key, **params),
            loc.steps(f"{key}.remedy", **params),
            key,
        )

    @staticmethod
    def _authorize(uow: UnitOfWork, customer: Customer, actor: Actor) -> None:
        active: tuple[Collaboration, ...] = ()
        office = None
        if actor.party is Party.OFFICE:
            active = tuple(uow.active_collaborations_of_customer(customer.id))
            office = uow.get_office(actor.party_id)
        denial = user_management_denial(actor, customer, office, active)
        if denial is not None:
            raise denied(denial, lambda: no_customer(customer.id))
