"""The words live in gettext catalogs: unchanged word for word, readable by the standard
tools, extensible by a host's own file, and checked by ``collabcore texts check``."""

from __future__ import annotations

import gettext
import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import HostModule
from hypothesis import given
from hypothesis import strategies as st

import collabcore as cc
from collabcore.domain.errors import ConfigurationError, InvalidInput
from collabcore.testing import World
from collabcore.tools.catalog_check import check_catalog
from collabcore.tools.cli import main
from collabcore.wording.catalogs import Catalog, read_catalog, shipped, write_mo, write_po
from collabcore.wording.words import default_texts

CATALOGS = Path(cc.__file__).parent / "wording" / "catalogs"
SNAPSHOT = Path(__file__).parents[1] / "data" / "texts-0.2.json"


def resolved() -> dict[str, Any]:
    texts = default_texts()
    out: dict[str, Any] = {}
    for key, brand in texts.brands.items():
        for language in brand.languages:
            table = {**texts.templates.get(language, {}), **brand.overrides.get(language, {})}
            out[f"{key}.{language}"] = {
                "terms": dict(brand.terms[language]),
                "products": dict(brand.products.get(language, {})),
                "texts": {k: list(v) if isinstance(v, tuple) else v for k, v in table.items()},
            }
    return out


class _Kept(dict[str, str]):
    """A brand's terms for rendering a template; any other {placeholder} stays as it is."""

    def __missing__(self, name: str) -> str:
        return "{" + name + "}"


def rendered(terms: dict[str, str], template: str | list[str]) -> str | list[str]:
    """A snapshot's template with the brand's terms filled in (steps one by one)."""
    if isinstance(template, list):
        return [str(rendered(terms, step)) for step in template]
    return template.format_map(_Kept(terms))


# Issue 23: each brand reads in its own vocabulary. Where a 0.2 text hard-coded Visma's
# "service"/"tjänst" it now uses the brand's term (or a brand's own sentence), so Visma reads
# exactly as it did and Spiris reads "solution"/"funktion"; these are the new words per brand
# (a pair not named renders as it did in 0.2). problem.outcome_not_offered.detail began with
# {the_service}, a small letter: it is reworded to begin with a capital in every pair.
BRAND_WORDS: dict[str, dict[str, str | list[str]]] = {
    "R16.unknown.remedy": {
        "spiris.en": [
            "Check in {product} by hand for linked collaborations, such as a financial overview "
            "or a scanner solution, and end them first.",
            "Then acknowledge the finding to go ahead.",
        ],
        "spiris.sv": [
            "Kontrollera själv i {product} om det finns kopplade samarbeten, till exempel en "
            "ekonomisk översikt eller en skannerfunktion, och avsluta dem först.",
            "Bekräfta sedan iakttagelsen för att gå vidare.",
        ],
    },
    "effect.revoke_linked_services": {
        "spiris.en": "End the access of the linked solutions to {product}.",
        "spiris.sv": "Avsluta de kopplade funktionernas åtkomst till {product}.",
    },
    "rule.R8": {"spiris.sv": "Lön: kunden är användare i lönefunktionen"},
    "problem.outcome_not_offered.detail": {
        "visma.en": "That outcome is not offered for the service.",
        "visma.sv": "Det utfallet erbjuds inte för tjänsten.",
        "spiris.en": "That outcome is not offered for the solution.",
        "spiris.sv": "Det utfallet erbjuds inte för funktionen.",
    },
}


