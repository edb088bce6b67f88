"""Fake integrations: every port at once, in memory, with facts a test sets in one line."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

from collabcore.app.config import Integrations
from collabcore.app.seed_facts import SEED_FACTS
from collabcore.domain.effects import Effect
from collabcore.domain.errors import InvalidInput, describe
from collabcore.domain.outbox import Notification
from collabcore.policy.engine import Rulebook
from collabcore.policy.facts import Fact
from collabcore.policy.products import ProductCatalog, default_products
from collabcore.policy.rules import default_rulebook
from collabcore.policy.rules.bookkeeping import BANK_INTEGRATION_ACTIVE, LINKED_SERVICES
from collabcore.policy.rules.expenses import UNSUBMITTED_REPORTS, USERS_WITH_UNSUBMITTED_OUTLAYS
from collabcore.policy.rules.payroll import CUSTOMER_IS_PAYROLL_USER, PAYROLL_SYNCHRONISED
from collabcore.ports import FactReader


class FactAnswers(Mapping[str, object]):
    """What the fakes answer for one customer, by fact key (unknown facts are left out).
    A fact can also be read by the names ``set_facts`` takes: ``answers.unsubmitted_reports``."""

    __slots__ = ("_names", "_values")

    def __init__(self, values: Mapping[str, object], names: Mapping[str, str]) -> None:
        self._values = dict(values)
        self._names = names

    def __getitem__(self, key: str) -> object:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __getattr__(self, name: str) -> object:
        key = self._names.get(name)
        if key is None:
            raise AttributeError(name)
        return self._values.get(key)

    def __repr__(self) -> str:
        return f"FactAnswers({self._values!r})"


CustomerFacts = FactAnswers
"""0.2's name for what ``set_facts`` and ``facts_of`` return."""

_UNKNOWN = object()
"""Set by a test to make a fact unknown, even one the fakes answer by default."""

ANSWER_TYPES: Mapping[str, str] = {
    "bool": "true or false",
    "int": "a whole number",
    "number": "a number",
    "text": "a text",
    "texts": "a list of texts",
}
"""The kinds of answer a fact takes (:func:`answer_type`), as the English of an error says them."""


def answer_type(fact: Fact[Any]) -> str | None:
    """The kind of answer ``fact`` takes, read from its ``all_clear``: ``"bool"`` (True,
    False), ``"int"`` (0), ``"number"``, ``"text"`` or ``"texts"`` (``()``: a list of text);
    None when ``all_clear`` is None or of another kind (any answer is taken)."""
    clear = fact.all_clear
    if isinstance(clear, bool):
        return "bool"
    if isinstance(clear, int):
        return "int"
    if isinstance(clear, float):
        return "number"
    if isinstance(clear, str):
        return "text"
    if isinstance(clear, tuple) and all(isinstance(item, str) for item in clear):
        return "texts"
    return None


def checked_answer(fact: Fact[Any], value: object) -> object:
    """``value`` as an answer to ``fact``, checked against the kind its ``all_clear`` gives
    (a list of text becomes a tuple); None (unknown) is always taken. InvalidInput, naming
    the fact and the kind, for anything else: ``"no"`` is no answer to a yes-or-no fact, and
    ``"Scanner"`` is no list of services."""
    kind = answer_type(fact)
    if value is None or kind is None:
        return value
    if kind == "texts" and isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    fits = {
        "bool": isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "text": isinstance(value, str),
    }
    if not fits.get(kind, False):
        raise InvalidInput(
            f"The fact {fact.key} takes {ANSWER_TYPES[kind]}, got {describe(value)}.",
            hint="None makes it unknown.",
            path=fact.key,
        )
    return value


SEED_KEYS = frozenset(fact.key for fact in SEED_FACTS)
"""The facts the seed ports answer: the fakes answer them through those ports' methods, so
that a test's subclass overriding one (``payroll_synchronised`` raising, say) is heard."""


