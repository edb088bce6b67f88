"""Exploring the rules: scenarios in one call, decision tables, rulebook diffs, plans as text
and HTML (the public face of :mod:`collabcore.tools.explore`)."""

from __future__ import annotations

from collabcore.tools.explore import *  # noqa: F403
from collabcore.tools.explore import __all__ as __all__