def test_the_shipped_words_are_those_of_version_0_2_word_for_word() -> None:
    # The snapshot was taken from the Python tables before they moved into catalogs.
    # Words added since are allowed; none of the old ones may change or vanish.
    before = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    now = resolved()
    assert set(now) == set(before) == {"visma.en", "visma.sv", "spiris.en", "spiris.sv"}
    for pair, old in before.items():
        assert now[pair]["terms"] == old["terms"], pair
        assert now[pair]["products"] == old["products"], pair
        changed = {
            k: (v, now[pair]["texts"].get(k))
            for k, v in old["texts"].items()
            if now[pair]["texts"].get(k) != v
        }
        # 0.3 tells why a fact is unknown: the old sentence, then the reason, nothing else.
        told_why = {k for k, (old_text, new_text) in changed.items() if k.endswith(".unknown")}
        for key in told_why:
            old_text, new_text = changed.pop(key)
            assert new_text == old_text[:-1] + ": {reason}.", (pair, key)
        terms = now[pair]["terms"]
        for key in BRAND_WORDS.keys() & changed.keys():
            old_text, new_text = changed.pop(key)
            expected = BRAND_WORDS[key].get(pair, rendered(terms, old_text))
            assert rendered(terms, new_text) == expected, (pair, key)
        assert changed == {}, pair


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
@pytest.mark.parametrize("path", sorted(CATALOGS.glob("*.po")), ids=lambda p: p.name)
def test_gnu_msgfmt_accepts_every_shipped_catalog(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.mo"
    result = subprocess.run(["msgfmt", "--check", "-o", str(out), str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    # ... and what msgfmt compiles reads back as the .po itself.
    assert read_catalog(out).entries == read_catalog(path).entries


@pytest.mark.parametrize("name", ["en", "sv", "visma-en", "visma-sv", "spiris-en", "spiris-sv"])
def test_the_standard_library_reads_our_mo_files_as_we_do(name: str) -> None:
    catalog = shipped(name)
    buffer = io.BytesIO()
    write_mo(catalog, buffer)
    translations = gettext.GNUTranslations(io.BytesIO(buffer.getvalue()))
    assert translations.info()["language"] == catalog.language
    for key, value in catalog.entries.items():
        assert translations.gettext(key) == value
    assert read_catalog(buffer.getvalue()) == Catalog(
        catalog.language, catalog.entries, catalog.brand, "<bytes>"
    )


keys = st.text(min_size=1, max_size=30).filter(lambda k: "\x00" not in k and "\x04" not in k)
values = st.text(min_size=1, max_size=80).filter(lambda v: "\x00" not in v)


@given(st.dictionaries(keys, values, max_size=8), st.sampled_from([None, "visma", "acme"]))
def test_po_and_mo_round_trip_any_text(entries: dict[str, str], brand: str | None) -> None:
    catalog = Catalog("nb", entries, brand, "<bytes>")
    po, mo = io.StringIO(), io.BytesIO()
    write_po(catalog, po)
    write_mo(catalog, mo)
    assert read_catalog(po.getvalue().encode("utf-8")).entries == entries
    assert read_catalog(mo.getvalue()).entries == entries
    assert read_catalog(mo.getvalue()).brand == brand


def norwegian(tmp_path: Path) -> tuple[Path, Path]:
    """A host's Norwegian: every sentence (here the English one marked), and Visma's terms."""
    sentences = Catalog("nb", {k: f"[nb] {v}" for k, v in shipped("en").entries.items()})
    terms = Catalog("nb", {**shipped("visma-en").entries, "term.brand": "Visma Rådgiver"}, "visma")
    paths = tmp_path / "nb.po", tmp_path / "visma-nb.po"
    for path, catalog in zip(paths, (sentences, terms), strict=True):
        with path.open("w", encoding="utf-8") as out:
            write_po(catalog, out)
    return paths


def test_a_host_adds_a_language_with_catalog_files(tmp_path: Path) -> None:
    sentences, terms = norwegian(tmp_path)
    texts = default_texts().with_catalog(sentences).with_catalog(terms)
    world = World(brand="visma", language="nb", texts=texts)
    world.office()
    world.customer(main_contact=False)
    collaboration = world.collaboration(cc.EXPENSES)
    plan = world.service.plan_end(collaboration.id, actor=world.office_admin(), outcome=cc.Outcome.DELETE)
    assert plan.blockers[0].message.startswith("[nb] The main contact is missing")
    assert plan.blockers[0].remedy[0].startswith("[nb] Go to Mina tjänster")
    # The shipped languages are untouched by the host's.
    assert texts.localizer("visma", "en").text("party.office") == "the accounting office"


def test_a_host_adds_a_brand_with_one_catalog(tmp_path: Path) -> None:
    terms = {**shipped("spiris-en").entries, "term.brand": "Acme Office", "term.portal": "Acme"}
    path = tmp_path / "acme-en.po"
    with path.open("w", encoding="utf-8") as out:
        write_po(Catalog("en", {**terms, "R3": "Acme needs a main contact."}, "acme"), out)
    texts = default_texts().with_catalog(path)
    localizer = texts.localizer("acme", "en")
    assert localizer.text("R3") == "Acme needs a main contact."
    assert (
        localizer.steps("R3.remedy")[0]
        == "Go to Acme, switch to the customer's company and select Manage users."
    )
    assert check_catalog(read_catalog(path)).ok


def test_texts_check_reports_missing_unknown_and_unused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = dict(shipped("sv").entries)
    del entries["R3"]
    entries["R9"] = entries["R9"] + " {salary}"
    entries["R99.extra"] = "Något som ingen regel säger."
    entries["R11.remedy"] = "{oops"
    path = tmp_path / "sv-draft.po"
    with path.open("w", encoding="utf-8") as out:
        write_po(Catalog("sv", entries), out)
    report = check_catalog(read_catalog(path))
    assert report.missing == ("R3",)
    assert report.unknown_placeholders == (("R9", "salary"), ("R11.remedy", "{"))
    assert report.unused == ("R99.extra",)
    assert not report.ok
    assert main(["texts", "check", str(path)]) == 1
    printed = capsys.readouterr().out
    assert "  missing: R3\n" in printed and "unknown placeholder {salary} in R9\n" in printed
    assert main(["texts", "check", "--json", str(CATALOGS / "sv.po")]) == 0
    assert json.loads(capsys.readouterr().out)["reports"][0]["missing"] == []


def test_texts_check_knows_a_hosts_rulebook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # examples/custom_rule.py's R24 brings its own keys; with its rulebook they are used.
    entries = {**shipped("en").entries, "R24.message": "Open invoices: {count}."}
    path = tmp_path / "en.po"
    with path.open("w", encoding="utf-8") as out:
        write_po(Catalog("en", entries), out)
    assert check_catalog(read_catalog(path)).unused == ("R24.message",)
    assert main(["texts", "check", str(path), "--rulebook", "collabcore.policy.rules:nothing"]) == 2
    assert "Cannot load --rulebook" in capsys.readouterr().err


def test_a_brand_catalog_must_give_every_term_and_product(tmp_path: Path) -> None:
    entries = dict(shipped("visma-sv").entries)
    del entries["term.main_contact"], entries["product.payroll"]
    report = check_catalog(Catalog("sv", {**entries, "term.colour": "blå"}, "visma"))
    # Every term and product name the catalog lacks is listed, and nothing it gives.
    assert {"term.main_contact", "product.payroll"} <= set(report.missing)
    assert not set(report.missing) & set(entries)
    assert all(k.startswith(("term.", "product.")) for k in report.missing)
    assert report.unused == ("term.colour",)


@pytest.mark.parametrize(
    ("content", "error", "says"),
    [
        (b'msgid "a"\nmsgstr "b"\n', ConfigurationError, "has no header"),
        (b'msgid ""\nmsgstr "Content-Type: text/plain\\n"\n', ConfigurationError, "names no language"),
        (
            b'msgid ""\nmsgstr "Language: sv\\n"\nmsgid "a"\nmsgstr "\\q"\n',
            ConfigurationError,
            "unknown escape",
        ),
        (
            b'msgid ""\nmsgstr "Language: sv\\n"\nmsgid "a"\nmsgid_plural "as"\nmsgstr[0] "b"\n',
            ConfigurationError,
            "plural",
        ),
        (
            b'msgid ""\nmsgstr "Language: sv\\n"\nmsgctxt "x"\nmsgid "a"\nmsgstr "b"\n',
            ConfigurationError,
            "msgctxt",
        ),
        (
            b'msgid ""\nmsgstr "Language: sv\\n"\nmsgid "a"\nmsgstr "b"\nmsgid "a"\nmsgstr "c"\n',
            ConfigurationError,
            "given twice",
        ),
        (
            b'msgid ""\nmsgstr "Language: sv\\n"\nmsgid "a"\nmsgstr ""\nmsgid "a"\nmsgstr "c"\n',
            ConfigurationError,
            "given twice",
        ),
        (b'msgid ""\nmsgstr "Language: sv\\n"\nmsgid "a\nmsgstr "b"\n', ConfigurationError, "quoted string"),
        (b'msgid ""\nmsgstr "Language: sv\\n"\nfoo "a"\n', ConfigurationError, "unknown keyword"),
        (
            b'msgid ""\nmsgstr "Language: sv\\n"\nmsgid "a"\nmsgid "b"\nmsgstr "c"\n',
            ConfigurationError,
            "without its msgstr",
        ),
        (b"\xff\xfe\x00junk", InvalidInput, "neither a .mo file nor UTF-8"),
        (b"\xde\x12\x04\x95\x00\x00\x00\x00\xff\xff\xff\x00", ConfigurationError, "not a readable .mo"),
    ],
)
def test_a_broken_catalog_is_refused_with_the_line_and_the_fix(
    content: bytes, error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match=says):
        read_catalog(content)


@given(
    st.binary(max_size=200)
    | st.text(max_size=200).map(lambda t: ('msgid ""\nmsgstr "Language: sv\\n"\n' + t).encode())
)
def test_any_bytes_are_a_catalog_or_a_typed_error(content: bytes) -> None:
    try:
        catalog = read_catalog(content)
    except (ConfigurationError, InvalidInput) as exc:
        assert str(exc)
    else:
        assert catalog.language


def test_terms_without_a_brand_are_refused_and_change_nothing() -> None:
    texts = default_texts()
    with pytest.raises(ConfigurationError, match="names no brand"):
        texts.with_catalog(Catalog("sv", {"term.brand": "X"}, None, "x.po"))
    with pytest.raises(InvalidInput, match="Cannot read the catalog"):
        texts.with_catalog("no-such-file.po")


def test_a_fuzzy_entry_is_not_used_until_reviewed() -> None:
    po = b'msgid ""\nmsgstr "Language: sv\\n"\n\n#, fuzzy\nmsgid "R3"\nmsgstr "Kanske?"\n'
    catalog = read_catalog(po)
    assert "R3" not in catalog.entries and catalog.fuzzy == {"R3"}
    assert "R3" in check_catalog(catalog).missing


def test_a_translator_starts_from_a_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["texts", "template", "nb"]) == 0
    path = tmp_path / "nb.po"
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    untranslated = read_catalog(path)
    assert untranslated.entries == {} and untranslated.language == "nb"
    assert set(check_catalog(untranslated).missing) >= set(shipped("en").entries)
    assert check_catalog(untranslated).ok, "untranslated, it loads: every text falls back on English"
    # The translator's notes hold the English; "translating" by copying them fills every key,
    # and the check tells that copy from a translation.
    filled = {key: note.removeprefix("en: ") for key, note in untranslated.notes.items()}
    copy = check_catalog(Catalog("nb", filled))
    assert copy.ok and copy.translated == 0 and set(copy.copied) == set(shipped("en").entries)
    assert main(["texts", "template", "nb", "--brand", "spiris"]) == 0
    terms = read_catalog(capsys.readouterr().out.encode("utf-8"))
    assert terms.brand == "spiris" and set(terms.notes) == set(shipped("spiris-en").entries)
    assert main(["texts", "template", "nb", "--brand", "acme"]) == 2
    assert "No shipped catalog acme-en" in capsys.readouterr().err
    assert main(["texts", "template", "nb", "--brand", "../../catalogs/en"]) == 2, (
        "no path out of the package"
    )
    with pytest.raises(InvalidInput):
        shipped("../en")


def write(path: Path, catalog: Catalog) -> Path:
    with path.open("w", encoding="utf-8") as out:
        write_po(catalog, out)
    return path


def test_a_partial_catalog_is_usable_and_its_coverage_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    english = shipped("en").entries
    entries = {"R3": "Hovedkontakt mangler for kundenummer {customer_number}.", "R5": english["R5"]}
    path = write(tmp_path / "nb.po", Catalog("nb", entries))
    report = check_catalog(read_catalog(path))
    assert report.ok, "what it lacks falls back on English"
    assert (report.translated, report.copied) == (1, ("R5",)), "R5 is English word for word: a copy"
    assert len(report.missing) == report.total - 2 and "R11" in report.missing
    assert main(["texts", "check", str(path)]) == 0
    printed = capsys.readouterr().out
    assert (
        f"1 of {report.total} translated, {report.total - 2} missing (falls back on en), 1 copied" in printed
    )
    assert main(["texts", "check", "--json", str(path)]) == 0
    (data,) = json.loads(capsys.readouterr().out)["reports"]
    assert data["ok"] is True and data["copied"] == ["R5"]
    assert data["coverage"] == {
        "total": report.total,
        "translated": 1,
        "fallen_back": report.total - 2,
        "copied": 1,
        "fallback": ["en"],
    }
    # Measured against another chain, R5 is no copy: Swedish words it otherwise.
    assert check_catalog(read_catalog(path), fallback=("sv", "en")).copied == ()


def test_a_brand_catalogs_copied_names_are_counted(tmp_path: Path) -> None:
    entries = {"term.brand": "Visma Rådgiver", "product.payroll": "Visma Lön"}
    report = check_catalog(Catalog("nb", entries, "visma"))
    assert report.ok and report.translated == 1 and report.copied == ("product.payroll",)
    assert "term.portal" in report.missing, "a term falls back on the brand's English"
    acme = check_catalog(Catalog("nb", {"term.brand": "Acme"}, "acme"))
    assert not acme.ok and "term.portal" in acme.unresolved, "no language of the chain has acme's"


def test_texts_check_fails_for_bad_keys_and_unreadable_files_and_checks_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(
        tmp_path / "nb.po",
        Catalog("nb", {"term.brand": "X", "R3 ": "Y", "R5": "{oops", "acme:vip.remedy": "Z"}),
    )
    headless = tmp_path / "visma-nb.po"
    headless.write_text('msgid ""\nmsgstr "X-Collabcore-Brand: visma\\n"\n', encoding="utf-8")
    good = write(tmp_path / "sv.po", Catalog("sv", {"R3": "Huvudkontakt saknas."}))
    report = check_catalog(read_catalog(bad))
    assert report.bad_keys == ("term.brand", "R3 ") and report.unknown_placeholders == (("R5", "{"),)
    assert main(["texts", "check", str(bad), str(headless), str(good)]) == 1
    printed = capsys.readouterr().out
    assert "bad key (cannot be loaded): term.brand" in printed
    assert f"{headless}: cannot be read: {headless} names no language." in printed
    assert f"{good} (sv): ok" in printed, "one bad file does not hide the others' reports"


HOST_RULE = '''
    import collabcore as cc

    @cc.rule("acme:one", texts=("acme:one",))
    def host_rule(ctx):
        """A host's rule."""
        return iter(())

    rulebook = cc.default_rulebook().add(host_rule)
    texts = cc.default_texts().with_templates("en", {"rule.acme:one": "One", "acme:one": "{count} x."})
'''


def test_a_hosts_key_that_no_language_gives_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], host_module: HostModule
) -> None:
    host_module("catalog_check_host", HOST_RULE)
    english = write(tmp_path / "en.po", Catalog("en", {"acme:one": "Host words.", "rule.acme:one": "Host"}))
    norwegian = write(tmp_path / "nb.po", Catalog("nb", {"R3": "Hovedkontakt mangler."}))
    argv = ["texts", "check", "--rulebook", "catalog_check_host:rulebook", str(norwegian)]
    assert main(argv) == 1
    assert "no language of the chain gives: acme:one\n" in capsys.readouterr().out
    assert main([*argv, str(english)]) == 0, "the host's English, checked with it, gives it"


def test_a_hosts_words_added_in_python_count_as_fallback_for_texts_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], host_module: HostModule
) -> None:
    host = host_module("acme_words", HOST_RULE)
    nb = write(tmp_path / "nb.po", Catalog("nb", {"acme:one": "{count} x, {oops}."}))
    argv = ["texts", "check", str(nb), "--rulebook", f"{host}:rulebook"]
    assert main(argv) == 1
    told = capsys.readouterr().out
    assert "no language of the chain gives: rule.acme:one" in told and "--texts" in told
    assert main([*argv, "--texts", f"{host}:texts"]) == 1
    told = capsys.readouterr().out
    assert "unknown placeholder {oops} in acme:one" in told and "no language of the chain gives" not in told
    nb.write_text(nb.read_text(encoding="utf-8").replace(", {oops}", ""), encoding="utf-8")
    assert main([*argv, "--texts", f"{host}:texts"]) == 0
