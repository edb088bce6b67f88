"""Showing plans, findings, rulebooks and tables: aligned text for terminals, HTML for Jupyter.

The values themselves know nothing of display; :func:`register_with_ipython`
tells a running IPython how to show them (``collabcore.explore`` does it on
import).
"""

from __future__ import annotations

import html
import importlib
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from attrs import frozen

from collabcore.app.service import CollaborationService
from collabcore.domain.errors import CollabCoreError, ConfigurationError
from collabcore.domain.findings import Finding
from collabcore.domain.plans import MovePlan, Plan, TimelineStep
from collabcore.domain.requests import LifecycleRequest, RequestKind, RequestStatus
from collabcore.policy.engine import Rulebook
from collabcore.policy.products import default_products
from collabcore.tools.words import narrating
from collabcore.wording.lifecycle_words import request_status
from collabcore.wording.texts import Localizer
from collabcore.wording.words import default_texts

_HEADINGS: Mapping[str, tuple[str, str]] = {
    "en": ("date", "what happens"),
    "sv": ("datum", "vad som händer"),
}
"""A timeline's two headings in each language the tools speak (English for the others); the
columns keep their English names, which code reads (``as_dicts``, the data frames)."""


def optional_module(name: str) -> Any:
    """An optional library, or a ConfigurationError that says how to install it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        raise ConfigurationError(
            f"This needs {name}, which is not installed.",
            hint="pip install 'collabcore[notebook]' (pandas, polars and matplotlib).",
        ) from None


@frozen
class Table:
    """Rows with a text form for terminals and an HTML form for Jupyter."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    title: str = ""
    headings: tuple[str, ...] = ()
    """What a reader sees above the columns, in their language; the columns' names when empty."""

    def __len__(self) -> int:
        return len(self.rows)

    def as_dicts(self) -> list[dict[str, Any]]:
        """One dict per row, by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def to_pandas(self) -> Any:
        """The rows as a pandas DataFrame (needs pandas: ``pip install 'collabcore[notebook]'``)."""
        pandas = optional_module("pandas")
        return pandas.DataFrame.from_records(list(self.rows), columns=list(self.columns))

    def to_polars(self) -> Any:
        """The rows as a polars DataFrame (needs polars: ``pip install 'collabcore[notebook]'``);
        tuples of codes become list columns."""
        polars = optional_module("polars")
        rows = [[list(v) if isinstance(v, tuple) else v for v in row] for row in self.rows]
        return polars.DataFrame(rows, schema=list(self.columns), orient="row", strict=False)

    @property
    def shown(self) -> tuple[str, ...]:
        """The headings a reader sees: :attr:`headings`, or the columns' names."""
        return self.headings if len(self.headings) == len(self.columns) else self.columns

    def __str__(self) -> str:
        cells = [self.shown, *(tuple(_cell(v) for v in row) for row in self.rows)]
        widths = [max(len(str(r[i])) for r in cells) for i in range(len(self.columns))]
        lines = [self.title] if self.title else []
        for n, row in enumerate(cells):
            lines.append("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.shown)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>" for row in self.rows
        )
        caption = f"<caption>{html.escape(self.title)}</caption>" if self.title else ""
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _reader(brand: str, language: str) -> Localizer:
    """The shipped words of ``brand`` in ``language``, with the tools' own, for showing what
    was made in them; English (or Visma's) where the shipped catalogs have none."""
    texts = default_texts()
    names = default_products().names()
    for b, lang in ((brand, language), ("visma", language), ("visma", "en")):
        try:
            return narrating(texts.localizer(b, lang, product_names=names))
        except CollabCoreError:
            continue
    raise ConfigurationError("The shipped catalogs have no words for visma in en.")  # pragma: no cover


def _product(loc: Localizer, key: str) -> str:
    return loc.product(key) if loc.has_product(key) else key


def _plan_title(plan: Plan, loc: Localizer) -> str:
    return loc.text(
        "plan.title",
        product=_product(loc, plan.collaboration.product),
        collaboration=plan.collaboration.id,
        outcome=loc.text(f"outcome.{plan.outcome.value}"),
        verdict=loc.text("plan.allowed" if plan.allowed else "plan.refused"),
    )


