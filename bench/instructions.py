"""CPU instructions per operation, counted by valgrind's callgrind: the figures that do not
move from run to run, for the targets that are about CPU (an end, a plan, and the parts of
an end its promises need).

    python bench/instructions.py    # writes bench/instructions.json and docs/instructions.md

Each operation runs in a child process under callgrind twice, a few times and many times
over the same set-up; the difference, divided by the difference in count, is what one
operation costs, with the interpreter's start and the set-up taken out. It needs
``valgrind`` on the PATH and ``pip install casbin`` for the peer; what is missing is
reported, not faked. A full run takes a few minutes (callgrind runs Python ~50× slower).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FEW, MANY = 20, 220

OPERATIONS: dict[str, str] = {
    "end_sqlite": "one collabcore end on a SQLite file (synchronous=NORMAL), idempotency key and all",
    "end_sqlite_smallest": "one smallest honest end on a SQLite file, by hand (bench/floors.py)",
    "decode_rows": "decoding and checking the three rows an end reads: collaboration, customer, subscription",
    "json_rows": "of which json.loads of those three documents",
    "rules": "asking the product's rules, as an end does (context, rules, effects)",
    "decide": "deciding an end: the rules and building every value it writes",
    "encode": "encoding the documents an end writes (collaboration, event, outbox rows, key)",
    "plan_cold": "a cold plan_end, memo off, 5 findings, memory store",
    "casbin_enforce": "casbin's enforce of the same yes/no, from a policy in memory",
}


def _child(what: str, count: int) -> None:
    """The set-up, then ``count`` operations: what callgrind counts."""
    sys.path.insert(0, str(ROOT / "bench"))
    import floors
    import run

    import collabcore as cc

    folder = Path(tempfile.mkdtemp(prefix="instructions-"))
    if what == "end_sqlite":
        world, ids = run.populated_sqlite(folder / "end.db", MANY, "NORMAL")
        actor = world.office_admin()
        for cid in ids[:count]:
            world.service.end(
                cid,
                actor=actor,
                outcome=cc.Outcome.DEACTIVATE,
                acknowledge={"R16"},
                idempotency_key=f"k-{cid}",
            )
        return
    if what == "end_sqlite_smallest":
        floors.sqlite_smallest_end_floor(folder / "least.db", MANY, "NORMAL", ends=count)
        return
    if what in ("plan_cold", "casbin_enforce"):
        operation = _plan(cc) if what == "plan_cold" else _casbin(floors)
        operation()  # the first call's caches (prepared rules, a compiled matcher) are set-up
        for _ in range(count):
            operation()
        return
    operation = _end_part(what, run, cc, folder)
    for _ in range(count):
        operation()


def _plan(cc: Any) -> Callable[[], object]:
    from collabcore.testing import World

    world = World()
    (collab,) = world.setup(cc.EXPENSES)
    world.fakes.set_facts("customer-1", unsubmitted_reports=1)
    service = cc.CollaborationService(
        world.store, integrations=world.fakes.integrations(), clock=world.clock, plan_memo_size=0
    )
    actor = world.office_admin()
    return lambda: service.plan_end(collab.id, actor=actor, outcome=cc.Outcome.DELETE)


def _casbin(floors: Any) -> Callable[[], object]:
    enforcer = floors.casbin_enforcer()
    if enforcer is None:
        raise SystemExit("casbin is not installed (pip install casbin)")
    return lambda: enforcer.enforce("office-1/admin", "collab-1", "end")


def _end_part(what: str, run: Any, cc: Any, folder: Path) -> Callable[[], object]:
    """One part of an end, on what a real end of the bench's SQLite file reads and writes."""
    from collabcore.adapters.codecs import ENCODE, end_texts
    from collabcore.adapters.serialization import stored_value
    from collabcore.adapters.sqlite import _LOAD_END
    from collabcore.app.ending import Decided
    from collabcore.app.requests import EndCommand
    from collabcore.domain.model import Collaboration, Customer, Subscription
    from collabcore.domain.records import IdempotencyKey

    world, ids = run.populated_sqlite(folder / "parts.db", 2, "NORMAL")
    service, actor = world.service, world.office_admin()
    ending = service._ending
    command = EndCommand.checked(ids[0], actor, cc.Outcome.DEACTIVATE, {"R16"}, False)
    key = IdempotencyKey.of(actor, "k")
    snapshot, _ = world.store.read_end(ids[0], idempotency_key=key)
    assert snapshot.collaboration is not None
    facts = ending.facts(
        snapshot.collaboration.customer_id, service.products.get(snapshot.collaboration.product)
    )
    decided = ending.decide(snapshot, command, facts, "k", key, None, memo=False)
    assert isinstance(decided, Decided)
    row = world.store._connection().execute(_LOAD_END, (key.scope, key.key, ids[0])).fetchone()
    texts = ((row[0], Collaboration), (row[4], Customer), (row[6], Subscription))
    assert all(text is not None for text, _ in texts)
    parts: dict[str, Callable[[], object]] = {
        "decode_rows": lambda: [stored_value(json.loads(text), kind) for text, kind in texts],
        "json_rows": lambda: [json.loads(text) for text, _ in texts],
        "rules": lambda: ending.verdict(snapshot, snapshot.collaboration, command, facts, memo=False),
        "decide": lambda: ending.decide(snapshot, command, facts, "k", key, None, memo=False),
        "encode": lambda: end_texts(decided.writes, ENCODE),
    }
    return parts[what]


