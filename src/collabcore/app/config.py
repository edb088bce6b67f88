"""One configuration shared by the service and the relay: store, integrations, rules,
products, words, brand, language and clock, so that they can never disagree."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs
from attrs import frozen

from collabcore.app.problems import PROBLEM_TEXTS
from collabcore.app.seed_facts import seed_readers
from collabcore.domain.errors import CollabCoreDeprecationWarning, ConfigurationError, InvalidInput, describe
from collabcore.domain.model import Clock, IdGenerator, new_id, utc_now
from collabcore.policy.engine import Rulebook
from collabcore.policy.facts import BEFORE_THE_PROMISE, LATEST, version_key
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
    LifecyclePort,
    NotifierPort,
    PayrollPort,
    Store,
)
from collabcore.wording.lifecycle_words import LIFECYCLE_TEXTS
from collabcore.wording.texts import DEFAULT_FALLBACK, Brand, Localizer, Texts
from collabcore.wording.words import default_texts


def _port(*methods: str) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    """None, or an object with the port's methods (checked now, not at the first call)."""

    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None:
            return
        missing = [m for m in methods if not callable(getattr(value, m, None))]
        if missing:
            raise InvalidInput(
                f"integrations.{attribute.name} lacks {', '.join(missing)}: {describe(value)}.",
                hint="Implement the port's protocol (collabcore.ports), or leave it out.",
                path=attribute.name,
            )

    return check


def _readers(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and callable(v) for k, v in value.items()
    ):
        raise InvalidInput(
            "facts must map fact keys to functions that take a customer id and return the answer "
            f"(None when not known), got {describe(value)}.",
            hint="For example Integrations(facts={MY_FACT.key: my_system.answer}).",
            path="facts",
        )


def _as_of(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and version_key(value, "as_of") > version_key(LATEST):
        raise InvalidInput(
            f"as_of {value!r} is newer than this collabcore, whose facts are those of {LATEST}.",
            hint=f"Name the version the integrations were written for, {LATEST} at the most.",
            path="as_of",
        )


@frozen
class Integrations:
    """The host's integrations; leave out what it does not have.

    Facts come through one door: ``facts`` maps a fact's key to a function that takes a
    customer id and returns the answer (None when not known); every fact the rules
    declare, the seeds' own included, is asked for that way. The typed ``payroll``,
    ``expenses`` and ``bookkeeping`` ports are a view onto the same door for the seeds'
    facts (``facts`` wins where both answer); they never gain a method. A fact nobody
    answers is unknown, and the rules that need it block (guessing would risk data),
    unless it is newer than ``as_of``. An effect with no integration fails visibly in the
    relay and waits to be retried or resolved by hand.
    """

    payroll: PayrollPort | None = attrs.field(
        default=None, validator=_port("customer_is_payroll_user", "payroll_synchronised", "hand_over_backup")
    )
    """Payroll: its two facts (a view onto ``facts``) and the backup hand-over. None: no
    payroll integration; its facts are unknown and a hand-over fails visibly in the relay."""
    expenses: ExpensesPort | None = attrs.field(
        default=None,
        validator=_port("unsubmitted_reports", "users_with_unsubmitted_outlays", "export_submitted_reports"),
    )
    """Travel & Expenses: its two facts and the export of submitted reports. None: no expenses
    integration; its facts are unknown and an export fails visibly in the relay."""
    bookkeeping: BookkeepingPort | None = attrs.field(
        default=None, validator=_port("active_linked_services", "bank_integration_active")
    )
    """Bookkeeping & Invoicing: linked services and the bank integration, as facts. None: nobody
    answers them through this view (``facts`` still may)."""
    extra_facts: ExtraFactsPort | None = attrs.field(default=None, validator=_port("facts"))
    """Deprecated since 0.3 (removed in 1.0): many facts at once, by key, 0.1's second door.
    None: not used. Give ``facts={KEY: reader}`` instead."""
    access: AccessPort | None = attrs.field(
        default=None,
        validator=_port("revoke_office_access", "restrict_office_access", "revoke_company_online_access"),
    )
    """Revokes and restricts access. None: those effects fail visibly in the relay until one is given."""
    billing: BillingPort | None = attrs.field(
        default=None,
        validator=_port("transfer_subscription", "deactivate_subscription", "cancel_subscription"),
    )
    """Transfers, deactivates and cancels subscriptions. None: those effects fail visibly in the relay."""
    eraser: EraserPort | None = attrs.field(default=None, validator=_port("erase_service_data"))
    """Erases a service's data for a company (R7). None: an erasure fails visibly in the relay."""
    lifecycle: LifecyclePort | None = attrs.field(
        default=None, validator=_port("grant_office_access", "change_payer", "revoke_linked_services")
    )
    """Moves and linked apps: grants access, changes the payer, revokes linked services. None:
    those effects fail visibly in the relay."""
    notifier: NotifierPort | None = attrs.field(default=None, validator=_port("notify"))
    """Tells both parties that an end happened. None: notifications fail visibly in the relay."""
    facts: Mapping[str, FactReader] = attrs.field(factory=dict, validator=_readers)
    """Fact key -> a function of the customer id that answers it (None: not known)."""
    as_of: str | None = attrs.field(default=None, validator=_as_of)
    """The collabcore version these integrations were written for (``"0.3"``): a fact that a
    later version's rules read and nobody here answers is told as not checked, and the
    decision stays what it was. None: 0.2, the version before this promise. A new host
    names the version it starts on; raising it is how a host takes up newer checks."""
    _seed: Mapping[str, FactReader] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_seed", seed_readers(self.payroll, self.expenses, self.bookkeeping))
        if self.extra_facts is not None:
            warnings.warn(
                "Integrations(extra_facts=...) is deprecated since collabcore 0.3 and goes in 1.0: "
                "answer each fact by its key with Integrations(facts={FACT.key: reader}).",
                CollabCoreDeprecationWarning,
                stacklevel=3,
            )

    def reader(self, key: str) -> FactReader | None:
        """Who answers the fact ``key``: ``facts``, else a seed port; None when nobody does."""
        found = self.facts.get(key)
        return found if found is not None else self._seed.get(key)

    def answers_as_of(self) -> tuple[int, int]:
        """``as_of`` as a comparable version (0.2 when not given)."""
        return version_key(self.as_of or BEFORE_THE_PROMISE)


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
        fallback: Sequence[str] = DEFAULT_FALLBACK,
    ) -> Configuration:
        _require(store, "store", lambda s: callable(getattr(s, "transaction", None)), "a collabcore Store")
        _require(integrations, "integrations", _optional(Integrations), "an Integrations or None")
        _require(rulebook, "rulebook", _optional(Rulebook), "a Rulebook or None")
        _require(products, "products", _optional(ProductCatalog), "a ProductCatalog or None")
        _require(texts, "texts", _optional(Texts), "a Texts or None")
        _require(ids, "ids", callable, "a function that returns a new id")
        _check_words(brand, language)
        rulebook = rulebook or default_rulebook()
        products = products or default_products()
        texts = texts or default_texts()
        loc = _checked_localizer(texts, rulebook, products, brand, language, fallback)
        checked = clock if isinstance(clock, CheckedClock) else CheckedClock(clock)
        return cls(store, integrations or Integrations(), rulebook, products, texts, loc, checked, ids)

    def speaking(self, brand: Brand | str | None = None, language: str | None = None) -> Configuration:
        """The same configuration in another brand or language."""
        _check_words(brand, language, optional=True)
        loc = _checked_localizer(
            self.texts,
            self.rulebook,
            self.products,
            brand if brand is not None else self.localizer.brand,
            language or self.localizer.language,
            self.localizer.fallback,
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
                    self.texts,
                    self.rulebook,
                    self.products,
                    self.localizer.brand,
                    language,
                    self.localizer.fallback,
                )
                self._by_language[language] = loc
        return loc


