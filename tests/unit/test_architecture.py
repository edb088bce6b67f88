"""The layers of DESIGN.md, read from the code: every import of every module (top level,
inside functions, under TYPE_CHECKING) points inward, and production has no import cycle.

Layers, innermost first: domain, wording, policy, ports, app, adapters; the package root
(its ``__init__`` and the private ``_moved`` shim) sits over them. ``testing`` may import
anything but tools; ``tools`` (and ``explore`` and ``__main__``, its public faces) anything.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "collabcore"

ALLOWED: dict[str, set[str]] = {
    "domain": {"domain"},
    "wording": {"wording", "domain"},
    "policy": {"policy", "wording", "domain"},
    "ports": {"ports", "policy", "domain"},
    "app": {"app", "ports", "policy", "wording", "domain"},
    "adapters": {"adapters", "ports", "domain"},
    "root": {"root", "app", "adapters", "ports", "policy", "wording", "domain"},
    "testing": {"testing", "root", "app", "adapters", "ports", "policy", "wording", "domain", "tools"},
    "tools": {"tools", "testing", "root", "app", "adapters", "ports", "policy", "wording", "domain"},
}
"""Which layers each layer may import."""

PRODUCTION = {"domain", "wording", "policy", "ports", "app", "adapters", "root"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "root"
    top = parts[1]
    if top in ("explore", "__main__"):
        return "tools"
    if top == "_moved":
        return "root"
    return top


def imports(path: Path, here: str | None = None) -> Iterator[tuple[int, str]]:
    """(line, module) of every collabcore module ``path`` (module ``here``) imports, wherever
    the import is."""
    here = here or module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names = [base]
            # `from collabcore import explore` names a module, not a value.
            folder = PACKAGE.parent / base.replace(".", "/")
            names += [f"{base}.{a.name}" for a in node.names if (folder / f"{a.name}.py").exists()]
        else:
            continue
        for name in names:
            if name == "collabcore" or name.startswith("collabcore."):
                yield node.lineno, name


def sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def outward(path: Path, here: str | None = None) -> list[str]:
    here = here or module_name(path)
    mine = layer(here)
    return [
        f"{here}:{line} imports {target} ({mine} -> {layer(target)})"
        for line, target in imports(path, here)
        if layer(target) not in ALLOWED[mine]
    ]


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_import_points_inward(path: Path) -> None:
    assert outward(path) == []


def test_every_layer_is_a_package_with_a_one_line_docstring() -> None:
    for name in ("domain", "wording", "policy", "app", "adapters", "testing", "tools"):
        init = PACKAGE / name / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc, f"{name}/__init__.py says what the layer is"
        assert "\n" not in doc.split("\n\n")[0], f"{name}: the first paragraph is one line"


def test_production_has_no_import_cycle() -> None:
    graph: dict[str, set[str]] = {}
    for path in sources():
        here = module_name(path)
        if layer(here) in PRODUCTION:
            graph[here] = {t for _, t in imports(path) if t != here and layer(t) in PRODUCTION}
    modules = set(graph)
    for edges in graph.values():
        edges &= modules
    cycles = strongly_connected(graph)
    assert cycles == [], cycles


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of two or more modules that import each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return groups


@pytest.mark.parametrize(
    ("module", "leak"),
    [
        ("collabcore.domain.model", "from collabcore.app.service import CollaborationService"),
        ("collabcore.policy.engine", "from collabcore.adapters import MemoryStore"),
        ("collabcore.app.ending", "from collabcore.testing import World"),
        ("collabcore.adapters.sql", "from collabcore.tools import display"),
        ("collabcore.wording.texts", "import collabcore.policy.planner"),
    ],
)
def test_the_checker_catches_an_import_turned_around(tmp_path: Path, module: str, leak: str) -> None:
    # The check is only as good as its reading: an outward import hidden inside a
    # function of a real module must be caught.
    source = PACKAGE.parent / (module.replace(".", "/") + ".py")
    changed = tmp_path / source.name
    body = source.read_text(encoding="utf-8")
    changed.write_text(f"{body}\n\ndef _leak() -> None:\n    {leak}\n", encoding="utf-8")
    assert outward(source, module) == []
    assert outward(changed, module), "the turned-around import is reported"
