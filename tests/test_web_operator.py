"""The example host's operator pages through FastAPI's test client, over the story's own
database (a SQLite file, a PostgreSQL schema) and its sandbox: the relay's view shows what
waits and what failed with the integration's error, a retry carries it out once the cause is
fixed, a resolve needs its reason; the facts page changes what the integrations answer, all
or nothing, and shows another office's customer as one that does not exist."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import collabcore as cc
from collabcore.domain.outbox import EffectStatus

fastapi_testclient = pytest.importorskip("fastapi.testclient", reason="the web example needs collabcore[web]")

from web_host.app import create_app  # noqa: E402
from web_host.host import Host, open_host  # noqa: E402
from web_host.sandbox import FAIL_EFFECTS  # noqa: E402
from web_host.story import BAKERY, FLOWERS, HARBOUR, collaboration_id, set_up  # noqa: E402
from web_reading import Doc, get, post, sign_in  # noqa: E402

OPERATOR = "operator"
ANNA = "office:office-1:anna"
NILS = "customer:customer-4:nils"
ONE_TRY = cc.RetryPolicy(max_attempts=1, first_delay=timedelta(milliseconds=10))
"""An effect the sandbox fails is FAILED at once: the operator's view has something to show."""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def host(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Host]:
    if request.param == "sqlite":
        db = str(tmp_path / "host.db")
        set_up(db)
        made = open_host(db=db, retry=ONE_TRY)
    else:
        dsn, schema = request.getfixturevalue("postgres_dsn"), request.getfixturevalue("postgres_schema")
        set_up(dsn, schema=schema)
        made = open_host(dsn=dsn, schema=schema, retry=ONE_TRY)
    yield made
    made.close()


@pytest.fixture
def client(host: Host) -> Any:
    return fastapi_testclient.TestClient(create_app(host.service, sandbox=host.sandbox))


def relay_of(host: Host) -> cc.Relay:
    return host.service.relay(ONE_TRY)


def end_flowers(host: Host) -> str:
    """Ängens Blomsterhandel's bookkeeping ended by its office: nothing blocks it."""
    collab = collaboration_id(FLOWERS, cc.BOOKKEEPING)
    host.service.end(collab, actor=cc.Actor.office("office-1", "anna"), outcome="customer_continues")
    return collab


def test_a_failed_effect_shows_its_error_and_a_retry_after_the_fix_carries_it_out(
    host: Host, client: Any
) -> None:
    loc = host.service.localizer
    host.sandbox.set_fact(FLOWERS, FAIL_EFFECTS, True)
    end_flowers(host)
    sign_in(client, OPERATOR)
    waiting = get(client, "/ui/relay")
    assert loc.text("page.relay.summary", count=4, failed=0) in waiting.main

    relay_of(host).drain()
    failed = relay_of(host).failed()
    assert failed, "the sandbox's switch fails the first effect"
    item = failed[0]
    view = get(client, "/ui/relay")
    row = view.one("table", **{"class": "relay failed"})
    assert item.last_error is not None and item.last_error in row.words, (
        "the integration's error, as it said it"
    )
    assert "Ängens Blomsterhandel AB (10061)" in row.words

    # Retrying before the cause is fixed fails again; after the fix it goes through, once.
    host.sandbox.set_fact(FLOWERS, FAIL_EFFECTS, False)
    retried = post(client, view, "/ui/relay/retry", key=item.key)
    assert retried.status_code == 303 and retried.headers["location"] == "/ui/relay?done=retried"
    assert get(client, "/ui/relay?done=retried").one("p", role="status").words == loc.text(
        "page.relay.done.retried"
    )
    relay_of(host).drain()
    done = get(client, "/ui/relay")
    assert (
        loc.text("page.relay.none_failed") in done.main and loc.text("page.relay.none_pending") in done.main
    )
    keys = [record.key for record in host.sandbox.records(FLOWERS)]
    assert keys.count(item.key) == 1, "carried out exactly once"


