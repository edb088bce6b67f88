"""Exploring the rules: scenarios, decision tables, rulebook diffs, display."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any

import pytest

import collabcore as cc
from collabcore import explore
from collabcore.tools import display


def test_a_scenario_in_one_call_in_spiris_swedish() -> None:
    s = explore.scenario(product=cc.PAYROLL, facts="payroll not ready", brand="spiris", language="sv")
    plan = s.plan(cc.Outcome.CUSTOMER_CONTINUES)
    assert [f.code for f in plan.blockers] == ["R8", "R9"]
    assert plan.blockers[0].message == "Kunden har inte lagts till som användare i Lön."
    assert s.plan("end_subscription").allowed
    assert not s.plan("end_subscription", actor="customer-user").allowed


def test_scenario_input_is_checked() -> None:
    with pytest.raises(cc.InvalidInput, match="Presets"):
        explore.scenario(facts="sunny")
    with pytest.raises(cc.InvalidInput, match="office-admin"):
        explore.scenario().plan("delete", actor="the boss")


def test_decision_table_covers_the_grid() -> None:
    grid = explore.Grid(
        actors=("office-admin", "office-clerk"), products=(cc.EXPENSES,), facts=("all clear", "reports open")
    )
    table = explore.decision_table(grid)
    assert len(table) == len(grid) == 2 * 1 * 4 * 2
    rows = {(r["actor"], r["outcome"], r["facts"]): r for r in table.as_dicts()}
    assert rows[("office-admin", "delete", "all clear")]["allowed"] is True
    assert rows[("office-admin", "delete", "reports open")]["blockers"] == ("R11", "R12")
    assert rows[("office-admin", "customer_continues", "reports open")]["needs_acknowledgement"] == (
        "R11",
        "R12",
    )
    assert rows[("office-clerk", "delete", "all clear")]["blockers"] == ("R14",)
    assert rows[("office-admin", "deactivate", "all clear")]["blockers"] == ("R15",)
    text = str(table)
    assert text.splitlines()[1].startswith("actor") and "R14" in text
    assert table._repr_html_().startswith("<table>") and "<td>R14</td>" in table._repr_html_()


def test_compare_rulebooks_shows_what_a_custom_rule_changes() -> None:
    stricter = cc.default_rulebook().regrade("R11", cc.Severity.BLOCKER)
    grid = explore.Grid(
        actors=("office-admin",),
        products=(cc.EXPENSES, cc.BOOKKEEPING),
        outcomes=(cc.Outcome.CUSTOMER_CONTINUES, cc.Outcome.DELETE),
        facts=("all clear", "reports open"),
    )
    diff = explore.compare_rulebooks(stricter, grid=grid)
    assert [(r["product"], r["outcome"], r["facts"]) for r in diff.as_dicts()] == [
        (cc.EXPENSES, "customer_continues", "reports open")
    ]
    assert diff.as_dicts()[0]["blockers after"] == ("R11",)


def test_plans_findings_and_rulebooks_show_in_jupyter_and_terminals() -> None:
    plan = explore.scenario(main_contact=False).plan("delete")
    assert "<b>R3</b>" in explore.plan_html(plan) and "Users and services" in explore.plan_html(plan)
    assert explore.finding_html(plan.findings[0]).startswith("<div><b>R3</b>")
    text = explore.plan_text(plan)
    assert text.startswith("Ending Visma Utlägg (collab-1): the service is deleted with all its data.")
    assert "[R3] Blocker" in text and "What will happen, in order:" in text
    assert "<td>R14</td>" in explore.rulebook_table(cc.default_rulebook())._repr_html_()
    assert "<script>" not in explore.finding_html(cc.Finding("X", cc.Severity.INFO, "<script>"))


class _Formatter:
    def __init__(self) -> None:
        self.shown: dict[type, Callable[[Any], str]] = {}

    def for_type(self, kind: type, show: Callable[[Any], str]) -> None:
        self.shown[kind] = show


def test_ipython_is_told_how_to_show_plans_findings_and_rulebooks(monkeypatch: pytest.MonkeyPatch) -> None:
    formatter = _Formatter()
    shell = types.SimpleNamespace(
        display_formatter=types.SimpleNamespace(formatters={"text/html": formatter})
    )
    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: shell  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert display.register_with_ipython()
    plan = explore.scenario(main_contact=False).plan("delete")
    assert "<b>R3</b>" in formatter.shown[cc.Plan](plan)
    assert formatter.shown[cc.Finding](plan.findings[0]).startswith("<div><b>R3</b>")
    assert "<td>R14</td>" in formatter.shown[cc.Rulebook](cc.default_rulebook())
    fake.get_ipython = lambda: None  # type: ignore[attr-defined]
    assert not display.register_with_ipython(), "outside IPython nothing is registered"


def test_a_scenario_shows_what_happens_on_each_date() -> None:
    from datetime import date

    from collabcore.explore import scenario

    s = scenario(product="bookkeeping", other_products=["payroll"], language="sv")
    table = s.timeline("deactivate", effective=date(2027, 3, 15))
    days = [row[0] for row in table.rows]
    assert days == sorted(days) and days[0] == s.world.clock.now.date().isoformat()
    assert "2027-03-15" in days and "2027-03-31" in days, "its day, and the month's end it is paid to"
    assert "läsbehörighet" in str(table), "R20 in the reader's words"
    assert "<table>" in table._repr_html_()


def test_a_table_becomes_a_pandas_or_polars_frame() -> None:
    import polars as pl

    from collabcore import explore as ex

    table = ex.decision_table(ex.Grid(actors=("office-admin", "office-clerk"), products=(cc.EXPENSES,)))
    frame = table.to_pandas()
    assert list(frame.columns) == list(table.columns) and len(frame) == len(table)
    assert not frame[frame["actor"] == "office-clerk"]["allowed"].any(), "a clerk may not end (R14)"
    polars = table.to_polars()
    assert polars.height == len(table)
    blocked = polars.filter(pl.col("blockers").list.contains("R14"))
    assert set(blocked["actor"].to_list()) == {"office-clerk"}


def test_the_heat_map_counts_what_the_table_says() -> None:
    from collabcore import explore as ex

    table = ex.decision_table(ex.Grid(products=(cc.EXPENSES, cc.PAYROLL)))
    picture = ex.heatmap(table)
    records = table.as_dicts()
    for row, line in zip(picture.rows, picture.cells, strict=True):
        mine = [r for r in records if r["outcome"] == row]
        for column, count in zip(picture.columns, line, strict=True):
            expected = (
                sum(r["allowed"] for r in mine)
                if column == "allowed"
                else sum(column in r["blockers"] for r in mine)
            )
            assert count == expected, (row, column)
    assert picture._repr_png_().startswith(b"\x89PNG")
    by_actor = ex.heatmap(table, rows="actor")
    assert set(by_actor.rows) == set(ex.ACTORS)


def test_the_heat_map_refuses_what_it_cannot_draw() -> None:
    from collabcore import explore as ex
    from collabcore.domain.errors import InvalidInput

    table = ex.decision_table(ex.Grid(actors=("office-admin",), products=(cc.EXPENSES,)))
    with pytest.raises(InvalidInput, match="rows must be a column"):
        ex.heatmap(table, rows="colour")
    with pytest.raises(InvalidInput, match="draws a decision table"):
        ex.heatmap(ex.Table(("a",), ((1,),)))


@pytest.mark.parametrize("module", ["pandas", "polars", "matplotlib.figure"])
def test_without_the_notebook_extra_the_error_says_how_to_install_it(
    module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from collabcore.domain.errors import ConfigurationError

    monkeypatch.setitem(sys.modules, module, None)  # what a missing library looks like to import
    table = explore.decision_table(explore.Grid(actors=("office-admin",), products=(cc.EXPENSES,)))
    draw: dict[str, Callable[[], Any]] = {
        "pandas": table.to_pandas,
        "polars": table.to_polars,
        "matplotlib.figure": lambda: explore.heatmap(table),
    }
    with pytest.raises(ConfigurationError, match=r"collabcore\[notebook\]"):
        draw[module]()
