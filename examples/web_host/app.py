"""A web host for collabcore: FastAPI in front, collabcore deciding everything else.

``create_app`` puts together the JSON API (api.py), the HTML pages (pages.py, under
``/ui``), and the worker that runs the relay and the due run beside them (worker.py).
This module is the HTTP edge around them:

- every error is answered as an RFC 9457 problem document (``application/problem+json``,
  with ``document_version`` and ``Content-Language``), in the request's brand and language:
  collabcore's errors with the status each means (see docs/host-integration.md), and the
  framework's own (a route that does not exist, a method a route does not take, a query
  parameter that is not a number) in words from collabcore's catalogs (the ``http.*``
  keys). Under ``/ui`` the HTML side renders them instead (``app.state.html_error``);
- a body is JSON (415 otherwise) of at most ``MAX_BODY`` bytes (413, before it is read
  in full: ``BodyLimit``);
- ``/openapi.json`` describes every route's body and answers; ``/api`` is a page that
  links it. FastAPI's ``/docs`` and ``/redoc`` are off: they load their scripts from a
  CDN, and the host serves nothing from another machine.

Run it on a SQLite file (from a clone: ``pip install -e '.[web]'``), set up first with
``python examples/web_host setup --db collab.db``::

    COLLABCORE_DB=collab.db uvicorn examples.web_host.app:app

or on PostgreSQL (``COLLABCORE_DSN=postgresql://...``, and ``COLLABCORE_SCHEMA`` if not
collabcore's default ``collabcore``). ``COLLABCORE_BRAND`` and ``COLLABCORE_LANGUAGE`` name the
host's brand and language (visma and en by default). README.md in this folder has the rest.
"""

from __future__ import annotations

import contextlib
import html
import os
import sqlite3
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import collabcore as cc
from collabcore.adapters.documents import problem_document, schema
from collabcore.app.problems import MEDIA_TYPE, Problem
from collabcore.domain.errors import SchemaVersionError

from .api import (
    HOST_PROBLEMS,
    MAX_ACKNOWLEDGEMENTS,
    MAX_BODY,
    BadRequest,
    EdgeProblem,
    Services,
    Unauthenticated,
    install_api,
)
from .identity import negotiate
from .pages import install_pages
from .sandbox import Sandbox
from .worker import Worker

__all__ = [
    "MAX_ACKNOWLEDGEMENTS",
    "MAX_BODY",
    "BodyTooLarge",
    "Unauthenticated",
    "check_database",
    "create_app",
    "negotiate",
]

HtmlError = Callable[[Request, int, dict[str, Any]], Response]
"""``app.state.html_error``, set by the HTML side: renders a problem as a page."""


class BodyTooLarge(StarletteHTTPException):
    """Raised while a body is read once it has passed ``MAX_BODY`` bytes. An HTTPException,
    so that FastAPI's own body reading (a form's) passes it on instead of answering 400."""

    def __init__(self) -> None:
        super().__init__(413)


