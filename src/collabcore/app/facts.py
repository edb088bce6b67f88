"""Asking the integrations for the facts the rules read, by key.

A fact is answered by ``Integrations.facts`` (a reader per key) if the host gave
one, else by the seed port that knows it (payroll, expenses, bookkeeping); what
an ``ExtraFactsPort`` answers counts too. A fact nobody answers stays unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from collabcore.app.config import Integrations
from collabcore.policy.engine import Operation, Rulebook
from collabcore.policy.facts import Facts
from collabcore.policy.products import ProductSpec
from collabcore.policy.rules.bookkeeping import BANK_INTEGRATION_ACTIVE, LINKED_SERVICES
from collabcore.policy.rules.expenses import UNSUBMITTED_REPORTS, USERS_WITH_UNSUBMITTED_OUTLAYS
from collabcore.policy.rules.payroll import CUSTOMER_IS_PAYROLL_USER, PAYROLL_SYNCHRONISED
from collabcore.ports import FactReader

FactReaderOf = Callable[[Integrations], FactReader | None]

SEED_READERS: Mapping[str, FactReaderOf] = {
    CUSTOMER_IS_PAYROLL_USER.key: lambda i: None if i.payroll is None else i.payroll.customer_is_payroll_user,
    PAYROLL_SYNCHRONISED.key: lambda i: None if i.payroll is None else i.payroll.payroll_synchronised,
    UNSUBMITTED_REPORTS.key: lambda i: None if i.expenses is None else i.expenses.unsubmitted_reports,
    USERS_WITH_UNSUBMITTED_OUTLAYS.key: lambda i: (
        None if i.expenses is None else _tupled(i.expenses.users_with_unsubmitted_outlays)
    ),
    LINKED_SERVICES.key: lambda i: (
        None if i.bookkeeping is None else _tupled(i.bookkeeping.active_linked_services)
    ),
    BANK_INTEGRATION_ACTIVE.key: lambda i: (
        None if i.bookkeeping is None else i.bookkeeping.bank_integration_active
    ),
}
"""The seeds' facts, answered through the ports that 0.1 hosts already implement."""


def _tupled(read: Callable[[str], Iterable[object]]) -> FactReader:
    return lambda customer_id: tuple(read(customer_id))


class FactAsker:
    """Asks one set of integrations for facts. Which reader answers which fact is worked
    out once per set of facts wanted, not on every plan."""

    def __init__(self, integrations: Integrations, rulebook: Rulebook) -> None:
        self.integrations = integrations
        self.rulebook = rulebook
        self._readers: dict[str, tuple[tuple[str, FactReader], ...]] = {}

    def readers(self, product: ProductSpec) -> tuple[tuple[str, FactReader], ...]:
        """Who answers each fact that ending ``product`` reads (a fact nobody answers is left out)."""
        known = self._readers.get(product.key)
        if known is None:
            found = []
            for fact in self.rulebook.reads(product, Operation.END):
                reader = self.integrations.facts.get(fact.key)
                if reader is None:
                    seed = SEED_READERS.get(fact.key)
                    reader = None if seed is None else seed(self.integrations)
                if reader is not None:
                    found.append((fact.key, reader))
            known = self._readers[product.key] = tuple(found)
        return known

    def gather(self, customer_id: str, product: ProductSpec) -> Facts:
        """What the rules for ending ``product`` read about ``customer_id`` (and whatever the
        extra-facts port adds)."""
        values: dict[str, object] = {}
        extra = self.integrations.extra_facts
        if extra is not None:
            values.update(extra.facts(customer_id, product.key))
        for key, read in self.readers(product):
            value = read(customer_id)
            if value is not None:
                # A list becomes a tuple, so that the plan memo can hash the facts.
                values[key] = tuple(value) if type(value) is list else value
        return Facts(values)