def test_resolving_by_hand_needs_a_reason_and_keeps_it(host: Host, client: Any) -> None:
    loc = host.service.speaking("spiris", "sv").localizer
    host.sandbox.set_fact(FLOWERS, FAIL_EFFECTS, True)
    end_flowers(host)
    relay_of(host).drain()
    (item,) = relay_of(host).failed()
    sign_in(client, OPERATOR, "spiris", "sv")
    view = get(client, "/ui/relay")

    refused = post(client, view, "/ui/relay/resolve", key=item.key, reason="   ")
    assert refused.status_code == 400
    page = Doc(refused.text)
    assert page.one("html").attrs["lang"] == "sv"
    ((target, message),) = page.summary()
    assert message == loc.text("page.relay.reason_missing")
    assert target is not None and page.by_id(target[1:]).tag == "input", (
        "the summary leads to the reason's field"
    )
    assert "autofocus" in page.one("div", **{"class": "error-summary"}).attrs
    assert relay_of(host).failed() == [item], "a refused resolve changes nothing"

    resolved = post(client, view, "/ui/relay/resolve", key=item.key, reason="Access removed by phone")
    assert resolved.status_code == 303
    with host.service.store.transaction(write=False) as uow:
        stored = uow.get_outbox_item(item.key)
    assert stored is not None and stored.status is EffectStatus.RESOLVED
    assert stored.resolution == "Access removed by phone"


def test_only_the_operator_sees_the_relay(host: Host, client: Any) -> None:
    sign_in(client, ANNA)
    page = get(client, "/ui/relay", status=403)
    assert page.one("html").attrs["lang"] == "en"
    sign_in(client, NILS)
    get(client, "/ui/relay", status=403)


def test_the_facts_page_shows_a_blocker_then_fixes_it(host: Host, client: Any) -> None:
    loc = host.service.localizer
    anna = cc.Actor.office("office-1", "anna")
    bookkeeping = collaboration_id(BAKERY, cc.BOOKKEEPING)
    blocked = host.service.plan_end(bookkeeping, actor=anna, outcome="customer_continues")
    assert "R17" in {f.code for f in blocked.blockers}, "the story's bank integration blocks"

    sign_in(client, ANNA)
    page = get(client, f"/ui/sandbox/{BAKERY}")
    assert page.title == loc.text(
        "page.sandbox.title_of", customer="Bageriet Söder AB", customer_number="10057"
    )
    field = page.by_id("fact-bookkeeping-bank_integration_active")
    assert page.label_of(field.attrs["id"]).endswith(
        loc.text("page.sandbox.fact.bookkeeping.bank_integration_active")
    )

    saved = post(client, page, f"/ui/sandbox/{BAKERY}", **{"bookkeeping.bank_integration_active": "false"})
    assert saved.status_code == 303
    assert get(client, saved.headers["location"]).one("p", role="status").words == loc.text(
        "page.sandbox.saved"
    )
    again = host.service.plan_end(bookkeeping, actor=anna, outcome="customer_continues")
    assert "R17" not in {f.code for f in again.blockers}


def test_a_refused_facts_form_changes_nothing(host: Host, client: Any) -> None:
    before = host.sandbox.facts_of(BAKERY)
    sign_in(client, ANNA, "visma", "sv")
    page = get(client, f"/ui/sandbox/{BAKERY}")
    refused = post(
        client,
        page,
        f"/ui/sandbox/{BAKERY}",
        **{"bookkeeping.bank_integration_active": "false", "expenses.unsubmitted_reports": "many"},
    )
    assert refused.status_code == 400
    doc = Doc(refused.text)
    assert [target for target, _ in doc.summary()] == ["#fact-expenses-unsubmitted_reports"]
    assert doc.by_id("fact-expenses-unsubmitted_reports").attrs["value"] == "many", "what was typed is kept"
    assert host.sandbox.facts_of(BAKERY) == before, "not even the valid fact of the form was stored"


def test_another_offices_customer_has_the_page_of_one_that_does_not_exist(host: Host, client: Any) -> None:
    sign_in(client, ANNA)
    theirs = client.get(f"/ui/sandbox/{HARBOUR}")
    nobody = client.get("/ui/sandbox/customer-404")
    assert theirs.status_code == nobody.status_code == 404
    assert Doc(theirs.text).main == Doc(nobody.text).main
    before = host.sandbox.facts_of(HARBOUR)
    page = get(client, f"/ui/sandbox/{FLOWERS}")
    sent = post(client, page, f"/ui/sandbox/{FLOWERS}", **{"payroll.synchronised": "false"})
    assert sent.status_code == 303
    forged = client.post(
        f"/ui/sandbox/{HARBOUR}",
        data={"csrf": _token(page), "payroll.synchronised": "false"},
    )
    assert forged.status_code == 404 and host.sandbox.facts_of(HARBOUR) == before


def _token(page: Doc) -> str:
    return next(e.attrs["value"] for e in page.find("input", type="hidden") if e.attrs.get("name") == "csrf")
