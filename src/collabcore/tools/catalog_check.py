"""``collabcore texts check FILE``: how much of a catalog is translated, and is it safe to load?

A catalog may be partial: what it lacks falls back along the host's chain of
languages (English by default), so a missing key is counted and listed, not an
error. The report gives each catalog's coverage: keys translated, keys missing
(shown in a fallback language instead), and keys copied (their text is the
fallback language's, word for word: a copy, not a translation).

Only what would break at start-up or show a reader a broken sentence is an error:
a placeholder the code has no value for (the English template's own, and the
brand's terms, are allowed), a malformed template (a ``{`` left open), a key that
cannot be a text key (or a brand's term in a catalog that names no brand), a key
that the rulebook renders and no language of the chain gives, and a file that
cannot be read (no ``Language`` header, say). Keys nothing uses are reported, since
nothing would ever show them (a typo in a key, or a rule that was removed).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from typing import Any

from attrs import frozen

from collabcore.app.config import required_texts
from collabcore.domain.errors import CollabCoreError
from collabcore.policy.engine import Rulebook
from collabcore.policy.products import ProductCatalog, default_products
from collabcore.policy.rules import default_rulebook
from collabcore.wording.catalogs import PRODUCT_PREFIX, TERM_PREFIX, Catalog, as_message, shipped
from collabcore.wording.texts import DEFAULT_FALLBACK, TERMS, Texts

_KEY = re.compile(r"[^\s{}.](?:[^\s{}]*[^\s{}.])?")
"""What a text key may look like: ``R11.delete``, ``term.portal``, a host's ``acme:vip.remedy``;
no spaces or braces, and no dot at either end (a key cut short, or a key and a stray)."""


@frozen
class CatalogReport:
    """One catalog's coverage and errors; ``ok`` when it can be loaded and shown as it is
    (what it lacks falls back)."""

    source: str
    language: str
    brand: str | None
    missing: tuple[str, ...] = ()
    """Keys it does not give (or gives fuzzy): shown in a fallback language instead."""
    unknown_placeholders: tuple[tuple[str, str], ...] = ()
    """(key, placeholder) pairs; ``{`` without its ``}`` shows as the placeholder ``{``."""
    unused: tuple[str, ...] = ()
    fuzzy: tuple[str, ...] = ()
    translated: int = 0
    """Keys it gives in words of its own."""
    copied: tuple[str, ...] = ()
    """Keys whose text is the fallback language's, word for word."""
    bad_keys: tuple[str, ...] = ()
    """Entries that cannot be text keys, or terms and product names in a catalog that names
    no brand (loading it would be refused)."""
    unresolved: tuple[str, ...] = ()
    """Keys the rulebook renders that neither this catalog nor any language of the chain
    gives: a service in this language would not start."""
    fallback: tuple[str, ...] = ()
    """The languages the missing keys fall back on, in order."""
    unreadable: str = ""
    """Why the file could not be read at all (then nothing else is known)."""

    @property
    def ok(self) -> bool:
        return not (self.unknown_placeholders or self.bad_keys or self.unresolved or self.unreadable)

    @property
    def total(self) -> int:
        """The keys this catalog is expected to give: translated, copied or missing."""
        return self.translated + len(self.copied) + len(self.missing)

    def coverage(self) -> dict[str, Any]:
        """The figures of ``collabcore texts check --json``'s ``coverage`` member."""
        return {
            "total": self.total,
            "translated": self.translated,
            "fallen_back": len(self.missing),
            "copied": len(self.copied),
            "fallback": list(self.fallback),
        }

    def __str__(self) -> str:
        what = f"brand {self.brand}, {self.language}" if self.brand else self.language
        if self.unreadable:
            return f"{self.source}: cannot be read: {self.unreadable}"
        errors = len(self.unknown_placeholders) + len(self.bad_keys) + len(self.unresolved)
        verdict = "ok" if self.ok else f"not usable as it is ({errors} error{'s' * (errors != 1)})"
        chain = ", ".join(self.fallback) or "no other language"
        lines = [
            f"{self.source} ({what}): {verdict}",
            f"  coverage: {self.translated} of {self.total} translated, {len(self.missing)} missing "
            f"(falls back on {chain}), {len(self.copied)} copied from the fallback",
        ]
        lines += [f"  unknown placeholder {{{field}}} in {key}" for key, field in self.unknown_placeholders]
        lines += [f"  bad key (cannot be loaded): {key}" for key in self.bad_keys]
        lines += [f"  no language of the chain gives: {key}" for key in self.unresolved]
        if self.unresolved:
            lines.append(
                "  (give the words in a catalog of a fallback language checked with it, or, for words "
                "added in Python, --texts module:attribute)"
            )
        lines += [f"  missing: {key}" for key in self.missing]
        lines += [f"  copied (the fallback's text, word for word): {key}" for key in self.copied]
        lines += [f"  unused (no rule or text uses it): {key}" for key in self.unused]
        lines += [f"  fuzzy (not used until reviewed): {key}" for key in self.fuzzy]
        return "\n".join(lines)


def unreadable_report(source: str, error: CollabCoreError) -> CatalogReport:
    """The report of a file that could not be read as a catalog."""
    return CatalogReport(source, "", None, unreadable=error.message)


def fields(template: str) -> set[str]:
    try:
        return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}
    except ValueError:
        return {"{"}


