"""Every public name has a docstring, so that the generated reference (docs/reference/) says
what it is.

Public means: each name in ``__all__`` of ``collabcore``, ``collabcore.testing`` and
``collabcore.explore``, the public methods and properties of those classes (inherited ones
included, as a reader meets them), and every Protocol in ``collabcore.ports`` with each of
its methods. A field of a public attrs class whose type admits None must say when it is
None. Dunder names and the contract classes' ``test_*`` methods are left out.

The docstrings are read as the reference reads them: statically, by griffe (which
mkdocstrings uses), so that attribute docstrings (the string after a field) count.
"""

from __future__ import annotations

import importlib
import types
import typing
from functools import cache
from pathlib import Path
from typing import Any

import attrs
import griffe
import pytest

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_MODULES = ("collabcore", "collabcore.testing", "collabcore.explore")
PORTS = "collabcore.ports"


@cache
def _package() -> griffe.Module:
    loader = griffe.GriffeLoader(search_paths=[str(ROOT / "src")])
    package = loader.load("collabcore")
    assert isinstance(package, griffe.Module)
    loader.resolve_aliases(implicit=False, external=None)
    return package


def _griffe_object(path: str) -> griffe.Object:
    found: griffe.Object | griffe.Alias = _package()
    for part in path.split(".")[1:]:
        found = found.members[part]
    return _target(found)


def _target(found: griffe.Object | griffe.Alias) -> griffe.Object:
    return found.final_target if isinstance(found, griffe.Alias) else found


def _documented(found: griffe.Object) -> bool:
    return found.docstring is not None and found.docstring.value.strip() != ""


def _runtime(found: griffe.Object) -> Any:
    module = importlib.import_module(found.module.path)
    value: Any = module
    for part in found.path[len(found.module.path) + 1 :].split("."):
        value = getattr(value, part)
    return value


def _admits_none(annotation: Any) -> bool:
    if annotation is None or annotation is type(None) or annotation is Any or annotation is object:
        return True
    if typing.get_origin(annotation) is typing.Annotated:
        return _admits_none(typing.get_args(annotation)[0])
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return any(_admits_none(arg) for arg in typing.get_args(annotation))
    return False


def _field_types(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls)
    except (NameError, TypeError):  # a name imported for type checking only: read the text instead
        return {}


def _class_gaps(cls: griffe.Object, shown_as: str, *, contract: bool) -> list[str]:
    gaps = []
    for name, member in cls.all_members.items():
        if name.startswith("_") or (contract and name.startswith("test_")):
            continue
        found = _target(member)
        if (found.is_function or "property" in found.labels) and not _documented(found):
            gaps.append(f"{shown_as}.{name}")
    runtime = _runtime(cls)
    if isinstance(runtime, type) and attrs.has(runtime):
        hints = _field_types(runtime)
        for field in attrs.fields(runtime):
            if field.name.startswith("_") or field.name not in cls.all_members:
                continue
            found = _target(cls.all_members[field.name])
            annotation = hints.get(field.name, field.type)
            if isinstance(annotation, str):
                admits = any(word in annotation for word in ("None", "Optional", "Any", "object"))
            else:
                admits = _admits_none(annotation)
            if admits and not (found.docstring and "None" in found.docstring.value):
                gaps.append(f"{shown_as}.{field.name} (admits None: say when it is None)")
    return gaps


def _undocumented() -> list[str]:
    gaps: list[str] = []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if name.startswith("__"):
                continue
            found = _griffe_object(f"{module_name}.{name}")
            shown_as = f"{module_name}.{name}"
            if not _documented(found):
                gaps.append(shown_as)
            if found.is_class:
                contract = module_name == "collabcore.testing" and name.endswith("Contract")
                gaps.extend(_class_gaps(found, shown_as, contract=contract))
    ports = _griffe_object(PORTS)
    for name, member in ports.members.items():
        if isinstance(member, griffe.Alias) or not member.is_class or name.startswith("_"):
            continue
        if not _documented(member):
            gaps.append(f"{PORTS}.{name}")
        for method_name, method in member.members.items():
            if method.is_function and not method_name.startswith("__") and not _documented(_target(method)):
                gaps.append(f"{PORTS}.{name}.{method_name}")
    return gaps


def test_the_public_modules_are_found() -> None:
    # Guards the test itself: an empty walk would pass with nothing checked.
    assert "CollaborationService" in importlib.import_module("collabcore").__all__
    assert _griffe_object("collabcore.ports.AccessPort").is_class
    assert _griffe_object("collabcore.Plan").is_class


def test_every_public_name_has_a_docstring() -> None:
    gaps = _undocumented()
    if gaps:
        pytest.fail(f"{len(gaps)} public names without a docstring:\n  " + "\n  ".join(gaps))


def test_a_field_that_may_be_none_says_when() -> None:
    # The check of the test above, on one field the issue named.
    found = _griffe_object("collabcore.Plan").all_members["consequences"]
    docstring = _target(found).docstring
    assert docstring is not None and "None" in docstring.value
