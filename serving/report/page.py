"""The whole page: head, sections, footer; written atomically to `index.html`."""

from __future__ import annotations

from html import escape
from pathlib import Path

import duckdb

from extract.atomic_files import write_bytes

from .data import Data, load
from .sections import (
    section_execution,
    section_fte,
    section_kpis,
    section_quality,
    section_reconciliation,
    section_sources,
    section_top,
)
from .sources import Linker

REPORT_FILE = "index.html"

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif;
       margin: 0 auto; max-width: 1000px; padding: 1rem 1.25rem 3rem; color: #1a202c; background: #fff; line-height: 1.4; }
h1 { font-size: 1.6rem; margin: .5rem 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 .4rem; border-bottom: 2px solid #e2e8f0; padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .3rem; }
p.lead, p.note { color: #4a5568; margin: .3rem 0 .6rem; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; margin: .6rem 0; }
a { color: #2b6cb0; }
a.src { white-space: nowrap; font-size: .85em; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: .6rem; margin: 1rem 0; }
.kpi { border: 1px solid #e2e8f0; border-radius: 6px; padding: .6rem .8rem; background: #f7fafc; }
.kpi .v { font-size: 1.4rem; font-weight: 700; display: block; white-space: nowrap; }
.kpi a { font-size: .8rem; }
.kpi .l { color: #4a5568; font-size: .85rem; }
figure { margin: 1rem 0 1.6rem; }
figcaption { font-weight: 600; margin-bottom: .3rem; }
svg.chart { max-width: 100%; height: auto; display: block; background: #fff; }
svg .axis { fill: #718096; font-size: 11px; }
svg .val { fill: #1a202c; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
svg .na { fill: #718096; font-style: italic; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg .seg { fill: #fff; font-size: 11px; }
svg .seg-dark { fill: #1a202c; font-size: 11px; }
svg .grid { stroke: #edf2f7; stroke-width: 1; }
svg .ref { stroke: #c53030; stroke-width: 1.5; stroke-dasharray: 5 3; }
svg .budget { stroke: #1a202c; stroke-width: 2; }
svg a.bar { text-decoration: none; }
svg a.bar:hover rect, svg a.bar:focus rect { opacity: .8; }
svg a.bar:hover text { text-decoration: underline; }
details { margin: .4rem 0; }
summary { cursor: pointer; color: #2b6cb0; }
table { border-collapse: collapse; font-size: .85rem; margin: .4rem 0; width: 100%; }
th, td { border-bottom: 1px solid #e2e8f0; padding: .2rem .4rem; text-align: left; vertical-align: top; }
th { background: #f7fafc; }
td.n, th.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.goal td { font-weight: 600; }
.status { display: inline-block; padding: 0 .35rem; border-radius: 3px; font-size: .8em; color: #fff; }
p.not-reported { color: #4a5568; font-style: italic; border-left: 4px solid #a0aec0; padding: .3rem .6rem; background: #f7fafc; }
code.sha { word-break: break-all; font-size: .8em; }
footer { margin-top: 2.5rem; color: #718096; font-size: .8rem; }
"""


def render(data: Data, linker: Linker) -> str:
    years = sorted({d.report_year for d in data.docs if d.report_year})
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "")
    csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
    body = [
        f"<header><h1>Annual accounts of Ghent{' ' + escape(span) if span else ''}: overview</h1>",
        '<p class="lead">Stad Gent, OCMW Gent and District09, from the published annual-account reports '
        "(jaarrekening) in the warehouse. Amounts in euro as printed; Belgian number format.</p>",
        '<nav aria-label="Sections"><ul><li><a href="#execution">Execution rate</a></li><li><a href="#top-actions">Top actions</a></li>'
        '<li><a href="#staffing">Staffing</a></li><li><a href="#reconciliation">Reconciliation</a></li>'
        '<li><a href="#quality">Data quality</a></li><li><a href="#sources">Sources</a></li></ul></nav></header>',
        "<main>",
        section_kpis(data, linker),
        section_execution(data, linker),
        section_top(data, linker),
        section_fte(data, linker),
        section_reconciliation(data, linker),
        section_quality(data, linker),
        section_sources(data, linker),
        "</main>",
        "<footer>Built from the warehouse marts (dim_document, fct_spending, fct_spending_reported, fct_staffing, "
        "rpt_reconciliation) and raw.anomalies. No scripts, no external resources.</footer>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Ghent annual accounts{' ' + escape(span) if span else ''} — overview</title>\n"
        f"<style>{CSS}.visually-hidden {{ position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }}</style>\n"
        "</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


def build_report(database: Path, out_dir: Path, *, sources: Path | None = None) -> Path:
    """Read the warehouse read-only and write out_dir/index.html atomically; returns its path.

    sources: the folder of the source reports; when given, source links point to the files
    themselves (a PDF at its page), relative to out_dir; otherwise to the document list on the page.
    """
    database, out_dir = Path(database), Path(out_dir)
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
    html = render(data, Linker(out_dir, sources)).encode("utf-8")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = write_bytes(out_dir / REPORT_FILE, html)
    return target
