"""The translators' reference (docs/texts.md): every text key, its English, and the
placeholders a translation of it may use.

A translation may use the placeholders its English template uses (the values the code
passes for that key) and the brand's terms (:data:`~collabcore.wording.texts.TERMS`),
which every template may use; ``collabcore texts check`` refuses any other. Generated
by ``collabcore texts reference > docs/texts.md``; a test fails when the page is stale.
"""

from __future__ import annotations

from collections.abc import Mapping

from collabcore.tools.catalog_check import fields
from collabcore.wording.catalogs import STEPS_SUFFIX, shipped
from collabcore.wording.texts import TERMS

TERM_NOTES: Mapping[str, str] = {
    "brand": "the brand's name",
    "service": "what is collaborated on (a service, a solution)",
    "the_service": "the same with its article, as a sentence's subject or object",
    "menu": "where in the office's product collaborations are managed",
    "portal": "the customer's portal, where its users are managed",
    "users_page": "the page in the portal that lists users and their roles",
    "administrator": "the role that may manage users and end collaborations",
    "user_role": "the role of an ordinary user",
    "main_contact": "the company's main contact, as the product calls it",
    "payroll_program": "the payroll program, as a sentence names it",
}
"""What each term stands for, for a translator who has not seen the product."""

SHOWN_BRANDS = ("visma", "spiris")
"""The brands whose English words the terms' table shows as examples."""


def own_parameters(english: str) -> tuple[str, ...]:
    """The placeholders a template's English uses that are not the brand's terms: the
    values the code passes for that key."""
    return tuple(sorted(fields(english) - set(TERMS)))


def texts_reference() -> str:
    """docs/texts.md: the terms, then every shipped English text key with its placeholders."""
    english = shipped("en").entries
    brands = {brand: shipped(f"{brand}-en").terms for brand in SHOWN_BRANDS}
    lines = [
        "# Text keys and placeholders",
        "",
        "For translators. Generated from the shipped English catalog by",
        "`collabcore texts reference > docs/texts.md`; a test fails when this page is out of date.",
        "How to add a language, and how a partial one falls back, is in [brands](brands.md).",
        "",
        "A translation of a key may use the placeholders listed for that key, and any of the",
        "brand's terms below, in any order and as often as the language needs; `collabcore texts",
        "check` refuses any other placeholder, since the code has no value for it. A key ending in",
        f"`{STEPS_SUFFIX}` is ordered steps: one step per line of the message (shown here",
        "separated by ` / `).",
        "",
        "## The brand's terms: placeholders every text may use",
        "",
        "| placeholder | what it stands for | "
        + " | ".join(f"{brand} (en)" for brand in SHOWN_BRANDS)
        + " |",
        "|---|---|" + "---|" * len(SHOWN_BRANDS),
    ]
    for term in TERMS:
        examples = " | ".join(_cell(brands[brand].get(term, "")) for brand in SHOWN_BRANDS)
        lines.append(f"| `{{{term}}}` | {TERM_NOTES[term]} | {examples} |")
    lines += [
        "",
        "## Every text key",
        "",
        "| key | English | its own placeholders |",
        "|---|---|---|",
    ]
    for key, text in english.items():
        shown = " / ".join(text.split("\n")) if key.endswith(STEPS_SUFFIX) else text
        own = ", ".join(f"`{{{name}}}`" for name in own_parameters(text)) or "none"
        lines.append(f"| `{key}` | {_cell(shown)} | {own} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """``text`` inside a Markdown table cell, read as the words it is."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace("*", "\\*")
