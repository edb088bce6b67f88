"""docs/performance.md from a bench run's JSON: each target, the figure, met or missed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Check = tuple[str, str, str, Callable[[dict[str, Any]], tuple[str, bool | None]]]

ROUND_TRIPS_NOTE = (
    "counted from libpq's protocol trace (one ReadyForQuery per round trip) over 50 ends; libpq "
    "buffers its trace, so one message can fall across the counting boundary (±0.02); the raw "
    "figure is kept as round_trips_per_end_raw and compared after rounding to one decimal."
)


FLOORS_NOTE = """\
How the floors are made ([bench/floors.py](../bench/floors.py), where each floor's statements
are written out):

- Every floor writes to collabcore's own tables and indexes, made by collabcore's own
  migration, so the database work compared is the same; the floor skips rules, texts,
  validation and the attrs values, and parses JSON with `json.loads` and nothing else.
- SQLite end (`sqlite_end_floor`): the collaboration read in a read transaction of its
  own (collabcore reads it to ask the integrations for facts before it takes the write
  lock), then in one `BEGIN IMMEDIATE … COMMIT` the same six reads (the collaboration,
  its customer, office, the customer's active collaborations, the subscription, the
  customer's open lifecycle requests), the version-checked update, the event, the
  subscription and four outbox rows; with the same `synchronous` setting as collabcore's
  store in the same run (NORMAL, then FULL). CPU per end is `time.process_time()` over
  the ends alone, for both.
- PostgreSQL end (`postgres_end_floor`): the collaboration read before the transaction,
  then in one pipelined round trip the customer's row locked, the collaboration read
  `FOR UPDATE` and the same reads, then every write and the `COMMIT` in a third: the
  same three round trips as collabcore's. Workers are processes, as for collabcore.
- Until issue 15 the end floors left out three things collabcore's end does on the
  database: the read before the transaction, the read of open lifecycle requests (0.3),
  and the lock on the customer's row (PostgreSQL). They do the same work now; both
  columns of the table above were measured with these floors.
- Relay (`postgres_relay_floor`): one effect at a time, `SELECT … FOR UPDATE SKIP LOCKED
  LIMIT 1`, `UPDATE`, `COMMIT`, in threads, as collabcore's relay workers are run here.
  collabcore's relay also builds and "sends" a notification for every other effect.
- Overview (`sqlite_overview_floor`): the office's active collaborations joined with their
  customers, both JSON documents parsed for every row.
- Bulk end (`sqlite_bulk_floor`): page by page, the office's next 500 active collaborations
  with their customers, then their writes in one transaction; no rules are asked.
- collabcore keeps decoded rows by their stored text (`decoded_rows=`, 4096 by default):
  a page read again decodes nothing. The rows marked "cache off" show the same reads with
  it off, every row decoded every time; "plan memo off" shows `plan_end` computing each
  plan afresh instead of taking it from the memo.
"""


MISSED_NOTE = """\
What stands between the missed targets and their floors (issue 15's closing note has the
profiles):

- **A plan with the memo off** evaluates every rule of the product (15 for Travel &
  Expenses), builds its findings, effects and consequences, and reads the stored state and
  the integrations' facts; casbin answers one yes/no from a policy in memory. The words are
  no longer rendered (they were more than half of it); the rules are what is left. The
  decision alone, `may_end`, is the like-for-like comparison with casbin.
- **A memo hit** still checks the request, reads the stored state and asks the
  integrations, because the plan depends on all three; that floor is about 9 µs here.
- **An end on SQLite** spends about 200 µs of Python beside the floor's database work:
  the rules, the values and their checks (every row read back is checked), the JSON of
  seven documents. With `FULL`, each commit's fsync is the same for both, and the Python
  is the difference. One statement for all of an end's reads was tried and measured no
  faster than seven (25.1 against 25.4 µs), and was left out.
- **The overview with the cache off** parses the same JSON as its floor and then builds
  and checks a value for every row; parsing alone is most of the floor.
- **A bulk end** plans every item under every rule (its floor asks none) and writes each
  item by the same statements as a single end.
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


CHECKS: list[Check] = [
    (
        "plan_end p50, plan memo off, 5 findings, memory store",
        "casbin `enforce`, same run",
        "≤ 30 µs and ≥ 2× faster",
        _both(
            _at_most("plan_end_memory", "cold_p50_us", 30, " µs"),
            _at_least("plan_end_memory", "cold_times_faster_than_casbin", 2, "×"),
        ),
    ),
    (
        "may this actor end this collaboration (`collabcore.policy.may_end`)",
        "casbin `enforce`, same run",
        "≥ 20× faster",
        _at_least("plan_end_memory", "decision_times_faster_than_casbin", 20, "×"),
    ),
    ("plan_end p50, memo hit", "—", "≤ 5 µs", _at_most("plan_end_memory", "p50_us", 5, " µs")),
    (
        "end throughput, SQLite file, `synchronous=NORMAL`",
        "raw sqlite3, same statements",
        "≥ 0.5× floor",
        _at_least("end_sqlite", "ratio_to_floor_normal", 0.5, "×"),
    ),
    (
        "end throughput, SQLite file, `synchronous=FULL`",
        "raw sqlite3, same statements",
        "≥ 0.75× floor",
        _at_least("end_sqlite", "ratio_to_floor_full", 0.75, "×"),
    ),
    (
        "end p99, SQLite file (NORMAL; FULL)",
        "the floor's p99",
        "≤ 2× floor",
        _both(
            _at_most("end_sqlite", "p99_ratio_normal", 2, "×"),
            _at_most("end_sqlite", "p99_ratio_full", 2, "×"),
        ),
    ),
    (
        "CPU per end, SQLite (NORMAL; FULL)",
        "the floor's CPU per end",
        "≤ 3× floor",
        _both(
            _at_most("end_sqlite", "cpu_ratio_normal", 3, "×"),
            _at_most("end_sqlite", "cpu_ratio_full", 3, "×"),
        ),
    ),
    (
        "end throughput, PostgreSQL, 4 worker processes",
        "raw psycopg, same statements",
        "≥ 0.8× floor",
        _at_least("end_postgres", "ratio_to_floor_4w", 0.8, "×"),
    ),
    ("round trips per end, PostgreSQL", "—", "≤ 3", _at_most("end_postgres", "round_trips_per_end", 3)),
    (
        "relay effects/s, PostgreSQL, 1 worker; 2 workers",
        "raw SKIP LOCKED loop",
        "≥ 0.6× floor",
        _both(
            _at_least("relay_postgres", "ratio_to_floor_1w", 0.6, "×"),
            _at_least("relay_postgres", "ratio_to_floor_2w", 0.6, "×"),
        ),
    ),
    ("relay, 2 workers faster than 1", "—", "yes", _flag("relay_postgres", "two_workers_faster")),
    (
        "overview of a whole office (40k rows), decoded-rows cache off",
        "raw SQL, same rows",
        "≤ 1.5× floor",
        _at_most("overview_sqlite", "cold_whole_ratio", 1.5, "×"),
    ),
    (
        "bulk end, SQLite, 30k items",
        "raw batched floor",
        "≥ 0.5× floor",
        _at_least("bulk_end_sqlite", "ratio_to_floor", 0.5, "×"),
    ),
    (
        "bulk end peak memory growth",
        "—",
        "< 50 MB",
        _at_most("bulk_end_sqlite", "peak_memory_growth_mb", 50, " MB"),
    ),
    (
        "memory per collaboration, memory store",
        "bare slotted class",
        "≤ 400 B",
        _at_most("memory_per_collaboration", "bytes", 400, " B"),
    ),
    (
        "plan_end cost per item, 1k → 100k collaborations",
        "—",
        "≤ 1.2× growth",
        _at_most("growth_memory_plan", "growth_factor", 1.2, "×"),
    ),
]
"""The targets of issue 15, each with what it is measured against."""


def performance_page(output: dict[str, Any], before: dict[str, Any] | None = None) -> str:
    """The page; with ``before`` (an earlier run's JSON), each figure as before → after."""
    results, machine = output["results"], output["machine"]
    lines = [
        "# Performance",
        "",
        "Written by `python bench/run.py` (which also writes `bench/results.json`). Each figure is",
        "measured beside its floor or peer in the same run; a shared 2-core machine is noisy, so",
        "read the ratios rather than the absolute times."
        + (" **This was a --quick run.**" if output.get("quick") else ""),
        "",
        f"Machine: Python {machine['python']}, SQLite {machine['sqlite']}, {machine['cpus']} CPUs, "
        f"{machine['platform']}; run at {machine['when']}.",
        "",
        *(
            [
                "*Before* is the same `bench/run.py` run on the code before issue 15 "
                f"(`bench/before.json`, run at {before['machine']['when']}), on the same machine, "
                "so both columns are measured the same way.",
                "",
            ]
            if before is not None
            else []
        ),
        "| what | compared with | target | before → after | met |",
        "|---|---|---|---|---|",
    ]
    for what, versus, target, check in CHECKS:
        shown, met = check(results)
        if before is not None:
            shown = f"{check(before['results'])[0]} → {shown}"
        verdict = "n/a" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {what} | {versus} | {target} | {shown} | {verdict} |")
    lines += ["", "Round trips: " + ROUND_TRIPS_NOTE, "", FLOORS_NOTE, MISSED_NOTE, "## All figures", ""]
    for name, figures in results.items():
        shown = ", ".join(f"{k} = {_fmt(v)}" for k, v in figures.items())
        lines.append(f"- **{name}**: {shown}")
    return "\n".join(lines) + "\n"
