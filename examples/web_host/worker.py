"""The relay and the due run, beside the web host: a background thread that carries out what
ends leave in the outbox, and settles the lifecycle requests whose day has come.

A real host runs the same two calls from its own scheduler or queue consumer. Several workers
(two server processes, say) may run against one database: the relay leases each effect it
claims and fences its writes with the lease, and the due run settles each request once in a
transaction that locks it (docs/reliability.md), so nothing is carried out twice.
"""

from __future__ import annotations

import logging
import threading

from attrs import frozen

import collabcore as cc
from collabcore.app.relay import RelayReport
from collabcore.domain.requests import DueReport

log = logging.getLogger("web_host.worker")

MAX_RELAY_ROUNDS = 100
"""Relay rounds (of up to 50 effects each) in one run before the worker looks at the clock and
the stop signal again."""


@frozen
class WorkerRun:
    """What one run of the worker did."""

    due: DueReport
    relay: RelayReport
    errors: int = 0
    """Calls that raised (a store that was unreachable, say): logged, and tried on the next run."""

    @property
    def idle(self) -> bool:
        """Nothing was due, nothing carried out, nothing failed."""
        due = self.due.settled + self.due.failed + self.due.skipped
        return not (due or self.relay.attempted or self.errors)


class Worker:
    """Runs ``service.carry_out_due()`` and the relay every ``every`` seconds on a thread of its
    own, from ``start()`` until ``stop()``. A failing integration never stops it: the relay
    records the failure on the effect (retried, then failed for the operator), and any other
    error is logged on the ``web_host.worker`` logger and tried again on the next run."""

    def __init__(
        self,
        service: cc.CollaborationService,
        *,
        every: float = 1.0,
        retry: cc.RetryPolicy | None = None,
    ) -> None:
        if not isinstance(every, int | float) or isinstance(every, bool) or not 0.01 <= every <= 3600:
            raise cc.InvalidInput(f"every must be seconds from 0.01 to 3,600, got {every!r}.", path="every")
        self.service = service
        self.every = float(every)
        self.relay = service.relay(retry)
        self.runs = 0
        """Runs so far (each one: the due run, then the relay until nothing more is due)."""
        self.last: WorkerRun | None = None
        """What the last run did; None before the first."""
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def start(self) -> None:
        """Start the thread (doing nothing if it runs already). Its first run is at once."""
        with self._guard:
            if self.running:
                return
            self._stopping.clear()
            # A daemon, so that a host that forgets to stop it can still exit; stop() is the
            # clean way, and a transaction cut off at exit is rolled back whole by the store.
            self._thread = threading.Thread(target=self._loop, name="web-host-worker", daemon=True)
            self._thread.start()
        log.info("worker started: the relay and the due run every %.2g s", self.every)

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to stop and wait up to ``timeout`` seconds for it. A run under way
        finishes the effect or request it is at (each one is its own transaction); the
        relay rounds left are not started."""
        with self._guard:
            thread = self._thread
            self._stopping.set()
            if thread is None:
                return
            thread.join(timeout)
            if thread.is_alive():
                log.warning("worker did not stop within %.2g s; it stops after its current call", timeout)
                return
            self._thread = None
        log.info("worker stopped after %d runs", self.runs)

    def run_once(self) -> WorkerRun:
        """One run, on the calling thread: what is due first (so that a scheduled end's effects
        go out in the same run), then the relay until nothing is due now or a stop is asked."""
        errors = 0
        due = DueReport()
        try:
            due = self.service.carry_out_due()
        except Exception:
            errors += 1
            log.exception("the due run failed; trying again on the next run")
        relay = RelayReport()
        for _ in range(MAX_RELAY_ROUNDS):
            try:
                report = self.relay.run_once()
            except Exception:
                errors += 1
                log.exception("the relay failed; trying again on the next run")
                break
            relay += report
            if not report.attempted or self._stopping.is_set():
                break
        done = WorkerRun(due, relay, errors)
        self.runs += 1
        self.last = done
        if not done.idle:
            log.info(
                "worker run: %d requests settled, %d effects done, %d retried, %d failed",
                due.settled,
                relay.done,
                relay.retried,
                relay.failed,
            )
        return done

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.run_once()
            except Exception:  # run_once logs its own; this keeps the thread alive whatever happens
                log.exception("worker run failed")
            self._stopping.wait(self.every)
