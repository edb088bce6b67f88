"""The package root: a curated surface, PostgreSQL on demand, and 0.1's paths still answering."""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import collabcore as cc
from collabcore import _moved


def test_every_public_name_resolves_and_none_is_a_test_helper() -> None:
    for name in cc.__all__:
        value = getattr(cc, name)
        module = getattr(value, "__module__", "") or ""
        assert not module.startswith(("collabcore.testing", "collabcore.tools")), name
    assert len(cc.__all__) <= 60, "the root stays a curated surface"


def test_importing_collabcore_leaves_psycopg_and_the_helpers_alone() -> None:
    code = (
        "import sys, collabcore; "
        "print(sorted(m for m in sys.modules if m == 'psycopg' or m.startswith(('collabcore.testing', "
        "'collabcore.tools', 'collabcore.adapters.postgres'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_postgres_store_is_importable_from_the_root_on_demand() -> None:
    from collabcore.adapters.postgres import PostgresStore

    assert cc.PostgresStore is PostgresStore


@pytest.mark.parametrize("old", sorted(_moved.MOVED_MODULES))
def test_an_old_module_path_answers_with_a_deprecation_warning(old: str) -> None:
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=old.replace(".", r"\.") + " moved to"):
        module = importlib.import_module(old)
    first_home = importlib.import_module(_moved.MOVED_MODULES[old][0])
    public = [n for n in dir(first_home) if not n.startswith("_")]
    assert public and all(getattr(module, n) is getattr(first_home, n) for n in public)


def test_old_paths_keep_their_names() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from collabcore.errors import EndRefused, NotFound  # type: ignore[import-not-found]
        from collabcore.products import BOOKKEEPING  # type: ignore[import-not-found]
        from collabcore.rules import Finding, Severity  # type: ignore[import-not-found]
        from collabcore.world import World  # type: ignore[import-not-found]
    assert (EndRefused, NotFound, BOOKKEEPING, Finding, Severity) == (
        cc.EndRefused,
        cc.NotFound,
        cc.BOOKKEEPING,
        cc.Finding,
        cc.Severity,
    )
    from collabcore.testing import World as NewWorld

    assert World is NewWorld


def test_a_name_that_is_gone_says_where_to_look() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        products = importlib.import_module("collabcore.products")
    with pytest.raises(AttributeError, match="CHANGELOG"):
        _ = products.FactSource


@pytest.mark.parametrize("name", sorted(_moved.MOVED_NAMES))
def test_an_old_root_name_answers_from_its_new_home_with_a_warning(name: str) -> None:
    home = importlib.import_module(_moved.MOVED_NAMES[name])
    with pytest.warns(DeprecationWarning, match=f"collabcore.{name} moved to"):
        value = getattr(cc, name)
    assert value is getattr(home, name)


def test_an_unknown_root_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        _ = cc.NoSuchThing  # type: ignore[attr-defined]


def test_the_demo_and_exploring_need_no_test_extras(tmp_path: Path) -> None:
    # README's first command installs collabcore without [test]: pytest and hypothesis are
    # absent there, so they are made unimportable here.
    code = (
        "import sys; sys.modules['pytest'] = None; sys.modules['hypothesis'] = None\n"
        "from collabcore.tools.cli import main\n"
        f"assert main(['demo', '--db', {str(tmp_path / 'demo.db')!r}]) == 0\n"
        "from collabcore import explore\n"
        "from collabcore.testing import FakeIntegrations, World\n"
        "assert not explore.scenario(main_contact=False).plan('delete').allowed\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "collabcore demo" in done.stdout
