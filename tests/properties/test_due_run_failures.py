"""Issue 24, item 1, as a property: the due run with integrations whose fact readers fail at
random, with collabcore's own errors and foreign exceptions alike. Every run returns a
DueReport and never raises; a scheduled end whose facts failed is counted as failed and
stays open (scheduled), and a later run settles it once the integration answers; no other
request in the run is held back (other ends, and an invitation nobody accepted in time).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import collabcore as cc
from collabcore.domain import DueReport
from collabcore.testing import FakeIntegrations, IntegrationFailure, World

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))

DAY = date(2026, 12, 1)
RUN_AT = datetime(2026, 12, 1, 0, 5, tzinfo=UTC)
PRODUCTS = (cc.PAYROLL, cc.EXPENSES, cc.BOOKKEEPING)
METHODS = (
    "customer_is_payroll_user",
    "payroll_synchronised",
    "unsubmitted_reports",
    "users_with_unsubmitted_outlays",
    "active_linked_services",
    "bank_integration_active",
)
#: What a fact reader may raise: a host integration's own exceptions and collabcore's errors.
FAILURES: tuple[Callable[[], Exception], ...] = (
    lambda: IntegrationFailure("the payroll system is down"),
    lambda: RuntimeError("boom"),
    lambda: TimeoutError("timed out"),
    lambda: ConnectionError("connection reset"),
    lambda: KeyError("customer"),
    lambda: ValueError("not a number"),
    lambda: ZeroDivisionError(),
    lambda: cc.InvalidInput("the integration's answer is malformed", path="answer"),
    lambda: cc.ConfigurationError("the integration is not set up"),
    lambda: cc.CollabCoreError("collabcore's own error"),
)

Down = Mapping[str, tuple[frozenset[str], int]]
"""customer id -> (the port methods that raise for it, which failure they raise)."""


class Flaky(FakeIntegrations):
    """The fakes, with fact readers (the seed ports' methods) that raise while ``down`` says so."""

    def __init__(self) -> None:
        super().__init__()
        self.down: Down = {}

    def _maybe_fail(self, method: str, customer_id: str) -> None:
        methods, failure = self.down.get(customer_id, (frozenset(), 0))
        if method in methods:
            raise FAILURES[failure]()

    def customer_is_payroll_user(self, customer_id: str) -> bool:
        self._maybe_fail("customer_is_payroll_user", customer_id)
        return super().customer_is_payroll_user(customer_id)

    def payroll_synchronised(self, customer_id: str) -> bool:
        self._maybe_fail("payroll_synchronised", customer_id)
        return super().payroll_synchronised(customer_id)

    def unsubmitted_reports(self, customer_id: str) -> int:
        self._maybe_fail("unsubmitted_reports", customer_id)
        return super().unsubmitted_reports(customer_id)

    def users_with_unsubmitted_outlays(self, customer_id: str) -> Sequence[str]:
        self._maybe_fail("users_with_unsubmitted_outlays", customer_id)
        return super().users_with_unsubmitted_outlays(customer_id)

    def active_linked_services(self, customer_id: str) -> Sequence[str]:
        self._maybe_fail("active_linked_services", customer_id)
        return super().active_linked_services(customer_id)

    def bank_integration_active(self, customer_id: str) -> bool:
        self._maybe_fail("bank_integration_active", customer_id)
        return super().bank_integration_active(customer_id)


def _reads() -> dict[str, frozenset[str]]:
    """product -> the port methods its end reads (asked of the service, not assumed)."""

    asked: set[str] = set()

    class Recording(FakeIntegrations):
        pass

    for method in METHODS:

        def record(self: Recording, customer_id: str, _method: str = method) -> object:
            asked.add(_method)
            return getattr(FakeIntegrations, _method)(self, customer_id)

        setattr(Recording, method, record)
    world = World()
    world.setup()
    service = cc.CollaborationService(world.store, integrations=Recording().integrations(), clock=world.clock)
    reads = {}
    for product in PRODUCTS:
        asked.clear()
        service.facts("customer-1", service.products.get(product))
        reads[product] = frozenset(asked)
    assert all(reads.values()), reads
    return reads


READS = _reads()

customers = st.lists(st.sets(st.sampled_from(PRODUCTS), min_size=1).map(sorted), min_size=1, max_size=3)


def outages(n_customers: int) -> st.SearchStrategy[dict[str, tuple[frozenset[str], int]]]:
    one = st.tuples(st.frozensets(st.sampled_from(METHODS)), st.integers(0, len(FAILURES) - 1))
    return st.dictionaries(st.sampled_from([f"customer-{i + 1}" for i in range(n_customers)]), one)


@SETTINGS
@given(portfolio=customers, data=st.data())
def test_a_due_run_survives_integrations_that_fail_at_random(
    portfolio: list[list[str]], data: st.DataObject
) -> None:
    w = World()
    w.office()
    w.office("office-2")
    flaky = Flaky()
    w.service = cc.CollaborationService(w.store, integrations=flaky.integrations(), clock=w.clock)
    ends: dict[str, tuple[str, str]] = {}  # request id -> (customer id, product)
    for i, products in enumerate(portfolio):
        customer_id = f"customer-{i + 1}"
        w.customer(customer_id)
        for product in products:
            collab = w.collaboration(product, customer_id=customer_id)
            spec = w.service.products.get(product)
            outcome = data.draw(st.sampled_from([o for o in cc.Outcome if spec.offers(o)]), label="outcome")
            scheduled = w.service.schedule_end(
                collab.id,
                actor=w.customer_admin(customer_id),
                outcome=outcome,
                effective=DAY,
                confirm_deletion=True,
            )
            ends[scheduled.request.id] = (customer_id, product)
    # An invitation nobody answers: it expires before the day, in the first run, whatever fails.
    w.customer("customer-9")
    invitation = w.service.invite(
        actor=w.customer_admin("customer-9"),
        office_id="office-2",
        customer_id="customer-9",
        product=cc.PAYROLL,
    )
    w.clock.now = RUN_AT

    def status(request_id: str) -> cc.RequestStatus:
        actor = w.office_admin("office-2" if request_id == invitation.id else "office-1")
        return w.service.get_request(request_id, actor=actor).status

    runs = data.draw(st.lists(outages(len(portfolio)), min_size=1, max_size=3), label="outages")
    for number, down in enumerate([*runs, {}]):
        flaky.down = down
        before = {r: status(r) for r in ends}
        waiting = [r for r, s in before.items() if s is cc.RequestStatus.SCHEDULED]
        failing = {
            r for r in waiting if ends[r][1] and READS[ends[r][1]] & down.get(ends[r][0], (frozenset(), 0))[0]
        }
        report = w.service.carry_out_due()  # never raises
        assert isinstance(report, DueReport)
        assert report.failed == len(failing), (report, failing)
        assert report.carried_out + report.blocked == len(waiting) - len(failing), report
        assert report.expired == (1 if number == 0 else 0), report
        assert status(invitation.id) is cc.RequestStatus.EXPIRED
        for request_id in waiting:
            after = status(request_id)
            if request_id in failing:
                assert after is cc.RequestStatus.SCHEDULED, (request_id, after)
            else:  # not held back by another request's failure
                assert after in (cc.RequestStatus.CARRIED_OUT, cc.RequestStatus.BLOCKED), (request_id, after)
        for request_id, was in before.items():
            if was is not cc.RequestStatus.SCHEDULED:
                assert status(request_id) is was, "a settled request is settled once"
    # The last run had every integration answering: nothing is left open.
    assert all(status(r) is not cc.RequestStatus.SCHEDULED for r in ends)
    w.relay().drain()
