"""Billing periods (R18, R23): who pays until when, and the subscription after an end.

The one place for the arithmetic: a subscription that ends mid-month is paid for
to the end of that month (R23); when the company continues, the subscription and
its invoices move to it (R18).
"""

from __future__ import annotations

import calendar
from collections.abc import Collection
from datetime import date, datetime, timedelta
from functools import lru_cache

import attrs

from collabcore.domain.assembly import assembled
from collabcore.domain.effects import EffectKind
from collabcore.domain.errors import InvalidInput
from collabcore.domain.model import Collaboration, Party, Subscription, SubscriptionStatus
from collabcore.domain.validation import MAX_COUNT

#: The last day an end may take effect on: its billing month must end (R23) and the next
#: payer take over the day after, both within the calendar (which ends on 9999-12-31).
LAST_EFFECTIVE_DAY = date(date.max.year, 11, 30)


@lru_cache(maxsize=512)
def month_end(day: date) -> date:
    """The last day of ``day``'s month: what a mid-month end is paid until (R23). Kept for
    the days asked lately: every plan asks it, of today, twice."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def next_day(day: date, *, field: str = "effective") -> date:
    """The day after ``day`` (the next payer's first day); InvalidInput naming ``field``
    when ``day`` is the calendar's last."""
    return days_after(day, 1, field=field, what="the day after the billing month")


def days_after(day: date, days: int, *, field: str = "effective", what: str = "a date it sets") -> date:
    """``day`` plus ``days``, or InvalidInput naming ``field`` (the input that led to ``day``)
    when that leaves the calendar: every computed date stays within it or is refused."""
    if days > (date.max - day).days:
        raise InvalidInput(
            f"{field} is too late in the calendar: {what}, {days} day(s) after {day.isoformat()}, "
            f"would come after {date.max.isoformat()}, the last day the calendar holds.",
            hint=f"Choose a day no later than {LAST_EFFECTIVE_DAY.isoformat()} "
            "(or check the host's clock, if no day was given).",
            path=field,
        )
    return day + timedelta(days=days)


def moment_after(moment: datetime, delta: timedelta, *, field: str) -> datetime:
    """``moment`` plus ``delta`` (a request's expiry), or InvalidInput naming ``field`` when
    that leaves the calendar."""
    try:
        return moment + delta
    except OverflowError:
        raise InvalidInput(
            f"{field} would come after {date.max.isoformat()}, the last day the calendar holds: "
            f"{delta} after {moment.isoformat()} (now, by the host's clock).",
            hint="Check the host's clock: a date this late is not a real date.",
            path=field,
        ) from None


def checked_effective(day: date | None, *, field: str = "effective") -> date | None:
    """``day`` if an end can take effect on it with every date it sets (the end of its
    billing month, the next payer's first day) within the calendar; InvalidInput naming
    ``field`` otherwise. None stays None (the default day is decided later)."""
    if day is not None and day > LAST_EFFECTIVE_DAY:
        raise InvalidInput(
            f"{field} must be no later than {LAST_EFFECTIVE_DAY.isoformat()}, got {day.isoformat()}: "
            f"the subscription is paid to the end of that month and the next payer takes over "
            f"the day after, which would come after {date.max.isoformat()}, the last day the "
            "calendar holds.",
            hint=f"Choose a day no later than {LAST_EFFECTIVE_DAY.isoformat()}.",
            path=field,
        )
    return day


def settled_subscription(
    current: Subscription | None, ended: Collaboration, kinds: Collection[EffectKind], today: date
) -> Subscription | None:
    """The subscription once an end's billing effects ``kinds`` are done (R18, R23);
    None when the end leaves it as it is."""
    if current is None:  # as Subscription(customer, product, payer=recipient) would start
        customer_id, product, at = ended.customer_id, ended.product, 0
        payer, status, paid_until = ended.invoice_recipient, SubscriptionStatus.ACTIVE, None
    else:
        customer_id, product, at = current.customer_id, current.product, current.version
        payer, status, paid_until = current.payer, current.status, current.paid_until
    if EffectKind.CANCEL_SUBSCRIPTION in kinds:
        status, paid_until = SubscriptionStatus.ENDED, month_end(today)
    elif EffectKind.DEACTIVATE_SUBSCRIPTION in kinds:
        status, paid_until = SubscriptionStatus.READ_ONLY, month_end(today)
    elif EffectKind.TRANSFER_SUBSCRIPTION in kinds:
        payer = Party.CUSTOMER
    else:
        return None
    # One new value, field by field (every end writes one), checking only what is new: the
    # ids are a checked subscription's or collaboration's, the payer and status members. A
    # field added to Subscription must be added here too (test_domain's settled-subscription
    # test says so).
    version = at + 1
    if version > MAX_COUNT:
        raise InvalidInput(
            f"version must be a whole number from 0 to {MAX_COUNT:,}, got {version:,}.", path="version"
        )
    return assembled(Subscription, customer_id, product, payer, status, paid_until, version)


def cancelled_subscription(current: Subscription, today: date) -> Subscription:
    """The company's own cancellation: paid to the end of this month (R23), then ended."""
    return attrs.evolve(
        current, status=SubscriptionStatus.ENDED, paid_until=month_end(today), version=current.version + 1
    )
