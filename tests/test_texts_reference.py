"""docs/texts.md, the translators' reference of keys and placeholders, must not go stale."""

from pathlib import Path

import pytest

from collabcore.tools.cli import main
from collabcore.tools.texts_reference import TERM_NOTES, own_parameters, texts_reference
from collabcore.wording.catalogs import shipped
from collabcore.wording.texts import TERMS

PAGE = Path(__file__).resolve().parent.parent / "docs" / "texts.md"


def test_texts_page_is_up_to_date() -> None:
    assert PAGE.read_text(encoding="utf-8") == texts_reference(), (
        "run: collabcore texts reference > docs/texts.md"
    )


def test_the_command_prints_the_page(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["texts", "reference"]) == 0
    assert capsys.readouterr().out == texts_reference()


def test_every_key_and_term_is_on_the_page_with_its_placeholders() -> None:
    page = texts_reference()
    assert set(TERM_NOTES) == set(TERMS), "every term is told to translators"
    for term in TERMS:
        assert f"| `{{{term}}}` | {TERM_NOTES[term]} |" in page
    for key, english in shipped("en").entries.items():
        (row,) = [line for line in page.splitlines() if line.startswith(f"| `{key}` |")]
        for name in own_parameters(english):
            assert f"`{{{name}}}`" in row.rsplit("|", 2)[1], (key, name)
    assert own_parameters("Go to {portal} for {customer_number}, {user}.") == ("customer_number", "user")
