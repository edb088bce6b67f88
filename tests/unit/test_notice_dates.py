"""Issue 24, items 2 and 3: every date a party is told comes from what it is about, never
from the clock of the due run or of the relay.

- A scheduled end carried out by a late due run tells its own day and the end of its own
  month (as the stored subscription has it), not the late run's.
- A request that waits for acceptance tells its expiry (accepting after it is refused), not
  the end's day; as the invitations' notices do.

Each on the memory store in both brands and both languages, and on SQLite (a file) and
PostgreSQL.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

import collabcore as cc
from collabcore.domain.outbox import Notification
from collabcore.domain.requests import LifecycleRequest, RequestKind
from collabcore.ports import Store
from collabcore.testing import World

BRANDS = ("visma", "spiris")
LANGUAGES = ("en", "sv")
WORDS = list(itertools.product(BRANDS, LANGUAGES))
LATE = datetime(2026, 12, 5, 12, tzinfo=UTC)
"""A due run five days after the month's end: the next month's clock."""
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    made: Store
    if request.param == "memory":
        made = cc.MemoryStore()
    elif request.param == "sqlite":
        made = cc.SQLiteStore(tmp_path / "notice-dates.db")
    else:
        from collabcore.adapters.postgres import PostgresStore

        made = PostgresStore(
            request.getfixturevalue("postgres_dsn"),
            schema=request.getfixturevalue("postgres_schema"),
            max_size=4,
        )
    yield made
    made.close()


def world(
    store: Store | None = None,
    brand: str = "visma",
    language: str = "en",
    rulebook: cc.Rulebook | None = None,
) -> World:
    """A world whose office and customer both read ``language``, in ``brand``."""
    w = World(store, brand=brand, language=language, rulebook=rulebook)
    w.office(language=language)
    w.customer(language=language)
    return w


def told(w: World) -> list[Notification]:
    """What the relay tells the parties now (and forgets it, for the next look)."""
    w.relay().drain()
    notes = list(w.fakes.notifications)
    w.fakes.notifications.clear()
    return notes


def dates_in(notes: list[Notification]) -> set[str]:
    return {d for n in notes for text in (n.subject, *n.lines) for d in ISO_DATE.findall(text)}


def paid_until(w: World) -> date:
    subscription = w.service.get_subscription("customer-1", cc.PAYROLL)
    assert subscription is not None and subscription.paid_until is not None
    return subscription.paid_until


def late_run_of_month_end(w: World) -> list[Notification]:
    """Issue 24's second program: an end for the end of the month, carried out by a due run
    five days into the next month."""
    pay = w.collaboration(cc.PAYROLL)
    scheduled = w.service.schedule_end(pay.id, actor=w.customer_admin(), outcome=cc.Outcome.END_SUBSCRIPTION)
    assert scheduled.request.effective_on == date(2026, 11, 30)
    told(w)
    w.clock.now = LATE
    report = w.service.carry_out_due()
    assert report.carried_out == 1
    assert paid_until(w) == date(2026, 11, 30)
    return told(w)


# --- item 2: a late due run ------------------------------------------------------------------


def test_issue_program_late_due_run_tells_the_ends_own_month() -> None:
    notes = late_run_of_month_end(world())
    assert sorted(n.party.value for n in notes) == ["customer", "office"]
    for note in notes:
        assert "until 2026-11-30, the end of the month" in note.lines[-1]
        assert "ended on 2026-11-30" in note.lines[0]
    assert dates_in(notes) == {"2026-11-30"}


@pytest.mark.parametrize(("brand", "language"), WORDS)
def test_late_due_run_tells_the_ends_own_day_in_every_brand_and_language(brand: str, language: str) -> None:
    notes = late_run_of_month_end(world(brand=brand, language=language))
    assert sorted(n.party.value for n in notes) == ["customer", "office"]
    assert {(n.brand, n.language) for n in notes} == {(brand, language)}
    for note in notes:
        assert "2026-11-30" in note.lines[0]  # the day it ended
        assert "2026-11-30" in note.lines[-1]  # paid to the end of that month
    assert dates_in(notes) == {"2026-11-30"}


def test_late_due_run_tells_the_ends_own_day_on_every_store(store: Store) -> None:
    notes = late_run_of_month_end(world(store))
    assert sorted(n.party.value for n in notes) == ["customer", "office"]
    for note in notes:
        assert "ended on 2026-11-30" in note.lines[0]
        assert "until 2026-11-30, the end of the month" in note.lines[-1]
    assert dates_in(notes) == {"2026-11-30"}


@pytest.mark.parametrize(("brand", "language"), WORDS)
def test_a_mid_month_end_carried_out_next_month_tells_its_day_and_its_months_end(
    brand: str, language: str
) -> None:
    w = world(brand=brand, language=language)
    pay = w.collaboration(cc.PAYROLL)
    w.service.schedule_end(
        pay.id, actor=w.customer_admin(), outcome=cc.Outcome.END_SUBSCRIPTION, effective=date(2026, 11, 24)
    )
    told(w)
    w.clock.now = LATE
    assert w.service.carry_out_due().carried_out == 1
    assert paid_until(w) == date(2026, 11, 30)
    notes = told(w)
    assert len(notes) == 2
    for note in notes:
        assert "2026-11-24" in note.lines[0]
        assert "2026-11-30" in note.lines[-1]
    assert dates_in(notes) == {"2026-11-24", "2026-11-30"}


def test_an_instant_end_still_tells_its_own_day_when_the_relay_comes_late(store: Store) -> None:
    w = world(store)
    pay = w.collaboration(cc.PAYROLL)
    w.service.end(pay.id, actor=w.customer_admin(), outcome=cc.Outcome.END_SUBSCRIPTION)
    w.clock.now = LATE  # the relay runs next month (an outage, say)
    notes = told(w)
    assert len(notes) == 2
    assert dates_in(notes) == {"2026-11-23", "2026-11-30"}


@pytest.mark.parametrize(("brand", "language"), WORDS)
def test_a_read_only_access_ended_by_a_late_due_run_tells_the_ends_day(
    store: Store, brand: str, language: str
) -> None:
    w = world(store, brand=brand, language=language)
    book = w.collaboration(cc.BOOKKEEPING)
    pay = w.collaboration(cc.PAYROLL)
    w.service.end(book.id, actor=w.office_admin(), outcome=cc.Outcome.DEACTIVATE)
    (access,) = w.service.requests(actor=w.office_admin())
    assert access.kind is RequestKind.READ_ONLY_ACCESS and access.effective_on is None
    w.service.schedule_end(pay.id, actor=w.customer_admin(), outcome=cc.Outcome.END_SUBSCRIPTION)
    told(w)
    w.clock.now = LATE
    assert w.service.carry_out_due().carried_out == 1
    notes = told(w)
    assert sorted(n.party.value for n in notes) == ["customer", "customer", "office", "office"]
    assert dates_in(notes) == {"2026-11-30"}, [n.lines for n in notes]
    (revoked,) = (r for r in w.service.requests(actor=w.office_admin(), open_only=False) if r.id == access.id)
    assert revoked.status is cc.RequestStatus.CARRIED_OUT
    assert revoked.effective_on == date(2026, 11, 30)


def test_a_moves_notices_tell_the_day_of_the_move(store: Store) -> None:
    w = world(store)
    w.office("office-2")
    w.collaboration(cc.PAYROLL)
    w.service.move("customer-1", actor=w.customer_admin(), from_office_id="office-1", to_office_id="office-2")
    w.clock.now = LATE
    notes = told(w)
    moved = [n for n in notes if "moved" in n.lines[0]]
    assert len(moved) == 2, [n.lines for n in notes]
    assert dates_in(moved) == {"2026-11-23"}


# --- item 3: the acceptance notice -------------------------------------------------------------


def awaiting_end(w: World) -> tuple[LifecycleRequest, Notification]:
    """Issue 24's third program: an office's end for 2026-12-31 that waits for the customer."""
    pay = w.collaboration(cc.PAYROLL)
    r = w.service.schedule_end(
        pay.id, actor=w.office_admin(), outcome=cc.Outcome.END_SUBSCRIPTION, effective=date(2026, 12, 31)
    ).request
    (note,) = told(w)
    return r, note


def acceptance() -> cc.Rulebook:
    return cc.default_rulebook().requiring_acceptance(end=True)


def test_issue_program_the_acceptance_notice_tells_the_expiry() -> None:
    r, note = awaiting_end(world(rulebook=acceptance()))
    assert r.expires_at is not None
    assert (r.expires_at.date(), r.expires_at.hour) == (date(2026, 11, 30), 12)
    assert note.party is cc.Party.CUSTOMER
    assert note.lines[0].endswith("waits for your acceptance until 2026-11-30.")
    assert dates_in([note]) == {"2026-11-30"}


@pytest.mark.parametrize(("brand", "language"), WORDS)
def test_the_acceptance_notice_tells_the_expiry_in_every_brand_and_language(
    brand: str, language: str
) -> None:
    r, note = awaiting_end(world(brand=brand, language=language, rulebook=acceptance()))
    assert r.expires_at is not None
    assert (note.brand, note.language) == (brand, language)
    assert r.expires_at.date().isoformat() in note.lines[0]
    assert "2026-12-31" not in note.lines[0]
    assert dates_in([note]) == {"2026-11-30"}


def test_the_acceptance_notice_tells_the_expiry_on_every_store(store: Store) -> None:
    w = world(store, rulebook=acceptance())
    r, note = awaiting_end(w)
    assert r.expires_at is not None and r.expires_at.date() == date(2026, 11, 30)
    assert dates_in([note]) == {"2026-11-30"}
    # The date told is the last one on which accepting works.
    w.clock.now = r.expires_at + timedelta(seconds=1)
    with pytest.raises(cc.InvalidInput, match="expired"):
        w.service.accept(r.id, actor=w.customer_admin())


def test_an_accepted_end_then_tells_its_own_day(store: Store) -> None:
    w = world(store, rulebook=acceptance())
    r, _ = awaiting_end(w)
    w.service.accept(r.id, actor=w.customer_admin())
    w.service.withdraw(r.id, actor=w.customer_admin())
    (note,) = told(w)
    assert note.party is cc.Party.OFFICE
    assert dates_in([note]) == {"2026-12-31"}  # "the end of ... on 2026-12-31 was withdrawn"


@pytest.mark.parametrize(("brand", "language"), WORDS)
def test_the_invitation_notice_tells_the_expiry_too(brand: str, language: str) -> None:
    w = world(brand=brand, language=language)
    w.collaboration(cc.PAYROLL)
    invitation = w.service.invite(
        actor=w.office_admin(), office_id="office-1", customer_id="customer-1", product=cc.EXPENSES
    )
    (note,) = told(w)
    assert invitation.expires_at is not None
    assert dates_in([note]) == {invitation.expires_at.date().isoformat()} == {"2026-11-30"}
