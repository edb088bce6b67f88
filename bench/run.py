"""collabcore's benchmarks: each figure beside its floor or peer, measured in the same run.

    python bench/run.py            # full run, writes bench/results.json and docs/performance.md
    python bench/run.py --quick    # smaller sizes, for a smoke check: bench/quick.json and
                                   # bench/quick.md (ignored by git), never the published figures
    python bench/run.py --only end_sqlite,plan   # some of the benchmarks, written as a quick
                                                 # run's are (never the published figures)

CPU instructions per operation, which do not move from run to run, come from
bench/instructions.py (valgrind's callgrind) instead.

PostgreSQL figures need COLLABCORE_BENCH_POSTGRES_DSN (or COLLABCORE_TEST_POSTGRES_DSN);
the casbin comparison needs `pip install casbin`. What is missing is reported, not faked.
Timings on a shared 2-core machine are noisy: each figure is the median of several
runs, and ratios are taken between measurements made in the same run.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import floors  # noqa: E402

import collabcore as cc  # noqa: E402
import collabcore.policy  # noqa: E402
from collabcore.app import BulkStatus  # noqa: E402
from collabcore.domain import OverviewCursor  # noqa: E402
from collabcore.testing import FakeIntegrations, World  # noqa: E402

RESULTS: dict[str, Any] = {}


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def timed(fn: Callable[[], object], count: int) -> list[float]:
    """Seconds per call, one sample per call."""
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def median_of(runs: int, fn: Callable[[], float]) -> float:
    return statistics.median(fn() for _ in range(runs))


def record(name: str, **figures: Any) -> None:
    RESULTS[name] = figures
    shown = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items())
    print(f"{name}: {shown}", flush=True)


# --- plan_end on the memory store vs casbin ------------------------------------------


def bench_plan(quick: bool) -> None:
    world = World()
    (collab,) = world.setup(cc.EXPENSES)
    world.fakes.set_facts("customer-1", unsubmitted_reports=1)
    service, actor = world.service, world.office_admin()

    def plan() -> None:
        p = service.plan_end(collab.id, actor=actor, outcome=cc.Outcome.DELETE)
        assert p.findings and p.effects and p.consequences

    count = 2000 if quick else 20000
    timed(plan, 500)
    ours = timed(plan, count)
    afresh = cc.CollaborationService(
        world.store, integrations=world.fakes.integrations(), clock=world.clock, plan_memo_size=0
    )
    cold_plan = lambda: afresh.plan_end(collab.id, actor=actor, outcome=cc.Outcome.DELETE)  # noqa: E731
    timed(cold_plan, 500)
    cold = timed(cold_plan, count)
    figures: dict[str, Any] = {
        "p50_us": percentile(ours, 0.5) * 1e6,
        "p99_us": percentile(ours, 0.99) * 1e6,
        "cold_p50_us": percentile(cold, 0.5) * 1e6,
        "findings": len(service.plan_end(collab.id, actor=actor, outcome=cc.Outcome.DELETE).findings),
    }
    # The decision alone, as a host asks it: may this actor end this collaboration?
    may_end = getattr(collabcore.policy, "may_end", None)
    if may_end is not None:
        with world.store.transaction(write=False) as uow:
            stored = uow.get_collaboration(collab.id)
            office, customer = uow.get_office("office-1"), uow.get_customer("customer-1")
        decide = lambda: may_end(actor, stored, office=office, customer=customer)  # noqa: E731
        assert decide()
        timed(decide, 500)
        figures["decision_p50_us"] = percentile(timed(decide, count), 0.5) * 1e6
    enforcer = floors.casbin_enforcer()
    if enforcer is not None:
        ask = lambda: enforcer.enforce("office-1/admin", "collab-1", "end")  # noqa: E731
        assert ask()
        timed(ask, 500)
        theirs = timed(ask, count)
        figures["casbin_p50_us"] = percentile(theirs, 0.5) * 1e6
        figures["cold_times_faster_than_casbin"] = figures["casbin_p50_us"] / figures["cold_p50_us"]
        if "decision_p50_us" in figures:
            figures["decision_times_faster_than_casbin"] = (
                figures["casbin_p50_us"] / figures["decision_p50_us"]
            )
    else:
        figures["casbin"] = "not installed (pip install casbin)"
    record("plan_end_memory", **figures)


# --- end on SQLite vs the raw sqlite3 floor ----------------------------------------------


def populated_sqlite(path: Path, count: int, synchronous: str = "FULL") -> tuple[World, list[str]]:
    world = World(cc.SQLiteStore(path, synchronous=synchronous))
    world.office()
    ids = []
    for n in range(count):
        world.customer(f"c{n:06d}", number=f"{n:06d}")
        ids.append(world.collaboration(cc.BOOKKEEPING, customer_id=f"c{n:06d}").id)
    return world, ids


def _collabcore_ends(path: Path, count: int, synchronous: str) -> tuple[list[float], float]:
    """Seconds per end and the CPU seconds of all of them, collabcore ending ``count``
    collaborations one by one, each with an idempotency key of its own (as a host that
    retries sends them; the smallest floor writes its idempotency record too)."""
    world, ids = populated_sqlite(path, count, synchronous)
    actor, service = world.office_admin(), world.service
    todo = iter(ids)

    def end() -> None:
        cid = next(todo)
        service.end(
            cid, actor=actor, outcome=cc.Outcome.DEACTIVATE, acknowledge={"R16"}, idempotency_key=f"key-{cid}"
        )

    gc.collect()
    cpu = time.process_time()
    samples = timed(end, count)
    cpu = time.process_time() - cpu
    world.store.close()
    return samples, cpu


def bench_end_sqlite(quick: bool, folder: Path) -> None:
    """End after end on a SQLite file, beside both floors with the same ``synchronous`` (the
    same-work floor of issue 15 and the smallest honest end of issue 26), all three
    measured in turn in each round: wall time per end, its p99, and the CPU each end costs
    (``time.process_time``). Each figure is the median of its rounds, each ratio the median
    of the rounds' ratios."""
    count = 300 if quick else 1200
    rounds = 1 if quick else 5
    figures: dict[str, Any] = {}
    for synchronous in ("NORMAL", "FULL"):
        s = synchronous.lower()
        runs: list[dict[str, float]] = []
        for r in range(rounds):
            ours, cpu = _collabcore_ends(folder / f"end-{s}-{r}.db", count, synchronous)
            floor, floor_cpu = floors.sqlite_end_floor(folder / f"floor-{s}-{r}.db", count, synchronous)
            least, least_cpu = floors.sqlite_smallest_end_floor(
                folder / f"least-{s}-{r}.db", count, synchronous
            )
            runs.append(
                {
                    f"ends_per_s_{s}": len(ours) / sum(ours),
                    f"floor_ends_per_s_{s}": len(floor) / sum(floor),
                    f"ratio_to_floor_{s}": sum(floor) / sum(ours),
                    f"smallest_ends_per_s_{s}": len(least) / sum(least),
                    f"ratio_to_smallest_{s}": sum(least) / sum(ours),
                    f"p50_ms_{s}": percentile(ours, 0.5) * 1e3,
                    f"p99_ms_{s}": percentile(ours, 0.99) * 1e3,
                    f"floor_p99_ms_{s}": percentile(floor, 0.99) * 1e3,
                    f"p99_ratio_{s}": percentile(ours, 0.99) / percentile(floor, 0.99),
                    f"smallest_p99_ms_{s}": percentile(least, 0.99) * 1e3,
                    f"p99_ratio_smallest_{s}": percentile(ours, 0.99) / percentile(least, 0.99),
                    f"cpu_us_per_end_{s}": cpu / count * 1e6,
                    f"floor_cpu_us_per_end_{s}": floor_cpu / count * 1e6,
                    f"cpu_ratio_{s}": cpu / floor_cpu,
                    f"smallest_cpu_us_per_end_{s}": least_cpu / count * 1e6,
                    f"cpu_ratio_smallest_{s}": cpu / least_cpu,
                }
            )
        figures |= {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    figures["rounds"] = rounds
    record("end_sqlite", **figures)


# --- end on PostgreSQL, 1 and 4 workers, vs the raw psycopg floor ---------------------------


def postgres_dsn() -> str | None:
    return os.environ.get("COLLABCORE_BENCH_POSTGRES_DSN") or os.environ.get("COLLABCORE_TEST_POSTGRES_DSN")


def _end_worker(dsn: str, schema: str, ids: list[str]) -> Callable[[], None]:
    """One application process: its own pool and service, ending its share when released."""
    from collabcore.adapters.postgres import PostgresStore

    store = PostgresStore(dsn, schema=schema, max_size=1)
    service = cc.CollaborationService(store, integrations=FakeIntegrations().integrations())
    actor = cc.Actor.office("office-1", "admin")

    def work() -> None:
        for cid in ids:
            service.end(
                cid,
                actor=actor,
                outcome=cc.Outcome.DEACTIVATE,
                acknowledge={"R16"},
                idempotency_key=f"key-{cid}",
            )
        store.close()

    return work


def bench_end_postgres(quick: bool) -> None:
    dsn = postgres_dsn()
    if dsn is None:
        record("end_postgres", skipped="set COLLABCORE_BENCH_POSTGRES_DSN")
        return
    from collabcore.adapters.postgres import PostgresStore

    figures: dict[str, Any] = {}
    count = 200 if quick else 1200
    for workers in (1, 4):
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        store = PostgresStore(dsn, schema=schema, max_size=2)
        world = World(store)
        world.office()
        ids = []
        for n in range(count):
            world.customer(f"c{n:06d}", number=f"{n:06d}")
            ids.append(world.collaboration(cc.BOOKKEEPING, customer_id=f"c{n:06d}").id)
        elapsed = floors.in_processes(_end_worker, [(dsn, schema, ids[i::workers]) for i in range(workers)])
        with store.transaction(write=False) as uow:
            ended = sum(1 for cid in ids if (c := uow.get_collaboration(cid)) and not c.is_active)
        assert ended == count
        figures[f"ends_per_s_{workers}w"] = count / elapsed
        store.drop_schema()
        store.close()
        floor_rate = floors.postgres_end_floor(dsn, count, workers)
        figures[f"floor_ends_per_s_{workers}w"] = floor_rate
        figures[f"ratio_to_floor_{workers}w"] = figures[f"ends_per_s_{workers}w"] / floor_rate
        least_rate = floors.postgres_smallest_end_floor(dsn, count, workers)
        figures[f"smallest_ends_per_s_{workers}w"] = least_rate
        figures[f"ratio_to_smallest_{workers}w"] = figures[f"ends_per_s_{workers}w"] / least_rate
    figures["four_workers_faster"] = figures["ends_per_s_4w"] > figures["ends_per_s_1w"]
    raw = floors.round_trips_per_end(dsn)
    figures["round_trips_per_end_raw"] = raw
    figures["round_trips_per_end"] = round(raw, 1)
    record("end_postgres", **figures)


# --- relay on PostgreSQL, 1 and 2 workers, vs a raw SKIP LOCKED loop ---------------------------


class NoOp:
    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *args: None


def bench_relay_postgres(quick: bool) -> None:
    dsn = postgres_dsn()
    if dsn is None:
        record("relay_postgres", skipped="set COLLABCORE_BENCH_POSTGRES_DSN")
        return
    from collabcore.adapters.postgres import PostgresStore

    figures: dict[str, Any] = {}
    collabs = 100 if quick else 500
    for workers in (1, 2):
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        store = PostgresStore(dsn, schema=schema, max_size=workers + 2)
        world = World(store)
        world.office()
        for n in range(collabs):
            world.customer(f"c{n:06d}")
            c = world.collaboration(cc.BOOKKEEPING, customer_id=f"c{n:06d}")
            world.service.end(
                c.id, actor=world.office_admin(), outcome=cc.Outcome.DEACTIVATE, acknowledge={"R16"}
            )
        noop = NoOp()
        integrations = cc.Integrations(access=noop, billing=noop, notifier=noop)
        config = attrs.evolve(world.service.configuration, integrations=integrations)
        relays = [cc.Relay(config) for _ in range(workers)]
        total = [0] * workers

        def drain(i: int, total: list[int] = total, relays: list[cc.Relay] = relays) -> None:
            total[i] = relays[i].drain().done

        elapsed = floors.in_threads(drain, [(i,) for i in range(workers)])
        figures[f"effects_per_s_{workers}w"] = sum(total) / elapsed
        store.drop_schema()
        store.close()
        floor_rate = floors.postgres_relay_floor(dsn, collabs * 4, workers)
        figures[f"floor_effects_per_s_{workers}w"] = floor_rate
        figures[f"ratio_to_floor_{workers}w"] = figures[f"effects_per_s_{workers}w"] / floor_rate
    figures["two_workers_faster"] = figures["effects_per_s_2w"] > figures["effects_per_s_1w"]
    record("relay_postgres", **figures)


# --- the overview of a large office -----------------------------------------------------------


def bench_overview(quick: bool, folder: Path) -> None:
    rows = 6000 if quick else 40000
    products = (cc.BOOKKEEPING, cc.PAYROLL, cc.EXPENSES)
    customers = -(-rows // len(products))
    path = folder / "overview.db"
    world = World(cc.SQLiteStore(path, synchronous="OFF"))
    world.office()
    with world.store.transaction() as uow:  # bulk load through the port, one transaction
        for n in range(customers):
            uow.add_customer(cc.Customer(f"c{n:06d}", f"{n:06d}", f"Company {n}"))
        for r in range(rows):  # the office's collaborations: three per customer, the last one fewer
            n, product = divmod(r, len(products))
            uow.add_collaboration(
                cc.Collaboration(
                    f"k{n:06d}-{products[product]}",
                    "office-1",
                    f"c{n:06d}",
                    products[product],
                    datetime.now(UTC),
                )
            )
        uow.commit()
    service, actor = world.service, world.office_admin()
    middle = OverviewCursor(f"{customers // 2:06d}", f"c{customers // 2:06d}")
    whole = median_of(5, lambda: sum(timed(lambda: service.overview("office-1", actor=actor), 1)))
    page = timed(lambda: service.overview("office-1", actor=actor, after=middle, limit=50), 200)
    world.store.close()
    # The same, with the cache of decoded rows off: every row decoded again, every time.
    cold = cc.CollaborationService(cc.SQLiteStore(path, decoded_rows=0))
    cold_whole = median_of(5, lambda: sum(timed(lambda: cold.overview("office-1", actor=actor), 1)))
    cold_page = timed(lambda: cold.overview("office-1", actor=actor, after=middle, limit=50), 200)
    cold.store.close()
    floor_whole, floor_page = floors.sqlite_overview_floor(path, middle)
    record(
        "overview_sqlite",
        rows=rows,
        customers=customers,
        whole_ms=whole * 1e3,
        floor_whole_ms=floor_whole * 1e3,
        whole_ratio=whole / floor_whole,
        page_p50_ms=percentile(page, 0.5) * 1e3,
        floor_page_ms=floor_page * 1e3,
        page_ratio=percentile(page, 0.5) / floor_page,
        cold_whole_ratio=cold_whole / floor_whole,
        cold_page_p50_ms=percentile(cold_page, 0.5) * 1e3,
        cold_page_ratio=percentile(cold_page, 0.5) / floor_page,
    )


# --- bulk end ---------------------------------------------------------------------------------


def _bulk_world(path: Path, count: int) -> World:
    world = World(cc.SQLiteStore(path, synchronous="NORMAL"))
    world.office()
    admin = cc.CustomerUser("boss", "Boss", cc.Role.ADMINISTRATOR)
    with world.store.transaction() as uow:
        for n in range(count):
            customer = cc.Customer(f"c{n:06d}", f"{n:06d}", f"Company {n}", (admin,), "boss")
            uow.add_customer(customer)
            uow.add_collaboration(
                cc.Collaboration(f"k{n:06d}", "office-1", customer.id, cc.EXPENSES, datetime.now(UTC))
            )
        uow.commit()
    return world


def _bulk_run(world: World) -> int:
    return sum(
        1
        for item in world.service.end_all_of_office(
            "office-1", actor=world.office_admin(), outcomes={cc.EXPENSES: cc.Outcome.CUSTOMER_CONTINUES}
        )
        if item.status is BulkStatus.ENDED
    )


def bench_bulk(quick: bool, folder: Path) -> None:
    count = 3000 if quick else 30000

    # Time without tracemalloc (it slows every allocation several-fold), the median of three
    # passes each on a fresh file, as the floor's; then memory, with it, on a fourth.
    def timed_pass(n: int) -> float:
        world = _bulk_world(folder / f"bulk-time-{n}.db", count)
        gc.collect()
        start = time.perf_counter()
        assert _bulk_run(world) == count
        elapsed = time.perf_counter() - start
        world.store.close()
        return elapsed

    elapsed = statistics.median(timed_pass(n) for n in range(3))
    world = _bulk_world(folder / "bulk-memory.db", count)
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    assert _bulk_run(world) == count
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    world.store.close()
    floor = statistics.median(
        floors.sqlite_bulk_floor(folder / f"bulk-floor-{n}.db", count) for n in range(3)
    )
    least = statistics.median(
        floors.sqlite_smallest_bulk_floor(folder / f"bulk-least-{n}.db", count) for n in range(3)
    )
    record(
        "bulk_end_sqlite",
        items=count,
        items_per_s=count / elapsed,
        floor_items_per_s=count / floor,
        ratio_to_floor=floor / elapsed,
        smallest_items_per_s=count / least,
        ratio_to_smallest=least / elapsed,
        peak_memory_growth_mb=peak / 1e6,
    )


# --- memory held per collaboration --------------------------------------------------------------


def bench_memory(quick: bool) -> None:
    count = 10000 if quick else 100000
    now = datetime.now(UTC)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    store = cc.MemoryStore()
    with store.transaction() as uow:
        uow.add_customer(cc.Customer("c", "1", "C"))
        for n in range(count):
            uow.add_collaboration(cc.Collaboration(f"k{n:07d}", "office-1", "c", cc.BOOKKEEPING, now))
        uow.commit()
    ours = (tracemalloc.get_traced_memory()[0] - before) / count
    tracemalloc.stop()
    record("memory_per_collaboration", bytes=ours, bare_slotted_bytes=floors.bare_slotted_bytes(count))


# --- growth ---------------------------------------------------------------------------------------


def bench_growth(quick: bool, folder: Path) -> None:
    sizes = (1000, 10000) if quick else (1000, 10000, 100000)
    figures: dict[str, Any] = {}
    for size in sizes:
        world = World()
        world.office()
        store = world.store
        now = datetime.now(UTC)
        with store.transaction() as uow:
            for n in range(size):
                admin = cc.CustomerUser("boss", "Boss", cc.Role.ADMINISTRATOR)
                uow.add_customer(cc.Customer(f"c{n:07d}", f"{n:07d}", "C", (admin,), "boss"))
                uow.add_collaboration(cc.Collaboration(f"k{n:07d}", "office-1", f"c{n:07d}", cc.PAYROLL, now))
            uow.commit()
        probe = f"k{size // 2:07d}"
        samples = timed(
            lambda probe=probe, world=world: world.service.plan_end(
                probe, actor=world.office_admin(), outcome=cc.Outcome.END_SUBSCRIPTION
            ),
            2000,
        )
        figures[f"plan_p50_us_at_{size}"] = percentile(samples, 0.5) * 1e6
    first, last = figures[f"plan_p50_us_at_{sizes[0]}"], figures[f"plan_p50_us_at_{sizes[-1]}"]
    figures["growth_factor"] = last / first
    record("growth_memory_plan", **figures)


# --- report ----------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "sqlite": __import__("sqlite3").sqlite_version,
    }


def published() -> tuple[Path, Path]:
    """What a full run publishes: the figures and the page, both tracked by git."""
    return ROOT / "bench" / "results.json", ROOT / "docs" / "performance.md"


def destinations(quick: bool, out: Path | None, no_docs: bool) -> tuple[Path, Path | None]:
    """Where a run writes its JSON and its page (None: no page). A quick run's smoke-sized
    figures go beside the published ones, in files git ignores (bench/quick.json and
    bench/quick.md), and never over what a full run publishes."""
    figures, page = published()
    if not quick:
        return out or figures, None if no_docs else page
    chosen = out or ROOT / "bench" / "quick.json"
    if chosen.resolve() in {figures.resolve(), page.resolve()}:
        raise SystemExit(
            f"bench/run.py: a --quick run does not write {chosen.name}: its smoke-sized figures "
            "would replace the published ones. Leave --out out (bench/quick.json), or run without --quick."
        )
    return chosen, None if no_docs else chosen.with_suffix(".md")


BENCHMARKS = ("plan", "memory", "growth", "end_sqlite", "overview", "bulk", "end_postgres", "relay_postgres")
"""Every benchmark, in the order a full run measures them."""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes, for a smoke check (writes bench/quick.json and bench/quick.md)",
    )
    parser.add_argument(
        "--only",
        default=None,
        help=f"comma-separated benchmarks to run ({', '.join(BENCHMARKS)}); the figures are "
        "written as a quick run's are, never over the published ones",
    )
    parser.add_argument("--no-docs", action="store_true", help="do not write the page")
    parser.add_argument(
        "--before",
        type=Path,
        default=ROOT / "bench" / "before.json",
        help="an earlier run's JSON, shown as 'before → after' on the page (default: bench/before.json)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where to write the JSON (default: bench/results.json; with --quick, bench/quick.json)",
    )
    parser.add_argument(
        "--page-only",
        action="store_true",
        help="rewrite the page from the JSON at --out; measure nothing (a quick run's JSON "
        "makes bench/quick.md, never docs/performance.md)",
    )
    args = parser.parse_args(argv)
    if args.page_only:
        source = args.out or published()[0]
        output = json.loads(source.read_text(encoding="utf-8"))
        _, page = destinations(bool(output.get("quick")), source, False)
        assert page is not None
        write_page(output, args.before, page)
        return
    chosen = list(BENCHMARKS) if args.only is None else [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = sorted(set(chosen) - set(BENCHMARKS))
    if unknown:
        raise SystemExit(
            f"bench/run.py: no benchmark {', '.join(unknown)}; there are {', '.join(BENCHMARKS)}."
        )
    partial = args.only is not None
    out, page = destinations(args.quick or partial, args.out, args.no_docs)
    with tempfile.TemporaryDirectory(prefix="collabcore-bench-") as tmp:
        folder = Path(tmp)
        runs: dict[str, Callable[[], None]] = {
            "plan": lambda: bench_plan(args.quick),
            "memory": lambda: bench_memory(args.quick),
            "growth": lambda: bench_growth(args.quick, folder),
            "end_sqlite": lambda: bench_end_sqlite(args.quick, folder),
            "overview": lambda: bench_overview(args.quick, folder),
            "bulk": lambda: bench_bulk(args.quick, folder),
            "end_postgres": lambda: bench_end_postgres(args.quick),
            "relay_postgres": lambda: bench_relay_postgres(args.quick),
        }
        for name in BENCHMARKS:
            if name in chosen:
                runs[name]()
    output = {"machine": machine(), "quick": args.quick or partial, "results": RESULTS}
    out.write_text(json.dumps(output, indent=2) + "\n", encoding="utf-8")
    if page is not None:
        write_page(output, args.before, page)
    print(f"wrote {out}" + ("" if page is None else f" and {page}"))


def write_page(output: dict[str, Any], before_path: Path, page: Path) -> None:
    from report import performance_page

    before = json.loads(before_path.read_text(encoding="utf-8")) if before_path.exists() else None
    page.write_text(performance_page(output, before), encoding="utf-8")


if __name__ == "__main__":
    main()