def _counted(what: str, count: int) -> int:
    """Instructions of a child process that sets up and runs ``count`` operations."""
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            __file__,
            "--child",
            what,
            str(count),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"{what} failed under callgrind:\n{done.stderr[-2000:]}")
    return int(found[1])


def per_operation(what: str) -> int:
    few, many = _counted(what, FEW), _counted(what, MANY)
    return round((many - few) / (MANY - FEW))


def page(figures: dict[str, int], when: str) -> str:
    end, least = figures.get("end_sqlite"), figures.get("end_sqlite_smallest")
    plan, casbin = figures.get("plan_cold"), figures.get("casbin_enforce")
    promised = sum(figures.get(k, 0) for k in ("decode_rows", "rules", "encode"))
    lines = [
        "# Instructions per operation",
        "",
        "Written by `python bench/instructions.py` (which also writes `bench/instructions.json`),",
        f"run at {when}. CPU instructions counted by valgrind's callgrind: unlike times on a",
        "shared machine, they are the same from run to run. Each figure is one operation, with",
        "the interpreter's start and the set-up taken out (two runs of the same set-up, few and",
        "many operations, and the difference). Instructions are not time (a system call or a",
        "cache miss costs more than its count), but they show where an operation's CPU goes.",
        "",
        "| operation | instructions | what it is |",
        "|---|---|---|",
        *(f"| `{k}` | {figures[k]:,} | {OPERATIONS[k]} |" for k in OPERATIONS if k in figures),
        "",
    ]
    if end and least:
        lines += [
            f"One collabcore end on SQLite costs {end / least:.1f}× the smallest honest end's "
            "instructions. Three of its parts are what the end promises: decoding and checking "
            "every row it reads, asking every rule of the product, and encoding what it writes. "
            f"Together they come to {promised:,}, {promised / least:.2f}× the whole smallest end.",
            "",
        ]
    if plan and casbin:
        lines += [
            f"A cold `plan_end` executes {plan / casbin:.2f}× the instructions of casbin's `enforce`; "
            "in time ([performance](performance.md)) the two are about level: the two programs "
            "differ in instructions per second.",
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--child", nargs=2, metavar=("OPERATION", "COUNT"), help=argparse.SUPPRESS)
    parser.add_argument("--only", help="comma-separated operations: " + ", ".join(OPERATIONS))
    parser.add_argument("--out", default=str(ROOT / "bench" / "instructions.json"))
    parser.add_argument("--page", default=str(ROOT / "docs" / "instructions.md"))
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], int(args.child[1]))
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind): nothing counted.")
    wanted = list(OPERATIONS) if not args.only else args.only.split(",")
    unknown = [w for w in wanted if w not in OPERATIONS]
    if unknown:
        raise SystemExit(f"unknown operation(s): {', '.join(unknown)}; choose from {', '.join(OPERATIONS)}")
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        counted = dict(zip(wanted, pool.map(per_operation, wanted), strict=True))
    for name, value in counted.items():
        print(f"{name}: {value:,} instructions")
    when = datetime.now(UTC).isoformat(timespec="seconds")
    Path(args.out).write_text(json.dumps({"when": when, "instructions": counted}, indent=2) + "\n")
    if not args.only:
        Path(args.page).write_text(page(counted, when))
        print(f"wrote {args.out} and {args.page}")


if __name__ == "__main__":
    main()
