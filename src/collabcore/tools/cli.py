"""The command line: ``collabcore`` (or ``python -m collabcore``).

Every line it prints comes from the catalogs, in the brand and language chosen with
``--brand`` and ``--lang``: what it did, and what went wrong. An error is told as the
problem document a web host would answer (:mod:`collabcore.app.problems`): its title
and detail in one line, then a refusal's findings, never a traceback; with ``--json``
the problem document itself. Its own input (``--facts``, ``--limit``, ``--on``,
``--after``, ``--db``...) is checked before anything is done, in its own words, naming
its own options.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import json
import os
import sqlite3
import sys
import tempfile
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import attrs
from attrs import frozen

from collabcore.adapters.documents import (
    NAMES,
    data_document,
    document_json,
    problem_document,
    schema,
)
from collabcore.adapters.serialization import to_data
from collabcore.adapters.sqlite import SQLiteStore
from collabcore.app.bulk import BulkItem
from collabcore.app.config import Integrations
from collabcore.app.problems import Problem, kind_of, problem
from collabcore.app.requests import MAX_PAGE
from collabcore.app.service import CollaborationService
from collabcore.domain.errors import (
    CollabCoreError,
    InvalidInput,
    OperationRefused,
    SchemaVersionError,
)
from collabcore.domain.findings import Finding
from collabcore.domain.model import Outcome
from collabcore.domain.records import OverviewCursor
from collabcore.policy.engine import Rule, Rulebook
from collabcore.policy.facts import Fact
from collabcore.policy.planner import PLANNER_TEXTS
from collabcore.policy.products import default_products
from collabcore.policy.rules import default_rulebook
from collabcore.testing.fakes import ANSWER_TYPES, FakeIntegrations, answer_type, checked_answer
from collabcore.tools.catalog_check import (
    CatalogReport,
    check_catalog,
    report_data,
    templates_as_catalogs,
    unreadable_report,
)
from collabcore.tools.cli_lifecycle import actor_of, add_commands, limit_of
from collabcore.tools.demo import run_demo
from collabcore.tools.display import finding_lines, overview_note, plan_text
from collabcore.tools.reference import rules_reference
from collabcore.tools.texts_reference import texts_reference
from collabcore.tools.words import CliError, Said, narrating, usage_reason
from collabcore.wording.catalogs import Catalog, read_catalog, template, write_po
from collabcore.wording.texts import Localizer, Texts
from collabcore.wording.words import default_texts

BRANDS = ("visma", "spiris")
"""The shipped brands; a --catalog may add others."""
LANGUAGES = ("en", "sv")
"""The shipped languages; a --catalog may add others."""

OPTIONS: Mapping[str, str] = {
    "office_id": "--office",
    "customer_id": "--customer",
    "user_id": "--user",
    "party_id": "--office/--customer",
    "actor": "--user",
    "actor.user_id": "--user",
    "actor.party_id": "--office/--customer",
    "collaboration_id": "COLLABORATION",
    "request_id": "REQUEST",
    "outcome": "--outcome",
    "outcomes": "--outcome",
    "acknowledge": "--acknowledge",
    "idempotency_key": "--idempotency-key",
    "limit": "--limit",
    "after": "--after",
    "effective": "--on",
    "product": "--product",
    "products": "--product",
    "variant": "--variant",
    "invoice_recipient": "--invoice-recipient",
    "from_office_id": "--from-office",
    "to_office_id": "--to-office",
    "brand": "--brand",
    "lang": "--lang",
    "language": "--lang",
    "catalog": "--catalog",
    "rulebook": "--rulebook",
    "texts": "--texts",
    "path": "--db",
}
"""The library's names of the values it checks (an error's ``path``) -> the option that gave it."""

PER_COMMAND: Mapping[str, Mapping[str, str]] = {
    "invite": {"office_id": "--to-office", "customer_id": "--for-customer"},
    "end-all": {"product": "--outcome", "products": "--outcome"},
}
"""Where a command gives a value under another option than :data:`OPTIONS` says."""

FACTS_EXAMPLE = '{"unsubmitted_reports": 0}'


class _Usage(Exception):
    """What argparse would exit with: the (sub)parser that refused the command line, and why."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        self.parser = parser
        self.message = message
        super().__init__(message)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _Usage(self, message)


