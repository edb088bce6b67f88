"""Every ```python block in README.md and docs/*.md runs, in order, one namespace per file.

A block fenced as ```python no-run is shown to readers but not run (it needs
things a reader supplies, such as their own adapter).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_code_runs(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    blocks = BLOCK.findall(page.read_text(encoding="utf-8"))
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for number, code in enumerate(blocks, start=1):
        exec(compile(code, f"{page.name} block {number}", "exec"), namespace)


def test_getting_started_runs_twice_on_the_same_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A reader runs the page again on the collab.db it made: registering is idempotent.
    monkeypatch.chdir(tmp_path)
    page = ROOT / "docs" / "getting-started.md"
    for _ in range(2):
        namespace: dict[str, object] = {"__name__": "docs_getting_started"}
        for number, code in enumerate(BLOCK.findall(page.read_text(encoding="utf-8")), start=1):
            exec(compile(code, f"{page.name} block {number}", "exec"), namespace)
    assert (tmp_path / "collab.db").exists()
