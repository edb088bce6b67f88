"""Asking the integrations for the facts the rules read, by key.

Every fact the rules for an operation declare is asked of the one reader the host's
integrations give for its key (``Integrations.reader``). A fact nobody answers, or
whose reader fails, stays unknown, and the plan says which and why; a fact newer than
the integrations (``Integrations.as_of``) that nobody answers is told as not checked.
"""

from __future__ import annotations

import logging
from typing import Any

from collabcore.app.config import Integrations
from collabcore.policy.engine import Operation, Rulebook
from collabcore.policy.facts import Fact, Facts, Unknown, Why, version_key
from collabcore.policy.products import ProductSpec
from collabcore.ports import FactReader

log = logging.getLogger("collabcore.facts")


class FactAsker:
    """Asks one set of integrations for facts. Which reader answers which fact is worked
    out once per product, not on every plan."""

    def __init__(self, integrations: Integrations, rulebook: Rulebook) -> None:
        self.integrations = integrations
        self.rulebook = rulebook
        self._plans: dict[str, tuple[tuple[tuple[str, FactReader], ...], tuple[Unknown, ...]]] = {}

    def readers(self, product: ProductSpec) -> tuple[tuple[str, FactReader], ...]:
        """Who answers each fact that ending ``product`` reads (a fact nobody answers is left out)."""
        return self._plan(product)[0]

    def _plan(self, product: ProductSpec) -> tuple[tuple[tuple[str, FactReader], ...], tuple[Unknown, ...]]:
        known = self._plans.get(product.key)
        if known is None:
            found: list[tuple[str, FactReader]] = []
            unanswered: list[Unknown] = []
            as_of = self.integrations.answers_as_of()
            for fact in self.rulebook.reads(product, Operation.END):
                reader = self.integrations.reader(fact.key)
                if reader is not None:
                    found.append((fact.key, reader))
                else:
                    unanswered.append(
                        Unknown(fact.key, Why.NOT_CHECKED if _newer(fact, as_of) else Why.NO_INTEGRATION)
                    )
            known = self._plans[product.key] = (tuple(found), tuple(unanswered))
        return known

    def gather(self, customer_id: str, product: ProductSpec) -> Facts:
        """What the rules for ending ``product`` read about ``customer_id``, and why each fact
        without an answer has none."""
        readers, unanswered = self._plan(product)
        values: dict[str, object] = {}
        extra = self.integrations.extra_facts
        if extra is not None:
            values.update(extra.facts(customer_id, product.key))
        unknown = list(unanswered)
        for key, read in readers:
            try:
                value = read(customer_id)
            except Exception as exc:
                # An integration that is down makes its facts unknown, told with the reason,
                # rather than failing the whole plan: the rules that need it still block.
                # The user is told the kind of failure only; its text, which may carry a
                # host's URLs or tokens, goes to the host's log.
                log.warning("The integration answering %s failed: %r", key, exc)
                unknown.append(Unknown(key, Why.FAILED, type(exc).__name__))
                continue
            if value is not None:
                # A list becomes a tuple, so that the plan memo can hash the facts.
                values[key] = tuple(value) if type(value) is list else value
            else:
                unknown.append(Unknown(key, Why.NOT_KNOWN))
        return Facts(values, () if not unknown else (u for u in unknown if u.key not in values))


def _newer(fact: Fact[Any], as_of: tuple[int, int]) -> bool:
    return version_key(fact.since, "since") > as_of
