"""Brands x languages: nothing a person reads is missing, blank or half-filled."""

from __future__ import annotations

import itertools
import re

import pytest

import collabcore as cc
from collabcore.policy import PLANNER_TEXTS
from collabcore.testing import World
from collabcore.wording import Texts

BRANDS = ("visma", "spiris")
LANGUAGES = ("en", "sv")
EVERY_PARAM = {
    "names": "--office",
    "name": "--limit",
    "choices": "'a', 'b'",
    "value": "'c'",
    "reason": "R",
    "failure": "F",
    "check": "C",
    "user": "U",
    "count": 2,
    "users": "A, B",
    "services": "S",
    "date": "2026-11-30",
    "next_date": "2026-12-01",
    "variant": "start",
    "outcome": "O",
    "offered": "O1, O2",
    "payer": "P",
    "next_payer": "N",
    "from_office": "A",
    "to_office": "B",
    "product": "Prod",
    "customer": "Cust",
    "customer_number": "42",
    "office": "Off",
    "action": "act",
    "products": "Prods",
    "subject": "Subj",
    "party": "Party",
    "path": "file",
    "collaboration": "c-1",
    "verdict": "V",
    "request": "r-1",
    "status": "S",
}
LEFTOVER = re.compile(r"\{[a-z_]+\}")
# The values of the command line's own sentences (cli.*).
EVERY_PARAM |= dict.fromkeys(
    ("value", "command", "what", "folder", "file", "name", "brands", "language", "languages", "option"),
    "V",
)
EVERY_PARAM |= dict.fromkeys(
    ("spec", "attribute", "found", "kind", "example", "facts", "fact", "expected", "day", "today"), "W"
)
EVERY_PARAM |= dict.fromkeys(("ended", "started", "cursor", "outcomes"), "X")
EVERY_PARAM |= dict.fromkeys(
    ("position", "low", "high", "done", "carried_out", "blocked", "expired", "revoked", "skipped", "failed"),
    1,
)


def all_keys() -> set[str]:
    texts = cc.default_texts()
    return set(texts.templates["en"]) | set(texts.templates["sv"])


@pytest.mark.parametrize(("brand", "language"), list(itertools.product(BRANDS, LANGUAGES)))
def test_every_text_renders_in_every_brand_and_language(brand: str, language: str) -> None:
    required = cc.default_rulebook().text_keys | PLANNER_TEXTS | all_keys()
    loc = cc.default_texts().localizer(brand, language, required)
    for key in sorted(required):
        for line in loc.steps(key, **EVERY_PARAM):
            assert line.strip(), key
            assert not LEFTOVER.search(line), (key, line)
    for product in (cc.BOOKKEEPING, cc.PAYROLL, cc.EXPENSES):
        assert loc.product(product)


def test_both_languages_have_the_same_keys() -> None:
    texts = cc.default_texts()
    assert set(texts.templates["en"]) == set(texts.templates["sv"])


# The term table of DESIGN.md, as the vendors' help pages word it.
DESIGN_TERMS = {
    ("visma", "en"): (
        "service",
        "Settings - Collaborations",
        "Mina tjänster",
        "Users and services",
        "Main contact",
        "the pay program",
    ),
    ("visma", "sv"): (
        "tjänst",
        "Underhåll - Samarbeten (Byråstöd)",
        "Mina tjänster",
        "Användare och tjänster",
        "Huvudkontakt",
        "löneprogrammet",
    ),
    ("spiris", "en"): (
        "solution",
        "Settings - Collaborations",
        "Spiris",
        "Manage users",
        "Main contact",
        "the Payroll solution",
    ),
    ("spiris", "sv"): (
        "funktion",
        "Underhåll - Samarbeten",
        "Spiris",
        "Hantera användare",
        "Huvudkontakt",
        "en Lönfunktion",
    ),
}
DESIGN_PRODUCTS = {
    ("visma", "en"): ("Visma eEkonomi", "Visma Lön", "Visma Utlägg"),
    ("visma", "sv"): ("Visma eEkonomi", "Visma Lön", "Visma Utlägg"),
    ("spiris", "en"): ("Bookkeeping & Invoicing", "Payroll", "Travel & Expenses"),
    ("spiris", "sv"): ("Bokföring & Fakturering", "Lön", "Resor & Utlägg"),
}


@pytest.mark.parametrize(("brand", "language"), list(DESIGN_TERMS))
def test_brand_terms_are_exactly_the_design_table(brand: str, language: str) -> None:
    loc = cc.default_texts().localizer(brand, language)
    terms = ("service", "menu", "portal", "users_page", "main_contact", "payroll_program")
    assert tuple(loc.term(t) for t in terms) == DESIGN_TERMS[(brand, language)]
    assert (
        tuple(loc.product(p) for p in (cc.BOOKKEEPING, cc.PAYROLL, cc.EXPENSES))
        == DESIGN_PRODUCTS[(brand, language)]
    )
    roles = (loc.term("administrator"), loc.term("user_role"))
    assert roles == (("Administrator", "User") if language == "en" else ("Administratör", "Användare"))


def test_the_seed_sentences_survive_in_each_brand() -> None:
    """The R3 remedy is the seeds' own wording, with each brand's portal and page."""
    for brand, portal, page in (
        ("visma", "Mina tjänster", "Users and services"),
        ("spiris", "Spiris", "Manage users"),
    ):
        loc = cc.default_texts().localizer(brand, "en")
        assert (
            loc.steps("R3.remedy")[0]
            == f"Go to {portal}, switch to the customer's company and select {page}."
        )
    sv = cc.default_texts().localizer("spiris", "sv")
    assert sv.text("R3", customer_number="7") == "Huvudkontakt saknas för kundnummer 7."


def test_a_missing_text_fails_when_the_service_is_built() -> None:
    texts = cc.default_texts()
    broken = Texts(
        templates={
            "en": {k: v for k, v in texts.templates["en"].items() if k != "R3"},
            "sv": texts.templates["sv"],
        },
        brands=texts.brands,
    )
    with pytest.raises(cc.ConfigurationError, match="R3"):
        cc.CollaborationService(cc.MemoryStore(), texts=broken)
    with pytest.raises(cc.ConfigurationError, match="language 'de'"):
        cc.CollaborationService(cc.MemoryStore(), language="de")


def test_a_host_adds_a_language_as_data() -> None:
    texts = cc.default_texts()
    norwegian = dict(texts.templates["sv"])
    norwegian["R3"] = "Hovedkontakt mangler for kundenummer {customer_number}."
    brand = cc.Brand(
        "visma",
        terms={**cc.VISMA.terms, "nb": {**cc.VISMA.terms["sv"], "main_contact": "Hovedkontakt"}},
        products={**cc.VISMA.products, "nb": cc.VISMA.products["sv"]},
    )
    texts = texts.with_templates("nb", norwegian).with_brand(brand)
    world = World()
    world.office()
    world.customer(main_contact=False, number="9")
    collab = world.collaboration(cc.BOOKKEEPING)
    service = cc.CollaborationService(
        world.store, texts=texts, language="nb", integrations=world.fakes.integrations()
    )
    plan = service.plan_end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.DEACTIVATE)
    assert plan.blockers[0].message == "Hovedkontakt mangler for kundenummer 9."
