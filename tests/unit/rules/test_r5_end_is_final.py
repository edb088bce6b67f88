"""R5: an ended collaboration never becomes active again."""

from __future__ import annotations

from collabcore.policy import Operation
from collabcore.policy.engine import Refusal
from collabcore.policy.rules.finality import end_is_final
from collabcore.testing.rules import a_collaboration, flags, keys, rule_context


def test_r5_an_ended_collaboration_cannot_end_again() -> None:
    (flag,) = flags(end_is_final, rule_context(collaboration=a_collaboration(ended=True)))
    assert (flag.key, flag.params["date"]) == ("R5", "2026-01-05")
    assert end_is_final.refusal is Refusal.ALREADY_ENDED and end_is_final.protected


def test_r5_nor_change_its_variant() -> None:
    ended = a_collaboration("bookkeeping", ended=True)
    ctx = rule_context(operation=Operation.CHANGE_VARIANT, product="bookkeeping", collaboration=ended)
    assert keys(end_is_final, ctx) == ["R5"]


def test_r5_an_active_one_may() -> None:
    assert keys(end_is_final, rule_context()) == []
