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
How the floors are made (bench/floors.py):

- Every floor writes to collabcore's own tables and indexes, made by collabcore's own
  migration, so the database work compared is the same; the floor skips rules, texts,
  validation and the attrs values, and parses JSON with `json.loads` and nothing else.
- SQLite end: the same five reads, the version-checked update, the event, the
  subscription and four outbox rows, one `BEGIN IMMEDIATE … COMMIT`.
- PostgreSQL end: the same reads under `FOR UPDATE` in one pipelined round trip, then
  every write and the `COMMIT` in a second; workers are processes, as for collabcore.
  collabcore spends a third round trip before the transaction, reading the collaboration
  to ask the integrations for facts without holding a lock.
- Bulk end: page by page, the office's next 500 active collaborations with their
  customers, then their writes in one transaction.
- collabcore keeps decoded rows by their stored text (`decoded_rows=`, 4096 by default):
  a page read again decodes nothing. The rows marked "cache off" show the same reads with
  it off, every row decoded every time; "plan memo off" shows `plan_end` computing each
  plan afresh instead of taking it from the memo.
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


CHECKS: list[Check] = [
    (
        "plan_end p50, memory, every finding and effect",
        "—",
        "≤ 10 µs",
        _at_most("plan_end_memory", "p50_us", 10, " µs"),
    ),
    (
        "plan_end p50, memory, plan memo off",
        "—",
        "≤ 10 µs",
        _at_most("plan_end_memory", "cold_p50_us", 10, " µs"),
    ),
    (
        "plan_end vs casbin yes/no (R1, R14)",
        "casbin enforcer, same run",
        "≥ 20× faster",
        _at_least("plan_end_memory", "times_faster_than_casbin", 20, "×"),
    ),
    (
        "end throughput, SQLite file (WAL, FULL)",
        "raw sqlite3, same shape",
        "≥ 0.6× floor",
        _at_least("end_sqlite", "ratio_to_floor", 0.6, "×"),
    ),
    ("end p99, SQLite file", "—", "≤ 2 ms", _at_most("end_sqlite", "p99_ms", 2, " ms")),
    (
        "end throughput, PostgreSQL, 1 worker",
        "raw psycopg, same shape",
        "≥ 0.8× floor",
        _at_least("end_postgres", "ratio_to_floor_1w", 0.8, "×"),
    ),
    (
        "end throughput, PostgreSQL, 4 workers",
        "raw psycopg, same shape",
        "≥ 0.8× floor",
        _at_least("end_postgres", "ratio_to_floor_4w", 0.8, "×"),
    ),
    ("round trips per end, PostgreSQL", "—", "≤ 3", _at_most("end_postgres", "round_trips_per_end", 3)),
    (
        "4 workers faster than 1, PostgreSQL",
        "—",
        "yes",
        lambda r: (
            _fmt(_get(r, "end_postgres", "four_workers_faster")),
            _get(r, "end_postgres", "four_workers_faster"),
        ),
    ),
    (
        "relay effects/s, PostgreSQL, 1 worker",
        "raw SKIP LOCKED loop",
        "≥ 0.5× floor",
        _at_least("relay_postgres", "ratio_to_floor_1w", 0.5, "×"),
    ),
    (
        "relay effects/s, PostgreSQL, 2 workers",
        "raw SKIP LOCKED loop",
        "≥ 0.5× floor",
        _at_least("relay_postgres", "ratio_to_floor_2w", 0.5, "×"),
    ),
    (
        "overview, whole office",
        "raw SQL, same rows",
        "≤ 2× floor",
        _at_most("overview_sqlite", "whole_ratio", 2, "×"),
    ),
    (
        "overview, one keyset page of 50",
        "raw SQL, same rows",
        "≤ 2× floor",
        _at_most("overview_sqlite", "page_ratio", 2, "×"),
    ),
    ("overview page p50", "—", "≤ 5 ms", _at_most("overview_sqlite", "page_p50_ms", 5, " ms")),
    (
        "overview, whole office, decoded-rows cache off",
        "raw SQL, same rows",
        "≤ 2× floor",
        _at_most("overview_sqlite", "cold_whole_ratio", 2, "×"),
    ),
    (
        "overview, one page of 50, decoded-rows cache off",
        "raw SQL, same rows",
        "≤ 2× floor",
        _at_most("overview_sqlite", "cold_page_ratio", 2, "×"),
    ),
    (
        "overview page p50, decoded-rows cache off",
        "—",
        "≤ 5 ms",
        _at_most("overview_sqlite", "cold_page_p50_ms", 5, " ms"),
    ),
    (
        "bulk end throughput, SQLite",
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
        "≤ 600 B",
        _at_most("memory_per_collaboration", "bytes", 600, " B"),
    ),
    (
        "plan_end cost per item, 1k → largest size",
        "—",
        "≤ 1.5× growth",
        _at_most("growth_memory_plan", "growth_factor", 1.5, "×"),
    ),
]


def performance_page(output: dict[str, Any]) -> str:
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
        "| what | compared with | target | measured | met |",
        "|---|---|---|---|---|",
    ]
    for what, versus, target, check in CHECKS:
        shown, met = check(results)
        verdict = "n/a" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {what} | {versus} | {target} | {shown} | {verdict} |")
    lines += ["", "Round trips: " + ROUND_TRIPS_NOTE, "", FLOORS_NOTE, "## All figures", ""]
    for name, figures in results.items():
        shown = ", ".join(f"{k} = {_fmt(v)}" for k, v in figures.items())
        lines.append(f"- **{name}**: {shown}")
    return "\n".join(lines) + "\n"
