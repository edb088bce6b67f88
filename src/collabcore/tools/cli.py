"""The command line: ``collabcore`` (or ``python -m collabcore``).

Errors print one line and exit non-zero, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from collabcore.adapters.documents import NAMES, document_json, problem_document, schema
from collabcore.adapters.serialization import to_json
from collabcore.adapters.sqlite import SQLiteStore
from collabcore.app.bulk import BulkItem
from collabcore.app.config import Integrations
from collabcore.app.service import CollaborationService
from collabcore.domain.errors import CollabCoreError, InvalidInput, OperationRefused, describe
from collabcore.domain.findings import Finding
from collabcore.domain.model import Outcome
from collabcore.domain.records import OverviewCursor
from collabcore.policy.engine import Rule, Rulebook
from collabcore.policy.planner import PLANNER_TEXTS
from collabcore.policy.products import default_products
from collabcore.policy.rules import default_rulebook
from collabcore.testing.fakes import FakeIntegrations
from collabcore.tools.catalog_check import (
    CatalogReport,
    check_catalog,
    report_data,
    templates_as_catalogs,
    unreadable_report,
)
from collabcore.tools.cli_lifecycle import actor_of, add_commands
from collabcore.tools.demo import run_demo
from collabcore.tools.display import finding_lines, overview_note, plan_text
from collabcore.tools.reference import rules_reference
from collabcore.tools.texts_reference import texts_reference
from collabcore.tools.words import narrating
from collabcore.wording.catalogs import Catalog, read_catalog, template, write_po
from collabcore.wording.texts import Localizer, Texts
from collabcore.wording.words import default_texts

BRANDS = ("visma", "spiris")
"""The shipped brands; a --catalog may add others."""
LANGUAGES = ("en", "sv")
"""The shipped languages; a --catalog may add others."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
        "--db", type=Path, default=None, help="SQLite file to use (default: a new temporary file)"
    )
    rules = commands.add_parser("rules", help="print the default rulebook")
    words(rules)
    rules.add_argument("--json", action="store_true", help="machine-readable output")
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
    check.add_argument("--json", action="store_true", help="machine-readable output")
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


def _store_commands(commands: Any, words: Any) -> None:
    def acting(sub: argparse.ArgumentParser) -> None:
        words(sub)
        sub.add_argument("--db", type=Path, required=True, help="the SQLite file")
        side = sub.add_mutually_exclusive_group(required=True)
        side.add_argument("--office", help="act for this office")
        side.add_argument("--customer", help="act for this customer")
        sub.add_argument("--user", required=True, help="the acting user's id")
        sub.add_argument("--json", action="store_true", help="machine-readable output")

    LIFECYCLE.update(add_commands(commands, acting))

    def ending(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("collaboration", help="the collaboration's id")
        sub.add_argument("--outcome", required=True, choices=[o.value for o in Outcome])
        sub.add_argument("--acknowledge", nargs="*", default=[], metavar="CODE")
        sub.add_argument("--confirm-deletion", action="store_true")
        sub.add_argument(
            "--facts",
            default=None,
            help="what the integrations would say, as JSON, e.g. '{\"unsubmitted_reports\": 0}'; "
            "without it, facts are unknown and the rules that need them block",
        )

    plan = commands.add_parser("plan", help="what ending would do (changes nothing)")
    acting(plan)
    ending(plan)
    end = commands.add_parser("end", help="end a collaboration, recording its effects")
    acting(end)
    ending(end)
    end.add_argument("--idempotency-key", default=None)
    overview = commands.add_parser("overview", help="an office's customers and active collaborations")
    acting(overview)
    overview.add_argument("--limit", type=int, default=None)
    overview.add_argument("--after", default=None, metavar="NUMBER:ID", help="the next page's cursor")
    end_all = commands.add_parser("end-all", help="end every collaboration of an office, with progress")
    acting(end_all)
    end_all.add_argument(
        "--outcome", nargs="+", required=True, metavar="PRODUCT=OUTCOME", help="e.g. payroll=end_subscription"
    )
    end_all.add_argument("--confirm-deletion", action="store_true")


def _service(args: argparse.Namespace, store: SQLiteStore) -> CollaborationService:
    integrations = Integrations()
    if getattr(args, "facts", None):
        try:
            facts = json.loads(args.facts)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"--facts is not JSON: {exc}.") from None
        if not isinstance(facts, dict):
            raise InvalidInput("--facts must be a JSON object of fact names and values.")
        fakes = FakeIntegrations()
        customer_id = getattr(args, "customer", None)
        if getattr(args, "collaboration", None):
            with store.transaction(write=False) as uow:
                collab = uow.get_collaboration(args.collaboration)
            customer_id = None if collab is None else collab.customer_id
        if customer_id is not None:
            lists = {k: tuple(v) if isinstance(v, list) else v for k, v in facts.items()}
            fakes.set_facts(customer_id, **lists)
        fake_ports = fakes.integrations()
        integrations = Integrations(
            payroll=fake_ports.payroll, expenses=fake_ports.expenses, bookkeeping=fake_ports.bookkeeping
        )
    return CollaborationService(
        store, integrations=integrations, texts=args.texts, brand=args.brand, language=args.lang
    )


