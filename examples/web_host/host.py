"""The example host's parts, opened from a SQLite file or a PostgreSQL DSN: the service over
collabcore's store with the sandbox's integrations, the sandbox itself, and a worker (not
started: the app's lifespan starts and stops it)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from typing import Literal
from urllib.parse import quote

from attrs import frozen

import collabcore as cc
from collabcore.ports import Store

from .sandbox import FACTS_TABLE, NoSandbox, Sandbox
from .worker import Worker

SQLITE_HEADER = b"SQLite format 3\x00"

RETRY = cc.RetryPolicy(max_attempts=3, first_delay=timedelta(seconds=2), max_delay=timedelta(minutes=1))
"""The worker's retries: few and quick, so that an effect the sandbox is told to fail shows as
failed in the operator's view within seconds (a real host keeps collabcore's default, six
attempts over about a minute, or more)."""


class NotSetUp(cc.ConfigurationError):
    """The database is missing, empty, someone else's, or holds no web host yet: the set-up
    command makes it. ``target`` is the file or the schema, for the command to name."""

    def __init__(self, message: str, *, target: str, foreign: bool = False) -> None:
        self.target = target
        self.foreign = foreign
        """The target is someone else's (not SQLite, or not collabcore's): the set-up will not
        touch it either, so a new one is needed."""
        hint = "Give the host a database of its own." if foreign else "Run the example's setup command first."
        super().__init__(message, hint=hint)


@frozen
class Host:
    service: cc.CollaborationService
    sandbox: Sandbox
    worker: Worker

    def close(self) -> None:
        """Stop the worker, then close the sandbox and the store (calling it again does nothing)."""
        try:
            self.worker.stop()
        finally:
            try:
                self.sandbox.close()
            finally:
                self.service.store.close()


def open_host(
    *,
    db: str | os.PathLike[str] | None = None,
    dsn: str | None = None,
    schema: str | None = None,
    every: float = 1.0,
    retry: cc.RetryPolicy | None = RETRY,
    brand: str = "visma",
    language: str = "en",
) -> Host:
    """The service over the store, with the sandbox's integrations and a worker (not started).

    ``db``: a SQLite file the set-up command made; ``dsn`` (and ``schema``, collabcore's
    default when None): a PostgreSQL database it set up. Raises :class:`NotSetUp` when there
    is nothing the set-up made there, and StorageError when the database cannot be reached.

    ``brand`` and ``language`` are the host's: a new visitor's pages start in them, and the
    relay's notifications are written in the brand (each in its recipient's language). A real
    host knows its brand from its site; the pages' switch changes only the pages' words."""
    store, sandbox = open_parts(db=db, dsn=dsn, schema=schema)
    try:
        service = cc.CollaborationService(
            store, integrations=sandbox.integrations(), brand=brand, language=language
        )
    except cc.CollabCoreError:
        sandbox.close()
        store.close()
        raise
    return Host(service, sandbox, Worker(service, every=every, retry=retry))


def open_parts(
    *,
    db: str | os.PathLike[str] | None = None,
    dsn: str | None = None,
    schema: str | None = None,
    create: bool = False,
) -> tuple[Store, Sandbox]:
    """collabcore's store and the sandbox on one database. ``create`` (the set-up's): make what
    is missing; otherwise refuse a database the set-up did not make."""
    if (db is None) == (dsn is None):
        raise cc.InvalidInput(
            "Give the host's database: a SQLite file (db) or a PostgreSQL DSN (dsn), one of the two.",
            path="db",
        )
    if schema is not None and dsn is None:
        raise cc.InvalidInput("schema goes with a PostgreSQL DSN, not with a SQLite file.", path="schema")
    if db is not None:
        path = os.fspath(db)
        if not create:
            state, sentence = database_state(path)
            if state != "web_host":
                raise NotSetUp(sentence, target=path, foreign=state in ("folder", "foreign"))
        store: Store = cc.SQLiteStore(path, create=create)
        opened = _sandbox(store, lambda: Sandbox.sqlite(path, create=create), path)
        return store, opened
    assert dsn is not None
    if not create:
        _require_postgres_set_up(dsn, schema or "collabcore")  # collabcore's default schema
    name = schema or "collabcore"
    store = cc.PostgresStore(dsn, schema=name)
    return store, _sandbox(store, lambda: Sandbox.postgres(dsn, name, create=create), name)


def _sandbox(store: Store, open_: Callable[[], Sandbox], target: str) -> Sandbox:
    try:
        return open_()
    except NoSandbox as error:
        store.close()
        raise NotSetUp(error.message, target=target) from None
    except BaseException:
        store.close()
        raise


State = Literal["missing", "folder", "empty", "foreign", "collabcore", "web_host"]


def database_state(path: str | os.PathLike[str]) -> tuple[State, str]:
    """What the SQLite file at ``path`` holds, and that in a sentence: ``web_host`` for a
    database the set-up made. Only looks (read-only): a missing file is not made, a foreign
    one not touched."""
    where = os.fspath(path)
    if not os.path.exists(where):
        return "missing", f"{where} does not exist."
    if os.path.isdir(where):
        return "folder", f"{where} is a folder, not a database file."
    try:
        with open(where, "rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError as error:
        return "foreign", f"{where} cannot be read: {error.strerror}."
    if not header:
        return "empty", f"{where} is an empty file, not the web host's database."
    if header != SQLITE_HEADER:
        return "foreign", f"{where} is not an SQLite database."
    try:
        with contextlib.closing(sqlite3.connect(f"file:{quote(where)}?mode=ro", uri=True)) as look:
            tables = {row[0] for row in look.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error as error:
        return "foreign", f"{where} cannot be read as SQLite: {error}."
    if "collabcore_meta" not in tables:
        return "foreign", f"{where} is not a collabcore database."
    if FACTS_TABLE not in tables:
        return "collabcore", f"{where} is a collabcore database, but not one the web host's set-up made."
    return "web_host", f"{where} is the web host's database."


def database_problem(path: str | os.PathLike[str]) -> str | None:
    """Why the SQLite file at ``path`` is not a database the set-up made, in a sentence; None
    when it is one."""
    state, sentence = database_state(path)
    return None if state == "web_host" else sentence


def _require_postgres_set_up(dsn: str, schema: str) -> None:
    """Refuse a schema the set-up did not make (collabcore's store would make its tables
    there silently); an unreachable server is left to the store, which says why."""
    try:
        import psycopg
    except ImportError:
        raise cc.ConfigurationError(
            "PostgreSQL needs psycopg.", hint="pip install 'collabcore[postgres]'."
        ) from None
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as connection:
            row = connection.execute("SELECT to_regclass(%s)", (f"{schema}.{FACTS_TABLE}",)).fetchone()
    except psycopg.Error as error:
        # libpq tells its reason over several lines, each a sentence without its full stop.
        lines = [" ".join(line.split()).rstrip(".?! ") for line in str(error).splitlines()]
        reason = "; ".join(line for line in lines if line) or type(error).__name__
        raise cc.StorageError(
            f"Cannot connect to PostgreSQL: {reason}.", hint="Check the DSN and that the server is running."
        ) from None
    if row is None or row[0] is None:
        raise NotSetUp(f"The PostgreSQL schema {schema} holds no web host.", target=schema)
