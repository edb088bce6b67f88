"""examples/web_host through FastAPI's test client, on a SQLite file and on PostgreSQL, in
both brands and both languages: the HTTP answers a host's users get, at the edge too (a body
that is not JSON, too large, a header sent twice, a route that does not exist), and the
OpenAPI document that describes them."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import collabcore as cc
from collabcore.adapters.documents import schema
from collabcore.ports import Store
from collabcore.testing import World

fastapi_testclient = pytest.importorskip("fastapi.testclient", reason="the web example needs collabcore[web]")
from fastapi import Request  # noqa: E402
from fastapi.responses import HTMLResponse, Response  # noqa: E402
from jsonschema import Draft202012Validator  # noqa: E402

# The example is a package with relative imports between its modules, imported as a package:
# as web_host, its parent folder on the path, as `python examples/web_host serve` runs it and
# as tests/browser imports it (one name in one process, and the one mypy checks it under);
# as examples.web_host from the repository's root, uvicorn's way, in a test of its own below.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "examples") not in sys.path:
    sys.path.insert(0, str(ROOT / "examples"))

import web_host.app as web_host  # noqa: E402
from web_host import api  # noqa: E402
from web_host.worker import Worker  # noqa: E402

OFFICE = {"X-User": "office:office-1:admin"}
OTHER_OFFICE = {"X-User": "office:office-2:admin"}
CUSTOMER_ADMIN = {"X-User": "customer:customer-1:boss"}
CUSTOMER_STAFF = {"X-User": "customer:customer-1:staff"}


@pytest.fixture
def store(file_store: Store) -> Store:
    return file_store


@pytest.fixture
def world(store: Store) -> World:
    world = World(store)
    world.office()
    world.office("office-2")
    world.customer(main_contact=False)
    world.collaboration(cc.EXPENSES)
    world.collaboration(cc.PAYROLL)
    world.collaboration(cc.BOOKKEEPING, office_id="office-2", customer_id=world.customer("customer-2").id)
    world.fakes.set_facts("customer-1", unsubmitted_reports=1)
    return world


@pytest.fixture
def client(world: World) -> Any:
    return fastapi_testclient.TestClient(web_host.create_app(world.service), raise_server_exceptions=True)


def valid(name: str, data: Any) -> None:
    validator = Draft202012Validator(schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(data)]
    assert not errors, errors[:3]


def problem(response: Any, status: int) -> dict[str, Any]:
    """The problem document of ``response``, checked: its status, its media type, its schema
    (``document_version`` and all) and the language it is told in."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["content-language"] in ("en", "sv")
    body: dict[str, Any] = response.json()
    valid("problem", body)
    assert body["status"] == status
    return body


def words(brand: str = "visma", language: str = "en") -> Any:
    return cc.default_texts().localizer(brand, language)


WORDS = [
    ("visma", "en", "Visma Utlägg", "Ending refused", "select Users and services"),
    ("visma", "sv", "Visma Utlägg", "Avslutet nekades", "välj Användare och tjänster"),
    ("spiris", "en", "Travel & Expenses", "Ending refused", "select Manage users"),
    ("spiris", "sv", "Resor & Utlägg", "Avslutet nekades", "välj Hantera användare"),
]


@pytest.mark.parametrize(("brand", "language", "product", "refused", "step"), WORDS)
def test_overview_plan_and_a_refused_end_in_the_requests_words(
    client: Any, brand: str, language: str, product: str, refused: str, step: str
) -> None:
    words = {"X-Brand": brand, "Accept-Language": f"{language};q=0.9, de;q=1.0"}
    overview = client.get("/overview", headers={**OFFICE, **words})
    assert overview.status_code == 200 and overview.headers["content-language"] == language
    valid("overview_page", {k: v for k, v in overview.json().items() if k != "next"})
    assert [c["product"] for c in overview.json()["items"][0]["collaborations"]] == ["expenses", "payroll"]

    plan = client.get("/collaborations/collab-1/plan?outcome=delete", headers={**OFFICE, **words})
    assert plan.status_code == 200
    valid("plan", plan.json())
    assert plan.json()["brand"] == brand and plan.json()["language"] == language
    assert any(product in line for line in plan.json()["effect_descriptions"])

    end = client.post("/collaborations/collab-1/end", json={"outcome": "delete"}, headers={**OFFICE, **words})
    body = problem(end, 422)
    assert end.headers["content-language"] == language
    assert body["title"] == refused and body["codes"] == ["R3", "R11", "R7"]
    assert step in body["findings"][0]["remedy"][0]
    assert body["instance"] == "/collaborations/collab-1/end"


