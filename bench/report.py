"""docs/performance.md from a bench run's JSON: each target, the figure, met or missed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from attrs import frozen as frozen_row

Figure = Callable[[dict[str, Any]], tuple[str, bool | None]]
"""A figure of a run's results, as shown, and whether it meets its target (None: not measured)."""

ROUND_TRIPS_NOTE = (
    "counted from libpq's protocol trace (one ReadyForQuery per round trip) over 50 ends; libpq "
    "buffers its trace, so one message can fall across the counting boundary (±0.02); the raw "
    "figure is kept as round_trips_per_end_raw and compared after rounding to one decimal."
)


FLOORS_NOTE = """\
How the floors are made ([bench/floors.py](../bench/floors.py), where each floor's statements
are written out). Every floor writes to collabcore's own tables and indexes, made by
collabcore's own migration; it skips rules, texts, validation and the attrs values, parses
what it reads with `json.loads` and writes prepared JSON, so it is what the database
costs. Each end figure is measured against two floors in the same run:

- **The same-work floors** (issue 15) do the database work collabcore's end did then, by
  hand. SQLite (`sqlite_end_floor`): the collaboration read in a read transaction of its
  own, then in one `BEGIN IMMEDIATE … COMMIT` six reads (the collaboration, its customer,
  office, the customer's active collaborations, the subscription, the customer's open
  lifecycle requests), the version-checked update, the event, the subscription and four
  outbox rows. PostgreSQL (`postgres_end_floor`): the same in three round trips (the read
  before the transaction; the customer's row locked, the collaboration read `FOR UPDATE`
  and the reads, pipelined; every write and the `COMMIT`, pipelined).
- **The smallest honest end** (issue 26) is what ending a collaboration correctly needs
  at the least, by hand. SQLite (`sqlite_smallest_end_floor`): one `BEGIN IMMEDIATE …
  COMMIT` that reads the collaboration's row (id, office, customer, product, status,
  version, document) and decodes it, updates its status and version guarded by the
  version read, inserts the end event, the idempotency record and (one `executemany`) the
  four outbox rows. Its documents are as large as collabcore's (the idempotency record
  holds the result, as collabcore's does), so both write the same bytes; collabcore's
  ends here pass an idempotency key, as a host that retries does. PostgreSQL
  (`postgres_smallest_end_floor`): the same statements in the two round trips a read
  followed by writes needs (the transaction opened with the row read `FOR UPDATE`; every
  write and the `COMMIT`, pipelined).
- Both SQLite floors run with the same `synchronous` setting as collabcore's store in the
  same run (NORMAL, then FULL); CPU per end is `time.process_time()` over the ends alone.
  Each SQLite figure is the median of five rounds of 1,200 ends, each round measuring
  collabcore and both floors in turn (the ratios move with what else the machine runs;
  the median of the rounds' ratios moves less). PostgreSQL workers are processes, for collabcore and the floors.
- Relay (`postgres_relay_floor`): one effect at a time, `SELECT … FOR UPDATE SKIP LOCKED
  LIMIT 1`, `UPDATE`, `COMMIT`, in threads, as collabcore's relay workers are run here; it
  is the smallest relay already. collabcore's relay also builds and "sends" a
  notification for every other effect.
- Overview (`sqlite_overview_floor`): the office's active collaborations joined with their
  customers, both JSON documents parsed for every row.
- Bulk end: the same-work floor (`sqlite_bulk_floor`) reads the office's next 500 active
  collaborations with their customers a page at a time and writes their ends (update,
  event, subscription, outbox) in one transaction; the smallest (`sqlite_smallest_bulk_floor`)
  reads the next 100 collaborations' rows (collabcore's batch size), decodes them, and
  writes their updates, events and outbox rows with one `executemany` each. Neither asks a
  rule.
- collabcore keeps decoded rows by their stored text (`decoded_rows=`, 4096 by default):
  a page read again decodes nothing. The rows marked "cache off" show the same reads with
  it off, every row decoded every time; "plan memo off" shows `plan_end` computing each
  plan afresh instead of taking it from the memo.
"""


