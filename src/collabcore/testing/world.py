"""A small, ready-made world for tests, notebooks and examples.

Offices, customers and collaborations on any store, with fake integrations.

``World`` registers a standard cast (an office Administrator with full rights,
a clerk, an Administrator without full rights; a customer's Administrator
and a plain user) so that a test states only what it is about.
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

from collabcore.adapters.memory import MemoryStore
from collabcore.app.relay import Relay, RetryPolicy
from collabcore.app.service import CollaborationService
from collabcore.domain.model import (
    AccountingOffice,
    Actor,
    Collaboration,
    Customer,
    CustomerUser,
    OfficeUser,
    Party,
    Role,
)
from collabcore.policy.engine import Rulebook
from collabcore.policy.products import ProductCatalog
from collabcore.ports import Store
from collabcore.testing.fakes import FakeIntegrations
from collabcore.wording.texts import Texts

OFFICE_ADMIN = "admin"
"""Full user rights and Administrator: may end (R14)."""
OFFICE_CLERK = "clerk"
"""Neither full rights nor Administrator: may only look."""
OFFICE_JUNIOR_ADMIN = "junior"
"""Administrator without full user rights: may only look."""
CUSTOMER_ADMIN = "boss"
"""The company's Administrator and, by default, its main contact: may end (R1)."""
CUSTOMER_USER = "staff"
"""A user of the company in the User role: may not end."""

OFFICE_NAMES: tuple[str, ...] = (
    "Berg & Lind AB",
    "Holm & Ek AB",
    "Dahl & Strand AB",
    "Falk & Vik AB",
    "Lund & Sten AB",
    "Roos & Ahl AB",
)
"""The cast's offices by name: ``office-1`` is Berg & Lind AB, ``office-2`` Holm & Ek AB...
Names, not words, so that they read the same in every language."""
CUSTOMER_NAMES: tuple[str, ...] = (
    "Nordin Design AB",
    "Alva Media AB",
    "Tora Studio AB",
    "Iris Print AB",
    "Vera Form AB",
    "Otto Data AB",
)
"""The cast's companies by name: ``customer-1`` is Nordin Design AB, ``customer-2`` Alva Media AB..."""


def cast_name(party_id: str, names: tuple[str, ...]) -> str:
    """The name the cast gives ``party_id``: the n-th of ``names`` for an id that ends in
    ``-n`` (``office-2``), else one made from the id (``acme-office``: Acme Office AB)."""
    numbered = re.fullmatch(r"[a-z]+-([1-9][0-9]*)", party_id)
    if numbered:
        n = int(numbered[1])
        name = names[(n - 1) % len(names)]
        return name if n <= len(names) else f"{name.removesuffix(' AB')} {n} AB"
    words = [w.capitalize() for w in re.split(r"[\W_]+", party_id) if w]
    return " ".join(words or ["Nameless"]) + " AB"


def cast_number(customer_id: str) -> str:
    """The customer number the cast gives ``customer_id``: 1001 for ``customer-1``, 1002 for
    ``customer-2``...; ``N-<id>`` for an id that does not end in ``-n``."""
    numbered = re.fullmatch(r"[a-z]+-([1-9][0-9]*)", customer_id)
    return str(1000 + int(numbered[1])) if numbered else f"N-{customer_id}"


