"""The demo and the command line, in both brands and both languages."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import HostModule

from collabcore.tools.cli import main


@pytest.mark.parametrize(
    ("brand", "lang", "refusal", "step"),
    [
        (
            "visma",
            "en",
            "The main contact is missing for customer number 10042.",
            "select Users and services",
        ),
        ("visma", "sv", "Huvudkontakt saknas för kundnummer 10042.", "välj Användare och tjänster"),
        ("spiris", "en", "The main contact is missing for customer number 10042.", "select Manage users"),
        ("spiris", "sv", "Huvudkontakt saknas för kundnummer 10042.", "välj Hantera användare"),
    ],
)
def test_demo_tells_the_story(
    brand: str, lang: str, refusal: str, step: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--brand", brand, "--lang", lang, "--db", str(tmp_path / "demo.db")]) == 0
    out = capsys.readouterr().out
    assert refusal in out and step in out
    assert "{" not in out
    assert out.index("[R3]") < out.index("[R11]"), "every finding at once, main contact first"
    assert "CollaborationEnded" in out and (tmp_path / "demo.db").exists()
    # The move story: a scheduled end withdrawn, then payroll moved in one step.
    move = out[out.index("Lönebyrån Syd AB") :]
    assert "2026-" in out[out.index("CollaborationEnded") : out.index("Lönebyrån Syd AB")], "a timeline"
    assert move.count("Lönebyrån Syd AB") >= 3, "the plan, the hand-over and the new office's notice"


def test_demo_on_an_existing_file_fails_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "demo.db")
    main(["demo", "--db", db])
    capsys.readouterr()
    assert main(["demo", "--db", db]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("collabcore: ") and "exists already" in err


def test_rules_in_spiris_swedish(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--brand", "spiris", "--lang", "sv"]) == 0
    out = capsys.readouterr().out
    for rule_id in [f"R{n}" for n in range(1, 24) if n != 13]:
        assert any(line.split()[0] == rule_id for line in out.splitlines()), rule_id
    assert "En huvudkontakt krävs" in out and "Resor & Utlägg" in out


def test_rules_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rules"]
    assert {"id": "R3", "title": "A main contact is required"}.items() <= rows[
        [r["id"] for r in rows].index("R3")
    ].items()


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "collabcore", "rules", "--lang", "sv"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "Hinder" in done.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "collabcore", "rules", "--lang", "de"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


@pytest.fixture
def demo_db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    db = str(tmp_path / "demo.db")
    main(["demo", "--db", db])
    capsys.readouterr()
    return db


def test_overview_plan_and_end_on_a_sqlite_file(demo_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    office = ["--db", demo_db, "--office", "office-1", "--user", "anna"]
    assert main(["overview", *office]) == 0
    assert "10042  Hantverkarna i Norr AB: Visma eEkonomi (collaboration-1)" in capsys.readouterr().out
    # The demo moved payroll to office-2, as a new collaboration.
    south = ["--db", demo_db, "--office", "office-2", "--user", "eva"]
    assert main(["overview", *south]) == 0
    moved = re.search(r"Hantverkarna i Norr AB: .*Visma Lön \((collaboration-\d+)\)", capsys.readouterr().out)
    assert moved is not None
    payroll = moved[1]
    assert main(["plan", payroll, *south, "--outcome", "customer_continues", "--lang", "sv"]) == 1
    out = capsys.readouterr().out
    assert "Inte tillåtet ännu." in out and "[R8] Hinder" in out
    facts = '{"payroll_customer_is_user": true, "payroll_synchronised": true}'
    assert main(["plan", payroll, *south, "--outcome", "customer_continues", "--facts", facts]) == 0
    assert main(["end", payroll, *south, "--outcome", "end_subscription", "--json"]) == 0
    capsys.readouterr()
    assert main(["end", payroll, *south, "--outcome", "end_subscription"]) == 1
    assert "already ended" in capsys.readouterr().err


def test_end_all_reports_progress_and_counts(demo_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    for office, user, counts in (("office-1", "anna", "refused: 1"), ("office-2", "eva", "ended: 1")):
        argv = ["end-all", "--db", demo_db, "--office", office, "--user", user]
        assert main([*argv, "--outcome", "payroll=end_subscription", "bookkeeping=customer_continues"]) == 0
        captured = capsys.readouterr()
        assert "1 done" in captured.err
        assert captured.out.strip() == counts, "bookkeeping's facts are unknown without --facts"


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["overview", "--db", "missing.db", "--office", "o", "--user", "u"], "There is no database"),
        (
            ["plan", "x", "--db", "{db}", "--office", "office-1", "--user", "anna", "--outcome", "delete"],
            "Not found: Nothing with that id is visible to you.",
        ),
        (
            [
                "plan",
                "collaboration-1",
                "--db",
                "{db}",
                "--customer",
                "customer-1",
                "--user",
                "kim",
                "--outcome",
                "deactivate",
                "--facts",
                "[1",
            ],
            "not JSON",
        ),
        (
            ["end-all", "--db", "{db}", "--office", "office-1", "--user", "anna", "--outcome", "payroll"],
            "PRODUCT=OUTCOME",
        ),
    ],
)
def test_errors_are_one_line(
    demo_db: str, capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    assert main([a.replace("{db}", demo_db) for a in argv]) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1 and "Traceback" not in err


def test_schedule_list_withdraw_and_run_what_is_due(demo_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    anna = ["--db", demo_db, "--office", "office-1", "--user", "anna"]
    kim = ["--db", demo_db, "--customer", "customer-1", "--user", "kim"]
    assert main(["schedule", "collaboration-1", *anna, "--outcome", "deactivate", "--json"]) == 0
    scheduled = json.loads(capsys.readouterr().out)
    request_id = scheduled["request"]["id"]
    assert scheduled["request"]["status"] == "scheduled"
    assert scheduled["preview"]["timeline"][0]["key"] == "timeline.scheduled"
    assert main(["overview", *anna]) == 0
    assert f"Visma eEkonomi: ends on {scheduled['request']['effective_on']} ({request_id})" in (
        capsys.readouterr().out
    )
    assert main(["requests", *kim, "--lang", "sv"]) == 0
    assert f"{request_id}  Avslut av Visma eEkonomi" in capsys.readouterr().out
    assert main(["withdraw", request_id, *kim]) == 0
    assert "withdrawn" in capsys.readouterr().out
    assert main(["accept", request_id, *kim]) == 2
    assert "is already settled: withdrawn." in capsys.readouterr().err
    assert main(["due", "--db", demo_db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["carried_out"] == 0


def test_invite_and_move_from_the_command_line(demo_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    kim = ["--db", demo_db, "--customer", "customer-1", "--user", "kim"]
    eva = ["--db", demo_db, "--office", "office-2", "--user", "eva"]
    invite = ["invite", *kim, "--to-office", "office-2", "--for-customer", "customer-1"]
    invite += ["--product", "expenses"]
    assert main([*invite, "--json"]) == 0
    invitation = json.loads(capsys.readouterr().out)
    assert (invitation["status"], invitation["awaits"]) == ("awaiting_acceptance", "office")
    assert main(["accept", invitation["id"], *eva]) == 0
    assert "carried out" in capsys.readouterr().out
    move = ["move", *kim, "--from-office", "office-1", "--to-office", "office-2"]
    assert main([*move, "--plan"]) == 1, "bookkeeping's facts are unknown: the move is refused"
    assert "R17" in capsys.readouterr().out
    facts = '{"bank_integration_active": false, "linked_services": []}'
    assert main([*move, "--plan", "--facts", facts]) == 0
    capsys.readouterr()
    assert main([*move, "--facts", facts, "--json"]) == 0
    moved = json.loads(capsys.readouterr().out)
    started = {c["product"]: c["office_id"] for c in moved["started"]}
    assert started["bookkeeping"] == "office-2" and set(started.values()) == {"office-2"}


def norwegian_catalog(tmp_path: Path) -> Path:
    """A host's Norwegian with two texts of its own; the rest falls back on English."""
    path = tmp_path / "nb.po"
    path.write_text(
        'msgid ""\nmsgstr "Language: nb\\n"\n\n'
        'msgid "rule.R3"\nmsgstr "En hovedkontakt er påkrevd"\n\n'
        'msgid "R2"\nmsgstr "Andre samarbeid påvirkes ikke."\n',
        encoding="utf-8",
    )
    return path


