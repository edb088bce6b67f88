"""Atomicity with the host, as a property: whatever collabcore does inside the host's
transaction is kept exactly as if done on its own when the host commits, and leaves no
trace when the host rolls back."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import collabcore as cc
from collabcore.domain.errors import CollabCoreError
from collabcore.testing import World
from collabcore.testing.contract_base import snapshot

COLLABS = ["collab-1", "collab-2", "collab-3"]
operations = st.lists(
    st.tuples(
        st.sampled_from(["end", "schedule", "host"]),
        st.sampled_from(COLLABS),
        st.sampled_from([o.value for o in cc.Outcome]),
        st.booleans(),
    ),
    min_size=1,
    max_size=6,
)


def world_on(store: Any) -> World:
    world = World(store)
    world.office()
    world.customer()
    for product in (cc.EXPENSES, cc.PAYROLL, cc.BOOKKEEPING):
        world.collaboration(product)
    world.fakes.set_facts(
        "customer-1",
        payroll_customer_is_user=True,
        payroll_synchronised=True,
        bank_integration_active=False,
        linked_services=[],
    )
    return world


def apply(
    service: cc.CollaborationService, ops: list[tuple[str, str, str, bool]], host: Any = None
) -> list[str]:
    """Each operation's answer: what it returned, or which error."""
    answers = []
    actor = World.customer_admin()
    for kind, collaboration, outcome, confirm in ops:
        try:
            if kind == "end":
                result = service.end(collaboration, actor=actor, outcome=outcome, confirm_deletion=confirm)
                answers.append(f"ended {result.collaboration.id}")
            elif kind == "schedule":
                scheduled = service.schedule_end(
                    collaboration, actor=actor, outcome=outcome, confirm_deletion=confirm
                )
                answers.append(f"scheduled {scheduled.request.collaboration_id}")
            else:
                if host is not None:
                    host.execute("INSERT INTO notes VALUES (?)", (collaboration,))
                answers.append("host")
        except CollabCoreError as error:
            answers.append(type(error).__name__)
    return answers


def state(world: World) -> Any:
    return snapshot(world, ["customer-1"], COLLABS)


@settings(max_examples=30, deadline=None)
@given(ops=operations, commit=st.booleans())
def test_the_host_decides_for_all_of_it(ops: list[tuple[str, str, str, bool]], commit: bool) -> None:
    folder = Path(tempfile.mkdtemp())
    world = world_on(cc.SQLiteStore(folder / "host.db"))
    alone = world_on(cc.MemoryStore())  # the same operations, without a host
    host = sqlite3.connect(folder / "host.db", isolation_level=None)
    host.execute("PRAGMA foreign_keys = ON")
    host.execute("CREATE TABLE notes (collaboration text)")
    before = state(world)

    host.execute("BEGIN IMMEDIATE")
    answers = apply(world.service.within(host), ops, host)
    host.execute("COMMIT" if commit else "ROLLBACK")

    notes = host.execute("SELECT count(*) FROM notes").fetchone()[0]
    if commit:
        assert answers == apply(alone.service, ops)
        assert state(world) == state(alone)
        assert notes == sum(kind == "host" for kind, *_ in ops)
    else:
        assert state(world) == before
        assert notes == 0
    host.close()
    world.store.close()
