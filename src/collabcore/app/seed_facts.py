"""The seed ports as a view onto facts by key: what 0.1 and 0.2 hosts implement
(``PayrollPort.customer_is_payroll_user``...) answers the seeds' facts through the same
door as any other fact. Frozen: a fact added later is answered by key only, so no port
ever gains a method a host's class would then lack."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from collabcore.policy.facts import Fact
from collabcore.policy.rules.bookkeeping import BANK_INTEGRATION_ACTIVE, LINKED_SERVICES
from collabcore.policy.rules.expenses import UNSUBMITTED_REPORTS, USERS_WITH_UNSUBMITTED_OUTLAYS
from collabcore.policy.rules.payroll import CUSTOMER_IS_PAYROLL_USER, PAYROLL_SYNCHRONISED
from collabcore.ports import BookkeepingPort, ExpensesPort, FactReader, PayrollPort

SEED_FACTS: tuple[Fact[Any], ...] = (
    CUSTOMER_IS_PAYROLL_USER,
    PAYROLL_SYNCHRONISED,
    UNSUBMITTED_REPORTS,
    USERS_WITH_UNSUBMITTED_OUTLAYS,
    LINKED_SERVICES,
    BANK_INTEGRATION_ACTIVE,
)
"""The facts the seed ports answer, each by the port method ``seed_readers`` names."""


def seed_readers(
    payroll: PayrollPort | None, expenses: ExpensesPort | None, bookkeeping: BookkeepingPort | None
) -> dict[str, FactReader]:
    """Each seed fact's reader, from the ports that are given."""
    readers: dict[str, FactReader] = {}
    if payroll is not None:
        readers[CUSTOMER_IS_PAYROLL_USER.key] = payroll.customer_is_payroll_user
        readers[PAYROLL_SYNCHRONISED.key] = payroll.payroll_synchronised
    if expenses is not None:
        readers[UNSUBMITTED_REPORTS.key] = expenses.unsubmitted_reports
        readers[USERS_WITH_UNSUBMITTED_OUTLAYS.key] = _tupled(expenses.users_with_unsubmitted_outlays)
    if bookkeeping is not None:
        readers[LINKED_SERVICES.key] = _tupled(bookkeeping.active_linked_services)
        readers[BANK_INTEGRATION_ACTIVE.key] = bookkeeping.bank_integration_active
    return readers


def _tupled(read: Callable[[str], Iterable[object]]) -> FactReader:
    # A tuple, so that the plan memo can hash the facts.
    return lambda customer_id: tuple(read(customer_id))
