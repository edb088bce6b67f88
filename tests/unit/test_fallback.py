"""A language may be translated in part: what it lacks falls back along the host's chain,
and a finding says which language its words are in."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

import collabcore as cc
from collabcore.adapters.documents import document
from collabcore.adapters.serialization import from_data, to_data
from collabcore.domain.errors import ConfigurationError, InvalidInput
from collabcore.testing import World
from collabcore.wording import Texts
from collabcore.wording.catalogs import Catalog, shipped, write_po

TRANSLATED = ("R3", "R3.remedy", "rule.R3", "severity.blocker")


def half_norwegian() -> Catalog:
    """A host's Norwegian in progress: a few keys in words of its own, the rest not yet."""
    english = shipped("en").entries
    return Catalog("nb", {key: f"[nb] {english[key]}" for key in TRANSLATED})


def refused_plan(texts: Texts, language: str, **options: object) -> cc.Plan:
    """An expenses end with a missing main contact (R3) and unsubmitted reports (R11)."""
    world = World()
    world.office()
    world.customer(main_contact=False)
    collaboration = world.collaboration(cc.EXPENSES)
    world.fakes.set_facts("customer-1", unsubmitted_reports=2)
    service = cc.CollaborationService(
        world.store,
        integrations=world.fakes.integrations(),
        texts=texts,
        language=language,
        clock=world.clock,
        **options,  # type: ignore[arg-type]
    )
    return service.plan_end(collaboration.id, actor=world.office_admin(), outcome=cc.Outcome.DELETE)


def test_a_half_translated_catalog_loads_and_each_finding_says_its_language(tmp_path: Path) -> None:
    path = tmp_path / "nb.po"
    with path.open("w", encoding="utf-8") as out:
        write_po(half_norwegian(), out)
    texts = cc.default_texts().with_catalog(path)
    plan = refused_plan(texts, "nb")
    by_code = {finding.code: finding for finding in plan.findings}
    assert by_code["R3"].language == "nb"
    assert by_code["R3"].message.startswith("[nb] The main contact is missing")
    assert by_code["R3"].remedy[0].startswith("[nb] Go to Mina tjänster")
    assert by_code["R11"].language == "en", "R11 is not translated: its English is shown"
    assert by_code["R11"].message == refused_plan(cc.default_texts(), "en").findings[1].message
    assert plan.language == "nb"


def test_a_translated_language_says_its_own_language() -> None:
    plan = refused_plan(cc.default_texts(), "sv")
    assert {finding.language for finding in plan.findings} == {"sv"}


def test_a_host_chain_falls_back_on_swedish_before_english() -> None:
    texts = cc.default_texts()
    # Swedish without R11's remedy, so that the chain's last language has to give it.
    swedish = {k: v for k, v in texts.templates["sv"].items() if k != "R11.delete"}
    texts = Texts({**texts.templates, "sv": swedish}, texts.brands).with_catalog(half_norwegian())
    loc = texts.localizer("visma", "nb", fallback=("sv", "en"))
    assert loc.fallback == ("sv", "en")
    assert (loc.language_of("R3"), loc.language_of("R11"), loc.language_of("R11.delete")) == (
        "nb",
        "sv",
        "en",
    )
    assert loc.text("party.office") == "redovisningsbyrån"
    # Terms and product names follow the same chain, word by word.
    assert loc.term("users_page") == "Användare och tjänster"
    assert loc.product(cc.PAYROLL) == "Visma Lön"
    plan = refused_plan(texts, "nb", fallback=["sv", "en"])
    assert [(f.code, f.language) for f in plan.findings if f.code in ("R3", "R11")] == [
        ("R3", "nb"),
        ("R11", "en"),
    ], "the plan flags R11.delete, which only English has"


def test_speaking_another_language_keeps_the_hosts_chain() -> None:
    texts = cc.default_texts().with_catalog(half_norwegian())
    service = cc.CollaborationService(cc.MemoryStore(), texts=texts, fallback=("sv",))
    norwegian = service.speaking(language="nb")
    assert norwegian.localizer.fallback == ("sv",)
    assert norwegian.localizer.language_of("R11") == "sv"
    assert service.configuration.in_language("nb").language_of("party.office") == "sv"


def test_without_a_chain_every_text_must_be_there() -> None:
    visma_nb = Catalog("nb", shipped("visma-sv").entries, "visma")
    texts = cc.default_texts().with_catalog(half_norwegian()).with_catalog(visma_nb)
    with pytest.raises(ConfigurationError, match=r"No text for .*R11.* in nb \(which falls back on no other"):
        cc.CollaborationService(cc.MemoryStore(), texts=texts, language="nb", fallback=())


def test_a_key_that_no_language_of_the_chain_has_is_still_an_error() -> None:
    texts = cc.default_texts().with_catalog(half_norwegian())
    with pytest.raises(
        ConfigurationError, match=r"HOST-1 in nb or the languages it falls back on \(en\)"
    ) as e:
        texts.localizer("visma", "nb", ("R3", "HOST-1"))
    assert "R3" not in e.value.message.split(" in ")[0]
    assert e.value.hint and "nb catalog" in e.value.hint


