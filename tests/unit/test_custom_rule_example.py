"""examples/custom_rule.py's acme:pension rule reads a fact of its own, built as a host would build it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import attrs
import pytest

import collabcore as cc
from collabcore.testing import World
from collabcore.testing.rules import keys, rule_context

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "custom_rule.py"


@pytest.fixture(scope="module")
def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("custom_rule_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_r24_on_its_own_context(example: ModuleType) -> None:
    rule, fact = example.pension_reported_before_handover, example.PENSION_REPORTED

    def continues(facts: dict[cc.Fact[bool], object]) -> list[str]:
        return keys(
            rule, rule_context(product=cc.PAYROLL, outcome=cc.Outcome.CUSTOMER_CONTINUES, facts=facts)
        )

    assert continues({fact: False}) == ["acme:pension"]
    assert continues({fact: True}) == []
    assert continues({}) == ["acme:pension.unknown"]
    assert keys(rule, rule_context(product=cc.PAYROLL, outcome=cc.Outcome.END_SUBSCRIPTION)) == []


@pytest.mark.parametrize(("brand", "language"), [("visma", "en"), ("spiris", "sv")])
def test_r24_through_a_service_asks_the_hosts_integration_by_key(
    example: ModuleType, brand: str, language: str
) -> None:
    asked: list[str] = []

    def reported(customer_id: str) -> bool:
        asked.append(customer_id)
        return False

    world = World()
    (payroll,) = world.setup(cc.PAYROLL)
    service = cc.CollaborationService(
        world.store,
        integrations=attrs.evolve(world.fakes.integrations(), facts={example.PENSION_REPORTED.key: reported}),
        rulebook=cc.default_rulebook().add(example.pension_reported_before_handover),
        texts=example.with_words(cc.default_texts(), example.PENSION_WORDS),
        brand=brand,
        language=language,
    )
    plan = service.plan_end(payroll.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES)
    assert [f.code for f in plan.blockers] == ["acme:pension"]
    assert asked == ["customer-1"], "the fact is asked for once, by its key"
    # Ending expenses reads no pension: the integration is not asked for what no rule reads.
    asked.clear()
    expenses = world.collaboration(cc.EXPENSES)
    service.plan_end(expenses.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES)
    assert asked == []


def test_a_host_fact_can_come_from_the_fakes_too(example: ModuleType) -> None:
    world = World(
        rulebook=cc.default_rulebook().add(example.pension_reported_before_handover),
        texts=example.with_words(cc.default_texts(), example.PENSION_WORDS),
    )
    (payroll,) = world.setup(cc.PAYROLL)
    world.fakes.set_fact("customer-1", example.PENSION_REPORTED, True)
    plan = world.service.plan_end(
        payroll.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES
    )
    assert plan.allowed
    world.fakes.set_fact("customer-1", example.PENSION_REPORTED, None)
    plan = world.service.plan_end(
        payroll.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES
    )
    assert [f.key for f in plan.blockers] == ["acme:pension.unknown"]
