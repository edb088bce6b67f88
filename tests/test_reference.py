"""docs/rules.md is generated from the default rulebook and must not go stale."""

from pathlib import Path

import collabcore as cc
from collabcore.tools.reference import rules_reference

PAGE = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def test_rules_page_is_up_to_date() -> None:
    expected = rules_reference(cc.default_rulebook(), cc.default_texts())
    assert PAGE.read_text(encoding="utf-8") == expected, "run: collabcore rules --markdown > docs/rules.md"
