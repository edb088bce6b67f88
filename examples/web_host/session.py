"""The sign-in stub, the words a request is served in, form tokens, and the two doors every
page goes through (``serve`` for a GET, ``submit`` for a form's POST).

THE SIGN-IN IS A STUB. Whoever opens ``/ui/sign-in`` chooses who they are, and the cookie
``who`` (``office:<office id>:<user id>``, ``customer:<customer id>:<user id>`` or
``operator``, as the JSON API's ``X-User`` header) is believed as it is. A real host puts
its own login here and keeps the rest: the pages pass the actor on to collabcore, which
decides what it may see and do, from stored roles only.

The brand and language come from the cookies ``brand`` and ``lang`` (set at sign-in and by
the switch in every page's header); without them, the service's brand and the best of
its languages for ``Accept-Language``. A real host knows its brand from its host name.

Every POST carries a form token: an HMAC of the random ``session`` cookie under a key made
when the host starts, compared in constant time. A form from another site has no way to
know it; a session cookie set by this host (HttpOnly, SameSite=Lax) is never read by
script. Signing in makes a new session, so a token learnt before it is worth nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import secrets
from collections.abc import Callable, Mapping
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

import collabcore as cc

from .html import (
    Screen,
    brand_name,
    button,
    error_page,
    esc,
    form,
    hidden,
    language_name,
    problem_page,
    radio_group,
    redirect,
    render,
    select_field,
    text_field,
)
from .identity import Speakers, UnknownWho, actor_named, negotiate

WHO, BRAND, LANG, SESSION = "who", "brand", "lang", "session"
"""The cookies: who is signed in, the brand and language, and the session of the form token."""

FORM_LIMIT = 64 * 1024
"""The largest form body read (bytes); the pages' forms are a few hundred."""

HOME = {"office": "/ui/collaborations", "customer": "/ui/company", "operator": "/ui/relay"}
"""Where each party lands after signing in."""


class Ui:
    """What the pages share: the service, one twin of it per brand and language (made on
    first use), and the key of the form tokens (new at every start: tokens do not outlive
    the process, and a restart only asks a user to reload a form)."""

    def __init__(self, service: cc.CollaborationService) -> None:
        self.service = service
        self.key = secrets.token_bytes(32)
        self._speakers = Speakers(service)

    def speaking(self, brand: str, language: str) -> cc.CollaborationService:
        return self._speakers.speaking(brand, language)

    def token(self, session: str) -> str:
        return hmac.new(self.key, session.encode("utf-8"), hashlib.sha256).hexdigest()


def ui_of(request: Request) -> Ui:
    ui = request.app.state.ui
    assert isinstance(ui, Ui), "install_pages sets app.state.ui"
    return ui


# --- who, and in which words ------------------------------------------------------------


class SignedOut(Exception):
    """Nobody usable is signed in: the page sends the browser to sign in."""


def actor_of(who: str) -> cc.Actor | None:
    """The actor a ``who`` names; None for the operator. Raises SignedOut for anything else."""
    try:
        return actor_named(who)
    except UnknownWho:
        raise SignedOut from None


def words_of(request: Request, ui: Ui) -> tuple[str, str]:
    """The request's brand and language: its cookies, else the service's brand and the
    best of that brand's languages for Accept-Language."""
    texts = ui.service.texts
    brand = request.cookies.get(BRAND, "")
    if brand not in texts.brands:
        brand = ui.service.localizer.brand.key
    languages = texts.brand(brand).languages
    language = request.cookies.get(LANG, "")
    if language not in languages:
        default = ui.service.localizer.language
        language = negotiate(
            request.headers.get("accept-language"),
            languages,
            default if default in languages else languages[0],
        )
    return brand, language


def people() -> tuple[tuple[str, str], ...]:
    """The example's cast, ``(who, description)``, from story.py when it has one."""
    try:
        story = importlib.import_module(f"{__package__}.story")
    except ImportError:
        return ()
    return tuple(getattr(story, "PEOPLE", ()))


def person(service: cc.CollaborationService, who: str, *, with_role: bool = False) -> str:
    """Who ``who`` is, in words: a name and its office or company (the role too, if asked);
    ``who`` itself when the store does not know them."""
    loc = service.localizer
    if who == "operator":
        return loc.text("page.person.operator")
    try:
        actor = actor_of(who)
    except SignedOut:
        return who
    assert actor is not None
    with service.store.transaction(write=False) as uow:
        if actor.party is cc.Party.OFFICE:
            office = uow.get_office(actor.party_id)
            user = None if office is None else office.user(actor.user_id)
            if office is None or user is None:
                return who
            said = loc.text("page.person.office", user=user.name, office=office.name)
            role = loc.term("administrator" if user.role is cc.Role.ADMINISTRATOR else "user_role")
            if user.full_rights:
                role = loc.text("page.person.full_rights", value=role)
        else:
            customer = uow.get_customer(actor.party_id)
            found = None if customer is None else customer.user(actor.user_id)
            if customer is None or found is None:
                return who
            said = loc.text("page.person.customer", user=found.name, customer=customer.name)
            role = loc.term("administrator" if found.role is cc.Role.ADMINISTRATOR else "user_role")
    return loc.text("page.person.with_role", user=said, value=role) if with_role else said


