"""The web host's parts below its pages (examples/web_host): the sandbox of integrations, the
worker, the story's set-up and the two commands, on a real SQLite file and on PostgreSQL."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

import collabcore as cc
from collabcore.domain.outbox import EffectStatus
from collabcore.testing import ManualClock

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "web_host"
if str(EXAMPLE.parent) not in sys.path:
    sys.path.insert(0, str(EXAMPLE.parent))

from web_host.host import Host, NotSetUp, open_host  # noqa: E402
from web_host.sandbox import FAIL_EFFECTS, Sandbox, SandboxFailure  # noqa: E402
from web_host.story import BAKERY, CRAFTS, FLOWERS, PEOPLE, set_up  # noqa: E402
from web_host.worker import Worker  # noqa: E402

ANNA = cc.Actor.office("office-1", "anna")
FAST = cc.RetryPolicy(max_attempts=2, first_delay=timedelta(milliseconds=50), max_delay=timedelta(seconds=1))
"""Retries a test can wait for: an effect the sandbox fails is FAILED after its second attempt."""
DEADLINE = 20.0


# --- where: a SQLite file or a PostgreSQL schema, each set up by the story -------------------


class Target:
    """One database the set-up made, opened as often as a test needs (each a process's view)."""

    def __init__(self, *, db: str | None = None, dsn: str | None = None, schema: str | None = None) -> None:
        self.db, self.dsn, self.schema = db, dsn, schema
        self.opened: list[Host] = []

    def set_up(self, *, fresh: bool = False) -> Any:
        if self.dsn is not None:
            return set_up(self.dsn, schema=self.schema, fresh=fresh)
        assert self.db is not None
        return set_up(self.db, fresh=fresh)

    def open(self, retry: cc.RetryPolicy | None = FAST, every: float = 0.05) -> Host:
        if self.dsn is not None:
            host = open_host(dsn=self.dsn, schema=self.schema, retry=retry, every=every)
        else:
            host = open_host(db=self.db, retry=retry, every=every)
        self.opened.append(host)
        return host

    def close(self) -> None:
        for host in self.opened:
            host.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    if request.param == "sqlite":
        made = Target(db=str(tmp_path / "host.db"))
    else:
        dsn = request.getfixturevalue("postgres_dsn")
        made = Target(dsn=dsn, schema=request.getfixturevalue("postgres_schema"))
    made.set_up()
    yield made
    made.close()


def wait_until(done: Callable[[], bool], what: str, deadline: float = DEADLINE) -> None:
    """Poll ``done`` until it holds, failing after ``deadline`` seconds (never sleep-and-hope)."""
    end = time.monotonic() + deadline
    while not done():
        if time.monotonic() > end:
            pytest.fail(f"{what}: not within {deadline} s")
        time.sleep(0.02)


def outbox(host: Host, *statuses: EffectStatus) -> list[Any]:
    with host.service.store.transaction(write=False) as uow:
        return list(uow.outbox(statuses=statuses or None))


# --- the sandbox ------------------------------------------------------------------------------


def other_value(kind: str, default: object) -> object:
    return {"bool": not default, "int": 7, "texts": ("Scanner", "Payroll app")}[kind]


def test_the_sandbox_answers_every_declared_fact_from_its_tables(target: Target) -> None:
    host = target.open()
    declared = {fact.key for fact in cc.default_rulebook().facts(cc.default_products().products.values())}
    facts = host.sandbox.facts_of(FLOWERS)
    assert {f.key for f in facts} == declared | {FAIL_EFFECTS}
    assert all(f.value == f.default for f in facts)  # nothing set for this customer: all clear
    integrations = host.service.integrations
    for fact in facts:
        host.sandbox.set_fact(FLOWERS, fact.key, other_value(fact.kind, fact.default))
    # Another process's view: its own connection reads what this one stored.
    again = target.open()
    for fact in again.sandbox.facts_of(FLOWERS):
        wanted = other_value(fact.kind, fact.default)
        assert fact.value == wanted, fact.key
        if fact.key != FAIL_EFFECTS:
            reader = integrations.reader(fact.key)
            assert reader is not None and reader(FLOWERS) == wanted, fact.key
    # The seed ports read the same answers (the relay and old hosts ask them).
    assert integrations.expenses is not None and integrations.expenses.unsubmitted_reports(FLOWERS) == 7
    assert integrations.payroll is not None and integrations.payroll.payroll_synchronised(FLOWERS) is False
    # Another customer is untouched.
    assert all(f.value == f.default for f in again.sandbox.facts_of(CRAFTS))


def test_a_form_posts_text_and_the_sandbox_reads_it_as_the_fact_takes_it(tmp_path: Path) -> None:
    set_up(str(tmp_path / "host.db"))
    sandbox = Sandbox.sqlite(tmp_path / "host.db")
    try:
        sandbox.set_facts(
            BAKERY,
            {
                "payroll.synchronised": "true",
                "expenses.unsubmitted_reports": " 0 ",
                "bookkeeping.linked_services": "Scanner, Financial overview",
                "expenses.users_with_unsubmitted_outlays": "",
            },
        )
        answers = {f.key: f.value for f in sandbox.facts_of(BAKERY)}
        assert answers["payroll.synchronised"] is True
        assert answers["expenses.unsubmitted_reports"] == 0
        assert answers["bookkeeping.linked_services"] == ("Scanner", "Financial overview")
        assert answers["expenses.users_with_unsubmitted_outlays"] == ()
    finally:
        sandbox.close()


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("expenses.unsubmitted_reports", "many", "a whole number from 0"),
        ("expenses.unsubmitted_reports", -1, "a whole number from 0"),
        ("expenses.unsubmitted_reports", True, "a whole number from 0"),
        ("payroll.synchronised", 3, "true or false"),
        ("payroll.synchronised", "maybe", "true or false"),
        ("bookkeeping.linked_services", [1, 2], "a list of up to"),
        ("bookkeeping.linked_services", ["Scanner", "Scanner"], "a list of up to"),
        ("payroll.no_such_fact", True, "answers no fact 'payroll.no_such_fact'"),
    ],
)
def test_bad_input_is_refused_naming_the_fact_and_nothing_changes(
    tmp_path: Path, key: str, value: object, says: str
) -> None:
    set_up(str(tmp_path / "host.db"))
    sandbox = Sandbox.sqlite(tmp_path / "host.db")
    try:
        before = sandbox.facts_of(BAKERY)
        with pytest.raises(cc.InvalidInput, match=key.replace(".", r"\.")) as refused:
            sandbox.set_facts(BAKERY, {"expenses.unsubmitted_reports": 0, key: value})
        assert says in str(refused.value)
        with pytest.raises(cc.InvalidInput):
            sandbox.set_fact(BAKERY, key, value)
        assert sandbox.facts_of(BAKERY) == before  # the good value beside the bad one was not kept
    finally:
        sandbox.close()


