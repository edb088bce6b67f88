"""The command line at its edges (issue 23): it checks its input in its own words, names
its own options, speaks one language per answer, and answers --json with a document,
errors included; in both brands and both languages."""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import collabcore
from collabcore.adapters.documents import NAMES, VERSION, schema
from collabcore.domain.errors import InvalidInput
from collabcore.policy.facts import Fact
from collabcore.policy.products import default_products
from collabcore.policy.rules import default_rulebook
from collabcore.policy.rules.bookkeeping import BANK_INTEGRATION_ACTIVE, LINKED_SERVICES
from collabcore.testing.fakes import FakeIntegrations, answer_type
from collabcore.tools.cli import main
from collabcore.tools.words import NARRATION
from collabcore.wording.words import default_texts

CATALOGS = Path(collabcore.__file__).parent / "wording" / "catalogs"
PAIRS = list(itertools.product(("visma", "spiris"), ("en", "sv")))
ENGLISH = re.compile(r"\b(the|The|must|is|not|and|has|already|with|of|got|None)\b")
"""Words that give English away in what should be Swedish."""


def say(brand: str, lang: str, key: str, **params: Any) -> str:
    loc = default_texts().localizer(brand, lang, product_names=default_products().names())
    return loc.text(key, **params)


def product(brand: str, lang: str, key: str) -> str:
    return default_texts().localizer(brand, lang, product_names=default_products().names()).product(key)


def invalid(brand: str, lang: str, key: str, **params: Any) -> str:
    """The line an invalid option is told with."""
    return f"collabcore: {say(brand, lang, 'problem.invalid_input')}: {say(brand, lang, key, **params)}\n"


def swedish_only(text: str) -> None:
    # Option names, the JSON given back and product names are no language.
    words = re.sub(r"--[a-z-]+|\"[^\"]*\"|\[[A-Z0-9]+\]", "", text)
    assert not ENGLISH.search(words), text


def valid(data: Any) -> str:
    """``data`` validates against the schema of the document it says it is; returns its name."""
    name = str(data["document"]).removeprefix("collabcore.")
    assert name in NAMES and data["document_version"] == VERSION
    validator = Draft202012Validator(schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(data)]
    assert not errors, errors[:5]
    return name


def documents(out: str) -> list[str]:
    """Every JSON line printed is a document (or, for requests, a list of them): their names."""
    names = []
    text = out.strip()
    chunks = [text] if text.startswith("{\n") else [line for line in text.splitlines() if line.strip()]
    for chunk in chunks:
        data = json.loads(chunk)
        for each in data if isinstance(data, list) else [data]:
            names.append(valid(each))
    return names


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = str(tmp_path / "demo.db")
    assert main(["demo", "--db", path]) == 0
    capsys.readouterr()
    return path


def anna(db: str) -> list[str]:
    return ["--db", db, "--office", "office-1", "--user", "anna"]


def kim(db: str) -> list[str]:
    return ["--db", db, "--customer", "customer-1", "--user", "kim"]


def words(brand: str, lang: str) -> list[str]:
    return ["--brand", brand, "--lang", lang]


# --- 5. --facts is checked against each fact's type ---------------------------------------------


