"""Hosts register their own products, with outcomes, effects, facts and rules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import collabcore as cc
from collabcore.testing import World
from collabcore.wording import Texts

TIME = "time_reporting"


OPEN_TIMESHEETS: cc.Fact[int] = cc.Fact("open_timesheets", "Timesheets not yet approved.")


@cc.rule("acme:time-1", texts=("acme:time-1",), products=(TIME,), reads=(OPEN_TIMESHEETS,))
def open_timesheets(ctx: cc.RuleContext) -> Iterator[cc.Flag]:
    """Host rule: timesheets must be approved before the service is deleted."""
    if ctx.outcome is cc.Outcome.DELETE and ctx.facts.extra.get("open_timesheets", 0):
        yield cc.Flag("acme:time-1", {"count": ctx.facts.extra["open_timesheets"]})


def host_service(world: World) -> cc.CollaborationService:
    spec = cc.ProductSpec(
        key=TIME,
        outcomes={
            cc.Outcome.CUSTOMER_CONTINUES: (
                cc.EffectKind.REVOKE_OFFICE_ACCESS,
                cc.EffectKind.NOTIFY_CUSTOMER,
            ),
            cc.Outcome.DELETE: (cc.EffectKind.ERASE_SERVICE_DATA, cc.EffectKind.NOTIFY_CUSTOMER),
        },
        variants=("basic", "plus"),
        default_variant="basic",
    )
    texts = cc.default_texts()
    for language, words in (("en", "Open timesheets: {count}."), ("sv", "Öppna tidrapporter: {count}.")):
        texts = texts.with_templates(language, {"acme:time-1": words, "rule.acme:time-1": words})
    brands = {
        key: cc.Brand(
            brand.key,
            brand.terms,
            {lang: {**names, TIME: "Tid"} for lang, names in brand.products.items()},
        )
        for key, brand in texts.brands.items()
    }
    texts = Texts(texts.templates, brands)
    return cc.CollaborationService(
        world.store,
        integrations=world.fakes.integrations(),
        products=cc.default_products().register(spec),
        rulebook=cc.default_rulebook().add(open_timesheets),
        texts=texts,
        clock=world.clock,
    )


def test_a_host_product_has_its_outcomes_rules_and_facts(world: World) -> None:
    world.office()
    world.customer()
    service = host_service(world)
    collab = service.start_collaboration(
        actor=world.customer_admin(), office_id="office-1", customer_id="customer-1", product=TIME
    )
    assert collab.variant == "basic"
    world.fakes.set_facts("customer-1", extra={"open_timesheets": 4})
    plan = service.plan_end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.DELETE)
    assert [f.code for f in plan.blockers] == ["acme:time-1"]
    assert plan.blockers[0].message == "Open timesheets: 4."
    assert plan.needs_deletion_confirmation, "R7 applies to any product whose outcome erases data"
    with pytest.raises(cc.OutcomeNotOffered):
        service.end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.DEACTIVATE)
    world.fakes.set_facts("customer-1", extra={})
    result = service.end(
        collab.id, actor=world.office_admin(), outcome=cc.Outcome.DELETE, confirm_deletion=True
    )
    assert [e.kind for e in result.effects] == [
        cc.EffectKind.ERASE_SERVICE_DATA,
        cc.EffectKind.NOTIFY_CUSTOMER,
    ]


def test_a_product_without_a_name_in_the_brand_is_called_by_its_own(world: World) -> None:
    # A brand made before the product existed must not stop the host at start-up.
    spec = cc.ProductSpec(key="nameless", outcomes={cc.Outcome.CUSTOMER_CONTINUES: ()})
    named = cc.ProductSpec(key="named", outcomes={cc.Outcome.CUSTOMER_CONTINUES: ()}, name="Invoicing")
    service = cc.CollaborationService(
        world.store, products=cc.default_products().register(spec).register(named)
    )
    assert service.localizer.product("nameless") == "nameless"
    assert service.localizer.product("named") == "Invoicing"
    assert service.localizer.product(cc.PAYROLL) == "Visma Lön"
    with pytest.raises(cc.ConfigurationError, match="registered already"):
        cc.default_products().register(cc.default_products().get(cc.PAYROLL))
