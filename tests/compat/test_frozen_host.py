"""A host written against 0.2 upgrades without changing a line: it type-checks (CI runs
``mypy --strict`` over tests/), runs, and decides, words included, exactly as it did on 0.2.
The recording was made by running the same story on 0.2.0's code."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import frozen_host_0_2 as host
import pytest

import collabcore as cc
from collabcore.domain import CollabCoreDeprecationWarning
from collabcore.policy.engine import NOT_CHECKED
from collabcore.policy.facts import LATEST
from collabcore.testing import FakeIntegrations, ManualClock

# The 0.2 host's rule id has no namespace, and every service built with it warns so: the first
# test asserts that warning; the others leave it unsaid rather than repeat it.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Rule id 'OPEN-INVOICES':collabcore.domain.CollabCoreDeprecationWarning"
)

RECORDED = Path(__file__).with_name("frozen_host_0_2.decisions.json")


def replayed(story: dict[str, object]) -> object:
    return json.loads(json.dumps(story, ensure_ascii=False, sort_keys=True))


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_the_0_2_host_decides_as_it_did_on_0_2(kind: str, tmp_path: Path) -> None:
    store = cc.MemoryStore() if kind == "memory" else cc.open_store(tmp_path / "host.db")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        now = replayed(host.story(store))
    store.close()
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    assert isinstance(now, dict) and now.keys() == recorded.keys()
    for name, then in recorded.items():
        if isinstance(then, dict) and "findings" in then:
            # Every finding 0.2 gave is given again, word for word and in order; a later
            # version may only add information (a newer check told as not checked).
            added = [f for f in now[name]["findings"] if f not in then["findings"]]
            assert all(severity == "info" for _, severity, _, _ in added), (name, added)
            kept = [f for f in now[name]["findings"] if f not in added]
            assert {**now[name], "findings": kept} == then, name
        elif name.endswith("/refused"):
            plan = now[name.rsplit("/", 1)[0]]
            told = {code for code, severity, _, _ in plan["findings"] if severity == "info"}
            assert [c for c in now[name] if c in then] == then and set(now[name]) - set(then) <= told
        else:
            assert now[name] == then, name
    # What changed for it is said, not done: its rule id has no namespace (a later version's
    # rule could take it), and that is the only warning it meets.
    assert {type(w.message) for w in caught} == {CollabCoreDeprecationWarning}
    assert all("OPEN-INVOICES" in str(w.message) for w in caught)


# --- a rule that a later collabcore adds, reading a fact the 0.2 host does not answer -----

FUTURE_FACT: cc.Fact[int] = cc.Fact(
    "newer.payslips_pending", "Payslips not yet sent.", all_clear=0, since=LATEST
)


@cc.rule("newer:payslips", texts=("R9",), products=(cc.PAYROLL,), reads=(FUTURE_FACT,))
def payslips_sent(ctx: cc.RuleContext) -> Iterator[cc.Flag]:
    """Stands in for a rule a later version adds: unknown blocks, as the seeds' rules do."""
    if ctx.facts.get(FUTURE_FACT) != 0:
        yield cc.Flag("R9")


def plan_with(integrations: cc.Integrations, newer: bool) -> cc.Plan:
    service, _ = host.host_service(cc.MemoryStore(), ManualClock(), synchronised={"c"}, open_reports={})
    rulebook = service.rulebook.add(payslips_sent) if newer else service.rulebook
    service = cc.CollaborationService(
        service.store,
        integrations=integrations,
        rulebook=rulebook,
        texts=service.texts.with_templates("en", {"rule.newer:payslips": "Payslips are sent"}),
        brand="acme",
        language="en",
        clock=service.clock,
    )
    service.register_office(
        cc.AccountingOffice("o", "O", (cc.OfficeUser("a", "A", cc.Role.ADMINISTRATOR, True),))
    )
    service.register_customer(
        cc.Customer("c", "1", "C", (cc.CustomerUser("u", "U", cc.Role.ADMINISTRATOR),), main_contact="u")
    )
    collab = service.register_collaboration(office_id="o", customer_id="c", product=cc.PAYROLL)
    return service.plan_end(collab.id, actor=cc.Actor.office("o", "a"), outcome=cc.Outcome.CUSTOMER_CONTINUES)


def old_integrations(as_of: str | None = None) -> cc.Integrations:
    return cc.Integrations(payroll=host.OldPayroll({"c"}), as_of=as_of)


def test_a_check_newer_than_the_hosts_integrations_is_told_but_changes_no_decision() -> None:
    before = plan_with(old_integrations(), newer=False)
    after = plan_with(old_integrations(), newer=True)
    assert after.allowed == before.allowed is True
    assert after.blockers == before.blockers == ()
    (told,) = [f for f in after.findings if f.code == "newer:payslips"]
    assert told.severity is cc.Severity.INFO and told.key == NOT_CHECKED
    assert told.message.startswith("Not checked:")
    assert told.remedy and "connect" in told.remedy[0]


def test_integrations_written_for_this_version_get_the_check_and_its_safe_default() -> None:
    plan = plan_with(old_integrations(as_of=LATEST), newer=True)
    assert not plan.allowed
    assert "newer:payslips" in [f.code for f in plan.blockers]
    fakes = FakeIntegrations()
    fakes.set_fact("c", FUTURE_FACT, 0)
    assert plan_with(fakes.integrations(as_of=LATEST), newer=True).allowed
    fakes.set_fact("c", FUTURE_FACT, 2)
    assert [f.code for f in plan_with(fakes.integrations(as_of=LATEST), newer=True).blockers] == [
        "newer:payslips"
    ]


def test_an_as_of_from_the_future_is_refused_with_what_to_write() -> None:
    with pytest.raises(cc.InvalidInput, match=rf"newer than this collabcore.*{LATEST}"):
        cc.Integrations(as_of="9.0")
    with pytest.raises(cc.InvalidInput, match=r"major\.minor"):
        cc.Integrations(as_of="latest")