def test_the_unknown_fact_message_lists_what_the_sandbox_answers(tmp_path: Path) -> None:
    set_up(str(tmp_path / "host.db"))
    sandbox = Sandbox.sqlite(tmp_path / "host.db")
    try:
        with pytest.raises(cc.InvalidInput) as refused:
            sandbox.check("payroll.synchronized", True)
        assert "payroll.synchronised (true or false)" in str(refused.value)
        assert refused.value.path == "key"
    finally:
        sandbox.close()


# --- the story ---------------------------------------------------------------------------------


def test_the_story_sets_up_from_nothing_and_its_blockers_are_fixed_in_the_sandbox(target: Target) -> None:
    host = target.open()
    service = host.service
    # The seeds' blocker: customer-1 has no main contact.
    seed = service.plan_end(f"{CRAFTS}-bookkeeping", actor=ANNA, outcome=cc.Outcome.CUSTOMER_CONTINUES)
    assert [f.code for f in seed.blocking_findings] == ["R3"]
    # The integrations' blockers, from the sandbox's facts.
    blocked = {
        "payroll": ("customer_continues", {"R9"}),
        "expenses": ("delete", {"R11", "R12"}),
        "bookkeeping": ("customer_continues", {"R17", "R16"}),  # R16: the scanner, to acknowledge
    }
    for product, (outcome, codes) in blocked.items():
        plan = service.plan_end(f"{BAKERY}-{product}", actor=ANNA, outcome=outcome, confirm_deletion=True)
        assert {f.code for f in plan.blocking_findings} == codes, product
    # Fixed on the facts page: the company submits, payroll synchronises, the bank integration ends.
    host.sandbox.set_facts(
        BAKERY,
        {
            "expenses.unsubmitted_reports": 0,
            "expenses.users_with_unsubmitted_outlays": (),
            "payroll.synchronised": True,
            "bookkeeping.bank_integration_active": False,
        },
    )
    result = service.end(
        f"{BAKERY}-bookkeeping",
        actor=ANNA,
        outcome=cc.Outcome.CUSTOMER_CONTINUES,
        acknowledge=["R16"],  # the linked scanner needs an acknowledgement, not a fix
    )
    assert result.collaboration.status is cc.Status.ENDED
    service.end(f"{BAKERY}-expenses", actor=ANNA, outcome=cc.Outcome.DELETE, confirm_deletion=True)
    assert not service.plan_end(
        f"{BAKERY}-payroll", actor=ANNA, outcome=cc.Outcome.CUSTOMER_CONTINUES
    ).blocking_findings