def _findings(loc: Localizer, findings: Sequence[Finding]) -> None:
    for line in finding_lines(loc, tuple(findings)):
        print(line)


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
                print(plan_text(plan, service.localizer))
            return 0 if plan.allowed else 1
        try:
            result = service.end(args.collaboration, idempotency_key=args.idempotency_key, **options)
        except OperationRefused as refused:
            if args.json:
                answer = problem_document(service.problem(refused).to_dict())
                print(json.dumps(answer, ensure_ascii=False))
            else:
                print(f"collabcore: {refused}", file=sys.stderr)
                _findings(service.localizer, refused.findings)
            return 1
        print(
            document_json(result)
            if args.json
            else f"{result.collaboration.id}: {result.collaboration.status.value}"
        )
        return 0


def _lifecycle(args: argparse.Namespace) -> int:
    if not hasattr(args, "brand"):
        args.brand, args.lang, args.texts = "visma", "en", default_texts()
    args.db = Path(args.db)
    with _open(args) as store:
        return int(LIFECYCLE[args.command](args, _service(args, store)))


def _overview(args: argparse.Namespace) -> int:
    after = None
    if args.after:
        number, _, customer_id = args.after.rpartition(":")
        after = OverviewCursor(number, customer_id)
    with _open(args) as store:
        service = _service(args, store)
        page = service.overview(args.office or "", actor=actor_of(args), after=after, limit=args.limit)
        if args.json:
            print(document_json(page))
            return 0
        loc = service.localizer
        for item in page.items:
            products = ", ".join(f"{loc.product(c.product)} ({c.id})" for c in item.collaborations)
            print(f"{item.customer.number}  {item.customer.name}: {products}")
            for request in item.requests:
                print(f"    {loc.product(request.product)}: {overview_note(request, loc)} ({request.id})")
        if page.next_cursor is not None:
            print(f"next page: --after {page.next_cursor.customer_number}:{page.next_cursor.customer_id}")
    return 0


def _end_all(args: argparse.Namespace) -> int:
    outcomes = {}
    for pair in args.outcome:
        product, _, outcome = pair.partition("=")
        outcomes[product] = Outcome(outcome) if outcome in {o.value for o in Outcome} else None
        if outcomes[product] is None:
            raise InvalidInput(f"{describe(pair)} is not PRODUCT=OUTCOME with a known outcome.")
    counts: dict[str, int] = {}

    def progress(done: int, item: BulkItem) -> None:
        print(f"\r{done} done ({item.collaboration_id}: {item.status.value})", end="", file=sys.stderr)

    with _open(args) as store:
        service = _service(args, store)
        for item in service.end_all_of_office(
            args.office or "",
            actor=actor_of(args),
            outcomes={k: v for k, v in outcomes.items() if v is not None},
            confirm_deletion=args.confirm_deletion,
            progress=progress,
        ):
            counts[item.status.value] = counts.get(item.status.value, 0) + 1
            if args.json:
                print(to_json(item))
    print(file=sys.stderr)
    if not args.json:
        print(", ".join(f"{status}: {n}" for status, n in sorted(counts.items())) or "nothing to end")
    return 0 if not counts.get("failed") else 1


