"""Pictures for notebooks: a decision table as a heat map, drawn with matplotlib (the
``notebook`` extra), never required by anything else.

A :class:`Picture` shows itself in Jupyter (as PNG) whatever matplotlib backend is
active, and saves to a file; ``picture.figure`` is the matplotlib figure to adjust.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from collabcore.domain.errors import InvalidInput, describe
from collabcore.tools.display import Table, optional_module

ALLOWED = "allowed"
"""The column of a heat map for the scenarios nothing blocked."""


class Picture:
    """A drawn figure: ``_repr_png_`` for Jupyter, :meth:`save` for files."""

    def __init__(
        self, figure: Any, cells: Sequence[Sequence[int]], rows: Sequence[str], columns: Sequence[str]
    ):
        self.figure = figure
        self.cells = tuple(tuple(row) for row in cells)
        """The counts drawn, row by row (what the picture says, for tests and screen readers)."""
        self.rows = tuple(rows)
        self.columns = tuple(columns)

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()

    def save(self, path: str) -> None:
        """Write the picture to ``path``, in the format its suffix names (``.png``, ``.svg``...)."""
        self.figure.savefig(path, bbox_inches="tight")


def heatmap(table: Table, *, rows: str = "outcome", title: str | None = None) -> Picture:
    """How often each rule blocks, per ``rows`` value (outcome, actor, product or facts) of a
    :func:`~collabcore.tools.explore.decision_table`: one column per blocking rule, and one
    for the scenarios that were allowed."""
    if not isinstance(table, Table) or "blockers" not in table.columns or "allowed" not in table.columns:
        raise InvalidInput(
            f"heatmap draws a decision table (explore.decision_table), got {describe(table)}.", path="table"
        )
    if rows not in table.columns:
        raise InvalidInput(
            f"rows must be a column of the table ({', '.join(table.columns)}), got {describe(rows)}.",
            path="rows",
        )
    records = table.as_dicts()
    labels = list(dict.fromkeys(str(r[rows]) for r in records))
    codes = sorted({c for r in records for c in r["blockers"]}, key=_rule_order)
    columns = [*codes, ALLOWED]
    cells = [[0] * len(columns) for _ in labels]
    for record in records:
        line = cells[labels.index(str(record[rows]))]
        for code in record["blockers"]:
            line[columns.index(code)] += 1
        if record["allowed"]:
            line[-1] += 1
    figure_module = optional_module("matplotlib.figure")
    optional_module("matplotlib.backends.backend_agg")
    figure = figure_module.Figure(figsize=(1.2 + 0.8 * len(columns), 1.0 + 0.5 * len(labels)))
    axes = figure.add_subplot()
    image = axes.imshow(cells, cmap="Reds", aspect="auto")
    axes.set_xticks(range(len(columns)), labels=columns)
    axes.set_yticks(range(len(labels)), labels=labels)
    axes.set_xlabel("blocked by (rule) / allowed")
    axes.set_ylabel(rows)
    axes.set_title(title or f"{table.title}: what blocks, per {rows}")
    peak = max((v for line in cells for v in line), default=0)
    for y, line in enumerate(cells):
        for x, value in enumerate(line):
            colour = "white" if peak and value > peak / 2 else "black"
            axes.text(x, y, str(value), ha="center", va="center", color=colour)
    figure.colorbar(image, ax=axes, label="scenarios")
    return Picture(figure, cells, labels, columns)


def _rule_order(code: str) -> tuple[int, str]:
    digits = "".join(ch for ch in code if ch.isdigit())
    return (int(digits) if digits else 10_000, code)
