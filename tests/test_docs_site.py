"""The documentation site (mkdocs.yml: docs/ and the API reference in docs/reference/) builds
with warnings as errors, as CI builds it, and the links it cannot check itself hold."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
LINK = re.compile(r"\]\((?P<target>[^)\s#]+)(?:#[^)\s]*)?\)")


@pytest.mark.slow
def test_the_site_builds_with_warnings_as_errors(tmp_path: Path) -> None:
    # A docstring that renders badly, a broken link between pages or to an entry of the
    # reference, or a page left out of the nav is a warning, and so a failure here.
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    reference = (tmp_path / "site" / "reference" / "collabcore" / "index.html").read_text(encoding="utf-8")
    assert 'id="collabcore.Plan.consequences"' in reference
    assert ":class:" not in reference, "docs/hooks.py turns Sphinx roles into code"


def test_links_to_files_beside_the_docs_exist() -> None:
    # mkdocs leaves links out of docs/ unchecked (they are not on the site): check them here.
    broken = []
    for page in sorted(DOCS.rglob("*.md")):
        for match in LINK.finditer(page.read_text(encoding="utf-8")):
            target = match["target"]
            if "://" in target or target.startswith("mailto:"):
                continue
            resolved = (page.parent / target).resolve()
            if not resolved.is_relative_to(DOCS) and not resolved.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert not broken, "links to files that do not exist:\n  " + "\n  ".join(broken)
