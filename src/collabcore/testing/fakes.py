"""Fake integrations: every port at once, in memory, with facts a test sets in one line."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from collabcore.app.config import Integrations
from collabcore.domain.effects import Effect
from collabcore.domain.errors import InvalidInput
from collabcore.domain.outbox import Notification
from collabcore.policy.facts import Fact


@attrs.define
class CustomerFacts:
    """What the fakes answer for one customer; every default lets ending go ahead."""

    payroll_customer_is_user: bool = True
    payroll_synchronised: bool = True
    unsubmitted_reports: int = 0
    users_with_unsubmitted_outlays: tuple[str, ...] = ()
    linked_services: tuple[str, ...] = ()
    bank_integration_active: bool = False
    extra: dict[str, Any] = attrs.field(factory=dict)


class RecordingNotifier:
    """Keeps every notification, once per key (a repeated key is the same message)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sent: list[Notification] = []
        self._keys: set[str] = set()

    def notify(self, notification: Notification) -> None:
        with self._lock:
            if notification.key not in self._keys:
                self._keys.add(notification.key)
                self.sent.append(notification)


class IntegrationFailure(Exception):
    """What a fake raises when told to fail; stands in for a host integration's error."""


class FakeIntegrations:
    """Every integration port at once, in memory, with facts a test sets in one line.

    ``fakes.set_facts("c1", unsubmitted_reports=2)`` changes what the rules see.
    Like a well-behaved host integration, the fakes treat an effect key they
    have applied as done: ``performed`` shows what was applied (once per key),
    ``repeats`` the calls that came again, ``calls`` every call in order.
    ``fakes.fail("erase_service_data", times=2)`` makes the next calls fail.
    """

    def __init__(self) -> None:
        self._facts: dict[str, CustomerFacts] = {}
        self._failures: dict[str, int] = {}
        self._lock = threading.Lock()
        self.calls: list[tuple[str, str]] = []
        """(method, effect key) of every call, including repeated and failed ones."""
        self.performed: dict[str, int] = defaultdict(int)
        """effect key -> how many times it was applied: at most 1, keys are idempotent."""
        self.repeats: dict[str, int] = defaultdict(int)
        """effect key -> calls that arrived after it was applied (answered as done)."""
        self.erased: list[tuple[str, str]] = []
        """(customer id, product) of each erasure."""
        self.notifications: list[Notification] = []

    def integrations(self) -> Integrations:
        return Integrations(
            payroll=self,
            expenses=self,
            bookkeeping=self,
            extra_facts=self,
            access=self,
            billing=self,
            eraser=self,
            lifecycle=self,
            notifier=self,
        )

    # --- setting facts ---------------------------------------------------

    def set_facts(self, customer_id: str, **facts: Any) -> CustomerFacts:
        current = self._facts.get(customer_id, CustomerFacts())
        try:
            updated = attrs.evolve(current, **facts)
        except TypeError as exc:
            names = ", ".join(a.name for a in attrs.fields(CustomerFacts))
            raise InvalidInput(f"Unknown fact: {exc}.", hint=f"Facts: {names}.") from None
        self._facts[customer_id] = updated
        return updated

    def set_fact(self, customer_id: str, fact: Fact[Any], value: object) -> None:
        """Any fact by its key, such as a host rule's own; ``None`` makes it unknown."""
        current = self.facts_of(customer_id)
        extra = {k: v for k, v in current.extra.items() if k != fact.key}
        if value is not None:
            extra[fact.key] = value
        self._facts[customer_id] = attrs.evolve(current, extra=extra)

    def facts_of(self, customer_id: str) -> CustomerFacts:
        found = self._facts.get(customer_id)
        return CustomerFacts() if found is None else found

    def fail(self, method: str, *, times: int = 1) -> None:
        self._failures[method] = times

    # --- facts the rules read --------------------------------------------

    def customer_is_payroll_user(self, customer_id: str) -> bool:
        return self.facts_of(customer_id).payroll_customer_is_user

    def payroll_synchronised(self, customer_id: str) -> bool:
        return self.facts_of(customer_id).payroll_synchronised

    def unsubmitted_reports(self, customer_id: str) -> int:
        return self.facts_of(customer_id).unsubmitted_reports

    def users_with_unsubmitted_outlays(self, customer_id: str) -> Sequence[str]:
        return self.facts_of(customer_id).users_with_unsubmitted_outlays

    def active_linked_services(self, customer_id: str) -> Sequence[str]:
        return self.facts_of(customer_id).linked_services

    def bank_integration_active(self, customer_id: str) -> bool:
        return self.facts_of(customer_id).bank_integration_active

    def facts(self, customer_id: str, product: str) -> Mapping[str, Any]:
        """The facts set by key (``set_fact``, or ``set_facts(extra=...)``), for any product."""
        return self.facts_of(customer_id).extra

    # --- effects ---------------------------------------------------------

    def _apply(self, method: str, key: str) -> bool:
        """Record a call; False when the key was applied before (the idempotent answer)."""
        with self._lock:
            self.calls.append((method, key))
            left = self._failures.get(method, 0)
            if left:
                self._failures[method] = left - 1
                raise IntegrationFailure(f"{method} failed (injected) for {key}")
            if self.performed[key]:
                self.repeats[key] += 1
                return False
            self.performed[key] += 1
            return True

    def _do(self, method: str, effect: Effect) -> None:
        self._apply(method, effect.key)

    def hand_over_backup(self, effect: Effect) -> None:
        self._do("hand_over_backup", effect)

    def export_submitted_reports(self, effect: Effect) -> None:
        self._do("export_submitted_reports", effect)

    def revoke_office_access(self, effect: Effect) -> None:
        self._do("revoke_office_access", effect)

    def restrict_office_access(self, effect: Effect) -> None:
        self._do("restrict_office_access", effect)

    def revoke_company_online_access(self, effect: Effect) -> None:
        self._do("revoke_company_online_access", effect)

    def transfer_subscription(self, effect: Effect) -> None:
        self._do("transfer_subscription", effect)

    def deactivate_subscription(self, effect: Effect) -> None:
        self._do("deactivate_subscription", effect)

    def cancel_subscription(self, effect: Effect) -> None:
        self._do("cancel_subscription", effect)

    def erase_service_data(self, effect: Effect) -> None:
        if self._apply("erase_service_data", effect.key):
            self.erased.append((effect.customer_id, effect.product))

    def grant_office_access(self, effect: Effect) -> None:
        self._do("grant_office_access", effect)

    def change_payer(self, effect: Effect) -> None:
        self._do("change_payer", effect)

    def revoke_linked_services(self, effect: Effect) -> None:
        self._do("revoke_linked_services", effect)

    def notify(self, notification: Notification) -> None:
        if self._apply("notify", notification.key):
            self.notifications.append(notification)