class CheckedClock:
    """The host's clock, read through a check: checked once when the service is configured,
    and every reading after, so that no naive or foreign time is ever compared or written."""

    __slots__ = ("source",)

    def __init__(self, source: Clock) -> None:
        if not callable(source):
            raise InvalidInput(
                f"clock must be a function that returns the current time, got {describe(source)}.",
                path="clock",
            )
        self.source = source
        self()

    def __call__(self) -> datetime:
        now = self.source()
        if type(now) is not datetime or now.utcoffset() is None:
            raise ConfigurationError(
                f"The clock returned {describe(now)}, not a datetime with a time zone.",
                hint="Make it return an aware datetime, such as datetime.now(UTC).",
            )
        return now


def _optional(kind: type) -> Callable[[Any], bool]:
    return lambda value: value is None or isinstance(value, kind)


def _require(value: Any, name: str, ok: Callable[[Any], bool], expected: str) -> None:
    if not ok(value):
        raise InvalidInput(f"{name} must be {expected}, got {describe(value)}.", path=name)


def _check_words(brand: Any, language: Any, *, optional: bool = False) -> None:
    """Types at the door; which brands and languages exist is the texts' to say."""
    if not (isinstance(brand, Brand | str) or (optional and brand is None)):
        raise InvalidInput(
            f"brand must be a Brand or a brand key such as 'visma', got {describe(brand)}.", path="brand"
        )
    if not (isinstance(language, str) or (optional and language is None)):
        raise InvalidInput(
            f"language must be a language code such as 'en', got {describe(language)}.", path="language"
        )


def required_texts(rulebook: Rulebook) -> frozenset[str]:
    """The text keys a service with this rulebook renders: each brand and language needs them all."""
    return rulebook.text_keys | PLANNER_TEXTS | USER_MANAGEMENT_TEXTS | LIFECYCLE_TEXTS | PROBLEM_TEXTS


def _checked_localizer(
    texts: Texts,
    rulebook: Rulebook,
    products: ProductCatalog,
    brand: Brand | str,
    language: str,
    fallback: Sequence[str],
) -> Localizer:
    # Every product has a name to fall back on, so a brand or a language made before the
    # library added a product still loads; texts only the chain lacks fail here, at start-up.
    return texts.localizer(
        brand,
        language,
        required_texts(rulebook),
        fallback=fallback,
        product_names=products.names(),
    )
