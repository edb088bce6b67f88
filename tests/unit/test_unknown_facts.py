"""Unknown is told as unknown: a fact nobody could answer says what could not be checked,
why (no integration answers it, it could not tell, or it failed and how), and what the user
can do, in every brand and language, and never with the remedy of the known case."""

from __future__ import annotations

import itertools

import pytest

import collabcore as cc
from collabcore.policy.planner import PLANNER_TEXTS
from collabcore.testing import FakeIntegrations, IntegrationFailure, World
from collabcore.wording.words import BRANDS, LANGUAGES

PAIRS = list(itertools.product(BRANDS, LANGUAGES))
FACT_RULES = [r for r in cc.default_rulebook() if r.reads]
OUTCOMES = {
    cc.BOOKKEEPING: cc.Outcome.CUSTOMER_CONTINUES,
    cc.PAYROLL: cc.Outcome.CUSTOMER_CONTINUES,
    cc.EXPENSES: cc.Outcome.CUSTOMER_CONTINUES,
}


@pytest.mark.parametrize(("brand", "language"), PAIRS)
def test_every_unknown_text_has_a_remedy_of_its_own(brand: str, language: str) -> None:
    book = cc.default_rulebook()
    loc = cc.default_texts().localizer(brand, language, book.text_keys | PLANNER_TEXTS)
    unknown_keys = sorted(k for k in book.text_keys if k.endswith(".unknown"))
    assert {k.split(".")[0] for k in unknown_keys} == {r.id for r in FACT_RULES}
    for key in unknown_keys:
        known_remedy = loc.steps(f"{key.split('.')[0]}.remedy", product="P")
        assert loc.has(f"{key}.remedy"), key
        assert loc.steps(f"{key}.remedy", product="P") != known_remedy, key


def service_without(world: World, *, brand: str = "visma", language: str = "en") -> cc.CollaborationService:
    """The world's store and clock, with no integration answering any fact."""
    return cc.CollaborationService(world.store, clock=world.clock, brand=brand, language=language)


@pytest.mark.parametrize(("brand", "language"), PAIRS)
def test_with_no_integration_every_finding_says_so_and_how_to_go_on(brand: str, language: str) -> None:
    world = World(brand=brand, language=language)
    collabs = world.setup(*OUTCOMES)
    service = service_without(world, brand=brand, language=language)
    known = World(brand=brand, language=language)
    said = cc.default_texts().localizer(brand, language).text("fact.no_integration")
    seen = set()
    for collab in collabs:
        plan = service.plan_end(collab.id, actor=world.office_admin(), outcome=OUTCOMES[collab.product])
        unknown = [f for f in plan.findings if f.key.endswith(".unknown")]
        for finding in unknown:
            seen.add(finding.code)
            assert said in finding.message, finding.message
            assert finding.remedy, finding.code
            known_steps = known.service.localizer.steps(f"{finding.code}.remedy", product="x")
            assert len(finding.remedy) != len(known_steps) or finding.remedy[0] != known_steps[0]
    assert seen == {"R8", "R9", "R11", "R12", "R16", "R17"}


def test_a_failing_integration_is_told_with_its_error_and_the_plan_still_comes() -> None:
    class PayrollDown(FakeIntegrations):
        def payroll_synchronised(self, customer_id: str) -> bool:
            raise IntegrationFailure("the payroll system is down")

    world = World()
    (payroll,) = world.setup(cc.PAYROLL)
    fakes = PayrollDown()
    # The seed port answers through the one door: without the fakes' own readers in front.
    integrations = cc.Integrations(payroll=fakes)
    service = cc.CollaborationService(world.store, integrations=integrations, clock=world.clock)
    plan = service.plan_end(payroll.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES)
    (r9,) = [f for f in plan.blockers if f.code == "R9"]
    assert r9.key == "R9.unknown"
    assert r9.message == (
        "Could not check whether the data in Visma Lön is synchronised: "
        "the integration failed (IntegrationFailure)."
    )
    assert "R8" not in plan.codes, "the other payroll fact was answered"
    with pytest.raises(cc.EndRefused) as refused:
        service.end(payroll.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES)
    assert "R9" in refused.value.plan.codes


def test_an_integration_that_cannot_tell_is_told_apart_from_none_at_all() -> None:
    world = World()
    (bookkeeping,) = world.setup(cc.BOOKKEEPING)
    world.fakes.set_facts("customer-1", bank_integration_active=None)
    plan = world.service.plan_end(
        bookkeeping.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES
    )
    (r17,) = plan.blockers
    assert r17.message.endswith(": the integration could not tell.")


def test_an_integrations_error_text_reaches_the_log_and_never_the_user(
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = World(language="sv")
    (payroll,) = world.setup(cc.PAYROLL)
    secret = "https://payroll.internal/api?token=s3cr3t timed out"

    def down(customer_id: str) -> bool:
        raise ConnectionError(secret)

    integrations = cc.Integrations(facts={"payroll.synchronised": down, "payroll.customer_is_user": bool})
    service = cc.CollaborationService(
        world.store, integrations=integrations, clock=world.clock, language="sv"
    )
    with caplog.at_level("WARNING", logger="collabcore.facts"):
        plan = service.plan_end(payroll.id, actor=world.office_admin(), outcome="customer_continues")
    (r9,) = [f for f in plan.blockers if f.code == "R9"]
    assert r9.message.endswith("integrationen svarade med ett fel (ConnectionError).")
    assert all("s3cr3t" not in text for f in plan.findings for text in (f.message, *f.remedy))
    assert any(
        "s3cr3t" in r.getMessage() and "payroll.synchronised" in r.getMessage() for r in caplog.records
    )


def test_a_due_run_waits_out_a_down_integration_and_carries_the_end_out_once_it_is_back() -> None:
    # docs/lifecycle.md: a request that meets an integration down is counted as failed,
    # stays open, and is tried again by the next run (never blocked for good by an outage).
    class Switchable(FakeIntegrations):
        down = True

        def payroll_synchronised(self, customer_id: str) -> bool:
            if self.down:
                raise IntegrationFailure("the payroll system is down")
            return True

    world = World()
    payroll, expenses = world.setup(cc.PAYROLL, cc.EXPENSES)
    for collab in (payroll, expenses):
        world.service.schedule_end(
            collab.id, actor=world.customer_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES
        )
    fakes = Switchable()
    # The fakes' own integrations: a subclass's override of a seed fact's method is heard.
    service = cc.CollaborationService(world.store, integrations=fakes.integrations(), clock=world.clock)
    world.clock.now = world.clock.now.replace(day=30, hour=23)
    first = service.carry_out_due()
    assert (first.carried_out, first.failed, first.blocked) == (1, 1, 0), "expenses needs no payroll fact"
    statuses = {
        r.collaboration_id: r.status for r in service.requests(actor=world.customer_admin(), open_only=False)
    }
    assert (
        statuses[payroll.id] is cc.RequestStatus.SCHEDULED
        and statuses[expenses.id] is cc.RequestStatus.CARRIED_OUT
    )
    fakes.down = False
    second = service.carry_out_due()
    assert (second.carried_out, second.failed) == (1, 0)
    assert service.get_collaboration(payroll.id, actor=world.customer_admin()).status is cc.Status.ENDED
