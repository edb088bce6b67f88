"""Brands, texts and localizers: the machinery that turns text keys into a brand's words.

A :class:`Brand` holds its vocabulary (the term table of DESIGN.md) and its
product names per language; :class:`Texts` holds the sentence templates per
language. A :class:`Localizer` binds one brand and one language and renders
templates with the brand's terms plus the caller's parameters. Missing texts
are found when a localizer is made (at start-up), not at run time.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeAlias

import attrs
from attrs import frozen

from collabcore.domain.errors import ConfigurationError, InvalidInput, describe
from collabcore.domain.validation import check_id, check_mapping, require_text, tuple_from
from collabcore.wording.catalogs import BRAND_HEADER, Catalog, read_catalog

Template: TypeAlias = str | tuple[str, ...]
"""A sentence, or ordered steps (remedies)."""

TERMS: tuple[str, ...] = (
    "brand",
    "service",
    "the_service",
    "menu",
    "portal",
    "users_page",
    "administrator",
    "user_role",
    "main_contact",
    "payroll_program",
)
"""The words every brand must give in every language it speaks (DESIGN.md, Brands)."""


@frozen
class Brand:
    key: str = attrs.field(validator=check_id)
    terms: Mapping[str, Mapping[str, str]] = attrs.field(validator=check_mapping(str, Mapping))
    """language -> term -> word."""
    products: Mapping[str, Mapping[str, str]] = attrs.field(validator=check_mapping(str, Mapping))
    """language -> product key -> the product's name in this brand."""
    overrides: Mapping[str, Mapping[str, Template]] = attrs.field(
        factory=dict, validator=check_mapping(str, Mapping)
    )
    """language -> text key -> a template that only this brand uses."""

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.terms)

    def name(self, language: str) -> str:
        return self.terms[language]["brand"]


@frozen
class Texts:
    """The sentence templates per language, and the brands that fill them in."""

    templates: Mapping[str, Mapping[str, Template]] = attrs.field(validator=check_mapping(str, Mapping))
    brands: Mapping[str, Brand] = attrs.field(validator=check_mapping(str, Brand))

    def brand(self, brand: Brand | str) -> Brand:
        if not isinstance(brand, Brand | str):
            raise InvalidInput(f"brand must be a Brand or a brand key, got {describe(brand)}.", path="brand")
        key = brand if isinstance(brand, str) else brand.key
        found = self.brands.get(key)
        if found is None:
            raise ConfigurationError(
                f"Unknown brand {describe(key)}; known brands: {', '.join(sorted(self.brands))}.",
                hint="Add it with Texts.with_brand(Brand(...)).",
            )
        return found

    def with_brand(self, brand: Brand) -> Texts:
        if not isinstance(brand, Brand):
            raise InvalidInput(f"brand must be a Brand, got {describe(brand)}.", path="brand")
        return attrs.evolve(self, brands={**self.brands, brand.key: brand})

    def with_templates(self, language: str, entries: Mapping[str, Template]) -> Texts:
        require_text(language, "language")
        if not isinstance(entries, Mapping) or not all(
            isinstance(k, str)
            and (isinstance(v, str) or (isinstance(v, tuple) and all(isinstance(x, str) for x in v)))
            for k, v in entries.items()
        ):
            raise InvalidInput(
                f"entries must map text keys to a sentence or a tuple of steps, got {describe(entries)}.",
                path="entries",
            )
        merged = {**self.templates.get(language, {}), **entries}
        return attrs.evolve(self, templates={**self.templates, language: merged})

    def with_catalog(self, catalog: Catalog | str | Path | bytes) -> Texts:
        """These texts with a gettext catalog's words: a language's sentences, or (when its
        header names ``X-Collabcore-Brand``) a brand's terms, product names and own
        sentences in one language. A new language or brand is added the same way."""
        if not isinstance(catalog, Catalog):
            catalog = read_catalog(catalog)
        if catalog.brand is None:
            if catalog.terms or catalog.products:
                raise ConfigurationError(
                    f"{catalog.source} gives terms or product names but names no brand.",
                    hint=f"Add {BRAND_HEADER}: <brand key> to its header, or move them to the brand's file.",
                )
            return self.with_templates(catalog.language, catalog.templates)
        language = catalog.language
        known = self.brands.get(catalog.brand)
        terms = dict(known.terms) if known else {}
        products = dict(known.products) if known else {}
        overrides = dict(known.overrides) if known else {}
        terms[language] = {**terms.get(language, {}), **catalog.terms}
        products[language] = {**products.get(language, {}), **catalog.products}
        templates = catalog.templates
        if templates:
            overrides[language] = {**overrides.get(language, {}), **templates}
        return self.with_brand(Brand(catalog.brand, terms, products, overrides))

    def localizer(self, brand: Brand | str, language: str, required: Iterable[str] = ()) -> Localizer:
        chosen = self.brand(brand)
        if not isinstance(language, str):
            raise InvalidInput(
                f"language must be a language code, got {describe(language)}.", path="language"
            )
        required = tuple_from(str, "required")(required)
        if language not in chosen.terms:
            raise ConfigurationError(
                f"Brand {chosen.key} has no words for language {describe(language)}; it speaks "
                f"{', '.join(chosen.languages)}.",
                hint="Choose one of those, or give the brand terms for that language.",
            )
        terms = dict(chosen.terms[language])
        missing_terms = [t for t in TERMS if t not in terms]
        if missing_terms:
            raise ConfigurationError(
                f"Brand {chosen.key} ({language}) lacks the terms {', '.join(missing_terms)}."
            )
        table = {**self.templates.get(language, {}), **chosen.overrides.get(language, {})}
        missing = sorted(k for k in set(required) if k not in table)
        if missing:
            raise ConfigurationError(
                f"No {language} text for {', '.join(missing)} (brand {chosen.key}).",
                hint="Add them with Texts.with_templates(language, {...}).",
            )
        _check_fields(table, terms, language)
        return Localizer(chosen, language, table, terms, dict(chosen.products.get(language, {})))


