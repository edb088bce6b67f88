"""Words a person reads (issue 23): each brand in its own vocabulary, a status in words, a
party by its name, in every brand x language.

Visma calls what is collaborated on a "service" ("tjänst"), Spiris a "solution" ("funktion")
(docs/brands.md): a text shared by the brands says it with the brand's term (``{service}``,
``{the_service}``), and a sentence the terms cannot build lives in the brand's own catalog.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterator
from datetime import date

import pytest
from test_texts import EVERY_PARAM

import collabcore as cc
from collabcore import explore
from collabcore.domain.requests import LifecycleRequest
from collabcore.policy import PLANNER_TEXTS
from collabcore.testing import World
from collabcore.tools.display import request_line
from collabcore.tools.words import NARRATION
from collabcore.wording.texts import Template

BRANDS = ("visma", "spiris")
LANGUAGES = ("en", "sv")
PAIRS = list(itertools.product(BRANDS, LANGUAGES))

EITHER_WORD = re.compile(r"servic|tjänst|solution|funktion", re.IGNORECASE)
"""Either brand's word for what is collaborated on, in either language."""
OTHER_BRANDS_WORD = {
    "visma": re.compile(r"solution|funktion", re.IGNORECASE),
    "spiris": re.compile(r"servic|tjänst", re.IGNORECASE),
}
"""What the brand must never say: the other brand's word (Visma's own terms, such as its
portal "Mina tjänster" and page "Users and services", are Visma's to say)."""
RAW_VALUE = re.compile(r"(?<![\w=-])[a-z]+(?:_[a-z]+)+\b")
"""An enum's value as stored (``carried_out``, ``needs_acknowledgement``), not words; a value
shown as one types it on the command line (``payroll=end_subscription``) is input, not words."""
CAST_ID = re.compile(r"\b(?:office|customer)-\d+\b")
"""An office's or a company's id where its name belongs."""
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
TAG = re.compile(r"<[^>]+>")


def joined(template: Template) -> str:
    return template if isinstance(template, str) else "\n".join(template)


def every_key() -> set[str]:
    texts = cc.default_texts()
    keys = set(texts.templates["en"]) | set(texts.templates["sv"])
    for brand in texts.brands.values():
        for overrides in brand.overrides.values():
            keys |= set(overrides)
    return keys | cc.default_rulebook().text_keys | PLANNER_TEXTS


def assert_reads_well(brand: str, line: str, where: object) -> None:
    """One line a person reads: in the brand's vocabulary, no raw value, no id for a name."""
    assert not OTHER_BRANDS_WORD[brand].search(line), (where, line)
    assert not RAW_VALUE.search(line), (where, line)
    assert not CAST_ID.search(line), (where, line)


def shown_lines(*shown: str) -> Iterator[str]:
    """The lines of text and of HTML (tags dropped, entities read) a reader sees."""
    for each in shown:
        yield from html.unescape(TAG.sub("\n", each)).splitlines()


# --- every shipped text ---------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_shared_text_hard_codes_a_brands_word(language: str) -> None:
    """en.po, sv.po and the tools' words serve every brand: the word is the brand's term."""
    shared = {**cc.default_texts().templates[language], **NARRATION[language]}
    hard_coded = {
        key: joined(template)
        for key, template in shared.items()
        if EITHER_WORD.search(PLACEHOLDER.sub("", joined(template)))
    }
    assert hard_coded == {}


@pytest.mark.parametrize(("brand", "language"), PAIRS)
def test_a_brands_own_sentences_use_its_own_words(brand: str, language: str) -> None:
    overrides = cc.default_texts().brand(brand).overrides.get(language, {})
    assert overrides, "the brand says some things its own way (the linked services, say)"
    for key, template in overrides.items():
        assert not OTHER_BRANDS_WORD[brand].search(joined(template)), (key, template)


@pytest.mark.parametrize(("brand", "language"), PAIRS)
def test_every_text_reads_in_the_brands_own_words(brand: str, language: str) -> None:
    loc = cc.default_texts().localizer(brand, language).with_words(NARRATION[language])
    keys = every_key() | set(NARRATION[language])
    for key in sorted(keys):
        for line in loc.steps(key, **EVERY_PARAM):
            assert_reads_well(brand, line, key)
    assert {loc.term("service"), loc.term("the_service")} == (
        {"service", "the service"}
        if (brand, language) == ("visma", "en")
        else {"tjänst", "tjänsten"}
        if brand == "visma"
        else {"solution", "the solution"}
        if language == "en"
        else {"funktion", "funktionen"}
    )


# --- what the public API shows --------------------------------------------------------