def _fact_lines() -> str:
    """The facts ``--facts`` knows, one a line: the key, the short names, the kind of answer."""
    lines = ["facts --facts knows (by key, or by the short names after it):"]
    for fact in default_rulebook().facts(default_products()):
        kind = answer_type(fact)
        names = ", ".join(fact.short_names)
        answer = "any JSON value" if kind is None else ANSWER_TYPES[kind]
        lines.append(f"  {fact.key} ({names}): {answer}")
    lines.append("A fact given as null, or left out, is unknown: the rules that need it block.")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="collabcore",
        description="Rules for ending an accounting office's collaboration with a customer.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def words(sub: argparse.ArgumentParser, *, catalogs: bool = True) -> None:
        # Not argparse choices: the brands and languages are those of the catalogs given,
        # known only once --catalog is read, and an unknown one deserves the list of those.
        sub.add_argument("--brand", default="visma", help="whose words to use: visma, spiris or a catalog's")
        sub.add_argument("--lang", default="en", help="which language: en, sv, or one that a --catalog gives")
        if catalogs:
            sub.add_argument(
                "--catalog",
                action="append",
                type=Path,
                default=[],
                metavar="FILE",
                help="a .po or .mo file adding a language or a brand (repeat for more)",
            )

    demo = commands.add_parser("demo", help="tell the seeds' story on a SQLite file")
    words(demo, catalogs=False)
    demo.add_argument(
        "--db",
        type=Path,
        default=None,
        help="a new (or empty) SQLite file to tell it on (default: a new temporary file)",
    )
    rules = commands.add_parser("rules", help="print the default rulebook")
    words(rules)
    rules.add_argument("--json", action="store_true", help="machine-readable output (a rulebook document)")
    rules.add_argument("--markdown", action="store_true", help="the reference page for docs/rules.md")
    rules.add_argument(
        "--rulebook", metavar="MODULE:NAME", help="a host's rulebook instead of the default one"
    )
    texts = commands.add_parser("texts", help="check a translator's catalog (.po or .mo)")
    texts_commands = texts.add_subparsers(dest="texts_command", required=True, metavar="ACTION")
    check = texts_commands.add_parser(
        "check", help="coverage (translated, fallen back, copied), unknown placeholders, bad keys"
    )
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.add_argument(
        "--rulebook", metavar="MODULE:NAME", help="a host's rulebook whose rules the catalog must cover"
    )
    check.add_argument(
        "--texts",
        metavar="MODULE:NAME",
        help="a host's Texts: the words it adds in Python (with_templates) count as fallback",
    )
    check.add_argument(
        "--json", action="store_true", help="machine-readable output (a catalog_check document)"
    )
    check.add_argument(
        "--fallback",
        default="en",
        metavar="LANG,...",
        help="the languages missing keys fall back on, in order (default: en)",
    )
    start = texts_commands.add_parser("template", help="print a new .po file for a language to translate")
    start.add_argument("language", help="the new language's code, e.g. nb")
    start.add_argument("--brand", help="the brand's terms and product names instead of the sentences")
    texts_commands.add_parser(
        "reference", help="print the translators' reference of keys and placeholders (docs/texts.md)"
    )
    shape = commands.add_parser("schema", help="print the JSON Schema of a --json document")
    shape.add_argument("name", choices=NAMES)
    _store_commands(commands, words)
    return parser


LIFECYCLE: dict[str, Any] = {}
"""The lifecycle's command handlers by name, filled in when the parser is built."""


