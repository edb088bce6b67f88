"""Showing plans, findings, rulebooks and tables: aligned text for terminals, HTML for Jupyter.

The values themselves know nothing of display; :func:`register_with_ipython`
tells a running IPython how to show them (``collabcore.explore`` does it on
import).
"""

from __future__ import annotations

import html
import importlib
import sys
from collections.abc import Sequence
from typing import Any

from attrs import frozen

from collabcore.domain.errors import ConfigurationError
from collabcore.domain.findings import Finding
from collabcore.domain.plans import MovePlan, Plan, TimelineStep
from collabcore.domain.requests import LifecycleRequest, RequestKind, RequestStatus
from collabcore.policy.engine import Rulebook
from collabcore.policy.products import default_products
from collabcore.tools.words import narrating
from collabcore.wording.texts import Localizer
from collabcore.wording.words import default_texts


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

    def __str__(self) -> str:
        cells = [self.columns, *(tuple(_cell(v) for v in row) for row in self.rows)]
        widths = [max(len(str(r[i])) for r in cells) for i in range(len(self.columns))]
        lines = [self.title] if self.title else []
        for n, row in enumerate(cells):
            lines.append("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
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


def plan_text(plan: Plan, loc: Localizer | None = None) -> str:
    """A plan as text, in the plan's brand and language (or ``loc``'s)."""
    names = default_products().names()
    loc = narrating(loc or default_texts().localizer(plan.brand, plan.language, product_names=names))
    verdict = loc.text("plan.allowed" if plan.allowed else "plan.refused")
    lines = [
        loc.text(
            "plan.title",
            product=loc.product(plan.collaboration.product),
            collaboration=plan.collaboration.id,
            outcome=loc.text(f"outcome.{plan.outcome.value}"),
            verdict=verdict,
        )
    ]
    lines += finding_lines(loc, plan.findings)
    if plan.effect_descriptions:
        lines.append(loc.text("demo.effects"))
        lines.extend(f"  {n}. {d}" for n, d in enumerate(plan.effect_descriptions, start=1))
    if plan.consequences is not None:
        lines.append(loc.text("demo.consequences"))
        lines.extend(f"  - {line}" for line in plan.consequences.lines)
    if plan.timeline:
        lines.append(loc.text("demo.timeline"))
        lines.extend(f"  {line}" for line in str(timeline_table(plan.timeline)).splitlines()[2:])
    return "\n".join(lines)


def timeline_table(steps: Plan | MovePlan | Sequence[TimelineStep], title: str = "") -> Table:
    """What happens on each date, one row per step: a terminal table, and HTML in Jupyter."""
    chosen = steps.timeline if isinstance(steps, Plan | MovePlan) else tuple(steps)
    return Table(("date", "what happens"), tuple((s.on.isoformat(), s.text) for s in chosen), title)


def move_text(plan: MovePlan, loc: Localizer) -> str:
    """A move's plan as text: its findings, the hand-over, and what happens when."""
    loc = narrating(loc)
    verdict = loc.text("plan.allowed" if plan.allowed else "plan.refused")
    lines = [loc.text("move.title", verdict=verdict)]
    lines += finding_lines(loc, plan.findings)
    lines.extend(f"  - {line}" for line in plan.handover)
    lines.append(loc.text("demo.timeline"))
    lines.extend(f"  {line}" for line in str(timeline_table(plan)).splitlines()[2:])
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


def request_line(request: LifecycleRequest, loc: Localizer) -> str:
    """One request in words: what, about which product and day, and where it stands."""
    day = request.effective_on or (request.expires_at.date() if request.expires_at else None)
    params = {
        "product": loc.product(request.product),
        "office": request.office_id,
        "date": "" if day is None else day.isoformat(),
        "party": "" if request.awaits is None else loc.text(f"party.{request.awaits.value}"),
    }
    what = loc.text(f"request.{request.kind.value}", **params)
    status = loc.text(f"request.status.{request.status.value}", **params)
    return f"{request.id}  {what}: {status}"


def finding_lines(loc: Localizer, findings: Sequence[Finding]) -> list[str]:
    """The findings as indented terminal lines: code, severity in ``loc``'s words and message,
    then the numbered remedy steps."""
    lines = []
    for f in findings:
        lines.append(f"  [{f.code}] {loc.text(f'severity.{f.severity.value}')}: {f.message}")
        lines.extend(f"      {n}. {step}" for n, step in enumerate(f.remedy, start=1))
    return lines


def finding_html(finding: Finding) -> str:
    """One finding as escaped HTML: code, severity, message and the remedy as a numbered list."""
    steps = "".join(f"<li>{html.escape(s)}</li>" for s in finding.remedy)
    remedy = f"<ol>{steps}</ol>" if steps else ""
    return (
        f"<div><b>{html.escape(finding.code)}</b> <i>{html.escape(finding.severity.value)}</i>: "
        f"{html.escape(finding.message)}{remedy}</div>"
    )


def plan_html(plan: Plan) -> str:
    """A plan as escaped HTML (what Jupyter shows): allowed or refused, the findings, the
    effects, the consequences and the timeline."""
    verdict = "allowed" if plan.allowed else "refused"
    findings = "".join(finding_html(f) for f in plan.findings)
    effects = "".join(f"<li>{html.escape(d)}</li>" for d in plan.effect_descriptions)
    lines = "".join(
        f"<li>{html.escape(x)}</li>" for x in (plan.consequences.lines if plan.consequences else ())
    )
    timeline = timeline_table(plan)._repr_html_() if plan.timeline else ""
    return (
        f"<div><h4>{html.escape(plan.outcome.value)}: {verdict}</h4>{findings}"
        f"<p>Effects</p><ol>{effects}</ol><p>Consequences</p><ul>{lines}</ul>{timeline}</div>"
    )


def move_html(plan: MovePlan) -> str:
    verdict = "allowed" if plan.allowed else "refused"
    findings = "".join(finding_html(f) for f in plan.findings)
    handover = "".join(f"<li>{html.escape(x)}</li>" for x in plan.handover)
    return (
        f"<div><h4>Move to {html.escape(plan.to_office_id)}: {verdict}</h4>{findings}"
        f"<ul>{handover}</ul>{timeline_table(plan)._repr_html_()}</div>"
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
