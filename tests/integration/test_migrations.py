"""Schema migration 2 on a database written by 0.1 (schema 1), on SQLite and PostgreSQL:
existing idempotency keys take the scope of the party that used them, and the outbox
gets its lease column; everything written before reads back and behaves as before."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import collabcore as cc
from collabcore.adapters.sql import SCHEMA_VERSION
from collabcore.domain import EffectStatus, IdempotencyKey
from collabcore.ports import Store
from collabcore.testing import World

Reopen = Callable[[], Store]


def _to_schema_1_sqlite(path: Path) -> None:
    """What 0.1 left on disk: keys unscoped, no lease anywhere, no lifecycle requests."""
    with sqlite3.connect(path) as raw:
        raw.executescript(
            """
            CREATE TABLE idempotency_v1 (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL,
                created_at TEXT NOT NULL, data TEXT NOT NULL);
            INSERT INTO idempotency_v1 SELECT key, fingerprint, created_at, json_remove(data, '$.scope')
                FROM idempotency;
            DROP TABLE idempotency;
            ALTER TABLE idempotency_v1 RENAME TO idempotency;
            ALTER TABLE outbox DROP COLUMN lease;
            UPDATE outbox SET data = json_remove(data, '$.lease', '$.effect.request_id', '$.effect.notice');
            DROP TABLE lifecycle_requests;
            UPDATE collabcore_meta SET value = '1' WHERE key = 'schema_version';
            """
        )


def _to_schema_1_postgres(dsn: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as raw:
        for statement in (
            f"SET search_path = {schema}",
            "ALTER TABLE idempotency DROP CONSTRAINT idempotency_pkey",
            "ALTER TABLE idempotency DROP COLUMN scope",
            "ALTER TABLE idempotency ADD PRIMARY KEY (key)",
            "UPDATE idempotency SET data = data - 'scope'",
            "ALTER TABLE outbox DROP COLUMN lease",
            "UPDATE outbox SET data = data - 'lease' #- '{effect,request_id}' #- '{effect,notice}'",
            "DROP TABLE lifecycle_requests",
            "UPDATE collabcore_meta SET value = '1' WHERE key = 'schema_version'",
        ):
            raw.execute(statement)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def old_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Reopen, Callable[[], None]]]:
    opened: list[Store] = []
    if request.param == "sqlite":
        path = tmp_path / "old.db"

        def reopen() -> Store:
            opened.append(cc.SQLiteStore(path))
            return opened[-1]

        def downgrade() -> None:
            _to_schema_1_sqlite(path)

    else:
        dsn = request.getfixturevalue("postgres_dsn")
        schema = request.getfixturevalue("postgres_schema")

        def reopen() -> Store:
            opened.append(cc.PostgresStore(dsn, schema=schema, max_size=2))
            return opened[-1]

        def downgrade() -> None:
            _to_schema_1_postgres(dsn, schema)

    yield reopen, downgrade
    for store in opened:
        store.close()


def test_keys_and_effects_of_schema_1_survive_the_migrations(
    old_database: tuple[Reopen, Callable[[], None]],
) -> None:
    reopen, downgrade = old_database
    world = World(reopen())
    world.office()
    world.office("office-2")
    for customer in ("customer-1", "customer-2"):
        world.customer(customer)
    mine = world.collaboration(cc.PAYROLL)
    theirs = world.collaboration(cc.PAYROLL, office_id="office-2", customer_id="customer-2")
    by_office = world.service.end(
        mine.id, actor=world.office_admin(), outcome=cc.Outcome.END_SUBSCRIPTION, idempotency_key="request-42"
    )
    world.store.close()
    downgrade()

    store = reopen()
    assert isinstance(store, cc.SQLiteStore | cc.PostgresStore) and store.schema_version() == SCHEMA_VERSION
    migrated = World(store)
    migrated.clock = world.clock
    migrated.service = cc.CollaborationService(
        store,
        integrations=migrated.fakes.integrations(),
        clock=world.clock,
        ids=world.service.configuration.ids,
    )
    with store.transaction(write=False) as uow:
        record = uow.get_idempotency(IdempotencyKey("office:office-1", "request-42"))
        assert record is not None and record.scope == "office:office-1"
        assert record.result.collaboration == by_office.collaboration
        assert all(item.lease is None and item.status is EffectStatus.PENDING for item in uow.outbox())
    # The old key replays for its party and does not exist for another.
    again = migrated.service.end(
        mine.id,
        actor=migrated.office_admin(),
        outcome=cc.Outcome.END_SUBSCRIPTION,
        idempotency_key="request-42",
    )
    assert again.replayed and again.collaboration == by_office.collaboration
    other = migrated.service.end(
        theirs.id,
        actor=migrated.office_admin("office-2"),
        outcome=cc.Outcome.END_SUBSCRIPTION,
        idempotency_key="request-42",
    )
    assert not other.replayed
    # Effects recorded under schema 1 are carried out, fenced, under schema 2.
    report = migrated.relay().drain()
    assert report.done == len(by_office.effects) + len(other.effects) and report.stale == 0
