"""The example's integrations: a sandbox that answers every fact the rules read from its own
stored state, and records every effect the relay carries out.

A real host answers ``payroll.synchronised`` from its payroll system and hands the backup over
through it; the sandbox keeps both in two tables of the host's own database instead (the same
SQLite file, or the same PostgreSQL schema), so that the set-up command, the server and every
worker of it see one state, and a page can change a fact to show a blocker and then fix it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, cast

from attrs import frozen

import collabcore as cc
from collabcore.domain.outbox import Notification
from collabcore.policy.facts import LATEST

log = logging.getLogger("web_host.sandbox")

Kind = Literal["bool", "int", "texts"]

FACTS_TABLE = "web_host_sandbox_facts"
EFFECTS_TABLE = "web_host_sandbox_effects"

FAIL_EFFECTS = "sandbox.fail_effects"
"""The sandbox's own switch, per customer: while it is on, every effect and notification for the
customer fails, so that the operator's relay view shows a failed item with the integration's
error, and a retry once it is turned off goes through."""

MAX_COUNT = 1_000_000
MAX_NAMES = 100
MAX_NAME_LENGTH = 200
_SCHEMA = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_TRUE = frozenset({"true", "on", "yes", "1"})
_FALSE = frozenset({"false", "off", "no", "0"})
_ALLOWED: Mapping[Kind, str] = {
    "bool": "true or false",
    "int": f"a whole number from 0 to {MAX_COUNT:,}",
    "texts": f"a list of up to {MAX_NAMES} names (in a form: names separated by commas)",
}


@frozen
class SandboxFact:
    """One fact the rules read, as the sandbox answers it for one customer."""

    key: str
    product: str
    """The product whose rules read it (``sandbox`` for the sandbox's own switch)."""
    kind: Kind
    value: object
    """The current answer: a bool, an int, or a tuple of texts."""
    description: str = ""
    """What the answer says (the fact's own description)."""
    default: object = None
    """What the sandbox answers until someone sets it: the fact's all-clear."""


@frozen
class CarriedOut:
    """One thing the sandbox's integrations did for the relay (once per effect key)."""

    key: str
    """The effect's key (``<collaboration>:<step>:<kind>``), or the notification's."""
    method: str
    """The integration method the relay called, such as ``hand_over_backup`` or ``notify``."""
    customer_id: str | None
    """The customer it was about; None for a notification the sandbox cannot place."""
    product: str | None
    """The product's key; None for a notification."""
    party: str | None
    """Who a notification went to (``office`` or ``customer``); None for an effect."""
    party_id: str | None
    detail: str
    """What was done, in a line: the effect's office, or the notification's subject."""
    at: datetime

    @property
    def text(self) -> str:
        return f"{self.method}: {self.detail}"


class SandboxFailure(Exception):
    """What the sandbox raises while ``sandbox.fail_effects`` is on: the integration's error the
    relay records and the operator reads."""


class NoSandbox(cc.ConfigurationError):
    """The database has no sandbox tables: the set-up did not make it (or not yet)."""


class Sandbox:
    """The example's integrations, answering every declared fact from stored state.

    Open it with :meth:`sqlite` or :meth:`postgres` on the host's own database (its own
    connection, guarded by a lock: the server calls it from a thread pool). ``rulebook`` and
    ``products``: the service's, when a host adds rules that read facts of their own.
    """

    def __init__(
        self,
        connection: _Connection,
        *,
        rulebook: cc.Rulebook | None = None,
        products: cc.ProductCatalog | None = None,
        create: bool = False,
    ) -> None:
        self._db = connection
        try:
            self._declared = _declared_facts(
                rulebook or cc.default_rulebook(), products or cc.default_products()
            )
            if create:
                self._create_tables()
            elif not self._has_tables():
                raise NoSandbox(
                    f"{connection.where} holds no sandbox of the web host.",
                    hint="Run the example's setup command on it first.",
                )
        except BaseException:
            connection.close()
            raise

    # --- opening -------------------------------------------------------------------

    @classmethod
    def sqlite(
        cls,
        path: str | os.PathLike[str],
        *,
        create: bool = False,
        rulebook: cc.Rulebook | None = None,
        products: cc.ProductCatalog | None = None,
    ) -> Sandbox:
        """The sandbox in the SQLite file at ``path`` (which must exist: the set-up command makes
        it). ``create``: add the sandbox's tables if they are missing (the set-up does)."""
        where = os.fspath(path)
        if not os.path.isfile(where):
            raise NoSandbox(f"{where} does not exist.", hint="Run the example's setup command to make it.")

        def connect() -> sqlite3.Connection:
            # Autocommit: every statement is a transaction of its own, so the sandbox never holds
            # SQLite's write lock while collabcore's store waits for it.
            connection = sqlite3.connect(where, timeout=10.0, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA busy_timeout = 10000")
            return connection

        return cls(
            _Connection(connect, "?", where, sqlite3.Error),
            create=create,
            rulebook=rulebook,
            products=products,
        )

    @classmethod
    def postgres(
        cls,
        dsn: str,
        schema: str | None = None,
        *,
        create: bool = False,
        rulebook: cc.Rulebook | None = None,
        products: cc.ProductCatalog | None = None,
    ) -> Sandbox:
        """The sandbox in the PostgreSQL database ``dsn``, in ``schema`` (collabcore's default
        schema, ``collabcore``, when None): the store's own, so one schema holds the host."""
        import psycopg

        schema = schema or "collabcore"
        if not isinstance(schema, str) or not _SCHEMA.fullmatch(schema):
            raise cc.InvalidInput(
                f"schema must be a lowercase SQL identifier, got {schema!r}.",
                hint="Letters, digits and underscores, starting with a letter.",
                path="schema",
            )

        def connect() -> Any:
            return psycopg.connect(
                dsn, autocommit=True, connect_timeout=5, options=f"-c search_path={schema}"
            )

        return cls(
            _Connection(
                connect, "%s", f"The PostgreSQL schema {schema}", psycopg.Error, psycopg.OperationalError
            ),
            create=create,
            rulebook=rulebook,
            products=products,
        )

    def _create_tables(self) -> None:
        self._db.run(
            f"CREATE TABLE IF NOT EXISTS {FACTS_TABLE} (customer_id TEXT NOT NULL, fact_key TEXT NOT NULL, "
            "value_json TEXT NOT NULL, PRIMARY KEY (customer_id, fact_key))"
        )
        self._db.run(
            f"CREATE TABLE IF NOT EXISTS {EFFECTS_TABLE} (effect_key TEXT PRIMARY KEY, "
            "origin TEXT NOT NULL, method TEXT NOT NULL, customer_id TEXT, product TEXT, party TEXT, "
            "party_id TEXT, detail TEXT NOT NULL, carried_out_at TEXT NOT NULL)"
        )

    def _has_tables(self) -> bool:
        try:
            self._db.run(f"SELECT 1 FROM {FACTS_TABLE} WHERE 1 = 0")
            self._db.run(f"SELECT 1 FROM {EFFECTS_TABLE} WHERE 1 = 0")
        except cc.StorageError:
            return False
        return True

    # --- the integrations -----------------------------------------------------------

    def integrations(self) -> cc.Integrations:
        """Every fact the rulebook declares, answered from the stored state, and every effect
        port, recording what it did once per key (the relay may call a key again)."""
        ports = _Ports(self)
        return cc.Integrations(
            payroll=ports,
            expenses=ports,
            bookkeeping=ports,
            access=ports,
            billing=ports,
            eraser=ports,
            lifecycle=ports,
            notifier=ports,
            facts={key: self._reader(key) for key in self._declared},
            as_of=LATEST,
        )

    def _reader(self, key: str) -> Callable[[str], object]:
        return lambda customer_id: self.answer(customer_id, key)

    def answer(self, customer_id: str, key: str) -> object:
        """What the sandbox answers for ``key`` about the customer: what was set, else the
        fact's all-clear."""
        declared = self._declared.get(key)
        if declared is None:
            raise cc.InvalidInput(self._unknown(key), path="key")
        rows = self._db.run(
            f"SELECT value_json FROM {FACTS_TABLE} WHERE customer_id = ? AND fact_key = ?",
            (customer_id, key),
        )
        if not rows:
            return declared.default
        return _decoded(declared.kind, json.loads(rows[0][0]))

    # --- the facts page ----------------------------------------------------------------

    def facts_of(self, customer_id: str) -> tuple[SandboxFact, ...]:
        """Every fact the sandbox answers for the customer, by product, and its switch last."""
        rows = self._db.run(
            f"SELECT fact_key, value_json FROM {FACTS_TABLE} WHERE customer_id = ?", (customer_id,)
        )
        stored = {key: value for key, value in rows}
        found = []
        for key, declared in self._declared.items():
            value = declared.default
            if key in stored:
                value = _decoded(declared.kind, json.loads(stored[key]))
            found.append(
                SandboxFact(
                    key, declared.product, declared.kind, value, declared.description, declared.default
                )
            )
        return tuple(found)

    def set_fact(self, customer_id: str, key: str, value: object) -> None:
        """Answer ``key`` with ``value`` for the customer from now on: a bool, an int or a list
        of texts as the fact takes, or the text a form posts (``true``/``false``, ``2``,
        ``Scanner, Payroll app``). Refused with InvalidInput, and nothing changed, for a key
        the sandbox does not answer or a value of the wrong kind."""
        self.set_facts(customer_id, {key: value})

    def set_facts(self, customer_id: str, values: Mapping[str, object]) -> None:
        """Several facts at once, as :meth:`set_fact` takes each: all are checked before any is
        stored, and stored together, so a refused one changes nothing."""
        if not isinstance(customer_id, str) or not customer_id.strip():
            raise cc.InvalidInput(
                f"customer_id must be a customer's id, got {customer_id!r}.", path="customer_id"
            )
        checked = [(key, json.dumps(self.check(key, value))) for key, value in values.items()]
        self._db.run_all(
            f"INSERT INTO {FACTS_TABLE} (customer_id, fact_key, value_json) VALUES (?, ?, ?) "
            "ON CONFLICT (customer_id, fact_key) DO UPDATE SET value_json = excluded.value_json",
            [(customer_id, key, value) for key, value in checked],
        )

    def check(self, key: str, value: object) -> object:
        """``value`` as the fact ``key`` takes it (what :meth:`set_fact` would store), or
        InvalidInput naming the key and the values it takes; stores nothing."""
        declared = self._declared.get(key) if isinstance(key, str) else None
        if declared is None:
            raise cc.InvalidInput(self._unknown(key), path="key")
        return _checked(key, declared.kind, value)

    def reset(self, customer_id: str) -> None:
        """Every fact of the customer back to its all-clear (the switch off)."""
        self._db.run(f"DELETE FROM {FACTS_TABLE} WHERE customer_id = ?", (customer_id,))

    def _unknown(self, key: object) -> str:
        return (
            f"The sandbox answers no fact {key!r}; it answers "
            + ", ".join(f"{k} ({_ALLOWED[d.kind]})" for k, d in self._declared.items())
            + "."
        )

    # --- what the integrations did -----------------------------------------------------

    def carried_out(self, customer_id: str) -> Mapping[str, str]:
        """What the integrations did for the customer, oldest first: effect key -> a line
        (``revoke_office_access: bookkeeping, office office-1``). :meth:`records` has more."""
        return {record.key: record.text for record in reversed(self.records(customer_id))}

    def records(self, customer_id: str | None = None, *, limit: int = 200) -> tuple[CarriedOut, ...]:
        """What the integrations did, newest first: for one customer, or for everyone (None)."""
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 10_000:
            raise cc.InvalidInput(
                f"limit must be a whole number from 1 to 10,000, got {limit!r}.", path="limit"
            )
        columns = "effect_key, method, customer_id, product, party, party_id, detail, carried_out_at"
        if customer_id is None:
            rows = self._db.run(
                f"SELECT {columns} FROM {EFFECTS_TABLE} "
                "ORDER BY carried_out_at DESC, effect_key DESC LIMIT ?",
                (limit,),
            )
        else:
            rows = self._db.run(
                f"SELECT {columns} FROM {EFFECTS_TABLE} WHERE customer_id = ? "
                "ORDER BY carried_out_at DESC, effect_key DESC LIMIT ?",
                (customer_id, limit),
            )
        return tuple(
            CarriedOut(key, method, customer, product, party, party_id, detail, datetime.fromisoformat(at))
            for key, method, customer, product, party, party_id, detail, at in rows
        )

    def _record(
        self,
        key: str,
        method: str,
        customer_id: str | None,
        detail: str,
        *,
        product: str | None = None,
        party: str | None = None,
        party_id: str | None = None,
    ) -> None:
        if customer_id is not None and self.answer(customer_id, FAIL_EFFECTS) is True:
            raise SandboxFailure(
                f"The sandbox refused {method} for {customer_id}: {FAIL_EFFECTS} is on. "
                "Turn it off on the facts page, then retry the effect."
            )
        # Once per key: the relay calls a key again after a lost lease, and it must be done once.
        self._db.run(
            f"INSERT INTO {EFFECTS_TABLE} (effect_key, origin, method, customer_id, product, party, "
            "party_id, detail, carried_out_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (effect_key) DO NOTHING",
            (key, _origin(key), method, customer_id, product, party, party_id, detail, _now()),
        )
        log.info("sandbox %s %s", method, key)

    def _customer_of(self, notification: Notification) -> str | None:
        """The customer a notification is about: the party itself, or the customer of the
        earlier effects of the same end (a notification carries no customer of its own)."""
        if notification.party is cc.Party.CUSTOMER:
            return notification.party_id
        rows = self._db.run(
            f"SELECT customer_id FROM {EFFECTS_TABLE} WHERE origin = ? AND customer_id IS NOT NULL LIMIT 1",
            (_origin(notification.key),),
        )
        return cast("str | None", rows[0][0]) if rows else None

    def close(self) -> None:
        """Close its connection (calling it again does nothing)."""
        self._db.close()


def _origin(key: str) -> str:
    """The end or request an effect key belongs to: ``<origin>:<step>:<kind>`` (an id may hold
    a colon itself, so the last two parts are cut off)."""
    return key.rsplit(":", 2)[0]


class _Ports:
    """Every effect port and the seed ports' facts, through the sandbox's tables."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox

    # The seed ports' facts: a view onto the same answers as ``Integrations.facts``.
    def customer_is_payroll_user(self, customer_id: str) -> bool:
        return cast(bool, self._sandbox.answer(customer_id, "payroll.customer_is_user"))

    def payroll_synchronised(self, customer_id: str) -> bool:
        return cast(bool, self._sandbox.answer(customer_id, "payroll.synchronised"))

    def unsubmitted_reports(self, customer_id: str) -> int:
        return cast(int, self._sandbox.answer(customer_id, "expenses.unsubmitted_reports"))

    def users_with_unsubmitted_outlays(self, customer_id: str) -> Sequence[str]:
        return cast(
            "Sequence[str]", self._sandbox.answer(customer_id, "expenses.users_with_unsubmitted_outlays")
        )

    def active_linked_services(self, customer_id: str) -> Sequence[str]:
        return cast("Sequence[str]", self._sandbox.answer(customer_id, "bookkeeping.linked_services"))

    def bank_integration_active(self, customer_id: str) -> bool:
        return cast(bool, self._sandbox.answer(customer_id, "bookkeeping.bank_integration_active"))

    # The effects: each recorded once per key.
    def _effect(self, method: str, effect: cc.Effect) -> None:
        detail = f"{effect.product}, office {effect.office_id}"
        self._sandbox._record(effect.key, method, effect.customer_id, detail, product=effect.product)

    def hand_over_backup(self, effect: cc.Effect) -> None:
        self._effect("hand_over_backup", effect)

    def export_submitted_reports(self, effect: cc.Effect) -> None:
        self._effect("export_submitted_reports", effect)

    def revoke_office_access(self, effect: cc.Effect) -> None:
        self._effect("revoke_office_access", effect)

    def restrict_office_access(self, effect: cc.Effect) -> None:
        self._effect("restrict_office_access", effect)

    def revoke_company_online_access(self, effect: cc.Effect) -> None:
        self._effect("revoke_company_online_access", effect)

    def transfer_subscription(self, effect: cc.Effect) -> None:
        self._effect("transfer_subscription", effect)

    def deactivate_subscription(self, effect: cc.Effect) -> None:
        self._effect("deactivate_subscription", effect)

    def cancel_subscription(self, effect: cc.Effect) -> None:
        self._effect("cancel_subscription", effect)

    def erase_service_data(self, effect: cc.Effect) -> None:
        self._effect("erase_service_data", effect)

    def grant_office_access(self, effect: cc.Effect) -> None:
        self._effect("grant_office_access", effect)

    def change_payer(self, effect: cc.Effect) -> None:
        self._effect("change_payer", effect)

    def revoke_linked_services(self, effect: cc.Effect) -> None:
        self._effect("revoke_linked_services", effect)

    def notify(self, notification: Notification) -> None:
        self._sandbox._record(
            notification.key,
            "notify",
            self._sandbox._customer_of(notification),
            notification.subject,
            party=notification.party.value,
            party_id=notification.party_id,
        )


# --- the facts, declared ----------------------------------------------------------------------


@frozen
class _Declared:
    product: str
    kind: Kind
    default: object
    description: str


def _declared_facts(rulebook: cc.Rulebook, products: cc.ProductCatalog) -> dict[str, _Declared]:
    """Every fact the rulebook reads for the catalog's products, in the catalog's order of the
    product that reads it first, and the sandbox's own switch last."""
    owner: dict[str, str] = {}
    for spec in products.products.values():
        for fact in rulebook.reads(spec):
            owner.setdefault(fact.key, spec.key)
    declared: dict[str, _Declared] = {}
    order = {key: n for n, key in enumerate(products.products)}
    facts = rulebook.facts(products.products.values())
    for fact in sorted(facts, key=lambda f: (order.get(owner.get(f.key, ""), len(order)), f.key)):
        kind = _kind_of(fact.all_clear)
        if kind is None:
            raise cc.ConfigurationError(
                f"The sandbox cannot answer the fact {fact.key}: its all-clear {fact.all_clear!r} is not "
                "true/false, a whole number or a list of texts.",
                hint="Give the fact such an all_clear, or answer it with an integration of the host's own.",
            )
        declared[fact.key] = _Declared(owner.get(fact.key, ""), kind, fact.all_clear, fact.description)
    declared[FAIL_EFFECTS] = _Declared(
        "sandbox", "bool", False, "Every effect and notification for the customer fails (to show a failure)."
    )
    return declared


def _kind_of(value: object) -> Kind | None:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
        return "texts"
    return None


def _checked(key: str, kind: Kind, value: object) -> object:
    """``value`` as JSON the fact takes, or InvalidInput naming the key and what it takes."""
    if isinstance(value, str):
        value = _from_form(kind, value)
    ok = False
    if kind == "bool":
        ok = isinstance(value, bool)
    elif kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT
    elif isinstance(value, list | tuple):
        names = list(value)
        ok = (
            len(names) <= MAX_NAMES
            and all(isinstance(n, str) and n.strip() and len(n) <= MAX_NAME_LENGTH for n in names)
            and len(set(names)) == len(names)
        )
        value = [n.strip() for n in names] if ok else value
    if not ok:
        raise cc.InvalidInput(f"The fact {key} takes {_ALLOWED[kind]}, got {_shown(value)}.", path=key)
    return value


def _from_form(kind: Kind, text: str) -> object:
    """A form's text as the kind's value; left as text (and so refused) when it is not one."""
    stripped = text.strip()
    if kind == "bool":
        lowered = stripped.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else text
    if kind == "int":
        return int(stripped) if stripped.isascii() and stripped.isdigit() and len(stripped) <= 9 else text
    return _names(stripped.replace("\n", ",").split(",")) if stripped else []


def _names(parts: Iterable[str]) -> list[str]:
    return [part.strip() for part in parts if part.strip()]


def _decoded(kind: Kind, value: object) -> object:
    # A tuple, as the rules' all-clear is: the plan memo hashes the facts.
    return tuple(cast("list[str]", value)) if kind == "texts" else value


def _now() -> str:
    # Fixed width, so that the text orders as the time does.
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class _Connection:
    """One connection, one statement at a time (a lock: the server calls from many threads),
    reopened once when a PostgreSQL connection was lost; errors come out as StorageError."""

    def __init__(
        self,
        connect: Callable[[], Any],
        placeholder: str,
        where: str,
        error: type[Exception],
        lost: type[Exception] | None = None,
    ) -> None:
        self._connect = connect
        self._placeholder = placeholder
        self.where = where
        self._error = error
        self._lost = lost
        self._lock = threading.Lock()
        self._closed = False
        try:
            self._connection: Any = connect()
        except error as exc:
            raise cc.StorageError(f"Cannot open the sandbox in {where}: {_one_line(exc)}.") from None

    def run(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        if self._placeholder != "?":
            sql = sql.replace("?", self._placeholder)
        with self._lock:
            if self._closed:
                raise cc.StorageError("The sandbox is closed.", hint="Open the host again.")
            for attempt in (1, 2):
                try:
                    cursor = self._connection.execute(sql, tuple(params))
                    return list(cursor.fetchall()) if cursor.description else []
                except self._error as exc:
                    if self._lost is not None and isinstance(exc, self._lost) and attempt == 1:
                        self._reopen()
                        continue
                    raise cc.StorageError(f"The sandbox in {self.where} failed: {_one_line(exc)}.") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def run_all(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        """One statement for each row, in one transaction: all are kept, or none."""
        if self._placeholder != "?":
            sql = sql.replace("?", self._placeholder)
        with self._lock:
            if self._closed:
                raise cc.StorageError("The sandbox is closed.", hint="Open the host again.")
            connection = self._connection
            try:
                if isinstance(connection, sqlite3.Connection):
                    connection.execute("BEGIN IMMEDIATE")
                    try:
                        connection.executemany(sql, [tuple(row) for row in rows])
                    except BaseException:
                        connection.execute("ROLLBACK")
                        raise
                    connection.execute("COMMIT")
                else:
                    with connection.transaction(), connection.cursor() as cursor:
                        cursor.executemany(sql, [tuple(row) for row in rows])
            except self._error as exc:
                raise cc.StorageError(f"The sandbox in {self.where} failed: {_one_line(exc)}.") from None

    def _reopen(self) -> None:
        with contextlib.suppress(Exception):  # it was lost already; closing it is only tidying up
            self._connection.close()
        try:
            self._connection = self._connect()
        except self._error as exc:
            raise cc.StorageError(f"Cannot reopen the sandbox in {self.where}: {_one_line(exc)}.") from None

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._connection.close()


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