class ManualClock:
    """A clock that moves only when told, one microsecond per reading (stable order)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1)
        return self.now

    def advance(self, delta: timedelta) -> None:
        """Move the time on by ``delta`` (a scheduled end's day, a request's expiry...)."""
        self.now += delta


class World:
    """A service with fake integrations and a manual clock, over a memory store by default, and
    a cast to register in one call each: an office (``admin``, ``clerk``, ``junior``) and a
    customer (``boss``, ``staff``), named as companies are (``office-1`` is Berg & Lind AB,
    ``customer-1`` Nordin Design AB: see :data:`OFFICE_NAMES`). Collaboration ids are
    ``collab-1``, ``collab-2``..."""

    def __init__(
        self,
        store: Store | None = None,
        *,
        brand: str = "visma",
        language: str = "en",
        rulebook: Rulebook | None = None,
        texts: Texts | None = None,
        clock: ManualClock | None = None,
        products: ProductCatalog | None = None,
    ) -> None:
        """A host's ``rulebook`` and ``products`` reach the fakes too: they answer the facts
        those declare, by default with each fact's ``all_clear``, and take them by name."""
        self.store: Store = store if store is not None else MemoryStore()
        self.fakes = FakeIntegrations(rulebook=rulebook, products=products)
        self.clock = clock or ManualClock()
        counter = itertools.count(1)
        self.service = CollaborationService(
            self.store,
            integrations=self.fakes.integrations(),
            rulebook=rulebook,
            products=products,
            texts=texts,
            brand=brand,
            language=language,
            clock=self.clock,
            ids=lambda: f"collab-{next(counter)}",
        )

    def office(
        self, office_id: str = "office-1", *, language: str = "en", name: str | None = None
    ) -> AccountingOffice:
        """Register an office with the cast's three consultants (see ``OFFICE_ADMIN``), named
        ``name`` or by :func:`cast_name` (``office-1``: Berg & Lind AB)."""
        return self.service.register_office(
            AccountingOffice(
                office_id,
                name or cast_name(office_id, OFFICE_NAMES),
                (
                    OfficeUser(OFFICE_ADMIN, "Ada Admin", Role.ADMINISTRATOR, full_rights=True),
                    OfficeUser(OFFICE_CLERK, "Carl Clerk", Role.USER, full_rights=False),
                    OfficeUser(OFFICE_JUNIOR_ADMIN, "Jo Junior", Role.ADMINISTRATOR, full_rights=False),
                ),
                language=language,
            )
        )

    def customer(
        self,
        customer_id: str = "customer-1",
        *,
        number: str | None = None,
        main_contact: bool = True,
        language: str = "en",
        name: str | None = None,
    ) -> Customer:
        """Register a customer with ``boss`` (Administrator) and ``staff`` (User); ``boss`` is the
        main contact unless ``main_contact=False``. The number is ``number`` or
        :func:`cast_number`'s (``customer-1``: 1001), the name ``name`` or :func:`cast_name`'s
        (``customer-1``: Nordin Design AB)."""
        return self.service.register_customer(
            Customer(
                customer_id,
                number or cast_number(customer_id),
                name or cast_name(customer_id, CUSTOMER_NAMES),
                (
                    CustomerUser(CUSTOMER_ADMIN, "Bea Boss", Role.ADMINISTRATOR),
                    CustomerUser(CUSTOMER_USER, "Stu Staff", Role.USER),
                ),
                main_contact=CUSTOMER_ADMIN if main_contact else None,
                language=language,
            )
        )

    def collaboration(
        self,
        product: str,
        *,
        office_id: str = "office-1",
        customer_id: str = "customer-1",
        variant: str | None = None,
        invoice_recipient: Party = Party.OFFICE,
        actor: Actor | None = None,
    ) -> Collaboration:
        """Started by ``actor`` under the rules; by default by the customer's first
        Administrator, who brings the office in (an office may start only with a customer it
        already works with). A customer with no Administrator cannot: then the collaboration
        is registered as already running (the host's set-up, no actor)."""
        if actor is None:
            with self.store.transaction(write=False) as uow:
                customer = uow.get_customer(customer_id)
            admin = (
                None
                if customer is None
                else next((u for u in customer.users if u.role is Role.ADMINISTRATOR), None)
            )
            if admin is None:
                return self.service.register_collaboration(
                    office_id=office_id,
                    customer_id=customer_id,
                    product=product,
                    variant=variant,
                    invoice_recipient=invoice_recipient,
                )
            actor = Actor.customer(customer_id, admin.id)
        return self.service.start_collaboration(
            actor=actor,
            office_id=office_id,
            customer_id=customer_id,
            product=product,
            variant=variant,
            invoice_recipient=invoice_recipient,
        )

    def setup(self, *products: str) -> list[Collaboration]:
        """One office, one customer with a main contact, and a collaboration per product."""
        self.office()
        self.customer()
        return [self.collaboration(p) for p in products]

    @staticmethod
    def office_admin(office_id: str = "office-1") -> Actor:
        """The office's ``admin``, who may end (full rights and Administrator, R14)."""
        return Actor.office(office_id, OFFICE_ADMIN)

    @staticmethod
    def customer_admin(customer_id: str = "customer-1") -> Actor:
        """The company's ``boss``, its Administrator, who may end (R1)."""
        return Actor.customer(customer_id, CUSTOMER_ADMIN)

    def relay(self, retry: RetryPolicy | None = None) -> Relay:
        """The service's relay: same store, integrations, brand, language and clock."""
        return self.service.relay(retry)
