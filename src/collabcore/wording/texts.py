"""Brands, texts and localizers: the machinery that turns text keys into a brand's words.

A :class:`Brand` holds its vocabulary (the term table of DESIGN.md) and its
product names per language; :class:`Texts` holds the sentence templates per
language. A :class:`Localizer` binds one brand and one language and renders
templates with the brand's terms plus the caller's parameters.

A language may be translated in part: what it lacks (a sentence, a term, a product's
name) is taken from the next language of a fallback chain that the host sets, English
by default, so a host's half-translated catalog loads and a brand made before a product
existed keeps working. Only what no language of the chain has is an error, found when
a localizer is made (at start-up), never at run time.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeAlias

import attrs
from attrs import frozen

from collabcore.domain.errors import ConfigurationError, InvalidInput, describe
from collabcore.domain.validation import check_id, check_mapping, require_text, tuple_from
from collabcore.wording.catalogs import BRAND_HEADER, Catalog, as_template, read_catalog

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
"""The words every brand gives, in a language it speaks or in one that language falls back on
(DESIGN.md, Brands); every template may use them as placeholders."""

DEFAULT_FALLBACK: tuple[str, ...] = ("en",)
"""The languages a localizer takes what its own lacks from, unless the host chooses others."""


def fallback_chain(value: Any) -> tuple[str, ...]:
    """``value`` checked as a fallback chain: language codes in the order they are tried
    (duplicates dropped); ``()`` for none, where every text must be in the language itself."""
    # A bare string is a sequence too, and "en" would read as the languages "e" and "n".
    if (
        isinstance(value, str)
        or not isinstance(value, tuple | list)
        or not all(isinstance(code, str) and code.strip() == code and code for code in value)
    ):
        raise InvalidInput(
            f"fallback must be a tuple or list of language codes, got {describe(value)}.",
            hint="Give the languages to take missing texts from, in order, e.g. ('sv', 'en'); () for none.",
            path="fallback",
        )
    return tuple(dict.fromkeys(value))


def _product_names(value: Any) -> Mapping[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in value.items()
    ):
        raise InvalidInput(
            f"product_names must map product keys to names, got {describe(value)}.",
            hint="Give {spec.key: spec.fallback_name for spec in products}, or None.",
            path="product_names",
        )
    return value


@frozen
class Brand:
    """A brand's words: its terms (:data:`TERMS`), product names and own sentences, per
    language. A language it has no words in, or a word it lacks, falls back along the
    localizer's chain (see :meth:`Texts.localizer`)."""

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
        """The languages it gives terms in (others fall back)."""
        return tuple(self.terms)

    def name(self, language: str) -> str:
        """Its name (the term ``brand``) in ``language``, which must be one of :attr:`languages`."""
        return self.terms[language]["brand"]


