"""One configuration shared by the service and the relay: store, integrations, rules,
products, words, brand, language and clock, so that they can never disagree."""

from __future__ import annotations

import threading
from collections.abc import Mapping

import attrs
from attrs import frozen

from collabcore.domain.model import Clock, IdGenerator, new_id, utc_now
from collabcore.policy.engine import Rulebook
from collabcore.policy.planner import PLANNER_TEXTS
from collabcore.policy.products import ProductCatalog, default_products
from collabcore.policy.rules import default_rulebook
from collabcore.policy.rules.main_contact import USER_MANAGEMENT_TEXTS
from collabcore.ports import (
    AccessPort,
    BillingPort,
    BookkeepingPort,
    EraserPort,
    ExpensesPort,
    ExtraFactsPort,
    FactReader,
    NotifierPort,
    PayrollPort,
    Store,
)
from collabcore.wording.texts import Brand, Localizer, Texts
from collabcore.wording.words import default_texts


@frozen
class Integrations:
    """The host's integrations; leave out what it does not have.

    A fact with no integration is unknown, and the rules that need it block
    (guessing would risk data); an effect with no integration fails visibly in
    the relay and waits to be retried or resolved by hand. ``facts`` answers any
    fact by its key (``{MY_FACT.key: reader}``), before the ports below are asked; which
    reader answers which fact is worked out once, on first use.
    """

    payroll: PayrollPort | None = None
    expenses: ExpensesPort | None = None
    bookkeeping: BookkeepingPort | None = None
    extra_facts: ExtraFactsPort | None = None
    access: AccessPort | None = None
    billing: BillingPort | None = None
    eraser: EraserPort | None = None
    notifier: NotifierPort | None = None
    facts: Mapping[str, FactReader] = attrs.field(factory=dict)


@frozen
class Configuration:
    """Everything the use cases share; built once and checked then (a missing text fails at
    start-up, never mid-request). ``speaking`` gives the same configuration in other words;
    ``attrs.evolve(config, store=...)`` the same over another store (a relay worker's own)."""

    store: Store
    integrations: Integrations
    rulebook: Rulebook
    products: ProductCatalog
    texts: Texts
    localizer: Localizer
    clock: Clock
    ids: IdGenerator
    _by_language: dict[str, Localizer] = attrs.field(init=False, factory=dict, eq=False, repr=False)
    _lock: threading.Lock = attrs.field(init=False, factory=threading.Lock, eq=False, repr=False)

    @classmethod
    def build(
        cls,
        store: Store,
        *,
        integrations: Integrations | None = None,
        rulebook: Rulebook | None = None,
        products: ProductCatalog | None = None,
        texts: Texts | None = None,
        brand: Brand | str = "visma",
        language: str = "en",
        clock: Clock = utc_now,
        ids: IdGenerator = new_id,
    ) -> Configuration:
        rulebook = rulebook or default_rulebook()
        products = products or default_products()
        texts = texts or default_texts()
        loc = _checked_localizer(texts, rulebook, products, brand, language)
        return cls(store, integrations or Integrations(), rulebook, products, texts, loc, clock, ids)

    def speaking(self, brand: Brand | str | None = None, language: str | None = None) -> Configuration:
        """The same configuration in another brand or language."""
        loc = _checked_localizer(
            self.texts,
            self.rulebook,
            self.products,
            brand if brand is not None else self.localizer.brand,
            language or self.localizer.language,
        )
        return Configuration(
            self.store, self.integrations, self.rulebook, self.products, self.texts, loc, self.clock, self.ids
        )

    def in_language(self, language: str) -> Localizer:
        """This brand in ``language``: how a party that reads another language is told (the relay's
        notifications); built and checked once per language."""
        if language == self.localizer.language:
            return self.localizer
        with self._lock:
            loc = self._by_language.get(language)
            if loc is None:
                loc = _checked_localizer(
                    self.texts, self.rulebook, self.products, self.localizer.brand, language
                )
                self._by_language[language] = loc
        return loc


def _checked_localizer(
    texts: Texts, rulebook: Rulebook, products: ProductCatalog, brand: Brand | str, language: str
) -> Localizer:
    loc = texts.localizer(brand, language, rulebook.text_keys | PLANNER_TEXTS | USER_MANAGEMENT_TEXTS)
    for spec in products:
        loc.product(spec.key)
    return loc
