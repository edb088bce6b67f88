"""The product catalog: what each product offers when a collaboration ends.

R15 (outcomes per product), R19 (variants), R18 (invoice recipients per
variant), and the order in which the effects of each outcome must happen
(R8-R10: the payroll hand-over before the office's access goes; R22: the
export before the erasure). Hosts register more products as data.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

import attrs
from attrs import frozen

from collabcore.domain.effects import EffectKind
from collabcore.domain.errors import ConfigurationError, InvalidInput, OutcomeNotOffered, describe
from collabcore.domain.model import BOOKKEEPING, EXPENSES, PAYROLL, Outcome, Party
from collabcore.domain.validation import check_id, check_mapping, optional, tuple_from
from collabcore.policy.facts import Fact

_BOTH = frozenset({Party.OFFICE, Party.CUSTOMER})


def _variants(value: Any) -> tuple[str, ...]:
    return tuple_from(str, "variants")(value)


def _facts(value: Any) -> tuple[Fact[Any], ...]:
    return tuple_from(Fact, "facts")(value)


def _check_outcomes(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    check_mapping(Outcome, tuple)(instance, attribute, value)
    for outcome, kinds in value.items():
        if not all(isinstance(k, EffectKind) for k in kinds):
            raise InvalidInput(
                f"outcomes[{outcome.value}] must be a tuple of EffectKind, got {describe(kinds)}.",
                path="outcomes",
            )


_NOTIFY = (EffectKind.NOTIFY_OFFICE, EffectKind.NOTIFY_CUSTOMER)


def _grace(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, timedelta) or value < timedelta(days=1) or value > timedelta(days=3660):
        raise ConfigurationError(
            f"read_only_for must be None or a datetime.timedelta of 1 to 3660 days, got {describe(value)}."
        )


@frozen
class ProductSpec:
    """A product, declared once: its key, the outcomes an end may have with their effects in
    order, its variants and invoice recipients, the facts it needs, and a name to fall back
    on. The rules that apply to it name it in ``Rule.products``; everything else (the test
    strategies, explore's grids, the demo, the contract suite) reads the catalog."""

    key: str = attrs.field(validator=check_id)
    """The product's stable id (``payroll``); what collaborations and rules name."""
    outcomes: Mapping[Outcome, tuple[EffectKind, ...]] = attrs.field(validator=_check_outcomes)
    """The outcomes the product offers, each with its effects in the order they must happen."""
    variants: tuple[str, ...] = attrs.field(default=(), converter=_variants)
    """The variants a collaboration may be in (R19); empty: the product has none."""
    default_variant: str | None = attrs.field(default=None, validator=optional(check_id))
    """The variant a collaboration gets when none is asked for; None: no variant at all."""
    invoice_recipients: Mapping[str, frozenset[Party]] = attrs.field(
        factory=dict, validator=check_mapping(str, frozenset)
    )
    """Per variant, who may receive the invoices; a variant not listed allows both."""
    facts: tuple[Fact[Any], ...] = attrs.field(default=(), converter=_facts)
    """Facts to ask the integrations for before acting on this product, besides those that
    the rules for it declare (``Rule.reads``)."""
    read_only_for: timedelta | None = attrs.field(default=None, validator=_grace)
    """How long a former office keeps read-only access after a deactivation: None (R20) while
    it has other active collaborations with the company; a period (say 30 days) for exactly
    that long, whatever else it holds."""
    name: str | None = attrs.field(default=None, validator=optional(check_id))
    """The product's name where a brand has none for it in the reader's language (a brand or a
    language made before the product existed); None: the key as it is written."""

    def __attrs_post_init__(self) -> None:
        if not self.outcomes:
            raise ConfigurationError(f"Product {self.key} offers no outcome; give it at least one.")
        if self.default_variant is not None and self.default_variant not in self.variants:
            raise ConfigurationError(
                f"Product {self.key}: default variant {describe(self.default_variant)} is not one of "
                f"its variants {self.variants}."
            )

    @property
    def fallback_name(self) -> str:
        """The name shown when a brand's words have none for this product."""
        return self.name if self.name is not None else self.key

    def offers(self, outcome: Outcome) -> bool:
        """Whether an end of this product may have ``outcome`` (R15)."""
        return outcome in self.outcomes

    def effects_of(self, outcome: Outcome) -> tuple[EffectKind, ...]:
        """The effects of ending with ``outcome``, in the order they must happen; raises
        OutcomeNotOffered, naming the outcomes there are, for one the product lacks."""
        try:
            return self.outcomes[outcome]
        except KeyError:
            raise OutcomeNotOffered(
                f"Product {self.key} does not offer the outcome {describe(outcome.value)} (R15).",
                hint="Choose one of: " + ", ".join(o.value for o in self.outcomes) + ".",
            ) from None

    def check_variant(self, variant: str | None) -> str | None:
        """The variant to store: the given one if the product has it, else the default."""
        if variant is None:
            return self.default_variant
        if not isinstance(variant, str):
            raise InvalidInput(f"variant must be text or None, got {describe(variant)}.", path="variant")
        variant = str.__str__(variant)  # an exact copy: a subclass's own == never decides
        if variant not in self.variants:
            offered = ", ".join(self.variants) if self.variants else "none"
            raise InvalidInput(
                f"Product {self.key} has no variant {describe(variant)}.",
                hint=f"Variants offered: {offered}.",
                path="variant",
            )
        return variant

    def allows_recipient(self, variant: str | None, recipient: Party) -> bool:
        """Whether ``recipient`` may receive the invoices of ``variant`` (R18)."""
        allowed = self.invoice_recipients.get(variant or "", _BOTH)
        return recipient in allowed


@frozen
class ProductCatalog:
    """An immutable registry of products; ``register`` returns a new catalog."""

    products: Mapping[str, ProductSpec] = attrs.field(factory=dict)

    def __iter__(self) -> Iterator[ProductSpec]:
        return iter(self.products.values())

    def __contains__(self, key: object) -> bool:
        return key in self.products

    def get(self, key: str) -> ProductSpec:
        """The product ``key``; InvalidInput naming the known products for any other."""
        spec = self.products.get(key) if isinstance(key, str) else None
        if spec is None:
            raise InvalidInput(
                f"Unknown product {describe(key)}.",
                hint="Known products: " + ", ".join(sorted(self.products)) + ".",
                path="product",
            )
        return spec

    def names(self) -> dict[str, str]:
        """Each product's name to fall back on, by key: what a localizer shows for a product
        that a brand does not name (``Texts.localizer(..., product_names=)``)."""
        return {spec.key: spec.fallback_name for spec in self.products.values()}

    def register(self, spec: ProductSpec) -> ProductCatalog:
        """A new catalog with ``spec`` added; ConfigurationError if its key is taken."""
        if not isinstance(spec, ProductSpec):
            raise InvalidInput(f"spec must be a ProductSpec, got {describe(spec)}.", path="spec")
        if spec.key in self.products:
            raise ConfigurationError(f"Product {spec.key} is registered already.")
        return ProductCatalog({**self.products, spec.key: spec})

    def replace(self, spec: ProductSpec) -> ProductCatalog:
        """The catalog with a registered product changed, e.g. given a read-only grace period:
        ``products.replace(attrs.evolve(products.get("bookkeeping"), read_only_for=timedelta(days=30)))``."""
        if not isinstance(spec, ProductSpec):
            raise InvalidInput(f"spec must be a ProductSpec, got {describe(spec)}.", path="spec")
        self.get(spec.key)
        return ProductCatalog({**self.products, spec.key: spec})


def default_products() -> ProductCatalog:
    """Bookkeeping & Invoicing, Payroll and Travel & Expenses, as the seeds describe them."""
    bookkeeping = ProductSpec(
        key=BOOKKEEPING,
        outcomes={
            Outcome.CUSTOMER_CONTINUES: (
                EffectKind.REVOKE_OFFICE_ACCESS,
                EffectKind.TRANSFER_SUBSCRIPTION,
                *_NOTIFY,
            ),
            # R20: the planner swaps the revoke for a read-only restriction while
            # the office has other active collaborations with the company.
            Outcome.DEACTIVATE: (
                EffectKind.REVOKE_OFFICE_ACCESS,
                EffectKind.DEACTIVATE_SUBSCRIPTION,
                *_NOTIFY,
            ),
        },
        variants=("start", "bookkeeping", "invoicing", "smart", "pro"),
        default_variant="smart",
        name="Bookkeeping & Invoicing",
    )
    payroll = ProductSpec(
        key=PAYROLL,
        outcomes={
            # R8-R10: the customer is a payroll user and the data synchronised
            # before the backup is handed over; only then does access go.
            Outcome.CUSTOMER_CONTINUES: (
                EffectKind.HAND_OVER_PAYROLL_BACKUP,
                EffectKind.REVOKE_OFFICE_ACCESS,
                EffectKind.REVOKE_COMPANY_ONLINE_ACCESS,
                EffectKind.TRANSFER_SUBSCRIPTION,
                *_NOTIFY,
            ),
            Outcome.END_SUBSCRIPTION: (
                EffectKind.REVOKE_OFFICE_ACCESS,
                EffectKind.REVOKE_COMPANY_ONLINE_ACCESS,
                EffectKind.CANCEL_SUBSCRIPTION,
                *_NOTIFY,
            ),
        },
        variants=("start", "standard"),
        default_variant="standard",
        # R18: accountant access ("Start") invoices the office only.
        invoice_recipients={"start": frozenset({Party.OFFICE}), "standard": _BOTH},
        name="Payroll",
    )
    expenses = ProductSpec(
        key=EXPENSES,
        outcomes={
            Outcome.CUSTOMER_CONTINUES: (
                EffectKind.REVOKE_OFFICE_ACCESS,
                EffectKind.TRANSFER_SUBSCRIPTION,
                *_NOTIFY,
            ),
            # R22 then R7: export what was submitted, then erase everything.
            Outcome.DELETE: (
                EffectKind.EXPORT_REPORTS,
                EffectKind.REVOKE_OFFICE_ACCESS,
                EffectKind.ERASE_SERVICE_DATA,
                EffectKind.CANCEL_SUBSCRIPTION,
                *_NOTIFY,
            ),
        },
        name="Travel & Expenses",
    )
    return ProductCatalog({p.key: p for p in (bookkeeping, payroll, expenses)})