def test_end_with_an_idempotency_key_then_replay_reuse_and_end_again(client: Any, world: World) -> None:
    world.fakes.set_facts("customer-1", unsubmitted_reports=0)
    world.service.change_role("customer-1", "staff", cc.Role.ADMINISTRATOR, actor=world.office_admin())
    world.service.set_main_contact("customer-1", "staff", actor=world.office_admin())
    body = {"outcome": "delete", "confirm_deletion": True}
    first = client.post(
        "/collaborations/collab-1/end", json=body, headers={**OFFICE, "Idempotency-Key": "k1"}
    )
    assert first.status_code == 200, first.text
    valid("end_result", first.json())
    assert first.json()["replayed"] is False and first.json()["collaboration"]["status"] == "ended"
    again = client.post(
        "/collaborations/collab-1/end", json=body, headers={**OFFICE, "Idempotency-Key": "k1"}
    )
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["event"] == first.json()["event"]
    other = {"outcome": "deactivate"}
    reused = client.post(
        "/collaborations/collab-1/end", json=other, headers={**OFFICE, "Idempotency-Key": "k1"}
    )
    assert problem(reused, 409)["type"].endswith("idempotency-key-reused")
    ended = client.post(
        "/collaborations/collab-1/end", json=body, headers={**OFFICE, "Idempotency-Key": "k2"}
    )
    assert problem(ended, 409)["type"].endswith("already-ended")
    # The relay's status is the operator's: counts only, never another party's rows.
    assert problem(client.get("/relay/status", headers=OFFICE), 403)["type"].endswith("not-authorized")
    pending = client.get("/relay/status", headers={"X-User": "operator"}).json()
    assert pending["pending"] > 0 and pending["failed"] == 0
    world.service.relay().drain()
    assert client.get("/relay/status", headers={"X-User": "operator"}).json() == {"pending": 0, "failed": 0}


def test_another_tenants_ids_answer_exactly_as_missing_ones(client: Any) -> None:
    # collab-3 is office-2's: office-1 cannot tell it from one that does not exist.
    answers = []
    for collaboration in ("collab-3", "no-such-collaboration"):
        for response in (
            client.get(f"/collaborations/{collaboration}/plan?outcome=deactivate", headers=OFFICE),
            client.post(
                f"/collaborations/{collaboration}/end", json={"outcome": "deactivate"}, headers=OFFICE
            ),
        ):
            body = problem(response, 404)
            answers.append({k: v for k, v in body.items() if k != "instance"})
    assert all(answer == answers[0] for answer in answers)
    assert "collaboration" not in answers[0]["detail"]


def test_who_may_end_is_collabcores_decision(client: Any) -> None:
    refused = client.post(
        "/collaborations/collab-1/end",
        json={"outcome": "customer_continues"},
        headers={**CUSTOMER_STAFF, "Accept-Language": "sv"},
    )
    body = problem(refused, 403)
    assert body["codes"] == ["R1"] and body["title"] == "Inte tillåtet"
    assert body["findings"][0]["remedy"], "the remedy steps come along"


@pytest.mark.parametrize(
    ("path", "content", "field"),
    [
        ("/collaborations/collab-1/end", b'{"outcome": "explode"}', "outcome"),
        ("/collaborations/collab-1/end", b'{"outcome": "delete", "sudo": true}', "sudo"),
        ("/collaborations/collab-1/end", b"not json", "body"),
        ("/collaborations/collab-1/end", b'["outcome"]', "body"),
        ("/collaborations/collab-1/end", b'{"outcome": "delete", "acknowledge": 7}', "acknowledge"),
        (
            "/collaborations/collab-1/schedule",
            b'{"outcome": "delete", "effective": "soon"}',
            "effective",
        ),
        # Python's parser would keep the last of the two; the host refuses to choose.
        ("/collaborations/collab-1/end", b'{"outcome": "deactivate", "outcome": "delete"}', "outcome"),
        # Nested deeper than the parser recurses, and a number longer than Python converts.
        ("/collaborations/collab-1/end", b"[" * 60_000, "body"),
        ("/collaborations/collab-1/end", b'{"expected_version": 1' + b"0" * 5_000 + b"}", "body"),
        ("/collaborations/collab-1/end", b'{"outcome": "delete"', "body"),
        ("/collaborations/collab-1/end", b'{"outcome": "d\xff"}', "body"),
        (
            "/collaborations/collab-1/end",
            b'{"outcome": "delete", "acknowledge": [' + b",".join([b'"R11"'] * 101) + b"]}",
            "acknowledge",
        ),
    ],
)
def test_bad_input_is_a_400_that_names_the_field_and_changes_nothing(
    client: Any, world: World, path: str, content: bytes, field: str
) -> None:
    before = world.service.get_collaboration("collab-1", actor=world.office_admin())
    answer = client.post(path, content=content, headers={**OFFICE, "Content-Type": "application/json"})
    body = problem(answer, 400)
    assert body["invalid"]["path"] == field and body["invalid"]["reason"]
    assert world.service.get_collaboration("collab-1", actor=world.office_admin()) == before