def test_lang_takes_any_language_a_catalog_gives(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--lang", "nb"]) == 2
    err = capsys.readouterr().err
    assert 'No catalog gives the language "nb"; languages: en, sv.' in err and "--catalog FILE" in err
    assert err.count("\n") == 1
    assert main(["rules", "--lang", "nb", "--catalog", str(norwegian_catalog(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "En hovedkontakt er påkrevd" in out, "the Norwegian title"
    assert "The main contact is an Administrator" in out, "an untranslated title falls back on English"
    assert main(["rules", "--brand", "acme"]) == 2
    assert 'No catalog gives the brand "acme"; brands: spiris, visma.' in capsys.readouterr().err


def test_a_plan_in_a_hosts_language(demo_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = ["--lang", "nb", "--catalog", str(norwegian_catalog(tmp_path))]
    office = ["--db", demo_db, "--office", "office-1", "--user", "anna"]
    assert main(["plan", "collaboration-1", *office, "--outcome", "delete", *catalog, "--json"]) == 1
    findings = {f["code"]: f for f in json.loads(capsys.readouterr().out)["findings"]}
    assert (findings["R2"]["message"], findings["R2"]["language"]) == ("Andre samarbeid påvirkes ikke.", "nb")
    assert findings["R17"]["language"] == "en", "not translated: told in English, and said so"


def test_rules_shows_a_hosts_rulebook(capsys: pytest.CaptureFixture[str], host_module: HostModule) -> None:
    host_module(
        "cli_host_rules",
        '''
        import collabcore as cc

        @cc.rule("acme:vip", texts=("acme:vip",), products=("payroll",))
        def vip(ctx):
            """VIP customers need a second look.

            More words."""
            return iter(())

        def rulebook():
            return cc.default_rulebook().add(vip)
        ''',
    )
    assert main(["rules", "--rulebook", "cli_host_rules:rulebook"]) == 0
    out = capsys.readouterr().out
    (line,) = [line for line in out.splitlines() if line.startswith("acme:vip")]
    assert "VIP customers need a second look." in line and "Visma Lön" in line
    assert "A main contact is required" in out
    assert main(["rules", "--rulebook", "cli_host_rules:rulebook", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rules"]
    assert rows[-1]["id"] == "acme:vip" and rows[-1]["products"] == ["Visma Lön"]
    assert main(["rules", "--rulebook", "cli_host_rules:nothing"]) == 2
    assert "Cannot load --rulebook" in capsys.readouterr().err
