"""The command line: ``collabcore`` (or ``python -m collabcore``).

Errors print one line and exit non-zero, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from collabcore.adapters.sqlite import SQLiteStore
from collabcore.demo import run_demo
from collabcore.errors import CollabCoreError
from collabcore.planning import PLANNER_TEXTS
from collabcore.reference import rules_reference
from collabcore.rulebook import default_rulebook
from collabcore.wording import default_texts

BRANDS = ("visma", "spiris")
LANGUAGES = ("en", "sv")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="collabcore",
        description="Rules for ending an accounting office's collaboration with a customer.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def words(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--brand", choices=BRANDS, default="visma", help="whose words to use")
        sub.add_argument("--lang", choices=LANGUAGES, default="en", help="which language")

    demo = commands.add_parser("demo", help="tell the seeds' story on a SQLite file")
    words(demo)
    demo.add_argument(
        "--db", type=Path, default=None, help="SQLite file to use (default: a new temporary file)"
    )
    rules = commands.add_parser("rules", help="print the default rulebook")
    words(rules)
    rules.add_argument("--json", action="store_true", help="machine-readable output")
    rules.add_argument("--markdown", action="store_true", help="the reference page for docs/rules.md")
    return parser


def _demo(args: argparse.Namespace) -> int:
    path = args.db or Path(tempfile.mkdtemp(prefix="collabcore-demo-")) / "collabcore.db"
    store = SQLiteStore(path)
    try:
        run_demo(store, print, brand=args.brand, language=args.lang)
    finally:
        store.close()
    loc = default_texts().localizer(args.brand, args.lang)
    print(loc.text("demo.stored", path=path))
    return 0


def _rules(args: argparse.Namespace) -> int:
    book = default_rulebook()
    if args.markdown:
        print(rules_reference(book, default_texts(), args.brand, args.lang), end="")
        return 0
    loc = default_texts().localizer(args.brand, args.lang, book.text_keys | PLANNER_TEXTS)
    rows = [
        {
            "id": r.id,
            "title": loc.text(f"rule.{r.id}"),
            "severity": r.severity.value,
            "operations": sorted(o.value for o in r.operations),
            "products": None if r.products is None else sorted(loc.product(p) for p in r.products),
            "protected": r.protected,
        }
        for r in book
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    width = max(len(row["title"]) for row in rows)  # type: ignore[arg-type]
    for row in rows:
        severity = loc.text(f"severity.{row['severity']}")
        products = ", ".join(row["products"] or ())  # type: ignore[arg-type]
        print(f"{row['id']:<14} {row['title']:<{width}}  {severity:<22} {products}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            return _demo(args)
        return _rules(args)
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
