"""Exploring the rules: scenarios in one call, decision tables, rulebook diffs, plans as text
and HTML (the public face of :mod:`collabcore.tools.explore`)."""

from __future__ import annotations

from collabcore.tools.explore import (
    ACTORS,
    COLUMNS,
    FACT_PRESETS,
    Grid,
    Row,
    Scenario,
    Table,
    compare_rulebooks,
    decide,
    decision_table,
    finding_html,
    finding_lines,
    plan_html,
    plan_text,
    rulebook_table,
    scenario,
)

__all__ = [
    "ACTORS",
    "COLUMNS",
    "FACT_PRESETS",
    "Grid",
    "Row",
    "Scenario",
    "Table",
    "compare_rulebooks",
    "decide",
    "decision_table",
    "finding_html",
    "finding_lines",
    "plan_html",
    "plan_text",
    "rulebook_table",
    "scenario",
]
