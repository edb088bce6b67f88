"""examples/web_host's HTML pages through FastAPI's test client, on a SQLite file and on
PostgreSQL: the seed's story clicked through as forms (the main contact is missing, the
remedy on the users page, the end, its result), the deletion's confirmation, both brands
in both languages, and what keeps the pages safe and usable (form tokens, escaping,
labels, nothing loaded from elsewhere, another office's customer as a missing one).

Every expected word is asked of collabcore's own localizer, never written here: the pages
must say what the catalogs say, in the request's brand and language.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import collabcore as cc
from collabcore.domain.events import CollaborationEnded
from collabcore.ports import Store
from collabcore.testing import World
from collabcore.wording.texts import Localizer

fastapi = pytest.importorskip("fastapi", reason="the web example needs collabcore[web]")
fastapi_testclient = pytest.importorskip("fastapi.testclient", reason="the web example needs collabcore[web]")

ROOT = Path(__file__).resolve().parent.parent


from web_host import pages  # noqa: E402

OFFICE = "office:office-1:admin"
CLERK = "office:office-1:clerk"
OTHER_OFFICE = "office:office-2:admin"
BOSS = "customer:customer-1:boss"
STAFF = "customer:customer-1:staff"
PAIRS = [("visma", "en"), ("visma", "sv"), ("spiris", "en"), ("spiris", "sv")]


from web_reading import Doc, get, post, sign_in  # noqa: E402


def words(world: World, brand: str = "visma", language: str = "en") -> Localizer:
    return world.service.speaking(brand, language).localizer


# --- the host under test ----------------------------------------------------------------------


@pytest.fixture
def store(file_store: Store) -> Store:
    return file_store


@pytest.fixture
def world(store: Store) -> World:
    """The seed's situation: customer 1's main contact is missing, a report is unsubmitted."""
    world = World(store)
    world.office()
    world.office("office-2")
    world.customer(main_contact=False)
    world.collaboration(cc.EXPENSES)  # collab-1
    world.collaboration(cc.PAYROLL)  # collab-2
    world.collaboration(cc.BOOKKEEPING, office_id="office-2", customer_id=world.customer("customer-2").id)
    world.fakes.set_facts("customer-1", unsubmitted_reports=1)
    return world


def make_app(service: cc.CollaborationService) -> Any:
    app = fastapi.FastAPI()
    pages.install_pages(app, service, None)
    return app


@pytest.fixture
def client(world: World) -> Any:
    return fastapi_testclient.TestClient(make_app(world.service))


def fix_main_contact(world: World) -> None:
    world.service.set_main_contact("customer-1", "boss", actor=world.office_admin())


# --- the seed's story -----------------------------------------------------------------------------


def test_the_seeds_story_main_contact_missing_remedy_on_the_users_page_then_the_end(
    client: Any, world: World
) -> None:
    loc = words(world)
    sign_in(client, OFFICE)
    overview = get(client, "/ui/collaborations")
    assert overview.title == loc.term("menu")
    customer = overview.one("details", id="customer-customer-1")
    assert loc.text("page.customer.number", customer_number="1001") in customer.words
    assert loc.product(cc.EXPENSES) in customer.words and loc.product(cc.PAYROLL) in customer.words

    # End: choose the outcome the product offers, in collabcore's words.
    choose = get(client, "/ui/collaborations/collab-1/end")
    offered = [e.attrs["value"] for e in choose.find("input", type="radio")]
    assert offered == ["customer_continues", "delete"]
    assert choose.label_of("outcome").lower() == loc.text("outcome.customer_continues").lower()

    plan = get(client, "/ui/collaborations/collab-1/end?outcome=customer_continues")
    expected = world.service.plan_end("collab-1", actor=world.office_admin(), outcome="customer_continues")
    r3 = next(f for f in expected.findings if f.code == "R3")
    blocker = plan.by_id("finding-0")
    assert r3.message in blocker.words
    steps = [li.words for li in plan.find("li") if li.within(blocker)]
    assert steps == list(r3.remedy) and len(steps) == 4, "numbered remedy steps, as the seed words them"
    assert any(ol.within(blocker) for ol in plan.find("ol", **{"class": "remedy"}))
    go = next(a for a in plan.find("a") if a.within(blocker) and "/users" in a.attrs["href"])
    assert go.words == loc.text("page.plan.go_to_users")

    # Ending now is refused: the plan again, the reasons on top, focused, linking to each.
    refused = post(client, plan, "/ui/collaborations/collab-1/end", action="now")
    assert refused.status_code == 422
    again = Doc(refused.text)
    summary = again.summary()
    assert ("#finding-0", r3.message) in summary
    assert ("#ack-R11", next(f.message for f in expected.findings if f.code == "R11")) in summary
    assert "autofocus" in again.one("div", **{"class": "error-summary"}).attrs
    assert again.find("input", id="ack-R11"), "the summary's link has a field to land on"

    # The remedy where the seed says: the users page, the pencil, Administrator, main contact.
    users = get(client, go.attrs["href"])
    assert users.title == loc.term("users_page")
    pencil = users.one("a", **{"aria-label": loc.text("page.users.change_role", user="Stu Staff")})
    role_page = get(client, pencil.attrs["href"])
    assert role_page.label_of("role") == loc.term("administrator")
    changed = post(client, role_page, "/ui/customers/customer-1/users/staff/role", role="administrator")
    assert changed.status_code == 303
    users = get(client, changed.headers["location"])
    assert users.one("p", role="status").words == loc.text("page.done.role")
    chosen = post(client, users, "/ui/customers/customer-1/main-contact", user="staff")
    assert chosen.status_code == 303
    back = parse_qs(urlsplit(chosen.headers["location"]).query)["back"][0]
    assert back == "/ui/collaborations/collab-1/end?outcome=customer_continues", "the way back to the end"

    # Ending goes through: the company continues; the result with consequences and timeline.
    plan = get(client, back)
    assert not any(e.words == "R3" for e in plan.find("span", **{"class": "code"}))
    ended = post(client, plan, "/ui/collaborations/collab-1/end", action="now", acknowledge=["R11"])
    assert ended.status_code == 303 and ended.headers["location"].startswith("/ui/results/")
    result = get(client, ended.headers["location"])
    product = loc.product(cc.EXPENSES)
    assert result.title == loc.text("page.result.ended", product=product)
    assert loc.text("access.company.full", product=product) in result.main
    assert result.find("table", **{"class": "timeline"})
    assert loc.text("timeline.ends", product=product) in result.main
    with world.store.transaction(write=False) as uow:
        collab = uow.get_collaboration("collab-1")
    assert collab is not None and collab.outcome is cc.Outcome.CUSTOMER_CONTINUES

    # The relay carries the effects out; the audit trail tells it all in words.
    assert world.relay().drain().done >= 1
    trail = get(client, "/ui/customers/customer-1/events")
    said = loc.text(
        "page.event.ended",
        product=product,
        office="Berg & Lind AB",
        outcome=loc.text("outcome.customer_continues"),
    )
    assert said in trail.main
    assert loc.text("page.event.main_contact", user="Stu Staff") in trail.main


def test_the_same_form_sent_twice_ends_once(client: Any, world: World) -> None:
    fix_main_contact(world)
    sign_in(client, OFFICE)
    plan = get(client, "/ui/collaborations/collab-2/end?outcome=end_subscription")
    first = post(client, plan, "/ui/collaborations/collab-2/end", action="now")
    second = post(client, plan, "/ui/collaborations/collab-2/end", action="now")
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    ends = [e for e in world.service.events_of_customer("customer-1") if isinstance(e, CollaborationEnded)]
    assert len(ends) == 1


def test_deleting_asks_for_a_confirmation_that_names_what_is_erased(client: Any, world: World) -> None:
    fix_main_contact(world)
    world.fakes.set_facts("customer-1", unsubmitted_reports=0)
    loc = words(world)
    sign_in(client, OFFICE)
    plan = get(client, "/ui/collaborations/collab-1/end?outcome=delete")
    confirm = loc.text(
        "page.plan.confirm_delete", product=loc.product(cc.EXPENSES), customer="Nordin Design AB"
    )
    assert plan.label_of("confirm-deletion") == confirm
    refused = post(client, plan, "/ui/collaborations/collab-1/end", action="now")
    assert refused.status_code == 422
    assert Doc(refused.text).summary() == [("#confirm-deletion", loc.text("page.plan.confirm_missing"))]
    with world.store.transaction(write=False) as uow:
        collab = uow.get_collaboration("collab-1")
    assert collab is not None and collab.is_active, "nothing is deleted unconfirmed"
    ended = post(client, plan, "/ui/collaborations/collab-1/end", action="now", confirm_deletion="yes")
    assert ended.status_code == 303
    result = get(client, ended.headers["location"])
    assert loc.text("consequence.deleted", product=loc.product(cc.EXPENSES)) in result.main


# --- both brands, both languages -------------------------------------------------------------------


@pytest.mark.parametrize(("brand", "language"), PAIRS)
def test_every_page_speaks_the_requests_brand_and_language(
    client: Any, world: World, brand: str, language: str
) -> None:
    loc = words(world, brand, language)
    sign_in(client, OFFICE, brand, language)
    response = client.get("/ui/collaborations")
    assert response.headers["content-language"] == language
    overview = Doc(response.text)
    assert overview.one("html").attrs["lang"] == language
    assert overview.title == loc.term("menu")
    assert loc.text("page.sign_out") in overview.one("header").words
    plan = get(client, "/ui/collaborations/collab-1/end?outcome=delete")
    twin = world.service.speaking(brand, language)
    expected = twin.plan_end("collab-1", actor=world.office_admin(), outcome="delete")
    for finding in expected.findings:
        assert finding.message in plan.main
    assert loc.steps("R3.remedy")[0] in plan.main, "the seed's remedy, in the brand's own words"
    assert loc.term("users_page") in plan.main
    users = get(client, "/ui/customers/customer-1/users")
    assert users.title == loc.term("users_page")
    assert loc.term("main_contact") in users.main
    if language == "sv":
        english = words(world, brand, "en")
        for key in ("page.sign_out", "page.plan.end_now", "page.plan.blockers"):
            assert english.text(key) not in plan.source, key

    # The switch in the header changes both, and comes back to the page.
    other = "spiris" if brand == "visma" else "visma"
    switched = client.get(
        f"/ui/words?brand={other}&lang={language}&next=/ui/collaborations", follow_redirects=False
    )
    assert switched.status_code == 303 and switched.headers["location"] == "/ui/collaborations"
    assert get(client, "/ui/collaborations").title == words(world, other, language).term("menu")


def test_the_switch_sends_nobody_elsewhere(client: Any) -> None:
    for target in ("https://evil.example/", "//evil.example/ui", "/\\evil", "/api/x", "javascript:alert(1)"):
        response = client.get("/ui/words", params={"brand": "spiris", "next": target}, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/ui", target


# --- ends on a day, invitations, moves, the company ---------------------------------------------------


def test_an_end_on_a_day_and_its_withdrawal(client: Any, world: World) -> None:
    fix_main_contact(world)
    loc = words(world)
    sign_in(client, OFFICE)
    plan = get(client, "/ui/collaborations/collab-2/end?outcome=end_subscription")
    bad = post(client, plan, "/ui/collaborations/collab-2/end", action="schedule", effective="31/12/2026")
    assert bad.status_code == 400
    assert Doc(bad.text).summary() == [("#effective", loc.text("page.plan.effective_invalid"))]
    day = (world.clock.now + timedelta(days=10)).date()
    scheduled = post(
        client, plan, "/ui/collaborations/collab-2/end", action="schedule", effective=day.isoformat()
    )
    assert scheduled.status_code == 303
    request_url = scheduled.headers["location"]
    shown = get(client, request_url)
    assert shown.one("p", role="status").words == loc.text("page.done.scheduled")
    assert (
        shown.title.lower()
        == loc.text(
            "request.scheduled_end", product=loc.product(cc.PAYROLL), office="", date=day.isoformat()
        ).lower()
    )
    overview = get(client, "/ui/collaborations")
    assert loc.text("overview.ends_on", date=day.isoformat()) in overview.main
    request_id = urlsplit(request_url).path.rsplit("/", 1)[1]
    withdrawn = post(client, overview, f"/ui/requests/{request_id}/withdraw")
    assert withdrawn.status_code == 303
    assert get(client, withdrawn.headers["location"]).one("p", role="status").words == loc.text(
        "page.done.withdrawn"
    )
    assert (
        world.service.get_request(request_id, actor=world.office_admin()).status is cc.RequestStatus.WITHDRAWN
    )


def test_an_invitation_and_its_acceptance_by_the_companys_administrator(client: Any, world: World) -> None:
    fix_main_contact(world)
    loc = words(world)
    sign_in(client, OFFICE)
    page = get(client, "/ui/invitations?customer=customer-1")
    sent = post(client, page, "/ui/invitations", customer="customer-1", product=cc.BOOKKEEPING)
    assert sent.status_code == 303
    assert get(client, sent.headers["location"]).one("p", role="status").words == loc.text(
        "page.done.invited"
    )

    sign_in(client, BOSS)
    company = get(client, "/ui/company")
    (invitation,) = world.service.requests(actor=world.customer_admin())
    what = loc.text(
        "request.invitation", product=loc.product(cc.BOOKKEEPING), office="Berg & Lind AB", date=""
    )
    assert what in company.main
    accepted = post(client, company, f"/ui/requests/{invitation.id}/accept")
    assert accepted.status_code == 303
    company = get(client, accepted.headers["location"])
    assert company.one("p", role="status").words == loc.text("page.done.accepted")
    rows = company.one("table", **{"class": "collaborations"}).words
    assert loc.product(cc.BOOKKEEPING) in rows


def test_the_company_invites_an_office_which_accepts(client: Any, world: World) -> None:
    fix_main_contact(world)
    loc = words(world)
    sign_in(client, BOSS)
    company = get(client, "/ui/company")
    taken = post(client, company, "/ui/invitations", to_office="office-2", product=cc.EXPENSES)
    assert taken.status_code == 422, "one active collaboration per product"
    (line,) = Doc(taken.text).summary()
    assert line[1] == loc.text("single-active", customer="Nordin Design AB", product=loc.product(cc.EXPENSES))
    sent = post(client, company, "/ui/invitations", to_office="office-2", product=cc.BOOKKEEPING)
    assert sent.status_code == 303 and sent.headers["location"] == "/ui/company?done=invited"
    nobody = post(client, company, "/ui/invitations", to_office="no-such-office", product=cc.BOOKKEEPING)
    assert nobody.status_code == 404 and Doc(nobody.text).summary()

    sign_in(client, OTHER_OFFICE)
    waiting = get(client, "/ui/invitations")
    (invitation,) = world.service.requests(actor=world.office_admin("office-2"), open_only=True)[-1:]
    # The office's list names the other party: the company that invites it.
    assert loc.text(
        "request.invitation", product=loc.product(cc.BOOKKEEPING), office="Nordin Design AB", date=""
    ) in (waiting.main)
    accepted = post(client, waiting, f"/ui/requests/{invitation.id}/accept")
    assert accepted.status_code == 303
    started = world.service.get_request(invitation.id, actor=world.office_admin("office-2"))
    assert started.status is cc.RequestStatus.CARRIED_OUT


def test_a_user_is_created_where_the_seed_says_when_the_customer_is_not_in_the_list(
    client: Any, world: World
) -> None:
    loc = words(world)
    sign_in(client, OFFICE)
    users = get(client, "/ui/customers/customer-1/users")
    empty = post(
        client, users, "/ui/customers/customer-1/users", id=" ", name="Anna Ny", role="administrator"
    )
    assert empty.status_code == 400
    again = Doc(empty.text)
    assert again.summary() == [("#new-user-id", loc.text("page.users.invalid_id"))]
    assert again.one("input", id="new-user-name").attrs["value"] == "Anna Ny", "what was typed stays"
    made = post(
        client, users, "/ui/customers/customer-1/users", id="anna", name="Anna Ny", role="administrator"
    )
    assert made.status_code == 303
    users = get(client, made.headers["location"])
    assert users.one("p", role="status").words == loc.text("page.done.user_added")
    chosen = post(client, users, "/ui/customers/customer-1/main-contact", user="anna")
    assert chosen.status_code == 303
    with world.store.transaction(write=False) as uow:
        customer = uow.get_customer("customer-1")
    assert customer is not None and customer.main_contact == "anna"
    # R4: a User cannot be the main contact; collabcore says why and how, on the same page.
    refused = post(client, users, "/ui/customers/customer-1/main-contact", user="staff")
    assert refused.status_code == 422
    page = Doc(refused.text)
    (target, message), *_ = page.summary()
    assert target == "#refusal-0" and "Stu Staff" in message
    assert loc.steps("R4.only_admin.remedy", user="Stu Staff")[0] in page.main


def test_a_move_to_another_office(client: Any, world: World) -> None:
    fix_main_contact(world)
    loc = words(world)
    sign_in(client, BOSS)
    plan = get(client, "/ui/collaborations/collab-2/move?to_office=office-2")
    expected = world.service.plan_move(
        "customer-1",
        actor=world.customer_admin(),
        from_office_id="office-1",
        to_office_id="office-2",
        products=[cc.PAYROLL],
    )
    for line in expected.handover:
        assert line in plan.main
    moved = post(client, plan, "/ui/collaborations/collab-2/move")
    assert moved.status_code == 303, moved.text[:800]
    result = get(client, moved.headers["location"])
    assert result.title == loc.text(
        "page.result.moved", product=loc.product(cc.PAYROLL), office="Holm & Ek AB"
    )
    with world.store.transaction(write=False) as uow:
        active = uow.active_collaborations_of_customer("customer-1")
    assert {(c.product, c.office_id) for c in active} == {(cc.PAYROLL, "office-2"), (cc.EXPENSES, "office-1")}


def test_the_companys_own_view_as_its_administrator_and_as_a_user(client: Any, world: World) -> None:
    loc = words(world)
    sign_in(client, BOSS)
    company = get(client, "/ui/company")
    assert company.title == "Nordin Design AB"
    ends = company.find(
        "a",
        **{
            "aria-label": loc.text(
                "page.end.link_label", product=loc.product(cc.PAYROLL), customer="Nordin Design AB"
            )
        },
    )
    assert len(ends) == 1
    assert get(client, "/ui/customers/customer-1/users").title == loc.term("users_page")
    assert get(client, "/ui/collaborations/collab-1/end").title == loc.text(
        "page.end.title", product=loc.product(cc.EXPENSES)
    )

    sign_in(client, STAFF)
    company = get(client, "/ui/company")
    assert not company.find("a", href="/ui/collaborations/collab-2/end"), "a User may not end (R1)"
    refused = get(client, "/ui/customers/customer-1/users", status=403)
    assert refused.title == loc.text("problem.not_authorized")


def test_an_office_clerk_sees_but_cannot_end(client: Any, world: World) -> None:
    sign_in(client, CLERK)
    overview = get(client, "/ui/collaborations")
    assert overview.find("details", id="customer-customer-1")
    assert not overview.find("a", href="/ui/collaborations/collab-1/end"), "R14: only full rights end"


def test_the_overview_is_paged_by_collabcore(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "PAGE_SIZE", 1)
    world.customer("customer-3")
    world.collaboration(cc.PAYROLL, customer_id="customer-3")
    loc = words(world)
    sign_in(client, OFFICE)
    first = get(client, "/ui/collaborations")
    assert [d.attrs["id"] for d in first.find("details")] == ["customer-customer-1"]
    following = first.one(
        "a", href=next(a.attrs["href"] for a in first.find("a") if "after=" in a.attrs["href"])
    )
    assert following.words == loc.text("page.overview.next")
    second = get(client, following.attrs["href"])
    assert [d.attrs["id"] for d in second.find("details")] == ["customer-customer-3"]
    get(client, "/ui/collaborations?after=not-a-cursor", status=400)


# --- what keeps the pages safe and usable ---------------------------------------------------------


def test_another_offices_customer_is_the_page_of_a_customer_that_does_not_exist(
    client: Any, world: World
) -> None:
    sign_in(client, OFFICE)
    for suffix in ("", "/users", "/events"):
        theirs = client.get(f"/ui/customers/customer-2{suffix}")
        nobody = client.get(f"/ui/customers/nobody{suffix}")
        assert theirs.status_code == nobody.status_code == 404
        assert Doc(theirs.text).main == Doc(nobody.text).main
    assert Doc(theirs.text).title == words(world).text("problem.not_found")
    theirs = client.get("/ui/collaborations/collab-3/end")
    nobody = client.get("/ui/collaborations/nothing/end")
    assert theirs.status_code == nobody.status_code == 404 and Doc(theirs.text).main == Doc(nobody.text).main


def test_a_form_without_its_token_is_refused(client: Any, world: World) -> None:
    fix_main_contact(world)
    sign_in(client, OFFICE)
    plan = get(client, "/ui/collaborations/collab-2/end?outcome=end_subscription")
    for token in ("", "0" * 64):
        refused = post(client, plan, "/ui/collaborations/collab-2/end", action="now", csrf=token)
        assert refused.status_code == 403
        assert Doc(refused.text).title == words(world).text("page.form.rejected")
    json_body = client.post("/ui/collaborations/collab-2/end", json={"action": "now"}, follow_redirects=False)
    assert json_body.status_code == 415
    with world.store.transaction(write=False) as uow:
        collab = uow.get_collaboration("collab-2")
    assert collab is not None and collab.is_active
    # A token from another session is worth nothing in this one.
    other = fastapi_testclient.TestClient(client.app)
    sign_in(other, OFFICE)
    assert post(other, plan, "/ui/collaborations/collab-2/end", action="now").status_code == 403
    for name, value in client.cookies.items():
        assert name in {"who", "brand", "lang", "session"}, (name, value)
    fresh = fastapi_testclient.TestClient(client.app)
    assert fresh.post("/ui/sign-in", data={"who": OFFICE}, follow_redirects=False).status_code == 403


def test_cookies_are_http_only_and_same_site(client: Any) -> None:
    doc = get(client, "/ui/sign-in")
    response = post(client, doc, "/ui/sign-in", who=OFFICE, brand="visma", lang="en")
    set_cookies = response.headers.get_list("set-cookie")
    assert {c.split("=", 1)[0] for c in set_cookies} == {"who", "brand", "lang", "session"}
    for line in set_cookies:
        assert "HttpOnly" in line and "SameSite=lax" in line, line


def test_hostile_names_and_ids_are_shown_as_text(client: Any, world: World) -> None:
    script = "<script>alert(1)</script>"
    world.service.register_office(
        cc.AccountingOffice(
            "office-1",
            f"Evil {script} AB",
            (
                cc.OfficeUser(
                    "admin", '"><img src=x onerror=alert(2)>', cc.Role.ADMINISTRATOR, full_rights=True
                ),
            ),
        )
    )
    hostile_id = 'c"><b>x</b>'
    world.service.register_customer(
        cc.Customer(
            hostile_id,
            "<i>42</i>",
            script,
            (cc.CustomerUser("boss", f"Boss {script}", cc.Role.ADMINISTRATOR),),
            main_contact="boss",
        )
    )
    world.collaboration(cc.PAYROLL, customer_id=hostile_id)
    sign_in(client, OFFICE)
    shown = [client.get("/ui/collaborations").text]
    doc = Doc(shown[0])
    customer_link = next(
        a.attrs["href"] for a in doc.find("a") if a.attrs["href"].startswith("/ui/customers/c%22")
    )
    for url in (customer_link, customer_link + "/users", customer_link + "/events"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.text[:300])
        shown.append(response.text)
    for page in shown:
        assert "<script>" not in page and "<img" not in page and "<b>x" not in page and "<i>42" not in page
        assert "&lt;script&gt;" in page
    assert script in Doc(shown[1]).title, "the name reads as it is"


PAGES = [
    (OFFICE, "/ui/collaborations"),
    (OFFICE, "/ui/customers/customer-1"),
    (OFFICE, "/ui/customers/customer-1/users"),
    (OFFICE, "/ui/customers/customer-1/users/staff/role"),
    (OFFICE, "/ui/customers/customer-1/events"),
    (OFFICE, "/ui/collaborations/collab-1/end"),
    (OFFICE, "/ui/collaborations/collab-1/end?outcome=delete"),
    (OFFICE, "/ui/invitations"),
    (OFFICE, "/ui/customers/nobody"),
    (BOSS, "/ui/company"),
    (BOSS, "/ui/collaborations/collab-2/move"),
    (BOSS, "/ui/collaborations/collab-2/move?to_office=office-2"),
]


def test_every_page_is_labelled_landmarked_and_loads_nothing_from_elsewhere(
    client: Any, world: World
) -> None:
    seen = [("", get(client, "/ui/sign-in"))]
    for who, url in PAGES:
        sign_in(client, who)
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        seen.append((url, Doc(response.text)))
    for url, doc in seen:
        assert len(doc.find("h1")) == 1 and len(doc.find("main")) == 1, url
        assert doc.find("html")[0].attrs.get("lang"), url
        assert not doc.find("script") and not doc.find("iframe"), url
        for element in doc.elements:
            for name in ("href", "src", "action", "srcset"):
                value = element.attrs.get(name, "")
                assert not re.match(r"^\s*(?:[a-z][a-z0-9+.-]*:|//)", value, re.I), (url, name, value)
        for control in doc.elements:
            if control.tag in ("select", "textarea") or (
                control.tag == "input" and control.attrs.get("type") not in ("hidden", "submit")
            ):
                assert doc.label_of(control.attrs["id"]), (url, control.attrs)
        for b in doc.find("button"):
            assert b.words or b.attrs.get("aria-label"), url
        for th in doc.find("th"):
            assert th.attrs.get("scope") in ("col", "row"), url
        for a in doc.find("a"):
            assert a.words or a.attrs.get("aria-label"), (url, a.attrs)
    css = client.get("/static/site.css")
    assert css.status_code == 200 and "url(" not in css.text and "@import" not in css.text
    assert ":focus" in css.text, "the focus is visible"


def test_signed_out_goes_to_sign_in_and_the_root_too(client: Any) -> None:
    assert client.get("/", follow_redirects=False).headers["location"] == "/ui/sign-in"
    away = client.get("/ui/customers/customer-1", follow_redirects=False)
    assert away.status_code == 303
    assert away.headers["location"] == "/ui/sign-in?next=%2Fui%2Fcustomers%2Fcustomer-1"
    doc = get(client, "/ui/sign-in?next=/ui/customers/customer-1")
    response = post(client, doc, "/ui/sign-in", who=OFFICE)
    assert response.headers["location"] == "/ui/customers/customer-1"
    wrong = post(client, get(client, "/ui/sign-in"), "/ui/sign-in", who="somebody")
    assert wrong.status_code == 400 and Doc(wrong.text).summary()


def test_the_hosts_error_handlers_answer_a_page_as_a_page(world: World) -> None:
    from starlette.exceptions import HTTPException

    app = make_app(world.service)

    async def framework(request: Any, error: Any) -> Any:
        # As the host's own handler does for a page: the problem it made, as a page.
        problem = {"title": "Nope", "detail": "No such page.", "status": error.status_code}
        return app.state.html_error(request, error.status_code, problem)

    app.add_exception_handler(HTTPException, framework)
    client = fastapi_testclient.TestClient(app)
    sign_in(client, OFFICE, "spiris", "sv")
    missing = client.get("/ui/no-such-page")
    assert missing.status_code == 404 and missing.headers["content-language"] == "sv"
    doc = Doc(missing.text)
    assert doc.title == "Nope" and "No such page." in doc.main, "the host's own problem, as it made it"
    assert doc.one("html").attrs["lang"] == "sv"

    # A collabcore problem made in other words is told in the page's.
    english = world.service.problem(cc.NotFound("No customer x."))
    request = client.build_request("GET", "/ui/customers/x")
    made: Any = fastapi.Request(
        {
            "type": "http",
            "app": app,
            "method": "GET",
            "path": "/ui/customers/x",
            "query_string": b"",
            "headers": [(b"cookie", request.headers["cookie"].encode())],
        }
    )
    page = Doc(app.state.html_error(made, 404, english.to_dict()).body.decode())
    swedish = words(world, "spiris", "sv")
    assert page.title == swedish.text("problem.not_found")
    assert swedish.text("problem.not_found.detail") in page.main


def test_asking_for_the_plan_without_an_outcome_says_to_choose_one(client: Any, world: World) -> None:
    sign_in(client, OFFICE, "spiris", "sv")
    choose = get(client, "/ui/collaborations/collab-1/end")
    assert choose.one("input", name="chosen").attrs["value"] == "1", "the form says it was sent"
    response = client.get("/ui/collaborations/collab-1/end?chosen=1")
    assert response.status_code == 400
    assert Doc(response.text).summary() == [
        ("#outcome", words(world, "spiris", "sv").text("page.end.choose_error"))
    ]
    assert client.get("/static/favicon.svg").status_code == 200


def test_a_result_seen_in_other_words_keeps_the_words_it_was_planned_in(client: Any, world: World) -> None:
    fix_main_contact(world)
    sign_in(client, OFFICE)
    plan = get(client, "/ui/collaborations/collab-2/end?outcome=end_subscription")
    ended = post(client, plan, "/ui/collaborations/collab-2/end", action="now")
    result_url = ended.headers["location"]
    english = get(client, result_url)
    assert not english.find("div", lang="en"), "in its own words, nothing to mark"
    switched = client.get(f"/ui/words?brand=visma&lang=sv&next={result_url}", follow_redirects=False)
    assert switched.status_code == 303
    swedish = get(client, result_url)
    assert swedish.one("html").attrs["lang"] == "sv"
    marked = swedish.find("div", lang="en")
    assert len(marked) == 2, "the consequences' and the effects' lines, in the words of their plan"
    assert english.one("section", **{"aria-labelledby": "consequences"}).words.endswith(marked[0].words)
    assert words(world, "visma", "sv").text("page.plan.consequences") in swedish.main, "headings: the page's"
    assert swedish.find("span", lang="en"), "the timeline's steps too"