def test_a_stale_version_is_a_409(client: Any, world: World) -> None:
    world.service.set_main_contact("customer-1", "boss", actor=world.customer_admin())
    world.fakes.set_facts("customer-1", payroll_customer_is_user=True, payroll_synchronised=True)
    stale = {"outcome": "customer_continues", "expected_version": 7}
    body = problem(client.post("/collaborations/collab-2/end", json=stale, headers=CUSTOMER_ADMIN), 409)
    assert body["type"].endswith("conflict")


def test_schedule_then_the_customer_withdraws(client: Any) -> None:
    scheduled = client.post(
        "/collaborations/collab-2/schedule",
        json={"outcome": "end_subscription", "effective": "2026-12-31"},
        headers={**OFFICE, "Accept-Language": "sv"},
    )
    assert scheduled.status_code == 201, scheduled.text
    valid("request", scheduled.json()["request"])
    valid("plan", scheduled.json()["preview"])
    request_id = scheduled.json()["request"]["id"]
    assert scheduled.json()["request"]["effective_on"] == "2026-12-31"
    withdrawn = client.post(f"/requests/{request_id}/withdraw", headers=CUSTOMER_ADMIN)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert problem(client.post(f"/requests/{request_id}/withdraw", headers=OTHER_OFFICE), 404)


def test_without_a_user_the_stub_answers_401_and_a_bad_cursor_400(client: Any) -> None:
    assert problem(client.get("/overview"), 401)["type"] == "urn:example:problem:unauthenticated"
    unknown = client.get("/overview", headers={"X-User": "office::", "Accept-Language": "sv"})
    assert problem(unknown, 401)["title"] == "Inte inloggad"
    body = problem(client.get("/overview?after=%%%", headers=OFFICE), 400)
    assert body["invalid"]["path"] == "after"
    assert (
        problem(client.get("/overview", headers={**OFFICE, "X-Brand": "acme"}), 400)["title"]
        == "Invalid request"
    )


def test_pages_follow_the_cursor(client: Any, world: World) -> None:
    for n in range(3, 8):
        world.customer(f"customer-{n}")
        world.collaboration(cc.EXPENSES, customer_id=f"customer-{n}")
    seen, after = [], None
    while True:
        page = client.get(
            "/overview", params={"limit": 2, **({"after": after} if after else {})}, headers=OFFICE
        )
        assert page.status_code == 200
        seen += [item["customer"]["id"] for item in page.json()["items"]]
        after = page.json()["next"]
        if after is None:
            break
    assert sorted(seen) == sorted(["customer-1", *(f"customer-{n}" for n in range(3, 8))])
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("sv-SE,sv;q=0.9,en;q=0.8", "sv"),
        ("de, fr;q=0.5", "en"),
        ("en;q=0.1, sv;q=0.5", "sv"),
        ("sv;q=0", "en"),
        ("sv;q=banana, en", "en"),
        (None, "en"),
    ],
)
def test_accept_language_is_negotiated(header: str | None, chosen: str) -> None:
    assert web_host.negotiate(header, ("en", "sv"), "en") == chosen


hostile = st.text(max_size=40) | st.sampled_from(
    ["collab-1", "collab-3", "../../etc", "' OR 1=1 --", "\x00", "é" * 300]
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    collaboration=st.sampled_from(["collab-1", "collab-2"]) | hostile,
    user=st.just("admin") | hostile,
    language=hostile,
    key=st.none() | hostile,
    body=st.just({})
    | st.dictionaries(
        st.sampled_from(["outcome", "acknowledge", "confirm_deletion", "expected_version", "effective", "x"]),
        json_values,
        max_size=4,
    ),
    route=st.sampled_from(["end", "schedule", "plan"]),
    outcome=st.sampled_from([o.value for o in cc.Outcome]),
)
def test_hostile_requests_get_a_problem_never_a_crash(
    client: Any,
    collaboration: str,
    user: str,
    language: str,
    key: str | None,
    body: dict[str, Any],
    route: str,
    outcome: str,
) -> None:
    body = {"outcome": outcome, **body} if "outcome" not in body else body
    headers = {"X-User": f"office:office-1:{user}", "Accept-Language": language}
    if key is not None:
        headers["Idempotency-Key"] = key
    # Any bytes a client can put in a header: UTF-8 and all, but no line breaks or NULs.
    raw = {
        k: "".join(c for c in v if c >= " " and c != "\x7f").encode("utf-8", "replace")
        for k, v in headers.items()
    }
    path = f"/collaborations/{quote(collaboration, safe='')}/{route}"
    if route == "plan":
        answer = client.get(path, params={"outcome": str(body.get("outcome"))}, headers=raw)
    else:
        answer = client.post(path, json=body, headers=raw)
    event(f"{route} {answer.status_code}")
    assert answer.status_code in (200, 201, 400, 401, 403, 404, 409, 422), answer.text
    if answer.status_code >= 400:
        problem(answer, answer.status_code)
    # Whatever the answer, the OpenAPI document told it: its status and its shape.
    template = f"/collaborations/{{collaboration_id}}/{route}"
    conforms(OPENAPI, "get" if route == "plan" else "post", template, answer)