@pytest.mark.parametrize(("brand", "language"), PAIRS)
def test_every_plan_reads_in_the_brands_words_with_names_and_no_raw_values(brand: str, language: str) -> None:
    products = tuple(spec.key for spec in cc.default_products())
    for product, preset in itertools.product(products, explore.FACT_PRESETS):
        others = [p for p in products if p != product]
        built = explore.scenario(
            product=product,
            facts=preset,
            brand=brand,
            language=language,
            other_products=others,
            main_contact=preset != "all clear",
        )
        for outcome, actor in itertools.product(
            cc.Outcome, ("office-admin", "customer-admin", "office-clerk")
        ):
            plan = built.plan(outcome, actor=actor)
            for line in shown_lines(explore.plan_text(plan), explore.plan_html(plan)):
                assert_reads_well(brand, line, (product, preset, outcome, actor))
        for offered in cc.default_products().get(product).outcomes:
            timeline = built.timeline(offered, effective=date(2027, 3, 31))
            for line in shown_lines(timeline.title, str(timeline), timeline._repr_html_()):
                assert_reads_well(brand, line, (product, preset, offered, "timeline"))


@pytest.mark.parametrize(("brand", "language"), PAIRS)
def test_the_notebooks_cast_is_named_in_words_that_read_in_both_languages(brand: str, language: str) -> None:
    payroll = explore.scenario(product=cc.PAYROLL, facts="payroll not ready", brand=brand, language=language)
    plan = payroll.plan(cc.Outcome.CUSTOMER_CONTINUES)
    text, page = explore.plan_text(plan), explore.plan_html(plan)
    for shown in (text, html.unescape(page)):
        assert "Berg & Lind AB" in shown and "Nordin Design AB" in shown
        assert "office-1" not in shown and "customer-1" not in shown
    blocker = "Blocker" if language == "en" else "Hinder"
    assert f"<i>{blocker}</i>" in page and "blocker" not in page
    title = explore.plan_text(plan).splitlines()[0]
    assert f"<h4>{html.escape(title)}</h4>" in page, "the page says what the text says"
    books = explore.scenario(
        product=cc.BOOKKEEPING, other_products=[cc.PAYROLL], brand=brand, language=language
    )
    timeline = books.timeline(cc.Outcome.DEACTIVATE, effective=date(2027, 3, 31))
    headings = ("date", "what happens") if language == "en" else ("datum", "vad som händer")
    assert str(timeline).splitlines()[1].split("  ")[0] == headings[0]
    assert timeline.columns == ("date", "what happens"), "code reads the columns by their names"
    assert "".join(f"<th>{h}</th>" for h in headings) in timeline._repr_html_()
    loc = books.service.localizer
    assert timeline.title == f"{loc.product(cc.BOOKKEEPING)}: {loc.text('outcome.deactivate')}"


def test_a_cast_of_ones_own_ids_and_names() -> None:
    world = World()
    assert world.office("office-2").name == "Holm & Ek AB"
    assert world.office("acme-office").name == "Acme Office AB"
    assert world.office("office-9", name="Ekonomibyrån Norr AB").name == "Ekonomibyrån Norr AB"
    assert world.customer("customer-2").number == "1002"
    assert world.customer("c").number == "N-c"
    names = {world.office(f"office-{n}").name for n in range(1, 13)}
    assert len(names) == 12, "every numbered office has a name of its own"


# --- a request in words -------------------------------------------------------------------

SETTLED = {
    "en": "Request {id} is already settled: {status}. A settled request stays as it is.",
    "sv": "Begäran {id} är redan avgjord: {status}. En avgjord begäran ändras inte.",
}
STATUS_WORDS = {
    ("en", "carried_out"): "carried out",
    ("sv", "carried_out"): "genomförd",
    ("en", "withdrawn"): "withdrawn",
    ("sv", "withdrawn"): "återkallad",
    ("en", "declined"): "declined",
    ("sv", "declined"): "avböjd",
}


def invited(brand: str, language: str) -> tuple[World, LifecycleRequest]:
    """A company invites a second office, Holm & Ek AB (``office-2``), to Expenses."""
    world = World(brand=brand, language=language)
    world.office()
    world.office("office-2")
    world.customer()
    request = world.service.invite(
        actor=world.customer_admin(), office_id="office-2", customer_id="customer-1", product=cc.EXPENSES
    )
    return world, request


@pytest.mark.parametrize(("brand", "language"), PAIRS)
@pytest.mark.parametrize("answer", ["accept", "decline", "withdraw"])
def test_a_settled_request_says_its_status_in_words(brand: str, language: str, answer: str) -> None:
    world, request = invited(brand, language)
    office, customer = world.office_admin("office-2"), world.customer_admin()
    by = customer if answer == "withdraw" else office
    settled = getattr(world.service, answer)(request.id, actor=by)
    with pytest.raises(cc.InvalidInput) as again:
        getattr(world.service, answer)(request.id, actor=by)
    words = STATUS_WORDS[(language, settled.status.value)]
    assert again.value.message == SETTLED[language].format(id=request.id, status=words)
    assert not RAW_VALUE.search(str(again.value))


