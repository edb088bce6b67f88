"""The example host's JSON API: its routes, the stub authentication, how a request's body
is read, and what the OpenAPI document says about each route.

Authentication is stubbed by the ``X-User`` header (``office:<office id>:<user id>``,
``customer:<customer id>:<user id>`` or ``operator``): a real host puts its session or
token check there. Authorization is collabcore's: the routes pass the actor on and never
decide who may see or do what. The brand comes from ``X-Brand`` (a real host knows it from
its host name), the language from ``Accept-Language``.

What the routes refuse before collabcore sees the request (a body that is not JSON, a
header sent twice, a query parameter that is not a number) is raised as :class:`BadRequest`
or :class:`EdgeProblem`, with the text key that tells why; ``app.py`` answers them as
problem documents in the request's brand and language.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

import collabcore as cc
from collabcore.adapters.documents import document
from collabcore.app.problems import MEDIA_TYPE
from collabcore.domain import OverviewCursor
from collabcore.wording.texts import Localizer

from .identity import Speakers, UnknownWho, actor_named, negotiate

MAX_BODY = 64 * 1024
"""The largest request body the host reads, in bytes (64 KiB). An end or a schedule is a few
hundred bytes; a body near this size is no request a person made. A larger one is answered
413 before it is read in full (see ``BodyLimit`` in app.py)."""

MAX_ACKNOWLEDGEMENTS = 100
"""The most rule codes one ``acknowledge`` list may hold: the rulebook has a few dozen rules,
so a longer list is a mistake or an attack, refused with 400 before collabcore sees it."""

BODY_FIELDS = {
    "end": {"outcome", "acknowledge", "confirm_deletion", "expected_version"},
    "schedule": {"outcome", "acknowledge", "confirm_deletion", "effective"},
}

HOST_PROBLEMS = "urn:example:problem:"
"""The prefix of the ``type`` of the problems the host itself answers (an unknown route, a
body too large...); collabcore's own keep ``urn:collabcore:problem:``. A real host points
both at its own documentation."""


class BadRequest(Exception):
    """A request the edge refuses with 400 before collabcore sees it, naming ``path``: the
    reason is the text ``http.<key>`` of collabcore's catalogs, told in the request's words
    as an invalid request's problem document (collabcore's ``invalid-input``)."""

    def __init__(self, key: str, path: str, **params: object) -> None:
        self.key = key
        self.path = path
        self.params = params
        super().__init__(key)

    def error(self, words: Localizer) -> cc.InvalidInput:
        return cc.InvalidInput(words.text(f"http.{self.key}", **self.params), path=self.path)


class EdgeProblem(Exception):
    """A problem of the host's own (not collabcore's): status ``status``, title and detail
    the texts ``http.<key>`` and ``http.<key>.detail``, type ``HOST_PROBLEMS + slug``."""

    status = 500
    key = ""
    slug = ""

    def __init__(self, headers: dict[str, str] | None = None, **params: object) -> None:
        self.headers = headers or {}
        self.params = params
        super().__init__(self.key)


class Unauthenticated(EdgeProblem):
    """No usable ``X-User``: a real host's login would answer here."""

    status, key, slug = 401, "unauthenticated", "unauthenticated"


class UnsupportedMediaType(EdgeProblem):
    """A body that is not sent as JSON."""

    status, key, slug = 415, "unsupported_media_type", "unsupported-media-type"


class Services(Speakers):
    """One service per brand and language, over one store, and which one a request asks for."""

    def languages(self, brand: str) -> tuple[str, ...]:
        return self.base.texts.brand(brand).languages

    def of(self, request: Request) -> cc.CollaborationService:
        """The service in the brand (``X-Brand``) and language (``Accept-Language``) the
        request asks for. Raises for an unknown brand: a page in the wrong brand is a bug."""
        brand = header(request, "X-Brand") or self.base.localizer.brand.key
        if brand not in self.base.texts.brands:
            raise cc.InvalidInput(f"Unknown brand {brand!r}.", path="X-Brand")
        return self._negotiated(request, brand)

    def telling(self, request: Request) -> cc.CollaborationService:
        """The service to tell a problem in: as :meth:`of`, but never raising. A brand it
        cannot use is replaced by the service's own, the language still negotiated."""
        brands = request.headers.getlist("x-brand")
        brand = brands[0] if len(brands) == 1 else self.base.localizer.brand.key
        if brand not in self.base.texts.brands:
            brand = self.base.localizer.brand.key
        return self._negotiated(request, brand)

    def _negotiated(self, request: Request, brand: str) -> cc.CollaborationService:
        # A repeated Accept-Language is legal HTTP (its lists concatenate), so it is joined.
        asked = ",".join(request.headers.getlist("accept-language"))
        language = negotiate(asked, self.languages(brand), self.base.localizer.language)
        return self.speaking(brand, language)