@frozen
class Texts:
    """The sentence templates per language, and the brands that fill them in."""

    templates: Mapping[str, Mapping[str, Template]] = attrs.field(validator=check_mapping(str, Mapping))
    brands: Mapping[str, Brand] = attrs.field(validator=check_mapping(str, Brand))

    def brand(self, brand: Brand | str) -> Brand:
        """The brand of that key; a :class:`Brand` given as it is is used as it is (a host's
        own brand needs no registering first)."""
        if not isinstance(brand, Brand | str):
            raise InvalidInput(f"brand must be a Brand or a brand key, got {describe(brand)}.", path="brand")
        if isinstance(brand, Brand):
            return brand
        key = brand
        found = self.brands.get(key)
        if found is None:
            raise ConfigurationError(
                f"Unknown brand {describe(key)}; known brands: {', '.join(sorted(self.brands))}.",
                hint="Add it with Texts.with_brand(Brand(...)).",
            )
        return found

    def with_brand(self, brand: Brand) -> Texts:
        """These texts with ``brand`` added, or replacing the brand of its key."""
        if not isinstance(brand, Brand):
            raise InvalidInput(f"brand must be a Brand, got {describe(brand)}.", path="brand")
        return attrs.evolve(self, brands={**self.brands, brand.key: brand})

    def with_templates(self, language: str, entries: Mapping[str, Template]) -> Texts:
        """These texts with ``entries`` added to ``language``'s (a new language too; it may
        be partial, as what it lacks falls back)."""
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
        # Steps are steps however they come: a remedy written as one string with line breaks
        # splits as a catalog's does.
        entries = {k: as_template(k, v) if isinstance(v, str) else v for k, v in entries.items()}
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

    @property
    def languages(self) -> tuple[str, ...]:
        """Every language some catalog gives sentences for, or some brand gives terms in."""
        found = set(self.templates)
        for brand in self.brands.values():
            found.update(brand.terms)
        return tuple(sorted(found))

    def speaks(self, brand: Brand | str, language: str) -> bool:
        """Whether ``brand`` can be had in ``language``: a catalog gives that language's
        sentences, or the brand has words of its own in it. What it lacks falls back."""
        chosen = self.brand(brand)
        return language in self.templates or language in chosen.terms or language in chosen.overrides

    def localizer(
        self,
        brand: Brand | str,
        language: str,
        required: Iterable[str] = (),
        *,
        fallback: Sequence[str] = DEFAULT_FALLBACK,
        product_names: Mapping[str, str] | None = None,
    ) -> Localizer:
        """``brand`` in ``language``. A text, term or product name the language lacks is taken
        from the first language of ``fallback`` that has it (the brand's own wording in that
        language first, then the language's); a product no language names is called by
        ``product_names[key]``. Raises :class:`ConfigurationError` for what is still missing:
        a key of ``required``, or one of :data:`TERMS`."""
        chosen = self.brand(brand)
        if not isinstance(language, str) or not language:
            raise InvalidInput(
                f"language must be a language code, got {describe(language)}.", path="language"
            )
        required = tuple_from(str, "required")(required)
        chain = fallback_chain(fallback)
        names = _product_names(product_names)
        if not self.speaks(chosen, language):
            spoken = sorted(set(self.templates) | set(chosen.terms))
            raise ConfigurationError(
                f"Brand {chosen.key} has no words for language {describe(language)}: no catalog gives "
                f"its sentences and the brand has no terms in it. Languages with words: {', '.join(spoken)}.",
                hint="Choose one of those, or add a catalog for that language (Texts.with_catalog).",
            )
        order = tuple(dict.fromkeys((language, *chain)))
        table: dict[str, Template] = {}
        origins: dict[str, str] = {}
        terms: dict[str, str] = {}
        products: dict[str, str] = dict(names)
        # Last language first, so that each earlier one overwrites what it has: whole dicts
        # at a time, as a service made per request (speaking) builds one of these each time.
        for each in reversed(order):
            layer = {**self.templates.get(each, {}), **chosen.overrides.get(each, {})}
            table.update(layer)
            origins.update(dict.fromkeys(layer, each))
            terms.update(chosen.terms.get(each, {}))
            products.update(chosen.products.get(each, {}))
        where = _where(language, chain)
        missing_terms = [t for t in TERMS if t not in terms]
        if missing_terms:
            raise ConfigurationError(
                f"Brand {chosen.key} lacks the terms {', '.join(missing_terms)} in {where}.",
                hint="Give the brand those words (term.<name> in its catalog, or Brand.terms).",
            )
        missing = sorted(k for k in set(required) if k not in table)
        if missing:
            raise ConfigurationError(
                f"No text for {', '.join(missing)} in {where} (brand {chosen.key}).",
                hint=f"Add them to the {language} catalog (Texts.with_catalog or Texts.with_templates), "
                "or fall back on a language that has them.",
            )
        _check_fields(table, origins)
        return Localizer(chosen, language, table, terms, products, origins=origins, fallback=chain)


def _where(language: str, chain: tuple[str, ...]) -> str:
    others = [each for each in chain if each != language]
    if not others:
        return f"{language} (which falls back on no other language)"
    return f"{language} or the languages it falls back on ({', '.join(others)})"


def _check_fields(table: Mapping[str, Template], origins: Mapping[str, str]) -> None:
    """Every {field} is a name, every brace paired: typos fail at start-up, not mid-request."""
    for key, template in table.items():
        for part in (template,) if isinstance(template, str) else template:
            problem = _template_problem(part)
            if problem is not None:
                what, hint = problem
                raise ConfigurationError(f"Text {key} ({origins.get(key, '?')}) {what}.", hint=hint)