def _store_commands(commands: Any, words: Callable[[argparse.ArgumentParser], None]) -> None:
    def acting(sub: argparse.ArgumentParser, side: str = "either") -> None:
        """The options of a command an office's or a customer's user gives: ``side`` is
        ``"office"`` or ``"customer"`` for a command only that side may give."""
        words(sub)
        sub.add_argument("--db", type=Path, required=True, help="the collabcore SQLite file")
        if side == "office":
            sub.add_argument("--office", required=True, help="act for this office")
        elif side == "customer":
            sub.add_argument("--customer", required=True, help="act for this customer")
        else:
            group = sub.add_mutually_exclusive_group(required=True)
            group.add_argument("--office", help="act for this office")
            group.add_argument("--customer", help="act for this customer")
        sub.set_defaults(office=None, customer=None)
        sub.add_argument("--user", required=True, help="the acting user's id")
        sub.add_argument("--json", action="store_true", help="machine-readable output")

    LIFECYCLE.update(add_commands(commands, acting, words, _fact_lines()))

    def ending(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("collaboration", help="the collaboration's id")
        sub.add_argument("--outcome", required=True, choices=[o.value for o in Outcome])
        sub.add_argument("--acknowledge", nargs="*", default=[], metavar="CODE")
        sub.add_argument("--confirm-deletion", action="store_true")
        sub.add_argument(
            "--facts",
            default=None,
            metavar="JSON",
            help=f"what the integrations would say, as a JSON object, e.g. '{FACTS_EXAMPLE}' "
            "(the facts are listed below); without it, every fact is unknown",
        )

    fact_list = {"epilog": _fact_lines(), "formatter_class": argparse.RawDescriptionHelpFormatter}
    plan = commands.add_parser("plan", help="what ending would do (changes nothing)", **fact_list)
    acting(plan)
    ending(plan)
    end = commands.add_parser("end", help="end a collaboration, recording its effects", **fact_list)
    acting(end)
    ending(end)
    end.add_argument("--idempotency-key", default=None)
    overview = commands.add_parser("overview", help="an office's customers and active collaborations")
    acting(overview, "office")
    overview.add_argument(
        "--limit", default=None, metavar="N", help=f"at most N customers a page (1 to {MAX_PAGE:,})"
    )
    overview.add_argument(
        "--after", default=None, metavar="NUMBER:ID", help="the next page's cursor, as a page prints it"
    )
    end_all = commands.add_parser("end-all", help="end every collaboration of an office, with progress")
    acting(end_all, "office")
    end_all.add_argument(
        "--outcome", nargs="+", required=True, metavar="PRODUCT=OUTCOME", help="e.g. payroll=end_subscription"
    )
    end_all.add_argument("--confirm-deletion", action="store_true")


# --- telling what went wrong ------------------------------------------------------------


def _option(command: str | None, path: str) -> str:
    return PER_COMMAND.get(command or "", {}).get(path) or OPTIONS.get(path, path)


def _problem(
    error: CollabCoreError | CliError, loc: Localizer, english: Localizer, command: str | None
) -> Problem:
    """The problem document of ``error`` in ``loc``'s brand and language: the command line's
    own errors with their own sentence, the library's with the option that gave the value."""
    if isinstance(error, CliError):
        return attrs.evolve(problem(error.as_invalid_input(english), loc), detail=error.said(loc))
    found = problem(error, loc)
    if found.invalid is not None and "path" in found.invalid:
        option = _option(command, found.invalid["path"])
        return attrs.evolve(
            found,
            detail=loc.text("problem.invalid_input.at", path=option),
            invalid={**found.invalid, "path": option},
        )
    return found


@frozen
class _Speaking:
    """The words an answer is told in, and whether it is told as a document."""

    loc: Localizer
    english: Localizer
    json: bool
    command: str | None = None
    plain: bool = False
    """A command without --lang (texts, schema: the translators' and programmers' tools, whose
    reports are English): the library's own English message, which names what is wrong."""

    def tell(self, error: CollabCoreError | CliError) -> None:
        """``error`` as one line (then a refusal's findings) on stderr, or as a problem
        document on stdout with ``--json``."""
        told = _problem(error, self.loc, self.english, self.command)
        if self.json:
            print(json.dumps(problem_document(told.to_dict()), ensure_ascii=False))
            return
        if self.plain and not isinstance(error, CliError):
            print(f"collabcore: {error}", file=sys.stderr)
            return
        findings: Sequence[Finding] = ()
        detail = told.detail
        if isinstance(error, OperationRefused) and error.findings:
            # A refusal's findings follow, each with its steps: the line says what to do with them.
            findings = error.findings
            detail = self.loc.text(f"problem.{kind_of(error).words}.detail")
        print(f"collabcore: {told.title}: {detail}", file=sys.stderr)
        for line in finding_lines(self.loc, findings):
            print(line, file=sys.stderr)


def _speaking_from(given: Sequence[str], as_json: bool) -> _Speaking:
    """The shipped words in the brand and language the command line asks for, if they are
    shipped: what an error is told in before the catalogs given are read."""
    asked = {"--brand": "visma", "--lang": "en"}
    for n, word in enumerate(given):
        name, _, value = word.partition("=")
        if name in asked:
            value = value or (given[n + 1] if n + 1 < len(given) else "")
            if value in (BRANDS if name == "--brand" else LANGUAGES):
                asked[name] = value
    texts = default_texts()
    return _Speaking(
        _localizer(texts, asked["--brand"], asked["--lang"]),
        _localizer(texts, asked["--brand"], "en"),
        as_json,
    )


def _localizer(texts: Texts, brand: str, language: str) -> Localizer:
    return narrating(texts.localizer(brand, language, product_names=default_products().names()))


# --- the store and the integrations ---------------------------------------------------------

_SQLITE_HEADER = b"SQLite format 3\x00"


def _check_db(path: Path) -> None:
    """``--db`` names a collabcore SQLite file: told in the command line's words if not,
    before the store would answer in the library's (``create=True``...)."""
    shown = str(path)
    try:
        if not path.exists():
            raise CliError("cli.db.missing", "--db", path=shown)
        if path.is_dir():
            raise CliError("cli.db.folder", "--db", path=shown)
        with path.open("rb") as file:
            header = file.read(len(_SQLITE_HEADER))
    except OSError:
        raise CliError("cli.db.unreadable", "--db", path=shown) from None
    if not header:
        raise CliError("cli.db.empty", "--db", path=shown)
    if header != _SQLITE_HEADER:
        raise CliError("cli.db.not_sqlite", "--db", path=shown)
    location = urllib.parse.quote(os.path.abspath(path))
    try:
        with contextlib.closing(sqlite3.connect(f"file:{location}?mode=ro", uri=True, timeout=5)) as look:
            tables = {row[0] for row in look.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error:
        raise CliError("cli.db.unreadable", "--db", path=shown) from None
    if "collabcore_meta" not in tables:
        raise CliError("cli.db.not_collabcore", "--db", path=shown)


@contextmanager
def _open(args: argparse.Namespace) -> Iterator[SQLiteStore]:
    _check_db(args.db)
    try:
        store = SQLiteStore(args.db)
    except SchemaVersionError:
        raise CliError("cli.db.version", "--db", path=str(args.db)) from None
    try:
        yield store
    finally:
        store.close()


def _facts_given(text: str) -> dict[str, Any]:
    try:
        facts = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError("cli.facts.json", "--facts", position=exc.pos + 1) from None
    if not isinstance(facts, dict):
        raise CliError("cli.facts.object", "--facts", example=FACTS_EXAMPLE)
    return facts


def _answers(fakes: FakeIntegrations, facts: Mapping[str, Any]) -> dict[str, object]:
    """Each fact of ``--facts`` by key, its answer checked against the kind the fact takes."""
    checked: dict[str, object] = {}
    for name, value in facts.items():
        fact: Fact[Any] | None = fakes.declared(name)
        if fact is None:
            known = ", ".join(fakes.known_facts())
            raise CliError("cli.facts.unknown", "--facts", name=json.dumps(name), facts=known)
        try:
            checked[fact.key] = checked_answer(fact, value)
        except InvalidInput:
            shown = json.dumps(value, ensure_ascii=False)
            expected = Said(f"cli.type.{answer_type(fact)}")
            raise CliError("cli.facts.type", "--facts", fact=name, expected=expected, value=shown) from None
    return checked


def _service(args: argparse.Namespace, store: SQLiteStore) -> CollaborationService:
    integrations = Integrations()
    if getattr(args, "facts", None) is not None:
        fakes = FakeIntegrations()
        answers = _answers(fakes, _facts_given(args.facts))
        customer_id = getattr(args, "customer", None)
        if getattr(args, "collaboration", None):
            with store.transaction(write=False) as uow:
                collab = uow.get_collaboration(args.collaboration)
            customer_id = None if collab is None else collab.customer_id
        if customer_id is not None:
            # What --facts leaves out is unknown, as without it: no answer is made up.
            for key in fakes.known_facts():
                fakes.set_fact(customer_id, key, answers.get(key))
        fake_ports = fakes.integrations()
        integrations = Integrations(
            payroll=fake_ports.payroll, expenses=fake_ports.expenses, bookkeeping=fake_ports.bookkeeping
        )
    return CollaborationService(
        store, integrations=integrations, texts=args.texts, brand=args.brand, language=args.lang
    )


# --- the commands ------------------------------------------------------------------------------


def _plan_or_end(args: argparse.Namespace) -> int:
    with _open(args) as store:
        service = _service(args, store)
        options = dict(
            actor=actor_of(args),
            outcome=args.outcome,
            acknowledge=set(args.acknowledge),
            confirm_deletion=args.confirm_deletion,
        )
        if args.command == "plan":
            plan = service.plan_end(args.collaboration, **options)
            if args.json:
                print(document_json(plan))
            else:
                print(plan_text(plan, args.loc))
            return 0 if plan.allowed else 1
        try:
            result = service.end(args.collaboration, idempotency_key=args.idempotency_key, **options)
        except OperationRefused as refused:
            args.speaking.tell(refused)
            return 1
        if args.json:
            print(document_json(result))
        else:
            ended = result.collaboration
            outcome = args.loc.text(f"outcome.{result.event.outcome.value}")
            product = args.loc.product(ended.product)
            print(args.loc.text("cli.ended", product=product, collaboration=ended.id, outcome=outcome))
        return 0


def _lifecycle(args: argparse.Namespace) -> int:
    with _open(args) as store:
        return int(LIFECYCLE[args.command](args, _service(args, store)))


def _cursor(text: str | None) -> OverviewCursor | None:
    if text is None:
        return None
    number, colon, customer_id = text.rpartition(":")
    if not colon or not number.strip() or not customer_id.strip():
        raise CliError("cli.after", "--after", value=json.dumps(text, ensure_ascii=False))
    return OverviewCursor(number, customer_id)


def _overview(args: argparse.Namespace) -> int:
    after = _cursor(args.after)
    limit = limit_of(args.limit, MAX_PAGE)
    loc = args.loc
    with _open(args) as store:
        service = _service(args, store)
        page = service.overview(args.office, actor=actor_of(args), after=after, limit=limit)
        if args.json:
            print(document_json(page))
            return 0
        for item in page.items:
            products = ", ".join(f"{loc.product(c.product)} ({c.id})" for c in item.collaborations)
            print(f"{item.customer.number}  {item.customer.name}: {products}")
            for request in item.requests:
                print(f"    {loc.product(request.product)}: {overview_note(request, loc)} ({request.id})")
        if not page.items:
            print(loc.text("cli.overview.none"))
        if page.next_cursor is not None:
            cursor = f"{page.next_cursor.customer_number}:{page.next_cursor.customer_id}"
            print(loc.text("cli.overview.next", cursor=cursor))
    return 0


def _end_all(args: argparse.Namespace) -> int:
    known = [o.value for o in Outcome]
    outcomes = {}
    for pair in args.outcome:
        product, _, outcome = pair.partition("=")
        if not product or outcome not in known:
            shown = json.dumps(pair, ensure_ascii=False)
            raise CliError("cli.outcome_pair", "--outcome", value=shown, outcomes=", ".join(known))
        outcomes[product] = Outcome(outcome)
    counts: dict[str, int] = {}
    loc = args.loc

    def progress(done: int, item: BulkItem) -> None:
        status = loc.text(f"cli.bulk.{item.status.value}")
        line = loc.text("cli.end_all.progress", done=done, collaboration=item.collaboration_id, status=status)
        print(f"\r{line}", end="", file=sys.stderr)

    with _open(args) as store:
        service = _service(args, store)
        for item in service.end_all_of_office(
            args.office,
            actor=actor_of(args),
            outcomes=outcomes,
            confirm_deletion=args.confirm_deletion,
            progress=progress,
        ):
            counts[item.status.value] = counts.get(item.status.value, 0) + 1
            if args.json:
                print(json.dumps(data_document("bulk_item", to_data(item)), ensure_ascii=False))
    if counts:
        print(file=sys.stderr)
    if not args.json:
        told = [f"{loc.text(f'cli.bulk.{status}')}: {n}" for status, n in sorted(counts.items())]
        print(", ".join(told) or loc.text("cli.end_all.nothing"))
    return 0 if not counts.get("failed") else 1


def _demo(args: argparse.Namespace) -> int:
    path: Path = args.db or Path(tempfile.mkdtemp(prefix="collabcore-demo-")) / "collabcore.db"
    shown = str(path)
    if path.is_dir():
        raise CliError("cli.db.folder", "--db", path=shown)
    if not path.parent.is_dir():
        raise CliError("cli.db.no_folder", "--db", path=shown, folder=str(path.parent))
    empty = path.exists() and path.stat().st_size == 0
    if path.exists() and not empty:
        # The story starts from nothing; told again on the same file it would meet itself.
        raise CliError("cli.demo.exists", "--db", path=shown)
    # An empty file of the user's (mktemp's, say) holds nothing to lose: the story is told in it.
    store = SQLiteStore(path, create=empty)
    try:
        run_demo(store, print, brand=args.brand, language=args.lang)
    finally:
        store.close()
    print(args.loc.text("demo.stored", path=path))
    return 0


def _rules(args: argparse.Namespace) -> int:
    book = _load_rulebook(args.rulebook) if args.rulebook else default_rulebook()
    if args.markdown:
        print(rules_reference(book, args.texts, args.brand, args.lang), end="")
        return 0
    # A host's rules may keep their words in Python rather than in a --catalog: a rule
    # without a title shows its docstring's first line instead of failing the listing.
    loc = args.texts.localizer(args.brand, args.lang, PLANNER_TEXTS, product_names=default_products().names())
    if args.json:
        rows = [
            {
                "id": r.id,
                "title": _title(loc, r),
                "severity": r.severity.value,
                "operations": sorted(o.value for o in r.operations),
                "products": None if r.products is None else sorted(_product(loc, p) for p in r.products),
                "protected": r.protected,
            }
            for r in book
        ]
        shown = data_document("rulebook", {"brand": args.brand, "language": args.lang, "rules": rows})
        print(json.dumps(shown, ensure_ascii=False, indent=2))
        return 0
    titles = {r.id: _title(loc, r) for r in book}
    width = max(len(t) for t in titles.values())
    for r in book:
        severity = loc.text(f"severity.{r.severity.value}")
        products = "" if r.products is None else ", ".join(sorted(_product(loc, p) for p in r.products))
        print(f"{r.id:<14} {titles[r.id]:<{width}}  {severity:<22} {products}".rstrip())
    return 0


def _title(loc: Localizer, rule: Rule) -> str:
    key = f"rule.{rule.id}"
    if loc.has(key):
        return loc.text(key)
    return (inspect.getdoc(rule.check) or rule.id).split("\n", 1)[0]


def _product(loc: Localizer, key: str) -> str:
    return loc.product(key) if loc.has_product(key) else key


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(schema(args.name), indent=2, ensure_ascii=False))
    return 0


def _texts(args: argparse.Namespace) -> int:
    if args.texts_command == "template":
        write_po(template(args.language, args.brand), sys.stdout)
        return 0
    if args.texts_command == "reference":
        print(texts_reference(), end="")
        return 0
    rulebook = _load_rulebook(args.rulebook) if args.rulebook else None
    # A host's words added in Python count as if their catalogs were checked alongside.
    host_words = [] if not args.texts else templates_as_catalogs(_load_texts(args.texts))
    fallback = tuple(code.strip() for code in args.fallback.split(",") if code.strip())
    read: dict[Path, Catalog | CatalogReport] = {}
    for path in args.files:
        try:
            read[path] = read_catalog(path)
        except CollabCoreError as exc:
            # One unreadable file (no Language header, say) is one failed report; the rest are
            # still checked, so a translator sees everything at once.
            read[path] = unreadable_report(str(path), exc)
    catalogs = [found for found in read.values() if isinstance(found, Catalog)]
    reports = [
        found
        if isinstance(found, CatalogReport)
        else check_catalog(
            found,
            rulebook=rulebook,
            fallback=fallback,
            others=[*host_words, *(other for other in catalogs if other is not found)],
        )
        for found in read.values()
    ]
    ok = all(report.ok for report in reports)
    if args.json:
        shown = data_document("catalog_check", {"ok": ok, "reports": [report_data(r) for r in reports]})
        print(json.dumps(shown, ensure_ascii=False, indent=2))
    else:
        print("\n".join(str(report) for report in reports))
    return 0 if ok else 1


def _words(args: argparse.Namespace) -> Texts:
    """The shipped words with the --catalog files, once the brand and language are known to
    have words in them: an unknown one is told with the list of those that have."""
    texts = default_texts()
    for path in getattr(args, "catalog", None) or ():
        try:
            texts = texts.with_catalog(path)
        except CollabCoreError:
            raise CliError("cli.catalog", "--catalog", file=str(path)) from None
    if args.brand not in texts.brands:
        brands = ", ".join(sorted(texts.brands))
        raise CliError(
            "cli.no_brand", "--brand", name=json.dumps(args.brand, ensure_ascii=False), brands=brands
        )
    if not texts.speaks(args.brand, args.lang):
        languages = ", ".join(texts.languages)
        shown = json.dumps(args.lang, ensure_ascii=False)
        raise CliError("cli.no_language", "--lang", language=shown, languages=languages)
    return texts


_Loaded = TypeVar("_Loaded")


def _load_rulebook(spec: str) -> Rulebook:
    return _load(spec, Rulebook, "rulebook")


def _load_texts(spec: str) -> Texts:
    return _load(spec, Texts, "texts")


def _load(spec: str, kind: type[_Loaded], what: str) -> _Loaded:
    """``module:attribute`` of a host's, a value of ``kind`` or a function that returns one."""
    module_name, _, name = spec.partition(":")
    option = f"--{what}"
    try:
        found = getattr(importlib.import_module(module_name), name or what)
    except (ImportError, AttributeError, ValueError):
        raise CliError("cli.load", option, option=option, spec=spec, attribute=what) from None
    if callable(found) and not isinstance(found, kind):
        found = found()
    if not isinstance(found, kind):
        raise CliError(
            "cli.load_kind", option, option=option, spec=spec, kind=kind.__name__, found=type(found).__name__
        )
    return found


HANDLERS: Mapping[str, Callable[[argparse.Namespace], int]] = {
    "demo": _demo,
    "rules": _rules,
    "plan": _plan_or_end,
    "end": _plan_or_end,
    "overview": _overview,
    "end-all": _end_all,
    "texts": _texts,
    "schema": _schema,
}


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    speaking = _speaking_from(given, "--json" in given)
    try:
        args = _parser().parse_args(given)
    except _Usage as usage:
        if not speaking.json:
            usage.parser.print_usage(sys.stderr)
            print(f"{usage.parser.prog}: {usage_reason(speaking.loc, usage.message)}", file=sys.stderr)
            return 2
        command = f"{usage.parser.prog} --help"
        speaking.tell(CliError("cli.usage", None, reason=usage.message, command=command))
        return 2
    speaking = attrs.evolve(
        speaking,
        json=bool(getattr(args, "json", False)),
        command=args.command,
        plain=not hasattr(args, "lang"),
    )
    try:
        if hasattr(args, "lang"):
            args.texts = _words(args)
            speaking = attrs.evolve(
                speaking,
                loc=_localizer(args.texts, args.brand, args.lang),
                english=_localizer(args.texts, args.brand, "en"),
            )
        args.loc, args.speaking = speaking.loc, speaking
        if args.command in LIFECYCLE:
            return _lifecycle(args)
        return HANDLERS[args.command](args)
    except (CollabCoreError, CliError) as exc:
        speaking.tell(exc)
        return 2
    except BrokenPipeError:
        # Output piped into `head` and the like: the reader has all it wanted.
        with contextlib.suppress(OSError):
            sys.stderr.close()
        return 0
    except OSError as exc:
        speaking.tell(CliError("cli.os_error", None, reason=str(exc), what=exc.strerror or str(exc)))
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
