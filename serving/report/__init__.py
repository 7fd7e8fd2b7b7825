"""The overview report: one static, self-contained HTML page built from the warehouse marts.

`build_report(database, out_dir)` reads the warehouse read-only and writes `out_dir/index.html`
atomically; the charts' SVG are kept for the next build in `<out_dir>.chart-cache`
(chart_cache.py). The page needs nothing but a browser and the file system: no scripts, no
external CSS, fonts or images (a Content-Security-Policy forbids them); the charts are inline SVG drawn
here, each with a title and a data table as fallback.

What it shows, per report:

* execution rate (% besteding) of operating expenditure per policy goal and action plan, with
  the 100% line (2021 goal totals are not printed: derived from their plans, and labelled so);
* the top 10 conformed actions by actual operating expenditure per fiscal year (Stad and OCMW
  shares of a pair added, split in the bar);
* planned vs paid staffing (VTE) per goal (a report without staffing tables says so: never 0);
* the reconciliation status (parent vs Σ children) counts per report, and every gap;
* data-quality KPIs: reports, blocks, tables extracted vs table markers counted in the text,
  anomalies by kind, gaps.

Every figure and row links to its source as "file name, p. N" (or "file name, line N" when the
source was a text dump without pages); the link carries `data-document`, `data-page` and
`data-line`. Numbers are shown Belgian style (1.234.567 €, 91,7%) and their values are in
`data-value` attributes (plain decimal notation). Same warehouse in, same bytes out.

CLI: `python -m serving.report --database warehouse/gent.duckdb --out warehouse/report`.
"""

from .page import REPORT_FILE, build_report

__all__ = ["REPORT_FILE", "build_report"]