def test_a_second_set_up_is_refused_and_fresh_starts_over(target: Target) -> None:
    host = target.open()
    host.service.end(f"{FLOWERS}-bookkeeping", actor=ANNA, outcome=cc.Outcome.CUSTOMER_CONTINUES)
    host.close()
    with pytest.raises(cc.InvalidInput, match=r"holds the story already .*--fresh"):
        target.set_up()
    target.set_up(fresh=True)
    again = target.open()
    ended = again.service.get_collaboration(f"{FLOWERS}-bookkeeping", actor=ANNA)
    assert ended.status is cc.Status.ACTIVE
    assert again.sandbox.records() == ()


def test_people_are_who_the_story_registers(tmp_path: Path) -> None:
    set_up(str(tmp_path / "host.db"))
    host = open_host(db=str(tmp_path / "host.db"))
    try:
        store = host.service.store
        with store.transaction(write=False) as uow:
            for who, label in PEOPLE:
                if who == "operator":
                    continue
                party, party_id, user_id = who.split(":")
                found = uow.get_office(party_id) if party == "office" else uow.get_customer(party_id)
                assert found is not None, who
                user = next(u for u in found.users if u.id == user_id)
                assert label.startswith(user.name + " (" + party_id), label
    finally:
        host.close()


# --- opening the host --------------------------------------------------------------------------


