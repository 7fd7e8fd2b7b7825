"""What each section of the report shows, as values for its template (`templates/*.html.j2`):
the KPI tiles, and per figure its rows and its chart (SVG, from the Vega-Lite specifications in `charts.py`)."""

from __future__ import annotations

from markupsafe import Markup

from .charts import (
    KIND_PALETTE,
    STATUS_COLOURS,
    STATUS_LABELS,
    STATUS_ORDER,
    _scale_max,
    execution_chart,
    execution_scale,
    paired_chart,
    stacked_chart,
    top_chart,
)
from .data import Data, GapRow
from .formatting import fte, number, pct
from .sources import Linker, Source


def kpi_tiles(data: Data) -> list[dict]:
    n_docs = len(data.docs)
    blocks = sum(d.node_count for d in data.docs)
    leaves = sum(d.leaf_count for d in data.docs)
    lost = sum(d.header_lost_count for d in data.docs)
    tables = sum(data.tables.get(d.document_id, 0) for d in data.docs)
    markers = sum(d.table_markers or 0 for d in data.docs)
    anomalies = sum(sum(k.values()) for k in data.anomalies.values())
    checks = sum(sum(s.values()) for s in data.statuses.values())
    gaps = sum(s.get("gap", 0) for s in data.statuses.values())
    blocks_label = f"blocks (goals, plans, actions, projects); {number(leaves)} leaves, {number(lost)} with lost header"
    tiles = [
        ("reports", n_docs, number(n_docs), "reports in the warehouse", "#sources"),
        ("blocks", blocks, number(blocks), blocks_label, "#fig-quality-tables"),
        (
            "tables",
            tables,
            f"{number(tables)} / {number(markers)}",
            "tables extracted / table markers counted in the text",
            "#fig-quality-tables",
        ),
        ("anomalies", anomalies, number(anomalies), "anomalies recorded by the extractor", "#fig-quality-anomalies"),
        (
            "gaps",
            gaps,
            number(gaps),
            f"reconciliation gaps, of {number(checks)} checks (parent vs Σ children)",
            "#gaps",
        ),
    ]
    return [dict(zip(("key", "value", "shown", "label", "href"), tile)) for tile in tiles]


def execution_figures(data: Data, linker: Linker) -> list[dict]:
    scale = execution_scale(data.execution)
    figures = []
    for doc in data.docs:
        rows = [r for r in data.execution if r.doc is doc]
        if rows:
            cid = f"execution-{doc.document_id[:12]}"
            chart = Markup(execution_chart(cid, rows, linker, doc, scale))
            figures.append(dict(doc=doc, cid=cid, rows=rows, chart=chart))
    return figures


def top_action_figures(data: Data, linker: Linker) -> list[dict]:
    return [
        dict(
            year=year, rows=data.top[year], chart=Markup(top_chart(f"top-actions-{year}", data.top[year], linker, year))
        )
        for year in sorted(data.top, reverse=True)
    ]


def staffing_figures(data: Data, linker: Linker) -> list[dict]:
    """Per report, its goals' planned and paid VTE; no chart for a report without staffing tables."""
    scale = _scale_max([v for r in data.fte for v in (r.plan, r.paid)], 1, 50)
    figures = []
    for doc in data.docs:
        rows = [r for r in data.fte if r.doc is doc]
        if not rows:
            continue
        cid = f"staffing-{doc.document_id[:12]}"
        chart = None
        if not all(r.status == "not_reported" for r in rows):
            chart_rows = []
            for r in rows:
                if r.status == "not_reported":
                    note = "not reported (no staffing tables in this report)"
                else:
                    note = f"plan {fte(r.plan)} · paid {fte(r.paid)} ({pct(r.rate)})"
                chart_rows.append(
                    dict(
                        label=f"{r.goal_code} {r.title or ''}",
                        a=r.plan,
                        b=r.paid,
                        note=note,
                        href=linker.href(r.source),
                        tip=f"{r.goal_code} {r.title or ''} — {note} — {r.source.text}",
                    )
                )
            chart = Markup(
                paired_chart(
                    cid,
                    f"Planned vs paid VTE per goal — {doc.label}",
                    "Paired horizontal bars per policy goal: planned VTE (light) and paid VTE (dark), as printed.",
                    chart_rows,
                    ("plan VTE", "paid VTE"),
                    scale=scale,
                )
            )
        figures.append(dict(doc=doc, cid=cid, rows=rows, chart=chart))
    return figures