class _Readers(Mapping[str, FactReader]):
    """The fakes as ``Integrations.facts``: a reader for every other key, so that any fact a
    rule declares is answered, a host's too, with no method of its own."""

    def __init__(self, fakes: FakeIntegrations) -> None:
        self._fakes = fakes

    def __getitem__(self, key: str) -> FactReader:
        if key in SEED_KEYS:
            raise KeyError(key)
        return self._fakes.reader(key)

    def __iter__(self) -> Iterator[str]:
        return (key for key in self._fakes.known_facts() if key not in SEED_KEYS)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class RecordingNotifier:
    """Keeps every notification, once per key (a repeated key is the same message)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sent: list[Notification] = []
        self._keys: set[str] = set()

    def notify(self, notification: Notification) -> None:
        """Keeps ``notification`` unless one with its key was sent already."""
        with self._lock:
            if notification.key not in self._keys:
                self._keys.add(notification.key)
                self.sent.append(notification)


class IntegrationFailure(Exception):
    """What a fake raises when told to fail; stands in for a host integration's error."""


class FakeIntegrations:
    """Every integration port at once, in memory, with facts a test sets in one line.

    ``fakes.set_facts("c1", unsubmitted_reports=2)`` changes what the rules see; every
    fact the rulebook declares is answered, by default with its ``Fact.all_clear``.
    Like a well-behaved host integration, the fakes treat an effect key they
    have applied as done: ``performed`` shows what was applied (once per key),
    ``repeats`` the calls that came again, ``calls`` every call in order.
    ``fakes.fail("erase_service_data", times=2)`` makes the next calls fail.
    """

    def __init__(self, rulebook: Rulebook | None = None, products: ProductCatalog | None = None) -> None:
        rulebook = rulebook if rulebook is not None else default_rulebook()
        products = products if products is not None else default_products()
        self._declared: dict[str, Fact[Any]] = {f.key: f for f in rulebook.facts(products)}
        self._answers: dict[str, dict[str, object]] = {}
        self._by_key: dict[str, set[str]] = {}
        self._name_table: dict[str, str] | None = None
        self._readers: dict[str, FactReader] = {}
        self._failures: dict[str, int] = {}
        self._lock = threading.Lock()
        self.calls: list[tuple[str, str]] = []
        """(method, effect key) of every call, including repeated and failed ones."""
        self.performed: dict[str, int] = defaultdict(int)
        """effect key -> how many times it was applied: at most 1, keys are idempotent."""
        self.repeats: dict[str, int] = defaultdict(int)
        """effect key -> calls that arrived after it was applied (answered as done)."""
        self.erased: list[tuple[str, str]] = []
        """(customer id, product) of each erasure."""
        self.notifications: list[Notification] = []
        """Every notification sent, once per key."""

    def integrations(self, *, as_of: str | None = None) -> Integrations:
        """Every port at once: the facts through ``Integrations.facts``, the effects and
        the notifier through their ports."""
        return Integrations(
            payroll=self,
            expenses=self,
            bookkeeping=self,
            access=self,
            billing=self,
            eraser=self,
            lifecycle=self,
            notifier=self,
            facts=_Readers(self),
            as_of=as_of,
        )

    # --- setting facts ---------------------------------------------------

    def known_facts(self) -> tuple[str, ...]:
        """The keys of the facts the fakes know of: the rulebook's, and any a test has set."""
        keys = dict.fromkeys(self._declared)
        for answers in self._answers.values():
            keys.update(dict.fromkeys(answers))
        return tuple(keys)

    def set_facts(self, customer_id: str, **facts: Any) -> FactAnswers:
        """Answer facts for ``customer_id`` by name: a fact's key with ``_`` for ``.``
        (``payroll_synchronised``) or its last part (``unsubmitted_reports``); ``None``
        makes one unknown. ``extra={KEY: value}`` sets facts by key."""
        given = set(facts)
        extra = facts.pop("extra", {})
        if not isinstance(extra, Mapping):
            raise InvalidInput(f"extra must map fact keys to answers, got {describe(extra)}.", path="extra")
        changes = {self._key_of(name): value for name, value in facts.items()}
        changes = {key: self._checked(key, value) for key, value in changes.items()}
        answers = self._answers.setdefault(customer_id, {})
        if "extra" in given:
            # As in 0.2: ``extra`` is the whole set of facts given by key, replacing the last.
            for key in self._by_key.pop(customer_id, set()):
                answers.pop(key, None)
            self._by_key[customer_id] = set(extra)
            changes.update({key: self._checked(key, value) for key, value in extra.items()})
        for key, value in changes.items():
            answers[key] = _UNKNOWN if value is None else value
        return self.facts_of(customer_id)

    def set_fact(self, customer_id: str, fact: Fact[Any] | str, value: object) -> None:
        """Any fact by its key (or the :class:`Fact`), such as a host rule's own; ``None``
        makes it unknown."""
        if isinstance(fact, Fact):
            if fact.key not in self._declared:
                self._declared[fact.key] = fact
                self._name_table = None
            fact = fact.key
        value = self._checked(fact, value)
        self._answers.setdefault(customer_id, {})[fact] = _UNKNOWN if value is None else value
        self._by_key.setdefault(customer_id, set()).add(fact)

    def facts_of(self, customer_id: str) -> FactAnswers:
        """Every fact the fakes would answer for ``customer_id`` (an unknown one left out)."""
        values: dict[str, object] = {}
        for key in self.known_facts():
            value = self.answer(customer_id, key=key)
            if value is not None:
                values[key] = value
        return FactAnswers(values, self._names())

    def reader(self, key: str) -> FactReader:
        """``answer`` for one fact, as the integrations call it: a function of the customer
        id (benchmarks plan through the fakes, so it does no more than it must)."""
        made = self._readers.get(key)
        if made is None:
            made = self._readers[key] = self._make_reader(key)
        return made

    def _make_reader(self, key: str) -> FactReader:
        answers = self._answers
        declared = self._declared

        def read(customer_id: str) -> object:
            found = answers.get(customer_id)
            set_here = None if found is None else found.get(key)
            if set_here is None:
                fact = declared.get(key)
                return None if fact is None else fact.all_clear
            return None if set_here is _UNKNOWN else set_here

        return read

    def answer(self, customer_id: str, *, key: str) -> object:
        """What the fakes answer for the fact ``key``: what a test set, else the fact's
        ``all_clear``; None (unknown) for a fact neither gives."""
        return self.reader(key)(customer_id)

    def _names(self) -> dict[str, str]:
        if self._name_table is not None:
            return self._name_table
        names: dict[str, str] = {}
        self._name_table = names
        for fact in self._declared.values():
            for name in fact.short_names:
                names[name] = fact.key if name not in names else ""
        return names

    def declared(self, name: str) -> Fact[Any] | None:
        """The fact ``name`` stands for (its key, or a name ``set_facts`` takes); None for a
        name that names no fact, or two."""
        key = name if name in self._declared else self._names().get(name)
        return self._declared.get(key) if key else None

    def _checked(self, key: str, value: object) -> object:
        declared = self._declared.get(key)
        return value if declared is None else checked_answer(declared, value)

    def _key_of(self, name: str) -> str:
        if name in self._declared:
            return name
        key = self._names().get(name)
        if not key:
            known = sorted(n for n, k in self._names().items() if k)
            why = "names two facts" if key == "" else "names no fact the rulebook reads"
            raise InvalidInput(
                f"Unknown fact: {name!r} {why}.",
                hint=f"Facts: {', '.join(known)}; or set one by key with set_fact(customer, FACT, value).",
                path=name,
            )
        return key

    def fail(self, method: str, *, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` (an effect or fact method) raise."""
        self._failures[method] = times

    # --- the seed ports' facts: a view onto ``answer`` -------------------

    def customer_is_payroll_user(self, customer_id: str) -> bool:
        """PayrollPort's view of ``payroll.customer_is_user``."""
        return cast(bool, self.answer(customer_id, key=CUSTOMER_IS_PAYROLL_USER.key))

    def payroll_synchronised(self, customer_id: str) -> bool:
        """PayrollPort's view of ``payroll.synchronised``."""
        return cast(bool, self.answer(customer_id, key=PAYROLL_SYNCHRONISED.key))

    def unsubmitted_reports(self, customer_id: str) -> int:
        """ExpensesPort's view of ``expenses.unsubmitted_reports``."""
        return cast(int, self.answer(customer_id, key=UNSUBMITTED_REPORTS.key))

    def users_with_unsubmitted_outlays(self, customer_id: str) -> Sequence[str]:
        """ExpensesPort's view of ``expenses.users_with_unsubmitted_outlays``."""
        return cast("Sequence[str]", self.answer(customer_id, key=USERS_WITH_UNSUBMITTED_OUTLAYS.key))

    def active_linked_services(self, customer_id: str) -> Sequence[str]:
        """BookkeepingPort's view of ``bookkeeping.linked_services``."""
        return cast("Sequence[str]", self.answer(customer_id, key=LINKED_SERVICES.key))

    def bank_integration_active(self, customer_id: str) -> bool:
        """BookkeepingPort's view of ``bookkeeping.bank_integration_active``."""
        return cast(bool, self.answer(customer_id, key=BANK_INTEGRATION_ACTIVE.key))

    # --- effects ---------------------------------------------------------

    def _apply(self, method: str, key: str) -> bool:
        """Record a call; False when the key was applied before (the idempotent answer)."""
        with self._lock:
            self.calls.append((method, key))
            left = self._failures.get(method, 0)
            if left:
                self._failures[method] = left - 1
                raise IntegrationFailure(f"{method} failed (injected) for {key}")
            if self.performed[key]:
                self.repeats[key] += 1
                return False
            self.performed[key] += 1
            return True

    def _do(self, method: str, effect: Effect) -> None:
        self._apply(method, effect.key)

    def hand_over_backup(self, effect: Effect) -> None:
        """Recorded once per effect key (a repeat is answered as done)."""
        self._do("hand_over_backup", effect)

    def export_submitted_reports(self, effect: Effect) -> None:
        """Recorded once per effect key (a repeat is answered as done)."""
        self._do("export_submitted_reports", effect)

    def revoke_office_access(self, effect: Effect) -> None:
        """Recorded once per effect key (a repeat is answered as done)."""
        self._do("revoke_office_access", effect)

    def restrict_office_access(self, effect: Effect) -> None:
        """Recorded once per effect key (a repeat is answered as done)."""
        self._do("restrict_office_access", effect)

    def revoke_company_online_access(self, effect: Effect) -> None:
        """Recorded once per effect key (a repeat is answered as done)."""
        self._do("revoke_company_online_access", effect)

    def transfer_subscription(self, effect: Effect) -> None:
        """Recorded once per effect key (a repeat is answered as done)."""
        self._do("transfer_subscription", effect)

    def deactivate_subscription(self, effect: Effect) -> None:
        """Recorded once per effect key (a repeat is answered as done)."""
        self._do("deactivate_subscription", effect)

    def cancel_subscription(self, effect: Effect) -> None:
        """Recorded once per effect key (a repeat is answered as done)."""
        self._do("cancel_subscription", effect)

    def erase_service_data(self, effect: Effect) -> None:
        """Recorded once per effect key, and in ``erased`` as (customer id, product)."""
        if self._apply("erase_service_data", effect.key):
            self.erased.append((effect.customer_id, effect.product))

    def grant_office_access(self, effect: Effect) -> None:
        """Recorded once per effect key (a repeat is answered as done)."""
        self._do("grant_office_access", effect)

    def change_payer(self, effect: Effect) -> None:
        """Recorded once per effect key (a repeat is answered as done)."""
        self._do("change_payer", effect)

    def revoke_linked_services(self, effect: Effect) -> None:
        """Recorded once per effect key (a repeat is answered as done)."""
        self._do("revoke_linked_services", effect)

    def notify(self, notification: Notification) -> None:
        """Recorded once per key, and in ``notifications``."""
        if self._apply("notify", notification.key):
            self.notifications.append(notification)