MISSED_NOTE = """\
How an end is made now (issue 26), and what stands between the missed targets and their
floors. [Instructions per operation](instructions.md) (`python bench/instructions.py`,
counted by valgrind's callgrind, which unlike time does not move from run to run) shows
where the CPU goes: one SQLite end executes about 2.8× the smallest honest end's
instructions, and three of its parts, which are what it promises (decoding and checking
every row it reads, asking every rule of the product, encoding what it writes), already
come to more than the whole smallest end. SQLite's own code is the smaller part of the
rest (0.27 million instructions against the floor's 0.21 million, on 2026-12-06).

- **An end on SQLite** reads everything in one statement outside any transaction (whether
  the customer has other active collaborations or open requests is asked with `EXISTS`,
  and they are read only when there are), after the database's `data_version`; asks the
  integrations, plans and builds the end's values; then in one `BEGIN IMMEDIATE … COMMIT`
  asks `data_version` again (if it moved, the end's statement is read again and compared
  with what the end was decided on; if that changed, the end reads and decides again
  under the lock) and writes the update, the event, the subscription, the outbox (one `executemany`) and
  the key, each document encoded once. A collaboration a plan showed first is read under
  the lock instead. Beside the smallest end's work it still plans under every rule of the
  product, decodes and checks what it read, builds the values of the end and writes the
  subscription; that Python is most of the difference (the instruction counts above).
  Reading first keeps the write lock about half as long as reading under it did (a median
  of 124–209 µs against 280–364 µs per end, measured around `BEGIN IMMEDIATE … COMMIT`),
  which is what several writer processes on more cores queue for; on this 2-core machine
  two writer processes end as many collaborations per second as before, within the noise.
- **An end on PostgreSQL** reads everything in one statement before its transaction,
  asks the integrations, plans, then in one round trip opens the transaction, locks the
  customer and runs one statement that checks that nothing it read has changed (the
  collaboration's version; the row versions of its customer, office, subscription, the
  customer's other active collaborations and open requests) and writes everything, and
  commits: two round trips, as the smallest end. If anything changed, the statement
  writes nothing and the end reads again under the lock. The server's own share is most
  of the difference with one worker: it parses each JSON document the end writes into
  `jsonb` (the smallest end's are fewer) and renders four documents as text for the
  read (the smallest end's one).
- **A plan with the memo off** evaluates every rule of the product (15 for Travel &
  Expenses), builds its findings, effects and the rest of the plan (consequences, words
  and timeline are worked out when first read), and reads the stored state and the
  integrations' facts; casbin answers one yes/no from a policy in memory. The decision
  alone, `may_end`, is the like-for-like comparison with casbin.
- **A memo hit** still checks the request, reads the stored state and asks the
  integrations, because the plan depends on all three.
- **A bulk end** now reads a batch's parties in one statement, and its ends a few
  statements at a time (rounds of items of different customers: each round's reads
  together, its writes in one `executemany` per table); each item is still planned
  under every rule (the floors ask none) and reported on its own.
- **The overview with the cache off** parses the same JSON as its floor and then builds
  and checks a value for every row; parsing alone is most of the floor.
"""


def _get(results: dict[str, Any], name: str, key: str) -> Any:
    return results.get(name, {}).get(key)


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "not measured"
    if isinstance(value, float):
        return f"{value:,.3g}{unit}" if value < 100 else f"{value:,.0f}{unit}"
    return f"{value}{unit}"


def _at_most(
    name: str, key: str, limit: float, unit: str = ""
) -> Callable[[dict[str, Any]], tuple[str, bool | None]]:
    def check(results: dict[str, Any]) -> tuple[str, bool | None]:
        value = _get(results, name, key)
        return _fmt(value, unit), None if value is None else value <= limit

    return check


def _at_least(
    name: str, key: str, limit: float, unit: str = ""
) -> Callable[[dict[str, Any]], tuple[str, bool | None]]:
    def check(results: dict[str, Any]) -> tuple[str, bool | None]:
        value = _get(results, name, key)
        return _fmt(value, unit), None if value is None else value >= limit

    return check


def _both(
    *checks: Callable[[dict[str, Any]], tuple[str, bool | None]],
) -> Callable[[dict[str, Any]], tuple[str, bool | None]]:
    """Met when every one of ``checks`` is; shown side by side."""

    def check(results: dict[str, Any]) -> tuple[str, bool | None]:
        answers = [c(results) for c in checks]
        met = [m for _, m in answers]
        verdict = None if None in met else all(met)
        return "; ".join(shown for shown, _ in answers), verdict

    return check


