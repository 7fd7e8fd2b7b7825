"""The one rule that decides whether an extracted report may be loaded.

A report is refused only when its numbers are incomplete or misplaced: pages missing (a goal
or plan its table of contents lists not read, a gap or repeat in its printed page numbering:
`contents`), fewer tables read than table markers printed, a budget or staffing table short
of its rows, rows out of their fixed order or labelled for another row, a table header
without its years. Everything else (a block without a code or a table, a title or service
that reads oddly) is an anomaly that travels with the rows. The CLI and the pipeline both ask
this module, so they decide alike.
"""

from __future__ import annotations

from pathlib import Path

from . import contents, grammar
from .errors import ExtractionError

# Anomaly kinds that mean numbers are missing or may sit in the wrong place.
REFUSING_KINDS = ("completeness", "row_order", "header_years_missing", "header_years_unexpected")


def refusal(extraction) -> str | None:
    """Why this extraction must not be loaded, or None when it may be."""
    gaps = [a.detail for a in extraction.tables["anomalies"] if a.kind in contents.KINDS]
    tail = contents.missing_tail(extraction.tables, extraction.document.layout)
    gaps += [tail] if tail else []
    if gaps:  # a report with pages missing: name every missing entry and page
        return "report not whole (pages missing): " + "; ".join(gaps)
    for anomaly in extraction.tables["anomalies"]:
        if anomaly.kind in REFUSING_KINDS:
            return f"layout not recognised ({anomaly.kind}): {anomaly.detail}{_where(anomaly.page, anomaly.line)}"
    for row in extraction.tables["budget_lines"]:
        problem = _label_problem(row)
        if problem:
            return problem
    return None


def _label_problem(row) -> str | None:
    """Every budget row prints the labels of its own row: "<category> Uitgaven", then "Ontvangsten".

    A row is placed by its fixed position, so a category in other words ("Werking" for
    "Exploitatie") would be read over and a row label the grammar cannot match would shift
    the rows after it (misspellings within the grammar's tolerance are allowed).
    """
    words = row.label_printed.split()
    labels = [grammar.match_label(w, grammar.CATEGORIES) or grammar.match_label(w, grammar.DIRECTIONS) for w in words]
    printed = [label.canonical if label else None for label in labels]
    expected = (
        [[row.category, row.direction]]
        if row.direction == grammar.DIRECTIONS[0]
        else [[row.direction], [row.category, row.direction]]
    )
    if printed in expected:
        return None
    wanted = " ".join(word.capitalize() for word in expected[0])
    return f"layout not recognised: row label {row.label_printed!r} where {wanted!r} was expected{_where(row.page, row.line)}"


def _where(page, line) -> str:
    return f" (page {page}, line {line})" if page else (f" (line {line})" if line else "")


def refuse_layout_drift(path: Path | str, extraction) -> None:
    """Raise ExtractionError when the extractor's acceptance rule refuses the report (the pipeline's
    form of the rule the CLI applies)."""
    reason = refusal(extraction)
    if reason:
        raise ExtractionError(path, reason)