def test_the_host_does_not_open_what_the_set_up_did_not_make(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    with pytest.raises(NotSetUp, match="does not exist"):
        open_host(db=str(missing))
    assert not missing.exists()  # not made silently
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    with pytest.raises(NotSetUp, match="empty file"):
        open_host(db=str(empty))
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    before = foreign.read_bytes()
    with pytest.raises(NotSetUp, match="not a collabcore database") as refused:
        open_host(db=str(foreign))
    assert refused.value.foreign and foreign.read_bytes() == before
    with pytest.raises(cc.InvalidInput, match="leaves it alone"):
        set_up(str(foreign), fresh=True)
    assert foreign.read_bytes() == before
    bare = tmp_path / "bare.db"
    cc.SQLiteStore(bare).close()
    with pytest.raises(NotSetUp, match="not one the web host's set-up made"):
        open_host(db=str(bare))
    with pytest.raises(cc.InvalidInput, match="one of the two"):
        open_host()


@pytest.mark.postgres
def test_the_host_does_not_open_a_schema_the_set_up_did_not_make(
    postgres_dsn: str, postgres_schema: str
) -> None:
    with pytest.raises(NotSetUp, match=f"schema {postgres_schema} holds no web host"):
        open_host(dsn=postgres_dsn, schema=postgres_schema)


# --- the worker ---------------------------------------------------------------------------------


def test_the_worker_carries_an_end_out_while_it_runs_and_stops_cleanly(target: Target) -> None:
    host = target.open()
    host.worker.start()
    try:
        host.service.end(f"{FLOWERS}-bookkeeping", actor=ANNA, outcome=cc.Outcome.CUSTOMER_CONTINUES)
        wait_until(lambda: not outbox(host, EffectStatus.PENDING), "the outbox empties")
    finally:
        host.worker.stop(timeout=5)
    assert not host.worker.running
    items = outbox(host)
    assert [i.status for i in items] == [EffectStatus.DONE] * 4
    done = host.sandbox.carried_out(FLOWERS)
    assert list(done) == [i.key for i in sorted(items, key=lambda i: i.effect.step)]
    assert next(iter(done.values())).startswith("revoke_office_access: bookkeeping")
    runs = host.worker.runs
    time.sleep(0.2)  # stopped: no run after stop() returned
    assert host.worker.runs == runs


def test_a_failing_integration_does_not_stop_the_worker_and_a_retry_goes_through(target: Target) -> None:
    host = target.open()
    host.sandbox.set_fact(FLOWERS, FAIL_EFFECTS, True)
    host.worker.start()
    try:
        host.service.end(f"{FLOWERS}-bookkeeping", actor=ANNA, outcome=cc.Outcome.CUSTOMER_CONTINUES)
        wait_until(lambda: bool(outbox(host, EffectStatus.FAILED)), "the first effect fails")
        (failed,) = outbox(host, EffectStatus.FAILED)
        assert failed.effect.step == 1 and failed.attempts == 2
        assert failed.last_error.startswith(SandboxFailure.__name__) and FAIL_EFFECTS in failed.last_error
        assert host.sandbox.carried_out(FLOWERS) == {}  # later steps wait for the failed one
        host.sandbox.set_fact(FLOWERS, FAIL_EFFECTS, "off")
        host.service.relay().retry(failed.key)
        wait_until(lambda: len(outbox(host, EffectStatus.DONE)) == 4, "the retried end is carried out")
        assert host.worker.running
    finally:
        host.worker.stop()
    assert len(host.sandbox.carried_out(FLOWERS)) == 4


def test_two_workers_on_one_database_carry_each_effect_out_once(target: Target) -> None:
    first, second = target.open(), target.open()
    for customer in (CRAFTS, BAKERY):
        first.sandbox.set_facts(customer, {"expenses.unsubmitted_reports": 0, "payroll.synchronised": True})
    # Every end the story allows at once, so that the two workers have many effects to race for.
    first.service.end(f"{FLOWERS}-bookkeeping", actor=ANNA, outcome=cc.Outcome.CUSTOMER_CONTINUES)
    first.service.change_role(CRAFTS, "kim", cc.Role.ADMINISTRATOR, actor=ANNA)
    first.service.set_main_contact(CRAFTS, "kim", actor=ANNA)
    for product in ("bookkeeping", "payroll", "expenses"):
        first.service.end(f"{CRAFTS}-{product}", actor=ANNA, outcome=cc.Outcome.CUSTOMER_CONTINUES)
    expected = len(outbox(first))
    first.worker.start()
    second.worker.start()
    try:
        wait_until(lambda: len(outbox(first, EffectStatus.DONE)) == expected, "both workers drain the outbox")
    finally:
        first.worker.stop()
        second.worker.stop()
    assert all(item.attempts == 1 for item in outbox(first)), "an effect was carried out twice"
    assert len(first.sandbox.records()) == expected


def test_one_run_settles_what_is_due_then_relays_its_effects(tmp_path: Path) -> None:
    set_up(str(tmp_path / "host.db"))
    host = open_host(db=str(tmp_path / "host.db"))
    clock = ManualClock()
    service = cc.CollaborationService(host.service.store, integrations=host.service.integrations, clock=clock)
    worker = Worker(service, every=0.05)
    try:
        scheduled = service.schedule_end(
            f"{FLOWERS}-bookkeeping", actor=ANNA, outcome=cc.Outcome.CUSTOMER_CONTINUES
        )
        effective = scheduled.request.effective_on
        assert isinstance(effective, date)
        before = worker.run_once()
        assert before.due.carried_out == 0  # nothing is due before the day...
        assert before.relay.done == 1  # ...but the company is told of the end to come
        assert worker.run_once().idle
        clock.advance(timedelta(days=40))
        ran = worker.run_once()
        assert ran.due.carried_out == 1 and ran.relay.done == 4 and ran.errors == 0
        assert [text.split(":")[0] for text in host.sandbox.carried_out(FLOWERS).values()] == [
            "notify",
            "revoke_office_access",
            "transfer_subscription",
            "notify",
            "notify",
        ]
    finally:
        host.close()


def test_the_worker_logs_a_store_error_and_keeps_going(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    set_up(str(tmp_path / "host.db"))
    host = open_host(db=str(tmp_path / "host.db"), every=0.02)
    broken = cc.CollaborationService(cc.MemoryStore(), integrations=host.service.integrations)

    def failing(*, limit: int = 100) -> Any:
        raise cc.StorageError("the database went away")

    broken.carry_out_due = failing  # type: ignore[method-assign]
    worker = Worker(broken, every=0.02)
    worker.start()
    try:
        wait_until(lambda: worker.runs >= 3, "the worker runs on after errors")
    finally:
        worker.stop()
        host.close()
    assert worker.last is not None and worker.last.errors == 1
    assert "the due run failed" in caplog.text


# --- the commands, from another folder ---------------------------------------------------------


def command(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLE), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_setup_makes_the_database_from_another_folder(tmp_path: Path) -> None:
    made = command("setup", "--db", "story.db", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "story.db").is_file()
    assert "customer customer-1 no. 10042 Hantverkarna i Norr AB" in made.stdout
    assert "/ui/sign-in" in made.stdout and "serve --db story.db" in made.stdout
    again = command("setup", "--db", "story.db", cwd=tmp_path)
    assert again.returncode == 1
    assert again.stderr.count("\n") == 1 and "--fresh" in again.stderr and "Traceback" not in again.stderr
    assert command("setup", "--db", "story.db", "--fresh", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("made", ["missing", "empty", "foreign"])
def test_serve_on_what_setup_did_not_make_says_so_in_one_line(tmp_path: Path, made: str) -> None:
    if made == "empty":
        (tmp_path / "host.db").write_bytes(b"")
    elif made == "foreign":
        (tmp_path / "host.db").write_text("not a database")
    served = command("serve", "--db", "host.db", "--port", str(free_port()), cwd=tmp_path)
    assert served.returncode != 0
    assert served.stderr.count("\n") == 1, served.stderr
    assert served.stderr.startswith("error: host.db ") and "Traceback" not in served.stderr
    assert " setup --db " in served.stderr
    assert made != "missing" or not (tmp_path / "host.db").exists()


@pytest.mark.postgres
def test_setup_and_serve_on_postgres(tmp_path: Path, postgres_dsn: str, postgres_schema: str) -> None:
    made = command("setup", "--dsn", postgres_dsn, "--schema", postgres_schema, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert f"the PostgreSQL schema {postgres_schema}" in made.stdout
    unreachable = command("serve", "--dsn", "postgresql://nobody@127.0.0.1:1/none", cwd=tmp_path)
    assert unreachable.returncode != 0
    assert unreachable.stderr.count("\n") == 1 and "Cannot connect to PostgreSQL" in unreachable.stderr


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "terminate"])
def test_serve_answers_on_a_free_port_and_stops_cleanly(tmp_path: Path, stop: signal.Signals) -> None:
    assert command("setup", "--db", "host.db", cwd=tmp_path).returncode == 0
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(EXAMPLE), "serve", "--db", "host.db", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        status: dict[str, int] = {}

        def answers() -> bool:
            assert server.poll() is None, server.communicate()[1]
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/relay/status", headers={"X-User": "operator"})
                response = connection.getresponse()
                status.update(json.loads(response.read()), code=response.status)
                return True
            except OSError:
                return False

        wait_until(answers, "the server answers", deadline=30)
        assert status == {"code": 200, "pending": 0, "failed": 0}
    finally:
        server.send_signal(stop)
        _, err = server.communicate(timeout=20)
    assert server.returncode == 0, err
    assert "worker stopped" in err and "Traceback" not in err
