"""The JSON documents (``--json`` and the web host) against their shipped JSON Schemas."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import collabcore as cc
from collabcore.adapters.documents import NAMES, VERSION, document, generate, problem_document, schema
from collabcore.domain.errors import CollabCoreError, InvalidInput
from collabcore.testing import World
from collabcore.tools.cli import main


def valid(name: str, data: Any) -> None:
    validator = Draft202012Validator(schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    assert data["document"] == f"collabcore.{name}" and data["document_version"] == VERSION


@pytest.mark.parametrize("name", NAMES)
def test_the_shipped_schema_is_the_one_the_classes_give(name: str) -> None:
    Draft202012Validator.check_schema(schema(name))
    assert schema(name) == generate(name), (
        f"The {name} document changed shape: regenerate its schema (see docs/host-integration.md) "
        "and raise documents.VERSION."
    )


def world_with_everything(brand: str, language: str) -> tuple[World, str, str]:
    world = World(brand=brand, language=language)
    world.office()
    world.customer(main_contact=False)
    expenses = world.collaboration(cc.EXPENSES).id
    payroll = world.collaboration(cc.PAYROLL).id
    world.fakes.set_facts("customer-1", unsubmitted_reports=1)
    return world, expenses, payroll


@pytest.mark.parametrize(("brand", "language"), [("visma", "en"), ("spiris", "sv")])
def test_real_documents_follow_their_schemas(brand: str, language: str) -> None:
    world, expenses, payroll = world_with_everything(brand, language)
    service, office = world.service, world.office_admin()
    for outcome in cc.Outcome:
        try:
            plan = service.plan_end(expenses, actor=office, outcome=outcome, effective=date(2026, 12, 31))
        except cc.OutcomeNotOffered as refused:
            valid("problem", problem_document(service.problem(refused).to_dict()))
            continue
        valid("plan", document(plan))
        for finding in plan.findings:
            valid("finding", document(finding))
    scheduled = service.schedule_end(payroll, actor=office, outcome=cc.Outcome.END_SUBSCRIPTION)
    valid("request", document(scheduled.request))
    valid("plan", document(scheduled.preview))
    valid("overview_page", document(service.overview("office-1", actor=office)))
    world.fakes.set_facts("customer-1", unsubmitted_reports=0)
    service.change_role("customer-1", "staff", cc.Role.ADMINISTRATOR, actor=office)
    service.set_main_contact("customer-1", "staff", actor=office)
    result = service.end(expenses, actor=office, outcome=cc.Outcome.DELETE, confirm_deletion=True)
    valid("end_result", document(result))
    errors: list[CollabCoreError] = []
    attempts: tuple[Callable[[], object], ...] = (
        lambda: service.end(expenses, actor=office, outcome=cc.Outcome.DELETE, confirm_deletion=True),
        lambda: service.end("nope", actor=office, outcome=cc.Outcome.DELETE),
        lambda: service.end(payroll, actor=cc.Actor.customer("customer-1", "staff"), outcome="nonsense"),
    )
    for attempt in attempts:
        with pytest.raises(CollabCoreError) as caught:
            attempt()
        errors.append(caught.value)
    for error in errors:
        valid("problem", problem_document(service.problem(error, instance="/x").to_dict()))


def test_the_cli_prints_documents(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "demo.db")
    main(["demo", "--db", db])
    capsys.readouterr()
    office = ["--db", db, "--office", "office-1", "--user", "anna"]
    assert main(["overview", *office, "--json"]) == 0
    valid("overview_page", json.loads(capsys.readouterr().out))
    assert main(["plan", "collaboration-1", *office, "--outcome", "delete", "--json"]) == 1
    valid("plan", json.loads(capsys.readouterr().out))
    assert main(["end", "collaboration-1", *office, "--outcome", "deactivate", "--json", "--lang", "sv"]) == 1
    refused = json.loads(capsys.readouterr().out)
    valid("problem", refused)
    assert refused["status"] == 422 and refused["title"] == "Avslutet nekades"
    assert main(["requests", *office, "--json"]) == 0
    for request in json.loads(capsys.readouterr().out):
        valid("request", request)
    assert main(["schema", "plan"]) == 0
    assert json.loads(capsys.readouterr().out) == schema("plan")


def test_only_documented_values_become_documents() -> None:
    with pytest.raises(InvalidInput, match="No document is defined"):
        document(cc.Actor.office("o", "u"))
    with pytest.raises(InvalidInput, match="No schema named"):
        schema("../../etc/passwd")


def test_the_lifecycle_commands_print_documents(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "demo.db")
    main(["demo", "--db", db])
    capsys.readouterr()
    anna = ["--db", db, "--office", "office-1", "--user", "anna"]
    kim = ["--db", db, "--customer", "customer-1", "--user", "kim"]
    assert main(["schedule", "collaboration-1", *anna, "--outcome", "deactivate", "--json"]) == 0
    valid("scheduled", json.loads(capsys.readouterr().out))
    assert main(["due", "--db", db, "--json"]) == 0
    valid("due_report", json.loads(capsys.readouterr().out))
    facts = '{"bank_integration_active": false, "linked_services": []}'
    move = ["move", *kim, "--from-office", "office-1", "--to-office", "office-2", "--facts", facts, "--json"]
    assert main([*move, "--plan"]) == 0
    valid("move_plan", json.loads(capsys.readouterr().out))
    assert main(move) == 0
    valid("move_result", json.loads(capsys.readouterr().out))


SHAPES = Path(__file__).parents[1] / "data" / "document-shapes.json"


def shape_of(loaded: dict[str, Any]) -> str:
    """A document's shape, without what names its version."""
    body = json.loads(json.dumps(loaded))
    body.pop("$id", None)
    body.pop("title", None)
    body["properties"]["document_version"] = {}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]


def test_a_changed_shape_raises_the_document_version() -> None:
    # Each version's shapes are kept: a schema regenerated without raising VERSION fails
    # here, so a program that checks document_version can trust it.
    recorded: dict[str, dict[str, str]] = json.loads(SHAPES.read_text(encoding="utf-8"))
    now = {name: shape_of(schema(name)) for name in NAMES}
    assert now == recorded[str(VERSION)], (
        f"A document's shape changed: raise documents.VERSION to {VERSION + 1} and record its shapes "
        "in tests/data/document-shapes.json (keep the older versions' records)."
    )
    older = [recorded[v] for v in recorded if int(v) < VERSION]
    assert all(shapes != now for shapes in older), "a new version changes some shape"