def make_screen(request: Request, *, signed_in: bool = True, session: str | None = None) -> Screen:
    """The request's screen. Blocking (it reads the store for the signed-in user's name):
    call it from a worker thread, as ``serve`` and ``submit`` do. ``session`` is one just
    begun, whose cookie the browser has not sent yet."""
    ui = ui_of(request)
    brand, language = words_of(request, ui)
    service = ui.speaking(brand, language)
    session = session or request.cookies.get(SESSION, "")
    who = request.cookies.get(WHO, "") if session else ""
    actor = None
    if signed_in:
        if not who:
            raise SignedOut
        actor = actor_of(who)
    else:
        try:
            actor = actor_of(who) if who else None
        except SignedOut:
            who = ""
    try:
        shown = person(service, who) if who else ""
    except cc.CollabCoreError:  # the store is down: the page (an error page, likely) still comes
        shown = who
    return Screen(request, service, who, actor, ui.token(session) if session else "", shown)


def safe_next(value: str | None) -> str | None:
    """``value`` if it is a path of this host's pages (``/ui...``), else None: a link may
    never send a user elsewhere through the host."""
    if not value or any(c in value for c in "\\\r\n\t") or value.startswith("//"):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not (parts.path == "/ui" or parts.path.startswith("/ui/")):
        return None
    return value


def cookie(response: Response, request: Request, name: str, value: str) -> None:
    response.set_cookie(
        name, value, httponly=True, samesite="lax", path="/", secure=request.url.scheme == "https"
    )


# --- forms ------------------------------------------------------------------------------------


class Form:
    """A posted form's fields (``application/x-www-form-urlencoded``)."""

    def __init__(self, fields: Mapping[str, list[str]]) -> None:
        self._fields = fields

    def get(self, name: str, default: str = "") -> str:
        values = self._fields.get(name)
        return values[0] if values else default

    def getlist(self, name: str) -> list[str]:
        return list(self._fields.get(name, []))


class FormRejected(Exception):
    """The body is no form of ours: too large, of another type, or unreadable."""

    def __init__(self, status: int, key: str) -> None:
        self.status = status
        self.key = key
        super().__init__(key)


async def read_form(request: Request) -> Form:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise FormRejected(415, "page.form.not_a_form")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > FORM_LIMIT:
        raise FormRejected(413, "page.form.too_large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_LIMIT:
            raise FormRejected(413, "page.form.too_large")
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=500, errors="strict")
    except ValueError:  # bad UTF-8 or percent-escapes, or more fields than any form of ours has
        raise FormRejected(400, "page.form.unreadable") from None
    return Form(fields)


def _rejected(screen: Screen, status: int, key: str) -> HTMLResponse:
    problem = {"title": screen.text("page.form.rejected"), "detail": screen.text(key)}
    return problem_page(screen, status, problem)


# --- the two doors --------------------------------------------------------------------------


