"""``bench/run.py --quick`` is a smoke check: its figures never replace what a full run
publishes (bench/results.json and docs/performance.md, both tracked)."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture
def bench(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """bench/run.py with its root in ``tmp_path`` and nothing measured: what each run writes
    where, in seconds."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    for name in ("floors", "report"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    spec = importlib.util.spec_from_file_location("bench_run_under_test", REPOSITORY / "bench" / "run.py")
    assert spec is not None and spec.loader is not None
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    monkeypatch.setattr(run, "ROOT", tmp_path)
    for name in dir(run):
        if name.startswith("bench_"):
            monkeypatch.setattr(run, name, lambda *args: None)
    (tmp_path / "bench").mkdir()
    (tmp_path / "docs").mkdir()
    yield run
    for name in ("floors", "report"):
        sys.modules.pop(name, None)


def published(root: Path) -> dict[str, str]:
    return {
        name: (root / name).read_text(encoding="utf-8")
        for name in ("bench/results.json", "docs/performance.md")
        if (root / name).exists()
    }


def test_a_quick_run_leaves_the_published_figures_alone(bench: Any, tmp_path: Path) -> None:
    (tmp_path / "bench" / "results.json").write_text('{"published": true}\n', encoding="utf-8")
    (tmp_path / "docs" / "performance.md").write_text("# Performance (published)\n", encoding="utf-8")
    before = published(tmp_path)
    bench.main(["--quick"])
    assert published(tmp_path) == before
    quick = json.loads((tmp_path / "bench" / "quick.json").read_text(encoding="utf-8"))
    assert quick["quick"] is True
    assert "--quick run" in (tmp_path / "bench" / "quick.md").read_text(encoding="utf-8")
    # Even when asked to, and when the page is rewritten from a quick run's figures.
    for target in ("bench/results.json", "docs/performance.md"):
        with pytest.raises(SystemExit, match="does not write"):
            bench.main(["--quick", "--out", str(tmp_path / target)])
    bench.main(["--page-only", "--out", str(tmp_path / "bench" / "quick.json")])
    assert published(tmp_path) == before


def test_a_full_run_publishes(bench: Any, tmp_path: Path) -> None:
    bench.main([])
    figures = json.loads((tmp_path / "bench" / "results.json").read_text(encoding="utf-8"))
    assert figures["quick"] is False
    assert (tmp_path / "docs" / "performance.md").exists()
    assert not (tmp_path / "bench" / "quick.json").exists()


def test_git_ignores_what_a_quick_run_writes() -> None:
    ignored = (REPOSITORY / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert {"/bench/quick.json", "/bench/quick.md"} <= set(ignored)
