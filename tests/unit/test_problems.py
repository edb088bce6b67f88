"""Every collabcore error as a problem document: its status, in every brand and language,
without leaking what a server error was about."""

from __future__ import annotations

import pytest

import collabcore as cc
from collabcore.app.problems import KINDS, MEDIA_TYPE, kind_of, problem
from collabcore.domain import errors
from collabcore.domain.findings import Finding, Severity
from collabcore.domain.refusals import EndRefused, NotAuthorized
from collabcore.testing import World

R3 = Finding("R3", Severity.BLOCKER, "The main contact is missing.", ("Step one.",), "R3")


def examples() -> list[tuple[errors.CollabCoreError, int, str]]:
    world = World()
    world.office()
    world.customer(main_contact=False)
    collab = world.collaboration(cc.EXPENSES)
    plan = world.service.plan_end(collab.id, actor=world.office_admin(), outcome="delete")
    return [
        (errors.NotFound("No collaboration secret-id for office o."), 404, "not-found"),
        (NotAuthorized("no", (R3,)), 403, "not-authorized"),
        (errors.AlreadyEnded("c-1", (R3,)), 409, "already-ended"),
        (errors.ConcurrencyConflict("changed"), 409, "conflict"),
        (errors.key_reused("k"), 409, "idempotency-key-reused"),
        (
            errors.RequestConflict("An end is scheduled already.", path="collaboration_id"),
            409,
            "request-conflict",
        ),
        (errors.OutcomeNotOffered("no", (R3,)), 422, "outcome-not-offered"),
        (EndRefused(plan), 422, "end-refused"),
        (errors.InvariantViolation("no", (R3,)), 422, "invariant-violation"),
        (errors.OperationRefused("no", (R3,)), 422, "refused"),
        (errors.InvalidInput("outcome must be one of ...", path="outcome"), 400, "invalid-input"),
        (errors.SchemaVersionError("version 9 at /srv/secret.db"), 500, "schema-version"),
        (errors.CorruptRecord("row customers/c-1 at /srv/secret.db"), 500, "corrupt-record"),
        (errors.StorageError("connection to 10.0.0.5 refused"), 503, "storage-unavailable"),
        (errors.ConfigurationError("missing text X"), 500, "configuration"),
        (errors.CollabCoreError("something"), 500, "error"),
    ]


def every_error_class() -> set[type[errors.CollabCoreError]]:
    found: set[type[errors.CollabCoreError]] = set()
    todo: list[type[errors.CollabCoreError]] = [errors.CollabCoreError]
    while todo:
        kind = todo.pop()
        found.add(kind)
        todo.extend(kind.__subclasses__())
    return {k for k in found if k.__module__.startswith("collabcore.")}


def test_every_error_class_has_its_own_answer() -> None:
    # A new error class must be placed in KINDS on purpose: it would otherwise be answered
    # as its base class, perhaps with the wrong status.
    assert every_error_class() == {kind.error for kind in KINDS}
    assert {type(error) for error, _, _ in examples()} == every_error_class()


@pytest.mark.parametrize(
    ("brand", "language"), [("visma", "en"), ("visma", "sv"), ("spiris", "en"), ("spiris", "sv")]
)
def test_each_error_has_its_status_and_words(brand: str, language: str) -> None:
    words = World(brand=brand, language=language).service.localizer
    titles = set()
    for error, status, slug in examples():
        answer = problem(error, words, instance="/x")
        document = answer.to_dict()
        assert (answer.status, document["type"]) == (status, f"urn:collabcore:problem:{slug}")
        assert document["title"] and document["detail"] and "{" not in document["detail"]
        assert answer.headers["Content-Type"] == MEDIA_TYPE
        assert answer.headers["Content-Language"] == language
        assert ("Retry-After" in answer.headers) == (status == 503)
        if status >= 500:
            assert "secret" not in str(document) and "10.0.0.5" not in str(document), "nothing internal leaks"
        titles.add(document["title"])
    assert len(titles) >= 12


def test_refusals_carry_their_findings_and_invalid_input_its_field() -> None:
    words = World(language="sv").service.localizer
    refused = problem(errors.OperationRefused("no", (R3,)), words).to_dict()
    assert refused["codes"] == ["R3"] and refused["findings"][0]["remedy"] == ["Step one."]
    assert refused["detail"] == "The main contact is missing."
    invalid = problem(errors.InvalidInput("outcome must be one of ...", path="outcome"), words).to_dict()
    assert invalid["invalid"] == {"reason": "outcome must be one of ...", "path": "outcome"}
    assert invalid["detail"] == "Värdet för outcome är inte giltigt; inget ändrades."
    not_found = problem(errors.NotFound("No collaboration secret-id for office o."), words).to_dict()
    assert "secret-id" not in str(not_found), "a 404 says the same whatever the id"


def test_kind_of_takes_the_most_specific_class() -> None:
    assert kind_of(errors.key_reused("k")).status == 409  # an InvalidInput, but a 409
    assert kind_of(errors.OutcomeNotOffered("no")).status == 422  # both refused and invalid


def test_only_collabcores_errors_become_problems() -> None:
    words = World().service.localizer
    with pytest.raises(errors.InvalidInput, match="answers collabcore's errors"):
        problem(ValueError("x"), words)  # type: ignore[arg-type]
    with pytest.raises(errors.InvalidInput):
        World().service.problem(KeyError("x"))  # type: ignore[arg-type]


@pytest.mark.parametrize(("brand", "language"), [("visma", "en"), ("spiris", "sv")])
def test_a_second_scheduled_end_is_a_conflict_told_in_the_services_words(brand: str, language: str) -> None:
    world = World(brand=brand, language=language)
    world.office()
    world.customer()
    collab = world.collaboration(cc.PAYROLL)
    first = world.service.schedule_end(collab.id, actor=world.office_admin(), outcome="end_subscription")
    with pytest.raises(errors.InvalidInput) as raised:  # an InvalidInput, as before 0.3
        world.service.schedule_end(collab.id, actor=world.office_admin(), outcome="end_subscription")
    assert isinstance(raised.value, errors.RequestConflict)
    loc = world.service.localizer
    answer = world.service.problem(raised.value).to_dict()
    assert answer["status"] == 409 and answer["title"] == loc.text("problem.request_conflict")
    day = first.request.effective_on
    assert day is not None
    assert answer["detail"] == loc.text(
        "request.scheduled_already",
        product=loc.product(cc.PAYROLL),
        date=day.isoformat(),
        request=first.request.id,
    )
    world.service.withdraw(first.request.id, actor=world.office_admin())
    with pytest.raises(errors.RequestConflict) as again:
        world.service.withdraw(first.request.id, actor=world.office_admin())
    assert world.service.problem(again.value).status == 409