def _sign_in_url(request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    wanted = safe_next(here) if request.method == "GET" else None
    return "/ui/sign-in" + (f"?next={quote(wanted, safe='')}" if wanted else "")


async def serve(request: Request, build: Callable[[Screen], Response]) -> Response:
    """A page for whoever is signed in (others go to sign in), built off the event loop
    (the stores block); a collabcore error becomes its page, in the request's words."""

    def work() -> Response:
        try:
            screen = make_screen(request)
        except SignedOut:
            return redirect(_sign_in_url(request))
        try:
            return build(screen)
        except cc.CollabCoreError as error:
            return error_page(screen, error)

    return await run_in_threadpool(work)


async def submit(request: Request, handle: Callable[[Screen, Form], Response]) -> Response:
    """A form's POST: read (64 KiB at most), its token checked against the session, then
    handled off the event loop; a collabcore error becomes its page."""
    rejected: FormRejected | None = None
    try:
        posted = await read_form(request)
    except FormRejected as error:
        rejected, posted = error, Form({})

    def work() -> Response:
        try:
            screen = make_screen(request)
        except SignedOut:
            return redirect(_sign_in_url(request))
        if rejected is not None:
            return _rejected(screen, rejected.status, rejected.key)
        if not valid_token(screen, posted):
            return _rejected(screen, 403, "page.form.expired")
        try:
            return handle(screen, posted)
        except cc.CollabCoreError as error:
            return error_page(screen, error)

    return await run_in_threadpool(work)


def valid_token(screen: Screen, posted: Form) -> bool:
    return bool(screen.csrf) and hmac.compare_digest(posted.get("csrf").encode(), screen.csrf.encode())


# --- the sign-in stub's routes ------------------------------------------------------------------


def install_session(app: FastAPI) -> None:
    """``/`` and ``/ui`` (to one's start page), ``/ui/sign-in``, ``/ui/sign-out`` and
    ``/ui/words`` (the brand and language switch)."""

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return redirect("/ui/sign-in")

    @app.get("/ui", include_in_schema=False)
    async def start(request: Request) -> Response:
        return await serve(request, lambda screen: redirect(HOME[screen.party]))

    @app.get("/ui/sign-in", include_in_schema=False)
    async def sign_in_page(request: Request, next: str | None = None) -> Response:
        def work() -> Response:
            # The sign-in form needs a token too, so a session begins before anyone signs in.
            fresh = "" if request.cookies.get(SESSION) else secrets.token_urlsafe(32)
            screen = make_screen(request, signed_in=False, session=fresh or None)
            response = _sign_in(screen, safe_next(next), ())
            if fresh:
                cookie(response, request, SESSION, fresh)
            return response

        return await run_in_threadpool(work)

    @app.post("/ui/sign-in", include_in_schema=False)
    async def sign_in(request: Request) -> Response:
        rejected: FormRejected | None = None
        try:
            posted = await read_form(request)
        except FormRejected as error:
            rejected, posted = error, Form({})

        def work() -> Response:
            screen = make_screen(request, signed_in=False)
            if rejected is not None:
                return _rejected(screen, rejected.status, rejected.key)
            if not valid_token(screen, posted):
                return _rejected(screen, 403, "page.form.expired")
            who = posted.get("who").strip()
            try:
                actor = actor_of(who)
            except SignedOut:
                error = screen.text("page.sign_in.invalid")
                return _sign_in(screen, safe_next(posted.get("next")), ((_who_field(), error),), status=400)
            ui = ui_of(request)
            texts = ui.service.texts
            brand = posted.get("brand") if posted.get("brand") in texts.brands else screen.brand
            languages = texts.brand(brand).languages
            language = posted.get("lang") if posted.get("lang") in languages else languages[0]
            party = "operator" if actor is None else actor.party.value
            response = redirect(safe_next(posted.get("next")) or HOME[party])
            for name, value in (
                (SESSION, secrets.token_urlsafe(32)),
                (WHO, who),
                (BRAND, brand),
                (LANG, language),
            ):
                cookie(response, request, name, value)
            return response

        return await run_in_threadpool(work)

    @app.post("/ui/sign-out", include_in_schema=False)
    async def sign_out(request: Request) -> Response:
        def handle(screen: Screen, posted: Form) -> Response:
            response = redirect("/ui/sign-in")
            response.delete_cookie(WHO, path="/")
            response.delete_cookie(SESSION, path="/")
            return response

        return await submit(request, handle)

    @app.get("/ui/words", include_in_schema=False)
    def words(request: Request, brand: str = "", lang: str = "", next: str = "") -> Response:
        ui = ui_of(request)
        texts = ui.service.texts
        current_brand, current_language = words_of(request, ui)
        chosen = brand if brand in texts.brands else current_brand
        languages = texts.brand(chosen).languages
        language = (
            lang if lang in languages else current_language if current_language in languages else languages[0]
        )
        response = redirect(safe_next(next) or "/ui")
        cookie(response, request, BRAND, chosen)
        cookie(response, request, LANG, language)
        return response


def _who_field() -> str:
    return "who-0" if people() else "who"


def _sign_in(
    screen: Screen, next_: str | None, errors: tuple[tuple[str | None, str], ...], status: int = 200
) -> HTMLResponse:
    cast = people()
    if cast:
        options = [(who, person(screen.service, who, with_role=True), None) for who, _ in cast]
        chooser = radio_group("who-0", "who", screen.text("page.sign_in.who"), options, screen.who or None)
    else:
        chooser = text_field(
            "who",
            "who",
            screen.text("page.sign_in.who"),
            screen.who,
            hint=screen.text("page.sign_in.who_hint"),
            required=True,
        )
    texts = screen.service.texts
    brands = [(key, brand_name(screen, key)) for key in texts.brands]
    languages = [(code, language_name(screen.loc, code)) for code in texts.brand(screen.brand).languages]
    body = f'<p class="lead">{esc(screen.text("page.sign_in.intro"))}</p>' + form(
        screen,
        "/ui/sign-in",
        chooser
        + select_field("sign-in-brand", "brand", screen.text("page.words.brand"), brands, screen.brand)
        + select_field("sign-in-lang", "lang", screen.text("page.words.language"), languages, screen.language)
        + (hidden("next", next_) if next_ else "")
        + button(screen.text("page.sign_in.submit")),
    )
    return render(screen, screen.text("page.sign_in.title"), body, status, errors=errors)
