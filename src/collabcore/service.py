"""The use cases: one service object over the injected ports.

Reads and rules first, writes last, all in one unit of work. Facts come from
the integrations *before* the write transaction opens, so a slow integration
never holds a database lock.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from collabcore import bulk
from collabcore.bulk import BulkItem, BulkStatus, EndRequest, Progress
from collabcore.domain import (
    AccountingOffice,
    Actor,
    Clock,
    Collaboration,
    CollaborationEnded,
    CollaborationStarted,
    Customer,
    CustomerUser,
    CustomerUserAdded,
    EffectKind,
    EndRefusedRecorded,
    Event,
    IdGenerator,
    MainContactChanged,
    Outcome,
    Party,
    Role,
    Subscription,
    SubscriptionCancelled,
    SubscriptionStatus,
    UserRoleChanged,
    VariantChanged,
    month_end,
    new_id,
    require_text,
    utc_now,
)
from collabcore.errors import (
    AlreadyEnded,
    CollabCoreError,
    ConcurrencyConflict,
    EndRefused,
    IdempotencyKeyReused,
    InvalidInput,
    NotAuthorized,
    NotFound,
    OperationRefused,
    OutcomeNotOffered,
    describe,
)
from collabcore.planning import PLANNER_TEXTS, Plan, make_plan, render_findings, stamped
from collabcore.ports import (
    EndResult,
    EndSnapshot,
    EndWrites,
    IdempotencyRecord,
    Integrations,
    OverviewCursor,
    OverviewPage,
    Store,
    UnitOfWork,
)
from collabcore.products import FactSource, ProductCatalog, ProductSpec, default_products
from collabcore.rulebook import default_rulebook
from collabcore.rules import Facts, Finding, Operation, Rulebook, RuleContext, Severity
from collabcore.texts import Brand, Localizer, Texts
from collabcore.wording import default_texts

log = logging.getLogger("collabcore.service")

AUTHORIZATION_CODES = frozenset({"R1", "R14"})
EndArguments = tuple[str, Actor, Outcome, frozenset[str], bool]
"""An end request once checked: collaboration id, actor, outcome, acknowledged, confirmed."""
MAX_PAGE = 1000


def _enum(kind: type[Any], value: Any, name: str) -> Any:
    if isinstance(value, kind):
        return value
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise InvalidInput(f"{name} must be one of {allowed}; got {describe(value)}.", path=name) from None


def _id(value: Any, name: str) -> str:
    return require_text(value, name)


def _actor(value: Any) -> Actor:
    if not isinstance(value, Actor):
        raise InvalidInput(
            f"actor must be a collabcore.Actor, got {describe(value)}.",
            hint="Use Actor.office(office_id, user_id) or Actor.customer(customer_id, user_id).",
            path="actor",
        )
    return value


def _codes(values: Iterable[str], name: str) -> frozenset[str]:
    example = f"{name} must be a collection of rule codes such as {{'R11'}}"
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidInput(f"{example}; got {describe(values)}.", path=name)
    try:
        codes = frozenset(values)
    except TypeError:
        raise InvalidInput(f"{example}; got {describe(values)}.", path=name) from None
    bad = [c for c in codes if not isinstance(c, str)]
    if bad:
        raise InvalidInput(f"{name} must hold rule codes (strings); got {describe(bad)}.", path=name)
    return codes


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
    ) -> None:
        self.store = store
        self.integrations = integrations or Integrations()
        self._rulebook = rulebook or default_rulebook()
        self._products = products or default_products()
        self._texts = texts or default_texts()
        self.clock = clock
        self.ids = ids
        self.localizer = self._localizer(brand, language)
        self._plan_memo_size = plan_memo_size
        self._plans: dict[Any, Plan] = {}
        self._plans_lock = threading.Lock()

    @property
    def rulebook(self) -> Rulebook:
        return self._rulebook

    @property
    def products(self) -> ProductCatalog:
        return self._products

    @property
    def texts(self) -> Texts:
        return self._texts

    def _localizer(self, brand: Brand | str, language: str) -> Localizer:
        """Checked once, here: a missing text fails at start-up, never mid-request."""
        required = self._rulebook.text_keys | PLANNER_TEXTS
        loc = self._texts.localizer(brand, language, required)
        for spec in self._products:
            loc.product(spec.key)
        return loc

    def speaking(self, brand: Brand | str | None = None, language: str | None = None) -> CollaborationService:
        """The same service over the same store, in another brand or language."""
        twin = copy.copy(self)
        twin._plans, twin._plans_lock = {}, threading.Lock()  # plans are in the old words
        twin.localizer = self._localizer(
            brand if brand is not None else self.localizer.brand, language or self.localizer.language
        )
        return twin

    # --- registration: the host's own trusted set-up ------------------------

    def register_office(self, office: AccountingOffice) -> AccountingOffice:
        """Add or replace an office and its users (the host's directory is the source)."""
        if not isinstance(office, AccountingOffice):
            raise InvalidInput(f"Expected an AccountingOffice, got {describe(office)}.")
        with self.store.transaction() as uow:
            uow.save_office(office)
            uow.commit()
        return office

    def register_customer(self, customer: Customer) -> Customer:
        if not isinstance(customer, Customer):
            raise InvalidInput(f"Expected a Customer, got {describe(customer)}.")
        if customer.main_contact is not None:
            customer.with_main_contact(customer.main_contact)  # R4 holds from the start
        with self.store.transaction() as uow:
            uow.add_customer(customer)
            uow.commit()
        return customer

    # --- reads ---------------------------------------------------------------

    def get_collaboration(self, collaboration_id: str, *, actor: Actor) -> Collaboration:
        with self.store.transaction(write=False) as uow:
            return self._visible_collaboration(uow, _id(collaboration_id, "collaboration_id"), _actor(actor))

    def overview(
        self,
        office_id: str,
        *,
        actor: Actor,
        after: OverviewCursor | None = None,
        limit: int | None = None,
    ) -> OverviewPage:
        """R13: the office's customers, each with the active collaborations it has with them.

        Every employee of the office may look (R14); nobody else. Pages are keyset
        pages: pass ``page.next_cursor`` as ``after`` for the next one.
        """
        office_id = _id(office_id, "office_id")
        actor = _actor(actor)
        if limit is not None and (
            not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PAGE
        ):
            raise InvalidInput(f"limit must be a whole number from 1 to {MAX_PAGE}, or None.")
        if after is not None and not isinstance(after, OverviewCursor):
            raise InvalidInput("after must be the next_cursor of a previous page, or None.")
        with self.store.transaction(write=False) as uow:
            office = uow.get_office(office_id)
            if office is None or actor.party is not Party.OFFICE or actor.party_id != office_id:
                raise NotFound(f"No office {office_id}.")
            if office.user(actor.user_id) is None:
                raise NotAuthorized(
                    f"User {actor.user_id} is not an employee of office {office_id} (R13, R14).",
                    hint="Only the office's own users see its collaborations.",
                )
            fetch = None if limit is None else limit + 1
            items = list(uow.overview(office_id, after=after, limit=fetch))
        cursor = None
        if limit is not None and len(items) > limit:
            items = items[:limit]
            last = items[-1].customer
            cursor = OverviewCursor(last.number, last.id)
        return OverviewPage(office_id, tuple(items), cursor)

    def events_of_customer(self, customer_id: str) -> tuple[Event, ...]:
        """The audit trail of one customer, oldest first (host-trusted: no actor)."""
        with self.store.transaction(write=False) as uow:
            return tuple(uow.events_of_customer(_id(customer_id, "customer_id")))

    # --- ending ----------------------------------------------------------------

    def plan_end(
        self,
        collaboration_id: str,
        *,
        actor: Actor,
        outcome: Outcome | str,
        acknowledge: Iterable[str] = (),
        confirm_deletion: bool = False,
    ) -> Plan:
        """Every finding, the effects and the consequences of ending; changes nothing."""
        request = self._end_request(collaboration_id, actor, outcome, acknowledge, confirm_deletion)
        with self.store.transaction(write=False) as uow:
            snapshot = uow.load_end(request[0], idempotency_key=None, for_update=False)
        collab = self._check_visible(snapshot.collaboration, request[0], request[1])
        # Nothing is locked here, so the integrations may be asked after the read.
        facts = self.facts(collab.customer_id, self._products.get(collab.product))
        return self._plan(snapshot, collab, *request[1:], facts=facts)

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
        request = self._end_request(collaboration_id, actor, outcome, acknowledge, confirm_deletion)
        collab_id, actor, outcome = request[:3]
        if idempotency_key is not None:
            idempotency_key = _id(idempotency_key, "idempotency_key")
        if expected_version is not None and (
            not isinstance(expected_version, int) or isinstance(expected_version, bool)
        ):
            raise InvalidInput(
                f"expected_version must be a whole number or None, got {describe(expected_version)}.",
                path="expected_version",
            )
        fingerprint = f"end|{collab_id}|{actor.party}|{actor.party_id}|{actor.user_id}|{outcome}"
        facts = self._facts_for(collab_id, actor)
        with self.store.transaction() as uow:
            outcome_of_end = self._end_in(
                uow, request, facts, fingerprint, idempotency_key, expected_version, commit=True
            )
        if isinstance(outcome_of_end, Plan):
            # Recorded only now: the refused transaction is over and its lock released.
            self._record_refusal(outcome_of_end)
            raise self._refusal(outcome_of_end)
        if not outcome_of_end.replayed:
            log.info("collaboration %s ended by %s: %s", collab_id, actor.party.value, outcome.value)
        return outcome_of_end

    def _end_in(
        self,
        uow: UnitOfWork,
        request: EndArguments,
        facts: Facts,
        fingerprint: str,
        idempotency_key: str | None,
        expected_version: int | None,
        *,
        commit: bool,
        memo: bool = True,
    ) -> EndResult | Plan:
        """The end's reads and writes (committed if ``commit``): the result, or the refused
        plan, with nothing written."""
        collab_id, actor, outcome, acks, confirmed = request
        snapshot = uow.load_end(collab_id, idempotency_key=idempotency_key, for_update=True)
        if idempotency_key is not None and snapshot.idempotency is not None:
            if snapshot.idempotency.fingerprint != fingerprint:
                raise IdempotencyKeyReused(
                    f"Idempotency key {idempotency_key!r} was used for another request.",
                    hint="Use a new key for each distinct request.",
                )
            return attrs.evolve(snapshot.idempotency.result, replayed=True)
        current = self._check_visible(snapshot.collaboration, collab_id, actor)
        plan = self._plan(snapshot, current, actor, outcome, acks, confirmed, facts=facts, memo=memo)
        if not plan.allowed:
            return plan
        if expected_version is not None and current.version != expected_version:
            raise ConcurrencyConflict(
                f"Collaboration {collab_id} is at version {current.version}, not {expected_version}.",
                hint="Plan again on the current version.",
            )
        now = self.clock()
        ended = current.end(actor=actor, outcome=outcome, at=now)
        event = CollaborationEnded(
            collaboration_id=ended.id,
            office_id=ended.office_id,
            customer_id=ended.customer_id,
            product=ended.product,
            outcome=outcome,
            actor=actor,
            acknowledged=tuple(sorted(acks | ({"R7"} if confirmed else set()))),
            occurred_at=now,
        )
        result = EndResult(ended, event, plan.effects)
        record = None
        if idempotency_key is not None:
            record = IdempotencyRecord(idempotency_key, fingerprint, result, now)
        uow.record_end(
            EndWrites(
                ended=ended,
                expected_version=current.version,
                event=event,
                subscription=self._settled_subscription(snapshot.subscription, ended, plan),
                effects=plan.effects,
                at=now,
                idempotency=record,
            ),
            commit=commit,
        )
        return result

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
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or not 1 <= batch_size <= 10_000:
            raise InvalidInput("batch_size must be a whole number from 1 to 10,000.", path="batch_size")
        return bulk.end_many(
            self,
            requests,
            actor=_actor(actor),
            idempotency_prefix=idempotency_prefix,
            progress=progress,
            batch_size=batch_size,
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
        requests = bulk.office_requests(
            self,
            office_id,
            actor=actor,
            outcomes=outcomes,
            acknowledge=acknowledge,
            confirm_deletion=confirm_deletion,
        )
        return self.end_many(
            requests,
            actor=actor,
            idempotency_prefix=idempotency_prefix,
            progress=progress,
            batch_size=batch_size,
        )

    def _end_request(
        self,
        collaboration_id: Any,
        actor: Any,
        outcome: Any,
        acknowledge: Any,
        confirm_deletion: Any,
    ) -> EndArguments:
        if not isinstance(confirm_deletion, bool):
            raise InvalidInput("confirm_deletion must be True or False.", path="confirm_deletion")
        return (
            _id(collaboration_id, "collaboration_id"),
            _actor(actor),
            _enum(Outcome, outcome, "outcome"),
            _codes(acknowledge, "acknowledge"),
            confirm_deletion,
        )

    def _plan(
        self,
        snapshot: EndSnapshot,
        collab: Collaboration,
        actor: Actor,
        outcome: Outcome,
        acks: frozenset[str],
        confirmed: bool,
        *,
        facts: Facts,
        memo: bool = True,
    ) -> Plan:
        # A plan is a pure function of what it was computed from, so the same inputs give
        # the same plan: pages that show it on every view get it from the memo.
        key: Any = None
        now = self.clock()
        if memo and self._plan_memo_size:
            s = snapshot  # its parts, not the snapshot: they hash from their caches
            key = (collab, s.customer, s.office, s.others, s.subscription, actor, outcome, acks, confirmed)
            key += (facts, now.date())
            try:
                known = self._plans.get(key)
            except TypeError:  # unhashable facts from a host: plan without the memo
                known, key = None, None
            if known is not None:
                return stamped(known, now)
        if snapshot.customer is None:
            raise NotFound(f"No customer {collab.customer_id}.", hint="Register the customer first.")
        ctx = RuleContext(
            operation=Operation.END,
            actor=actor,
            today=now.date(),
            office=snapshot.office,
            customer=snapshot.customer,
            product=self._products.get(collab.product),
            collaboration=collab,
            outcome=outcome,
            facts=facts,
            others=snapshot.others,
        )
        plan = make_plan(
            ctx,
            self._rulebook,
            self.localizer,
            now=now,
            acknowledge=acks,
            confirm_deletion=confirmed,
        )
        if key is not None:
            with self._plans_lock:
                if len(self._plans) >= self._plan_memo_size:
                    self._plans.pop(next(iter(self._plans)))
                self._plans[key] = plan
        return plan

    def _refusal_event(self, plan: Plan) -> EndRefusedRecorded:
        return EndRefusedRecorded(
            plan.collaboration.id,
            plan.collaboration.customer_id,
            plan.outcome,
            tuple(f.code for f in plan.blocking_findings),
            plan.actor,
            self.clock(),
        )

    def _record_refusal(self, plan: Plan) -> None:
        """The audit trail keeps refused ends too (ids and codes only), in a transaction of
        its own: the refused one has been rolled back, and the lock released."""
        with self.store.transaction() as audit:
            audit.append_events([self._refusal_event(plan)])
            audit.commit()

    def _end_batch(self, requests: Sequence[EndRequest], actor: Actor, prefix: str | None) -> list[BulkItem]:
        """Many ends in one transaction (bulk): each item ends, is refused (and audited) or
        fails on its own; if the transaction itself fails, the items go one by one."""
        items: dict[int, BulkItem] = {}
        prepared: list[tuple[int, EndArguments, str | None]] = []
        for n, r in enumerate(requests):
            try:
                request = self._end_request(
                    r.collaboration_id, actor, r.outcome, r.acknowledge, r.confirm_deletion
                )
                key = None if prefix is None else _id(f"{prefix}:{r.collaboration_id}", "idempotency_key")
                prepared.append((n, request, key))
            except CollabCoreError as error:
                items[n] = BulkItem(str(r.collaboration_id), BulkStatus.FAILED, error=str(error))
        facts: dict[int, Facts] = {}
        with self.store.transaction(write=False) as uow:  # no write lock while the integrations answer
            for n, request, _ in prepared:
                try:
                    collab = self._visible_collaboration(uow, request[0], request[1])
                    facts[n] = self.facts(collab.customer_id, self._products.get(collab.product))
                except CollabCoreError as error:
                    items[n] = BulkItem(request[0], BulkStatus.FAILED, error=str(error))
        try:
            with self.store.transaction() as uow:
                for n, request, key in prepared:
                    if n not in items:
                        items[n] = self._end_item(uow, request, facts[n], key)
                uow.commit()
        except CollabCoreError:
            log.warning("a bulk batch of %d failed as a whole; ending its items one by one", len(requests))
            return list(bulk.end_many(self, requests, actor=actor, idempotency_prefix=prefix, batch_size=1))
        return [items[n] for n in range(len(requests))]

    def _end_item(self, uow: UnitOfWork, request: EndArguments, facts: Facts, key: str | None) -> BulkItem:
        collab_id, who, outcome = request[:3]
        fingerprint = f"end|{collab_id}|{who.party}|{who.party_id}|{who.user_id}|{outcome}"
        try:
            # A bulk never plans the same thing twice: keep its plans out of the memo.
            done = self._end_in(uow, request, facts, fingerprint, key, None, commit=False, memo=False)
        except (NotFound, IdempotencyKeyReused) as error:  # raised before anything is written
            return BulkItem(collab_id, BulkStatus.FAILED, error=str(error))
        if isinstance(done, EndResult):
            return BulkItem(collab_id, BulkStatus.ENDED, result=done)
        uow.append_events([self._refusal_event(done)])
        refused = self._refusal(done)
        return BulkItem(collab_id, BulkStatus.REFUSED, findings=refused.findings, error=str(refused))

    def _refusal(self, plan: Plan) -> OperationRefused:
        """The error for a plan that does not allow ending, by what blocks it most."""
        codes = {f.code for f in plan.blockers}
        if codes & AUTHORIZATION_CODES:
            return NotAuthorized(
                f"{plan.actor.party.value} user {plan.actor.user_id} may not end collaboration "
                f"{plan.collaboration.id}.",
                [f for f in plan.blockers if f.code in AUTHORIZATION_CODES],
                hint="See the R1/R14 findings for who may.",
                plan=plan,
            )
        if "R5" in codes:
            return AlreadyEnded(plan.collaboration.id, plan.blockers)
        if "R15" in codes:
            return OutcomeNotOffered(
                f"Product {plan.collaboration.product} does not offer the outcome "
                f"{plan.outcome.value!r} (R15).",
                [f for f in plan.blockers if f.code == "R15"],
                hint=next(f.remedy[0] for f in plan.blockers if f.code == "R15"),
            )
        return EndRefused(plan)

    @staticmethod
    def _settled_subscription(
        current: Subscription | None, ended: Collaboration, plan: Plan
    ) -> Subscription | None:
        """The library's own subscription record after the end's billing effects (R18, R23)."""
        kinds = {e.kind for e in plan.effects}
        before = current or Subscription(ended.customer_id, ended.product, payer=ended.invoice_recipient)
        until = month_end(plan.planned_at.date())
        if EffectKind.CANCEL_SUBSCRIPTION in kinds:
            changed = attrs.evolve(before, status=SubscriptionStatus.ENDED, paid_until=until)
        elif EffectKind.DEACTIVATE_SUBSCRIPTION in kinds:
            changed = attrs.evolve(before, status=SubscriptionStatus.READ_ONLY, paid_until=until)
        elif EffectKind.TRANSFER_SUBSCRIPTION in kinds:
            changed = attrs.evolve(before, payer=Party.CUSTOMER)
        else:
            return None
        return attrs.evolve(changed, version=before.version + 1)

    def _facts_for(self, collaboration_id: str, actor: Actor) -> Facts:
        with self.store.transaction(write=False) as uow:
            collab = self._check_visible(uow.get_collaboration(collaboration_id), collaboration_id, actor)
        return self.facts(collab.customer_id, self._products.get(collab.product))

    def facts(self, customer_id: str, product: ProductSpec) -> Facts:
        """Ask the integrations what the rules for ``product`` need to know."""
        i = self.integrations
        extra = {} if i.extra_facts is None else dict(i.extra_facts.facts(customer_id, product.key))
        if product.facts is FactSource.PAYROLL and i.payroll is not None:
            return Facts(
                payroll_customer_is_user=i.payroll.customer_is_payroll_user(customer_id),
                payroll_synchronised=i.payroll.payroll_synchronised(customer_id),
                extra=extra,
            )
        if product.facts is FactSource.EXPENSES and i.expenses is not None:
            return Facts(
                unsubmitted_reports=i.expenses.unsubmitted_reports(customer_id),
                users_with_unsubmitted_outlays=tuple(i.expenses.users_with_unsubmitted_outlays(customer_id)),
                extra=extra,
            )
        if product.facts is FactSource.BOOKKEEPING and i.bookkeeping is not None:
            return Facts(
                linked_services=tuple(i.bookkeeping.active_linked_services(customer_id)),
                bank_integration_active=i.bookkeeping.bank_integration_active(customer_id),
                extra=extra,
            )
        return Facts(extra=extra)

    # --- starting and changing -----------------------------------------------------

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
        """Start a collaboration (a new one after an end, R5); one active per product."""
        actor = _actor(actor)
        office_id, customer_id = _id(office_id, "office_id"), _id(customer_id, "customer_id")
        spec = self._products.get(_id(product, "product"))
        variant = spec.check_variant(variant)
        recipient: Party = _enum(Party, invoice_recipient, "invoice_recipient")
        if actor.party_id != (office_id if actor.party is Party.OFFICE else customer_id):
            raise NotFound(f"No {actor.party.value} {actor.party_id} in this collaboration.")
        with self.store.transaction() as uow:
            office = uow.get_office(office_id)
            if office is None:
                raise NotFound(f"No office {office_id}.", hint="Register it first.")
            # Locking the customer serializes concurrent starts for it, so two
            # racing starts cannot both pass the one-active-per-product rule.
            customer = self._customer(uow, customer_id, for_update=True)
            ctx = RuleContext(
                operation=Operation.START,
                actor=actor,
                today=self.clock().date(),
                office=office,
                customer=customer,
                product=spec,
                others=tuple(uow.active_collaborations_of_customer(customer_id)),
                variant=variant,
                invoice_recipient=recipient,
            )
            self._refuse_blocked(ctx, f"Starting {spec.key} for customer {customer_id}")
            now = self.clock()
            collab = Collaboration(
                id=self.ids(),
                office_id=office_id,
                customer_id=customer_id,
                product=spec.key,
                started_at=now,
                variant=variant,
                invoice_recipient=recipient,
            )
            uow.add_collaboration(collab)
            subscription = uow.get_subscription(customer_id, spec.key)
            uow.save_subscription(
                Subscription(
                    customer_id,
                    spec.key,
                    payer=recipient,
                    version=0 if subscription is None else subscription.version + 1,
                )
            )
            uow.append_events(
                [
                    CollaborationStarted(
                        collab.id, office_id, customer_id, spec.key, variant, recipient, actor, now
                    )
                ]
            )
            uow.commit()
        return collab

    def change_variant(self, collaboration_id: str, *, actor: Actor, variant: str) -> Collaboration:
        """R19: changing the variant never requires ending the collaboration."""
        collab_id, actor = _id(collaboration_id, "collaboration_id"), _actor(actor)
        with self.store.transaction() as uow:
            current = self._visible_collaboration(uow, collab_id, actor, for_update=True)
            spec = self._products.get(current.product)
            checked = spec.check_variant(_id(variant, "variant"))
            assert checked is not None
            ctx = RuleContext(
                operation=Operation.CHANGE_VARIANT,
                actor=actor,
                today=self.clock().date(),
                office=uow.get_office(current.office_id),
                customer=self._customer(uow, current.customer_id),
                product=spec,
                collaboration=current,
                variant=checked,
            )
            self._refuse_blocked(ctx, f"Changing the variant of {collab_id}")
            changed = current.with_variant(checked)
            uow.update_collaboration(changed, expected_version=current.version)
            uow.append_events(
                [
                    VariantChanged(
                        collab_id, current.customer_id, current.variant, checked, actor, self.clock()
                    )
                ]
            )
            uow.commit()
        return changed

    def cancel_subscription(self, customer_id: str, product: str, *, actor: Actor) -> Subscription:
        """The company cancels its own subscription; refused while a collaboration is active (R21)."""
        customer_id, actor = _id(customer_id, "customer_id"), _actor(actor)
        spec = self._products.get(_id(product, "product"))
        # Decided before any look-up, so the answer says nothing about which
        # customer ids exist: only the company itself cancels its subscription.
        if actor.party is not Party.CUSTOMER:
            raise NotAuthorized(
                "Only the company itself cancels its subscription (R1, R21).",
                hint="Ask an Administrator of the company.",
            )
        if actor.party_id != customer_id:
            raise NotFound(f"No customer {customer_id}.")
        with self.store.transaction() as uow:
            customer = self._customer(uow, customer_id, for_update=True)
            others = tuple(uow.active_collaborations_of_customer(customer_id))
            holder = next((c for c in others if c.product == spec.key), None)
            ctx = RuleContext(
                operation=Operation.CANCEL_SUBSCRIPTION,
                actor=actor,
                today=self.clock().date(),
                office=None if holder is None else uow.get_office(holder.office_id),
                customer=customer,
                product=spec,
                others=others,
            )
            self._refuse_blocked(ctx, f"Cancelling {spec.key} for customer {customer_id}")
            current = uow.get_subscription(customer_id, spec.key)
            if current is None or current.status is SubscriptionStatus.ENDED:
                raise NotFound(f"Customer {customer_id} has no active subscription to {spec.key}.")
            now = self.clock()
            until = month_end(now.date())
            cancelled = attrs.evolve(
                current,
                status=SubscriptionStatus.ENDED,
                paid_until=until,
                version=current.version + 1,
            )
            uow.save_subscription(cancelled)
            uow.append_events([SubscriptionCancelled(customer_id, spec.key, until, actor, now)])
            uow.commit()
        return cancelled

    def get_subscription(self, customer_id: str, product: str) -> Subscription | None:
        with self.store.transaction(write=False) as uow:
            return uow.get_subscription(_id(customer_id, "customer_id"), _id(product, "product"))

    def _refuse_blocked(self, ctx: RuleContext, what: str) -> tuple[Finding, ...]:
        findings = render_findings(self.localizer, ctx, self._rulebook.evaluate(ctx))
        blockers = [f for f in findings if f.severity is Severity.BLOCKER]
        if not blockers:
            return findings
        codes = ", ".join(f.code for f in blockers)
        if any(f.code in AUTHORIZATION_CODES for f in blockers):
            raise NotAuthorized(f"{what}: not allowed for this user ({codes}).", blockers)
        if ctx.collaboration is not None and any(f.code == "R5" for f in blockers):
            raise AlreadyEnded(ctx.collaboration.id, blockers)
        raise OperationRefused(f"{what} was refused ({codes}).", blockers)

    # --- R4: fixing a missing main contact ---------------------------------------

    def add_customer_user(self, customer_id: str, user: CustomerUser, *, actor: Actor) -> Customer:
        """R4: "Should your customer not be in the list over users, you first need to create
        a new user." """
        if not isinstance(user, CustomerUser):
            raise InvalidInput(f"user must be a CustomerUser, got {describe(user)}.", path="user")
        return self._change_customer(
            customer_id,
            actor,
            lambda c: c.with_user(user),
            lambda c, a, now: CustomerUserAdded(c.id, user.id, user.role, a, now),
        )

    def change_role(self, customer_id: str, user_id: str, role: Role | str, *, actor: Actor) -> Customer:
        """R4: "Change a user's role by selecting the pencil symbol followed by selecting
        Administrator." The main contact cannot be demoted."""
        user_id = _id(user_id, "user_id")
        new_role: Role = _enum(Role, role, "role")
        old: dict[str, Role] = {}

        def change(c: Customer) -> Customer:
            found = c.user(user_id)
            if found is not None:
                old["role"] = found.role
            return c.with_role(user_id, new_role)

        return self._change_customer(
            customer_id,
            actor,
            change,
            lambda c, a, now: UserRoleChanged(c.id, user_id, old["role"], new_role, a, now),
        )

    def set_main_contact(self, customer_id: str, user_id: str, *, actor: Actor) -> Customer:
        """R4: "Finally, select this user as Main contact." Only an Administrator can be."""
        user_id = _id(user_id, "user_id")
        before: dict[str, str | None] = {}

        def change(c: Customer) -> Customer:
            before["id"] = c.main_contact
            return c.with_main_contact(user_id)

        return self._change_customer(
            customer_id,
            actor,
            change,
            lambda c, a, now: MainContactChanged(c.id, before["id"], user_id, a, now),
        )

    def _change_customer(
        self,
        customer_id: str,
        actor: Actor,
        change: Any,
        event: Any,
    ) -> Customer:
        customer_id, actor = _id(customer_id, "customer_id"), _actor(actor)
        with self.store.transaction() as uow:
            customer = self._customer(uow, customer_id, for_update=True)
            self._authorize_user_management(uow, customer, actor)
            changed: Customer = change(customer)
            changed = attrs.evolve(changed, version=customer.version + 1)
            uow.update_customer(changed, expected_version=customer.version)
            uow.append_events([event(changed, actor, self.clock())])
            uow.commit()
        return changed

    def _authorize_user_management(self, uow: UnitOfWork, customer: Customer, actor: Actor) -> None:
        """The company's Administrator manages its users; so does an office with full rights
        that collaborates with the company (the seeds: "switch to the customer's company")."""
        if actor.party is Party.CUSTOMER:
            if actor.party_id != customer.id:
                raise NotFound(f"No customer {customer.id}.")
            user = customer.user(actor.user_id)
            if user is None or user.role is not Role.ADMINISTRATOR:
                raise NotAuthorized(
                    f"User {actor.user_id} is not an Administrator of customer {customer.id} (R1).",
                    hint="Ask an Administrator of the company, or the accounting office.",
                )
            return
        active = uow.active_collaborations_of_customer(customer.id)
        if not any(c.office_id == actor.party_id for c in active):
            raise NotFound(f"No customer {customer.id}.")
        office = uow.get_office(actor.party_id)
        consultant = None if office is None else office.user(actor.user_id)
        if consultant is None or not consultant.may_manage_collaborations:
            raise NotAuthorized(
                f"User {actor.user_id} of office {actor.party_id} lacks full user rights and the "
                "Administrator role (R14).",
                hint="Ask a colleague who has both.",
            )

    # --- helpers ---------------------------------------------------------------------

    def _customer(self, uow: UnitOfWork, customer_id: str, *, for_update: bool = False) -> Customer:
        customer = uow.get_customer(customer_id, for_update=for_update)
        if customer is None:
            raise NotFound(f"No customer {customer_id}.", hint="Register the customer first.")
        return customer

    def _visible_collaboration(
        self, uow: UnitOfWork, collab_id: str, actor: Actor, *, for_update: bool = False
    ) -> Collaboration:
        return self._check_visible(uow.get_collaboration(collab_id, for_update=for_update), collab_id, actor)

    @staticmethod
    def _check_visible(collab: Collaboration | None, collab_id: str, actor: Actor) -> Collaboration:
        """Another tenant's collaboration looks exactly like one that does not exist."""
        if collab is None or actor.party_id != (
            collab.office_id if actor.party is Party.OFFICE else collab.customer_id
        ):
            raise NotFound(
                f"No collaboration {collab_id} for {actor.party.value} {actor.party_id}.",
                hint="Check the id, and that the actor acts for a party of that collaboration.",
            )
        return collab
