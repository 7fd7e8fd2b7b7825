"""The report's sections as HTML: KPIs, execution, top actions, staffing, reconciliation, quality, sources."""

from __future__ import annotations

from html import escape

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
from .data import Data
from .formatting import eur, fte, number, pct, ratio_pct, raw_value
from .html_parts import _attrs, _fallback, _table, _td
from .sources import Doc, Linker, Source


def _doc_heading(doc: Doc, linker: Linker) -> str:
    return (
        f'<h3>{escape(doc.label)} <span class="note">({escape(str(doc.report_year or ""))}, '
        f"{linker.link(Source(doc, None, None))})</span></h3>"
    )


def section_kpis(data: Data, linker: Linker) -> str:
    n_docs = len(data.docs)
    blocks = sum(d.node_count for d in data.docs)
    leaves = sum(d.leaf_count for d in data.docs)
    lost = sum(d.header_lost_count for d in data.docs)
    tables = sum(data.tables.get(d.document_id, 0) for d in data.docs)
    markers = sum(d.table_markers or 0 for d in data.docs)
    anomalies = sum(sum(k.values()) for k in data.anomalies.values())
    checks = sum(sum(s.values()) for s in data.statuses.values())
    gaps = sum(s.get("gap", 0) for s in data.statuses.values())
    tiles = [
        ("reports", n_docs, number(n_docs), "reports in the warehouse", "#sources"),
        (
            "blocks",
            blocks,
            number(blocks),
            f"blocks (goals, plans, actions, projects); {number(leaves)} leaves, {number(lost)} with lost header",
            "#fig-quality-tables",
        ),
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
    out = ['<div class="kpis">']
    for key, value, shown, label, href in tiles:
        out.append(
            f'<div class="kpi" data-kpi="{key}" data-value="{value}"><span class="v">{escape(shown)}</span>'
            f'<span class="l">{escape(label)}</span> <a href="{href}">per report</a></div>'
        )
    out.append("</div>")
    return "\n".join(out)


def section_execution(data: Data, linker: Linker) -> str:
    out = [
        '<section id="execution"><h2>Execution rate per goal and action plan</h2>',
        '<p class="lead">Operating expenditure (exploitatie uitgaven): actual (jaarrekening) as a share of the '
        "budget, as printed in the report. Where a report prints no goal totals (District09 2021) the goal rate is "
        "derived from the sum of its plans and shown in grey. Each bar links to its source.</p>",
    ]
    scale = execution_scale(data.execution)
    for doc in data.docs:
        rows = [r for r in data.execution if r.doc is doc]
        if not rows:
            continue
        cid = f"execution-{doc.document_id[:12]}"
        table_rows = []
        for r in rows:
            table_rows.append(
                f"<tr{_attrs(class_='goal' if r.level == 'goal' else None, data_figure='execution', data_document=doc.file_name, data_level=r.level, data_code=r.code)}>"
                f"<td>{escape(r.code)}</td><td>{escape(r.title or '')}</td>"
                + _td(eur(r.budget), raw_value(r.budget))
                + _td(eur(r.actual), raw_value(r.actual))
                + _td(pct(r.rate) + ("" if r.rate_printed else " (derived)"), raw_value(r.rate), cls="rate")
                + f"<td>{linker.link(r.source)}</td></tr>"
            )
        table = _table(
            [
                ("code", False),
                ("title", False),
                ("budget", True),
                ("actual", True),
                ("% execution", True),
                ("source", False),
            ],
            table_rows,
            f"Execution rate per goal and plan — {doc.label}",
        )
        out.append(
            f'<figure id="fig-{cid}" data-figure="execution" data-document="{escape(doc.file_name)}">'
            f"<figcaption>{escape(doc.label)} ({doc.report_year}) — {linker.link(Source(doc, None, None))}</figcaption>\n"
            f"{execution_chart(cid, rows, linker, doc, scale)}\n{_fallback('Data table', table)}</figure>"
        )
    out.append("</section>")
    return "\n".join(out)


def section_top(data: Data, linker: Linker) -> str:
    out = [
        '<section id="top-actions"><h2>Top 10 actions by actual operating expenditure</h2>',
        '<p class="lead">Conformed actions and projects: a Stad/OCMW pair is one action with both shares added '
        "(split by colour). Amounts as printed (jaarrekening, exploitatie uitgaven); cells the report lost are not "
        "counted. Each row links to the budget row of every member leaf.</p>",
    ]
    for year in sorted(data.top, reverse=True):
        rows = data.top[year]
        cid = f"top-actions-{year}"
        table_rows = []
        for r in rows:
            flags = []
            if r.is_intra_group:
                flags.append("intra-group flow")
            if r.unprinted_cells:
                flags.append(f"{r.unprinted_cells} cell(s) not printed")
            table_rows.append(
                f"<tr{_attrs(data_figure='top-actions', data_year=year, data_rank=r.rank, data_code=r.codes)}>"
                + _td(str(r.rank), r.rank)
                + f"<td>{escape(r.codes)}</td><td>{escape(r.title or '')}"
                + (f" <em>({escape(', '.join(flags))})</em>" if flags else "")
                + "</td>"
                + f"<td>{escape(r.plan_code or '')}</td>"
                + _td(eur(r.actual), raw_value(r.actual))
                + _td(eur(r.budget), raw_value(r.budget))
                + _td(pct(ratio_pct(r.actual, r.budget)), raw_value(ratio_pct(r.actual, r.budget)))
                + "<td>"
                + "<br>".join(
                    f'<span data-leaf="{escape(code)}">{escape(code)}: {linker.link(s)}</span>' for code, s in r.members
                )
                + "</td></tr>"
            )
        table = _table(
            [
                ("#", True),
                ("codes", False),
                ("title", False),
                ("plan", False),
                ("actual", True),
                ("budget", True),
                ("% execution", True),
                ("source", False),
            ],
            table_rows,
            f"Top 10 actions {year}",
        )
        out.append(
            f'<figure id="fig-{cid}" data-figure="top-actions" data-year="{year}">'
            f"<figcaption>Fiscal year {year}</figcaption>\n{top_chart(cid, rows, linker, year)}\n"
            f"{_fallback('Data table', table)}</figure>"
        )
    out.append("</section>")
    return "\n".join(out)


def section_fte(data: Data, linker: Linker) -> str:
    out = [
        '<section id="staffing"><h2>Planned vs paid staffing (VTE) per goal</h2>',
        '<p class="lead">Full-time equivalents per policy goal as printed in the goal\'s staffing table: plan '
        "(light) and paid (dark). A report without staffing tables says <em>not reported</em>: that is not 0.</p>",
    ]
    scale = _scale_max([v for r in data.fte for v in (r.plan, r.paid)], 1, 50)
    for doc in data.docs:
        rows = [r for r in data.fte if r.doc is doc]
        if not rows:
            continue
        cid = f"staffing-{doc.document_id[:12]}"
        chart_rows, table_rows = [], []
        for r in rows:
            rate = ratio_pct(r.paid, r.plan)
            if r.status == "not_reported":
                note = "not reported (no staffing tables in this report)"
            else:
                note = f"plan {fte(r.plan)} · paid {fte(r.paid)} ({pct(rate)})"
            chart_rows.append(
                dict(
                    label=f"{r.goal_code} {r.title or ''}",
                    a=r.plan,
                    b=r.paid,
                    note=note,
                    href=linker.href(r.source),
                    figure="staffing",
                    code=r.goal_code,
                    value=raw_value(r.paid),
                    tip=f"{r.goal_code} {r.title or ''} — {note} — {r.source.text}",
                )
            )
            table_rows.append(
                f"<tr{_attrs(data_figure='staffing', data_document=doc.file_name, data_code=r.goal_code, data_status=r.status)}>"
                f"<td>{escape(r.goal_code)}</td><td>{escape(r.title or '')}</td>"
                + _td(fte(r.plan), raw_value(r.plan), cls="plan")
                + _td(fte(r.paid), raw_value(r.paid), cls="paid")
                + _td(pct(rate), raw_value(rate))
                + _td(fte(r.plan_leaves), raw_value(r.plan_leaves))
                + _td(fte(r.paid_leaves), raw_value(r.paid_leaves))
                + f"<td>{escape(STATUS_LABELS.get(r.status, r.status or ''))}</td><td>{linker.link(r.source)}</td></tr>"
            )
        if all(r.status == "not_reported" for r in rows):
            chart = (
                f'<p class="not-reported" data-figure="staffing" data-status="not_reported" data-document="{escape(doc.file_name)}">'
                f"Not reported: this report has no staffing tables, for none of its {len(rows)} goals "
                "(null, not 0).</p>"
            )
        else:
            chart = paired_chart(
                cid,
                f"Planned vs paid VTE per goal — {doc.label}",
                "Paired horizontal bars per policy goal: planned VTE (light) and paid VTE (dark), as printed.",
                chart_rows,
                ("plan VTE", "paid VTE"),
                scale=scale,
            )
        table = _table(
            [
                ("goal", False),
                ("title", False),
                ("plan VTE", True),
                ("paid VTE", True),
                ("% paid", True),
                ("plan Σ leaves", True),
                ("paid Σ leaves", True),
                ("reconciliation (paid)", False),
                ("source", False),
            ],
            table_rows,
            f"Planned vs paid VTE per goal — {doc.label}",
        )
        out.append(
            f'<figure id="fig-{cid}" data-figure="staffing" data-document="{escape(doc.file_name)}">'
            f"<figcaption>{escape(doc.label)} ({doc.report_year}) — {linker.link(Source(doc, None, None))}</figcaption>\n"
            f"{chart}\n{_fallback('Data table', table)}</figure>"
        )
    out.append("</section>")
    return "\n".join(out)


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


def section_reconciliation(data: Data, linker: Linker) -> str:
    out = [
        '<section id="reconciliation"><h2>Reconciliation status</h2>',
        '<p class="lead">Every printed goal and plan total compared with the sum of its children, per metric '
        "(budget, actual, previous year; plan, paid VTE): <em>exact</em>, within <em>rounding</em> tolerance "
        "(½ unit × (n+1)), a real <em>gap</em>, <em>not printed</em>, <em>derived</em> (the report prints no total) "
        "or <em>not reported</em>. Gaps are listed below with their size and location.</p>",
    ]
    present = [s for s in STATUS_ORDER if any(data.statuses.get(d.document_id, {}).get(s) for d in data.docs)]
    rows = [
        dict(
            label=f"{d.file_name} ({d.report_year})",
            href=linker.href(Source(d, None, None)),
            code=d.file_name,
            segments=data.statuses.get(d.document_id, {}),
        )
        for d in data.docs
    ]
    chart = stacked_chart(
        "reconciliation-status",
        "Reconciliation status counts per report",
        "Stacked horizontal bars: number of reconciliation checks per status, one bar per report.",
        rows,
        present,
        STATUS_COLOURS,
        STATUS_LABELS,
        "reconciliation",
    )
    table_rows = []
    for d in data.docs:
        s = data.statuses.get(d.document_id, {})
        table_rows.append(
            f"<tr{_attrs(data_figure='reconciliation', data_document=d.file_name)}>"
            f"<td>{linker.link(Source(d, None, None))}</td>"
            + "".join(_td(number(s.get(k, 0)), s.get(k, 0), cls=f"status-{k}") for k in STATUS_ORDER)
            + _td(number(sum(s.values())), sum(s.values()), cls="total")
            + "</tr>"
        )
    table = _table(
        [("report", False), *[(STATUS_LABELS[k], True) for k in STATUS_ORDER], ("checks", True)],
        table_rows,
        "Reconciliation status counts per report",
    )
    out.append(
        '<figure id="fig-reconciliation-status" data-figure="reconciliation">'
        f"<figcaption>Checks per status and report</figcaption>\n{chart}\n{_fallback('Data table', table)}</figure>"
    )

    out.append(f'<h3 id="gaps">Gaps ({number(len(data.gaps))})</h3>')
    verdict = reconciliation_verdict(data)
    out.append(
        f'<p class="verdict" data-suite="reconciliation" data-severity="{verdict.split()[0]}">'
        f"Quality suite “3. Reconciliation”: {escape(verdict)}</p>"
    )
    if data.gaps:
        out.append(
            '<p class="note">Difference = printed total − Σ children; positive means the parent prints more than '
            "its children add up to. Printed values are never changed.</p>"
        )
        gap_rows = []
        for g in data.gaps:
            fmt = fte if g.unit == "FTE" else eur
            what = f"{g.metric} · {g.category} {g.direction}" if g.unit == "EUR" else g.metric
            gap_rows.append(
                f"<tr{_attrs(data_figure='gap', data_document=g.doc.file_name, data_code=g.parent_code, data_metric=g.metric, data_category=g.category, data_direction=g.direction)}>"
                f"<td>{escape(g.parent_code)}</td><td>{escape(what)}</td><td>{escape(str(g.value_year or ''))}</td>"
                + _td(fmt(g.printed), raw_value(g.printed))
                + _td(fmt(g.children_sum), raw_value(g.children_sum))
                + _td(fmt(g.difference), raw_value(g.difference), cls="difference")
                + _td(
                    fte(g.tolerance)
                    if g.unit == "FTE"
                    else f"{number(g.tolerance, 0 if g.tolerance % 1 == 0 else 1)} €",
                    raw_value(g.tolerance),
                )
                + _td(str(g.child_count), g.child_count)
                + f"<td>{linker.link(g.source)}</td></tr>"
            )
        out.append(
            _table(
                [
                    ("parent", False),
                    ("metric", False),
                    ("year", False),
                    ("printed", True),
                    ("Σ children", True),
                    ("difference", True),
                    ("tolerance", True),
                    ("children", True),
                    ("source", False),
                ],
                gap_rows,
                "Reconciliation gaps",
            )
        )
    else:
        out.append('<p class="note">No gaps: every printed total agrees with its children within rounding.</p>')
    out.append("</section>")
    return "\n".join(out)


def section_quality(data: Data, linker: Linker) -> str:
    out = [
        '<section id="quality"><h2>Data quality</h2>',
        '<p class="lead">Per report: the tables the extractor read against the table markers counted '
        "independently in the text, the blocks, and the anomalies recorded (damage found and handled).</p>",
    ]
    chart_rows, table_rows = [], []
    for d in data.docs:
        tables, markers = data.tables.get(d.document_id, 0), d.table_markers
        src = Source(d, None, None)
        ok = "all tables read" if tables == markers else f"{number((markers or 0) - tables)} missing"
        chart_rows.append(
            dict(
                label=f"{d.file_name} ({d.report_year})",
                a=markers,
                b=tables,
                note=f"{number(tables)} of {number(markers)} ({ok})",
                href=linker.href(src),
                figure="tables",
                code=d.file_name,
                value=tables,
                tip=f"{d.file_name}: {number(tables)} tables extracted, {number(markers)} markers counted",
            )
        )
        table_rows.append(
            f"<tr{_attrs(data_figure='quality', data_document=d.file_name)}><td>{linker.link(src)}</td>"
            + _td(number(d.page_count) if d.page_count is not None else "–", d.page_count)
            + _td(number(d.line_count), d.line_count)
            + _td(number(d.node_count), d.node_count, cls="blocks")
            + _td(number(d.leaf_count), d.leaf_count)
            + _td(number(d.header_lost_count), d.header_lost_count, cls="header-lost")
            + _td(number(tables), tables, cls="tables")
            + _td(number(markers), markers, cls="markers")
            + _td(
                number(sum(data.anomalies.get(d.document_id, {}).values())),
                sum(data.anomalies.get(d.document_id, {}).values()),
                cls="anomalies",
            )
            + "</tr>"
        )
    chart = paired_chart(
        "quality-tables",
        "Tables extracted vs table markers counted, per report",
        "Paired horizontal bars per report: table markers counted in the text (light) and tables extracted (dark).",
        chart_rows,
        ("table markers", "tables extracted"),
        colours=("#cbd5e0", "#2f855a"),
    )
    table = _table(
        [
            ("report", False),
            ("pages", True),
            ("lines", True),
            ("blocks", True),
            ("leaves", True),
            ("lost headers", True),
            ("tables", True),
            ("markers", True),
            ("anomalies", True),
        ],
        table_rows,
        "Data-quality figures per report",
    )
    out.append(
        '<figure id="fig-quality-tables" data-figure="tables">'
        f"<figcaption>Tables vs markers</figcaption>\n{chart}\n{_fallback('Data table', table, open_=True)}</figure>"
    )

    kinds = sorted({k for a in data.anomalies.values() for k in a})
    colours = {k: KIND_PALETTE[i % len(KIND_PALETTE)] for i, k in enumerate(kinds)}
    labels = {k: k.replace("_", " ") for k in kinds}
    rows = [
        dict(
            label=f"{d.file_name} ({d.report_year})",
            href=linker.href(Source(d, None, None)),
            code=d.file_name,
            segments=data.anomalies.get(d.document_id, {}),
        )
        for d in data.docs
    ]
    chart = stacked_chart(
        "quality-anomalies",
        "Anomalies by kind, per report",
        "Stacked horizontal bars: number of anomalies the extractor recorded, by kind, one bar per report.",
        rows,
        kinds,
        colours,
        labels,
        "anomalies",
    )
    a_rows = []
    for k in kinds:
        a_rows.append(
            f"<tr{_attrs(data_figure='anomalies', data_kind=k)}><td>{escape(labels[k])}</td>"
            + "".join(
                _td(
                    number(data.anomalies.get(d.document_id, {}).get(k, 0)),
                    data.anomalies.get(d.document_id, {}).get(k, 0),
                    cls=f"doc-{d.document_id[:12]}",
                )
                for d in data.docs
            )
            + _td(
                number(sum(a.get(k, 0) for a in data.anomalies.values())),
                sum(a.get(k, 0) for a in data.anomalies.values()),
                cls="total",
            )
            + "</tr>"
        )
    table = _table(
        [("kind", False), *[(d.file_name, True) for d in data.docs], ("total", True)], a_rows, "Anomalies by kind"
    )
    out.append(
        '<figure id="fig-quality-anomalies" data-figure="anomalies">'
        f"<figcaption>Anomalies by kind</figcaption>\n{chart}\n{_fallback('Data table', table)}</figure>"
    )
    out.append("</section>")
    return "\n".join(out)


def section_sources(data: Data, linker: Linker) -> str:
    rows = []
    for d in data.docs:
        rows.append(
            f'<tr id="{d.anchor}"{_attrs(data_figure="document", data_document=d.file_name)}>'
            f"<td>{escape(d.file_name)}</td><td>{escape(d.title or '')}</td><td>{escape(str(d.report_year or ''))}</td>"
            f"<td>{escape(d.layout)}</td><td>{escape(d.source_format)}</td>"
            + _td(number(d.page_count) if d.page_count is not None else "–", d.page_count)
            + f'<td><code class="sha">{escape(d.document_id)}</code></td></tr>'
        )
    return (
        '<section id="sources"><h2>Source documents</h2>'
        '<p class="lead">Every figure on this page leads back to one of these documents, by page (PDF) or '
        "line (text dump). The document id is the sha256 of the file.</p>\n"
        + _table(
            [
                ("file", False),
                ("title", False),
                ("year", False),
                ("layout", False),
                ("format", False),
                ("pages", True),
                ("document id (sha256)", False),
            ],
            rows,
            "Source documents",
        )
        + "</section>"
    )
