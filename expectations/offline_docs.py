"""Data Docs readable offline.

GX's Data Docs pages load Bootstrap, jQuery, bootstrap-table, Font Awesome and Vega from public
CDNs and GX's logo from S3: without a network a page shows as unstyled text with no pass/fail
icons. `make_offline(docs_dir)` copies the same files, vendored in `data_docs_assets/` (the
versions GX asks for; licences in its LICENSES.md), next to the site and points every page at
them. It also folds the long SQL query a validation page prints (the union of a suite's checks,
thousands of characters) into a <details> element, so the results come first.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

ASSETS = Path(__file__).with_name("data_docs_assets")
VENDOR = Path("static") / "vendor"  # inside the Data Docs folder

# Each URL GX 1.x writes into its pages -> the vendored file that replaces it.
CDN_FILES = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "js/bootstrap.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "js/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "js/popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "css/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "js/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": "js/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": "css/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": "css/bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": "css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": "js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "css/fontawesome-all.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": "css/bootstrap-prefers-dark.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "js/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "js/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "js/vega-embed.min.js",
}
# GX's logo (a decoration): an empty image instead of a request to S3.
_REMOTE_LOGO = re.compile(r"https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/[^\"'\s)]*")
# Subresource integrity needs a CORS fetch, which a browser refuses for a file:// page: the
# attributes go with the CDN URLs (the vendored files are the very files they pinned).
_CORS_ATTRIBUTES = re.compile(r"\s(?:integrity|crossorigin)=\"[^\"]*\"")
# A validation page prints the batch's query in a table cell next to the word "query".
_QUERY_CELL = re.compile(r"(>query</span>.*?<span style=\"word-break:break-all;\" >)(.*?)(</span>)", re.S)
LONG_SQL = 200  # characters: a query longer than this is folded


def offline_html(html: str, prefix: str) -> str:
    """A Data Docs page with every CDN file taken from `prefix` (the vendor folder, relative to
    the page) and a long SQL query folded."""
    for url, local in CDN_FILES.items():
        html = html.replace(url, f"{prefix}/{local}")
    html = _REMOTE_LOGO.sub("data:,", html)
    html = _CORS_ATTRIBUTES.sub("", html)

    def fold(match: re.Match) -> str:
        sql = match.group(2).strip()
        if len(sql) <= LONG_SQL or sql.startswith("<details"):
            return match.group(0)
        return (
            f"{match.group(1)}<details><summary>SQL query ({len(sql):,} characters)</summary>"
            f'<pre style="white-space:pre-wrap;">{sql}</pre></details>{match.group(3)}'
        )

    return _QUERY_CELL.sub(fold, html)


def make_offline(docs_dir: Path) -> int:
    """Vendor the assets into docs_dir and rewrite every page of the site; returns the pages rewritten."""
    docs_dir = Path(docs_dir)
    shutil.copytree(ASSETS, docs_dir / VENDOR, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.md"))
    pages = 0
    for page in sorted(docs_dir.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        prefix = Path(os.path.relpath(docs_dir / VENDOR, page.parent)).as_posix()
        rewritten = offline_html(html, prefix)
        if rewritten != html:
            page.write_text(rewritten, encoding="utf-8")
            pages += 1
    return pages