def templates_as_catalogs(texts: Texts) -> list[Catalog]:
    """A host's words given in Python (``Texts.with_templates``), one catalog per language,
    so that a translator's file is checked against them as against a catalog."""
    return [
        Catalog(
            language, {key: as_message(value) for key, value in table.items()}, source=f"texts ({language})"
        )
        for language, table in texts.templates.items()
    ]


def check_catalog(
    catalog: Catalog,
    *,
    rulebook: Rulebook | None = None,
    products: ProductCatalog | None = None,
    fallback: Sequence[str] = DEFAULT_FALLBACK,
    others: Iterable[Catalog] = (),
) -> CatalogReport:
    """The report for one catalog against the shipped English words and the rulebook.

    ``fallback`` is the chain its missing keys fall back on; each language of it is read
    from ``others`` (the other files checked with it) over the shipped catalogs."""
    reference = shipped("en").entries
    chain = tuple(language for language in dict.fromkeys(fallback) if language != catalog.language)
    behind = _fallback_entries(catalog.brand, chain, tuple(others))
    known = set(reference) | required_texts(rulebook or default_rulebook())
    templates = {k: v for k, v in catalog.entries.items() if not k.startswith((TERM_PREFIX, PRODUCT_PREFIX))}
    product_keys = [spec.key for spec in (products or default_products())]
    if catalog.brand is None:
        expected = sorted(known)
        given = templates
        bad = [k for k in catalog.entries if k.startswith((TERM_PREFIX, PRODUCT_PREFIX))]
        # The shipped English is the last resort of every text, whatever the chain says.
        unresolved = sorted(k for k in known - set(given) if k not in behind and k not in reference)
    else:
        expected = [f"{TERM_PREFIX}{t}" for t in TERMS] + [f"{PRODUCT_PREFIX}{p}" for p in product_keys]
        given = {k: v for k, v in catalog.entries.items() if k.startswith((TERM_PREFIX, PRODUCT_PREFIX))}
        bad = []
        # A term nobody gives would stop the service; a product falls back on its own name.
        unresolved = [
            f"{TERM_PREFIX}{t}" for t in TERMS if t not in catalog.terms and f"{TERM_PREFIX}{t}" not in behind
        ]
    bad += [k for k in catalog.entries if not _KEY.fullmatch(k)]
    missing = [k for k in expected if k not in given]
    copied = [k for k in expected if k in given and behind.get(k) == given[k]]
    translated = len(expected) - len(missing) - len(copied)
    unknown: list[tuple[str, str]] = []
    for key, value in templates.items():
        model = reference.get(key, behind.get(key))
        if model is not None:
            allowed = fields(model) | set(TERMS)
            unknown += [(key, field) for field in sorted(fields(value) - allowed)]
    unused = sorted(set(templates) - known)
    if catalog.brand is not None:
        unused += [f"{TERM_PREFIX}{t}" for t in catalog.terms if t not in TERMS]
        unused += [f"{PRODUCT_PREFIX}{p}" for p in catalog.products if p not in product_keys]
    return CatalogReport(
        catalog.source,
        catalog.language,
        catalog.brand,
        missing=tuple(sorted(missing) if catalog.brand is None else missing),
        unknown_placeholders=tuple(unknown),
        unused=tuple(unused),
        fuzzy=tuple(sorted(catalog.fuzzy)),
        translated=translated,
        copied=tuple(copied),
        bad_keys=tuple(dict.fromkeys(bad)),
        unresolved=tuple(unresolved),
        fallback=chain,
    )


def _fallback_entries(
    brand: str | None, chain: tuple[str, ...], others: tuple[Catalog, ...]
) -> dict[str, str]:
    """What the chain gives in place of a missing key: for each key, the first language's
    text (a given file's over the shipped one)."""
    found: dict[str, str] = {}
    for language in reversed(chain):
        layer: dict[str, str] = {}
        # Not a shipped language (or brand): only the given files speak it.
        with suppress(FileNotFoundError, CollabCoreError):
            layer.update(shipped(f"{brand}-{language}" if brand else language).entries)
        for other in others:
            if other.language == language and other.brand == brand:
                layer.update(other.entries)
        found.update(layer)
    return found


def report_data(report: CatalogReport) -> Mapping[str, Any]:
    """One report as ``collabcore texts check --json`` prints it."""
    return {
        "source": report.source,
        "language": report.language,
        "brand": report.brand,
        "ok": report.ok,
        "coverage": report.coverage(),
        "missing": list(report.missing),
        "copied": list(report.copied),
        "unknown_placeholders": [list(pair) for pair in report.unknown_placeholders],
        "bad_keys": list(report.bad_keys),
        "unresolved": list(report.unresolved),
        "unused": list(report.unused),
        "fuzzy": list(report.fuzzy),
        "unreadable": report.unreadable,
    }