def plan_text(plan: Plan, loc: Localizer | None = None) -> str:
    """A plan as text, in the plan's brand and language (or ``loc``'s)."""
    names = default_products().names()
    loc = narrating(loc or default_texts().localizer(plan.brand, plan.language, product_names=names))
    lines = [_plan_title(plan, loc)]
    lines += finding_lines(loc, plan.findings)
    lines += what_follows(loc, plan)
    return "\n".join(lines)


def what_follows(loc: Localizer, plan: Plan) -> list[str]:
    """A plan's effects, consequences and timeline, as lines under its findings."""
    lines: list[str] = []
    if plan.effect_descriptions:
        lines.append(loc.text("demo.effects"))
        lines.extend(f"  {n}. {d}" for n, d in enumerate(plan.effect_descriptions, start=1))
    if plan.consequences is not None:
        lines.append(loc.text("demo.consequences"))
        lines.extend(f"  - {line}" for line in plan.consequences.lines)
    if plan.timeline:
        lines.append(loc.text("demo.timeline"))
        lines.extend(f"  {line}" for line in str(timeline_table(plan.timeline)).splitlines()[2:])
    return lines


def _language_of(steps: Plan | MovePlan | Sequence[TimelineStep]) -> str:
    if isinstance(steps, Plan):
        return steps.language
    if isinstance(steps, MovePlan) and steps.ends:
        return steps.ends[0].language
    return "en"


def timeline_table(
    steps: Plan | MovePlan | Sequence[TimelineStep], title: str = "", loc: Localizer | None = None
) -> Table:
    """What happens on each date, one row per step: a terminal table, and HTML in Jupyter,
    headed in ``loc``'s language (or the plan's)."""
    chosen = steps.timeline if isinstance(steps, Plan | MovePlan) else tuple(steps)
    language = loc.language if loc is not None else _language_of(steps)
    headings = _HEADINGS.get(language, _HEADINGS["en"])
    rows = tuple((s.on.isoformat(), s.text) for s in chosen)
    return Table(("date", "what happens"), rows, title, headings)


def move_text(plan: MovePlan, loc: Localizer) -> str:
    """A move's plan as text: its findings, the hand-over, and what happens when."""
    loc = narrating(loc)
    verdict = loc.text("plan.allowed" if plan.allowed else "plan.refused")
    lines = [loc.text("move.title", verdict=verdict)]
    lines += finding_lines(loc, plan.findings)
    lines.extend(f"  - {line}" for line in plan.handover)
    lines.append(loc.text("demo.timeline"))
    lines.extend(f"  {line}" for line in str(timeline_table(plan, loc=loc)).splitlines()[2:])
    return "\n".join(lines)


def overview_note(request: LifecycleRequest, loc: Localizer) -> str:
    """How an open request shows in the overview: "ends on …", "read-only until …"."""
    if request.status is RequestStatus.AWAITING_ACCEPTANCE and request.expires_at is not None:
        return loc.text("overview.awaiting", date=request.expires_at.date().isoformat())
    if request.kind is RequestKind.READ_ONLY_ACCESS:
        if request.effective_on is None:
            return loc.text("overview.read_only_while")
        return loc.text("overview.read_only_until", date=request.effective_on.isoformat())
    day = "" if request.effective_on is None else request.effective_on.isoformat()
    return loc.text("overview.ends_on", date=day)


def request_line(request: LifecycleRequest, words: Localizer | CollaborationService) -> str:
    """One request in words: what, about which product, office and day, and where it stands.
    Given the service, in its brand and language with the office by its name; given only a
    localizer, the office is called "the accounting office" (never by its id)."""
    loc = words.localizer if isinstance(words, CollaborationService) else words
    office = loc.text("party.office")
    if isinstance(words, CollaborationService):
        with words.store.transaction(write=False) as uow:
            found = uow.get_office(request.office_id)
        office = office if found is None else found.name
    day = request.effective_on or (request.expires_at.date() if request.expires_at else None)
    what = loc.text(
        f"request.{request.kind.value}",
        product=loc.product(request.product),
        office=office,
        date="" if day is None else day.isoformat(),
    )
    return f"{request.id}  {what}: {request_status(request, loc)}"