INVITATION = {
    "en": ("Start of {product} with {office}", "awaits the accounting office's acceptance until 2026-11-30"),
    "sv": ("Start av {product} med {office}", "väntar på att redovisningsbyrån godkänner senast 2026-11-30"),
}


@pytest.mark.parametrize(("brand", "language"), PAIRS)
def test_a_request_names_its_office_never_its_id(brand: str, language: str) -> None:
    world, request = invited(brand, language)
    loc = world.service.localizer
    product = loc.product(cc.EXPENSES)
    with_office, waits = INVITATION[language]
    named = with_office.format(product=product, office="Holm & Ek AB")
    assert request_line(request, world.service) == f"{request.id}  {named}: {waits}"
    # Given only the words, the office is told as a party, still never by its id.
    party = loc.text("party.office")
    told = with_office.format(product=product, office=party)
    assert request_line(request, loc) == f"{request.id}  {told}: {waits}"
    accepted = world.service.accept(request.id, actor=world.office_admin("office-2"))
    done = STATUS_WORDS[(language, "carried_out")]
    assert request_line(accepted, world.service) == f"{request.id}  {named}: {done}"
    for line in (request_line(request, world.service), request_line(accepted, loc)):
        assert_reads_well(brand, line, "request")


@pytest.mark.parametrize(("brand", "language"), PAIRS)
def test_every_request_line_reads_in_words(brand: str, language: str) -> None:
    world, _ = invited(brand, language)
    book = world.collaboration(cc.BOOKKEEPING)
    pay = world.collaboration(cc.PAYROLL)
    world.service.schedule_end(pay.id, actor=world.customer_admin(), outcome=cc.Outcome.END_SUBSCRIPTION)
    world.service.end(book.id, actor=world.customer_admin(), outcome=cc.Outcome.DEACTIVATE)
    for actor in (world.customer_admin(), world.office_admin(), world.office_admin("office-2")):
        for request in world.service.requests(actor=actor, open_only=False):
            for words in (world.service, world.service.localizer):
                assert_reads_well(brand, request_line(request, words), request.kind)


# --- each brand's word for what is collaborated on -------------------------------------

LINKED = {
    ("visma", "en"): "End the access of the linked services to Visma eEkonomi.",
    ("visma", "sv"): "Avsluta de kopplade tjänsternas åtkomst till Visma eEkonomi.",
    ("spiris", "en"): "End the access of the linked solutions to Bookkeeping & Invoicing.",
    ("spiris", "sv"): "Avsluta de kopplade funktionernas åtkomst till Bokföring & Fakturering.",
}
R8_TITLE = {
    ("visma", "en"): "Payroll: the customer is a payroll user",
    ("visma", "sv"): "Lön: kunden är användare i lönetjänsten",
    ("spiris", "en"): "Payroll: the customer is a payroll user",
    ("spiris", "sv"): "Lön: kunden är användare i lönefunktionen",
}
SCANNER = {
    ("visma", "en"): "a scanner service",
    ("visma", "sv"): "en skannertjänst",
    ("spiris", "en"): "a scanner solution",
    ("spiris", "sv"): "en skannerfunktion",
}


@pytest.mark.parametrize(("brand", "language"), PAIRS)
def test_the_linked_services_and_payroll_are_told_in_the_brands_words(brand: str, language: str) -> None:
    built = explore.scenario(
        product=cc.BOOKKEEPING, facts="linked services on", brand=brand, language=language
    )
    plan = built.plan(cc.Outcome.CUSTOMER_CONTINUES, acknowledge={"R16"})
    assert plan.effect_descriptions[0] == LINKED[(brand, language)]
    assert LINKED[(brand, language)] in explore.plan_text(plan)
    loc = built.service.localizer
    assert loc.text("rule.R8") == R8_TITLE[(brand, language)]
    unknown = explore.scenario(product=cc.BOOKKEEPING, brand=brand, language=language)
    unknown.world.fakes.set_facts("customer-1", linked_services=None)
    (r16,) = [f for f in unknown.plan(cc.Outcome.CUSTOMER_CONTINUES).findings if f.code == "R16"]
    assert SCANNER[(brand, language)] in r16.remedy[0]


@pytest.mark.parametrize(("brand", "language"), PAIRS)
def test_an_outcome_not_offered_is_told_from_a_capital(brand: str, language: str) -> None:
    service = cc.CollaborationService(cc.MemoryStore(), brand=brand, language=language)
    detail = service.problem(cc.OutcomeNotOffered("not offered")).detail
    the_service = service.localizer.term("the_service")
    assert detail[0].isupper() and detail.endswith(f" {the_service}.")
