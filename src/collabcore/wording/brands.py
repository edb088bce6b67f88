"""The two brands of the seeds: Visma Advisor and Spiris, their terms and product names.

Terms follow the table in DESIGN.md, which comes from the vendors' public help pages;
they are read from ``catalogs/<brand>-<language>.po``.
"""

from __future__ import annotations

from collabcore.wording.texts import Brand
from collabcore.wording.words import default_texts

VISMA: Brand = default_texts().brands["visma"]
"""Visma Advisor (key ``visma``): Visma's terms and product names."""
SPIRIS: Brand = default_texts().brands["spiris"]
"""Spiris (key ``spiris``): Spiris' terms and product names."""
