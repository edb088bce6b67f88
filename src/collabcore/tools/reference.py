"""The rules reference page, generated from a rulebook in a brand's words."""

from __future__ import annotations

import inspect

from collabcore.policy.engine import Rulebook
from collabcore.policy.planner import PLANNER_TEXTS
from collabcore.policy.products import ProductCatalog, default_products
from collabcore.wording.texts import Texts

OVERVIEW_NOTE = (
    "R13 (the office's overview of its customers) is not a check but an operation: "
    "`CollaborationService.overview`, open to every employee of the office (R14) and to nobody else."
)


def rules_reference(
    rulebook: Rulebook,
    texts: Texts,
    brand: str = "visma",
    language: str = "en",
    products: ProductCatalog | None = None,
) -> str:
    """A Markdown page listing every rule: id, title, severity, where it applies, its source."""
    names = (products or default_products()).names()
    loc = texts.localizer(brand, language, rulebook.text_keys | PLANNER_TEXTS, product_names=names)
    lines = [
        "# Rules reference",
        "",
        "Generated from the default rulebook by `collabcore rules --markdown`; a test fails when",
        "this page is out of date. Protected rules (authorization and finality) cannot be removed",
        "or re-graded by a host.",
        "",
        "| id | rule | default severity | checked on | products | protected |",
        "|---|---|---|---|---|---|",
    ]
    for rule in rulebook:
        where = "all" if rule.products is None else ", ".join(loc.product(p) for p in sorted(rule.products))
        operations = ", ".join(sorted(o.value for o in rule.operations))
        lines.append(
            f"| {rule.id} | {loc.text(f'rule.{rule.id}')} | {loc.text(f'severity.{rule.severity.value}')} "
            f"| {operations} | {where} | {'yes' if rule.protected else ''} |"
        )
    lines += ["", OVERVIEW_NOTE, "", "## Sources", ""]
    for rule in rulebook:
        source = " ".join((inspect.getdoc(rule.check) or "").split())
        lines.append(f"- **{rule.id}**: {source}")
    return "\n".join(lines) + "\n"
