"""STUB (being written): the example's integrations, answering every fact from stored state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from attrs import frozen

import collabcore as cc


@frozen
class SandboxFact:
    """One fact the rules read, as the sandbox answers it for one customer."""

    key: str
    product: str
    kind: Literal["bool", "int", "texts"]
    value: object


class Sandbox:
    def integrations(self) -> cc.Integrations:
        raise NotImplementedError

    def facts_of(self, customer_id: str) -> tuple[SandboxFact, ...]:
        raise NotImplementedError

    def set_fact(self, customer_id: str, key: str, value: object) -> None:
        raise NotImplementedError

    def carried_out(self, customer_id: str) -> Mapping[str, str]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError
