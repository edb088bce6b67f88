"""examples/web_host through FastAPI's test client, on a SQLite file and on PostgreSQL, in
both brands and both languages: the HTTP answers a host's users get."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import collabcore as cc
from collabcore.adapters.documents import schema
from collabcore.ports import Store
from collabcore.testing import World

fastapi_testclient = pytest.importorskip("fastapi.testclient", reason="the web example needs collabcore[web]")
from jsonschema import Draft202012Validator  # noqa: E402

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "web_host" / "app.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("web_host_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


web_host = load_example()

OFFICE = {"X-User": "office:office-1:admin"}
OTHER_OFFICE = {"X-User": "office:office-2:admin"}
CUSTOMER_ADMIN = {"X-User": "customer:customer-1:boss"}
CUSTOMER_STAFF = {"X-User": "customer:customer-1:staff"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        made: Any = cc.SQLiteStore(tmp_path / "web.db")
    else:
        dsn = request.getfixturevalue("postgres_dsn")
        made = cc.PostgresStore(dsn, schema=request.getfixturevalue("postgres_schema"), max_size=4)
    yield made
    made.close()


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
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    valid("problem", body)
    assert body["status"] == status
    return body


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
    assert client.get("/overview").status_code == 401
    assert client.get("/overview", headers={"X-User": "office::"}).status_code == 401
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
    if answer.status_code >= 400 and answer.status_code != 401:
        problem(answer, answer.status_code)


def test_uvicorn_finds_the_app_on_the_file_it_is_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLLABCORE_DB", str(tmp_path / "served.db"))
    app = web_host.app
    assert (tmp_path / "served.db").exists()
    client = fastapi_testclient.TestClient(app)
    assert client.get("/overview", headers=OFFICE).status_code == 404  # nobody registered yet
    with pytest.raises(AttributeError):
        _ = web_host.nothing