class BodyLimit:
    """ASGI middleware: a request body of more than ``limit`` bytes is refused with 413.

    A ``Content-Length`` over the limit is answered at once, before the application runs;
    a body without one (chunked) is counted as it is read, and reading stops with
    :class:`BodyTooLarge` at the first chunk past the limit, so a 50 MB upload costs no more
    than 64 KiB of memory. Covers every route, the HTML forms included."""

    def __init__(self, app: ASGIApp, *, limit: int, refuse: Callable[[Request], Awaitable[Response]]) -> None:
        self.app = app
        self.limit = limit
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = [value for name, value in scope["headers"] if name.lower() == b"content-length"]
        if any(value.strip().isdigit() and int(value) > self.limit for value in declared):
            response = await self.refuse(Request(scope))
            await response(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge
            return message

        await self.app(scope, counted, send)


def _under_ui(path: str) -> bool:
    return path == "/ui" or path.startswith("/ui/")


_REASONS = {
    "int_parsing": "not_a_whole_number",
    "int_from_float": "not_a_whole_number",
    "int_type": "not_a_whole_number",
    "bool_parsing": "not_true_or_false",
    "bool_type": "not_true_or_false",
    "missing": "missing",
}
"""The framework's (pydantic's) kinds of complaint, and the ``http.*`` text that tells each."""


def _reason(error: RequestValidationError) -> BadRequest:
    """The framework's first complaint about a query, path or header parameter, as the
    edge's own: the text key that tells it in the request's language."""
    first = error.errors()[0] if error.errors() else {}
    location = [str(part) for part in first.get("loc", ())]
    name = location[-1] if len(location) > 1 else "request"
    key = _REASONS.get(str(first.get("type", "")), "invalid_value")
    return BadRequest(key, name, name=name)


def create_app(
    service: cc.CollaborationService, *, sandbox: Sandbox | None = None, worker: Worker | None = None
) -> FastAPI:
    """The host over ``service``: the JSON API, the HTML pages (with ``sandbox``'s facts
    page when given), and ``worker`` started and stopped with the application."""
    services = Services(service)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if worker is not None:
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                await run_in_threadpool(worker.stop)  # it waits for the running pass to end
            close_host: Callable[[], None] | None = getattr(app.state, "close_host", None)
            if close_host is not None:
                close_host()

    app = FastAPI(
        title="collabcore web host example",
        version=cc.__version__,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )

    def render(request: Request, status: int, document: dict[str, Any], headers: dict[str, str]) -> Response:
        html_error: HtmlError | None = getattr(app.state, "html_error", None)
        if html_error is not None and _under_ui(request.url.path):
            return html_error(request, status, document)
        return JSONResponse(document, status, headers=headers, media_type=MEDIA_TYPE)

    def collabcores(request: Request, error: cc.CollabCoreError) -> Response:
        answer = services.telling(request).problem(error, instance=request.url.path)
        return render(request, answer.status, problem_document(answer.to_dict()), answer.headers)

    def hosts(
        request: Request,
        status: int,
        key: str,
        slug: str,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> Response:
        words = services.telling(request).localizer
        answer = Problem(
            type=f"{HOST_PROBLEMS}{slug}",
            title=words.text(f"http.{key}"),
            status=status,
            detail=words.text(f"http.{key}.detail", **params),
            language=words.language,
            instance=request.url.path,
        )
        return render(
            request, status, problem_document(answer.to_dict()), {**answer.headers, **(headers or {})}
        )

    async def too_large(request: Request) -> Response:
        return hosts(request, 413, "too_large", "too-large", count=MAX_BODY)

    app.add_middleware(BodyLimit, limit=MAX_BODY, refuse=too_large)

    @app.exception_handler(cc.CollabCoreError)
    async def collabcore_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, cc.CollabCoreError)
        return collabcores(request, error)

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, error: Exception) -> Response:
        assert isinstance(error, BadRequest)
        return collabcores(request, error.error(services.telling(request).localizer))

    @app.exception_handler(EdgeProblem)
    async def edge_problem(request: Request, error: Exception) -> Response:
        assert isinstance(error, EdgeProblem)
        return hosts(request, error.status, error.key, error.slug, error.headers, **error.params)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: Exception) -> Response:
        # The framework's own checks (a malformed query parameter) answer as collabcore's
        # do: a 400 naming the field, not FastAPI's 422, which here means the rules refused.
        assert isinstance(error, RequestValidationError)
        return await bad_request(request, _reason(error))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        status = error.status_code
        if status == 404:
            # Not collabcore's not_found ("Nothing with that id is visible to you"): the route
            # itself does not exist, and a client should be told so, not to check its ids.
            return hosts(request, 404, "route_not_found", "route-not-found")
        if status == 405:
            allowed = dict(error.headers or {}).get("Allow", "")
            return hosts(
                request,
                405,
                "method_not_allowed",
                "method-not-allowed",
                {"Allow": allowed},
                value=request.method,
                choices=allowed,
            )
        if status == 413:
            return await too_large(request)
        words = services.telling(request).localizer
        answer = Problem(
            type="about:blank",
            title=HTTPStatus(status).phrase,
            status=status,
            detail=str(error.detail),
            language=words.language,
            instance=request.url.path,
        )
        return render(
            request, status, problem_document(answer.to_dict()), {**answer.headers, **(error.headers or {})}
        )

    @app.exception_handler(Exception)
    async def server_error(request: Request, error: Exception) -> Response:
        # A bug: answered as collabcore's server error (nothing internal told); Starlette
        # raises the exception on afterwards, so the server logs it.
        return collabcores(request, cc.CollabCoreError("An unexpected error."))

    install_api(app, services)
    api_routes = list(app.routes)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _openapi(
                app, [r for r in api_routes if getattr(r, "include_in_schema", True)]
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customize it

    @app.get("/api", include_in_schema=False, response_class=HTMLResponse)
    def api_page() -> HTMLResponse:
        return HTMLResponse(_api_page(openapi()))

    install_pages(app, service, sandbox)
    return app


# --- the OpenAPI document -----------------------------------------------------------------


def _hoisted(name: str, into: dict[str, Any]) -> dict[str, Any]:
    """collabcore's JSON Schema of document ``name`` as an OpenAPI component: its ``$defs``
    moved into the components (one name, one shape, for all documents) and its references
    pointed at them."""
    found = schema(name)
    for def_name, definition in found.get("$defs", {}).items():
        moved = _pointed(definition)
        if into.setdefault(def_name, moved) != moved:
            raise ValueError(f"Two shapes named {def_name} in collabcore's documents.")
    hoisted: dict[str, Any] = _pointed(
        {k: v for k, v in found.items() if k not in ("$schema", "$id", "$defs")}
    )
    return hoisted


def _pointed(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: v.replace("#/$defs/", "#/components/schemas/") if k == "$ref" else _pointed(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_pointed(v) for v in value]
    return value


def _openapi(app: FastAPI, routes: list[Any]) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=(
            "collabcore's example host. Every error is an RFC 9457 problem document "
            "(`application/problem+json`) in the brand of `X-Brand` and the language of "
            f"`Accept-Language`. Request bodies are JSON objects of at most {MAX_BODY} bytes."
        ),
        routes=routes,
    )
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    # FastAPI's own 422 ("HTTPValidationError") would say a malformed parameter is a 422:
    # here it is a problem document with 400, and 422 means the rules refused.
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for name in ("problem", "plan", "end_result", "request", "overview_page", "scheduled"):
        schemas[f"collabcore.{name}"] = _hoisted(name, schemas)
    page = schemas["collabcore.overview_page"]
    schemas["overview"] = {
        **page,
        "properties": {**page["properties"], "next": {"type": ["string", "null"]}},
        "required": [*page["required"], "next"],
    }
    schemas["scheduled_answer"] = {
        "type": "object",
        "properties": {
            "request": {"$ref": "#/components/schemas/collabcore.request"},
            "preview": {"$ref": "#/components/schemas/collabcore.plan"},
        },
        "required": ["request", "preview"],
        "additionalProperties": False,
    }
    schemas["relay_status"] = {
        "type": "object",
        "properties": {"pending": {"type": "integer"}, "failed": {"type": "integer"}},
        "required": ["pending", "failed"],
        "additionalProperties": False,
    }
    document["components"]["securitySchemes"] = {
        "X-User": {
            "type": "apiKey",
            "in": "header",
            "name": "X-User",
            "description": "The example's stand-in for a login: office:<office id>:<user id>, "
            "customer:<customer id>:<user id>, or operator.",
        }
    }
    document["security"] = [{"X-User": []}]
    asked = [
        {
            "name": "X-Brand",
            "in": "header",
            "required": False,
            "description": "The brand to answer in (visma, spiris); by default the service's.",
            "schema": {"type": "string"},
        },
        {
            "name": "Accept-Language",
            "in": "header",
            "required": False,
            "description": "The language to answer in (en, sv), negotiated with q-values.",
            "schema": {"type": "string"},
        },
    ]
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            operation["parameters"] = [*operation.get("parameters", []), *asked]
            for status in list(operation.get("responses", {})):
                if "ValidationError" in str(operation["responses"][status]):
                    del operation["responses"][status]
    return document


def _api_page(openapi: dict[str, Any]) -> str:
    """A page for people: the routes, and the OpenAPI document to load into a tool. Nothing
    on it comes from another machine."""
    rows = "\n".join(
        f"<tr><td><code>{html.escape(method.upper())}</code></td><td><code>{html.escape(path)}</code>"
        f"</td><td>{html.escape(operation.get('summary', ''))}</td></tr>"
        for path, operations in openapi.get("paths", {}).items()
        for method, operation in operations.items()
    )
    return f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{html.escape(openapi["info"]["title"])}: the JSON API</title></head>
<body>
<main>
<h1>The JSON API</h1>
<p>The <a href="/openapi.json">OpenAPI document</a> describes every route, its body and its
answers; load it into any OpenAPI tool. Errors are problem documents
(<code>application/problem+json</code>) in the language of <code>Accept-Language</code>.
The pages for people are under <a href="/ui">/ui</a>.</p>
<table>
<caption>Routes</caption>
<thead><tr><th scope="col">method</th><th scope="col">path</th><th scope="col">what it does</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</main>
</body>
</html>
"""


# --- start-up -----------------------------------------------------------------------------

_SQLITE_HEADER = b"SQLite format 3\x00"


def check_database(path: str, *, brand: str = "visma", language: str = "en") -> str | None:
    """Why the SQLite file at ``path`` cannot be the host's database, in collabcore's own words
    (those the ``collabcore`` command line tells), or None when it can be: a collabcore
    database, or none yet in a folder that exists (the set-up command makes it there). An
    empty file, a file that is not SQLite, and someone else's SQLite database are refused
    rather than written into. Only looks: opens the file read-only, if at all."""
    words = cc.default_texts().localizer(brand, language)
    file = Path(path)
    try:
        if not file.exists():
            if not file.parent.is_dir():
                return words.text("cli.db.no_folder", path=path, folder=str(file.parent))
            return None
        if file.is_dir():
            return words.text("cli.db.folder", path=path)
        with file.open("rb") as opened:
            start = opened.read(len(_SQLITE_HEADER))
    except OSError:
        return words.text("cli.db.unreadable", path=path)
    if not start:
        return words.text("cli.db.empty", path=path)
    if start != _SQLITE_HEADER:
        return words.text("cli.db.not_sqlite", path=path)
    location = urllib.parse.quote(os.path.abspath(file))
    try:
        with contextlib.closing(sqlite3.connect(f"file:{location}?mode=ro", uri=True, timeout=5)) as look:
            tables = {row[0] for row in look.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error:
        return words.text("cli.db.unreadable", path=path)
    if "collabcore_meta" not in tables:
        return words.text("cli.db.not_collabcore", path=path)
    return None


def _from_environment() -> FastAPI:
    from .host import open_host  # on first use: importing this module opens nothing

    dsn = os.environ.get("COLLABCORE_DSN") or None
    db = None if dsn else os.environ.get("COLLABCORE_DB", "collabcore.db")
    if db is not None:
        refused = check_database(db)
        if refused is not None:
            raise SystemExit(refused)
    try:
        host = open_host(
            db=db,
            dsn=dsn,
            schema=os.environ.get("COLLABCORE_SCHEMA") or None,
            brand=os.environ.get("COLLABCORE_BRAND") or "visma",
            language=os.environ.get("COLLABCORE_LANGUAGE") or "en",
        )
    except SchemaVersionError:
        words = cc.default_texts().localizer("visma", "en")
        raise SystemExit(words.text("cli.db.version", path=db or "COLLABCORE_DSN")) from None
    except cc.CollabCoreError as error:
        raise SystemExit(str(error)) from None
    app = create_app(host.service, sandbox=host.sandbox, worker=host.worker)
    app.state.close_host = host.close
    return app


def __getattr__(name: str) -> FastAPI:
    # ``uvicorn examples.web_host.app:app`` asks for it; importing the module makes no file.
    if name != "app":
        raise AttributeError(name)
    return _from_environment()
