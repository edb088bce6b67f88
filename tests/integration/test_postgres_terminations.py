"""PostgreSQL connections terminated in a loop (a failover, an operator's
``pg_terminate_backend``, a pooler's restart) while ends, plans, overviews, ends in the
host's own transaction, relay rounds and due runs go on.

Every failure a caller sees is collabcore's StorageError, never a driver exception; psycopg's
"error ignored terminating <Pipeline>" never reaches the logs; and once the connections are
left alone, nothing was lost or done twice: each end was recorded whole (the collaboration,
one event, every effect; the host's own row with it) or not at all, a retry with the same
idempotency key finishes it, and the relay carries each effect out once per key.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import pytest

import collabcore as cc
from collabcore.domain import CollaborationEnded
from collabcore.domain.errors import CollabCoreError
from collabcore.domain.requests import RequestKind
from collabcore.testing import World
from collabcore.testing.world import ManualClock

pytestmark = pytest.mark.postgres

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "")
"""Backends are terminated only on a server on this machine (a socket directory counts)."""
COLLABORATIONS = 72
SCHEDULED = 24
"""The first ones are scheduled ends, carried out by the due runs; the rest end at once."""
MAX_KILLS = 400
MAX_SECONDS = 10.0
RETRIES = 3
ROUNDS = 30


class SlowClock(ManualClock):
    """The world's clock, read a little slowly while the killer runs: each reading inside a
    transaction widens the window in which its connection may be terminated."""

    delay = 0.0

    def __call__(self) -> datetime:
        if self.delay:
            time.sleep(self.delay)
        return super().__call__()


class Killer(threading.Thread):
    """Terminates every backend of ``application_name`` every few milliseconds, at most
    ``MAX_KILLS`` times and for ``MAX_SECONDS``."""

    def __init__(self, dsn: str, application_name: str) -> None:
        super().__init__(daemon=True)
        self.dsn, self.application_name = dsn, application_name
        self.stop = threading.Event()
        self.killed = 0
        self.errors: list[BaseException] = []

    def run(self) -> None:
        import psycopg

        chance = random.Random(23)
        deadline = time.monotonic() + MAX_SECONDS
        try:
            with psycopg.connect(self.dsn, autocommit=True) as admin:
                while self.killed < MAX_KILLS and time.monotonic() < deadline:
                    if self.stop.wait(chance.uniform(0.002, 0.02)):
                        return
                    row = admin.execute(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE application_name = %s AND pid <> pg_backend_pid()",
                        (self.application_name,),
                    ).fetchone()
                    self.killed += 0 if row is None else int(row[0])
        except BaseException as exc:  # the test fails on it: the killer must not fail silently
            self.errors.append(exc)


def test_terminated_connections_surface_as_storage_errors_and_lose_nothing(
    postgres_dsn: str, postgres_schema: str, caplog: pytest.LogCaptureFixture
) -> None:
    import psycopg

    from collabcore.adapters.postgres import PostgresStore

    host_name = str(psycopg.conninfo.conninfo_to_dict(postgres_dsn).get("host") or "")
    if host_name not in LOCAL_HOSTS and not host_name.startswith("/"):
        pytest.skip("terminates backends only on a PostgreSQL server on this machine")
    caplog.set_level(logging.WARNING)
    victim = f"victim_{postgres_schema}"
    dsn = psycopg.conninfo.make_conninfo(postgres_dsn, application_name=victim)
    clock = SlowClock()
    store = PostgresStore(dsn, schema=postgres_schema, max_size=3)
    world = World(store, clock=clock)
    service = world.service
    world.office()
    collabs: list[cc.Collaboration] = []
    for n in range(COLLABORATIONS):
        world.customer(f"customer-{n}")
        collabs.append(world.collaboration(cc.EXPENSES, customer_id=f"customer-{n}"))
    scheduled, at_once = collabs[:SCHEDULED], collabs[SCHEDULED:]
    in_host = {c.id for c in at_once[::4]}  # ended inside the host's own transaction
    for c in scheduled:
        service.schedule_end(
            c.id,
            actor=world.customer_admin(c.customer_id),
            outcome=cc.Outcome.DELETE,
            effective=clock.now.date(),
            confirm_deletion=True,
        )
    clock.advance(timedelta(days=2))  # every scheduled end is due
    before = {c.id: outbox_keys(world, c) for c in collabs}
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute(f"CREATE TABLE {postgres_schema}.host_notes (collaboration_id text PRIMARY KEY)")

    failures: list[CollabCoreError] = []
    untyped: list[str] = []

    def attempt(operation: Callable[[], Any]) -> bool:
        """True when ``operation`` went through; every failure is kept for the verdict."""
        try:
            operation()
        except CollabCoreError as exc:
            failures.append(exc)
            return False
        except Exception as exc:
            untyped.append(f"{type(exc).__module__}.{type(exc).__name__}: {str(exc).splitlines()[0]}")
            return False
        return True

    host = psycopg.connect(dsn)

    def end_in_host(c: cc.Collaboration) -> None:
        """The host's own write and collabcore's end in one transaction of the host's."""
        nonlocal host
        try:
            if host.closed:
                host = psycopg.connect(dsn)
            host.execute(f"INSERT INTO {postgres_schema}.host_notes VALUES (%s)", (c.id,))
        except psycopg.Error:  # the host's own statement met the killer: its own business
            host.close()
            return
        done = attempt(lambda: end(service.within(host), world, c))
        try:
            host.commit() if done else host.rollback()
        except psycopg.Error:
            host.close()

    relay = world.relay()
    killer = Killer(postgres_dsn, victim)
    clock.delay = 0.002
    killer.start()
    try:
        for n, c in enumerate(at_once):
            attempt(partial(plan, service, world, c))
            if c.id in in_host:
                end_in_host(c)
            else:
                for _ in range(RETRIES):  # the same key each time: a kept end answers again
                    if attempt(partial(end, service, world, c)):
                        break
            if n % 3 == 0:
                attempt(lambda: relay.run_once(limit=10))
            if n % 4 == 0:
                attempt(lambda: service.carry_out_due(limit=6))
            if n % 5 == 0:
                attempt(lambda: service.overview("office-1", actor=world.office_admin(), limit=10))
        while killer.is_alive() and killer.killed < MAX_KILLS // 2:
            attempt(lambda: relay.run_once(limit=10))
            attempt(lambda: service.carry_out_due(limit=6))
    finally:
        killer.stop.set()
        killer.join()
        clock.delay = 0.0
        host.close()

    assert not killer.errors, killer.errors
    assert untyped == [], f"{len(untyped)} failures were not collabcore's: {sorted(set(untyped))}"
    assert [f for f in failures if not isinstance(f, cc.StorageError)] == []
    unsettled = [  # a due run goes on past a request it cannot settle, and logs why
        r.args[1]
        for r in caplog.records
        if r.name == "collabcore.scheduling" and isinstance(r.args, tuple) and len(r.args) == 2
    ]
    assert all(isinstance(e, cc.StorageError) for e in unsettled), unsettled
    assert killer.killed >= 20 and failures, (
        f"the killer killed {killer.killed} backends, {len(failures)} failed"
    )
    ignored = [r.getMessage() for r in caplog.records if "error ignored" in r.getMessage()]
    assert ignored == [], ignored[:3]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []

    # Left alone now: each end was recorded whole or not at all, with the host's row.
    notes = host_notes(dsn, postgres_schema)
    for c in collabs:
        ended = whole_or_nothing(world, c, before[c.id])
        if c.id in in_host:
            assert ended == (c.id in notes), f"{c.id}: the end and the host's row go together"
    # Finishing: what a host does after a StorageError (retry with the same key), due runs
    # and the relay past every lease; every end, and every effect, exactly once.
    for c in at_once:
        end(service, world, c)
    clock.advance(timedelta(hours=1))
    assert service.carry_out_due(limit=100).failed == 0
    relay.drain()
    expected: set[str] = set()
    for c in collabs:
        assert whole_or_nothing(world, c, before[c.id]), f"{c.id} is ended at last"
        expected |= outbox_keys(world, c)
    assert relay.pending() == [] and relay.failed() == []
    assert dict(world.fakes.performed) == dict.fromkeys(expected, 1), "each effect once per key"
    with store.transaction(write=False) as uow:
        statuses = {
            r.collaboration_id: r.status
            for c in scheduled
            for r in uow.requests(customer_id=c.customer_id)
            if r.kind is RequestKind.SCHEDULED_END
        }
    assert statuses == dict.fromkeys((c.id for c in scheduled), cc.RequestStatus.CARRIED_OUT)
    store.close()


