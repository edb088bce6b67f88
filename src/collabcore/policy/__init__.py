"""The rule engine, authorization, the default rules R1-R23, the product catalog and the planner."""

from __future__ import annotations

from collabcore.policy.authorization import Denial, end_denial, may_end
from collabcore.policy.engine import (
    Acceptance,
    CheckFn,
    Flag,
    Operation,
    Refusal,
    Rule,
    Rulebook,
    RuleContext,
    Words,
    rule,
)
from collabcore.policy.facts import NO_FACTS, Fact, Facts, Unknown, Why
from collabcore.policy.planner import (
    PLANNER_TEXTS,
    consequences_of,
    effects_of,
    make_plan,
    render_findings,
    timeline_of,
)
from collabcore.policy.products import ProductCatalog, ProductSpec, default_products
from collabcore.policy.rules import DEFAULT_RULES, default_rulebook

__all__ = [
    "DEFAULT_RULES",
    "NO_FACTS",
    "PLANNER_TEXTS",
    "Acceptance",
    "CheckFn",
    "Denial",
    "Fact",
    "Facts",
    "Flag",
    "Operation",
    "ProductCatalog",
    "ProductSpec",
    "Refusal",
    "Rule",
    "RuleContext",
    "Rulebook",
    "Unknown",
    "Why",
    "Words",
    "consequences_of",
    "default_products",
    "default_rulebook",
    "effects_of",
    "end_denial",
    "make_plan",
    "may_end",
    "render_findings",
    "rule",
    "timeline_of",
]
