"""A web host for collabcore: FastAPI in front, collabcore deciding everything else.

Authentication is stubbed by the ``X-User`` header (``office:<office id>:<user id>``,
``customer:<customer id>:<user id>`` or ``operator``): a real host puts its session or
token check there. Authorization is collabcore's: the routes pass the actor on and
never decide who may see or do what. The brand comes from ``X-Brand`` (a real host
knows it from its host name), the language from ``Accept-Language``.

Every collabcore error is answered as an RFC 9457 problem document, in the
request's brand and language, with the status it means (see docs/host-integration.md).

Run it on a SQLite file (``pip install 'collabcore[web]' uvicorn``):

    COLLABCORE_DB=collab.db uvicorn examples.web_host.app:app
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import threading
from collections.abc import Callable
from datetime import date
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

import collabcore as cc
from collabcore.adapters.documents import document, problem_document
from collabcore.domain import OverviewCursor

BODY_FIELDS = {
    "end": {"outcome", "acknowledge", "confirm_deletion", "expected_version"},
    "schedule": {"outcome", "acknowledge", "confirm_deletion", "effective"},
}


class Services:
    """One service per brand and language, over one store, made on first use."""

    def __init__(self, base: cc.CollaborationService) -> None:
        self.base = base
        self._twins: dict[tuple[str, str], cc.CollaborationService] = {}
        self._lock = threading.Lock()

    def speaking(self, brand: str, language: str) -> cc.CollaborationService:
        with self._lock:
            twin = self._twins.get((brand, language))
            if twin is None:
                twin = self.base.speaking(brand, language)
                self._twins[(brand, language)] = twin
        return twin

    def languages(self, brand: str) -> tuple[str, ...]:
        return self.base.texts.brand(brand).languages


def negotiate(header: str | None, available: tuple[str, ...], default: str) -> str:
    """The best of ``available`` for an Accept-Language header (RFC 9110 q-values)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in available and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else default


def actor_of(request: Request) -> cc.Actor | None:
    """The authentication stub. ``None`` for the operator."""
    header = request.headers.get("x-user", "")
    if header == "operator":
        return None
    party, _, rest = header.partition(":")
    party_id, _, user_id = rest.partition(":")
    if party not in ("office", "customer") or not party_id or not user_id:
        raise Unauthenticated
    make = cc.Actor.office if party == "office" else cc.Actor.customer
    try:
        return make(party_id, user_id)
    except cc.InvalidInput:
        raise Unauthenticated from None


class Unauthenticated(Exception):
    """No usable ``X-User``: a real host's login would answer here."""


def _cursor(token: str | None) -> OverviewCursor | None:
    if not token:
        return None
    try:
        number, customer_id = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
        return OverviewCursor(number, customer_id)
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise cc.InvalidInput("after is not a cursor this server gave out.", path="after") from None


def _token(cursor: OverviewCursor | None) -> str | None:
    if cursor is None:
        return None
    raw = json.dumps([cursor.customer_number, cursor.customer_id]).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


async def _body(request: Request, allowed: set[str]) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise cc.InvalidInput("The body is not JSON.", path="body") from None
    if not isinstance(body, dict):
        raise cc.InvalidInput("The body must be a JSON object.", path="body")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise cc.InvalidInput(
            f"Unknown fields {', '.join(map(repr, unknown))}; allowed: {', '.join(sorted(allowed))}.",
            path=unknown[0],
        )
    return body


def _day(value: Any) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise cc.InvalidInput("effective must be a day such as 2026-12-31.", path="effective") from None


