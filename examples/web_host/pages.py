"""The seed's page in HTML: Settings - Collaborations, ending with every finding and its
remedy steps, the users page where the remedy is carried out, ends on a day, invitations,
moves, the company's own view and the audit trail.

Each page passes the signed-in actor to collabcore and shows what it answers: collabcore
decides who may see and do what (a customer of another office gives exactly the page of
a customer that does not exist), and every word is collabcore's, in the request's brand
and language. The pages work without JavaScript: links and forms, each POST answered by
a redirect (POST-redirect-GET), and a refused form shown again with its errors on top.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

import collabcore as cc
from collabcore.app.problems import KINDS
from collabcore.app.refusals import denied, no_customer
from collabcore.domain import OverviewCursor
from collabcore.domain.events import (
    CollaborationEnded,
    CollaborationMoved,
    CollaborationRegistered,
    CollaborationStarted,
    CustomerUserAdded,
    EndRefusedRecorded,
    Event,
    MainContactChanged,
    RequestRecorded,
    RequestStatusChanged,
    SubscriptionCancelled,
    UserRoleChanged,
    VariantChanged,
)
from collabcore.domain.findings import Finding, Severity
from collabcore.domain.plans import MovePlan, Plan, TimelineStep
from collabcore.domain.records import CustomerCollaborations, EndResult, MoveResult
from collabcore.domain.requests import LifecycleRequest, RequestKind, RequestStatus
from collabcore.domain.validation import exact_text
from collabcore.policy.authorization import audit_denial, may_end, sees_collaboration, user_management_denial
from collabcore.tools.display import overview_note
from collabcore.wording.lifecycle_words import request_status

from .html import (
    Screen,
    button,
    checkbox,
    error_page,
    esc,
    fieldset,
    findings_list,
    form,
    hidden,
    items,
    link,
    para,
    problem_page,
    radio_group,
    redirect,
    render,
    section,
    select_field,
    status_message,
    table,
    text_field,
)
from .pages_operator import install_operator_pages
from .sandbox import Sandbox
from .session import Form, Ui, install_session, make_screen, people, safe_next, serve, submit

STATIC = Path(__file__).resolve().parent / "static"
PAGE_SIZE = 20
"""Customers per page of the overview (collabcore pages it: a next-page link follows)."""

DONE = frozenset(
    {"withdrawn", "accepted", "declined", "invited", "role", "main_contact", "user_added", "scheduled"}
)
"""What a redirect after a POST may announce (``?done=``): ``page.done.<one of these>``."""

USERS_PAGE_CODES = frozenset({"R3", "R4"})
"""The findings whose remedy is carried out on the users page (the seed: a main contact
is missing, or is no Administrator): each gets a link there."""


def install_pages(app: FastAPI, service: cc.CollaborationService, sandbox: Sandbox | None) -> None:
    """Add the HTML pages (under /ui) and their static files (under /static) to ``app``."""
    app.state.ui = Ui(service)
    app.state.html_error = html_error
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_session(app)
    install_operator_pages(app, service, sandbox)
    results = Results()

    # Ids may hold any character, a "/" too (sent as %2F, which the path arrives decoded
    # with): each id is a path parameter, and the routes that end in more than an id come
    # before those that end in the id, so that each is matched in full.

    # --- the office: Settings - Collaborations ------------------------------------------

    @app.get("/ui/collaborations", include_in_schema=False)
    async def overview(request: Request, after: str | None = None, done: str | None = None) -> Response:
        return await serve(request, lambda screen: overview_page(screen, after, done))

    # --- the users page (R3, R4) ---------------------------------------------------------

    @app.get("/ui/customers/{customer_id:path}/users/{user_id:path}/role", include_in_schema=False)
    async def role(request: Request, customer_id: str, user_id: str, back: str | None = None) -> Response:
        return await serve(request, lambda screen: role_page(screen, customer_id, user_id, back))

    @app.post("/ui/customers/{customer_id:path}/users/{user_id:path}/role", include_in_schema=False)
    async def change_role(request: Request, customer_id: str, user_id: str) -> Response:
        return await submit(request, lambda screen, posted: role_post(screen, posted, customer_id, user_id))

    @app.get("/ui/customers/{customer_id:path}/users", include_in_schema=False)
    async def users(
        request: Request, customer_id: str, back: str | None = None, done: str | None = None
    ) -> Response:
        return await serve(request, lambda screen: users_page(screen, customer_id, back, done))

    @app.post("/ui/customers/{customer_id:path}/users", include_in_schema=False)
    async def add_user(request: Request, customer_id: str) -> Response:
        return await submit(request, lambda screen, posted: add_user_post(screen, posted, customer_id))

    @app.post("/ui/customers/{customer_id:path}/main-contact", include_in_schema=False)
    async def main_contact(request: Request, customer_id: str) -> Response:
        return await submit(request, lambda screen, posted: main_contact_post(screen, posted, customer_id))

    @app.get("/ui/customers/{customer_id:path}/events", include_in_schema=False)
    async def events(request: Request, customer_id: str) -> Response:
        return await serve(request, lambda screen: events_page(screen, customer_id))

    @app.get("/ui/customers/{customer_id:path}", include_in_schema=False)
    async def customer(request: Request, customer_id: str, done: str | None = None) -> Response:
        return await serve(request, lambda screen: customer_page(screen, customer_id, done))

    # --- ending ------------------------------------------------------------------------------

    @app.get("/ui/collaborations/{collaboration_id:path}/end", include_in_schema=False)
    async def end(
        request: Request, collaboration_id: str, outcome: str | None = None, chosen: str | None = None
    ) -> Response:
        return await serve(request, lambda screen: end_page(screen, collaboration_id, outcome, chosen))

    @app.post("/ui/collaborations/{collaboration_id:path}/end", include_in_schema=False)
    async def end_post(request: Request, collaboration_id: str) -> Response:
        return await submit(request, lambda screen, posted: ending(screen, posted, collaboration_id, results))

    @app.get("/ui/results/{token}", include_in_schema=False)
    async def result(request: Request, token: str) -> Response:
        return await serve(request, lambda screen: result_page(screen, results.get(token, screen.who)))

    # --- moving to another office ---------------------------------------------------------------

    @app.get("/ui/collaborations/{collaboration_id:path}/move", include_in_schema=False)
    async def move(request: Request, collaboration_id: str, to_office: str | None = None) -> Response:
        return await serve(request, lambda screen: move_page(screen, collaboration_id, to_office))

    @app.post("/ui/collaborations/{collaboration_id:path}/move", include_in_schema=False)
    async def move_post(request: Request, collaboration_id: str) -> Response:
        return await submit(request, lambda screen, posted: moving(screen, posted, collaboration_id, results))

    # --- requests: ends on a day, invitations --------------------------------------------------

    @app.post("/ui/requests/{request_id:path}/{answer}", include_in_schema=False)
    async def answer(request: Request, request_id: str, answer: str) -> Response:
        return await submit(request, lambda screen, posted: answer_post(screen, posted, request_id, answer))

    @app.get("/ui/requests/{request_id:path}", include_in_schema=False)
    async def lifecycle_request(request: Request, request_id: str, done: str | None = None) -> Response:
        return await serve(request, lambda screen: request_page(screen, request_id, done))

    @app.get("/ui/invitations", include_in_schema=False)
    async def invitations(request: Request, customer: str | None = None, done: str | None = None) -> Response:
        return await serve(request, lambda screen: invitations_page(screen, customer, done))

    @app.post("/ui/invitations", include_in_schema=False)
    async def invite(request: Request) -> Response:
        return await submit(request, invite_post)

    # --- the company's own view --------------------------------------------------------------

    @app.get("/ui/company", include_in_schema=False)
    async def company(request: Request, done: str | None = None) -> Response:
        return await serve(request, lambda screen: company_page(screen, done))


def html_error(request: Request, status: int, problem: Mapping[str, Any]) -> Response:
    """The host's error handlers answer a page's errors here (an unknown route, a method
    not allowed, an uncaught collabcore error): ``problem`` (RFC 9457) as a page, in the
    words of the page's request. A collabcore problem without findings is told again in
    those words (its kind's title and detail); any other is shown as it was made. It reads
    the store for the signed-in user's name: an async handler calls it in a worker thread."""
    screen = make_screen(request, signed_in=False)
    slug = str(problem.get("type", "")).rpartition(":")[2].rpartition("/")[2]
    kind = next((k for k in KINDS if k.slug == slug), None)
    if kind is not None and not problem.get("findings") and not problem.get("invalid"):
        loc = screen.loc
        problem = {
            **problem,
            "title": loc.text(f"problem.{kind.words}"),
            "detail": loc.text(f"problem.{kind.words}.detail"),
        }
    return problem_page(screen, status, problem)


# --- reading what the pages show --------------------------------------------------------------


@dataclass(frozen=True)
class Company:
    """One customer as the actor may see it: its users, and the active collaborations the
    actor's office or company is a party to, with their offices."""

    customer: cc.Customer
    collaborations: tuple[cc.Collaboration, ...]
    offices: Mapping[str, cc.AccountingOffice]


def read_company(screen: Screen, customer_id: str, *, manage: bool = False) -> Company:
    """The customer, if collabcore lets the actor see it (its audit trail's rule: the
    company's own users, the employees of an office that works with it) or, with
    ``manage``, manage its users (R4's operations). A customer of another office is
    answered exactly as one that does not exist: collabcore's NotFound."""
    actor = acting(screen)
    customer_id = exact_text(customer_id, "customer_id")  # as every service call checks an id
    with screen.service.store.transaction(write=False) as uow:
        customer = uow.get_customer(customer_id)
        if customer is None:
            raise no_customer(customer_id)
        office = uow.get_office(actor.party_id) if actor.party is cc.Party.OFFICE else None
        active = tuple(uow.active_collaborations_of_customer(customer_id))
        decide = user_management_denial if manage else audit_denial
        denial = decide(actor, customer, office, active)
        if denial is not None:
            raise denied(denial, lambda: no_customer(customer_id))
        visible = tuple(c for c in active if sees_collaboration(actor, c))
        offices = {}
        for office_id in {c.office_id for c in visible}:
            found = uow.get_office(office_id)
            if found is not None:
                offices[office_id] = found
    return Company(customer, visible, offices)


def names_of(
    screen: Screen, *, offices: Iterable[str] = (), customers: Iterable[str] = ()
) -> tuple[dict[str, str], dict[str, cc.Customer]]:
    """Office names by id, and customers by id, for what the actor is already shown."""
    office_names: dict[str, str] = {}
    found_customers: dict[str, cc.Customer] = {}
    with screen.service.store.transaction(write=False) as uow:
        for office_id in set(offices):
            office = uow.get_office(office_id)
            office_names[office_id] = office.name if office is not None else screen.text("party.office")
        for customer_id in set(customers):
            customer = uow.get_customer(customer_id)
            if customer is not None:
                found_customers[customer_id] = customer
    return office_names, found_customers


def acting(screen: Screen) -> cc.Actor:
    """The signed-in office or company user; the operator acts for neither."""
    if screen.actor is None:
        raise cc.NotAuthorized("The operator acts for no office or customer.")
    return screen.actor


def known_offices(screen: Screen, *, leaving_out: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The offices a company may bring in or move to, (id, name): the example's cast's.
    A real host lists them from its own directory."""
    ids = []
    for who, _ in people():
        party, _, rest = who.partition(":")
        office_id = rest.partition(":")[0]
        if party == "office" and office_id and office_id not in ids and office_id not in set(leaving_out):
            ids.append(office_id)
    found = []
    with screen.service.store.transaction(write=False) as uow:
        for office_id in ids:
            office = uow.get_office(office_id)
            if office is not None:
                found.append((office.id, office.name))
    return found


def office_field(
    screen: Screen, offices: Sequence[tuple[str, str]], chosen: str | None, error: str | None
) -> str:
    """The office to invite or move to: a select of the known ones, or its id."""
    label = screen.text("page.field.office")
    if offices:
        return select_field("to-office", "to_office", label, offices, chosen, error=error)
    hint = screen.text("page.field.office_hint")
    return text_field("to-office", "to_office", label, chosen or "", hint=hint, error=error, required=True)


# --- small pieces ---------------------------------------------------------------------------


def sentence(text: str) -> str:
    """``text`` as it begins a sentence or a label (an outcome's words begin in lowercase)."""
    return text[:1].upper() + text[1:]


def ids(value: str) -> str:
    """An id as one segment of a path (ids may hold any character)."""
    return quote(value, safe="")


def with_query(url: str, **params: str) -> str:
    """``url`` with ``params`` set in its query."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(params)
    return f"{parts.path}?{urlencode(query)}"


def done_message(screen: Screen, done: str | None) -> str:
    return status_message(screen.text(f"page.done.{done}")) if done in DONE else ""


def day_text(day: date | None) -> str:
    return "" if day is None else day.isoformat()


def timeline_table(screen: Screen, steps: Sequence[TimelineStep], *, language: str | None = None) -> str:
    """The timeline under its heading; ``language``: the one its steps' words are in, when it
    is not the page's (a plan kept from before the words were switched)."""
    said = f' lang="{esc(language)}"' if language else ""
    rows = [
        [
            f'<time datetime="{esc(s.on.isoformat())}">{esc(s.on.isoformat())}</time>',
            f"<span{said}>{esc(s.text)}</span>",
        ]
        for s in steps
    ]
    headings = (screen.text("page.col.date"), screen.text("page.col.what"))
    # A part of the page like the others, under its own heading (which names the table).
    title = screen.text("page.plan.timeline")
    return section("timeline", title, table("", headings, rows, cls="timeline"))


def findings_by_severity(
    screen: Screen, findings: Sequence[Finding], customer_id: str, back: str, *, start: int = 0
) -> str:
    """Findings grouped as the plan grades them, each with its numbered remedy steps; a
    main contact's finding links to the users page where the seed says it is fixed."""
    groups = (
        (Severity.BLOCKER, "page.plan.blockers"),
        (Severity.NEEDS_ACKNOWLEDGEMENT, "page.plan.acknowledgements"),
        (Severity.INFO, "page.plan.info"),
    )
    users = f"/ui/customers/{ids(customer_id)}/users?{urlencode({'back': back})}"
    out = []
    for severity, heading in groups:
        chosen = [(n, f) for n, f in enumerate(findings) if f.severity is severity]
        if not chosen:
            continue
        parts = []
        for n, finding in chosen:
            more = ""
            if finding.code in USERS_PAGE_CODES:
                more = f'<p class="go">{link(users, screen.text("page.plan.go_to_users"))}</p>'
            parts.append(findings_list(screen, [finding], first=n + start, extra={0: more}))
        out.append(section(f"findings-{severity.value}", screen.text(heading), "".join(parts)))
    return "\n".join(out)


# --- the overview ---------------------------------------------------------------------------


def _cursor(token: str | None) -> OverviewCursor | None:
    if not token:
        return None
    try:
        number, customer_id = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
        return OverviewCursor(number, customer_id)
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise cc.InvalidInput("after is not a cursor this host gave out.", path="after") from None


def _token(cursor: OverviewCursor) -> str:
    raw = json.dumps([cursor.customer_number, cursor.customer_id]).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def overview_page(screen: Screen, after: str | None, done: str | None) -> Response:
    if screen.actor is None:
        return redirect("/ui")
    actor = screen.actor
    if actor.party is not cc.Party.OFFICE:
        return redirect("/ui/company")
    page = screen.service.overview(actor.party_id, actor=actor, after=_cursor(after), limit=PAGE_SIZE)
    office_names, _ = names_of(screen, offices=[actor.party_id])
    with screen.service.store.transaction(write=False) as uow:
        office = uow.get_office(actor.party_id)
    parts = [done_message(screen, done), f'<p class="lead">{esc(screen.text("page.overview.intro"))}</p>']
    if not page.items:
        parts.append(f"<p>{esc(screen.text('page.overview.none'))}</p>")
    here = screen.here()
    for item in page.items:
        c = item.customer
        number = screen.text("page.customer.number", customer_number=c.number)
        parts.append(
            f'<details class="customer" id="customer-{esc(c.id)}"><summary>'
            f'<span class="name">{esc(c.name)}</span> <span class="number">{esc(number)}</span></summary>'
            f'<div class="customer-body">{customer_body(screen, item, office, office_names, here)}</div>'
            "</details>"
        )
    paging = []
    if after:
        paging.append(link("/ui/collaborations", screen.text("page.overview.first")))
    if page.next_cursor is not None:
        paging.append(
            link(f"/ui/collaborations?after={_token(page.next_cursor)}", screen.text("page.overview.next"))
        )
    if paging:
        parts.append(
            f'<nav class="paging" aria-label="{esc(screen.text("page.overview.paging"))}">'
            f"{' '.join(paging)}</nav>"
        )
    return render(screen, screen.term("menu"), "\n".join(parts))


def customer_body(
    screen: Screen,
    item: CustomerCollaborations,
    office: cc.AccountingOffice | None,
    office_names: Mapping[str, str],
    back: str,
    *,
    level: int = 3,
) -> str:
    """One customer's active collaborations and open requests, with what may be done."""
    actor = acting(screen)
    c = item.customer
    rows = []
    for collab in item.collaborations:
        product = screen.product(collab.product)
        actions = ""
        if may_end(actor, collab, office=office, customer=c):
            actions = link(
                f"/ui/collaborations/{ids(collab.id)}/end",
                screen.text("page.end.link"),
                aria_label=screen.text("page.end.link_label", product=product, customer=c.name),
            )
        rows.append(
            [
                esc(product),
                esc(collab.variant or "–"),
                esc(collab.started_at.date().isoformat()),
                actions,
            ]
        )
    headings = [screen.text(f"page.col.{k}") for k in ("product", "variant", "started", "actions")]
    if rows:
        collaborations = table(
            screen.text("page.customer.collaborations_of", customer=c.name),
            headings,
            rows,
            cls="collaborations",
        )
    else:
        collaborations = f"<p>{esc(screen.text('page.customer.no_collaborations'))}</p>"
    parts = [
        f'<h{level} id="active-{esc(c.id)}">{esc(screen.text("page.customer.active"))}</h{level}>',
        collaborations,
    ]
    if item.requests:
        parts.append(
            f'<h{level} id="requests-{esc(c.id)}">{esc(screen.text("page.requests.title"))}</h{level}>'
        )
        parts.append(requests_list(screen, item.requests, office_names, back))
    links = [
        link(f"/ui/customers/{ids(c.id)}", screen.text("page.customer.open", customer=c.name))
        if level == 3
        else "",
        link(f"/ui/customers/{ids(c.id)}/users", screen.term("users_page")),
        link(f"/ui/customers/{ids(c.id)}/events", screen.text("page.events.link")),
        link(f"/ui/invitations?{urlencode({'customer': c.id})}", screen.text("page.invitations.link")),
    ]
    if item.collaborations:  # a former office keeping read-only access (R20) sees only that
        parts.append('<p class="links">' + " ".join(x for x in links if x) + "</p>")
    return "\n".join(parts)


def request_what(screen: Screen, r: LifecycleRequest, office_name: str) -> str:
    """A request in words: what, about which product, with which office, on which day."""
    day = r.effective_on or (r.expires_at.date() if r.expires_at else None)
    return screen.text(
        f"request.{r.kind.value}", product=screen.product(r.product), office=office_name, date=day_text(day)
    )


def requests_list(
    screen: Screen,
    requests: Sequence[LifecycleRequest],
    office_names: Mapping[str, str],
    back: str,
    *,
    counterparts: Mapping[str, str] | None = None,
) -> str:
    """Open requests, each in words with where it stands and the answers the page offers
    (collabcore decides, when one is sent, whether this user may give it). Each names its
    office, or the name ``counterparts`` gives for its id (the company, on the office's list)."""
    party = acting(screen).party
    parts = []
    for r in requests:
        rid = f"request-{r.id}"
        other = (counterparts or {}).get(r.id) or office_names.get(r.office_id, screen.text("party.office"))
        what = request_what(screen, r, other)
        note = overview_note(r, screen.loc)
        answers = []
        if r.status is RequestStatus.AWAITING_ACCEPTANCE and r.awaits is party:
            answers += ["accept", "decline"]
        elif r.status is RequestStatus.AWAITING_ACCEPTANCE or (
            r.status is RequestStatus.SCHEDULED and r.kind is RequestKind.SCHEDULED_END
        ):
            answers.append("withdraw")
        buttons = "".join(
            form(
                screen,
                f"/ui/requests/{ids(r.id)}/{a}",
                hidden("back", back)
                + button(screen.text(f"page.request.{a}"), kind="secondary", described_by=f"{rid}-what"),
                cls="inline",
            )
            for a in answers
        )
        # The request's words are the link to it, and name what each button answers.
        parts.append(
            f'<li id="{esc(rid)}"><a id="{esc(rid)}-what" href="/ui/requests/{esc(ids(r.id))}">'
            f"{esc(what)}</a>: "
            f'<span class="note">{esc(note)}</span> {buttons}</li>'
        )
    return f'<ul class="requests">{"".join(parts)}</ul>'


def customer_page(screen: Screen, customer_id: str, done: str | None) -> Response:
    actor = acting(screen)
    if actor.party is cc.Party.CUSTOMER and actor.party_id == customer_id:
        return redirect("/ui/company")
    company = read_company(screen, customer_id)
    requests = tuple(r for r in screen.service.requests(actor=actor) if r.customer_id == customer_id)
    item = CustomerCollaborations(company.customer, company.collaborations, requests)
    office = company.offices.get(actor.party_id)
    if office is None:
        with screen.service.store.transaction(write=False) as uow:
            office = uow.get_office(actor.party_id)
    names = {
        **{k: v.name for k, v in company.offices.items()},
        **names_of(screen, offices=[r.office_id for r in requests])[0],
    }
    c = company.customer
    body = (
        done_message(screen, done)
        + f'<p class="lead">{esc(screen.text("page.customer.number", customer_number=c.number))}</p>'
        + customer_body(screen, item, office, names, screen.here(), level=2)
        + f"<p>{link('/ui/collaborations', screen.text('page.back_to', what=screen.term('menu')))}</p>"
    )
    return render(screen, c.name, body)


# --- the audit trail --------------------------------------------------------------------------


def events_page(screen: Screen, customer_id: str) -> Response:
    actor = acting(screen)
    trail = screen.service.events_of_customer(customer_id, actor=actor)
    office_ids = set()
    for event in trail:
        for name in ("office_id", "from_office_id", "to_office_id"):
            value = getattr(event, name, None)
            if isinstance(value, str):
                office_ids.add(value)
        who = getattr(event, "actor", None)
        if isinstance(who, cc.Actor) and who.party is cc.Party.OFFICE:
            office_ids.add(who.party_id)
    office_names, customers = names_of(screen, offices=office_ids, customers=[customer_id])
    customer = customers.get(customer_id)
    with screen.service.store.transaction(write=False) as uow:
        offices = {i: uow.get_office(i) for i in office_ids}
    recorded: dict[str, RequestRecorded] = {}
    rows = []
    for event in trail:
        if isinstance(event, RequestRecorded):
            recorded[event.request_id] = event
        when = event.occurred_at
        stamp = f'<time datetime="{esc(when.isoformat())}">{esc(when.strftime("%Y-%m-%d %H:%M"))}</time>'
        rows.append(
            [
                stamp,
                esc(event_words(screen, event, office_names, customer, recorded)),
                esc(actor_words(screen, event, offices, customer)),
            ]
        )
    headings = [screen.text(f"page.col.{k}") for k in ("when", "happened", "who")]
    name = customer.name if customer is not None else customer_id
    body = table(screen.text("page.events.caption", customer=name), headings, rows, cls="events")
    back = "/ui/company" if actor.party is cc.Party.CUSTOMER else f"/ui/customers/{ids(customer_id)}"
    body += f"<p>{link(back, screen.text('page.back_to', what=name))}</p>"
    return render(screen, screen.text("page.events.title", customer=name), body)


def user_name(customer: cc.Customer | None, user_id: str) -> str:
    user = None if customer is None else customer.user(user_id)
    return user_id if user is None else user.name


def role_word(screen: Screen, role: cc.Role) -> str:
    return screen.term("administrator" if role is cc.Role.ADMINISTRATOR else "user_role")


def event_words(
    screen: Screen,
    event: Event,
    offices: Mapping[str, str],
    customer: cc.Customer | None,
    recorded: Mapping[str, RequestRecorded],
) -> str:
    """One event of the audit trail in words."""
    text = screen.text
    if isinstance(event, CollaborationStarted | CollaborationRegistered):
        key = "page.event.started" if isinstance(event, CollaborationStarted) else "page.event.registered"
        return text(key, product=screen.product(event.product), office=offices.get(event.office_id, ""))
    if isinstance(event, CollaborationEnded):
        return text(
            "page.event.ended",
            product=screen.product(event.product),
            office=offices.get(event.office_id, ""),
            outcome=text(f"outcome.{event.outcome.value}"),
        )
    if isinstance(event, EndRefusedRecorded):
        rules = [text(f"rule.{code}") if screen.loc.has(f"rule.{code}") else code for code in event.codes]
        return text("page.event.end_refused", value="; ".join(rules))
    if isinstance(event, VariantChanged):
        return text("page.event.variant_changed", variant=event.new_variant)
    if isinstance(event, CustomerUserAdded):
        return text(
            "page.event.user_added",
            user=user_name(customer, event.user_id),
            value=role_word(screen, event.role),
        )
    if isinstance(event, UserRoleChanged):
        return text(
            "page.event.role_changed",
            user=user_name(customer, event.user_id),
            value=role_word(screen, event.new_role),
        )
    if isinstance(event, MainContactChanged):
        return text("page.event.main_contact", user=user_name(customer, event.new_user_id))
    if isinstance(event, SubscriptionCancelled):
        return text(
            "page.event.cancelled", product=screen.product(event.product), date=event.paid_until.isoformat()
        )
    if isinstance(event, CollaborationMoved):
        return text(
            "page.event.moved",
            product=screen.product(event.product),
            from_office=offices.get(event.from_office_id, ""),
            to_office=offices.get(event.to_office_id, ""),
        )
    if isinstance(event, RequestRecorded | RequestStatusChanged):
        first = recorded.get(event.request_id)
        product = screen.product(first.product) if first is not None else ""
        what = text(
            f"request.{event.kind.value}",
            product=product,
            office=offices.get(event.office_id, ""),
            date=day_text(first.effective_on if first is not None else None),
        )
        if event.status is RequestStatus.AWAITING_ACCEPTANCE:
            status = text("page.event.awaiting")
        else:
            status = text(f"request.status.{event.status.value}")
        return text("page.event.request", what=what, status=status)
    return text("page.event.other", what=type(event).__name__)


def actor_words(
    screen: Screen,
    event: Event,
    offices: Mapping[str, cc.AccountingOffice | None],
    customer: cc.Customer | None,
) -> str:
    who = getattr(event, "actor", None)
    if not isinstance(who, cc.Actor):
        return screen.text("page.event.by_host")
    if who.party is cc.Party.OFFICE:
        office = offices.get(who.party_id)
        user = None if office is None else office.user(who.user_id)
        if office is not None and user is not None:
            return screen.text("page.person.office", user=user.name, office=office.name)
        return who.user_id
    found = None if customer is None else customer.user(who.user_id)
    if customer is not None and found is not None:
        return screen.text("page.person.customer", user=found.name, customer=customer.name)
    return who.user_id


# --- the users page ----------------------------------------------------------------------------


def users_page(
    screen: Screen,
    customer_id: str,
    back: str | None,
    done: str | None,
    *,
    errors: Sequence[tuple[str | None, str]] = (),
    findings: Sequence[Finding] = (),
    status: int = 200,
    added: Mapping[str, str] | None = None,
) -> Response:
    """The seed's "Manage users" / "Users and services": the company's users with their
    roles, a pencil to change each role, the choice of main contact, and a new user."""
    company = read_company(screen, customer_id, manage=True)
    c = company.customer
    back = safe_next(back)
    keep = {"back": back} if back else {}
    rows = []
    for user in c.users:
        pencil = link(
            f"/ui/customers/{ids(c.id)}/users/{ids(user.id)}/role?{urlencode(keep)}",
            "✎",
            aria_label=screen.text("page.users.change_role", user=user.name),
            cls="pencil",
        )
        main = esc(screen.term("main_contact")) if c.main_contact == user.id else ""
        rows.append([esc(user.name), esc(role_word(screen, user.role)), main, pencil])
    headings = [
        screen.text("page.col.name"),
        screen.text("page.col.role"),
        screen.term("main_contact"),
        screen.text("page.col.change"),
    ]
    choices = [(u.id, u.name, role_word(screen, u.role)) for u in c.users]
    main_form = form(
        screen,
        f"/ui/customers/{ids(c.id)}/main-contact",
        radio_group(
            "main-contact", "user", screen.text("page.users.choose_main_contact"), choices, c.main_contact
        )
        + (hidden("back", back) if back else "")
        + button(screen.text("page.users.save_main_contact")),
    )
    added = added or {}
    roles = [
        (cc.Role.USER.value, screen.term("user_role"), None),
        (cc.Role.ADMINISTRATOR.value, screen.term("administrator"), None),
    ]
    add_form = form(
        screen,
        f"/ui/customers/{ids(c.id)}/users",
        text_field(
            "new-user-id",
            "id",
            screen.text("page.users.new_id"),
            added.get("id", ""),
            hint=screen.text("page.users.new_id_hint"),
            required=True,
        )
        + text_field(
            "new-user-name",
            "name",
            screen.text("page.users.new_name"),
            added.get("name", ""),
            required=True,
            autocomplete="name",
        )
        + radio_group(
            "new-user-role",
            "role",
            screen.text("page.col.role"),
            roles,
            added.get("role", cc.Role.USER.value),
        )
        + (hidden("back", back) if back else "")
        + button(screen.text("page.users.add")),
    )
    remedy = findings_list(screen, findings, id_prefix="refusal") if findings else ""
    body = (
        done_message(screen, done)
        + remedy
        + para(screen.text("page.users.intro", customer=c.name, customer_number=c.number), cls="lead")
        + table(screen.text("page.users.caption", customer=c.name), headings, rows, cls="users")
        + section("main-contact-title", screen.text("page.users.main_contact_title"), main_form)
        + section(
            "add-user-title",
            screen.text("page.users.add_title"),
            f"<p>{esc(screen.text('page.users.add_intro'))}</p>" + add_form,
        )
    )
    if back:
        body += f"<p>{link(back, screen.text('page.back'))}</p>"
    elif acting(screen).party is cc.Party.CUSTOMER:
        body += f"<p>{link('/ui/company', screen.text('page.back_to', what=c.name))}</p>"
    else:
        body += f"<p>{link(f'/ui/customers/{ids(c.id)}', screen.text('page.back_to', what=c.name))}</p>"
    return render(screen, screen.term("users_page"), body, status, errors=errors)


def role_page(
    screen: Screen,
    customer_id: str,
    user_id: str,
    back: str | None,
    *,
    errors: Sequence[tuple[str | None, str]] = (),
    findings: Sequence[Finding] = (),
    status: int = 200,
) -> Response:
    """The pencil: change one user's role, to Administrator or back."""
    company = read_company(screen, customer_id, manage=True)
    user = company.customer.user(user_id)
    if user is None:
        raise cc.NotFound(f"No user {user_id} of customer {customer_id}.")
    back = safe_next(back)
    roles = [
        (cc.Role.ADMINISTRATOR.value, screen.term("administrator"), None),
        (cc.Role.USER.value, screen.term("user_role"), None),
    ]
    users = f"/ui/customers/{ids(customer_id)}/users" + (f"?{urlencode({'back': back})}" if back else "")
    body = (
        (findings_list(screen, findings, id_prefix="refusal") if findings else "")
        + form(
            screen,
            f"/ui/customers/{ids(customer_id)}/users/{ids(user_id)}/role",
            radio_group("role", "role", screen.text("page.users.new_role"), roles, user.role.value)
            + (hidden("back", back) if back else "")
            + button(screen.text("page.users.save_role")),
        )
        + f"<p>{link(users, screen.text('page.cancel'))}</p>"
    )
    return render(screen, screen.text("page.users.change_role", user=user.name), body, status, errors=errors)


def refusal_errors(
    screen: Screen, error: cc.CollabCoreError, target: str | None
) -> tuple[list[tuple[str | None, str]], tuple[Finding, ...], int]:
    """A refused change's error summary lines, its findings (with their remedy steps) and
    its status, from collabcore's answer."""
    answer = screen.service.problem(error)
    findings = error.findings if isinstance(error, cc.OperationRefused) else ()
    if findings:
        return [(f"refusal-{n}", f.message) for n, f in enumerate(findings)], findings, answer.status
    return [(target, answer.detail)], (), answer.status


def role_post(screen: Screen, posted: Form, customer_id: str, user_id: str) -> Response:
    back = safe_next(posted.get("back"))
    try:
        screen.service.change_role(customer_id, user_id, posted.get("role"), actor=acting(screen))
    except (cc.OperationRefused, cc.InvalidInput) as error:
        errors, findings, status = refusal_errors(screen, error, "role")
        return role_page(screen, customer_id, user_id, back, errors=errors, findings=findings, status=status)
    return redirect(users_url(customer_id, back, "role"))


def users_url(customer_id: str, back: str | None, done: str) -> str:
    query = {"done": done, **({"back": back} if back else {})}
    return f"/ui/customers/{ids(customer_id)}/users?{urlencode(query)}"


def main_contact_post(screen: Screen, posted: Form, customer_id: str) -> Response:
    back = safe_next(posted.get("back"))
    try:
        screen.service.set_main_contact(customer_id, posted.get("user"), actor=acting(screen))
    except (cc.OperationRefused, cc.InvalidInput) as error:
        errors, findings, status = refusal_errors(screen, error, "main-contact")
        return users_page(screen, customer_id, back, None, errors=errors, findings=findings, status=status)
    return redirect(users_url(customer_id, back, "main_contact"))


def add_user_post(screen: Screen, posted: Form, customer_id: str) -> Response:
    back = safe_next(posted.get("back"))
    given = {"id": posted.get("id").strip(), "name": posted.get("name").strip(), "role": posted.get("role")}
    try:
        role = cc.Role(given["role"]) if given["role"] in {r.value for r in cc.Role} else None
        if role is None:
            raise cc.InvalidInput("role must be administrator or user.", path="role")
        user = cc.CustomerUser(given["id"], given["name"], role)
        screen.service.add_customer_user(customer_id, user, actor=acting(screen))
    except (cc.OperationRefused, cc.InvalidInput) as error:
        fields = {"id": "new-user-id", "name": "new-user-name", "role": "new-user-role"}
        path = getattr(error, "path", None)
        if isinstance(error, cc.InvalidInput) and path in fields:
            errors: list[tuple[str | None, str]] = [(fields[path], screen.text(f"page.users.invalid_{path}"))]
            findings: tuple[Finding, ...] = ()
            status = 400
        else:
            errors, findings, status = refusal_errors(screen, error, "new-user-id")
        return users_page(
            screen, customer_id, back, None, errors=errors, findings=findings, status=status, added=given
        )
    return redirect(users_url(customer_id, back, "user_added"))


# --- ending ------------------------------------------------------------------------------------


def end_page(
    screen: Screen, collaboration_id: str, outcome: str | None, chosen: str | None = None
) -> Response:
    actor = acting(screen)
    collab = screen.service.get_collaboration(collaboration_id, actor=actor)
    if not outcome:
        # The choice was sent without one (``chosen`` comes with the form): say so.
        error = screen.text("page.end.choose_error") if chosen else None
        return outcome_page(screen, collab, error=error, status=400 if chosen else 200)
    try:
        plan = screen.service.plan_end(collaboration_id, actor=actor, outcome=outcome)
    except cc.InvalidInput as error:
        if error.path != "outcome":
            raise
        return outcome_page(screen, collab, error=screen.text("page.end.choose_error"), status=400)
    return plan_page(screen, collab, plan)


def outcome_page(
    screen: Screen, collab: cc.Collaboration, *, error: str | None = None, status: int = 200
) -> Response:
    """Choose the outcome: the ones the product offers, in collabcore's words."""
    office_names, customers = names_of(screen, offices=[collab.office_id], customers=[collab.customer_id])
    product = screen.product(collab.product)
    spec = screen.service.products.get(collab.product)
    office = office_names.get(collab.office_id, "")
    options = [
        (
            o.value,
            sentence(screen.text(f"outcome.{o.value}")),
            screen.text(f"R6.{o.value}", product=product, office=office),
        )
        for o in spec.outcomes
    ]
    body = (
        intro_line(screen, collab, customers)
        + form(
            screen,
            f"/ui/collaborations/{ids(collab.id)}/end",
            radio_group("outcome", "outcome", screen.text("page.end.choose"), options, error=error)
            + hidden("chosen", "1")
            + button(screen.text("page.end.show_plan")),
            method="get",
        )
        + back_link(screen, collab)
    )
    errors = [("outcome", error)] if error else []
    return render(screen, screen.text("page.end.title", product=product), body, status, errors=errors)


def intro_line(screen: Screen, collab: cc.Collaboration, customers: Mapping[str, cc.Customer]) -> str:
    customer = customers.get(collab.customer_id)
    if customer is None:
        return ""
    said = screen.text("page.end.customer", customer=customer.name, customer_number=customer.number)
    return f'<p class="lead">{esc(said)}</p>'


def back_link(screen: Screen, collab: cc.Collaboration) -> str:
    if acting(screen).party is cc.Party.CUSTOMER:
        return f"<p>{link('/ui/company', screen.text('page.cancel'))}</p>"
    return f"<p>{link(f'/ui/customers/{ids(collab.customer_id)}', screen.text('page.cancel'))}</p>"


def plan_page(
    screen: Screen,
    collab: cc.Collaboration,
    plan: Plan,
    *,
    errors: Sequence[tuple[str | None, str]] = (),
    status: int = 200,
    effective: str = "",
) -> Response:
    """The plan: every finding with its remedy steps, what will happen and when, and the
    form that ends now or on a day (acknowledgements, the deletion's confirmation)."""
    _, customers = names_of(screen, customers=[collab.customer_id])
    customer = customers.get(collab.customer_id)
    customer_name = customer.name if customer is not None else ""
    product = screen.product(collab.product)
    here = f"/ui/collaborations/{ids(collab.id)}/end?{urlencode({'outcome': plan.outcome.value})}"
    if plan.blockers:
        verdict = "page.plan.verdict_blocked"
    elif plan.unacknowledged:
        verdict = "page.plan.verdict_acknowledge"
    else:
        verdict = "page.plan.verdict_allowed"
    outcome = screen.text("page.plan.outcome", outcome=screen.text(f"outcome.{plan.outcome.value}"))
    choose = f"/ui/collaborations/{ids(collab.id)}/end"
    parts = [
        intro_line(screen, collab, customers),
        f"<p>{esc(outcome)} {link(choose, screen.text('page.plan.change_outcome'))}</p>",
        f'<p class="verdict">{esc(screen.text(verdict))}</p>',
        findings_by_severity(screen, plan.findings, collab.customer_id, here),
        plan_consequences(screen, plan),
    ]
    confirming = {f.code for f in plan.findings if f.code in plan.confirmation_codes}
    acknowledgements = [
        f
        for f in plan.findings
        if f.severity is Severity.NEEDS_ACKNOWLEDGEMENT and f.code not in plan.confirmation_codes
    ]
    fields = ""
    if acknowledgements:
        boxes = "".join(
            checkbox(f"ack-{f.code}", "acknowledge", f.code, f.message, checked=f.code in plan.acknowledged)
            for f in acknowledgements
        )
        fields += fieldset(screen.text("page.plan.acknowledge_legend"), boxes, cls="acknowledge")
    if confirming:
        label = screen.text("page.plan.confirm_delete", product=product, customer=customer_name)
        fields += fieldset(
            screen.text("page.plan.confirm_legend"),
            checkbox("confirm-deletion", "confirm_deletion", "yes", label, checked=plan.deletion_confirmed),
            cls="confirm",
        )
    now = button(screen.text("page.plan.end_now"), name="action", value="now")
    later = fieldset(
        screen.text("page.plan.schedule_legend"),
        text_field(
            "effective",
            "effective",
            screen.text("page.plan.effective"),
            effective,
            kind="date",
            hint=screen.text("page.plan.effective_hint"),
        )
        + button(screen.text("page.plan.schedule"), name="action", value="schedule", kind="secondary"),
        cls="schedule",
    )
    parts.append(
        form(
            screen,
            f"/ui/collaborations/{ids(collab.id)}/end",
            hidden("outcome", plan.outcome.value)
            + hidden("idempotency_key", secrets.token_urlsafe(18))
            + fields
            + f'<div class="actions">{now}</div>'
            + later,
            cls="end",
        )
    )
    parts.append(back_link(screen, collab))
    title = screen.text("page.plan.title", product=product, customer=customer_name)
    return render(screen, title, "\n".join(p for p in parts if p), status, errors=errors)


def plan_consequences(screen: Screen, plan: Plan) -> str:
    parts = []
    if plan.effect_descriptions:
        parts.append(
            section("effects", screen.text("page.plan.effects"), items("ol", plan.effect_descriptions))
        )
    if plan.consequences is not None:
        parts.append(
            section(
                "consequences", screen.text("page.plan.consequences"), items("ul", plan.consequences.lines)
            )
        )
    if plan.timeline:
        parts.append(timeline_table(screen, plan.timeline))
    return "\n".join(parts)


def parse_day(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise cc.InvalidInput("effective must be a day such as 2026-12-31.", path="effective") from None


def ending(screen: Screen, posted: Form, collaboration_id: str, results: Results) -> Response:
    """End now (then the result), or schedule the end for a day (then the request); a
    refusal shows the plan again with what stopped it on top."""
    actor = acting(screen)
    outcome = posted.get("outcome")
    acknowledge = posted.getlist("acknowledge")
    confirm = posted.get("confirm_deletion") == "yes"
    key = posted.get("idempotency_key") or None
    effective = posted.get("effective")
    known = results.by_key(screen.who, key)
    if known is not None:  # the same form sent twice: the end it made
        return redirect(f"/ui/results/{known}")
    try:
        if posted.get("action") == "schedule":
            scheduled = screen.service.schedule_end(
                collaboration_id,
                actor=actor,
                outcome=outcome,
                effective=parse_day(effective),
                acknowledge=acknowledge,
                confirm_deletion=confirm,
            )
            return redirect(f"/ui/requests/{ids(scheduled.request.id)}?done=scheduled")

        def plan_in(service: cc.CollaborationService) -> Plan:
            return service.plan_end(
                collaboration_id,
                actor=actor,
                outcome=outcome,
                acknowledge=acknowledge,
                confirm_deletion=confirm,
            )

        # The result page shows the end's consequences and timeline, which only a plan made
        # before the end has: the one the end itself takes from the plan memo. Planning again
        # in every language would ask the integrations once more for each.
        plans: dict[tuple[str, str], Plan] = {(screen.brand, screen.language): plan_in(screen.service)}
        result = screen.service.end(
            collaboration_id,
            actor=actor,
            outcome=outcome,
            acknowledge=acknowledge,
            confirm_deletion=confirm,
            idempotency_key=key,
        )
    except cc.CollabCoreError as error:
        return refused_plan(screen, collaboration_id, outcome, acknowledge, confirm, error, effective)
    token = results.put(screen.who, key, Ended(result, plans))
    return redirect(f"/ui/results/{token}")


def refused_plan(
    screen: Screen,
    collaboration_id: str,
    outcome: str,
    acknowledge: Sequence[str],
    confirm: bool,
    error: cc.CollabCoreError,
    effective: str,
) -> Response:
    """The plan again, as sent, with collabcore's reasons in the error summary."""
    answer = screen.service.problem(error)
    actor = acting(screen)
    try:
        collab = screen.service.get_collaboration(collaboration_id, actor=actor)
        plan = screen.service.plan_end(
            collaboration_id, actor=actor, outcome=outcome, acknowledge=acknowledge, confirm_deletion=confirm
        )
    except cc.InvalidInput as invalid:
        if invalid.path == "outcome":
            collab = screen.service.get_collaboration(collaboration_id, actor=actor)
            return outcome_page(screen, collab, error=screen.text("page.end.choose_error"), status=400)
        return error_page(screen, error)
    except cc.CollabCoreError:
        return error_page(screen, error)
    errors: list[tuple[str | None, str]] = []
    if isinstance(error, cc.OperationRefused) and error.findings:
        for finding in error.findings:
            target = target_of(plan, finding)
            # The finding says what deleting means; the summary says what to do about it.
            message = (
                screen.text("page.plan.confirm_missing") if target == "confirm-deletion" else finding.message
            )
            errors.append((target, message))
    elif isinstance(error, cc.InvalidInput) and error.path == "effective":
        errors.append(("effective", screen.text("page.plan.effective_invalid")))
    else:
        errors.append((None, f"{answer.title}: {answer.detail}"))
    return plan_page(screen, collab, plan, errors=errors, status=answer.status, effective=effective)


def target_of(plan: Plan, finding: Finding) -> str | None:
    """Where an error about ``finding`` sends the keyboard: its checkbox, or the finding."""
    if finding.code in plan.confirmation_codes:
        return "confirm-deletion"
    if finding.severity is Severity.NEEDS_ACKNOWLEDGEMENT:
        return f"ack-{finding.code}"
    for n, f in enumerate(plan.findings):
        if (f.code, f.key) == (finding.code, finding.key):
            return f"finding-{n}"
    return None


# --- results kept for the page after the redirect -------------------------------------------------


@dataclass(frozen=True)
class Ended:
    result: EndResult
    plans: Mapping[tuple[str, str], Plan]


@dataclass(frozen=True)
class Moved:
    result: MoveResult
    plans: Mapping[tuple[str, str], MovePlan]
    customer_id: str
    to_office_id: str


@dataclass
class _Kept:
    who: str
    value: Ended | Moved
    at: float = field(default_factory=time.monotonic)


class Results:
    """What an end or a move did, for the page the browser is redirected to: a short-lived
    map under a random token, shown only to whoever made it. An end's consequences and
    timeline cannot be read back once it has happened (a plan of an ended collaboration
    says only that it ended), so they are kept here. A host keeps them in its session store."""

    def __init__(self, *, keep_seconds: float = 3600.0, size: int = 1000) -> None:
        self.keep_seconds = keep_seconds
        self.size = size
        self._kept: OrderedDict[str, _Kept] = OrderedDict()
        self._keys: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def put(self, who: str, key: str | None, value: Ended | Moved) -> str:
        token = secrets.token_urlsafe(18)
        with self._lock:
            self._forget_old()
            self._kept[token] = _Kept(who, value)
            if key:
                self._keys[(who, key)] = token
        return token

    def get(self, token: str, who: str) -> Ended | Moved:
        with self._lock:
            self._forget_old()
            kept = self._kept.get(token)
        if kept is None or kept.who != who:
            raise cc.NotFound("No such result.", hint="A result is kept for an hour, for whoever made it.")
        return kept.value

    def by_key(self, who: str, key: str | None) -> str | None:
        if not key:
            return None
        with self._lock:
            token = self._keys.get((who, key))
            return token if token in self._kept else None

    def _forget_old(self) -> None:
        now = time.monotonic()
        while self._kept:
            token, kept = next(iter(self._kept.items()))
            if len(self._kept) <= self.size and now - kept.at < self.keep_seconds:
                break
            del self._kept[token]
        self._keys = {k: t for k, t in self._keys.items() if t in self._kept}


def result_page(screen: Screen, kept: Ended | Moved) -> Response:
    actor = acting(screen)
    if isinstance(kept, Moved):
        return moved_page(screen, kept)
    result = kept.result
    plan, words_lang = kept_plan(screen, kept.plans)
    collab = result.collaboration
    product = screen.product(collab.product)
    parts = [
        para(
            screen.text("page.plan.outcome", outcome=screen.text(f"outcome.{result.event.outcome.value}")),
            cls="lead",
        )
    ]
    if result.replayed:
        parts.append(f"<p>{esc(screen.text('page.result.replayed'))}</p>")
    if plan.consequences is not None:
        # The plan's own lines are in the words it was made in; the headings are the page's.
        lines = in_language(words_lang, items("ul", plan.consequences.lines))
        parts.append(section("consequences", screen.text("page.plan.consequences"), lines))
        steps = in_language(words_lang, items("ol", plan.effect_descriptions))
        parts.append(section("effects", screen.text("page.result.effects"), steps))
        if plan.timeline:
            parts.append(timeline_table(screen, plan.timeline, language=words_lang))
    home = "/ui/company" if actor.party is cc.Party.CUSTOMER else f"/ui/customers/{ids(collab.customer_id)}"
    _, customers = names_of(screen, customers=[collab.customer_id])
    name = customers[collab.customer_id].name if collab.customer_id in customers else collab.customer_id
    parts.append(
        f'<p class="links">{link(home, screen.text("page.back_to", what=name))} '
        f"{link(f'/ui/customers/{ids(collab.customer_id)}/events', screen.text('page.events.link'))}</p>"
    )
    return render(screen, screen.text("page.result.ended", product=product), "\n".join(parts))


# --- requests ----------------------------------------------------------------------------------


def request_page(screen: Screen, request_id: str, done: str | None) -> Response:
    """One request: what it is, where it stands, and for an end on a day what would stop
    it if its day were today."""
    actor = acting(screen)
    r = screen.service.get_request(request_id, actor=actor)
    office_names, customers = names_of(screen, offices=[r.office_id], customers=[r.customer_id])
    what = request_what(screen, r, office_names[r.office_id])
    parts = [
        done_message(screen, done),
        para(screen.text("page.request.status", status=request_status(r, screen.loc)), cls="lead"),
        requests_list(screen, [r], office_names, screen.here()) if r.is_open else "",
    ]
    if r.is_open and r.kind is RequestKind.SCHEDULED_END:
        preview = screen.service.plan_request(request_id, actor=actor)
        parts.append(f"<p>{esc(screen.text('page.request.preview'))}</p>")
        back = f"/ui/requests/{ids(r.id)}"
        parts.append(findings_by_severity(screen, preview.findings, r.customer_id, back))
        if preview.timeline:
            parts.append(timeline_table(screen, preview.timeline))
    customer = customers.get(r.customer_id)
    home = "/ui/company" if actor.party is cc.Party.CUSTOMER else f"/ui/customers/{ids(r.customer_id)}"
    parts.append(f"<p>{link(home, screen.text('page.back_to', what=customer.name if customer else ''))}</p>")
    return render(screen, sentence(what), "\n".join(p for p in parts if p))


ANSWERS = frozenset({"withdraw", "accept", "decline"})


def answer_post(screen: Screen, posted: Form, request_id: str, answer: str) -> Response:
    if answer not in ANSWERS:
        raise cc.NotFound("No such route.")
    actor = acting(screen)
    call = {
        "withdraw": screen.service.withdraw,
        "accept": screen.service.accept,
        "decline": screen.service.decline,
    }
    call[answer](request_id, actor=actor)
    done = {"withdraw": "withdrawn", "accept": "accepted", "decline": "declined"}[answer]
    back = safe_next(posted.get("back")) or (
        "/ui/company" if actor.party is cc.Party.CUSTOMER else "/ui/collaborations"
    )
    return redirect(with_query(back, done=done))


# --- invitations ----------------------------------------------------------------------------------


def product_options(screen: Screen) -> list[tuple[str, str]]:
    return [(spec.key, screen.product(spec.key)) for spec in screen.service.products]


def invitations_page(
    screen: Screen,
    customer: str | None,
    done: str | None,
    *,
    errors: Sequence[tuple[str | None, str]] = (),
    status: int = 200,
) -> Response:
    """An office asks a customer it works with to start another product (the customer's
    Administrator accepts it on the company's page); and what waits for the office."""
    if screen.actor is None:
        return redirect("/ui")
    actor = screen.actor
    if actor.party is not cc.Party.OFFICE:
        return redirect("/ui/company")
    page = screen.service.overview(actor.party_id, actor=actor, limit=1000)
    customers = [
        (
            i.customer.id,
            screen.text("page.customer.choice", customer=i.customer.name, customer_number=i.customer.number),
        )
        for i in page.items
    ]
    invite_form = form(
        screen,
        "/ui/invitations",
        select_field("invite-customer", "customer", screen.text("page.field.customer"), customers, customer)
        + select_field(
            "invite-product", "product", screen.text("page.field.product"), product_options(screen)
        )
        + button(screen.text("page.invitations.send")),
    )
    waiting = [r for r in screen.service.requests(actor=actor) if r.kind is RequestKind.INVITATION]
    # The office's own invitations are told by the company each goes to (the other party).
    _, invited = names_of(screen, customers=[r.customer_id for r in waiting])
    counterparts = {r.id: invited[r.customer_id].name for r in waiting if r.customer_id in invited}
    listed = (
        requests_list(screen, waiting, {}, "/ui/invitations", counterparts=counterparts)
        if waiting
        else f"<p>{esc(screen.text('page.requests.none'))}</p>"
    )
    body = (
        done_message(screen, done)
        + f'<p class="lead">{esc(screen.text("page.invitations.intro"))}</p>'
        + invite_form
        + section("open-invitations", screen.text("page.invitations.open"), listed)
    )
    return render(screen, screen.text("page.invitations.title"), body, status, errors=errors)


def invite_post(screen: Screen, posted: Form) -> Response:
    actor = acting(screen)
    product = posted.get("product")
    if actor.party is cc.Party.OFFICE:
        office_id, customer_id, back = actor.party_id, posted.get("customer"), "/ui/invitations"
    else:
        office_id, customer_id, back = posted.get("to_office").strip(), actor.party_id, "/ui/company"
    try:
        screen.service.invite(actor=actor, office_id=office_id, customer_id=customer_id, product=product)
    except cc.CollabCoreError as error:
        answer = screen.service.problem(error)
        findings = error.findings if isinstance(error, cc.OperationRefused) else ()
        fields = {"product": "invite-product", "customer_id": "invite-customer", "office_id": "to-office"}
        target = fields.get(getattr(error, "path", None) or "")
        errors = [(target, f.message) for f in findings] or [(target, f"{answer.title}: {answer.detail}")]
        if actor.party is cc.Party.OFFICE:
            return invitations_page(screen, customer_id, None, errors=errors, status=answer.status)
        return company_page(screen, None, errors=errors, status=answer.status)
    return redirect(with_query(back, done="invited"))


# --- moving ------------------------------------------------------------------------------------------


def move_page(
    screen: Screen,
    collaboration_id: str,
    to_office: str | None,
    *,
    acknowledge: Sequence[str] = (),
    errors: Sequence[tuple[str | None, str]] = (),
    status: int = 200,
) -> Response:
    """The company moves a product to another office: choose the office, then the plan
    (every rule of the end and of the start, the hand-over, its dates) and the move."""
    actor = acting(screen)
    collab = screen.service.get_collaboration(collaboration_id, actor=actor)
    product = screen.product(collab.product)
    title = screen.text("page.move.title", product=product)
    offices = known_offices(screen, leaving_out=[collab.office_id])
    here = f"/ui/collaborations/{ids(collab.id)}/move"
    if not to_office:
        body = form(
            screen,
            here,
            office_field(screen, offices, None, None) + button(screen.text("page.move.show_plan")),
            method="get",
        ) + back_link(screen, collab)
        return render(screen, title, body, status, errors=errors)
    plan = screen.service.plan_move(
        collab.customer_id,
        actor=actor,
        from_office_id=collab.office_id,
        to_office_id=to_office,
        products=[collab.product],
        acknowledge=acknowledge,
    )
    names, _ = names_of(screen, offices=[collab.office_id, to_office])
    verdict = "page.move.verdict_allowed" if plan.allowed else "page.move.verdict_blocked"
    back = f"{here}?{urlencode({'to_office': to_office})}"
    parts = [
        para(
            screen.text("page.move.from_to", from_office=names[collab.office_id], to_office=names[to_office]),
            cls="lead",
        ),
        f'<p class="verdict">{esc(screen.text(verdict))}</p>',
        findings_by_severity(screen, plan.findings, collab.customer_id, back),
        section("handover", screen.text("page.move.handover"), items("ul", plan.handover)),
        timeline_table(screen, plan.timeline) if plan.timeline else "",
    ]
    wanted = {f.code: f for f in plan.findings if f.severity is Severity.NEEDS_ACKNOWLEDGEMENT}
    boxes = "".join(
        checkbox(f"ack-{code}", "acknowledge", code, f.message, checked=code in acknowledge)
        for code, f in wanted.items()
    )
    parts.append(
        form(
            screen,
            here,
            hidden("to_office", to_office)
            + hidden("nonce", secrets.token_urlsafe(18))
            + (
                fieldset(screen.text("page.plan.acknowledge_legend"), boxes, cls="acknowledge")
                if boxes
                else ""
            )
            + button(screen.text("page.move.submit")),
        )
    )
    parts.append(back_link(screen, collab))
    return render(screen, title, "\n".join(p for p in parts if p), status, errors=errors)


def moving(screen: Screen, posted: Form, collaboration_id: str, results: Results) -> Response:
    actor = acting(screen)
    to_office = posted.get("to_office").strip()
    acknowledge = posted.getlist("acknowledge")
    nonce = posted.get("nonce") or None
    known = results.by_key(screen.who, nonce)
    if known is not None:
        return redirect(f"/ui/results/{known}")
    try:
        collab = screen.service.get_collaboration(collaboration_id, actor=actor)

        def plan_in(service: cc.CollaborationService) -> MovePlan:
            return service.plan_move(
                collab.customer_id,
                actor=actor,
                from_office_id=collab.office_id,
                to_office_id=to_office,
                products=[collab.product],
                acknowledge=acknowledge,
            )

        plans = {(screen.brand, screen.language): plan_in(screen.service)}
        result = screen.service.move(
            collab.customer_id,
            actor=actor,
            from_office_id=collab.office_id,
            to_office_id=to_office,
            products=[collab.product],
            acknowledge=acknowledge,
        )
    except cc.CollabCoreError as error:
        answer = screen.service.problem(error)
        findings = error.findings if isinstance(error, cc.OperationRefused) else ()
        errors: list[tuple[str | None, str]] = [(None, f.message) for f in findings] or [
            (None, f"{answer.title}: {answer.detail}")
        ]
        try:
            return move_page(
                screen,
                collaboration_id,
                to_office,
                acknowledge=acknowledge,
                errors=errors,
                status=answer.status,
            )
        except cc.CollabCoreError:
            return error_page(screen, error)
    token = results.put(screen.who, nonce, Moved(result, plans, collab.customer_id, to_office))
    return redirect(f"/ui/results/{token}")


PlanT = TypeVar("PlanT", Plan, MovePlan)


def kept_plan(screen: Screen, plans: Mapping[tuple[str, str], PlanT]) -> tuple[PlanT, str | None]:
    """The plan kept with a result, in the page's words if it was made in them; else the one
    made, with the language its words are in (the page marks them, for a screen reader)."""
    found = plans.get((screen.brand, screen.language))
    if found is not None:
        return found, None
    (_, language), made = next(iter(plans.items()))
    return made, language


def in_language(language: str | None, html_: str) -> str:
    """``html_`` marked as written in ``language`` (None: in the page's own)."""
    return html_ if language is None else f'<div lang="{esc(language)}">{html_}</div>'


def moved_page(screen: Screen, kept: Moved) -> Response:
    plan, words_lang = kept_plan(screen, kept.plans)
    names, _ = names_of(screen, offices=[kept.to_office_id])
    products = ", ".join(screen.product(c.product) for c in kept.result.started)
    company = screen.text("page.nav.company")
    parts = [
        section(
            "handover", screen.text("page.move.handover"), in_language(words_lang, items("ul", plan.handover))
        ),
        timeline_table(screen, plan.timeline, language=words_lang) if plan.timeline else "",
        f'<p class="links">{link("/ui/company", screen.text("page.back_to", what=company))} '
        f"{link(f'/ui/customers/{ids(kept.customer_id)}/events', screen.text('page.events.link'))}</p>",
    ]
    title = screen.text("page.result.moved", product=products, office=names[kept.to_office_id])
    return render(screen, title, "\n".join(p for p in parts if p))


# --- the company's own view ---------------------------------------------------------------------


def company_page(
    screen: Screen, done: str | None, *, errors: Sequence[tuple[str | None, str]] = (), status: int = 200
) -> Response:
    """The company's Administrator: its collaborations (end, move), what waits for it,
    inviting an office, its users and its audit trail."""
    if screen.actor is None:
        return redirect("/ui")
    actor = screen.actor
    if actor.party is not cc.Party.CUSTOMER:
        return redirect("/ui/collaborations")
    company = read_company(screen, actor.party_id)
    c = company.customer
    rows = []
    for collab in company.collaborations:
        product = screen.product(collab.product)
        office = company.offices.get(collab.office_id)
        actions = []
        if may_end(actor, collab, office=office, customer=c):
            actions.append(
                link(
                    f"/ui/collaborations/{ids(collab.id)}/end",
                    screen.text("page.end.link"),
                    aria_label=screen.text("page.end.link_label", product=product, customer=c.name),
                )
            )
            actions.append(
                link(
                    f"/ui/collaborations/{ids(collab.id)}/move",
                    screen.text("page.move.link"),
                    aria_label=screen.text("page.move.title", product=product),
                )
            )
        office_name = office.name if office is not None else screen.text("party.office")
        rows.append(
            [
                esc(product),
                esc(office_name),
                esc(collab.variant or "–"),
                esc(collab.started_at.date().isoformat()),
                " ".join(actions),
            ]
        )
    headings = [screen.text(f"page.col.{k}") for k in ("product", "office", "variant", "started", "actions")]
    collaborations = (
        table(
            screen.text("page.customer.collaborations_of", customer=c.name),
            headings,
            rows,
            cls="collaborations",
        )
        if rows
        else f"<p>{esc(screen.text('page.customer.no_collaborations'))}</p>"
    )
    requests = screen.service.requests(actor=actor)
    names, _ = names_of(screen, offices=[r.office_id for r in requests])
    waiting = (
        requests_list(screen, requests, names, "/ui/company")
        if requests
        else f"<p>{esc(screen.text('page.requests.none'))}</p>"
    )
    offices = known_offices(screen)
    invite_form = form(
        screen,
        "/ui/invitations",
        office_field(screen, offices, None, None)
        + select_field(
            "invite-product", "product", screen.text("page.field.product"), product_options(screen)
        )
        + button(screen.text("page.invitations.send")),
    )
    links = (
        f'<p class="links">{link(f"/ui/customers/{ids(c.id)}/users", screen.term("users_page"))} '
        f"{link(f'/ui/customers/{ids(c.id)}/events', screen.text('page.events.link'))}</p>"
    )
    body = (
        done_message(screen, done)
        + f'<p class="lead">{esc(screen.text("page.customer.number", customer_number=c.number))}</p>'
        + section("collaborations", screen.text("page.customer.active"), collaborations)
        + section("requests", screen.text("page.requests.title"), waiting)
        + section(
            "invite",
            screen.text("page.company.invite"),
            f"<p>{esc(screen.text('page.company.invite_intro'))}</p>" + invite_form,
        )
        + links
    )
    return render(screen, c.name, body, status, errors=errors)


__all__ = ["html_error", "install_pages"]
