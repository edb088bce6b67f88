"""Brands, the localizer and the default words: every sentence a person reads, in each brand and language."""

from __future__ import annotations

from collabcore.wording.brands import SPIRIS, VISMA
from collabcore.wording.texts import TERMS, Brand, Localizer, Template, Texts
from collabcore.wording.words import ENGLISH, SWEDISH, default_texts

__all__ = [
    "ENGLISH",
    "SPIRIS",
    "SWEDISH",
    "TERMS",
    "VISMA",
    "Brand",
    "Localizer",
    "Template",
    "Texts",
    "default_texts",
]