def finding_lines(loc: Localizer, findings: Sequence[Finding]) -> list[str]:
    """The findings as indented terminal lines: code, severity in ``loc``'s words and message,
    then the numbered remedy steps."""
    lines = []
    for f in findings:
        lines.append(f"  [{f.code}] {loc.text(f'severity.{f.severity.value}')}: {f.message}")
        lines.extend(f"      {n}. {step}" for n, step in enumerate(f.remedy, start=1))
    return lines


def finding_html(finding: Finding, loc: Localizer | None = None) -> str:
    """One finding as escaped HTML: code, severity (in ``loc``'s words, or those of the
    finding's language), message and the remedy as a numbered list."""
    loc = loc or _reader("visma", finding.language or "en")
    steps = "".join(f"<li>{html.escape(s)}</li>" for s in finding.remedy)
    remedy = f"<ol>{steps}</ol>" if steps else ""
    severity = loc.text(f"severity.{finding.severity.value}")
    return (
        f"<div><b>{html.escape(finding.code)}</b> <i>{html.escape(severity)}</i>: "
        f"{html.escape(finding.message)}{remedy}</div>"
    )


def _items(tag: str, lines: Sequence[str]) -> str:
    return f"<{tag}>" + "".join(f"<li>{html.escape(x)}</li>" for x in lines) + f"</{tag}>"


def plan_html(plan: Plan, loc: Localizer | None = None) -> str:
    """A plan as escaped HTML (what Jupyter shows), in the plan's brand and language (or
    ``loc``'s): allowed or refused, the findings, the effects, the consequences and the
    timeline."""
    loc = narrating(loc) if loc is not None else _reader(plan.brand, plan.language)
    parts = [f"<div><h4>{html.escape(_plan_title(plan, loc))}</h4>"]
    parts += [finding_html(f, loc) for f in plan.findings]
    if plan.effect_descriptions:
        parts += [f"<p>{html.escape(loc.text('demo.effects'))}</p>", _items("ol", plan.effect_descriptions)]
    if plan.consequences is not None:
        parts += [
            f"<p>{html.escape(loc.text('demo.consequences'))}</p>",
            _items("ul", plan.consequences.lines),
        ]
    if plan.timeline:
        parts += [
            f"<p>{html.escape(loc.text('demo.timeline'))}</p>",
            timeline_table(plan, loc=loc)._repr_html_(),
        ]
    return "".join(parts) + "</div>"


def move_html(plan: MovePlan, loc: Localizer | None = None) -> str:
    """A move's plan as escaped HTML, in the language of its ends (or ``loc``'s)."""
    if loc is not None:
        loc = narrating(loc)
    else:
        first = plan.ends[0] if plan.ends else None
        loc = _reader(first.brand, first.language) if first else _reader("visma", "en")
    verdict = loc.text("plan.allowed" if plan.allowed else "plan.refused")
    findings = "".join(finding_html(f, loc) for f in plan.findings)
    return (
        f"<div><h4>{html.escape(loc.text('move.title', verdict=verdict))}</h4>{findings}"
        f"{_items('ul', plan.handover)}{timeline_table(plan, loc=loc)._repr_html_()}</div>"
    )


def rulebook_table(rulebook: Rulebook) -> Table:
    """The rulebook as a table: each rule's id, severity (as graded in this book), operations,
    products and whether it is protected, in the book's order."""
    rows = tuple(
        (
            r.id,
            rulebook.severity_of(r).value,
            ", ".join(sorted(o.value for o in r.operations)),
            "all" if r.products is None else ", ".join(sorted(r.products)),
            r.protected,
        )
        for r in rulebook
    )
    return Table(("rule", "severity", "operations", "products", "protected"), rows, "Rulebook")


def register_with_ipython() -> bool:
    """Show plans, findings and rulebooks as HTML in a running IPython; False when there is none."""
    # Only a running IPython has a shell to tell, and it has imported IPython already: importing
    # it here would cost every plain script that explores a third of a second for nothing.
    ipython: Any = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    if shell is None:
        return False
    formatter = shell.display_formatter.formatters["text/html"]
    formatter.for_type(Plan, plan_html)
    formatter.for_type(MovePlan, move_html)
    formatter.for_type(Finding, finding_html)
    formatter.for_type(Rulebook, lambda book: rulebook_table(book)._repr_html_())
    return True
