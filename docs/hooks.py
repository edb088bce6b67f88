"""mkdocs hooks for the API reference in docs/reference/ (named in mkdocs.yml, not a page).

- A line ``<!-- reference: collabcore.domain -->`` on a page becomes the mkdocstrings block
  for the names that module exports (its ``__all__``) beyond the root package, whose page
  documents those already. So each name has one entry, and a name added to a layer's
  ``__all__`` appears without editing the page.
- Sphinx roles in docstrings (``:class:`Plan```, ``:meth:`~collabcore.testing.World.office```),
  which Markdown would show as ``:class:`` before the code, become the code alone, linked to
  the name's entry where the reference has one (a name without a dot is looked up in the root
  package; one that has no entry stays plain code, without a warning).
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parent.parent / "src"
ROOT = "collabcore"
MARKER = re.compile(r"^<!-- reference: (?P<module>[\w.]+) -->$", re.MULTILINE)
ROLE = re.compile(
    r":(?:class|meth|func|mod|attr|exc|data|obj|const):<code>(?P<tilde>~?)(?P<name>[\w.]+)</code>"
)


def _exports(module: str) -> list[str]:
    if str(SRC) not in sys.path:
        sys.path.insert(0, str(SRC))
    return list(importlib.import_module(module).__all__)


def _block(match: re.Match[str]) -> str:
    module = match["module"]
    documented = set(_exports(ROOT)) if module != ROOT else set()
    names = [name for name in _exports(module) if name not in documented]
    if not names:
        return f"Everything `{module}` exports is documented under [{ROOT}]({ROOT}.md)."
    members = "".join(f"        - {name}\n" for name in names)
    return f"::: {module}\n    options:\n      members:\n{members}"


def _role(match: re.Match[str]) -> str:
    name = match["name"]
    shown = name.rsplit(".", 1)[-1] if match["tilde"] else name
    identifier = name if name.split(".", 1)[0] == ROOT else f"{ROOT}.{name}"
    return f'<autoref identifier="{identifier}" optional><code>{shown}</code></autoref>'


def on_page_markdown(markdown: str, **_: Any) -> str:
    return MARKER.sub(_block, markdown)


def on_page_content(html: str, **_: Any) -> str:
    return ROLE.sub(_role, html)