@pytest.mark.parametrize(("brand", "lang"), PAIRS)
@pytest.mark.parametrize(
    ("facts", "fact", "kind", "shown"),
    [
        ('{"linked_services": "Scanner"}', "linked_services", "texts", '"Scanner"'),
        ('{"bank_integration_active": "no"}', "bank_integration_active", "bool", '"no"'),
        ('{"bookkeeping.bank_integration_active": 1}', "bookkeeping.bank_integration_active", "bool", "1"),
        ('{"unsubmitted_reports": "2"}', "unsubmitted_reports", "int", '"2"'),
        ('{"unsubmitted_reports": true}', "unsubmitted_reports", "int", "true"),
        ('{"users_with_unsubmitted_outlays": [1]}', "users_with_unsubmitted_outlays", "texts", "[1]"),
    ],
)
def test_each_fact_is_checked_against_its_type(
    db: str,
    brand: str,
    lang: str,
    facts: str,
    fact: str,
    kind: str,
    shown: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["plan", "collaboration-1", *anna(db), "--outcome", "deactivate", "--facts", facts]
    assert main([*argv, *words(brand, lang)]) == 2
    expected = say(brand, lang, f"cli.type.{kind}")
    err = capsys.readouterr().err
    assert err == invalid(brand, lang, "cli.facts.type", fact=fact, expected=expected, value=shown)
    if lang == "sv":
        swedish_only(err)


@pytest.mark.parametrize(("brand", "lang"), PAIRS)
def test_an_unknown_fact_or_malformed_facts_are_told_in_the_clis_words(
    db: str, brand: str, lang: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["plan", "collaboration-1", *anna(db), "--outcome", "deactivate", *words(brand, lang), "--facts"]
    assert main([*argv, '{"bogus": 1}']) == 2
    facts = ", ".join(FakeIntegrations().known_facts())
    err = capsys.readouterr().err
    assert err == invalid(brand, lang, "cli.facts.unknown", name='"bogus"', facts=facts)
    assert "TypeError" not in err and "set_fact" not in err and "__init__" not in err
    assert main([*argv, "[1"]) == 2
    assert capsys.readouterr().err == invalid(brand, lang, "cli.facts.json", position=3)
    assert main([*argv, "[1]"]) == 2
    told = capsys.readouterr().err
    assert told == invalid(brand, lang, "cli.facts.object", example='{"unsubmitted_reports": 0}')
    if lang == "sv":
        swedish_only(err + told)


def test_facts_given_are_read_as_given_and_those_left_out_are_unknown(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["plan", "collaboration-1", *anna(db), "--outcome", "deactivate", "--json", "--facts"]
    main([*argv, '{"linked_services": ["Scanner", "Overview"], "bank_integration_active": false}'])
    plan = json.loads(capsys.readouterr().out)
    findings = {f["code"]: f for f in plan["findings"]}
    assert "Scanner, Overview" in findings["R16"]["message"] and "S, c, a" not in findings["R16"]["message"]
    assert "R17" not in findings, "false is false"
    # What --facts leaves out is unknown, as without --facts: no answer is made up for it.
    main([*argv, '{"bank_integration_active": false}'])
    r16 = {f["code"]: f for f in json.loads(capsys.readouterr().out)["findings"]}["R16"]
    unknown = say("visma", "en", "R16.unknown", product="Visma eEkonomi", reason="\x00").split("\x00")[0]
    assert r16["message"].startswith(unknown)
    # null is unknown too.
    main([*argv, '{"bank_integration_active": null, "linked_services": []}'])
    codes = {f["code"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert "R17" in codes and "R16" not in codes


@pytest.mark.parametrize("command", ["plan", "end", "schedule", "move"])
def test_help_lists_every_fact_with_its_names_and_type(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for fact in default_rulebook().facts(default_products()):
        (line,) = [line for line in out.splitlines() if line.strip().startswith(fact.key + " ")]
        assert all(name in line for name in fact.short_names), line
    for kind in ("true or false", "a whole number", "a list of texts"):
        assert kind in out


def test_the_fakes_check_each_answer_against_its_facts_type() -> None:
    fakes = FakeIntegrations()
    with pytest.raises(InvalidInput, match=re.escape("bookkeeping.linked_services takes a list of texts")):
        fakes.set_facts("c", linked_services="Scanner")
    with pytest.raises(
        InvalidInput, match=re.escape("bookkeeping.bank_integration_active takes true or false")
    ):
        fakes.set_facts("c", bank_integration_active="no")
    with pytest.raises(InvalidInput, match="takes a whole number"):
        fakes.set_facts("c", unsubmitted_reports=True)
    with pytest.raises(InvalidInput, match="takes true or false"):
        fakes.set_fact("c", BANK_INTEGRATION_ACTIVE, 1)
    with pytest.raises(InvalidInput, match="takes true or false"):
        fakes.set_facts("c", extra={"payroll.synchronised": "yes"})
    answers = fakes.set_facts("c", linked_services=["A"], bank_integration_active=None)
    assert answers["bookkeeping.linked_services"] == ("A",), "a list of text is kept as a tuple"
    assert "bookkeeping.bank_integration_active" not in answers, "None: unknown"
    # A host's fact without an all_clear takes any answer; with one, the answer's kind.
    anything: Fact[str] = Fact("acme.anything", "Whatever the host says.")
    fakes.set_fact("c", anything, "free text")
    assert answer_type(anything) is None
    named = Fact("acme.name", "A name.", all_clear="")
    with pytest.raises(InvalidInput, match="takes a text"):
        fakes.set_fact("c", named, 3)
    assert fakes.declared("linked_services") == LINKED_SERVICES
    assert fakes.declared("bookkeeping.linked_services") == LINKED_SERVICES
    assert fakes.declared("bogus") is None


# --- 6. one language per answer -------------------------------------------------------------


@pytest.mark.parametrize(("brand", "lang"), PAIRS)
def test_a_refusal_is_told_in_one_language(
    db: str, brand: str, lang: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # collaboration-3 (Travel & Expenses) was ended in the demo's story.
    assert main(["end", "collaboration-3", *anna(db), "--outcome", "delete", *words(brand, lang)]) == 1
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    title, detail = (
        say(brand, lang, "problem.already_ended"),
        say(brand, lang, "problem.already_ended.detail"),
    )
    assert lines[0] == f"collabcore: {title}: {detail}"
    assert lines[1].startswith(f"  [R5] {say(brand, lang, 'severity.blocker')}: ")
    assert product(brand, lang, "expenses") in lines[1]
    assert "Collaboration collaboration-3" not in captured.err, "not the library's English"
    assert captured.out == ""
    if lang == "sv":
        swedish_only(captured.err)


@pytest.mark.parametrize(("brand", "lang"), PAIRS)
def test_every_line_of_an_answer_is_in_its_language(
    db: str, brand: str, lang: str, capsys: pytest.CaptureFixture[str]
) -> None:
    eva = ["--db", db, "--office", "office-2", "--user", "eva", *words(brand, lang)]
    assert main(["plan", "nope", *eva, "--outcome", "delete"]) == 2
    err = capsys.readouterr().err
    not_found = say(brand, lang, "problem.not_found"), say(brand, lang, "problem.not_found.detail")
    assert err == "collabcore: {}: {}\n".format(*not_found)
    assert main(["overview", *eva, "--after", "99999:zzz"]) == 0
    assert capsys.readouterr().out == say(brand, lang, "cli.overview.none") + "\n"
    assert main(["requests", *eva]) == 0
    assert capsys.readouterr().out == say(brand, lang, "cli.requests.none") + "\n"
    assert main(["due", "--db", db, *words(brand, lang)]) == 0
    zeros = dict.fromkeys(("carried_out", "blocked", "expired", "revoked", "skipped", "failed"), 0)
    due = capsys.readouterr().out
    assert due == say(brand, lang, "cli.due", **zeros) + "\n"
    assert main(["end-all", *eva, "--outcome", "payroll=end_subscription"]) == 0
    captured = capsys.readouterr()
    ended = say(brand, lang, "cli.bulk.ended")
    assert captured.out == f"{ended}: 1\n"
    assert (
        say(brand, lang, "cli.end_all.progress", done=1, collaboration="", status=ended)[:3] in captured.err
    )
    if lang == "sv":
        swedish_only(err + due + captured.out)


@pytest.mark.parametrize(("brand", "lang"), PAIRS)
def test_an_end_is_told_in_the_answers_language(
    db: str, brand: str, lang: str, capsys: pytest.CaptureFixture[str]
) -> None:
    facts = '{"bank_integration_active": false, "linked_services": []}'
    argv = [
        "end",
        "collaboration-1",
        *anna(db),
        "--outcome",
        "deactivate",
        "--facts",
        facts,
        *words(brand, lang),
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    name = product(brand, lang, "bookkeeping")
    outcome = say(brand, lang, "outcome.deactivate")
    assert (
        out
        == say(brand, lang, "cli.ended", product=name, collaboration="collaboration-1", outcome=outcome)
        + "\n"
    )


# --- 7. the command line's words, not Python's -----------------------------------------------------


@pytest.mark.parametrize(("brand", "lang"), PAIRS)
@pytest.mark.parametrize(
    ("argv", "high", "value"),
    [
        (["overview", "--office", "office-1", "--user", "anna", "--limit", "-5"], 1000, '"-5"'),
        (["overview", "--office", "office-1", "--user", "anna", "--limit", "many"], 1000, '"many"'),
        (["overview", "--office", "office-1", "--user", "anna", "--limit", "1001"], 1000, '"1001"'),
        (["due", "--limit", "0"], 10000, '"0"'),
        (["due", "--limit", "10001"], 10000, '"10001"'),
    ],
)
def test_limit_is_told_with_its_own_range(
    db: str, brand: str, lang: str, argv: list[str], high: int, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--db", db, *words(brand, lang)]) == 2
    err = capsys.readouterr().err
    assert err == invalid(brand, lang, "cli.limit", low=1, high=high, value=value)
    assert "None" not in err and "limit must" not in err


@pytest.mark.parametrize(("brand", "lang"), PAIRS)
def test_on_is_told_as_the_option_and_the_end_command(
    db: str, brand: str, lang: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["schedule", "collaboration-1", *anna(db), "--outcome", "deactivate", *words(brand, lang), "--on"]
    today = datetime.now(UTC).date().isoformat()
    assert main([*argv, "2020-01-01"]) == 2
    err = capsys.readouterr().err
    assert err == invalid(brand, lang, "cli.on.past", day="2020-01-01", today=today)
    assert "effective" not in err and "end()" not in err and "--on" in err
    assert main([*argv, "31/12/2026"]) == 2
    assert capsys.readouterr().err == invalid(brand, lang, "cli.on.day", value='"31/12/2026"')
    if lang == "sv":
        swedish_only(err)


@pytest.mark.parametrize(("brand", "lang"), PAIRS)
def test_the_librarys_invalid_values_are_told_by_the_option_that_gave_them(
    db: str, brand: str, lang: str, capsys: pytest.CaptureFixture[str]
) -> None:
    invite = [
        "invite",
        *kim(db),
        "--to-office",
        "office-2",
        "--for-customer",
        "customer-1",
        *words(brand, lang),
    ]
    assert main([*invite, "--product", "nonsense"]) == 2
    assert capsys.readouterr().err == invalid(brand, lang, "problem.invalid_input.at", path="--product")
    assert main([*invite, "--product", "nonsense", "--json"]) == 2
    told = json.loads(capsys.readouterr().out)
    assert told["invalid"]["path"] == "--product" and valid(told) == "problem"
    end_all = ["end-all", *anna(db), *words(brand, lang), "--outcome", "nonsense=deactivate"]
    assert main(end_all) == 2
    assert capsys.readouterr().err == invalid(brand, lang, "problem.invalid_input.at", path="--outcome")
    assert main(["end-all", *anna(db), *words(brand, lang), "--outcome", "payroll"]) == 2
    outcomes = "customer_continues, deactivate, end_subscription, delete"
    told_pair = capsys.readouterr().err
    assert told_pair == invalid(brand, lang, "cli.outcome_pair", value='"payroll"', outcomes=outcomes)


# --- 8. options that say they work -------------------------------------------------------------------


@pytest.mark.parametrize("command", ["overview", "end-all"])
def test_an_offices_commands_offer_only_office(
    command: str, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    shown = capsys.readouterr().out
    assert "--office OFFICE" in shown and "--customer" not in shown
    argv = [command, "--db", db, "--customer", "customer-1", "--user", "kim"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--office" in err and "office_id must not be empty" not in err
    with pytest.raises(SystemExit):
        main(["move", "--help"])
    assert "--customer CUSTOMER" in capsys.readouterr().out


@pytest.mark.parametrize(("brand", "lang"), PAIRS)
@pytest.mark.parametrize("after", ["garbage", ":customer-1", "10042:", ""])
def test_a_cursor_that_is_none_is_told(
    db: str, brand: str, lang: str, after: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["overview", *anna(db), *words(brand, lang), "--after", after]) == 2
    assert capsys.readouterr().err == invalid(brand, lang, "cli.after", value=json.dumps(after))


def test_a_cursor_a_page_printed_gives_the_next_page(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    south = ["--db", db, "--office", "office-2", "--user", "eva"]
    assert main(["overview", *south]) == 0
    first = capsys.readouterr().out
    assert "Hantverkarna i Norr AB" in first and "Next page" not in first
    assert main(["overview", *south, "--after", "10042:customer-1"]) == 0
    assert capsys.readouterr().out == "No customers with active collaborations.\n"


@pytest.mark.parametrize(("brand", "lang"), PAIRS)
def test_a_db_that_is_no_collabcore_database_is_told_so(
    tmp_path: Path, brand: str, lang: str, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    text = tmp_path / "notes.txt"
    text.write_text("hello", encoding="utf-8")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE things (x)")
    cases = [
        (empty, "cli.db.empty"),
        (text, "cli.db.not_sqlite"),
        (other, "cli.db.not_collabcore"),
        (tmp_path, "cli.db.folder"),
        (tmp_path / "missing.db", "cli.db.missing"),
    ]
    for path, key in cases:
        assert main(["overview", "--db", str(path), "--office", "o", "--user", "u", *words(brand, lang)]) == 2
        err = capsys.readouterr().err
        assert err == invalid(brand, lang, key, path=str(path)), key
        assert "create=True" not in err
    assert empty.read_bytes() == b"", "told, and left as it was"
    assert {row[0] for row in sqlite3.connect(other).execute("SELECT name FROM sqlite_master")} == {"things"}


def test_the_demo_tells_its_story_in_an_empty_file_and_no_folder_is_told(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "made-by-mktemp.db"
    empty.touch()
    assert main(["demo", "--db", str(empty)]) == 0
    assert "Stored in" in capsys.readouterr().out and empty.stat().st_size > 0
    nowhere = tmp_path / "no" / "such" / "demo.db"
    assert main(["demo", "--db", str(nowhere), "--lang", "sv"]) == 2
    told = capsys.readouterr().err
    assert told == invalid("visma", "sv", "cli.db.no_folder", path=str(nowhere), folder=str(nowhere.parent))


@pytest.mark.parametrize(("brand", "lang"), PAIRS)
def test_schedule_says_it_is_scheduled_and_what_would_stop_it_on_its_day(
    db: str, brand: str, lang: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["schedule", "collaboration-1", *kim(db), "--outcome", "deactivate", "--on", "2099-12-31"]
    assert main([*argv, *words(brand, lang)]) == 0, "it is scheduled: exit 0"
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith(": " + say(brand, lang, "request.status.scheduled")), lines[0]
    assert lines[1] == say(brand, lang, "cli.scheduled.refusing", date="2099-12-31")
    assert lines[2].startswith("  [R17] ") or lines[2].startswith("  [R16] ")
    shown = "\n".join(lines)
    verdicts = NARRATION[lang]["plan.refused"], NARRATION[lang]["plan.allowed"]
    assert not any(str(verdict) in shown for verdict in verdicts), "no 'Not allowed yet.' beside 'scheduled'"
    if lang == "sv":
        swedish_only("\n".join(line for line in lines[:2]))
    # Withdrawn, and scheduled again with every fact clear: nothing would stop it.
    request = lines[0].split()[0]
    assert main(["withdraw", request, *kim(db)]) == 0
    capsys.readouterr()
    facts = '{"bank_integration_active": false, "linked_services": []}'
    assert main([*argv, *words(brand, lang), "--facts", facts]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == say(brand, lang, "cli.scheduled.clear", date="2099-12-31")
    # A second end of the same collaboration is told as such, naming the command that undoes it.
    assert main([*argv, *words(brand, lang)]) == 2
    again = lines[0].split()[0]
    told = capsys.readouterr().err
    assert told == invalid(
        brand, lang, "cli.schedule.already", collaboration="collaboration-1", request=again
    )


@pytest.mark.parametrize(("brand", "lang"), PAIRS)
def test_a_settled_request_is_told_with_its_status_in_words(
    db: str, brand: str, lang: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schedule", "collaboration-1", *kim(db), "--outcome", "deactivate", "--json"]) == 0
    request = json.loads(capsys.readouterr().out)["request"]["id"]
    assert main(["withdraw", request, *kim(db)]) == 0
    capsys.readouterr()
    assert main(["accept", request, *kim(db), *words(brand, lang)]) == 2
    err = capsys.readouterr().err
    status = say(brand, lang, "request.status.withdrawn")
    assert err == invalid(brand, lang, "request.settled", request=request, status=status)


# --- 9. every --json answer is a versioned document with a shipped schema ---------------------------


def test_every_json_answer_is_a_document_that_follows_its_schema(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    south = ["--db", db, "--office", "office-2", "--user", "eva"]
    facts = '{"bank_integration_active": false, "linked_services": []}'
    calls: list[tuple[list[str], set[str]]] = [
        (["rules", "--json"], {"rulebook"}),
        (["rules", "--json", "--brand", "spiris", "--lang", "sv"], {"rulebook"}),
        (["texts", "check", "--json", str(CATALOGS / "sv.po")], {"catalog_check"}),
        (["overview", *anna(db), "--json"], {"overview_page"}),
        (["plan", "collaboration-1", *anna(db), "--outcome", "delete", "--json"], {"plan"}),
        (["plan", "nope", *anna(db), "--outcome", "delete", "--json"], {"problem"}),
        (["end", "nope", *anna(db), "--outcome", "delete", "--json"], {"problem"}),
        (["end", "collaboration-3", *anna(db), "--outcome", "delete", "--json", "--lang", "sv"], {"problem"}),
        (["schedule", "nope", *anna(db), "--outcome", "delete", "--json"], {"problem"}),
        (["withdraw", "nope", *anna(db), "--json"], {"problem"}),
        (["overview", *anna(db), "--json", "--limit", "-5"], {"problem"}),
        (["overview", *anna(db), "--json", "--after", "garbage"], {"problem"}),
        (
            ["plan", "collaboration-1", *anna(db), "--outcome", "delete", "--json", "--facts", "[1"],
            {"problem"},
        ),
        (
            ["overview", "--db", str(tmp_path / "none.db"), "--office", "o", "--user", "u", "--json"],
            {"problem"},
        ),
        (["overview", *anna(db), "--json", "--lang", "de"], {"problem"}),
        (["overview", "--json", "--db", db], {"problem"}),
        (["schedule", "collaboration-1", *anna(db), "--outcome", "deactivate", "--json"], {"scheduled"}),
        (["requests", *anna(db), "--json"], {"request"}),
        (["due", "--db", db, "--json"], {"due_report"}),
        (["end-all", *south, "--outcome", "payroll=end_subscription", "--json"], {"bulk_item"}),
        (["end-all", *anna(db), "--outcome", "bookkeeping=delete", "--json"], {"bulk_item"}),
        (
            ["move", *kim(db), "--from-office", "office-1", "--to-office", "office-2", "--plan", "--json"],
            {"move_plan"},
        ),
        (
            [
                "move",
                *kim(db),
                "--from-office",
                "office-1",
                "--to-office",
                "office-2",
                "--facts",
                facts,
                "--json",
            ],
            {"move_result"},
        ),
    ]
    for argv, expected in calls:
        main(argv)
        captured = capsys.readouterr()
        assert set(documents(captured.out)) == expected, (argv, captured.out[:300], captured.err[:300])
        assert captured.err.strip("\n").replace("\r", "").strip() == "" or "done" in captured.err, (
            captured.err
        )


def test_texts_check_json_is_one_document_for_every_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.po"
    broken.write_text('msgid "a"\nmsgstr "b"\n', encoding="utf-8")
    sv = CATALOGS / "sv.po"
    assert main(["texts", "check", "--json", str(sv), str(broken)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert valid(data) == "catalog_check"
    assert data["ok"] is False and [r["ok"] for r in data["reports"]] == [True, False]


@pytest.mark.parametrize("name", ["rulebook", "catalog_check", "bulk_item"])
def test_the_new_documents_schemas_print(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", name]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == schema(name) and printed["properties"]["document"] == {"const": f"collabcore.{name}"}
    Draft202012Validator.check_schema(printed)


@pytest.mark.parametrize(
    ("argv", "english", "swedish"),
    [
        (
            ["overview", "--db", "x.db", "--user", "a"],
            "the following options are required: --office",
            "de här flaggorna krävs: --office",
        ),
        (
            ["overview", "--db", "x.db", "--office", "o", "--user", "a", "--bogus"],
            "unrecognized arguments: --bogus",
            "okända argument: --bogus",
        ),
        (
            ["overview", "--db", "x.db", "--office", "o", "--user", "a", "--limit"],
            "--limit needs a value",
            "--limit behöver ett värde",
        ),
    ],
)
def test_argparse_refusals_are_told_in_the_chosen_language(
    argv: list[str], english: str, swedish: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for language, said, prefix in (("en", english, "error: "), ("sv", swedish, "fel: ")):
        assert main([*argv, "--lang", language]) == 2
        last = capsys.readouterr().err.strip().splitlines()[-1]
        assert last.endswith(prefix + said), last
