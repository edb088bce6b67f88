"""The pytest option that names a host's store maker, read by the plugin (to collect the
store contract) and by the contract suite (to make the stores)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import pytest

from collabcore.ports import Store

STORE_OPTION = "collabcore_store"


def store_factory(config: pytest.Config) -> Callable[[Path], Store] | None:
    """The host's store maker named by ``--collabcore-store`` or the ini option, if any."""
    spec = config.getoption(STORE_OPTION) or config.getini(STORE_OPTION)
    if not spec:
        return None
    module_name, _, name = str(spec).partition(":")
    try:
        found = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise pytest.UsageError(
            f"collabcore_store = {spec}: cannot load it ({exc}); write module:function."
        ) from None
    if not callable(found):
        raise pytest.UsageError(f"collabcore_store = {spec} is not a function.")
    maker: Callable[[Path], Store] = found
    return maker