def _flag(name: str, key: str) -> Callable[[dict[str, Any]], tuple[str, bool | None]]:
    def check(results: dict[str, Any]) -> tuple[str, bool | None]:
        value = _get(results, name, key)
        return _fmt(value), value

    return check


@frozen_row
class Row:
    """One line of the table: what is measured, its target, and the figure against each
    floor (None where that floor does not apply); met when every figure shown meets it."""

    what: str
    target: str
    same_work: Figure | None
    smallest: Figure | None
    versus: str = ""
    """What a figure without a floor is compared with (casbin, a bare class), if anything."""


ROWS: list[Row] = [
    Row(
        "plan_end p50, plan memo off, 5 findings, memory store",
        "≤ 30 µs and ≥ 2× faster than casbin",
        _both(
            _at_most("plan_end_memory", "cold_p50_us", 30, " µs"),
            _at_least("plan_end_memory", "cold_times_faster_than_casbin", 2, "×"),
        ),
        None,
        "casbin `enforce`, same run",
    ),
    Row(
        "may this actor end this collaboration (`collabcore.policy.may_end`)",
        "≥ 20× faster than casbin",
        _at_least("plan_end_memory", "decision_times_faster_than_casbin", 20, "×"),
        None,
        "casbin `enforce`, same run",
    ),
    Row("plan_end p50, memo hit", "≤ 5 µs", _at_most("plan_end_memory", "p50_us", 5, " µs"), None),
    Row(
        "end throughput, SQLite file, `synchronous=NORMAL`",
        "≥ 0.5× floor",
        _at_least("end_sqlite", "ratio_to_floor_normal", 0.5, "×"),
        _at_least("end_sqlite", "ratio_to_smallest_normal", 0.5, "×"),
    ),
    Row(
        "end throughput, SQLite file, `synchronous=FULL`",
        "≥ 0.75× floor",
        _at_least("end_sqlite", "ratio_to_floor_full", 0.75, "×"),
        _at_least("end_sqlite", "ratio_to_smallest_full", 0.75, "×"),
    ),
    Row(
        "end p99, SQLite file (NORMAL; FULL)",
        "≤ 2× the floor's p99",
        _both(
            _at_most("end_sqlite", "p99_ratio_normal", 2, "×"),
            _at_most("end_sqlite", "p99_ratio_full", 2, "×"),
        ),
        _both(
            _at_most("end_sqlite", "p99_ratio_smallest_normal", 2, "×"),
            _at_most("end_sqlite", "p99_ratio_smallest_full", 2, "×"),
        ),
    ),
    Row(
        "CPU per end, SQLite (NORMAL; FULL)",
        "≤ 3× the floor's CPU per end",
        _both(
            _at_most("end_sqlite", "cpu_ratio_normal", 3, "×"),
            _at_most("end_sqlite", "cpu_ratio_full", 3, "×"),
        ),
        _both(
            _at_most("end_sqlite", "cpu_ratio_smallest_normal", 3, "×"),
            _at_most("end_sqlite", "cpu_ratio_smallest_full", 3, "×"),
        ),
    ),
    Row(
        "end throughput, PostgreSQL, 1 worker process; 4",
        "≥ 0.8× floor",
        _both(
            _at_least("end_postgres", "ratio_to_floor_1w", 0.8, "×"),
            _at_least("end_postgres", "ratio_to_floor_4w", 0.8, "×"),
        ),
        _both(
            _at_least("end_postgres", "ratio_to_smallest_1w", 0.8, "×"),
            _at_least("end_postgres", "ratio_to_smallest_4w", 0.8, "×"),
        ),
    ),
    Row(
        "round trips per end, PostgreSQL",
        "≤ 3",
        _at_most("end_postgres", "round_trips_per_end", 3),
        None,
        "the same-work floor makes 3, the smallest 2",
    ),
    Row(
        "relay effects/s, PostgreSQL, 1 worker; 2 workers",
        "≥ 0.6× floor",
        _both(
            _at_least("relay_postgres", "ratio_to_floor_1w", 0.6, "×"),
            _at_least("relay_postgres", "ratio_to_floor_2w", 0.6, "×"),
        ),
        None,
        "a raw SKIP LOCKED loop, the one relay floor: it is the smallest",
    ),
    Row("relay, 2 workers faster than 1", "yes", _flag("relay_postgres", "two_workers_faster"), None),
    Row(
        "overview of a whole office (40k rows), decoded-rows cache off",
        "≤ 1.5× floor",
        _at_most("overview_sqlite", "cold_whole_ratio", 1.5, "×"),
        None,
        "raw SQL, the same rows; the one overview floor",
    ),
    Row(
        "bulk end, SQLite, 30k items",
        "≥ 0.5× floor",
        _at_least("bulk_end_sqlite", "ratio_to_floor", 0.5, "×"),
        _at_least("bulk_end_sqlite", "ratio_to_smallest", 0.5, "×"),
    ),
    Row(
        "bulk end peak memory growth",
        "< 50 MB",
        _at_most("bulk_end_sqlite", "peak_memory_growth_mb", 50, " MB"),
        None,
    ),
    Row(
        "memory per collaboration, memory store",
        "≤ 400 B",
        _at_most("memory_per_collaboration", "bytes", 400, " B"),
        None,
        "a bare slotted class",
    ),
    Row(
        "plan_end cost per item, 1k → 100k collaborations",
        "≤ 1.2× growth",
        _at_most("growth_memory_plan", "growth_factor", 1.2, "×"),
        None,
    ),
]
"""The targets of issues 15 and 26, each figure against the floors it has."""


