"""Opening an SQLite file: an up-to-date one is only read (a writer elsewhere never keeps it
waiting), an old one is migrated under the write lock after a second look, and one whose
version record does not match its tables is refused, saying which version each shows and
what to do, and left exactly as it was."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import collabcore as cc
from collabcore.adapters import sqlite as sqlite_adapter
from collabcore.adapters.sql import SCHEMA_VERSION
from collabcore.adapters.sqlite import MARKS, MIGRATIONS, version_shown
from collabcore.domain import SchemaVersionError
from collabcore.testing import World


def _database(path: Path) -> Path:
    """A collabcore file with a customer, an office and a collaboration in it."""
    store = cc.SQLiteStore(path)
    World(store).setup(cc.PAYROLL)
    store.close()
    return path


def _at_version(path: Path, version: int) -> Path:
    """A file with the tables of ``version`` made by its migrations, and its record."""
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA journal_mode = WAL")
        raw.execute("CREATE TABLE collabcore_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        for v in range(1, version + 1):
            for statement in MIGRATIONS[v]:
                raw.execute(statement)
        raw.execute("INSERT INTO collabcore_meta VALUES ('schema_version', ?)", (str(version),))
    raw.close()
    return path


def _raw(path: Path, sql: str) -> None:
    raw = sqlite3.connect(path)
    raw.executescript(sql)
    raw.close()


def _recorded(path: Path) -> str | None:
    raw = sqlite3.connect(path)
    try:
        row = raw.execute("SELECT value FROM collabcore_meta WHERE key = 'schema_version'").fetchone()
    finally:
        raw.close()
    return None if row is None else str(row[0])


@pytest.fixture
def writer() -> Iterator[Callable[[Path], sqlite3.Connection]]:
    """A second connection to a file, of the test's own, for holding the write lock."""
    made: list[sqlite3.Connection] = []

    def connect(path: Path) -> sqlite3.Connection:
        made.append(sqlite3.connect(path, isolation_level=None, timeout=0))
        return made[-1]

    yield connect
    for connection in made:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        connection.close()


def _opened(path: Path, **options: Any) -> cc.SQLiteStore:
    store = cc.open_store(path, **options)
    assert isinstance(store, cc.SQLiteStore)
    return store


# --- item 4: opening never waits for a writer when there is nothing to migrate ---------------


def test_an_up_to_date_file_opens_while_another_connection_holds_a_write_transaction(
    tmp_path: Path, writer: Callable[[Path], sqlite3.Connection]
) -> None:
    path = _database(tmp_path / "collab.db")
    other = writer(path)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO collabcore_meta (key, value) VALUES ('mid-write', '1')")
    started = time.monotonic()
    store = _opened(path, timeout=2)
    try:
        assert time.monotonic() - started < 1.5  # it did not wait for the lock
        assert store.schema_version() == SCHEMA_VERSION
        with store.transaction(write=False) as uow:
            assert uow.get_collaboration("collab-1") is not None
        other.execute("COMMIT")
        World(store).office("o-2")  # and it writes once the other writer is done
    finally:
        store.close()


def test_an_up_to_date_file_opens_while_another_process_holds_a_write_transaction(tmp_path: Path) -> None:
    path = _database(tmp_path / "collab.db")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import sqlite3, sys
                c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0)
                c.execute("BEGIN IMMEDIATE")
                c.execute("INSERT INTO offices (id, data) VALUES ('other-process', '{}')")
                print("locked", flush=True)
                sys.stdin.readline()
                c.execute("ROLLBACK")
                """
            ),
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        store = cc.open_store(path, timeout=0.5)
        try:
            with store.transaction(write=False) as uow:
                assert uow.get_collaboration("collab-1") is not None
            # The lock was really held: a write waits out its timeout and says so.
            with pytest.raises(cc.StorageError, match="busy"), store.transaction() as uow:
                uow.get_office("o")
        finally:
            store.close()
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=10)


def test_a_file_that_needs_migrating_waits_for_the_writer_then_is_migrated(
    tmp_path: Path, writer: Callable[[Path], sqlite3.Connection]
) -> None:
    path = _at_version(tmp_path / "collab.db", 2)
    other = writer(path)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(cc.StorageError, match="busy"):
        cc.open_store(path, timeout=0.2)
    other.execute("ROLLBACK")
    assert _recorded(path) == "2"  # refused: nothing was changed
    store = _opened(path, timeout=2)
    assert store.schema_version() == SCHEMA_VERSION
    store.close()


def test_two_openers_of_an_old_file_both_see_it_migrated_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both read the old version before either takes the write lock; the second, once it
    has the lock, looks again, finds the first's migration, and runs none of its own."""
    path = _at_version(tmp_path / "collab.db", 1)
    both_read = threading.Barrier(2, timeout=10)
    looks: dict[int, int] = {}
    original = sqlite_adapter._schema_is_current

    def look_then_wait(*args: object) -> bool:
        me = threading.get_ident()
        looks[me] = looks.get(me, 0) + 1
        answer = original(*args)  # type: ignore[arg-type]
        if looks[me] == 1:
            both_read.wait()
        return answer

    monkeypatch.setattr(sqlite_adapter, "_schema_is_current", look_then_wait)
    opened: list[object] = []

    def open_it() -> None:
        try:
            opened.append(cc.SQLiteStore(path, timeout=10))
        except Exception as exc:  # reported below
            opened.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert all(isinstance(o, cc.SQLiteStore) for o in opened), opened
    assert sorted(looks.values()) == [2, 2]  # each looked again under the lock
    for store in opened:
        assert isinstance(store, cc.SQLiteStore)
        assert store.schema_version() == SCHEMA_VERSION
        store.close()


