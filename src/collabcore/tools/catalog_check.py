"""``collabcore texts check FILE``: is a translator's catalog complete and safe to load?

A language's catalog is compared with the shipped English one: every key English
has (and every key the rulebook renders) must be there; a template may name the
placeholders the English one names and the brand's terms, nothing else (the code
would have no value for it); a key that neither English nor any rule has is
reported as unused, since nothing would ever show it. A brand's catalog must give
every term and a name for every product.
"""

from __future__ import annotations

import string

from attrs import frozen

from collabcore.app.config import required_texts
from collabcore.policy.engine import Rulebook
from collabcore.policy.products import ProductCatalog, default_products
from collabcore.policy.rules import default_rulebook
from collabcore.wording.catalogs import Catalog, shipped
from collabcore.wording.texts import TERMS


@frozen
class CatalogReport:
    """What is wrong with one catalog; ``ok`` when it can be loaded and used as it is."""

    source: str
    language: str
    brand: str | None
    missing: tuple[str, ...] = ()
    unknown_placeholders: tuple[tuple[str, str], ...] = ()
    """(key, placeholder) pairs; ``{`` without its ``}`` shows as the placeholder ``{``."""
    unused: tuple[str, ...] = ()
    fuzzy: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unknown_placeholders

    def __str__(self) -> str:
        what = f"brand {self.brand}, {self.language}" if self.brand else self.language
        lines = [f"{self.source} ({what}): {'ok' if self.ok else 'not usable as it is'}"]
        lines += [f"  missing: {key}" for key in self.missing]
        lines += [f"  unknown placeholder {{{field}}} in {key}" for key, field in self.unknown_placeholders]
        lines += [f"  unused (no rule or text uses it): {key}" for key in self.unused]
        lines += [f"  fuzzy (not used until reviewed): {key}" for key in self.fuzzy]
        return "\n".join(lines)


def fields(template: str) -> set[str]:
    try:
        return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}
    except ValueError:
        return {"{"}


def check_catalog(
    catalog: Catalog,
    *,
    rulebook: Rulebook | None = None,
    products: ProductCatalog | None = None,
) -> CatalogReport:
    """The report for one catalog against the shipped English words and the rulebook."""
    reference = shipped("en").entries
    known = set(reference) | required_texts(rulebook or default_rulebook())
    templates = {k: v for k, v in catalog.entries.items() if not k.startswith(("term.", "product."))}
    product_keys = [spec.key for spec in (products or default_products())]
    if catalog.brand is None:
        missing = sorted(known - set(templates) - catalog.fuzzy)
        missing += sorted(k for k in known & catalog.fuzzy)
    else:
        missing = [f"term.{t}" for t in TERMS if t not in catalog.terms]
        missing += [f"product.{p}" for p in product_keys if p not in catalog.products]
    unknown: list[tuple[str, str]] = []
    for key, value in templates.items():
        if key in reference:
            allowed = fields(reference[key]) | set(TERMS)
            unknown += [(key, field) for field in sorted(fields(value) - allowed)]
    unused = sorted(set(templates) - known)
    if catalog.brand is not None:
        unused += [f"term.{t}" for t in catalog.terms if t not in TERMS]
        unused += [f"product.{p}" for p in catalog.products if p not in product_keys]
    return CatalogReport(
        catalog.source,
        catalog.language,
        catalog.brand,
        tuple(missing),
        tuple(unknown),
        tuple(unused),
        tuple(sorted(catalog.fuzzy)),
    )
