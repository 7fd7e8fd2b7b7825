"""The whole page: head, sections, footer; written atomically to `index.html`."""

from __future__ import annotations

from pathlib import Path

import duckdb
from jinja2 import Environment, PackageLoader, StrictUndefined

from extract.atomic_files import write_bytes

from .chart_cache import chart_cache
from .charts import STATUS_LABELS, STATUS_ORDER
from .data import Data, load
from .formatting import eur, fte, number, pct, ratio_pct, raw_value
from .sections import (
    execution_figures,
    kpi_tiles,
    quality_figures,
    reconciliation_figure,
    staffing_figures,
    tolerance,
    top_action_figures,
)
from .sources import Linker, Source

REPORT_FILE = "index.html"

# Autoescaping: every value a template prints is escaped unless it is Markup (the SVG charts and
# the source links: Vega escapes the SVG it writes (charts.py), sources.py builds the links escaped).
TEMPLATES = Environment(
    loader=PackageLoader("serving.report", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
TEMPLATES.filters.update(number=number, eur=eur, pct=pct, fte=fte, raw_value=raw_value)


def render(data: Data, linker: Linker) -> str:
    years = sorted({d.report_year for d in data.docs if d.report_year})
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "")
    return TEMPLATES.get_template("page.html.j2").render(
        span=span,
        docs=data.docs,
        statuses=data.statuses,
        gaps=data.gaps,
        tables=data.tables,
        anomalies=data.anomalies,
        kpis=kpi_tiles(data),
        execution=execution_figures(data, linker),
        top_actions=top_action_figures(data, linker),
        staffing=staffing_figures(data, linker),
        reconciliation=reconciliation_figure(data, linker),
        quality=quality_figures(data, linker),
        status_order=STATUS_ORDER,
        status_labels=STATUS_LABELS,
        status_headers=[(STATUS_LABELS[k], True) for k in STATUS_ORDER],
        link=linker.link,
        document_link=lambda doc: linker.link(Source(doc, None, None)),
        ratio_pct=ratio_pct,
        eur=eur,
        fte=fte,
        tolerance=tolerance,
    )


def build_report(database: Path, out_dir: Path, *, sources: Path | None = None, charts: Path | None = None) -> Path:
    """Read the warehouse read-only and write out_dir/index.html atomically; returns its path.

    sources: the folder of the source reports; when given, source links point to the files
    themselves (a PDF at its page), relative to out_dir; otherwise to the document list on the page.
    charts: the folder that keeps the charts' SVG between builds (chart_cache.py); by default
    `<out_dir>.chart-cache` beside out_dir.
    """
    database, out_dir = Path(database), Path(out_dir)
    charts = Path(charts) if charts else out_dir.with_name(out_dir.name + ".chart-cache")
    if not database.exists():
        raise FileNotFoundError(f"warehouse not found: {database}")
    try:
        con = duckdb.connect(str(database), read_only=True)
    except duckdb.ConnectionException as exc:
        # this process already has the file open read-write (DuckDB allows one configuration per file
        # and process): share that instance; the report only ever runs SELECTs
        if "different configuration" not in str(exc):
            raise
        con = duckdb.connect(str(database))
    try:
        data = load(con)
    finally:
        con.close()
    with chart_cache(charts):
        html = render(data, Linker(out_dir, sources)).encode("utf-8")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = write_bytes(out_dir / REPORT_FILE, html)
    return target
