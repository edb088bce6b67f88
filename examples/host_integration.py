"""A host wiring its own systems into collabcore through the ports.

Each class below is what a host writes: plain classes with the methods of the
protocols in collabcore.ports (no base class). Effects are idempotent on
effect.key, as the relay requires.

Run: python examples/host_integration.py
"""

from __future__ import annotations

from collections.abc import Sequence

import collabcore as cc
from collabcore.domain import Notification


class PayrollSystem:
    """Answers the payroll facts (R8, R9) and hands over the backup file."""

    def __init__(self) -> None:
        self.users = {"customer-1"}
        self.synchronised = {"customer-1"}
        self.handed_over: dict[str, str] = {}

    def customer_is_payroll_user(self, customer_id: str) -> bool:
        return customer_id in self.users

    def payroll_synchronised(self, customer_id: str) -> bool:
        return customer_id in self.synchronised

    def hand_over_backup(self, effect: cc.Effect) -> None:
        self.handed_over.setdefault(effect.key, effect.customer_id)  # idempotent on the key


class AccessControl:
    def __init__(self) -> None:
        self.revoked: set[str] = set()

    def revoke_office_access(self, effect: cc.Effect) -> None:
        self.revoked.add(f"{effect.office_id}->{effect.customer_id}:{effect.product}")

    def restrict_office_access(self, effect: cc.Effect) -> None:
        self.revoked.add(f"{effect.office_id}->{effect.customer_id}:{effect.product}:read-only")

    def revoke_company_online_access(self, effect: cc.Effect) -> None:
        self.revoked.add(f"{effect.customer_id}:{effect.product}:online")


class Billing:
    def __init__(self) -> None:
        self.changes: dict[str, str] = {}

    def transfer_subscription(self, effect: cc.Effect) -> None:
        self.changes[effect.key] = "moved to the company"

    def deactivate_subscription(self, effect: cc.Effect) -> None:
        self.changes[effect.key] = "read-only"

    def cancel_subscription(self, effect: cc.Effect) -> None:
        self.changes[effect.key] = "cancelled at month end"


class Mailer:
    def __init__(self) -> None:
        self.outbox: dict[str, Notification] = {}

    def notify(self, notification: Notification) -> None:
        self.outbox.setdefault(notification.key, notification)


def main() -> None:
    payroll, access, billing, mailer = PayrollSystem(), AccessControl(), Billing(), Mailer()
    integrations = cc.Integrations(payroll=payroll, access=access, billing=billing, notifier=mailer)
    store = cc.MemoryStore()
    service = cc.CollaborationService(store, integrations=integrations, brand="visma", language="sv")

    service.register_office(
        cc.AccountingOffice(
            "office-1", "Byrån", (cc.OfficeUser("ann", "Ann", cc.Role.ADMINISTRATOR, True),), "sv"
        )
    )
    service.register_customer(
        cc.Customer(
            "customer-1", "77", "Kunden AB", (cc.CustomerUser("ola", "Ola", cc.Role.ADMINISTRATOR),), "ola"
        )
    )
    ann = cc.Actor.office("office-1", "ann")
    # The customer's Administrator brings the office in (an office cannot attach itself).
    collab = service.start_collaboration(
        actor=cc.Actor.customer("customer-1", "ola"),
        office_id="office-1",
        customer_id="customer-1",
        product=cc.PAYROLL,
    )
    service.end(collab.id, actor=ann, outcome=cc.Outcome.CUSTOMER_CONTINUES)
    service.relay().drain()

    sent: Sequence[Notification] = list(mailer.outbox.values())
    print("backup handed over:", list(payroll.handed_over))
    print("access:", sorted(access.revoked))
    print("billing:", list(billing.changes.values()))
    for note in sent:
        print(f"mail to {note.party.value} in {note.language}: {note.subject}")


if __name__ == "__main__":
    main()