def performance_page(output: dict[str, Any], before: dict[str, Any] | None = None) -> str:
    """The page; with ``before`` (an earlier run's JSON), each figure as before → after."""
    results, machine = output["results"], output["machine"]
    lines = [
        "# Performance",
        "",
        "Written by `python bench/run.py` (which also writes `bench/results.json`). Each figure is",
        "measured beside its floor or peer in the same run; a shared 2-core machine is noisy, so",
        "read the ratios rather than the absolute times. Absolute times on the machine these",
        "figures come from moved by as much as 1.7× within an hour (casbin's own `enforce`",
        "included), and a ratio by up to 0.1 between runs: compare runs ratio by ratio."
        + (" **This was a --quick run.**" if output.get("quick") else ""),
        "",
        f"Machine: Python {machine['python']}, SQLite {machine['sqlite']}, {machine['cpus']} CPUs, "
        f"{machine['platform']}; run at {machine['when']}.",
        "",
        *(
            [
                "*Before* is `bench/run.py` run on the code before issue 15 "
                f"(`bench/before.json`, run at {before['machine']['when']}), on the same machine. "
                "It has no figure against the smallest honest end, which came with issue 26, and "
                "its ends passed no idempotency key.",
                "",
            ]
            if before is not None
            else []
        ),
        "Each figure is shown against both floors where it has both: the *same-work* floor",
        "(issue 15: the database work collabcore's operation does, by hand) and the *smallest",
        "honest* one (issue 26: what ending a collaboration correctly needs at the least, by",
        "hand). A target is met when it holds against every floor shown. The SQLite end",
        "figures are medians over five rounds, each measuring collabcore and both floors in",
        "turn, and each ratio is the median of the rounds' ratios, so it need not be the",
        "quotient of the median rates in `bench/results.json`.",
        "",
        "| what | target | against the same-work floor (or peer) | against the smallest honest end | met |",
        "|---|---|---|---|---|",
    ]
    for row in ROWS:
        cells, verdicts = [], []
        for figure in (row.same_work, row.smallest):
            if figure is None:
                cells.append("—")
                continue
            shown, met = figure(results)
            earlier = None if before is None else figure(before["results"])[0]
            if earlier is not None and earlier.replace("not measured", "").strip("; "):
                shown = f"{earlier} → {shown}"
            cells.append(shown)
            verdicts.append(met)
        if row.versus:
            cells[0] = f"{cells[0]} ({row.versus})"
        verdict = "n/a" if None in verdicts else ("yes" if all(verdicts) else "**no**")
        lines.append(f"| {row.what} | {row.target} | {cells[0]} | {cells[1]} | {verdict} |")
    lines += ["", "Round trips: " + ROUND_TRIPS_NOTE, "", FLOORS_NOTE, MISSED_NOTE, "## All figures", ""]
    for name, figures in results.items():
        shown = ", ".join(f"{k} = {_fmt(v)}" for k, v in figures.items())
        lines.append(f"- **{name}**: {shown}")
    return "\n".join(lines) + "\n"