def test_a_language_that_nobody_speaks_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match=r"no words for language 'de'.*Languages with words: en, sv"):
        cc.CollaborationService(cc.MemoryStore(), language="de")
    with pytest.raises(ConfigurationError, match="no words for language 'de'"):
        cc.default_texts().localizer("visma", "de", fallback=("en", "de"))


def test_a_brand_with_no_words_in_a_language_falls_back_term_by_term() -> None:
    visma_nb = Catalog("nb", {"term.brand": "Visma Rådgiver", "product.payroll": "Visma Lønn"}, "visma")
    loc = cc.default_texts().with_catalog(visma_nb).localizer("visma", "nb")
    assert loc.term("brand") == "Visma Rådgiver" and loc.term("portal") == "Mina tjänster"
    assert loc.product(cc.PAYROLL) == "Visma Lønn" and loc.product(cc.EXPENSES) == "Visma Utlägg"
    assert loc.language_of("R3") == "en"


def test_terms_that_no_language_of_the_chain_has_are_an_error() -> None:
    acme = cc.Brand("acme", terms={"nb": {"brand": "Acme"}}, products={})
    with pytest.raises(ConfigurationError, match="Brand acme lacks the terms service, the_service"):
        cc.default_texts().with_brand(acme).localizer("acme", "nb")


INVOICING = "acme_invoicing"


def test_a_02_brand_without_a_new_products_name_falls_back_on_the_products_own() -> None:
    # A host's own Brand, written for 0.2: names for en and sv, and for the three products then.
    old = cc.Brand(
        "acme",
        terms={"en": dict(cc.SPIRIS.terms["en"]), "sv": dict(cc.SPIRIS.terms["sv"])},
        products={
            "en": {cc.BOOKKEEPING: "Books", cc.PAYROLL: "Pay", cc.EXPENSES: "Outlays"},
            "sv": {cc.BOOKKEEPING: "Böcker", cc.PAYROLL: "Lön"},
        },
    )
    spec = attrs.evolve(cc.default_products().get(cc.PAYROLL), key=INVOICING, name="Invoicing")
    unnamed = attrs.evolve(spec, key="timesheets", name=None)
    products = cc.default_products().register(spec).register(unnamed)
    texts = cc.default_texts().with_brand(old)
    for language in ("en", "sv"):
        service = cc.CollaborationService(
            cc.MemoryStore(), texts=texts, brand="acme", language=language, products=products
        )
        assert service.localizer.product(INVOICING) == "Invoicing"
        assert service.localizer.product("timesheets") == "timesheets", "no name: the key as written"
    assert service.localizer.product(cc.EXPENSES) == "Outlays", "Swedish lacks it: the brand's English"
    assert service.localizer.product(cc.PAYROLL) == "Lön"
    with pytest.raises(ConfigurationError, match=r"no name for product 'other'.*ProductSpec a name"):
        service.localizer.product("other")


@pytest.mark.parametrize("bad", ["en", ("en", 3), [""], None, {"en": 1}, (" en",)])
def test_a_bad_chain_is_refused_with_the_fix(bad: object) -> None:
    with pytest.raises(InvalidInput, match="fallback must be a tuple or list of language codes") as e:
        cc.CollaborationService(cc.MemoryStore(), fallback=bad)  # type: ignore[arg-type]
    assert e.value.path == "fallback" and e.value.hint and "('sv', 'en')" in e.value.hint


def test_bad_product_names_are_refused() -> None:
    with pytest.raises(InvalidInput, match="product_names must map product keys to names"):
        cc.default_texts().localizer("visma", "en", product_names={"payroll": 3})  # type: ignore[dict-item]


def test_language_of_an_unknown_key_is_an_error_and_the_chain_cannot_be_changed() -> None:
    loc = cc.default_texts().localizer("visma", "sv")
    with pytest.raises(ConfigurationError, match=r"No sv text for nothing\.here"):
        loc.language_of("nothing.here")
    with pytest.raises(AttributeError):
        loc.fallback = ("sv",)  # type: ignore[misc]
    narrated = loc.with_words({"tool.hello": "Hello"}, language="en")
    assert (narrated.language_of("tool.hello"), narrated.language_of("R3")) == ("en", "sv")


def test_a_malformed_template_fails_at_start_up_naming_its_key() -> None:
    texts = cc.default_texts().with_templates("nb", {"R3": "Mangler {customer_number"})
    with pytest.raises(ConfigurationError, match=r"Text R3 \(nb\) is not a valid template"):
        texts.localizer("visma", "nb")


def test_a_findings_language_survives_its_json() -> None:
    plan = refused_plan(cc.default_texts().with_catalog(half_norwegian()), "nb")
    finding = plan.findings[0]
    data = to_data(finding)
    assert data["language"] == "nb"
    assert from_data(data, cc.Finding) == finding
    assert document(finding)["language"] == "nb"
    older = {k: v for k, v in data.items() if k != "language"}
    assert from_data(older, cc.Finding).language == "", "a finding written before 0.3 still reads"
