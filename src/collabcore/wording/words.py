"""The default words: Visma Advisor and Spiris, in English and Swedish.

They are read from the gettext catalogs shipped beside this module
(``catalogs/en.po``, ``catalogs/sv.po`` for the sentences, ``catalogs/<brand>-<language>.po``
for each brand's terms and product names). Terms follow the table in DESIGN.md,
which comes from the vendors' public help pages. Sentences are written once per
language and filled in with each brand's terms, so the two brands never drift
apart in meaning.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from collabcore.wording.catalogs import shipped
from collabcore.wording.texts import Template, Texts

LANGUAGES: tuple[str, ...] = ("en", "sv")
BRANDS: tuple[str, ...] = ("visma", "spiris")


@cache
def default_texts() -> Texts:
    """The shipped words, read once per process (a :class:`Texts` never changes)."""
    texts = Texts(templates={}, brands={})
    for language in LANGUAGES:
        texts = texts.with_catalog(shipped(language))
    for brand in BRANDS:
        for language in LANGUAGES:
            texts = texts.with_catalog(shipped(f"{brand}-{language}"))
    return texts


ENGLISH: Mapping[str, Template] = default_texts().templates["en"]
SWEDISH: Mapping[str, Template] = default_texts().templates["sv"]