def create_app(service: cc.CollaborationService) -> FastAPI:
    services = Services(service)
    app = FastAPI(title="collabcore web host example")

    def speaking(request: Request) -> cc.CollaborationService:
        brand = request.headers.get("x-brand", service.localizer.brand.key)
        if brand not in service.texts.brands:
            raise cc.InvalidInput(f"Unknown brand {brand!r}.", path="X-Brand")
        language = negotiate(
            request.headers.get("accept-language"), services.languages(brand), service.localizer.language
        )
        return services.speaking(brand, language)

    def acting(request: Request) -> cc.Actor:
        actor = actor_of(request)
        if actor is None:
            raise cc.NotAuthorized("The operator acts for no office or customer.")
        return actor

    @app.exception_handler(cc.CollabCoreError)
    async def problem(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, cc.CollabCoreError)
        answer = speaking_or_base(request).problem(error, instance=request.url.path)
        return JSONResponse(problem_document(answer.to_dict()), answer.status, headers=answer.headers)

    def speaking_or_base(request: Request) -> cc.CollaborationService:
        try:
            return speaking(request)
        except cc.CollabCoreError:
            return service  # an unknown brand is answered in the service's own words

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: Exception) -> JSONResponse:
        # The framework's own checks (a missing or malformed query parameter) answer as
        # collabcore's do: a 400 naming the field, not FastAPI's 422, which here means refused.
        assert isinstance(error, RequestValidationError)
        first = error.errors()[0] if error.errors() else {}
        path = ".".join(str(part) for part in first.get("loc", ())[1:]) or "request"
        return await problem(request, cc.InvalidInput(str(first.get("msg", "invalid")), path=path))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        if error.status_code == 404:
            return await problem(request, cc.NotFound("No such route."))
        body = {
            "type": "about:blank",
            "title": HTTPStatus(error.status_code).phrase,
            "status": error.status_code,
            "detail": str(error.detail),
        }
        return JSONResponse(body, error.status_code, headers={"Content-Type": "application/problem+json"})

    @app.exception_handler(Unauthenticated)
    async def unauthenticated(request: Request, _: Exception) -> JSONResponse:
        body = {
            "type": "urn:example:problem:unauthenticated",
            "title": "Unauthenticated",
            "status": 401,
            "detail": "Send X-User: office:<office id>:<user id> or customer:<customer id>:<user id>.",
        }
        return JSONResponse(body, 401, headers={"Content-Type": "application/problem+json"})

    def answer(request: Request, data: dict[str, Any], status: int = 200) -> JSONResponse:
        words = speaking(request).localizer
        return JSONResponse(data, status, headers={"Content-Language": words.language})

    @app.get("/overview")
    def overview(request: Request, after: str | None = None, limit: int | None = None) -> JSONResponse:
        actor = acting(request)
        page = speaking(request).overview(actor.party_id, actor=actor, after=_cursor(after), limit=limit)
        return answer(request, {**document(page), "next": _token(page.next_cursor)})

    @app.get("/collaborations/{collaboration_id}/plan")
    def plan(
        request: Request,
        collaboration_id: str,
        outcome: str,
        effective: str | None = None,
        confirm_deletion: bool = False,
    ) -> JSONResponse:
        acknowledge = request.query_params.getlist("acknowledge")
        found = speaking(request).plan_end(
            collaboration_id,
            actor=acting(request),
            outcome=outcome,
            acknowledge=acknowledge,
            confirm_deletion=confirm_deletion,
            effective=_day(effective),
        )
        return answer(request, document(found))

    @app.post("/collaborations/{collaboration_id}/end")
    async def end(request: Request, collaboration_id: str) -> JSONResponse:
        body = await _body(request, BODY_FIELDS["end"])
        result = await run(
            lambda: speaking(request).end(
                collaboration_id,
                actor=acting(request),
                outcome=body.get("outcome"),  # type: ignore[arg-type]  # collabcore checks it
                acknowledge=body.get("acknowledge", ()),
                confirm_deletion=body.get("confirm_deletion", False),
                expected_version=body.get("expected_version"),
                idempotency_key=request.headers.get("idempotency-key"),
            )
        )
        return answer(request, document(result))

    @app.post("/collaborations/{collaboration_id}/schedule")
    async def schedule(request: Request, collaboration_id: str) -> JSONResponse:
        body = await _body(request, BODY_FIELDS["schedule"])
        scheduled = await run(
            lambda: speaking(request).schedule_end(
                collaboration_id,
                actor=acting(request),
                outcome=body.get("outcome"),  # type: ignore[arg-type]
                effective=_day(body.get("effective")),
                acknowledge=body.get("acknowledge", ()),
                confirm_deletion=body.get("confirm_deletion", False),
            )
        )
        data = {"request": document(scheduled.request), "preview": document(scheduled.preview)}
        return answer(request, data, 201)

    @app.post("/requests/{request_id}/withdraw")
    async def withdraw(request: Request, request_id: str) -> JSONResponse:
        withdrawn = await run(lambda: speaking(request).withdraw(request_id, actor=acting(request)))
        return answer(request, document(withdrawn))

    @app.get("/relay/status")
    def relay_status(request: Request) -> JSONResponse:
        if actor_of(request) is not None:
            raise cc.NotAuthorized("Only the operator sees the relay's status.")
        relay = service.relay()
        return JSONResponse({"pending": len(relay.pending()), "failed": len(relay.failed())})

    return app


async def run(call: Callable[[], Any]) -> Any:
    """A write, off the event loop: collabcore's stores are blocking (SQLite, psycopg)."""
    return await run_in_threadpool(call)


def __getattr__(name: str) -> FastAPI:
    # ``uvicorn examples.web_host.app:app`` asks for it; importing the module makes no file.
    if name != "app":
        raise AttributeError(name)
    store = cc.SQLiteStore(os.environ.get("COLLABCORE_DB", "collabcore.db"))
    return create_app(cc.CollaborationService(store))
