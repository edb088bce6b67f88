"""Issue 24, item 5: dates at the ends of the calendar. Every public entry point that takes a
date (``plan_end`` and ``schedule_end`` with ``effective``), and those that compute dates from
the host's clock (ends, invitations and their expiries, moves, cancellations, the due run,
the relay, the overview), run with days near ``date.min`` and ``date.max`` and a clock near
them, with grace periods and acceptance periods up to their limits: only collabcore's own
errors come out, never a ValueError or OverflowError from the calendar. A day refused for
being too late is refused as invalid input naming ``effective``, saying how to fix it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import collabcore as cc
from collabcore.domain.billing import LAST_EFFECTIVE_DAY, days_after, month_end, next_day
from collabcore.testing import ManualClock, World

SEEN: Counter[str] = Counter()
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))

T = TypeVar("T")

FIRST_MOMENT = datetime(1, 1, 1, tzinfo=UTC)
#: The clock stays an hour short of the calendar's end: the relay leases an effect for
#: minutes ahead, and ManualClock itself moves on a microsecond per reading.
LAST_MOMENT = datetime(9999, 12, 31, 23, tzinfo=UTC)

clocks = st.one_of(
    st.integers(0, 90 * 24).map(lambda hours: FIRST_MOMENT + timedelta(hours=hours)),
    st.integers(0, 90 * 24).map(lambda hours: LAST_MOMENT - timedelta(hours=hours)),
    st.just(datetime(2026, 11, 23, 12, tzinfo=UTC)),
)


def days_near(today: date) -> st.SearchStrategy[date]:
    """Days near the calendar's ends, near the last day an end may take effect on, and near
    today by the clock (which may itself be near an end)."""

    def near(anchor: date, spread: int) -> st.SearchStrategy[date]:
        low = max(date.min.toordinal(), anchor.toordinal() - spread)
        high = min(date.max.toordinal(), anchor.toordinal() + spread)
        return st.integers(low, high).map(date.fromordinal)

    return st.one_of(near(date.min, 60), near(date.max, 60), near(LAST_EFFECTIVE_DAY, 40), near(today, 40))


graces = st.one_of(st.none(), st.sampled_from((1, 30, 366, 3660)).map(lambda n: timedelta(days=n)))
acceptance = st.one_of(
    st.none(), st.sampled_from((timedelta(hours=1), timedelta(days=7), timedelta(days=366)))
)


def only_ours(call: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """``call(*args, **kwargs)``, or None when it raised one of collabcore's errors; any
    other exception fails the property."""
    try:
        answer = call(*args, **kwargs)
    except cc.CollabCoreError as exc:
        SEEN[f"refused: {getattr(call, '__name__', '?')}"] += 1
        assert str(exc).strip(), "a collabcore error says what was wrong"
        if isinstance(exc, cc.InvalidInput) and "calendar" in exc.message:
            assert exc.path, "a date refused for the calendar names its field"
        return None
    SEEN[getattr(call, "__name__", "?")] += 1
    return answer


def _planned(w: World, collab_id: str, actor: cc.Actor, outcome: cc.Outcome, day: date | None) -> cc.Plan:
    """A plan with its lazy parts (words, timeline) computed: those compute dates too."""
    plan = w.service.plan_end(collab_id, actor=actor, outcome=outcome, effective=day)
    _ = plan.timeline, plan.effect_descriptions
    if plan.consequences is not None:
        _ = plan.consequences.lines
    return plan


def _world(start: datetime, grace: timedelta | None, expires_after: timedelta | None) -> World:
    products = cc.default_products()
    products = products.replace(attrs.evolve(products.get(cc.BOOKKEEPING), read_only_for=grace))
    rulebook = cc.default_rulebook()
    if expires_after is not None:
        rulebook = rulebook.requiring_acceptance(end=True, start=True, expires_after=expires_after)
    return World(clock=ManualClock(start), products=products, rulebook=rulebook)


@SETTINGS
@given(start=clocks, grace=graces, expires_after=acceptance, data=st.data())
def test_every_dated_entry_point_raises_only_collabcore_errors(
    start: datetime, grace: timedelta | None, expires_after: timedelta | None, data: st.DataObject
) -> None:
    w = _world(start, grace, expires_after)
    collabs = only_ours(w.setup, cc.PAYROLL, cc.EXPENSES, cc.BOOKKEEPING)
    if collabs is None:
        return
    only_ours(w.office, "office-2")
    boss, admin = w.customer_admin(), w.office_admin()
    today = w.clock.now.date()
    outcomes = {
        cc.PAYROLL: cc.Outcome.END_SUBSCRIPTION,
        cc.EXPENSES: cc.Outcome.CUSTOMER_CONTINUES,
        cc.BOOKKEEPING: cc.Outcome.DEACTIVATE,
    }
    for collab in collabs:
        outcome = outcomes[collab.product]
        for actor in (boss, admin):
            day = data.draw(days_near(today), label=f"plan {collab.product}")
            only_ours(_planned, w, collab.id, actor, outcome, day)
        only_ours(_planned, w, collab.id, boss, outcome, None)
        day = data.draw(days_near(today), label=f"schedule {collab.product}")
        actor = data.draw(st.sampled_from((boss, admin)), label="by")
        scheduled = only_ours(w.service.schedule_end, collab.id, actor=actor, outcome=outcome, effective=day)
        if scheduled is not None:
            SEEN["scheduled"] += 1
            assert day <= LAST_EFFECTIVE_DAY
            only_ours(w.service.plan_request, scheduled.request.id, actor=boss)
            only_ours(w.service.accept, scheduled.request.id, actor=boss)
        elif day > LAST_EFFECTIVE_DAY:
            try:
                w.service.schedule_end(collab.id, actor=actor, outcome=outcome, effective=day)
            except cc.InvalidInput as exc:
                SEEN["refused late"] += 1
                assert exc.path == "effective" and exc.hint, exc
            except cc.CollabCoreError:
                pass  # refused for another reason first (scheduled already, say)
    # Ends, starts, invitations, moves and cancellations today, by the clock.
    only_ours(lambda: w.service.end(collabs[2].id, actor=admin, outcome=cc.Outcome.DEACTIVATE))
    only_ours(lambda: w.service.schedule_end(collabs[0].id, actor=boss, outcome=cc.Outcome.END_SUBSCRIPTION))
    invited = only_ours(
        lambda: w.service.invite(
            actor=boss, office_id="office-2", customer_id="customer-1", product=cc.BOOKKEEPING
        )
    )
    if invited is not None:
        only_ours(lambda: w.service.accept(invited.id, actor=w.office_admin("office-2")))
    only_ours(
        lambda: w.service.plan_move(
            "customer-1", actor=boss, from_office_id="office-1", to_office_id="office-2"
        )
    )
    only_ours(
        lambda: w.service.move("customer-1", actor=boss, from_office_id="office-1", to_office_id="office-2")
    )
    only_ours(lambda: w.service.cancel_subscription("customer-1", cc.EXPENSES, actor=boss))
    # Time passes (as far as the calendar has room), and the due run and the relay follow.
    for hours in data.draw(st.lists(st.sampled_from((1, 24, 24 * 8, 24 * 40, 24 * 4000)), max_size=3)):
        room = LAST_MOMENT - w.clock.now
        w.clock.advance(min(timedelta(hours=hours), max(room, timedelta(0))))
        only_ours(w.service.carry_out_due)
        only_ours(lambda: w.relay().drain())
    only_ours(lambda: w.service.overview("office-1", actor=admin))
    only_ours(lambda: w.service.overview("office-2", actor=w.office_admin("office-2")))
    only_ours(lambda: w.service.requests(actor=boss, open_only=False))


@settings(max_examples=50, deadline=None)
@given(day=st.one_of(st.dates(), st.dates(min_value=date(9999, 1, 1))), days=st.integers(0, 4000))
def test_computed_dates_stay_in_the_calendar_or_are_refused(day: date, days: int) -> None:
    """The computing functions themselves: a date or InvalidInput naming its field."""
    end = month_end(day)
    assert end.month == day.month and end >= day
    assert end == date.max or (end + timedelta(days=1)).day == 1
    for compute in (partial(next_day, day), partial(days_after, day, days, field="effective")):
        try:
            result = compute()
        except cc.InvalidInput as exc:
            assert exc.path == "effective" and "calendar" in exc.message and exc.hint
        else:
            assert result > day or days == 0