def reconciliation_verdict(data: Data) -> str:
    """The reconciliation suite's verdict in the words of the terminal, the UI and the Data Docs."""
    from expectations.runner import verdict

    gaps = sum(s.get("gap", 0) for s in data.statuses.values())
    not_printed = sum(s.get("not_printed", 0) for s in data.statuses.values())
    return verdict(
        "reconciliation",
        "WARN" if gaps or not_printed else "OK",
        {"gaps": gaps, "not_printed_cells": not_printed},
        gaps + not_printed,
    )


def _per_report_chart(
    data: Data,
    linker: Linker,
    counts: dict[str, dict[str, int]],
    titles: tuple[str, str, str],
    keys: list[str],
    colours: dict[str, str],
    labels: dict[str, str],
) -> Markup:
    """A stacked chart (`titles`: its id, title and description) of one bar per report: its counts by
    key, in the order of `keys`, linked to the report's entry."""
    rows = [
        dict(
            label=f"{d.file_name} ({d.report_year})",
            href=linker.href(Source(d, None, None)),
            segments=counts.get(d.document_id, {}),
        )
        for d in data.docs
    ]
    return Markup(stacked_chart(*titles, rows, keys, colours, labels))


def reconciliation_figure(data: Data, linker: Linker) -> dict:
    present = [s for s in STATUS_ORDER if any(data.statuses.get(d.document_id, {}).get(s) for d in data.docs)]
    titles = (
        "reconciliation-status",
        "Reconciliation status counts per report",
        "Stacked horizontal bars: number of reconciliation checks per status, one bar per report.",
    )
    return dict(
        chart=_per_report_chart(data, linker, data.statuses, titles, present, STATUS_COLOURS, STATUS_LABELS),
        verdict=reconciliation_verdict(data),
    )


def tolerance(gap: GapRow) -> str:
    """A gap's tolerance as the report prints its unit: VTE with two decimals, euros whole or with one."""
    if gap.unit == "FTE":
        return fte(gap.tolerance)
    return f"{number(gap.tolerance, 0 if gap.tolerance % 1 == 0 else 1)} €"


def quality_figures(data: Data, linker: Linker) -> dict:
    chart_rows = []
    for d in data.docs:
        tables, markers = data.tables.get(d.document_id, 0), d.table_markers
        ok = "all tables read" if tables == markers else f"{number((markers or 0) - tables)} missing"
        chart_rows.append(
            dict(
                label=f"{d.file_name} ({d.report_year})",
                a=markers,
                b=tables,
                note=f"{number(tables)} of {number(markers)} ({ok})",
                href=linker.href(Source(d, None, None)),
                tip=f"{d.file_name}: {number(tables)} tables extracted, {number(markers)} markers counted",
            )
        )
    tables_chart = paired_chart(
        "quality-tables",
        "Tables extracted vs table markers counted, per report",
        "Paired horizontal bars per report: table markers counted in the text (light) and tables extracted (dark).",
        chart_rows,
        ("table markers", "tables extracted"),
        colours=("#cbd5e0", "#2f855a"),
    )
    kinds = sorted({k for a in data.anomalies.values() for k in a})
    colours = {k: KIND_PALETTE[i % len(KIND_PALETTE)] for i, k in enumerate(kinds)}
    labels = {k: k.replace("_", " ") for k in kinds}
    anomalies_titles = (
        "quality-anomalies",
        "Anomalies by kind, per report",
        "Stacked horizontal bars: number of anomalies the extractor recorded, by kind, one bar per report.",
    )
    return dict(
        tables_chart=Markup(tables_chart),
        anomalies_chart=_per_report_chart(data, linker, data.anomalies, anomalies_titles, kinds, colours, labels),
        kinds=kinds,
        labels=labels,
        kind_totals={k: sum(a.get(k, 0) for a in data.anomalies.values()) for k in kinds},
        document_headers=[(d.file_name, True) for d in data.docs],
    )