@pytest.mark.parametrize("where", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_uvicorn_finds_the_app_on_the_database_it_is_told(
    where: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from web_host.story import PEOPLE, set_up

    monkeypatch.delenv("COLLABCORE_DSN", raising=False)
    monkeypatch.delenv("COLLABCORE_SCHEMA", raising=False)
    if where == "sqlite":
        served = tmp_path / "served.db"
        monkeypatch.setenv("COLLABCORE_DB", str(served))
        with pytest.raises(SystemExit, match="setup"):
            _ = web_host.app  # nothing set up there yet: told so, in one line
        assert not served.exists(), "a missing database is not made by serving it"
        set_up(served)
    else:
        dsn, schema_name = request.getfixturevalue("postgres_dsn"), request.getfixturevalue("postgres_schema")
        monkeypatch.setenv("COLLABCORE_DSN", dsn)
        monkeypatch.setenv("COLLABCORE_SCHEMA", schema_name)
        monkeypatch.setenv("COLLABCORE_DB", str(tmp_path / "not-this.db"))
        set_up(dsn, schema=schema_name)
    with fastapi_testclient.TestClient(web_host.app) as client:
        office = {"X-User": PEOPLE[0][0]}
        page = client.get("/overview", headers=office)
        assert page.status_code == 200, page.text
        assert page.json()["items"], "the story's customers"
        assert client.get("/relay/status", headers={"X-User": "operator"}).status_code == 200
    assert not (tmp_path / "not-this.db").exists()
    with pytest.raises(AttributeError):
        _ = web_host.nothing


# --- the HTTP edge -----------------------------------------------------------------------

OPENAPI: dict[str, Any] = (
    fastapi_testclient.TestClient(web_host.create_app(cc.CollaborationService(cc.MemoryStore())))
    .get("/openapi.json")
    .json()
)
END = "/collaborations/collab-1/end"
DELETE = b'{"outcome": "delete", "confirm_deletion": true}'


def conforms(openapi: dict[str, Any], method: str, template: str, response: Any) -> None:
    """``response`` is one the OpenAPI document declares for the operation: its status (a
    5xx may be ``default``), its media type, and a body its schema accepts."""
    responses = openapi["paths"][template][method]["responses"]
    status = str(response.status_code)
    assert status in responses or (int(status) >= 500 and "default" in responses), (method, template, status)
    declared = responses.get(status, responses.get("default"))
    media = response.headers["content-type"].split(";")[0]
    assert media in declared["content"], (template, status, media)
    schema = {**declared["content"][media]["schema"], "components": openapi["components"]}
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(response.json())]
    assert not errors, (template, status, errors[:3])


@pytest.fixture
def endable(world: World) -> World:
    """collab-1 (Expenses) can be deleted by office-1 with DELETE: so a request refused at the
    edge is told apart from one that ends it, and "nothing changed" means something."""
    world.fakes.set_facts("customer-1", unsubmitted_reports=0)
    world.service.change_role("customer-1", "staff", cc.Role.ADMINISTRATOR, actor=world.office_admin())
    world.service.set_main_contact("customer-1", "staff", actor=world.office_admin())
    return world


def collab_1(world: World) -> cc.Collaboration:
    return world.service.get_collaboration("collab-1", actor=world.office_admin())


def test_the_same_body_as_json_ends_the_collaboration(client: Any, endable: World) -> None:
    # The control for the refusals below: what they refuse is a request that would succeed.
    answer = client.post(END, content=DELETE, headers={**OFFICE, "Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text
    assert collab_1(endable).status == cc.Status.ENDED


def test_json_based_media_types_and_an_empty_body_are_accepted(client: Any, endable: World) -> None:
    # application/*+json is JSON; a charset parameter changes nothing. An empty body with no
    # type is {} (no outcome: collabcore names the field), as before.
    empty = client.post(END, headers=OFFICE)
    assert problem(empty, 400)["invalid"]["path"] == "outcome"
    typed = {**OFFICE, "Content-Type": "application/merge-patch+json; charset=utf-8"}
    assert client.post(END, content=DELETE, headers=typed).status_code == 200


not_json_types = st.sampled_from(
    [
        "text/plain",
        "text/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/jsonp",
        "application/json-seq",
        "json",
        "",
    ]
) | st.from_regex(r"[a-z]{1,12}/[a-z0-9.+-]{1,20}(; ?[a-z]+=[a-z0-9-]+)?", fullmatch=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content_type=not_json_types.filter(lambda kind: not api.is_json(kind)))
def test_a_body_not_sent_as_json_is_415_and_changes_nothing(
    client: Any, endable: World, content_type: str
) -> None:
    before = collab_1(endable)
    answer = client.post(END, content=DELETE, headers={**OFFICE, "Content-Type": content_type})
    body = problem(answer, 415)
    assert body["type"] == "urn:example:problem:unsupported-media-type"
    conforms(OPENAPI, "post", "/collaborations/{collaboration_id}/end", answer)
    assert collab_1(endable) == before


def test_a_body_without_a_content_type_is_415(client: Any, endable: World) -> None:
    answer = client.post(END, content=DELETE, headers={**OFFICE, "Accept-Language": "sv"})
    assert problem(answer, 415)["title"] == "Medietypen stöds inte"
    assert collab_1(endable).status == cc.Status.ACTIVE


def _chunks(body: bytes, size: int = 4096) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    extra=st.integers(min_value=1, max_value=3 * api.MAX_BODY),
    chunked=st.booleans(),
    route=st.sampled_from(["end", "schedule"]),
)
def test_a_body_over_the_limit_is_413_and_changes_nothing(
    client: Any, endable: World, extra: int, chunked: bool, route: str
) -> None:
    # Valid JSON that would end the collaboration: only its size is wrong (whitespace).
    body = DELETE + b" " * (api.MAX_BODY - len(DELETE) + extra)
    before = collab_1(endable)
    headers = {**OFFICE, "Content-Type": "application/json", "Accept-Language": "sv"}
    # A generator is sent without Content-Length (chunked): counted as it is read.
    content: Any = _chunks(body) if chunked else body
    answer = client.post(f"/collaborations/collab-1/{route}", content=content, headers=headers)
    refused = problem(answer, 413)
    assert refused["type"] == "urn:example:problem:too-large"
    assert refused["detail"] == words("visma", "sv").text("http.too_large.detail", count=api.MAX_BODY)
    assert collab_1(endable) == before


def test_a_body_of_exactly_the_limit_is_read(client: Any, endable: World) -> None:
    body = DELETE + b" " * (api.MAX_BODY - len(DELETE))
    answer = client.post(END, content=body, headers={**OFFICE, "Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text


def _asgi(app: Any, headers: list[tuple[bytes, bytes]], chunks: Iterator[bytes]) -> tuple[int, int]:
    """POST ``chunks`` to END straight through ASGI, as a server streams a body: the status
    answered and how many chunks the application asked for."""
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": END,
        "raw_path": END.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"x-user", OFFICE["X-User"].encode()), (b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    # In a thread of its own: a test before this one (Playwright's) may hold this thread's loop.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, app(scope, receive, send)).result()
    return sent[0]["status"], pulled


def test_12_mb_of_acknowledgements_and_50_mb_are_refused_unread(world: World) -> None:
    app = web_host.create_app(world.service)
    # 2,000,000 acknowledgements (12 MB), streamed: reading stops at the first chunk past the
    # limit, so the host holds at most 64 KiB of it and never parses it.
    acknowledgements = b'{"outcome": "delete", "acknowledge": [' + b'"R11", ' * 1_999_999 + b'"R11"]}'
    assert len(acknowledgements) > 12_000_000
    status, pulled = _asgi(app, [(b"transfer-encoding", b"chunked")], _chunks(acknowledgements))
    assert status == 413
    assert pulled * 4096 <= api.MAX_BODY + 4096
    # 50 MB announced by Content-Length: answered before a byte of it is read.
    huge = (b" " * 4096 for _ in range(50 * 256))
    status, pulled = _asgi(app, [(b"content-length", str(50 * 2**20).encode())], huge)
    assert (status, pulled) == (413, 0)
    # The same through an HTTP client, whole.
    client = fastapi_testclient.TestClient(app)
    for body in (acknowledgements, b" " * (50 * 2**20)):
        answer = client.post(END, content=body, headers={**OFFICE, "Content-Type": "application/json"})
        assert problem(answer, 413)["instance"] == END


def test_too_many_acknowledgements_in_a_plan_s_query_are_400(client: Any) -> None:
    many = [("outcome", "delete")] + [("acknowledge", "R11")] * (api.MAX_ACKNOWLEDGEMENTS + 1)
    refused = problem(client.get("/collaborations/collab-1/plan", params=many, headers=OFFICE), 400)
    assert refused["invalid"]["path"] == "acknowledge"
    enough = many[: api.MAX_ACKNOWLEDGEMENTS + 1]
    assert client.get("/collaborations/collab-1/plan", params=enough, headers=OFFICE).status_code == 200


@pytest.mark.parametrize("name", ["Idempotency-Key", "X-User", "X-Brand"])
@pytest.mark.parametrize(("brand", "language"), [("visma", "en"), ("spiris", "sv")])
def test_a_header_sent_twice_is_400_naming_it_and_changes_nothing(
    client: Any, endable: World, name: str, brand: str, language: str
) -> None:
    headers = {**OFFICE, "X-Brand": brand, "Accept-Language": language, "Content-Type": "application/json"}
    values = {"Idempotency-Key": ["k1", "k2"], "X-User": [OFFICE["X-User"]] * 2, "X-Brand": [brand] * 2}
    raw = [(k, v) for k, v in headers.items() if k != name] + [(name, v) for v in values[name]]
    before = collab_1(endable)
    refused = problem(client.post(END, content=DELETE, headers=raw), 400)
    assert refused["invalid"] == {
        "path": name,
        "reason": words(brand, language).text("http.repeated_header", name=name, count=2),
    }
    assert refused["title"] == words(brand, language).text("problem.invalid_input")
    assert collab_1(endable) == before
    # Sent once, the same request ends it.
    assert client.post(END, content=DELETE, headers=headers).status_code == 200


def test_accept_language_sent_twice_is_one_list(client: Any) -> None:
    # RFC 9110: a list-valued header repeated is its values joined; nothing to refuse.
    raw = [("X-User", OFFICE["X-User"]), ("Accept-Language", "de"), ("Accept-Language", "sv;q=0.5")]
    assert client.get("/overview", headers=raw).headers["content-language"] == "sv"


@pytest.mark.parametrize(("brand", "language"), [(brand, language) for brand, language, *_ in WORDS])
def test_framework_errors_are_problems_in_the_request_s_words(client: Any, brand: str, language: str) -> None:
    said = words(brand, language)
    asked = {**OFFICE, "X-Brand": brand, "Accept-Language": language}

    route = client.get("/no/such/route", headers=asked)
    body = problem(route, 404)
    assert route.headers["content-language"] == language
    assert body["type"] == "urn:example:problem:route-not-found" and body["instance"] == "/no/such/route"
    assert (body["title"], body["detail"]) == (
        said.text("http.route_not_found"),
        said.text("http.route_not_found.detail"),
    )
    # Not collabcore's not-found, which says the id is not visible: the route itself is not there.
    missing = problem(client.get("/collaborations/nope/plan?outcome=delete", headers=asked), 404)
    assert missing["detail"] == said.text("problem.not_found.detail") != body["detail"]

    wrong = client.put("/overview", headers=asked)
    body = problem(wrong, 405)
    assert wrong.headers["allow"] == "GET" and wrong.headers["content-language"] == language
    assert body["detail"] == said.text("http.method_not_allowed.detail", value="PUT", choices="GET")

    for query, name, key in [
        ("/overview?limit=abc", "limit", "http.not_a_whole_number"),
        (
            "/collaborations/collab-1/plan?outcome=delete&confirm_deletion=maybe",
            "confirm_deletion",
            "http.not_true_or_false",
        ),
        ("/collaborations/collab-1/plan", "outcome", "http.missing"),
        ("/overview?after=%25%25%25", "after", "http.not_a_cursor"),
    ]:
        answer = client.get(query, headers=asked)
        body = problem(answer, 400)
        assert answer.headers["content-language"] == language
        assert body["invalid"] == {"path": name, "reason": said.text(key, name=name)}, query
        assert body["detail"] == said.text("problem.invalid_input.at", path=name)
    if language == "sv":
        assert body["title"] == "Ogiltig begäran"
        assert problem(client.get("/overview?limit=abc", headers=asked), 400)["invalid"]["reason"] == (
            "limit måste vara ett heltal, till exempel 20."
        )


def test_the_openapi_document_describes_every_body_and_every_problem(client: Any) -> None:
    openapi = client.get("/openapi.json").json()
    assert openapi == OPENAPI, "the document does not depend on the store"
    assert openapi["openapi"].startswith("3.1")
    assert "ValidationError" not in str(openapi), "no framework 422 left"
    operations = {
        (method, path): operation
        for path, methods in openapi["paths"].items()
        for method, operation in methods.items()
    }
    assert set(operations) == {
        ("get", "/overview"),
        ("get", "/collaborations/{collaboration_id}/plan"),
        ("post", "/collaborations/{collaboration_id}/end"),
        ("post", "/collaborations/{collaboration_id}/schedule"),
        ("post", "/requests/{request_id}/withdraw"),
        ("get", "/relay/status"),
    }, "the JSON API only: no HTML page, no static file"
    for name in ("end", "schedule"):
        body = operations["post", f"/collaborations/{{collaboration_id}}/{name}"]["requestBody"]
        described = body["content"]["application/json"]["schema"]
        assert set(described["properties"]) == api.BODY_FIELDS[name]
        assert described["additionalProperties"] is False and described["required"] == ["outcome"]
        assert described["properties"]["acknowledge"]["maxItems"] == api.MAX_ACKNOWLEDGEMENTS
        assert set(described["properties"]["outcome"]["enum"]) == {o.value for o in cc.Outcome}
    assert "requestBody" not in operations["post", "/requests/{request_id}/withdraw"]
    problem_ref = {"$ref": "#/components/schemas/collabcore.problem"}
    for (method, path), operation in operations.items():
        errors = {s: r for s, r in operation["responses"].items() if not s.startswith("2")}
        assert {"400", "401", "default"} <= set(errors), (method, path)
        for status, response in errors.items():
            assert response["content"] == {"application/problem+json": {"schema": problem_ref}}, status
        if method == "post":
            assert "413" in errors, path
    for name in ("end", "schedule"):
        statuses = set(operations["post", f"/collaborations/{{collaboration_id}}/{name}"]["responses"])
        assert {"403", "404", "409", "413", "415", "422"} <= statuses
    # Every schema is a valid JSON Schema and every reference points at one that exists.
    components = openapi["components"]["schemas"]
    for definition in components.values():
        Draft202012Validator.check_schema(definition)

    def refs(value: Any) -> Iterator[str]:
        if isinstance(value, dict):
            for key, inner in value.items():
                yield from [inner] if key == "$ref" else refs(inner)
        elif isinstance(value, list):
            for inner in value:
                yield from refs(inner)

    for ref in set(refs(openapi)):
        assert ref.startswith("#/components/schemas/") and ref.rpartition("/")[2] in components, ref


def test_the_answers_are_those_the_openapi_document_declares(client: Any, endable: World) -> None:
    plan = client.get("/collaborations/collab-1/plan?outcome=delete", headers=OFFICE)
    conforms(OPENAPI, "get", "/collaborations/{collaboration_id}/plan", plan)
    overview = client.get("/overview", headers=OFFICE)
    conforms(OPENAPI, "get", "/overview", overview)
    scheduled = client.post(
        "/collaborations/collab-2/schedule",
        json={"outcome": "end_subscription", "effective": "2026-12-31"},
        headers=OFFICE,
    )
    conforms(OPENAPI, "post", "/collaborations/{collaboration_id}/schedule", scheduled)
    withdrawn = client.post(f"/requests/{scheduled.json()['request']['id']}/withdraw", headers=OFFICE)
    conforms(OPENAPI, "post", "/requests/{request_id}/withdraw", withdrawn)
    ended = client.post(END, content=DELETE, headers={**OFFICE, "Content-Type": "application/json"})
    conforms(OPENAPI, "post", "/collaborations/{collaboration_id}/end", ended)
    status = client.get("/relay/status", headers={"X-User": "operator"})
    conforms(OPENAPI, "get", "/relay/status", status)


class _Sources(HTMLParser):
    """Every address a page makes the browser load or follow."""

    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "action", "srcset", "poster", "data") and value:
                self.addresses.append(value)


def test_the_api_page_and_no_cdn_offline(client: Any) -> None:
    # FastAPI's Swagger UI and ReDoc load their scripts from a CDN: off, answered as routes
    # that do not exist; /api is a page of the host's own that links the OpenAPI document.
    for gone in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        assert problem(client.get(gone), 404)["type"] == "urn:example:problem:route-not-found"
    page = client.get("/api")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    found = _Sources()
    found.feed(page.text)
    assert "/openapi.json" in found.addresses
    for operation in ("/collaborations/{collaboration_id}/end", "/relay/status"):
        assert f"<code>{operation}</code>" in page.text
    for address in found.addresses:
        assert urlsplit(address).netloc in ("", "testserver"), address
    assert "http://" not in page.text and "https://" not in page.text


def test_errors_under_ui_are_the_html_side_s_to_render(world: World) -> None:
    app = web_host.create_app(world.service)
    rendered: list[tuple[str, int, dict[str, Any]]] = []

    def html_error(request: Request, status: int, problem: dict[str, Any]) -> Response:
        rendered.append((request.url.path, status, problem))
        return HTMLResponse(f"<h1>{problem['title']}</h1>", status)

    app.state.html_error = html_error

    @app.get("/ui/edge-test/{collaboration_id}")
    def page(collaboration_id: str) -> str:
        return str(world.service.get_collaboration(collaboration_id, actor=world.office_admin()).status)

    client = fastapi_testclient.TestClient(app)
    asked = {"Accept-Language": "sv"}
    assert client.get("/ui/edge-test/collab-1").status_code == 200
    for method, path, status, kind, title in [
        ("GET", "/ui/edge-test/collab-3", 404, "urn:collabcore:problem:not-found", "problem.not_found"),
        ("GET", "/ui/no/such/page", 404, "urn:example:problem:route-not-found", "http.route_not_found"),
        (
            "DELETE",
            "/ui/edge-test/collab-1",
            405,
            "urn:example:problem:method-not-allowed",
            "http.method_not_allowed",
        ),
        ("POST", "/ui/edge-test/collab-1", 413, "urn:example:problem:too-large", "http.too_large"),
    ]:
        content = b" " * (api.MAX_BODY + 1) if status == 413 else None
        answer = client.request(method, path, headers=asked, content=content)
        assert answer.status_code == status and answer.headers["content-type"].startswith("text/html")
        seen_path, seen_status, seen = rendered[-1]
        assert (seen_path, seen_status, seen["type"]) == (path, status, kind)
        valid("problem", seen)
        assert seen["title"] == words("visma", "sv").text(title)
        assert answer.text == f"<h1>{seen['title']}</h1>"
    # Beside /ui (and at /uix, which is not under it) the API answers problem documents.
    count = len(rendered)
    for path in ("/uix/nope", "/no/such/route"):
        assert problem(client.get(path), 404)["type"] == "urn:example:problem:route-not-found"
    assert len(rendered) == count


class _Recording(Worker):
    """A worker that only records being started and stopped."""

    def __init__(self, calls: list[str]) -> None:  # the real worker's set-up is not wanted
        self.calls = calls

    def start(self) -> None:
        self.calls.append("start")

    def stop(self, timeout: float = 5.0) -> None:
        self.calls.append("stop")


def test_the_worker_runs_while_the_application_does(world: World) -> None:
    calls: list[str] = []
    app = web_host.create_app(world.service, worker=_Recording(calls))
    app.state.close_host = lambda: calls.append("close")
    client = fastapi_testclient.TestClient(app)
    assert calls == []
    with client:
        assert calls == ["start"]
        assert client.get("/overview", headers=OFFICE).status_code == 200
    assert calls == ["start", "stop", "close"], "the worker stops before the store closes"
    with fastapi_testclient.TestClient(web_host.create_app(world.service)) as without:
        assert without.get("/overview", headers=OFFICE).status_code == 200


def _foreign(path: Path) -> None:
    with sqlite3.connect(path) as made:
        made.execute("CREATE TABLE invoices (id INTEGER)")
    made.close()


@pytest.mark.parametrize(
    ("make", "key"),
    [
        (lambda path: path.write_bytes(b""), "cli.db.empty"),
        (lambda path: path.write_text("name,amount\nacme,12\n"), "cli.db.not_sqlite"),
        (_foreign, "cli.db.not_collabcore"),
        (lambda path: path.mkdir(), "cli.db.folder"),
        (lambda path: cc.SQLiteStore(path).close(), None),
        (lambda path: None, None),
    ],
    ids=["empty", "text", "foreign", "folder", "collabcore", "new"],
)
@pytest.mark.parametrize("language", ["en", "sv"])
def test_check_database_tells_why_a_file_cannot_be_used(
    tmp_path: Path, make: Any, key: str | None, language: str
) -> None:
    path = tmp_path / "host.db"
    make(path)
    expected = None if key is None else words("visma", language).text(key, path=str(path))
    assert web_host.check_database(str(path), language=language) == expected
    if key is not None:
        assert expected and "\n" not in expected
    nowhere = tmp_path / "no" / "host.db"
    assert web_host.check_database(str(nowhere)) == words().text(
        "cli.db.no_folder", path=str(nowhere), folder=str(nowhere.parent)
    )


@pytest.mark.parametrize("kind", ["empty", "foreign"])
def test_the_app_refuses_a_database_that_is_not_collabcore_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    path = tmp_path / "served.db"
    path.write_bytes(b"") if kind == "empty" else _foreign(path)
    before = path.read_bytes()
    monkeypatch.delenv("COLLABCORE_DSN", raising=False)
    monkeypatch.setenv("COLLABCORE_DB", str(path))
    with pytest.raises(SystemExit) as refused:
        _ = web_host.app
    assert (
        refused.value.code
        == web_host.check_database(str(path))
        == words().text(f"cli.db.{'empty' if kind == 'empty' else 'not_collabcore'}", path=str(path))
    )
    assert path.read_bytes() == before, "nothing written into it"


def _python(*args: str, cwd: Path, path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("COLLABCORE_")}
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env={**clean, "PYTHONPATH": str(path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_uvicorn_on_an_empty_database_says_one_line_and_no_traceback(tmp_path: Path) -> None:
    pytest.importorskip("uvicorn")
    (tmp_path / "empty.db").write_bytes(b"")
    ran = _python(
        "-m",
        "uvicorn",
        "examples.web_host.app:app",
        cwd=tmp_path,
        path=ROOT,
        env={"COLLABCORE_DB": "empty.db"},
    )
    assert ran.returncode != 0
    assert ran.stderr == words().text("cli.db.empty", path="empty.db") + "\n"
    assert "Traceback" not in ran.stdout + ran.stderr


def test_the_package_imports_from_the_repository_s_root_too_and_importing_makes_no_file(
    tmp_path: Path,
) -> None:
    # uvicorn examples.web_host.app:app from the repository's root: the same modules, their
    # relative imports resolved inside examples.web_host.
    ran = _python(
        "-c",
        "import examples.web_host.app as app; print(app.MAX_BODY, app.create_app.__module__)",
        cwd=tmp_path,
        path=ROOT,
        env={},
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == [str(api.MAX_BODY), "examples.web_host.app"]
    assert list(tmp_path.iterdir()) == [], "importing opens no database"
