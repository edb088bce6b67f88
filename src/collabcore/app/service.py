"""The service: one facade over the use cases, sharing one configuration.

Each method checks its input, then hands over to the use case that owns it:
ending (plan, end), bulk, lifecycle (start, variant, cancel), customers (R4)
and reading (overview, audit trail). The relay is built from the same
configuration (``service.relay()``), so the two never disagree on brand,
language, store or clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

import attrs

from collabcore.app.bulk import Bulk, BulkItem, Progress
from collabcore.app.config import Configuration, Integrations
from collabcore.app.customers import Customers
from collabcore.app.ending import Ending
from collabcore.app.lifecycle import Lifecycle
from collabcore.app.moving import MoveCommand, Moving
from collabcore.app.problems import TYPE_BASE, Problem, problem
from collabcore.app.reading import Reading
from collabcore.app.relay import Relay, RetryPolicy
from collabcore.app.requests import (
    EndCommand,
    EndRequest,
    acting,
    identifier,
    iterable,
    optional_callable,
    optional_day,
    optional_identifier,
    optional_member,
    product_outcomes,
    rule_codes,
    version_number,
    whole_number,
)
from collabcore.app.scheduling import Scheduling
from collabcore.domain.billing import checked_effective
from collabcore.domain.errors import CollabCoreError, ConfigurationError, InvalidInput, describe
from collabcore.domain.events import Event
from collabcore.domain.model import (
    AccountingOffice,
    Actor,
    Clock,
    Collaboration,
    Customer,
    CustomerUser,
    IdGenerator,
    Outcome,
    Party,
    Role,
    Subscription,
    new_id,
    utc_now,
)
from collabcore.domain.plans import MovePlan, Plan
from collabcore.domain.records import EndResult, MoveResult, OverviewCursor, OverviewPage
from collabcore.domain.requests import DueReport, LifecycleRequest, Scheduled
from collabcore.policy.engine import Rulebook
from collabcore.policy.facts import Facts
from collabcore.policy.products import ProductCatalog, ProductSpec
from collabcore.ports import Store
from collabcore.wording.texts import DEFAULT_FALLBACK, Brand, Localizer, Texts


class CollaborationService:
    """Plan, end, start and look at collaborations, with rules from a rulebook.

    The rulebook, products, texts, brand and language are fixed when the service is
    built (``speaking`` gives a twin in other words). Rules must be pure functions of
    their context: plans are memoized on everything they are computed from (up to
    ``plan_memo_size`` of them; 0 turns the memo off).

    >>> import collabcore as cc
    >>> service = cc.CollaborationService(cc.MemoryStore(), brand=cc.SPIRIS, language="sv")
    """

    def __init__(
        self,
        store: Store,
        *,
        integrations: Integrations | None = None,
        rulebook: Rulebook | None = None,
        products: ProductCatalog | None = None,
        texts: Texts | None = None,
        brand: Brand | str = "visma",
        language: str = "en",
        clock: Clock = utc_now,
        ids: IdGenerator = new_id,
        plan_memo_size: int = 1024,
        fallback: Sequence[str] = DEFAULT_FALLBACK,
    ) -> None:
        whole_number(plan_memo_size, "plan_memo_size", 0, 10_000_000)
        config = Configuration.build(
            store,
            integrations=integrations,
            rulebook=rulebook,
            products=products,
            texts=texts,
            brand=brand,
            language=language,
            clock=clock,
            ids=ids,
            fallback=fallback,
        )
        self._use(config, plan_memo_size)

    def _use(self, config: Configuration, plan_memo_size: int) -> None:
        self.configuration = config
        self._plan_memo_size = plan_memo_size
        self._ending = Ending(config, plan_memo_size)
        self._reading = Reading(config)
        self._bulk = Bulk(self._ending, self._reading)
        self._lifecycle = Lifecycle(config)
        self._customers = Customers(config)
        self._scheduling = Scheduling(config, self._ending, self._lifecycle)
        self._moving = Moving(config, self._ending, self._lifecycle)

    # --- what it was built with ------------------------------------------------

    @property
    def store(self) -> Store:
        """The store it reads and writes through."""
        return self.configuration.store

    @property
    def integrations(self) -> Integrations:
        """The host's integrations: what answers the rules' facts, and what the relay calls."""
        return self.configuration.integrations

    @property
    def rulebook(self) -> Rulebook:
        """The rules every plan and every operation is checked against."""
        return self.configuration.rulebook

    @property
    def products(self) -> ProductCatalog:
        """The products it knows: their outcomes, variants and effects."""
        return self.configuration.products

    @property
    def texts(self) -> Texts:
        """The words of every brand and language it can speak (``speaking`` picks one)."""
        return self.configuration.texts

    @property
    def localizer(self) -> Localizer:
        """Its brand and language: what renders findings, effects and problems in words."""
        return self.configuration.localizer

    @property
    def clock(self) -> Clock:
        """Where it reads the time (UTC now, or a test's manual clock)."""
        return self.configuration.clock

    def speaking(self, brand: Brand | str | None = None, language: str | None = None) -> CollaborationService:
        """The same service over the same store, in another brand or language."""
        twin = object.__new__(CollaborationService)
        twin._use(self.configuration.speaking(brand, language), self._plan_memo_size)
        return twin

    def within(self, connection: Any) -> CollaborationService:
        """The same service inside the host's own transaction on ``connection`` (a sqlite3
        connection to a :class:`SQLiteStore`'s file, or a psycopg connection to a
        :class:`PostgresStore`'s database): what it writes, its events and its outbox
        commit or roll back with the host's rows, and the relay carries the effects out
        once the host has committed. The host opens and ends the transaction."""
        joining = getattr(self.store, "joining", None)
        if joining is None:
            raise ConfigurationError(
                f"A {type(self.store).__name__} cannot work in a host's transaction.",
                hint="SQLiteStore and PostgresStore can (store.joining(connection)); a host's own "
                "store can offer joining() too.",
            )
        twin = object.__new__(CollaborationService)
        twin._use(attrs.evolve(self.configuration, store=joining(connection)), self._plan_memo_size)
        return twin

    def problem(
        self, error: CollabCoreError, *, instance: str | None = None, type_base: str = TYPE_BASE
    ) -> Problem:
        """The RFC 9457 problem document that answers ``error``, in this service's brand and
        language (see :mod:`collabcore.app.problems`)."""
        return problem(error, self.configuration.localizer, instance=instance, type_base=type_base)

    def relay(self, retry: RetryPolicy | None = None) -> Relay:
        """A relay over this service's store and integrations, in its brand, with its clock."""
        return Relay(self.configuration, retry=retry)

    # --- registration and R4 -------------------------------------------------------

    def register_office(self, office: AccountingOffice) -> AccountingOffice:
        """Add or replace an office and its users (the host's directory is the source)."""
        return self._customers.register_office(office)

    def register_customer(self, customer: Customer) -> Customer:
        """Add or update a customer and its users (the host's directory is the source), as
        ``register_office`` does an office: registering an id again replaces what was
        registered, and registering it unchanged writes nothing. R4 holds from the start: a
        main contact must be one of its Administrators. Returns the customer as stored."""
        return self._customers.register_customer(customer)

    def register_collaboration(
        self,
        *,
        office_id: str,
        customer_id: str,
        product: str,
        variant: str | None = None,
        invoice_recipient: Party | str = Party.OFFICE,
    ) -> Collaboration:
        """The host's own set-up: record a collaboration that already runs in its system
        (no actor; trusted like ``register_customer``). Users start one with
        ``start_collaboration``."""
        return self._lifecycle.register(
            office_id=office_id,
            customer_id=customer_id,
            product=product,
            variant=variant,
            invoice_recipient=invoice_recipient,
        )

    def add_customer_user(self, customer_id: str, user: CustomerUser, *, actor: Actor) -> Customer:
        """R4: create the user the main contact will be."""
        return self._customers.add_customer_user(customer_id, user, actor=actor)

    def change_role(self, customer_id: str, user_id: str, role: Role | str, *, actor: Actor) -> Customer:
        """R4: make a user Administrator (the main contact cannot be demoted)."""
        return self._customers.change_role(customer_id, user_id, role, actor=actor)

    def set_main_contact(self, customer_id: str, user_id: str, *, actor: Actor) -> Customer:
        """R4: select an Administrator as main contact."""
        return self._customers.set_main_contact(customer_id, user_id, actor=actor)

    # --- reads -----------------------------------------------------------------------

    def get_collaboration(self, collaboration_id: str, *, actor: Actor) -> Collaboration:
        """The collaboration, if the actor's office or company is a party to it; NotFound
        otherwise, exactly as for an id that does not exist."""
        return self._reading.get_collaboration(collaboration_id, actor=actor)

    def overview(
        self,
        office_id: str,
        *,
        actor: Actor,
        after: OverviewCursor | None = None,
        limit: int | None = None,
    ) -> OverviewPage:
        """R13: the office's customers, each with the active collaborations it has with them;
        every employee of the office may look, nobody else. Keyset pages: pass
        ``page.next_cursor`` as ``after`` for the next one."""
        return self._reading.overview(office_id, actor=actor, after=after, limit=limit)

    def events_of_customer(self, customer_id: str, *, actor: Actor | None = None) -> tuple[Event, ...]:
        """The audit trail of one customer, oldest first; with an ``actor``, only if it may read it."""
        return self._reading.events_of_customer(customer_id, actor=actor)

    def get_subscription(self, customer_id: str, product: str) -> Subscription | None:
        """The company's subscription to ``product``: who pays, until when. None when none is
        stored. No actor: a read for the host itself, not for a tenant."""
        return self._reading.get_subscription(customer_id, product)

    def facts(self, customer_id: str, product: ProductSpec) -> Facts:
        """Ask the integrations what the rules for ending ``product`` read."""
        if not isinstance(product, ProductSpec):
            raise InvalidInput(
                f"product must be a ProductSpec (service.products.get(key)), got {describe(product)}.",
                path="product",
            )
        return self._ending.facts(identifier(customer_id, "customer_id"), product)

    # --- ending ------------------------------------------------------------------------

    def plan_end(
        self,
        collaboration_id: str,
        *,
        actor: Actor,
        outcome: Outcome | str,
        acknowledge: Iterable[str] = (),
        confirm_deletion: bool = False,
        effective: date | None = None,
    ) -> Plan:
        """Every finding, the effects, the consequences and the timeline of ending (on the
        day ``effective``, if given: as it would be carried out then); changes nothing."""
        command = EndCommand.checked(collaboration_id, actor, outcome, acknowledge, confirm_deletion)
        return self._ending.plan(command, checked_effective(optional_day(effective, "effective")))

    def end(
        self,
        collaboration_id: str,
        *,
        actor: Actor,
        outcome: Outcome | str,
        acknowledge: Iterable[str] = (),
        confirm_deletion: bool = False,
        idempotency_key: str | None = None,
        expected_version: int | None = None,
    ) -> EndResult:
        """End the collaboration, exactly once, or raise with every finding.

        Records the end, its event, its pending effects and the idempotency key in
        one transaction. The same ``idempotency_key`` with the same request returns
        the first result again (``replayed=True``) and changes nothing.
        """
        command = EndCommand.checked(collaboration_id, actor, outcome, acknowledge, confirm_deletion)
        key = optional_identifier(idempotency_key, "idempotency_key")
        return self._ending.end(command, key, version_number(expected_version, "expected_version"))

    def end_many(
        self,
        requests: Iterable[EndRequest],
        *,
        actor: Actor,
        idempotency_prefix: str | None = None,
        progress: Progress | None = None,
        batch_size: int = 100,
    ) -> Iterator[BulkItem]:
        """End many collaborations, ``batch_size`` per transaction, each on its own terms;
        yields one result per item once it is committed."""
        return self._bulk.end_many(
            iterable(requests, "requests"),
            actor=acting(actor),
            idempotency_prefix=optional_identifier(idempotency_prefix, "idempotency_prefix"),
            progress=optional_callable(progress, "progress"),
            batch_size=whole_number(batch_size, "batch_size", 1, 10_000),
        )

    def end_all_of_office(
        self,
        office_id: str,
        *,
        actor: Actor,
        outcomes: Mapping[str, Outcome],
        acknowledge: Iterable[str] = (),
        confirm_deletion: bool = False,
        idempotency_prefix: str | None = None,
        progress: Progress | None = None,
        batch_size: int = 100,
    ) -> Iterator[BulkItem]:
        """End every active collaboration of an office whose product is in ``outcomes``
        (product -> outcome), for example when the office closes."""
        actor = acting(actor)
        if not isinstance(confirm_deletion, bool):
            raise InvalidInput("confirm_deletion must be True or False.", path="confirm_deletion")
        requests = self._bulk.office_requests(
            identifier(office_id, "office_id"),
            actor=actor,
            outcomes=product_outcomes(outcomes, self.products),
            acknowledge=rule_codes(acknowledge, "acknowledge"),
            confirm_deletion=confirm_deletion,
        )
        return self.end_many(
            requests,
            actor=actor,
            idempotency_prefix=idempotency_prefix,
            progress=progress,
            batch_size=batch_size,
        )

    # --- ends on a date, requests, invitations ---------------------------------------------

    def schedule_end(
        self,
        collaboration_id: str,
        *,
        actor: Actor,
        outcome: Outcome | str,
        effective: date | None = None,
        acknowledge: Iterable[str] = (),
        confirm_deletion: bool = False,
    ) -> Scheduled:
        """Record an end that takes effect on ``effective`` (by default the last day of this
        billing month, R23), and return it with a preview of its plan.

        Who may end (R1, R14), finality (R5) and the outcome (R15) are decided now; every
        other rule is asked again on the day, and an end that is blocked then is not carried
        out (both parties are told why). Either party withdraws it until then
        (``withdraw``). With the rulebook's acceptance switch on, an office's end first waits
        for the customer's Administrator (``accept`` / ``decline``)."""
        command = EndCommand.checked(collaboration_id, actor, outcome, acknowledge, confirm_deletion)
        return self._scheduling.schedule_end(command, checked_effective(optional_day(effective, "effective")))

    def withdraw(self, request_id: str, *, actor: Actor) -> LifecycleRequest:
        """Withdraw a scheduled end (either party, with the rights of R1/R14) or one's own
        invitation; nothing of it happens."""
        return self._scheduling.withdraw(identifier(request_id, "request_id"), acting(actor))

    def accept(self, request_id: str, *, actor: Actor) -> LifecycleRequest:
        """The awaited party's Administrator accepts: an invitation starts its collaboration
        now; an office's end waits for its day (or is carried out now if the day has come)."""
        return self._scheduling.accept(identifier(request_id, "request_id"), acting(actor))

    def decline(self, request_id: str, *, actor: Actor) -> LifecycleRequest:
        """The awaited party's Administrator declines; nothing of the request happens."""
        return self._scheduling.decline(identifier(request_id, "request_id"), acting(actor))

    def invite(
        self,
        *,
        actor: Actor,
        office_id: str,
        customer_id: str,
        product: str,
        variant: str | None = None,
        invoice_recipient: Party | str = Party.OFFICE,
    ) -> LifecycleRequest:
        """Ask the other party to start a collaboration: the customer's Administrator invites
        an office (which accepts), or an office that already works with the customer asks
        to add a product (the customer's Administrator accepts). It expires unanswered after
        the rulebook's acceptance period (7 days by default)."""
        actor = acting(actor)
        terms = self._lifecycle.terms(office_id, customer_id, product, variant, invoice_recipient)
        return self._scheduling.invite(actor, terms)

    def get_request(self, request_id: str, *, actor: Actor) -> LifecycleRequest:
        """The lifecycle request, if the actor's office or company is a party to it; NotFound
        otherwise, exactly as for an id that does not exist."""
        return self._scheduling.get(identifier(request_id, "request_id"), acting(actor))

    def plan_request(self, request_id: str, *, actor: Actor) -> Plan:
        """A scheduled end's plan as it would be carried out on its day, with today's facts."""
        return self._scheduling.plan_scheduled(identifier(request_id, "request_id"), acting(actor))

    def requests(self, *, actor: Actor, open_only: bool = True) -> tuple[LifecycleRequest, ...]:
        """The lifecycle requests of the actor's own office or company, oldest first."""
        return self._reading.requests(actor=actor, open_only=open_only)

    def carry_out_due(self, *, limit: int = 100) -> DueReport:
        """Settle what is due, up to ``limit`` (1 to 10,000) requests: scheduled ends whose day
        has come (carried out, or blocked and both parties told), requests nobody accepted
        in time (expired), read-only accesses whose grace period ran out (revoked). Run it
        from the host's scheduler, on as many workers as it likes: each request is settled
        once. The relay then carries out the effects."""
        return self._scheduling.carry_out_due(whole_number(limit, "limit", 1, 10_000))

    # --- moving to another office ------------------------------------------------------------

    def plan_move(
        self,
        customer_id: str,
        *,
        actor: Actor,
        from_office_id: str,
        to_office_id: str,
        products: Iterable[str] | None = None,
        acknowledge: Iterable[str] = (),
        invoice_recipient: Party | str | None = None,
    ) -> MovePlan:
        """Every finding of ending with the old office and starting with the new one, the
        hand-over and its dates; changes nothing."""
        return self._moving.plan(
            self._move_command(
                customer_id, actor, from_office_id, to_office_id, products, acknowledge, invoice_recipient
            )
        )

    def move(
        self,
        customer_id: str,
        *,
        actor: Actor,
        from_office_id: str,
        to_office_id: str,
        products: Iterable[str] | None = None,
        acknowledge: Iterable[str] = (),
        invoice_recipient: Party | str | None = None,
    ) -> MoveResult:
        """The customer's Administrator moves ``products`` (None: all of them) from one office
        to another in one transaction: never two offices, or none, on a product. The company
        keeps the service and its data; the old office's access, the payroll backup, the
        reports, the new office's access and the invoices are handed over by the relay."""
        return self._moving.move(
            self._move_command(
                customer_id, actor, from_office_id, to_office_id, products, acknowledge, invoice_recipient
            )
        )

    def _move_command(
        self,
        customer_id: str,
        actor: Actor,
        from_office_id: str,
        to_office_id: str,
        products: Iterable[str] | None,
        acknowledge: Iterable[str],
        invoice_recipient: Party | str | None,
    ) -> MoveCommand:
        chosen = None
        if products is not None:
            chosen = frozenset(
                self.products.get(identifier(p, "products")).key for p in iterable(products, "products")
            )
            if not chosen:
                raise InvalidInput(
                    "products must name at least one product, or be None for all.", path="products"
                )
        return MoveCommand(
            identifier(customer_id, "customer_id"),
            acting(actor),
            identifier(from_office_id, "from_office_id"),
            identifier(to_office_id, "to_office_id"),
            chosen,
            rule_codes(acknowledge, "acknowledge"),
            optional_member(Party, invoice_recipient, "invoice_recipient"),
        )

    # --- starting and changing ---------------------------------------------------------

    def start_collaboration(
        self,
        *,
        actor: Actor,
        office_id: str,
        customer_id: str,
        product: str,
        variant: str | None = None,
        invoice_recipient: Party | str = Party.OFFICE,
    ) -> Collaboration:
        """Start a collaboration (a new one after an end, R5); one active per product.

        Deny by default: the customer's Administrator brings an office in, or an office
        (full rights, Administrator) adds a product for a customer it already has an
        active collaboration with. Anyone else gets exactly the answer for a customer
        that does not exist."""
        return self._lifecycle.start(
            actor=actor,
            office_id=office_id,
            customer_id=customer_id,
            product=product,
            variant=variant,
            invoice_recipient=invoice_recipient,
        )

    def change_variant(self, collaboration_id: str, *, actor: Actor, variant: str) -> Collaboration:
        """R19: changing the variant never requires ending the collaboration."""
        return self._lifecycle.change_variant(collaboration_id, actor=actor, variant=variant)

    def cancel_subscription(self, customer_id: str, product: str, *, actor: Actor) -> Subscription:
        """The company cancels its own subscription; refused while a collaboration is active (R21)."""
        return self._lifecycle.cancel_subscription(customer_id, product, actor=actor)
