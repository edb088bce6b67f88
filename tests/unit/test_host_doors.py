"""One door per extension point, the same for the library and for hosts: facts are declared
next to the rule and answered by key; the fakes answer any declared fact; a host's rule ids
live in a namespace of their own."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

import collabcore as cc
from collabcore.domain import CollabCoreDeprecationWarning
from collabcore.testing import FakeIntegrations, World

OPEN_TIMESHEETS: cc.Fact[int] = cc.Fact("acme.open_timesheets", "Timesheets not approved.", all_clear=0)


@cc.rule("acme:timesheets", texts=("acme:timesheets",), reads=(OPEN_TIMESHEETS,))
def timesheets_approved(ctx: cc.RuleContext) -> Iterator[cc.Flag]:
    """Stands in for a host rule with a fact of its own."""
    count = ctx.facts.get(OPEN_TIMESHEETS)
    if count != 0:
        yield cc.Flag("acme:timesheets", {"count": count})


def host_world() -> World:
    book = cc.default_rulebook().add(timesheets_approved)
    texts = cc.default_texts()
    for language in ("en", "sv"):
        texts = texts.with_templates(
            language, {"rule.acme:timesheets": "Timesheets", "acme:timesheets": "Open: {count}."}
        )
    world = World(rulebook=book, texts=texts)
    world.fakes = FakeIntegrations(rulebook=book)
    world.service = cc.CollaborationService(
        world.store, integrations=world.fakes.integrations(), rulebook=book, texts=texts, clock=world.clock
    )
    return world


def test_the_fakes_answer_a_hosts_declared_fact_with_its_all_clear_and_by_its_name() -> None:
    world = host_world()
    (collab,) = world.setup(cc.PAYROLL)
    admin = world.office_admin()
    assert world.service.plan_end(collab.id, actor=admin, outcome="end_subscription").allowed
    world.fakes.set_facts("customer-1", open_timesheets=3)
    plan = world.service.plan_end(collab.id, actor=admin, outcome="end_subscription")
    assert [f.message for f in plan.blockers] == ["Open: 3."]
    assert world.fakes.facts_of("customer-1")["acme.open_timesheets"] == 3
    assert world.fakes.facts_of("customer-1").open_timesheets == 3
    world.fakes.set_facts("customer-1", acme_open_timesheets=None)  # unknown: the rule blocks
    plan = world.service.plan_end(collab.id, actor=admin, outcome="end_subscription")
    assert [f.code for f in plan.blockers] == ["acme:timesheets"]


def test_the_seed_facts_go_through_the_same_door() -> None:
    fakes = FakeIntegrations()
    integrations = fakes.integrations()
    for fact in cc.default_rulebook().facts(cc.default_products()):
        assert integrations.reader(fact.key) is not None, fact.key
        assert fact.all_clear is not None, f"{fact.key}: the fakes need an answer that lets ending go"
    assert fakes.answer("c", key="payroll.synchronised") is True
    fakes.set_facts("c", payroll_synchronised=False, unsubmitted_reports=2)
    assert fakes.payroll_synchronised("c") is False and fakes.unsubmitted_reports("c") == 2


def test_a_name_that_is_no_fact_is_refused_with_the_names_there_are() -> None:
    with pytest.raises(cc.InvalidInput, match=r"'unsubmited_reports' names no fact.*unsubmitted_reports"):
        FakeIntegrations().set_facts("c", unsubmited_reports=1)


def test_facts_given_by_key_win_over_the_seed_port() -> None:
    fakes = FakeIntegrations()
    integrations = cc.Integrations(payroll=fakes, facts={"payroll.synchronised": lambda _: False})
    reader = integrations.reader("payroll.synchronised")
    assert reader is not None and reader("c") is False
    assert integrations.reader("payroll.customer_is_user") is not None
    assert cc.Integrations().reader("payroll.synchronised") is None


def test_a_bad_fact_reader_is_told_with_the_signature_it_is_called_with() -> None:
    with pytest.raises(cc.InvalidInput, match="functions that take a customer id"):
        cc.Integrations(facts={"payroll.synchronised": True})  # type: ignore[dict-item]


def test_the_0_1_batch_door_still_answers_but_says_it_is_going() -> None:
    class Batch:
        def facts(self, customer_id: str, product: str) -> dict[str, object]:
            return {"payroll.synchronised": False}

    with pytest.warns(CollabCoreDeprecationWarning, match=r"facts=\{FACT.key: reader\}"):
        integrations = cc.Integrations(extra_facts=Batch())
    world = World()
    (collab,) = world.setup(cc.PAYROLL)
    service = cc.CollaborationService(world.store, integrations=integrations, clock=world.clock)
    plan = service.plan_end(collab.id, actor=world.office_admin(), outcome="customer_continues")
    assert "R9" in plan.codes and not any(f.key == "R9.unknown" for f in plan.findings)


# --- rule ids ----------------------------------------------------------------------


@cc.rule("R5", texts=("R5",))
def takes_a_library_id(ctx: cc.RuleContext) -> Iterator[cc.Flag]:
    """A host rule that took an id the library uses."""
    return iter(())


@cc.rule("R99", texts=("R99",))
def looks_like_the_library(ctx: cc.RuleContext) -> Iterator[cc.Flag]:
    """A host rule with an id of the library's form, free today."""
    return iter(())