def _check_fields(table: Mapping[str, Template], terms: Mapping[str, str], language: str) -> None:
    """Every {field} is a term or a lowercase parameter name: typos fail at start-up."""
    formatter = string.Formatter()
    for key, template in table.items():
        for part in (template,) if isinstance(template, str) else template:
            for _, field, _, _ in formatter.parse(part):
                if field is not None and not field.isidentifier():
                    raise ConfigurationError(f"Text {key} ({language}) has a malformed field {{{field}}}.")


class _Fields:
    """The caller's parameters, then the brand's terms; read only for the fields a
    template names, so rendering copies nothing."""

    __slots__ = ("key", "params", "terms")

    def __init__(self, key: str, params: Mapping[str, Any], terms: Mapping[str, str]) -> None:
        self.key = key
        self.params = params
        self.terms = terms

    def __getitem__(self, name: str) -> Any:
        if name in self.params:
            return self.params[name]
        if name in self.terms:
            return self.terms[name]
        raise ConfigurationError(f"Text {self.key} needs a value for {{{name}}} that was not given.")


class Localizer:
    """One brand in one language: renders text keys with the brand's terms."""

    __slots__ = ("_products", "_table", "_terms", "brand", "language")

    def __init__(
        self,
        brand: Brand,
        language: str,
        table: Mapping[str, Template],
        terms: Mapping[str, str],
        products: Mapping[str, str],
    ) -> None:
        self.brand = brand
        self.language = language
        self._table = table
        self._terms = terms
        self._products = products

    def has(self, key: str) -> bool:
        return key in self._table

    def with_words(self, entries: Mapping[str, Template]) -> Localizer:
        """The same brand and language with more sentences (a tool's narration, say); the
        new ones are checked as a localizer's are when it is made."""
        table = {**self._table, **entries}
        _check_fields(entries, self._terms, self.language)
        return Localizer(self.brand, self.language, table, self._terms, self._products)

    def term(self, name: str) -> str:
        return self._terms[name]

    def product(self, key: str) -> str:
        name = self._products.get(key)
        if name is None:
            raise ConfigurationError(
                f"Brand {self.brand.key} has no {self.language} name for product {key!r}.",
                hint="Give the brand a name for it in Brand.products.",
            )
        return name

    def text(self, key: str, /, **params: Any) -> str:
        template = self._lookup(key)
        if not isinstance(template, str):
            raise ConfigurationError(f"Text {key} is a list of steps, not a sentence.")
        return template.format_map(_Fields(key, params, self._terms))

    def steps(self, key: str, /, **params: Any) -> tuple[str, ...]:
        template = self._lookup(key)
        parts = (template,) if isinstance(template, str) else template
        fields = _Fields(key, params, self._terms)
        return tuple(part.format_map(fields) for part in parts)

    def _lookup(self, key: str) -> Template:
        try:
            return self._table[key]
        except KeyError:
            raise ConfigurationError(f"No {self.language} text for {key} (brand {self.brand.key}).") from None