@contextmanager
def _open(args: argparse.Namespace) -> Iterator[SQLiteStore]:
    if not args.db.exists():
        raise InvalidInput(f"No database at {args.db}.", hint="Give the path of an existing SQLite file.")
    store = SQLiteStore(args.db)
    try:
        yield store
    finally:
        store.close()


def _demo(args: argparse.Namespace) -> int:
    path = args.db or Path(tempfile.mkdtemp(prefix="collabcore-demo-")) / "collabcore.db"
    if path.exists() and path.stat().st_size > 0:
        # The story starts from nothing; told again on the same file it would meet itself.
        raise InvalidInput(
            f"{path} exists already; the demo tells its story on a new file.",
            hint="Give another --db, or leave --db out for a fresh temporary file.",
        )
    store = SQLiteStore(path)
    try:
        run_demo(store, print, brand=args.brand, language=args.lang)
    finally:
        store.close()
    loc = narrating(args.texts.localizer(args.brand, args.lang))
    print(loc.text("demo.stored", path=path))
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
        print(json.dumps(rows, ensure_ascii=False, indent=2))
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
    if args.json:
        print(json.dumps([report_data(report) for report in reports], ensure_ascii=False, indent=2))
    else:
        print("\n".join(str(report) for report in reports))
    return 0 if all(report.ok for report in reports) else 1


def _words(args: argparse.Namespace) -> Texts:
    """The shipped words with the --catalog files, once the brand and language are known to
    have words in them: an unknown one is told with the list of those that have."""
    texts = default_texts()
    for path in getattr(args, "catalog", None) or ():
        texts = texts.with_catalog(path)
    if args.brand not in texts.brands:
        raise InvalidInput(
            f"No catalog gives the brand {describe(args.brand)}; brands: {', '.join(sorted(texts.brands))}.",
            hint="Choose one of those, or give the brand's catalog with --catalog FILE.",
            path="brand",
        )
    if not texts.speaks(args.brand, args.lang):
        raise InvalidInput(
            f"No catalog gives the language {describe(args.lang)}; languages: {', '.join(texts.languages)}.",
            hint="Choose one of those, or give the language's catalog with --catalog FILE (.po or .mo).",
            path="lang",
        )
    return texts


_Loaded = TypeVar("_Loaded")


def _load_rulebook(spec: str) -> Rulebook:
    return _load(spec, Rulebook, "rulebook")


def _load_texts(spec: str) -> Texts:
    return _load(spec, Texts, "texts")


def _load(spec: str, kind: type[_Loaded], what: str) -> _Loaded:
    """``module:attribute`` of a host's, a value of ``kind`` or a function that returns one."""
    module_name, _, name = spec.partition(":")
    try:
        found = getattr(importlib.import_module(module_name), name or what)
    except (ImportError, AttributeError, ValueError) as exc:
        raise InvalidInput(
            f"Cannot load the {what} {describe(spec)}: {exc}.",
            hint=f"Name it as module:attribute, e.g. myhost.words:{what}.",
            path=what,
        ) from None
    if callable(found) and not isinstance(found, kind):
        found = found()
    if not isinstance(found, kind):
        raise InvalidInput(f"{spec} is not a {kind.__name__}, got {describe(found)}.", path=what)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        handlers = {
            "demo": _demo,
            "rules": _rules,
            "plan": _plan_or_end,
            "end": _plan_or_end,
            "overview": _overview,
            "end-all": _end_all,
            "texts": _texts,
            "schema": _schema,
        }
        if hasattr(args, "lang"):
            args.texts = _words(args)
        if args.command in LIFECYCLE:
            return _lifecycle(args)
        return handlers[args.command](args)
    except CollabCoreError as exc:
        print(f"collabcore: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # Output piped into `head` and the like: the reader has all it wanted.
        sys.stderr.close()
        return 0
    except OSError as exc:
        print(f"collabcore: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