@lru_cache(maxsize=8192)
def _template_problem(part: str) -> tuple[str, str] | None:
    """What is wrong with one template, and how to fix it; None when nothing is. Kept: the
    same few hundred templates are checked each time a localizer is made, and a service
    made per request (``speaking``) makes one each time."""
    try:
        for _, field, _, _ in string.Formatter().parse(part):
            if field is not None and not field.isidentifier():
                return (
                    f"has a malformed field {{{field}}}",
                    "A placeholder is a name such as {customer_number} or {portal}.",
                )
    except ValueError as exc:
        return (
            f"is not a valid template: {exc}",
            "Write a literal brace as {{ or }}, and close every {placeholder}.",
        )
    return None


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
    """One brand in one language: renders text keys with the brand's terms. What the
    language lacked came from its fallback chain; :meth:`language_of` tells which."""

    __slots__ = ("_fallback", "_origins", "_products", "_table", "_terms", "brand", "language")

    def __init__(
        self,
        brand: Brand,
        language: str,
        table: Mapping[str, Template],
        terms: Mapping[str, str],
        products: Mapping[str, str],
        *,
        origins: Mapping[str, str] | None = None,
        fallback: Sequence[str] = (),
    ) -> None:
        self.brand = brand
        self.language = language
        self._table = table
        self._terms = terms
        self._products = products
        self._origins: Mapping[str, str] = origins if origins is not None else {}
        self._fallback = tuple(fallback)

    @property
    def fallback(self) -> tuple[str, ...]:
        """The languages this one falls back on, in order (as the host set them)."""
        return self._fallback

    def has(self, key: str) -> bool:
        """Whether some language of the chain gives ``key``."""
        return key in self._table

    def language_of(self, key: str) -> str:
        """The language ``key``'s template is written in: this localizer's, or the one of its
        fallback chain it was taken from."""
        found = self._origins.get(key)
        if found is not None:
            return found
        if key in self._table:
            return self.language
        raise ConfigurationError(f"No {self.language} text for {key} (brand {self.brand.key}).")

    def with_words(self, entries: Mapping[str, Template], *, language: str | None = None) -> Localizer:
        """The same brand and language with more sentences (a tool's narration, say), written
        in ``language`` (this localizer's unless said); checked as a localizer's are when made."""
        written = language or self.language
        table = {**self._table, **entries}
        added = dict.fromkeys(entries, written)
        _check_fields(entries, added)
        return Localizer(
            self.brand,
            self.language,
            table,
            self._terms,
            self._products,
            origins={**self._origins, **added},
            fallback=self._fallback,
        )

    def term(self, name: str) -> str:
        """The brand's word for the term ``name`` (one of :data:`TERMS`)."""
        return self._terms[name]

    def has_product(self, key: str) -> bool:
        """Whether :meth:`product` has a name for ``key``."""
        return key in self._products

    def product(self, key: str) -> str:
        name = self._products.get(key)
        if name is None:
            where = _where(self.language, self._fallback)
            raise ConfigurationError(
                f"Brand {self.brand.key} has no name for product {key!r} in {where}, "
                "and none was given to fall back on.",
                hint="Give the brand a name for it (product.<key> in its catalog, or Brand.products), "
                "or the ProductSpec a name.",
            )
        return name

    def text(self, key: str, /, **params: Any) -> str:
        """The sentence ``key`` with ``params`` and the brand's terms filled in."""
        template = self._lookup(key)
        if not isinstance(template, str):
            raise ConfigurationError(f"Text {key} is a list of steps, not a sentence.")
        return template.format_map(_Fields(key, params, self._terms))

    def steps(self, key: str, /, **params: Any) -> tuple[str, ...]:
        """The steps ``key`` (a sentence is one step), filled in as :meth:`text` does."""
        template = self._lookup(key)
        parts = (template,) if isinstance(template, str) else template
        fields = _Fields(key, params, self._terms)
        return tuple(part.format_map(fields) for part in parts)

    def _lookup(self, key: str) -> Template:
        try:
            return self._table[key]
        except KeyError:
            raise ConfigurationError(f"No {self.language} text for {key} (brand {self.brand.key}).") from None
