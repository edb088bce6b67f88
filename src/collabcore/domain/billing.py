"""Billing periods (R18, R23): who pays until when, and the subscription after an end.

The one place for the arithmetic: a subscription that ends mid-month is paid for
to the end of that month (R23); when the company continues, the subscription and
its invoices move to it (R18).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

import attrs

from collabcore.domain.effects import EffectKind
from collabcore.domain.model import Collaboration, Party, Subscription, SubscriptionStatus


def month_end(day: date) -> date:
    """The last day of ``day``'s month: what a mid-month end is paid until (R23)."""
    first_of_next = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def next_day(day: date) -> date:
    return day + timedelta(days=1)


def settled_subscription(
    current: Subscription | None, ended: Collaboration, kinds: Collection[EffectKind], today: date
) -> Subscription | None:
    """The subscription once an end's billing effects ``kinds`` are done (R18, R23);
    None when the end leaves it as it is."""
    before = current or Subscription(ended.customer_id, ended.product, payer=ended.invoice_recipient)
    payer, status, paid_until = before.payer, before.status, before.paid_until
    if EffectKind.CANCEL_SUBSCRIPTION in kinds:
        status, paid_until = SubscriptionStatus.ENDED, month_end(today)
    elif EffectKind.DEACTIVATE_SUBSCRIPTION in kinds:
        status, paid_until = SubscriptionStatus.READ_ONLY, month_end(today)
    elif EffectKind.TRANSFER_SUBSCRIPTION in kinds:
        payer = Party.CUSTOMER
    else:
        return None
    # One new value, field by field (every end writes one): a field added to Subscription
    # must be added here too (test_domain's settled-subscription test says so).
    return Subscription(before.customer_id, before.product, payer, status, paid_until, before.version + 1)


def cancelled_subscription(current: Subscription, today: date) -> Subscription:
    """The company's own cancellation: paid to the end of this month (R23), then ended."""
    return attrs.evolve(
        current, status=SubscriptionStatus.ENDED, paid_until=month_end(today), version=current.version + 1
    )