def header(request: Request, name: str) -> str | None:
    """The one value of header ``name``, or None. Sent twice it is refused rather than one of
    the two chosen: a proxy and a client disagreeing on who the user is, or on an
    idempotency key, must not be settled by which copy comes first."""
    values = request.headers.getlist(name)
    if len(values) > 1:
        raise BadRequest("repeated_header", name, name=name, count=len(values))
    return values[0] if values else None


def actor_of(request: Request) -> cc.Actor | None:
    """The authentication stub. ``None`` for the operator."""
    try:
        return actor_named(header(request, "X-User") or "")
    except UnknownWho:
        raise Unauthenticated from None


def acting(request: Request) -> cc.Actor:
    actor = actor_of(request)
    if actor is None:
        raise cc.NotAuthorized("The operator acts for no office or customer.")
    return actor


def _cursor(token: str | None) -> OverviewCursor | None:
    if not token:
        return None
    try:
        number, customer_id = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
        return OverviewCursor(number, customer_id)
    except (ValueError, TypeError, binascii.Error, UnicodeError, RecursionError):
        raise BadRequest("not_a_cursor", "after", name="after") from None


def _token(cursor: OverviewCursor | None) -> str | None:
    if cursor is None:
        return None
    raw = json.dumps([cursor.customer_number, cursor.customer_id]).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def is_json(content_type: str) -> bool:
    """``application/json`` or a JSON-based type (``application/problem+json``...), with any
    parameters (``; charset=utf-8``)."""
    kind = content_type.partition(";")[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


class _Repeated(Exception):
    def __init__(self, name: str) -> None:
        self.name = name


def _members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # JSON allows a name twice in an object and Python keeps the last; like a repeated
    # header, a repeated field is refused rather than one copy silently chosen.
    made: dict[str, Any] = {}
    for name, value in pairs:
        if name in made:
            raise _Repeated(name)
        made[name] = value
    return made


async def read_body(request: Request, allowed: set[str]) -> dict[str, Any]:
    """The request's JSON object, holding only ``allowed`` members. The content type is
    checked before a byte is read; the size is bounded by ``BodyLimit`` while it is read.
    An empty body without a content type is ``{}``."""
    content_type = header(request, "Content-Type")
    if content_type is not None and not is_json(content_type):
        raise UnsupportedMediaType
    raw = await request.body()
    if content_type is None:
        if raw.strip():
            raise UnsupportedMediaType
        return {}
    try:
        body = json.loads(raw or b"{}", object_pairs_hook=_members)
    except _Repeated as repeated:
        raise BadRequest("repeated_field", repeated.name, name=repeated.name) from None
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise BadRequest("not_json", "body") from None
    if not isinstance(body, dict):
        raise BadRequest("not_an_object", "body")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise BadRequest(
            "unknown_fields",
            unknown[0],
            names=", ".join(map(repr, unknown)),
            choices=", ".join(sorted(allowed)),
        )
    acknowledge = body.get("acknowledge")
    if isinstance(acknowledge, list) and len(acknowledge) > MAX_ACKNOWLEDGEMENTS:
        raise BadRequest("too_many", "acknowledge", name="acknowledge", count=MAX_ACKNOWLEDGEMENTS)
    return body


def _day(value: Any) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise BadRequest("not_a_day", "effective", name="effective") from None


async def run(call: Callable[[], Any]) -> Any:
    """A write, off the event loop: collabcore's stores are blocking (SQLite, psycopg)."""
    return await run_in_threadpool(call)


# --- what the OpenAPI document says ------------------------------------------------------

PROBLEM_SCHEMA = "#/components/schemas/collabcore.problem"

_PROBLEMS: dict[int, str] = {
    400: "Invalid request: `invalid.path` names the field, header or parameter, `invalid.reason` "
    "tells why. Nothing was changed.",
    401: "No usable `X-User` (the example's stand-in for a login).",
    403: "collabcore does not let this user do this (`codes` and `findings` tell why).",
    404: "Nothing with that id is visible to this user: another tenant's ids answer exactly as missing ones.",
    409: "Already ended, changed at the same time (`expected_version`), or an `Idempotency-Key` "
    "used before for another request.",
    413: f"The body is larger than {MAX_BODY} bytes; it was not read.",
    415: "The body is not sent as `application/json`.",
    422: "The rules refuse it: `findings` hold the blockers and what needs acknowledging, each with "
    "its remedy steps.",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI responses for ``statuses``, each a problem document, and ``default`` for
    what any route may answer (500, or 503 while storage is unavailable)."""
    content = {MEDIA_TYPE: {"schema": {"$ref": PROBLEM_SCHEMA}}}
    described: dict[int | str, dict[str, Any]] = {
        status: {"description": _PROBLEMS[status], "content": content} for status in statuses
    }
    described["default"] = {
        "description": "A server error (500), or storage unavailable (503, with Retry-After).",
        "content": content,
    }
    return described


def success(schema: dict[str, Any], description: str, status: int = 200) -> dict[int | str, Any]:
    return {status: {"description": description, "content": {"application/json": {"schema": schema}}}}


def _document(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/collabcore.{name}"}


def _request_body(fields: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": fields, "required": required, "additionalProperties": False}
    return {
        "requestBody": {
            "required": True,
            "description": f"A JSON object of at most {MAX_BODY} bytes (`Content-Type: application/json`).",
            "content": {"application/json": {"schema": schema}},
        }
    }


_OUTCOME = {"type": "string", "enum": [outcome.value for outcome in cc.Outcome]}
_ACKNOWLEDGE = {
    "type": "array",
    "items": {"type": "string"},
    "maxItems": MAX_ACKNOWLEDGEMENTS,
    "description": "The rule codes of the findings the user acknowledges, such as R11.",
}
_CONFIRM = {"type": "boolean", "description": "Required true for an outcome that deletes data."}

END_BODY = _request_body(
    {
        "outcome": _OUTCOME,
        "acknowledge": _ACKNOWLEDGE,
        "confirm_deletion": _CONFIRM,
        "expected_version": {
            "type": ["integer", "null"],
            "description": "The collaboration's version the user saw; another answers 409.",
        },
    },
    ["outcome"],
)
SCHEDULE_BODY = _request_body(
    {
        "outcome": _OUTCOME,
        "acknowledge": _ACKNOWLEDGE,
        "confirm_deletion": _CONFIRM,
        "effective": {
            "type": ["string", "null"],
            "format": "date",
            "description": "The day the end takes effect; by default the last day of this month.",
        },
    },
    ["outcome"],
)
IDEMPOTENCY_KEY = {
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": "Sent again with the same request, the first answer is replayed "
            "(`replayed: true`); with another request, 409. Sent twice in one request, 400.",
            "schema": {"type": "string"},
        }
    ]
}


def install_api(app: FastAPI, services: Services) -> None:
    """The JSON routes, each described in the OpenAPI document by its body and answers."""
    service = services.base

    def answer(request: Request, data: dict[str, Any], status: int = 200) -> JSONResponse:
        words = services.of(request).localizer
        return JSONResponse(data, status, headers={"Content-Language": words.language})

    @app.get(
        "/overview",
        summary="The office's customers and their active collaborations, a page at a time",
        responses={
            **success(
                {"$ref": "#/components/schemas/overview"},
                "A page of the overview; `next` is the cursor of the next page (`after`), or null.",
            ),
            **problems(400, 401, 403, 404),
        },
    )
    def overview(request: Request, after: str | None = None, limit: int | None = None) -> JSONResponse:
        actor = acting(request)
        page = services.of(request).overview(actor.party_id, actor=actor, after=_cursor(after), limit=limit)
        return answer(request, {**document(page), "next": _token(page.next_cursor)})

    @app.get(
        "/collaborations/{collaboration_id}/plan",
        summary="What ending the collaboration would do, and what stands in the way",
        responses={**success(_document("plan"), "The plan."), **problems(400, 401, 403, 404, 422)},
    )
    def plan(
        request: Request,
        collaboration_id: str,
        outcome: str,
        effective: str | None = None,
        confirm_deletion: bool = False,
    ) -> JSONResponse:
        acknowledge = request.query_params.getlist("acknowledge")
        if len(acknowledge) > MAX_ACKNOWLEDGEMENTS:
            raise BadRequest("too_many", "acknowledge", name="acknowledge", count=MAX_ACKNOWLEDGEMENTS)
        found = services.of(request).plan_end(
            collaboration_id,
            actor=acting(request),
            outcome=outcome,
            acknowledge=acknowledge,
            confirm_deletion=confirm_deletion,
            effective=_day(effective),
        )
        return answer(request, document(found))

    @app.post(
        "/collaborations/{collaboration_id}/end",
        summary="End the collaboration now",
        openapi_extra={**END_BODY, **IDEMPOTENCY_KEY},
        responses={
            **success(_document("end_result"), "Ended (or the answer replayed for an Idempotency-Key)."),
            **problems(400, 401, 403, 404, 409, 413, 415, 422),
        },
    )
    async def end(request: Request, collaboration_id: str) -> JSONResponse:
        actor = acting(request)
        key = header(request, "Idempotency-Key")
        body = await read_body(request, BODY_FIELDS["end"])
        speaking = services.of(request)
        result = await run(
            lambda: speaking.end(
                collaboration_id,
                actor=actor,
                outcome=body.get("outcome"),  # type: ignore[arg-type]  # collabcore checks it
                acknowledge=body.get("acknowledge", ()),
                confirm_deletion=body.get("confirm_deletion", False),
                expected_version=body.get("expected_version"),
                idempotency_key=key,
            )
        )
        return answer(request, document(result))

    @app.post(
        "/collaborations/{collaboration_id}/schedule",
        summary="Schedule an end on a day",
        openapi_extra=SCHEDULE_BODY,
        responses={
            **success(
                {"$ref": "#/components/schemas/scheduled_answer"},
                "The request recorded, and a preview of the end as it would be carried out then.",
                201,
            ),
            **problems(400, 401, 403, 404, 409, 413, 415, 422),
        },
        status_code=201,
    )
    async def schedule(request: Request, collaboration_id: str) -> JSONResponse:
        actor = acting(request)
        body = await read_body(request, BODY_FIELDS["schedule"])
        effective = _day(body.get("effective"))
        speaking = services.of(request)
        scheduled = await run(
            lambda: speaking.schedule_end(
                collaboration_id,
                actor=actor,
                outcome=body.get("outcome"),  # type: ignore[arg-type]
                effective=effective,
                acknowledge=body.get("acknowledge", ()),
                confirm_deletion=body.get("confirm_deletion", False),
            )
        )
        data = {"request": document(scheduled.request), "preview": document(scheduled.preview)}
        return answer(request, data, 201)

    @app.post(
        "/requests/{request_id}/withdraw",
        summary="Withdraw a scheduled end (or another open request); takes no body",
        responses={
            **success(_document("request"), "The request, withdrawn."),
            **problems(400, 401, 403, 404, 409, 413, 422),
        },
    )
    async def withdraw(request: Request, request_id: str) -> JSONResponse:
        actor = acting(request)
        speaking = services.of(request)
        withdrawn = await run(lambda: speaking.withdraw(request_id, actor=actor))
        return answer(request, document(withdrawn))

    @app.get(
        "/relay/status",
        summary="How many effects the relay has still to carry out, and how many failed (operator)",
        responses={
            **success({"$ref": "#/components/schemas/relay_status"}, "The relay's counts."),
            **problems(400, 401, 403),
        },
    )
    def relay_status(request: Request) -> JSONResponse:
        if actor_of(request) is not None:
            raise cc.NotAuthorized("Only the operator sees the relay's status.")
        relay = service.relay()
        return JSONResponse({"pending": len(relay.pending()), "failed": len(relay.failed())})