@cc.rule("collabcore:mine", texts=("x",))
def in_the_librarys_namespace(ctx: cc.RuleContext) -> Iterator[cc.Flag]:
    """A host rule that claims the library's namespace."""
    return iter(())


def test_a_collision_with_a_library_rule_names_both_and_what_to_rename() -> None:
    with pytest.raises(cc.ConfigurationError) as refused:
        cc.default_rulebook().add(takes_a_library_id)
    told = str(refused.value)
    assert "collabcore.policy.rules.finality.end_is_final" in told
    assert "test_host_doors.takes_a_library_id" in told
    assert "'tests:R5'" in told or "namespace of your own" in told


def test_a_library_style_id_still_works_and_warns_with_the_name_to_use() -> None:
    with pytest.warns(CollabCoreDeprecationWarning, match=r"'R99' has no namespace.*from collabcore 1\.0"):
        book = cc.default_rulebook().add(looks_like_the_library)
    assert book.ids[-1] == "R99"


def test_the_librarys_namespace_is_its_own_and_a_hosts_is_quiet() -> None:
    with pytest.raises(cc.ConfigurationError, match="namespace collabcore is the library's own"):
        cc.default_rulebook().add(in_the_librarys_namespace)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cc.default_rulebook().add(timesheets_approved).ids[-1] == "acme:timesheets"
    with pytest.raises(cc.ConfigurationError, match="'acme:timesheets' appears twice"):
        cc.default_rulebook().add(timesheets_approved).add(timesheets_approved)


def test_every_library_rule_id_has_no_namespace_and_every_example_rule_has_one() -> None:
    from collabcore.policy.engine import NAMESPACED, is_library_rule

    assert all(is_library_rule(r) and ":" not in r.id for r in cc.default_rulebook())
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[2] / "examples" / "custom_rule.py"
    spec = importlib.util.spec_from_file_location("custom_rule_example", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    host_rules = [v for v in vars(module).values() if isinstance(v, cc.Rule)]
    assert host_rules and all(NAMESPACED.fullmatch(r.id) for r in host_rules)


# --- what a newcomer met -----------------------------------------------------------


def test_a_world_gives_its_rulebook_and_products_to_its_fakes_and_service() -> None:
    book = cc.default_rulebook().add(timesheets_approved)
    texts = cc.default_texts().with_templates(
        "en", {"rule.acme:timesheets": "Timesheets", "acme:timesheets": "Open: {count}."}
    )
    spec = cc.ProductSpec(
        key="acme_time", outcomes={cc.Outcome.CUSTOMER_CONTINUES: (cc.EffectKind.REVOKE_OFFICE_ACCESS,)}
    )
    world = World(rulebook=book, texts=texts, products=cc.default_products().register(spec))
    (collab,) = world.setup("acme_time")
    assert world.service.plan_end(collab.id, actor=world.office_admin(), outcome="customer_continues").allowed
    world.fakes.set_facts("customer-1", open_timesheets=2)  # the host's fact, by its name
    plan = world.service.plan_end(collab.id, actor=world.office_admin(), outcome="customer_continues")
    assert [f.message for f in plan.blockers] == ["Open: 2."]


def test_a_hosts_own_brand_object_needs_no_registering() -> None:
    visma = cc.default_texts().brand("visma")
    acme = cc.Brand("acme", visma.terms, {"en": {cc.PAYROLL: "Acme Pay"}})
    world = World()
    (collab,) = world.setup(cc.PAYROLL)
    service = cc.CollaborationService(world.store, integrations=world.fakes.integrations(), brand=acme)
    plan = service.plan_end(collab.id, actor=world.office_admin(), outcome="end_subscription")
    assert plan.consequences is not None, "None only for an end that would do nothing"
    assert plan.brand == "acme" and "Acme Pay" in plan.consequences.lines[-1]
    assert service.localizer.product(cc.EXPENSES) == "Travel & Expenses", "a name it lacks falls back"


def test_a_remedy_written_as_one_string_splits_into_steps_as_in_a_catalog() -> None:
    texts = cc.default_texts().with_templates("en", {"acme:x.remedy": "Do this.\nThen that."})
    assert texts.templates["en"]["acme:x.remedy"] == ("Do this.", "Then that.")
    kept = cc.default_texts().with_templates("en", {"acme:x": "One\nsentence."})
    assert kept.templates["en"]["acme:x"] == "One\nsentence."
