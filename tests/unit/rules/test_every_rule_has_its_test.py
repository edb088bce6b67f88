"""Each default rule has a test module of its own here, named by its id (R13 included, the
overview's authorization), so that a rule is added with its test, and nothing else to edit."""

from __future__ import annotations

from pathlib import Path

from collabcore.policy import default_rulebook
from collabcore.policy.authorization import OVERVIEW_RULE

HERE = Path(__file__).parent


def test_every_rule_id_names_a_test_module() -> None:
    ids = [*default_rulebook().ids, OVERVIEW_RULE]
    missing = [i for i in ids if not list(HERE.glob(f"test_{i.lower().replace('-', '_')}_*.py"))]
    assert missing == []


def test_every_rule_written_in_the_rules_package_is_in_the_default_rulebook() -> None:
    # A rule written but not listed in DEFAULT_RULES would never be asked: this says so.
    import importlib
    import pkgutil

    import collabcore.policy.rules as package
    from collabcore.policy import Rule

    written = {
        value.id
        for info in pkgutil.iter_modules(package.__path__)
        for value in vars(importlib.import_module(f"{package.__name__}.{info.name}")).values()
        if isinstance(value, Rule)
    }
    assert written - set(default_rulebook().ids) == set(), "add them to DEFAULT_RULES, in their place"