def test_a_lost_race_logs_nothing(
    postgres_dsn: str, postgres_schema: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Ends of four customers' collaborations race with one idempotency key: one wins, the
    others are told the key is taken. The losers' statements fail inside a pipeline, and
    psycopg logged "error ignored terminating <Pipeline>: pipeline aborted" for them."""
    from collabcore.adapters.postgres import PostgresStore

    caplog.set_level(logging.WARNING)
    store = PostgresStore(postgres_dsn, schema=postgres_schema, max_size=4)
    world = World(store)
    world.office()
    answers: list[str] = []
    for round_ in range(ROUNDS):
        racers = []
        for n in range(4):
            world.customer(f"customer-{round_}-{n}")
            racers.append(world.collaboration(cc.EXPENSES, customer_id=f"customer-{round_}-{n}"))
        start = threading.Barrier(len(racers))

        def race(
            c: cc.Collaboration, key: str = f"the-key-{round_}", start: threading.Barrier = start
        ) -> None:
            start.wait()
            try:
                world.service.end(
                    c.id,
                    actor=world.office_admin(),
                    outcome=cc.Outcome.DELETE,
                    confirm_deletion=True,
                    idempotency_key=key,
                )
                answers.append("ended")
            except Exception as exc:
                answers.append(type(exc).__name__)

        threads = [threading.Thread(target=race, args=(c,)) for c in racers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(set(answers)) == ["IdempotencyKeyReused", "ended"] and answers.count("ended") == ROUNDS
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    store.close()


def end(service: cc.CollaborationService, world: World, c: cc.Collaboration) -> cc.EndResult:
    return service.end(
        c.id,
        actor=world.office_admin(),
        outcome=cc.Outcome.DELETE,
        confirm_deletion=True,
        idempotency_key=f"end-{c.id}",
    )


def plan(service: cc.CollaborationService, world: World, c: cc.Collaboration) -> cc.Plan:
    return service.plan_end(
        c.id, actor=world.office_admin(), outcome=cc.Outcome.DELETE, confirm_deletion=True
    )


def outbox_keys(world: World, c: cc.Collaboration) -> set[str]:
    with world.store.transaction(write=False) as uow:
        return {i.key for i in uow.outbox(collaboration_id=c.id)}


def host_notes(dsn: str, schema: str) -> set[str]:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as connection:
        return {row[0] for row in connection.execute(f"SELECT collaboration_id FROM {schema}.host_notes")}


def whole_or_nothing(world: World, c: cc.Collaboration, before: set[str]) -> bool:
    """True when ``c`` is ended with its event and every effect, False when nothing of an end
    is stored; anything in between fails."""
    with world.store.transaction(write=False) as uow:
        stored = uow.get_collaboration(c.id)
        items = [i for i in uow.outbox(collaboration_id=c.id) if i.key not in before]
        ends = [e for e in uow.events_of_customer(c.customer_id) if isinstance(e, CollaborationEnded)]
    assert stored is not None
    if stored.is_active:
        assert items == [] and ends == [], f"{c.id}: part of an end was kept"
        return False
    kinds = cc.default_products().get(c.product).effects_of(cc.Outcome.DELETE)
    assert [i.effect.kind for i in items] == list(kinds), f"{c.id}: its effects, once each"
    assert [e.collaboration_id for e in ends] == [c.id], f"{c.id}: one end event"
    return True
