"""The relay: order, retries, visible failures, operator actions, notifications."""

from __future__ import annotations

import logging
from datetime import timedelta

import attrs
import pytest

import collabcore as cc
from collabcore.adapters.notifier import LoggingNotifier
from collabcore.app import RelayReport
from collabcore.domain import EffectStatus
from collabcore.testing import World

POLICY = cc.RetryPolicy(max_attempts=3, first_delay=timedelta(seconds=1), lease=timedelta(minutes=5))


def ended(world: World, product: str = cc.EXPENSES, outcome: cc.Outcome = cc.Outcome.DELETE) -> cc.EndResult:
    (collab,) = world.setup(product)
    return world.service.end(collab.id, actor=world.office_admin(), outcome=outcome, confirm_deletion=True)


def test_a_failing_step_holds_back_the_later_ones(world: World) -> None:
    result = ended(world)
    world.fakes.fail("export_submitted_reports", times=1)
    relay = world.relay(POLICY)
    assert relay.run_once() == RelayReport(retried=1)
    assert world.fakes.erased == [], "nothing is erased before the export (R22)"
    world.clock.advance(timedelta(seconds=2))
    assert relay.drain().done == len(result.effects)
    assert world.fakes.erased == [("customer-1", cc.EXPENSES)]
    assert all(n == 1 for n in world.fakes.performed.values())


def test_backoff_doubles_and_failures_stay_visible(world: World) -> None:
    result = ended(world)
    world.fakes.fail("export_submitted_reports", times=10)
    relay = world.relay(POLICY)
    relay.run_once()
    (pending,) = [i for i in relay.pending() if i.attempts]
    assert pending.next_attempt_at - pending.updated_at == timedelta(seconds=1)
    world.clock.advance(timedelta(seconds=1))
    relay.run_once()
    (pending,) = [i for i in relay.pending() if i.attempts]
    assert pending.next_attempt_at - pending.updated_at == timedelta(seconds=2)
    world.clock.advance(timedelta(seconds=2))
    assert relay.run_once() == RelayReport(failed=1)
    (failed,) = relay.failed()
    assert failed.key == result.effects[0].key and failed.attempts == 3
    assert [a.at for a in failed.history] == sorted(a.at for a in failed.history)
    assert len(failed.history) == 3 and all(a.error and "injected" in a.error for a in failed.history)
    assert failed.last_error is not None and "injected" in failed.last_error
    world.clock.advance(timedelta(hours=1))
    assert relay.drain().attempted == 0, "a failed effect waits for an operator"


def test_retry_and_resolve_by_hand(world: World) -> None:
    result = ended(world)
    world.fakes.fail("export_submitted_reports", times=3)
    relay = world.relay(cc.RetryPolicy(max_attempts=1))
    relay.drain()
    (failed,) = relay.failed()
    with pytest.raises(cc.InvalidInput, match="reason"):
        relay.resolve(failed.key, reason=" ")
    with pytest.raises(cc.InvalidInput, match="Only failed"):
        relay.retry(result.effects[1].key)
    with pytest.raises(cc.NotFound):
        relay.retry("no-such-key")
    relay.retry(failed.key)
    relay.drain()
    (failed,) = relay.failed()
    resolved = relay.resolve(failed.key, reason="exported by support, ticket 81")
    assert resolved.status is EffectStatus.RESOLVED
    assert resolved.resolution == "exported by support, ticket 81"
    assert relay.drain().done == len(result.effects) - 1
    assert relay.pending() == [] and relay.failed() == []


def test_a_missing_integration_fails_visibly(world: World) -> None:
    ended(world)
    bare = attrs.evolve(world.service.configuration, integrations=cc.Integrations())
    relay = cc.Relay(bare, retry=cc.RetryPolicy(max_attempts=1))
    assert relay.run_once() == RelayReport(failed=1)
    (failed,) = relay.failed()
    assert failed.last_error is not None and "No integration is configured" in failed.last_error


def test_a_lease_expires_after_a_crash_and_the_effect_is_done_once(world: World) -> None:
    result = ended(world, cc.BOOKKEEPING, cc.Outcome.CUSTOMER_CONTINUES)
    relay = world.relay(POLICY)
    with world.store.transaction() as uow:  # a worker claims, leases, then dies
        (claimed,) = uow.claim_due_effects(now=world.clock(), limit=1)
        uow.update_outbox_item(attrs.evolve(claimed, next_attempt_at=world.clock.now + POLICY.lease))
        uow.commit()
    assert relay.drain().attempted == 0
    world.clock.advance(POLICY.lease + timedelta(seconds=1))
    assert relay.drain().done == len(result.effects)
    assert dict(world.fakes.performed) == {e.key: 1 for e in result.effects}


def test_each_party_is_notified_in_its_own_language() -> None:
    world = World(brand="spiris")
    world.office(language="sv")
    world.customer(language="en")
    collab = world.collaboration(cc.BOOKKEEPING)
    world.service.end(collab.id, actor=world.customer_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES)
    world.relay().drain()
    office, customer = world.fakes.notifications
    assert (office.party, office.language, customer.party, customer.language) == (
        cc.Party.OFFICE,
        "sv",
        cc.Party.CUSTOMER,
        "en",
    )
    assert office.subject == "Samarbetet för Bokföring & Fakturering har avslutats"
    assert customer.subject == "The collaboration for Bookkeeping & Invoicing has ended"
    assert "The company keeps working in Bookkeeping & Invoicing." in customer.lines
    assert any("2026-12-01" in line for line in customer.lines), "who pays from when (R23)"


def test_the_relay_speaks_the_services_texts_and_brand(world: World) -> None:
    result = ended(world)
    note = next(e for e in result.effects if e.kind is cc.EffectKind.NOTIFY_CUSTOMER)
    assert world.relay().notification(note).subject.startswith("The collaboration for")
    texts = cc.default_texts().with_templates("en", {"notification.subject": "Ended: {product}"})
    service = cc.CollaborationService(world.store, texts=texts, brand=cc.SPIRIS, clock=world.clock)
    told = service.relay().notification(note)
    assert (told.subject, told.brand) == ("Ended: Travel & Expenses", "spiris")


def test_a_relay_is_built_from_a_configuration_not_from_a_store(world: World) -> None:
    with pytest.raises(cc.ConfigurationError, match=r"service\.relay\(\)"):
        cc.Relay(world.store)  # type: ignore[arg-type]


def test_worlds_relay_speaks_the_worlds_brand_and_language() -> None:
    world = World(brand="spiris", language="sv")
    world.office(language="sv")
    world.customer(language="sv")
    collab = world.collaboration(cc.EXPENSES)
    world.service.end(collab.id, actor=world.office_admin(), outcome=cc.Outcome.CUSTOMER_CONTINUES)
    world.relay().drain()
    assert {(n.brand, n.language) for n in world.fakes.notifications} == {("spiris", "sv")}
    assert world.fakes.notifications[0].subject == "Samarbetet för Resor & Utlägg har avslutats"


def test_the_logging_notifier_writes_each_notification_to_its_logger(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    result = ended(world)
    note = next(e for e in result.effects if e.kind is cc.EffectKind.NOTIFY_CUSTOMER)
    message = world.relay().notification(note)
    with caplog.at_level(logging.INFO, logger="collabcore.notify"):
        LoggingNotifier().notify(message)
    (record,) = caplog.records
    assert message.subject in record.getMessage() and record.collabcore_key == message.key  # type: ignore[attr-defined]