def test_a_newer_file_is_refused_without_the_write_lock(
    tmp_path: Path, writer: Callable[[Path], sqlite3.Connection]
) -> None:
    path = _database(tmp_path / "collab.db")
    _raw(path, "UPDATE collabcore_meta SET value = '99'")
    writer(path).execute("BEGIN IMMEDIATE")
    with pytest.raises(SchemaVersionError, match=r"schema version 99.*up to"):
        cc.open_store(path, timeout=0.2)


# --- item 3: a version record that does not match the tables -----------------------------------


BROKEN_RECORDS = {
    "the record row deleted": ("DELETE FROM collabcore_meta", "is missing", SCHEMA_VERSION),
    "the record table dropped": ("DROP TABLE collabcore_meta", "is missing", SCHEMA_VERSION),
    "understated as 1": ("UPDATE collabcore_meta SET value = '1'", "says schema version 1", SCHEMA_VERSION),
    "understated as 2": ("UPDATE collabcore_meta SET value = '2'", "says schema version 2", SCHEMA_VERSION),
    "overstated (a table dropped)": (
        "DROP TABLE lifecycle_requests",
        f"says schema version {SCHEMA_VERSION}",
        SCHEMA_VERSION - 1,
    ),
}


@pytest.mark.parametrize("broken", sorted(BROKEN_RECORDS))
def test_a_record_that_does_not_match_the_tables_is_named_and_nothing_changes(
    tmp_path: Path, broken: str
) -> None:
    sql, said, shown = BROKEN_RECORDS[broken]
    path = _database(tmp_path / "collab.db")
    _raw(path, sql)
    before = path.read_bytes()
    with pytest.raises(SchemaVersionError) as caught:
        cc.open_store(path)
    error = caught.value
    assert "version record does not match its tables" in str(error)
    assert said in str(error)
    assert f"its tables are those of schema version {shown}" in str(error)
    assert "already exists" not in str(error)  # no migration was run to find out
    assert error.hint is not None and f"VALUES ('schema_version', '{shown}')" in error.hint
    assert "backup" in error.hint
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0


@pytest.mark.parametrize("broken", sorted(BROKEN_RECORDS))
def test_doing_what_the_hint_says_opens_the_file_with_its_rows(tmp_path: Path, broken: str) -> None:
    sql, _, shown = BROKEN_RECORDS[broken]
    path = _database(tmp_path / "collab.db")
    _raw(path, sql)
    with pytest.raises(SchemaVersionError) as caught:
        cc.open_store(path)
    assert caught.value.hint is not None
    repair = caught.value.hint.split("on the file): ")[1].split("; then open it again")[0]
    _raw(path, repair + ";")
    assert _recorded(path) == str(shown)
    store = _opened(path)
    try:
        assert store.schema_version() == SCHEMA_VERSION
        world = World(store)
        assert world.service.get_collaboration("collab-1", actor=world.customer_admin()).is_active
    finally:
        store.close()


def test_tables_that_match_no_version_are_refused_with_what_is_missing(tmp_path: Path) -> None:
    path = _database(tmp_path / "collab.db")
    _raw(path, "DROP TABLE subscriptions")
    before = path.read_bytes()
    with pytest.raises(
        SchemaVersionError, match=r"match no schema version.*it lacks subscriptions"
    ) as caught:
        cc.open_store(path)
    assert caught.value.hint is not None and "Restore the file from a backup" in caught.value.hint
    assert path.read_bytes() == before


def test_a_record_of_0_with_none_of_the_tables_is_a_new_database(tmp_path: Path) -> None:
    """A file with the record table only (and no row) holds none of collabcore's tables:
    it is migrated from the start, as a new one."""
    path = tmp_path / "collab.db"
    _raw(path, "CREATE TABLE collabcore_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    store = _opened(path)
    assert store.schema_version() == SCHEMA_VERSION
    store.close()


@pytest.mark.parametrize("version", range(SCHEMA_VERSION + 1))
def test_every_migration_leaves_exactly_the_marks_of_its_version(tmp_path: Path, version: int) -> None:
    """MARKS is how an opening tells which version a file's tables are: each migration's
    entry must be what it makes (a new migration adds its own)."""
    assert sorted(MARKS) == list(range(1, SCHEMA_VERSION + 1))
    path = _at_version(tmp_path / "collab.db", version)
    raw = sqlite3.connect(path)
    try:
        marks, has_meta = sqlite_adapter._marks(lambda sql, params: raw.execute(sql, params).fetchall())
    finally:
        raw.close()
    assert has_meta
    assert version_shown(marks) == version
    store = _opened(path)  # the record matches: it opens, migrated forward
    assert store.schema_version() == SCHEMA_VERSION
    store.close()
