"""A host written against collabcore 0.2, kept as it was: do not edit it to follow a newer
API. Its integrations implement 0.2's ports, it has a brand of its own (with product
names for 0.2's products only), a rule of its own with a fact of its own, and a catalog
that adds only its own words. tests/compat/test_frozen_host.py runs it unchanged and
``mypy --strict`` checks it; a change that breaks it breaks a host's upgrade."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import collabcore as cc
from collabcore.domain import Notification
from collabcore.ports import (
    AccessPort,
    BillingPort,
    BookkeepingPort,
    EraserPort,
    ExpensesPort,
    NotifierPort,
    PayrollPort,
    Store,
)
from collabcore.testing import ManualClock
from collabcore.wording import Texts

HERE = Path(__file__).parent


class OldPayroll:
    def __init__(self, synchronised: set[str]) -> None:
        self.synchronised = synchronised
        self.handed_over: list[str] = []

    def customer_is_payroll_user(self, customer_id: str) -> bool:
        return True

    def payroll_synchronised(self, customer_id: str) -> bool:
        return customer_id in self.synchronised

    def hand_over_backup(self, effect: cc.Effect) -> None:
        self.handed_over.append(effect.key)


class OldExpenses:
    def __init__(self, open_reports: dict[str, int]) -> None:
        self.open_reports = open_reports

    def unsubmitted_reports(self, customer_id: str) -> int:
        return self.open_reports.get(customer_id, 0)

    def users_with_unsubmitted_outlays(self, customer_id: str) -> Sequence[str]:
        return []

    def export_submitted_reports(self, effect: cc.Effect) -> None:
        pass


class OldBookkeeping:
    def active_linked_services(self, customer_id: str) -> Sequence[str]:
        return ["Scanner"] if customer_id == "linked" else []

    def bank_integration_active(self, customer_id: str) -> bool:
        return False


class OldEffects:
    """Access, billing, erasure and notifications, as one object of the host's."""

    def __init__(self) -> None:
        self.done: list[str] = []

    def revoke_office_access(self, effect: cc.Effect) -> None:
        self.done.append(effect.key)

    def restrict_office_access(self, effect: cc.Effect) -> None:
        self.done.append(effect.key)

    def revoke_company_online_access(self, effect: cc.Effect) -> None:
        self.done.append(effect.key)

    def transfer_subscription(self, effect: cc.Effect) -> None:
        self.done.append(effect.key)

    def deactivate_subscription(self, effect: cc.Effect) -> None:
        self.done.append(effect.key)

    def cancel_subscription(self, effect: cc.Effect) -> None:
        self.done.append(effect.key)

    def erase_service_data(self, effect: cc.Effect) -> None:
        self.done.append(effect.key)

    def notify(self, notification: Notification) -> None:
        self.done.append(notification.key)


OPEN_INVOICES: cc.Fact[int] = cc.Fact("acme.open_invoices", "Invoices the company has not paid.")


@cc.rule("OPEN-INVOICES", texts=("OPEN-INVOICES",), reads=(OPEN_INVOICES,))
def no_end_with_open_invoices(ctx: cc.RuleContext) -> Iterator[cc.Flag]:
    """The host's policy: a company that owes the office cannot end."""
    count = ctx.facts.get(OPEN_INVOICES)
    if count:
        yield cc.Flag("OPEN-INVOICES", {"count": count})


ACME = cc.Brand(
    "acme",
    terms={
        language: {
            "brand": "Acme Office",
            "service": "service" if language == "en" else "tjänst",
            "the_service": "the service" if language == "en" else "tjänsten",
            "menu": "Settings - Customers",
            "portal": "Acme Portal",
            "users_page": "Users",
            "administrator": "Administrator",
            "user_role": "User",
            "main_contact": "Main contact",
            "payroll_program": "the payroll program",
        }
        for language in ("en", "sv")
    },
    products={
        language: {cc.BOOKKEEPING: "Acme Books", cc.PAYROLL: "Acme Pay", cc.EXPENSES: "Acme Expenses"}
        for language in ("en", "sv")
    },
)


def host_texts() -> Texts:
    texts: Texts = cc.default_texts().with_brand(ACME)
    return texts.with_catalog(HERE / "frozen_host_0_2.en.po").with_catalog(HERE / "frozen_host_0_2.sv.po")


def host_service(
    store: Store, clock: ManualClock, *, synchronised: set[str], open_reports: dict[str, int]
) -> tuple[cc.CollaborationService, OldEffects]:
    payroll: PayrollPort = OldPayroll(synchronised)
    expenses: ExpensesPort = OldExpenses(open_reports)
    bookkeeping: BookkeepingPort = OldBookkeeping()
    effects = OldEffects()
    access: AccessPort = effects
    billing: BillingPort = effects
    eraser: EraserPort = effects
    notifier: NotifierPort = effects
    integrations = cc.Integrations(
        payroll=payroll,
        expenses=expenses,
        bookkeeping=bookkeeping,
        access=access,
        billing=billing,
        eraser=eraser,
        notifier=notifier,
        facts={OPEN_INVOICES.key: lambda customer_id: 2 if customer_id == "owing" else 0},
    )
    service = cc.CollaborationService(
        store,
        integrations=integrations,
        rulebook=cc.default_rulebook().add(no_end_with_open_invoices),
        texts=host_texts(),
        brand="acme",
        language="sv",
        clock=clock,
    )
    return service, effects


def story(store: Store) -> dict[str, object]:
    """What the host decides and does over a morning's ends, as plain data to compare."""
    clock = ManualClock()
    service, effects = host_service(store, clock, synchronised={"plain"}, open_reports={"plain": 1})
    service.register_office(
        cc.AccountingOffice(
            "acme-office", "Acme Office", (cc.OfficeUser("boss", "Bo", cc.Role.ADMINISTRATOR, True),)
        )
    )
    admin = cc.Actor.office("acme-office", "boss")
    seen: dict[str, object] = {}
    for customer_id in ("plain", "owing", "linked", "unsynced"):
        service.register_customer(
            cc.Customer(
                customer_id,
                f"N-{customer_id}",
                f"Company {customer_id}",
                (cc.CustomerUser("ceo", "Cee", cc.Role.ADMINISTRATOR),),
                main_contact="ceo",
            )
        )
        for product, outcome in (
            (cc.BOOKKEEPING, cc.Outcome.DEACTIVATE),
            (cc.PAYROLL, cc.Outcome.CUSTOMER_CONTINUES),
            (cc.EXPENSES, cc.Outcome.DELETE),
        ):
            collab = service.register_collaboration(
                office_id="acme-office", customer_id=customer_id, product=product
            )
            plan = service.plan_end(collab.id, actor=admin, outcome=outcome)
            name = f"{customer_id}/{product}"
            seen[name] = {
                "allowed": plan.allowed,
                "findings": [[f.code, f.severity.value, f.message, list(f.remedy)] for f in plan.findings],
                "effects": [e.kind.value for e in plan.effects],
            }
            acknowledge = {f.code for f in plan.findings if f.severity is cc.Severity.NEEDS_ACKNOWLEDGEMENT}
            try:
                result = service.end(
                    collab.id, actor=admin, outcome=outcome, acknowledge=acknowledge, confirm_deletion=True
                )
                seen[name + "/ended"] = [e.kind.value for e in result.effects]
            except cc.EndRefused as refused:
                seen[name + "/refused"] = list(refused.plan.codes)
    seen["relay"] = service.relay().run_once().done
    seen["effects done"] = len(effects.done)
    return seen
