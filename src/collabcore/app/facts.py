"""Asking the integrations for the facts the rules read, by key.

A fact is answered by ``Integrations.facts`` (a reader per key) if the host gave
one, else by the seed port that knows it (payroll, expenses, bookkeeping); what
an ``ExtraFactsPort`` answers counts too. A fact nobody answers stays unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from collabcore.app.config import Integrations
from collabcore.policy.facts import Fact, Facts
from collabcore.policy.products import ProductSpec
from collabcore.policy.rules.bookkeeping import BANK_INTEGRATION_ACTIVE, LINKED_SERVICES
from collabcore.policy.rules.expenses import UNSUBMITTED_REPORTS, USERS_WITH_UNSUBMITTED_OUTLAYS
from collabcore.policy.rules.payroll import CUSTOMER_IS_PAYROLL_USER, PAYROLL_SYNCHRONISED

SeedAnswer = Callable[[Integrations, str], object]

SEED_ANSWERS: Mapping[str, SeedAnswer] = {
    CUSTOMER_IS_PAYROLL_USER.key: lambda i, c: (
        None if i.payroll is None else i.payroll.customer_is_payroll_user(c)
    ),
    PAYROLL_SYNCHRONISED.key: lambda i, c: None if i.payroll is None else i.payroll.payroll_synchronised(c),
    UNSUBMITTED_REPORTS.key: lambda i, c: None if i.expenses is None else i.expenses.unsubmitted_reports(c),
    USERS_WITH_UNSUBMITTED_OUTLAYS.key: lambda i, c: (
        None if i.expenses is None else tuple(i.expenses.users_with_unsubmitted_outlays(c))
    ),
    LINKED_SERVICES.key: lambda i, c: (
        None if i.bookkeeping is None else tuple(i.bookkeeping.active_linked_services(c))
    ),
    BANK_INTEGRATION_ACTIVE.key: lambda i, c: (
        None if i.bookkeeping is None else i.bookkeeping.bank_integration_active(c)
    ),
}
"""The seeds' facts, answered through the ports that 0.1 hosts already implement."""


def gather(
    integrations: Integrations, customer_id: str, product: ProductSpec, wanted: Iterable[Fact[Any]]
) -> Facts:
    """The answers to ``wanted`` for ``customer_id`` (and whatever the extra-facts port adds)."""
    values: dict[str, object] = {}
    if integrations.extra_facts is not None:
        values.update(integrations.extra_facts.facts(customer_id, product.key))
    for fact in wanted:
        reader = integrations.facts.get(fact.key)
        if reader is not None:
            value = reader(customer_id)
        else:
            seed = SEED_ANSWERS.get(fact.key)
            value = None if seed is None else seed(integrations, customer_id)
        if value is not None:
            values[fact.key] = _settled(value)
    return Facts(values)


def _settled(value: object) -> object:
    # A list from an integration becomes a tuple, so that the plan memo can hash the facts.
    return tuple(value) if isinstance(value, list) else value
