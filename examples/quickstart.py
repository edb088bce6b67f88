"""Quickstart: end a Travel & Expenses collaboration on a SQLite file.

Run: python examples/quickstart.py [path/to/file.db]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import collabcore as cc
from collabcore.testing import FakeIntegrations


def main(path: Path) -> None:
    store = cc.open_store(path)  # one SQLite file, created on first use
    fakes = FakeIntegrations()  # stands in for payroll, expenses, billing, ...
    service = cc.CollaborationService(store, integrations=fakes.integrations(), brand="spiris")

    service.register_office(
        cc.AccountingOffice(
            "office-1", "Ledger & Co", (cc.OfficeUser("ann", "Ann", cc.Role.ADMINISTRATOR, full_rights=True),)
        )
    )
    service.register_customer(
        cc.Customer(
            "customer-1",
            "1001",
            "Bakery Ltd",
            (cc.CustomerUser("ben", "Ben", cc.Role.ADMINISTRATOR),),
            main_contact="ben",
        )
    )
    ann = cc.Actor.office("office-1", "ann")
    # The customer's Administrator brings the office in (an office cannot attach itself).
    collab = service.start_collaboration(
        actor=cc.Actor.customer("customer-1", "ben"),
        office_id="office-1",
        customer_id="customer-1",
        product=cc.EXPENSES,
    )

    plan = service.plan_end(collab.id, actor=ann, outcome=cc.Outcome.DELETE)
    print("Allowed?", plan.allowed, "- needs deletion confirmation:", plan.needs_deletion_confirmation)
    for line in plan.effect_descriptions:
        print("  will:", line)

    result = service.end(
        collab.id, actor=ann, outcome=cc.Outcome.DELETE, confirm_deletion=True, idempotency_key="quickstart-1"
    )
    report = service.relay().drain()
    print(f"Ended {result.collaboration.id}; {report.done} effects carried out; erased: {fakes.erased}")
    store.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "quickstart.db")
