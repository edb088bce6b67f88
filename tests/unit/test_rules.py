"""One or more tests per rule of the default rulebook; each test names its rule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import attrs
import pytest

import collabcore as cc
from collabcore.domain import AccessLevel
from collabcore.testing import (
    CUSTOMER_ADMIN,
    CUSTOMER_USER,
    OFFICE_CLERK,
    OFFICE_JUNIOR_ADMIN,
    World,
)

EXP, PAY, BOOK = cc.EXPENSES, cc.PAYROLL, cc.BOOKKEEPING


def codes(plan: cc.Plan) -> list[str]:
    return [f.code for f in plan.findings]


def blockers(plan: cc.Plan) -> list[str]:
    return [f.code for f in plan.blockers]


# --- R1, R14: who may end ---------------------------------------------------------


def test_r1_customer_administrator_may_end(world: World) -> None:
    (collab,) = world.setup(BOOK)
    result = world.service.end(collab.id, actor=world.customer_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES)
    assert result.collaboration.ended_by == world.customer_admin()


def test_r1_customer_plain_user_may_not_end(world: World) -> None:
    (collab,) = world.setup(BOOK)
    staff = cc.Actor.customer("customer-1", CUSTOMER_USER)
    plan = world.service.plan_end(collab.id, actor=staff, outcome=cc.Outcome.DEACTIVATE)
    assert blockers(plan) == ["R1"]
    assert plan.blockers[0].key == "R1.not_admin"
    with pytest.raises(cc.NotAuthorized) as refused:
        world.service.end(collab.id, actor=staff, outcome=cc.Outcome.DEACTIVATE)
    assert refused.value.codes == ("R1",)
    assert refused.value.plan is not None


def test_r1_unknown_user_of_the_customer_may_not_end(world: World) -> None:
    (collab,) = world.setup(BOOK)
    ghost = cc.Actor.customer("customer-1", "ghost")
    plan = world.service.plan_end(collab.id, actor=ghost, outcome=cc.Outcome.DEACTIVATE)
    assert [f.key for f in plan.blockers] == ["R1.not_member"]


def test_r1_roles_are_read_from_storage_at_end_time(world: World) -> None:
    """Demoted between plan and end: the end is refused."""
    (collab,) = world.setup(BOOK)
    world.service.add_customer_user(
        "customer-1",
        cc.CustomerUser("temp", "Tess Temp", cc.Role.ADMINISTRATOR),
        actor=world.customer_admin(),
    )
    temp = cc.Actor.customer("customer-1", "temp")
    assert world.service.plan_end(collab.id, actor=temp, outcome=cc.Outcome.DEACTIVATE).allowed
    world.service.change_role("customer-1", "temp", cc.Role.USER, actor=world.customer_admin())
    with pytest.raises(cc.NotAuthorized):
        world.service.end(collab.id, actor=temp, outcome=cc.Outcome.DEACTIVATE)


@pytest.mark.parametrize("user", [OFFICE_CLERK, OFFICE_JUNIOR_ADMIN, "nobody"])
def test_r14_only_full_rights_administrators_of_the_office_may_end(world: World, user: str) -> None:
    (collab,) = world.setup(BOOK)
    actor = cc.Actor.office("office-1", user)
    with pytest.raises(cc.NotAuthorized) as refused:
        world.service.end(collab.id, actor=actor, outcome=cc.Outcome.DEACTIVATE)
    assert refused.value.codes == ("R14",)
    with world.store.transaction(write=False) as uow:
        stored = uow.get_collaboration(collab.id)
    assert stored is not None and stored.is_active


def test_r14_another_office_cannot_even_see_the_collaboration(world: World) -> None:
    (collab,) = world.setup(BOOK)
    world.office("office-2")
    with pytest.raises(cc.NotFound):
        world.service.end(collab.id, actor=world.office_admin("office-2"), outcome=cc.Outcome.DEACTIVATE)


def test_r14_office_rights_also_guard_variant_changes(world: World) -> None:
    (collab,) = world.setup(BOOK)
    with pytest.raises(cc.NotAuthorized):
        world.service.change_variant(
            collab.id, actor=cc.Actor.office("office-1", OFFICE_CLERK), variant="pro"
        )


# --- R2: other collaborations ------------------------------------------------------


def test_r2_other_collaborations_are_not_affected(world: World) -> None:
    book, pay, exp = world.setup(BOOK, PAY, EXP)
    plan = world.service.plan_end(exp.id, actor=world.office_admin(), outcome=cc.Outcome.DELETE)
    (r2,) = [f for f in plan.findings if f.code == "R2"]
    assert r2.severity is cc.Severity.INFO and r2.message.endswith("Nordin Design AB: 2.")
    world.service.end(exp.id, actor=world.office_admin(), outcome=cc.Outcome.DELETE, confirm_deletion=True)
    with world.store.transaction(write=False) as uow:
        assert uow.get_collaboration(book.id) == book
        assert uow.get_collaboration(pay.id) == pay
    assert {i.effect.collaboration_id for i in world.relay().pending()} == {exp.id}


# --- R3, R4: the main contact ------------------------------------------------------


def test_r3_missing_main_contact_blocks_with_the_brands_steps(world: World) -> None:
    world.office()
    world.customer(main_contact=False, number="4711")
    collab = world.collaboration(BOOK)
    plan = world.service.plan_end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.DEACTIVATE)
    (r3,) = plan.blockers
    assert r3.code == "R3"
    assert r3.message == "The main contact is missing for customer number 4711."
    assert r3.remedy == (
        "Go to Mina tjänster, switch to the customer's company and select Users and services.",
        "Should your customer not be in the list of users, first create a new user.",
        "Change a user's role by selecting the pencil symbol followed by selecting Administrator.",
        "Finally, select this user as Main contact.",
    )


def test_r3_fixed_by_the_three_operations(world: World) -> None:
    """Create the user, make them Administrator, select them as main contact."""
    world.office()
    world.customer(main_contact=False)
    collab = world.collaboration(BOOK)
    office = world.office_admin()
    world.service.add_customer_user("customer-1", cc.CustomerUser("new", "Nora New"), actor=office)
    with pytest.raises(cc.InvariantViolation, match="R4"):
        world.service.set_main_contact("customer-1", "new", actor=office)
    world.service.change_role("customer-1", "new", cc.Role.ADMINISTRATOR, actor=office)
    customer = world.service.set_main_contact("customer-1", "new", actor=office)
    assert customer.main_contact == "new"
    assert world.service.plan_end(collab.id, actor=office, outcome=cc.Outcome.DEACTIVATE).allowed
    kinds = [type(e).__name__ for e in world.service.events_of_customer("customer-1")]
    assert kinds[-3:] == ["CustomerUserAdded", "UserRoleChanged", "MainContactChanged"]


def test_r4_main_contact_cannot_be_demoted(world: World) -> None:
    world.setup()
    with pytest.raises(cc.InvariantViolation, match="main contact"):
        world.service.change_role("customer-1", CUSTOMER_ADMIN, cc.Role.USER, actor=world.customer_admin())
    assert world.service.events_of_customer("customer-1") == ()


@pytest.mark.parametrize(
    ("brand", "language", "demote", "select"),
    [
        (
            "visma",
            "en",
            "Bea Boss is the Main contact of customer number 1001 and must stay an Administrator.",
            "Stu Staff has the User role; the Main contact must be an Administrator.",
        ),
        (
            "spiris",
            "sv",
            "Bea Boss är Huvudkontakt för kundnummer 1001 och måste förbli Administratör.",
            "Stu Staff har rollen Användare; Huvudkontakt måste vara Administratör.",
        ),
    ],
)
def test_r4_user_management_refusals_are_in_the_brands_words(
    brand: str, language: str, demote: str, select: str
) -> None:
    world = World(brand=brand, language=language)
    world.setup()
    with pytest.raises(cc.InvariantViolation) as demoted:
        world.service.change_role("customer-1", CUSTOMER_ADMIN, cc.Role.USER, actor=world.customer_admin())
    (finding,) = demoted.value.findings
    assert (finding.code, finding.key, finding.message) == ("R4", "R4.keep_admin", demote)
    assert len(finding.remedy) == 2
    with pytest.raises(cc.InvariantViolation) as selected:
        world.service.set_main_contact("customer-1", CUSTOMER_USER, actor=world.customer_admin())
    assert [(f.key, f.message) for f in selected.value.findings] == [("R4.only_admin", select)]
    assert world.service.events_of_customer("customer-1") == ()


def test_r4_stored_main_contact_who_is_not_an_administrator_blocks(world: World) -> None:
    """Data written before the invariant (or by another system) is still checked at end time."""
    (collab,) = world.setup(BOOK)
    with world.store.transaction() as uow:
        customer = uow.get_customer("customer-1")
        assert customer is not None
        users = tuple(attrs.evolve(u, role=cc.Role.USER) for u in customer.users)
        uow.update_customer(attrs.evolve(customer, users=users), expected_version=customer.version)
        uow.commit()
    plan = world.service.plan_end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.DEACTIVATE)
    assert [f.key for f in plan.blockers] == ["R4.not_admin"]
    assert plan.blockers[0].remedy[-1] == "Finally, select this user as Main contact."


def test_r4_user_management_needs_rights(world: World) -> None:
    world.setup(BOOK)
    with pytest.raises(cc.NotAuthorized):
        world.service.change_role(
            "customer-1",
            CUSTOMER_USER,
            cc.Role.ADMINISTRATOR,
            actor=cc.Actor.customer("customer-1", CUSTOMER_USER),
        )
    with pytest.raises(cc.NotAuthorized):
        world.service.change_role(
            "customer-1",
            CUSTOMER_USER,
            cc.Role.ADMINISTRATOR,
            actor=cc.Actor.office("office-1", OFFICE_CLERK),
        )
    world.office("office-2")
    with pytest.raises(cc.NotFound):
        world.service.change_role(
            "customer-1", CUSTOMER_USER, cc.Role.ADMINISTRATOR, actor=world.office_admin("office-2")
        )


# --- R5: finality ----------------------------------------------------------------------


def test_r5_an_ended_collaboration_stays_ended(world: World) -> None:
    (collab,) = world.setup(BOOK)
    world.service.end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.DEACTIVATE)
    plan = world.service.plan_end(collab.id, actor=world.customer_admin(), outcome=cc.Outcome.DEACTIVATE)
    assert blockers(plan) == ["R5"] and plan.effects == ()
    with pytest.raises(cc.AlreadyEnded):
        world.service.end(collab.id, actor=world.customer_admin(), outcome=cc.Outcome.DEACTIVATE)
    with pytest.raises(cc.AlreadyEnded):
        world.service.change_variant(collab.id, actor=world.office_admin(), variant="pro")


def test_r5_going_on_means_a_new_collaboration(world: World) -> None:
    (collab,) = world.setup(BOOK)
    world.service.end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES)
    again = world.collaboration(BOOK)
    assert again.id != collab.id and again.is_active


def test_single_active_collaboration_per_product(world: World) -> None:
    world.setup(BOOK)
    with pytest.raises(cc.OperationRefused) as refused:
        world.collaboration(BOOK)
    assert refused.value.codes == ("single-active",)


# --- R6, R7, R15: outcomes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("product", "outcome"),
    [
        (BOOK, cc.Outcome.CUSTOMER_CONTINUES),
        (BOOK, cc.Outcome.DEACTIVATE),
        (PAY, cc.Outcome.CUSTOMER_CONTINUES),
        (PAY, cc.Outcome.END_SUBSCRIPTION),
        (EXP, cc.Outcome.CUSTOMER_CONTINUES),
        (EXP, cc.Outcome.DELETE),
    ],
)
def test_r6_r15_each_product_offers_its_two_outcomes(world: World, product: str, outcome: cc.Outcome) -> None:
    (collab,) = world.setup(product)
    plan = world.service.plan_end(collab.id, actor=world.office_admin(), outcome=outcome)
    assert f"R6.{outcome.value}" in [f.key for f in plan.findings]
    assert plan.effects and plan.consequences is not None
    assert plan.consequences.data_deleted == (outcome is cc.Outcome.DELETE)


@pytest.mark.parametrize(
    ("product", "outcome"),
    [(BOOK, cc.Outcome.DELETE), (PAY, cc.Outcome.DEACTIVATE), (EXP, cc.Outcome.END_SUBSCRIPTION)],
)
def test_r15_an_outcome_the_product_does_not_offer_is_a_clear_error(
    world: World, product: str, outcome: cc.Outcome
) -> None:
    (collab,) = world.setup(product)
    plan = world.service.plan_end(collab.id, actor=world.office_admin(), outcome=outcome)
    assert blockers(plan) == ["R15"] and plan.effects == ()
    with pytest.raises(cc.OutcomeNotOffered, match="does not offer"):
        world.service.end(collab.id, actor=world.office_admin(), outcome=outcome, confirm_deletion=True)


def test_r7_delete_needs_explicit_confirmation(world: World) -> None:
    (collab,) = world.setup(EXP)
    plan = world.service.plan_end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.DELETE)
    assert plan.needs_deletion_confirmation and not plan.allowed
    assert plan.needs_acknowledgement == frozenset()
    with pytest.raises(cc.EndRefused):
        world.service.end(
            collab.id, actor=world.office_admin(), outcome=cc.Outcome.DELETE, acknowledge={"R7"}
        )
    result = world.service.end(
        collab.id, actor=world.office_admin(), outcome=cc.Outcome.DELETE, confirm_deletion=True
    )
    assert "R7" in result.event.acknowledged


def test_r7_continuing_erases_nothing(world: World) -> None:
    (collab,) = world.setup(EXP)
    world.service.end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES)
    world.relay().drain()
    assert world.fakes.erased == []


# --- R8, R9, R10: payroll -------------------------------------------------------------------


def test_r8_r9_payroll_handover_needs_a_user_and_synchronised_data(world: World) -> None:
    (collab,) = world.setup(PAY)
    world.fakes.set_facts("customer-1", payroll_customer_is_user=False, payroll_synchronised=False)
    plan = world.service.plan_end(
        collab.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES
    )
    assert blockers(plan) == ["R8", "R9"]
    assert plan.blockers[0].remedy == (
        "Add the customer as a new user in Visma Lön before handing over the backup file.",
    )
    ended = world.service.plan_end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.END_SUBSCRIPTION)
    assert ended.allowed, "no backup is handed over when the subscription ends"


def test_r8_r9_unknown_without_a_payroll_integration(world: World) -> None:
    (collab,) = world.setup(PAY)
    bare = cc.CollaborationService(world.store, integrations=cc.Integrations())
    plan = bare.plan_end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES)
    assert [f.key for f in plan.blockers] == ["R8.unknown", "R9.unknown"]


def test_r10_payroll_handover_happens_before_access_goes(world: World) -> None:
    (collab,) = world.setup(PAY)
    plan = world.service.plan_end(
        collab.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES
    )
    kinds = [e.kind for e in plan.effects]
    assert kinds.index(cc.EffectKind.HAND_OVER_PAYROLL_BACKUP) < kinds.index(
        cc.EffectKind.REVOKE_OFFICE_ACCESS
    )
    assert "R10" in codes(plan)
    assert plan.consequences is not None
    assert plan.consequences.company_access is AccessLevel.PAYROLL_PROGRAM
    assert "the pay program" in plan.consequences.lines[1]


# --- R11, R12: travel & expenses --------------------------------------------------------------


def test_r11_r12_block_a_delete(world: World) -> None:
    (collab,) = world.setup(EXP)
    world.fakes.set_facts(
        "customer-1", unsubmitted_reports=3, users_with_unsubmitted_outlays=(CUSTOMER_USER,)
    )
    plan = world.service.plan_end(
        collab.id, actor=world.office_admin(), outcome=cc.Outcome.DELETE, confirm_deletion=True
    )
    assert blockers(plan) == ["R11", "R12"]
    assert "3" in plan.blockers[0].message and "Stu Staff" in plan.blockers[1].message


def test_r11_r12_need_acknowledgement_when_the_company_continues(world: World) -> None:
    (collab,) = world.setup(EXP)
    world.fakes.set_facts(
        "customer-1", unsubmitted_reports=1, users_with_unsubmitted_outlays=(CUSTOMER_USER,)
    )
    admin = world.office_admin()
    plan = world.service.plan_end(collab.id, actor=admin, outcome=cc.Outcome.CUSTOMER_CONTINUES)
    assert plan.blockers == () and plan.needs_acknowledgement == {"R11", "R12"}
    with pytest.raises(cc.EndRefused) as refused:
        world.service.end(collab.id, actor=admin, outcome=cc.Outcome.CUSTOMER_CONTINUES, acknowledge={"R11"})
    assert refused.value.codes == ("R12",)
    result = world.service.end(
        collab.id, actor=admin, outcome=cc.Outcome.CUSTOMER_CONTINUES, acknowledge={"R11", "R12"}
    )
    assert result.event.acknowledged == ("R11", "R12")


# --- R13: the overview ---------------------------------------------------------------------------


def test_r13_every_employee_sees_the_active_collaborations_per_customer(world: World) -> None:
    book, exp = world.setup(BOOK, EXP)
    world.service.end(exp.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES)
    page = world.service.overview("office-1", actor=cc.Actor.office("office-1", OFFICE_CLERK))
    assert [(i.customer.id, [c.id for c in i.collaborations]) for i in page.items] == [
        ("customer-1", [book.id])
    ]
    assert page.next_cursor is None


def test_r13_pages_follow_the_cursor(world: World) -> None:
    world.office()
    for n in range(7):
        world.customer(f"c{n}", number=f"{n:03d}")
        world.collaboration(BOOK, customer_id=f"c{n}")
    seen: list[str] = []
    cursor = None
    while True:
        page = world.service.overview("office-1", actor=world.office_admin(), after=cursor, limit=3)
        seen += [i.customer.id for i in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f"c{n}" for n in range(7)]


def test_r13_strangers_do_not_see_the_overview(world: World) -> None:
    world.setup(BOOK)
    world.office("office-2")
    with pytest.raises(cc.NotFound):
        world.service.overview("office-1", actor=world.office_admin("office-2"))
    with pytest.raises(cc.NotAuthorized):
        world.service.overview("office-1", actor=cc.Actor.office("office-1", "nobody"))
    with pytest.raises(cc.InvalidInput):
        world.service.overview("office-1", actor=world.office_admin(), limit=0)


# --- R16, R17: bookkeeping ---------------------------------------------------------------------


def test_r16_linked_services_need_acknowledgement(world: World) -> None:
    (collab,) = world.setup(BOOK)
    world.fakes.set_facts("customer-1", linked_services=("Financial overview", "Scanner"))
    plan = world.service.plan_end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.DEACTIVATE)
    assert plan.needs_acknowledgement == {"R16"}
    assert "Financial overview, Scanner" in plan.unacknowledged[0].message
    world.service.end(
        collab.id, actor=world.office_admin(), outcome=cc.Outcome.DEACTIVATE, acknowledge={"R16"}
    )


def test_r17_active_bank_integration_blocks(world: World) -> None:
    (collab,) = world.setup(BOOK)
    world.fakes.set_facts("customer-1", bank_integration_active=True)
    plan = world.service.plan_end(
        collab.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES
    )
    assert blockers(plan) == ["R17"]


# --- R18, R19: invoice recipient and variants ---------------------------------------------------


def test_r18_payroll_start_invoices_only_the_office(world: World) -> None:
    world.setup()
    with pytest.raises(cc.OperationRefused) as refused:
        world.collaboration(PAY, variant="start", invoice_recipient=cc.Party.CUSTOMER)
    assert refused.value.codes == ("R18",)
    assert world.collaboration(PAY, variant="standard", invoice_recipient=cc.Party.CUSTOMER).is_active


def test_r18_the_subscription_moves_to_the_company_when_it_continues(world: World) -> None:
    (collab,) = world.setup(BOOK)
    plan = world.service.plan_end(
        collab.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES
    )
    assert "R18" in codes(plan)
    world.service.end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES)
    subscription = world.service.get_subscription("customer-1", BOOK)
    assert subscription is not None and subscription.payer is cc.Party.CUSTOMER


def test_r18_r19_variant_change_keeps_the_collaboration(world: World) -> None:
    (collab,) = world.setup(PAY)
    changed = world.service.change_variant(collab.id, actor=world.office_admin(), variant="start")
    assert changed.is_active and changed.variant == "start" and changed.version == collab.version + 1
    with pytest.raises(cc.InvalidInput, match="no variant"):
        world.service.change_variant(collab.id, actor=world.office_admin(), variant="platinum")
    assert type(world.service.events_of_customer("customer-1")[-1]).__name__ == "VariantChanged"


def test_r18_variant_change_respects_the_invoice_recipient(world: World) -> None:
    world.setup()
    collab = world.collaboration(PAY, variant="standard", invoice_recipient=cc.Party.CUSTOMER)
    with pytest.raises(cc.OperationRefused, match="R18"):
        world.service.change_variant(collab.id, actor=world.office_admin(), variant="start")


# --- R20: read-only after deactivation ------------------------------------------------------------


def test_r20_office_keeps_read_only_while_it_has_other_collaborations(world: World) -> None:
    book, _ = world.setup(BOOK, PAY)
    plan = world.service.plan_end(book.id, actor=world.office_admin(), outcome=cc.Outcome.DEACTIVATE)
    assert cc.EffectKind.RESTRICT_OFFICE_ACCESS in [e.kind for e in plan.effects]
    assert plan.consequences is not None and plan.consequences.office_access is AccessLevel.READ_ONLY
    assert plan.consequences.company_access is AccessLevel.READ_ONLY
    assert "R20.office_keeps" in [f.key for f in plan.findings]


def test_r20_office_loses_access_without_other_collaborations(world: World) -> None:
    (book,) = world.setup(BOOK)
    plan = world.service.plan_end(book.id, actor=world.office_admin(), outcome=cc.Outcome.DEACTIVATE)
    assert cc.EffectKind.REVOKE_OFFICE_ACCESS in [e.kind for e in plan.effects]
    assert plan.consequences is not None and plan.consequences.office_access is AccessLevel.NONE


# --- R21, R22, R23 ------------------------------------------------------------------------------------


def test_r21_no_cancellation_while_collaborating(world: World) -> None:
    (collab,) = world.setup(BOOK)
    with pytest.raises(cc.OperationRefused) as refused:
        world.service.cancel_subscription("customer-1", BOOK, actor=world.customer_admin())
    assert refused.value.codes == ("R21",)
    assert (
        refused.value.findings[0]
        .remedy[0]
        .startswith("End the collaboration with the accounting office first")
    )
    world.service.end(collab.id, actor=world.customer_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES)
    cancelled = world.service.cancel_subscription("customer-1", BOOK, actor=world.customer_admin())
    assert cancelled.status is cc.SubscriptionStatus.ENDED and cancelled.paid_until == date(2026, 11, 30)


def test_r21_only_the_company_cancels_its_subscription(world: World) -> None:
    (collab,) = world.setup(BOOK)
    world.service.end(collab.id, actor=world.customer_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES)
    with pytest.raises(cc.NotAuthorized):
        world.service.cancel_subscription("customer-1", BOOK, actor=world.office_admin())


def test_r22_reports_are_exported_before_the_data_is_erased(world: World) -> None:
    (collab,) = world.setup(EXP)
    plan = world.service.plan_end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.DELETE)
    kinds = [e.kind for e in plan.effects]
    assert kinds.index(cc.EffectKind.EXPORT_REPORTS) < kinds.index(cc.EffectKind.ERASE_SERVICE_DATA)
    assert "R22" in codes(plan)


def test_r22_a_host_can_make_the_export_mandatory(world: World) -> None:
    strict = World(rulebook=cc.default_rulebook().regrade("R22", cc.Severity.NEEDS_ACKNOWLEDGEMENT))
    (collab,) = strict.setup(EXP)
    plan = strict.service.plan_end(
        collab.id, actor=strict.office_admin(), outcome=cc.Outcome.DELETE, confirm_deletion=True
    )
    assert plan.needs_acknowledgement == {"R22"}


def test_r23_paid_to_the_end_of_the_month(world: World) -> None:
    (collab,) = world.setup(BOOK)
    plan = world.service.plan_end(
        collab.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES
    )
    c = plan.consequences
    assert c is not None
    assert (c.payer, c.paid_until, c.next_payer) == (cc.Party.OFFICE, date(2026, 11, 30), cc.Party.CUSTOMER)
    assert (
        c.lines[2]
        == "The accounting office pays for Visma eEkonomi until 2026-11-30; from 2026-12-01 the company pays."
    )


def test_r23_month_end_in_december_and_february() -> None:
    from collabcore.domain import month_end

    assert month_end(date(2026, 12, 5)) == date(2026, 12, 31)
    assert month_end(date(2028, 2, 10)) == date(2028, 2, 29)


def test_a_host_replaces_an_unprotected_rule_but_not_a_protected_one(world: World) -> None:
    @cc.rule("R17", texts=("R17",))
    def bank_integration_never_blocks(ctx: cc.RuleContext) -> Iterator[cc.Flag]:
        """The host ends bank integrations itself, after the end."""
        return iter(())

    book = cc.default_rulebook().replace(bank_integration_never_blocks)
    assert book.get("R17") is bank_integration_never_blocks and len(book) == len(cc.default_rulebook())
    with pytest.raises(cc.ConfigurationError, match="cannot be replaced"):
        book.replace(attrs.evolve(book.get("R14"), check=lambda ctx: iter(())))
    with pytest.raises(cc.ConfigurationError, match="twice"):
        book.add(bank_integration_never_blocks)


def test_the_same_service_speaks_another_language(world: World) -> None:
    world.office()
    world.customer(main_contact=False, number="12")
    collab = world.collaboration(BOOK)
    swedish = world.service.speaking(language="sv")
    message = (
        swedish.plan_end(collab.id, actor=world.office_admin(), outcome="deactivate").blockers[0].message
    )
    assert message == "Huvudkontakt saknas för kundnummer 12."
    assert world.service.localizer.language == "en", "the original keeps its language"
