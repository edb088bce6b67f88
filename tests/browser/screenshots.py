"""Regenerate the screenshots of docs/reference-host.md (docs/img/*.png): run the browser tests
that take them, with ``COLLABCORE_SCREENSHOTS`` pointing at docs/img.

    .venv/bin/python tests/browser/screenshots.py

Needs what the browser tests need (Chromium, and the ``test`` extra); PostgreSQL is not used.
The tests still check every page as they pass it, so a picture is only written of a page that
is right. Extra arguments go to pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "docs" / "img"
TESTS = ["tests/browser/test_story.py", "tests/browser/test_relay.py"]


def main(argv: list[str]) -> int:
    environment = {**os.environ, "COLLABCORE_SCREENSHOTS": str(IMAGES)}
    # The walks on SQLite are the ones that take pictures; PostgreSQL's add nothing here.
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not postgres", *TESTS]
    done = subprocess.run([*command, *argv], cwd=ROOT, env=environment, check=False)
    if done.returncode == 0:
        pictures = sorted(IMAGES.glob("*.png"))
        print(f"{len(pictures)} screenshots in {IMAGES.relative_to(ROOT)}:")
        for picture in pictures:
            print(f"  {picture.name} ({picture.stat().st_size // 1024} KiB)")
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
