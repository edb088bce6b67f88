"""R2: ending one collaboration tells how many others stay untouched."""

from __future__ import annotations

from collabcore.domain import Severity
from collabcore.policy.rules.finality import others_not_affected
from collabcore.testing.rules import a_collaboration, flags, keys, rule_context


def test_r2_says_how_many_other_collaborations_stay() -> None:
    others = [a_collaboration("payroll", collaboration_id="collab-2")]
    (flag,) = flags(others_not_affected, rule_context(others=others))
    assert (flag.key, flag.params["count"]) == ("R2", 1)
    assert others_not_affected.severity is Severity.INFO


def test_r2_says_nothing_when_there_are_none() -> None:
    assert keys(others_not_affected, rule_context()) == []
