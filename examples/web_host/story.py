"""The demo story's set-up: the offices, customers, users and collaborations the web host
starts with, and what the sandbox answers for them.

It is the story of ``collabcore demo`` (the seeds' help pages), made rich enough to click
through: two offices, so that a customer can move and an office can try another office's
customer; a company whose main contact is missing (the seeds' blocker, fixed on its Manage
users page); a company whose integrations block (unsubmitted expense reports, payroll not
synchronised, an active bank integration), each fixed on the sandbox's facts page; and
products that offer both "the company continues" and delete.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping

from attrs import frozen

import collabcore as cc
from collabcore.ports import Store

from .host import Host, State, database_state, open_parts
from .worker import Worker

NORTH = "office-1"
SOUTH = "office-2"
CRAFTS = "customer-1"
BAKERY = "customer-2"
HARBOUR = "customer-3"
FLOWERS = "customer-4"

# Every person of the story, in the X-User format the API reads, for the sign-in page.
PEOPLE: tuple[tuple[str, str], ...] = (
    (f"office:{NORTH}:anna", "Anna Berg (office-1, administrator)"),
    (f"office:{NORTH}:bo", "Bo Ek (office-1, user)"),
    (f"office:{SOUTH}:eva", "Eva Sund (office-2, administrator)"),
    (f"customer:{CRAFTS}:kim", "Kim Lind (customer-1, user)"),
    (f"customer:{CRAFTS}:sam", "Sam Ulf (customer-1, user)"),
    (f"customer:{BAKERY}:lisa", "Lisa Holm (customer-2, administrator, main contact)"),
    (f"customer:{BAKERY}:olle", "Olle Nyberg (customer-2, user)"),
    (f"customer:{HARBOUR}:maja", "Maja Strand (customer-3, administrator, main contact)"),
    (f"customer:{FLOWERS}:nils", "Nils Åberg (customer-4, administrator, main contact)"),
    ("operator", "Operator (the relay's view)"),
)

ADMIN = cc.Role.ADMINISTRATOR

OFFICES: tuple[cc.AccountingOffice, ...] = (
    cc.AccountingOffice(
        NORTH,
        "Ekonomibyrån Norr AB",
        (
            cc.OfficeUser("anna", "Anna Berg", ADMIN, full_rights=True),
            cc.OfficeUser("bo", "Bo Ek", cc.Role.USER),
        ),
    ),
    cc.AccountingOffice(
        SOUTH,
        "Lönebyrån Syd AB",
        (cc.OfficeUser("eva", "Eva Sund", ADMIN, full_rights=True),),
        language="sv",
    ),
)

CUSTOMERS: tuple[cc.Customer, ...] = (
    # The seeds' company: no Administrator, so no main contact, and every end is refused until
    # the office makes Kim an Administrator and the main contact (Manage users).
    cc.Customer(
        CRAFTS,
        "10042",
        "Hantverkarna i Norr AB",
        (cc.CustomerUser("kim", "Kim Lind"), cc.CustomerUser("sam", "Sam Ulf")),
    ),
    # The company whose integrations block: its facts are set in the sandbox below.
    cc.Customer(
        BAKERY,
        "10057",
        "Bageriet Söder AB",
        (cc.CustomerUser("lisa", "Lisa Holm", ADMIN), cc.CustomerUser("olle", "Olle Nyberg")),
        main_contact="lisa",
    ),
    # Another office's customer: office-1 sees it as it sees a customer that does not exist.
    cc.Customer(
        HARBOUR,
        "20017",
        "Fiskehamnen Väst AB",
        (cc.CustomerUser("maja", "Maja Strand", ADMIN),),
        main_contact="maja",
        language="sv",
    ),
    # Nothing blocks here: an end goes straight through.
    cc.Customer(
        FLOWERS,
        "10061",
        "Ängens Blomsterhandel AB",
        (cc.CustomerUser("nils", "Nils Åberg", ADMIN),),
        main_contact="nils",
    ),
)

COLLABORATIONS: tuple[tuple[str, str, str], ...] = (
    (NORTH, CRAFTS, cc.BOOKKEEPING),
    (NORTH, CRAFTS, cc.PAYROLL),
    (NORTH, CRAFTS, cc.EXPENSES),
    (NORTH, BAKERY, cc.BOOKKEEPING),
    (NORTH, BAKERY, cc.PAYROLL),
    (NORTH, BAKERY, cc.EXPENSES),
    (NORTH, FLOWERS, cc.BOOKKEEPING),
    (SOUTH, HARBOUR, cc.BOOKKEEPING),
    (SOUTH, HARBOUR, cc.PAYROLL),
)
"""(office, customer, product) of each collaboration that runs when the story starts; its id
is ``<customer>-<product>`` (``customer-1-bookkeeping``)."""

SANDBOX_FACTS: Mapping[str, Mapping[str, object]] = {
    BAKERY: {
        "expenses.unsubmitted_reports": 2,
        "expenses.users_with_unsubmitted_outlays": ("olle",),
        "payroll.synchronised": False,
        "bookkeeping.bank_integration_active": True,
        "bookkeeping.linked_services": ("Scanner",),
    },
}
"""What the sandbox answers differently from the all-clear when the story starts."""


def collaboration_id(customer_id: str, product: str) -> str:
    return f"{customer_id}-{product}"


@frozen
class Story:
    """What the set-up registered, and where."""

    where: str
    offices: tuple[cc.AccountingOffice, ...]
    customers: tuple[cc.Customer, ...]
    collaborations: tuple[cc.Collaboration, ...]
    facts: Mapping[str, Mapping[str, object]]

    def lines(self) -> Iterator[str]:
        """The story in lines a person reads (the set-up command prints them)."""
        names = {office.id: office.name for office in self.offices}
        yield f"Set up the web host's story in {self.where}:"
        for office in self.offices:
            people = ", ".join(f"{u.name} ({u.id}, {u.role.value})" for u in office.users)
            yield f"  office {office.id} {office.name}: {people}"
        for customer in self.customers:
            people = ", ".join(f"{u.name} ({u.id}, {u.role.value})" for u in customer.users)
            contact = customer.main_contact or "missing"
            yield f"  customer {customer.id} no. {customer.number} {customer.name}: {people}"
            yield f"    main contact: {contact}"
            for collab in self.collaborations:
                if collab.customer_id == customer.id:
                    yield f"    {collab.id}: {collab.product} with {names[collab.office_id]}"
            for key, value in self.facts.get(customer.id, {}).items():
                yield f"    sandbox: {key} = {value!r}"


def set_up(target: Host | str | os.PathLike[str], *, schema: str | None = None, fresh: bool = False) -> Story:
    """Register the demo story from nothing: on an open :class:`Host`, on a SQLite file (made
    if missing) or on a PostgreSQL database (``postgresql://...``, in ``schema``).

    A database that holds the story already is refused (InvalidInput) unless ``fresh``, which
    starts over: the SQLite file is deleted and made again, the PostgreSQL schema dropped. A
    file that is not a collabcore database is never touched."""
    if isinstance(target, Host):
        if fresh or schema is not None:
            raise cc.InvalidInput(
                "fresh and schema are for a database target, not an open host.",
                hint="Give the SQLite file or the PostgreSQL DSN to start over.",
                path="fresh" if fresh else "schema",
            )
        return register_story(target, where="the open host")
    if not isinstance(target, str | os.PathLike):
        raise cc.InvalidInput(
            f"target must be a Host, a SQLite file or a postgresql:// DSN, got {type(target).__name__}.",
            path="target",
        )
    text = os.fspath(target)
    if text.startswith(("postgresql://", "postgres://")):
        name = schema or "collabcore"
        where = f"the PostgreSQL schema {name}"
        if fresh:
            _drop_schema(text, name)
        else:
            _refuse_present(cc.PostgresStore(text, schema=name), where)
        store, sandbox = open_parts(dsn=text, schema=name, create=True)
    else:
        if schema is not None:
            raise cc.InvalidInput("schema goes with a PostgreSQL DSN, not with a SQLite file.", path="schema")
        where = text
        if _clear_sqlite(text, fresh=fresh) == "collabcore":
            # Looked at before the sandbox's tables are added, so that a refused file is left as it was.
            _refuse_present(cc.SQLiteStore(text), where)
        store, sandbox = open_parts(db=text, create=True)
    service = cc.CollaborationService(store, integrations=sandbox.integrations())
    host = Host(service, sandbox, Worker(service))
    try:
        return register_story(host, where=where)
    finally:
        host.close()


def register_story(host: Host, *, where: str) -> Story:
    """The story's offices, customers, collaborations and sandbox facts, into ``host``."""
    _refuse_present(host.service.store, where, close=False)
    # Readable collaboration ids (the pages' URLs show them); the host's service makes the rest.
    ids = iter([collaboration_id(customer, product) for _, customer, product in COLLABORATIONS])
    service = cc.CollaborationService(
        host.service.store, integrations=host.service.integrations, ids=lambda: next(ids)
    )
    offices = tuple(service.register_office(office) for office in OFFICES)
    customers = tuple(service.register_customer(customer) for customer in CUSTOMERS)
    collaborations = tuple(
        service.register_collaboration(office_id=office, customer_id=customer, product=product)
        for office, customer, product in COLLABORATIONS
    )
    for customer_id, facts in SANDBOX_FACTS.items():
        for key, value in facts.items():
            host.sandbox.set_fact(customer_id, key, value)
    return Story(where, offices, customers, collaborations, SANDBOX_FACTS)


def _refuse_present(store: Store, where: str, *, close: bool = True) -> None:
    """InvalidInput when the store holds any office or customer of the story already."""
    try:
        with store.transaction(write=False) as uow:
            present = [o.id for o in OFFICES if uow.get_office(o.id) is not None]
            present += [c.id for c in CUSTOMERS if uow.get_customer(c.id) is not None]
    finally:
        if close:
            store.close()
    if present:
        raise cc.InvalidInput(
            f"{where} holds the story already ({', '.join(present)} exist).",
            hint="Run the setup command again with --fresh to delete what is there and start over.",
            path="fresh",
        )


def _clear_sqlite(path: str, *, fresh: bool) -> State:
    """Leave the file ready for the set-up: refuse one that is not collabcore's, and delete a
    collabcore one when starting over. Returns what the file is now."""
    state, sentence = database_state(path)
    if state in ("folder", "foreign"):
        raise cc.InvalidInput(
            f"{sentence} The set-up leaves it alone.", hint="Give the set-up a new file.", path="db"
        )
    if fresh and state in ("collabcore", "web_host", "empty"):
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path + suffix)
        return "missing"
    return state


def _drop_schema(dsn: str, schema: str) -> None:
    store = cc.PostgresStore(dsn, schema=schema)
    try:
        store.drop_schema()
    finally:
        store.close()
