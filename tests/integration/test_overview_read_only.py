"""Issue 24, item 4: the office's overview keeps a customer while the office still holds
read-only access to it for a grace period (R20), on every store, page by page."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

import collabcore as cc
from collabcore.domain import OverviewCursor, OverviewPage
from collabcore.domain.requests import RequestKind
from collabcore.ports import Store
from collabcore.testing import World
from collabcore.tools.display import overview_note


@pytest.fixture
def store(collabcore_store: Store) -> Store:
    """Each shipped store in turn (the plugin's fixture)."""
    return collabcore_store


def graced_world(store: Store) -> World:
    products = cc.default_products()
    graced = products.replace(attrs.evolve(products.get(cc.BOOKKEEPING), read_only_for=timedelta(days=30)))
    return World(store, products=graced)


def customer_ids(page: OverviewPage) -> list[str]:
    return [i.customer.id for i in page.items]


def every_page(w: World, limit: int) -> list[str]:
    seen: list[str] = []
    after = None
    while True:
        page = w.service.overview("office-1", actor=w.office_admin(), after=after, limit=limit)
        assert len(page.items) <= limit
        seen.extend(customer_ids(page))
        if page.next_cursor is None:
            return seen
        assert page.items, "a page with a cursor is never empty"
        after = page.next_cursor


def test_the_issues_program(store: Store) -> None:
    w = graced_world(store)
    (book,) = w.setup(cc.BOOKKEEPING)
    w.service.end(book.id, actor=w.office_admin(), outcome=cc.Outcome.DEACTIVATE)
    (access,) = w.service.requests(actor=w.office_admin())
    assert access.kind is RequestKind.READ_ONLY_ACCESS and access.is_open
    page = w.service.overview("office-1", actor=w.office_admin())
    (item,) = page.items
    assert (item.customer.id, item.collaborations, item.requests) == ("customer-1", (), (access,))
    assert page.next_cursor is None
    assert access.effective_on == w.clock.now.date() + timedelta(days=30)
    note = overview_note(item.requests[0], w.service.localizer)
    assert note.startswith("read-only until") and access.effective_on.isoformat() in note


def test_the_customer_leaves_the_overview_when_the_access_ends(store: Store) -> None:
    w = graced_world(store)
    (book,) = w.setup(cc.BOOKKEEPING)
    w.service.end(book.id, actor=w.office_admin(), outcome=cc.Outcome.DEACTIVATE)
    w.clock.advance(timedelta(days=31))
    assert w.service.carry_out_due().revoked == 1
    assert w.service.overview("office-1", actor=w.office_admin()).items == ()


def test_a_customer_with_other_collaborations_shows_once(store: Store) -> None:
    w = graced_world(store)
    book, pay = w.setup(cc.BOOKKEEPING, cc.PAYROLL)
    w.service.end(book.id, actor=w.office_admin(), outcome=cc.Outcome.DEACTIVATE)
    (item,) = w.service.overview("office-1", actor=w.office_admin()).items
    assert [c.id for c in item.collaborations] == [pay.id]
    assert [r.kind for r in item.requests] == [RequestKind.READ_ONLY_ACCESS]


GRACED = (0, 3, 4, 8)
"""Of nine customers (numbers 1001-1009), those whose only collaboration with the office
ended into a grace period: the first, two together in the middle and the last."""


def nine_customers(store: Store) -> World:
    w = graced_world(store)
    w.office()
    w.office("office-2")
    for n in range(9):
        customer_id = f"customer-{n + 1}"
        w.customer(customer_id)
        collab = w.collaboration(cc.BOOKKEEPING if n in GRACED else cc.PAYROLL, customer_id=customer_id)
        if n in GRACED:
            w.service.end(collab.id, actor=w.office_admin(), outcome=cc.Outcome.DEACTIVATE)
        if n == 4:  # another office's collaboration does not make it this office's customer
            w.collaboration(cc.PAYROLL, office_id="office-2", customer_id=customer_id)
    return w


def test_paging_across_read_only_customers(store: Store) -> None:
    w = nine_customers(store)
    expected = [f"customer-{n + 1}" for n in range(9)]
    whole = w.service.overview("office-1", actor=w.office_admin())
    assert customer_ids(whole) == expected and whole.next_cursor is None
    for item in whole.items:
        graced = int(item.customer.id.rsplit("-", 1)[1]) - 1 in GRACED
        assert (len(item.collaborations), len(item.requests)) == ((0, 1) if graced else (1, 0))
    for limit in (1, 2, 3, 4, 5, 8, 9, 10):
        assert every_page(w, limit) == expected, f"limit {limit}"
    other = w.service.overview("office-2", actor=w.office_admin("office-2"))
    assert customer_ids(other) == ["customer-5"]


def test_a_cursor_on_a_read_only_customer(store: Store) -> None:
    w = nine_customers(store)
    first = w.service.overview("office-1", actor=w.office_admin(), limit=4)
    assert customer_ids(first) == ["customer-1", "customer-2", "customer-3", "customer-4"]
    assert first.next_cursor == OverviewCursor("1004", "customer-4")
    rest = w.service.overview("office-1", actor=w.office_admin(), after=first.next_cursor)
    assert customer_ids(rest) == [f"customer-{n}" for n in range(5, 10)]
