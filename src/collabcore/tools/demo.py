"""The seeds' story, told with real calls: ``python -m collabcore demo``.

An office tries to end a Travel & Expenses collaboration and delete the
service; it is refused for the missing main contact (with the brand's
remedy steps) and for unsubmitted reports; it follows the steps, the company
submits its reports, the plan shows the effects, the end happens once and the
relay carries it out. Every line comes from the brand x language tables.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from collabcore.app.service import CollaborationService
from collabcore.domain.model import (
    BOOKKEEPING,
    EXPENSES,
    PAYROLL,
    AccountingOffice,
    Actor,
    Customer,
    CustomerUser,
    OfficeUser,
    Outcome,
    Role,
)
from collabcore.domain.refusals import EndRefused
from collabcore.ports import Store
from collabcore.testing.fakes import FakeIntegrations
from collabcore.tools.display import finding_lines, move_text, timeline_table
from collabcore.tools.words import narrating

Write = Callable[[str], None]

OFFICE_ID = "office-1"
NEW_OFFICE_ID = "office-2"
CUSTOMER_ID = "customer-1"


def run_demo(store: Store, write: Write, *, brand: str = "visma", language: str = "en") -> int:
    """Tell the story on ``store``; returns how many effects the relay carried out."""
    fakes = FakeIntegrations()
    counter = itertools.count(1)
    service = CollaborationService(
        store,
        integrations=fakes.integrations(),
        brand=brand,
        language=language,
        ids=lambda: f"collaboration-{next(counter)}",
    )
    loc = narrating(service.localizer)
    office = service.register_office(
        AccountingOffice(
            OFFICE_ID,
            "Ekonomibyrån Norr AB",
            (
                OfficeUser("anna", "Anna Berg", Role.ADMINISTRATOR, full_rights=True),
                OfficeUser("bo", "Bo Ek", Role.USER),
            ),
            language=language,
        )
    )
    customer = service.register_customer(
        Customer(
            CUSTOMER_ID,
            "10042",
            "Hantverkarna i Norr AB",
            (CustomerUser("kim", "Kim Lind"), CustomerUser("sam", "Sam Ulf")),
            language=language,
        )
    )
    anna = Actor.office(OFFICE_ID, "anna")
    # The collaborations run already: the host registers them (its own set-up).
    started = {
        product: service.register_collaboration(office_id=OFFICE_ID, customer_id=CUSTOMER_ID, product=product)
        for product in service.products.products
    }
    expenses = started[EXPENSES]
    fakes.set_facts(CUSTOMER_ID, unsubmitted_reports=2, users_with_unsubmitted_outlays=("sam",))
    product = loc.product(EXPENSES)

    write(loc.text("demo.title", product=product))
    write("")
    write(
        loc.text(
            "demo.setup",
            office=office.name,
            customer=customer.name,
            customer_number=customer.number,
            products=", ".join(loc.product(p) for p in started),
        )
    )
    write(loc.text("demo.overview"))
    for item in service.overview(OFFICE_ID, actor=anna).items:
        names = ", ".join(loc.product(c.product) for c in item.collaborations)
        write(f"  {item.customer.number} {item.customer.name}: {names}")
    write("")

    write(loc.text("demo.try_end", user="Anna Berg", office=office.name, product=product))
    try:
        service.end(expenses.id, actor=anna, outcome=Outcome.DELETE, confirm_deletion=True)
    except EndRefused as refused:
        write(loc.text("demo.refused"))
        for line in finding_lines(loc, refused.plan.blocking_findings):
            write(line)
    write("")

    service.change_role(CUSTOMER_ID, "kim", Role.ADMINISTRATOR, actor=anna)
    service.set_main_contact(CUSTOMER_ID, "kim", actor=anna)
    write(loc.text("demo.fix_main_contact", user="Kim Lind"))
    still = service.plan_end(expenses.id, actor=anna, outcome=Outcome.DELETE, confirm_deletion=True)
    write(loc.text("demo.still_refused"))
    for line in finding_lines(loc, still.blocking_findings):
        write(line)
    write("")

    fakes.set_facts(CUSTOMER_ID, unsubmitted_reports=0, users_with_unsubmitted_outlays=())
    plan = service.plan_end(expenses.id, actor=anna, outcome=Outcome.DELETE, confirm_deletion=True)
    write(loc.text("demo.submitted"))
    for line in finding_lines(loc, plan.findings):
        write(line)
    write(loc.text("demo.effects"))
    for n, description in enumerate(plan.effect_descriptions, start=1):
        write(f"  {n}. {description}")
    if plan.consequences is not None:
        write(loc.text("demo.consequences"))
        for line in plan.consequences.lines:
            write(f"  - {line}")
    write("")

    service.end(
        expenses.id,
        actor=anna,
        outcome=Outcome.DELETE,
        confirm_deletion=True,
        idempotency_key="demo-end-expenses",
    )
    report = service.relay().drain()
    write(loc.text("demo.ended", count=report.done))
    party_names = {office.id: office.name, customer.id: customer.name}
    for note in fakes.notifications:
        write("  " + loc.text("demo.notified", party=party_names[note.party_id], subject=note.subject))
    write(loc.text("demo.events", customer=customer.name))
    for event in service.events_of_customer(CUSTOMER_ID):
        actor = getattr(event, "actor", None)
        who = loc.text("demo.by_host") if actor is None else f"{actor.party.value}:{actor.user_id}"
        write(f"  {event.occurred_at:%Y-%m-%d %H:%M:%S} {type(event).__name__} ({who})")
    write("")
    return report.done + _tell_the_move(service, fakes, write, started[BOOKKEEPING].id)


def _tell_the_move(
    service: CollaborationService, fakes: FakeIntegrations, write: Write, bookkeeping: str
) -> int:
    """The company plans ahead: it schedules an end and withdraws it, then moves Payroll to
    another office in one step, with the hand-over shown before it happens."""
    loc = narrating(service.localizer)
    kim = Actor.customer(CUSTOMER_ID, "kim")
    company = "Hantverkarna i Norr AB"
    scheduled = service.schedule_end(bookkeeping, actor=kim, outcome=Outcome.DEACTIVATE)
    day = scheduled.request.effective_on
    assert day is not None
    write(
        loc.text(
            "demo.schedule_title", customer=company, product=loc.product(BOOKKEEPING), date=day.isoformat()
        )
    )
    write(str(timeline_table(scheduled.preview)))
    withdrawn = service.withdraw(scheduled.request.id, actor=kim)
    status = loc.text(f"request.status.{withdrawn.status.value}")
    write(loc.text("demo.withdrawn", office="Ekonomibyrån Norr AB", status=status))
    write("")

    south = service.register_office(
        AccountingOffice(
            NEW_OFFICE_ID,
            "Lönebyrån Syd AB",
            (OfficeUser("eva", "Eva Sund", Role.ADMINISTRATOR, full_rights=True),),
            language=service.localizer.language,
        )
    )
    write(loc.text("demo.move_title", customer=company, product=loc.product(PAYROLL), office=south.name))
    plan = service.plan_move(
        CUSTOMER_ID, actor=kim, from_office_id=OFFICE_ID, to_office_id=NEW_OFFICE_ID, products=[PAYROLL]
    )
    write(move_text(plan, loc))
    service.move(
        CUSTOMER_ID, actor=kim, from_office_id=OFFICE_ID, to_office_id=NEW_OFFICE_ID, products=[PAYROLL]
    )
    already = len(fakes.notifications)
    report = service.relay().drain()
    write(loc.text("demo.moved", count=report.done))
    names = {OFFICE_ID: "Ekonomibyrån Norr AB", NEW_OFFICE_ID: south.name, CUSTOMER_ID: company}
    for note in fakes.notifications[already:]:
        write("  " + loc.text("demo.notified", party=names[note.party_id], subject=note.subject))
    return report.done
