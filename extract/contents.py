"""Is the report whole? What was read against the report's own table of contents and page numbering.

Two witnesses the report prints itself, both independent of the parser's reading of blocks:
- its table of contents ("Inhoudstafel"): every goal and plan it lists must have been read.
  Only the entries are compared, never the TOC's page numbers: those refer to the original
  print, and a render by another engine breaks its pages elsewhere;
- its printed page numbering (a run of "Pagina N", "blz. N/M", "N" at the same place on the
  page edge): it must run without gaps and repeats over the physical pages of the file, and
  reach its printed total ("/M") when it prints one.

A report without a TOC or without page numbers is judged by the witness it has (or by none).
The findings are anomalies of the kinds below; the acceptance rule refuses a report with any.

Pages cut from the end of a file whose numbering prints no total leave no gap in either
witness; there the last plan is the witness: its printed total then exceeds what its leaves
add up to (`missing_tail`), in the budget and the actual column alike.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass

from .reconcile import reconcile
from .tables import Issue

TOC_ENTRY_MISSING = "toc_entry_missing"  # a goal or plan the TOC lists was not read
PAGES_MISSING = "pages_missing"  # the printed page numbering has a gap, a repeat, or stops short of its total
KINDS = (TOC_ENTRY_MISSING, PAGES_MISSING)

# "Pagina 3", "blz. 3/94", "page 3 of 9", "p. 3", anywhere in an edge line (a footer may carry the title too).
LABELLED_NUMBER = re.compile(
    r"\b(?:pagina|blz|page|p)\.?\s*(?P<n>\d{1,4})(?:\s*(?:/|van|of)\s*(?P<total>\d{1,4}))?\b", re.I
)
# A bare page number, alone on its line: "3", "- 3 -", "3 / 94".
BARE_NUMBER = re.compile(r"^[-–]?\s*(?P<n>\d{1,4})\s*[-–]?(?:\s*/\s*(?P<total>\d{1,4}))?$")
EDGE_LINES = 2  # a running footer or header sits in the first or last two lines of a page
RUN_SHARE = 0.5  # numbering counts when this share of the pages prints it at one place


@dataclass(frozen=True)
class PageNumber:
    printed: int
    total: int | None  # the "/M" of "blz. 3/94", when printed


def printed_page_numbers(pages: list[list]) -> dict[int, PageNumber]:
    """Physical page -> the page number printed on it, from the physical lines of each page.

    A line at a page edge that prints a number the way page numbers are printed is a
    candidate; the candidates that share one place and one wording (digits aside) on most
    pages are the numbering. Anything less regular (a year that ends a page) is ignored.
    """
    candidates: dict[tuple, dict[int, PageNumber]] = {}
    for page_lines in pages:
        edge = [(line, True) for line in page_lines[:EDGE_LINES]] + [(line, False) for line in page_lines[-EDGE_LINES:]]
        for line, from_top in edge:
            match = LABELLED_NUMBER.search(line.text) or BARE_NUMBER.match(line.text.strip())
            if not match:
                continue
            distance = line.top if from_top else line.page_height - line.bottom
            key = (re.sub(r"\d+", "#", " ".join(line.text.split())).lower(), from_top, round(distance))
            total = match.group("total")
            candidates.setdefault(key, {}).setdefault(
                line.page, PageNumber(int(match.group("n")), int(total) if total else None)
            )
    if not candidates:
        return {}
    numbering = max(candidates.values(), key=len)
    return numbering if len(numbering) >= max(2, RUN_SHARE * len(pages)) and _runs(numbering) else {}


def _runs(numbering: dict[int, PageNumber]) -> bool:
    """Most steps from one numbered page to the next add one: a page numbering, not a column of figures."""
    pages = sorted(numbering)
    steps = [numbering[b].printed - numbering[a].printed == b - a for a, b in itertools.pairwise(pages)]
    return sum(steps) >= RUN_SHARE * len(steps)


def numbering_problems(numbering: dict[int, PageNumber], page_count: int) -> list[str]:
    """Gaps and repeats in a printed page numbering over the file's physical pages, in words."""
    if not numbering:
        return []
    problems = []
    pages = sorted(numbering)
    first = pages[0]
    lead = numbering[first].printed - first  # numbered from the first page on: the file starts later
    if lead > 0:
        problems.append(
            f"printed page{_span(1, lead)} missing at the start (page {first} of the file prints {numbering[first].printed})"
            if first == 1
            else f"{lead} printed pages missing before page {first} of the file"
        )
    for a, b in itertools.pairwise(pages):
        n, m = numbering[a].printed, numbering[b].printed
        if m <= n:
            problems.append(
                f"printed page {m} repeats or runs backwards (page {a} of the file prints {n}, page {b} prints {m})"
            )
        elif m - n > b - a:
            missing = m - n - (b - a)
            problems.append(
                f"printed page{_span(n + 1, m - 1)} missing (page {a} of the file prints {n}, page {b} prints {m})"
                if b == a + 1
                else f"{missing} printed pages missing between printed pages {n} and {m}"
            )
    last = pages[-1]
    totals = Counter(p.total for p in numbering.values() if p.total)
    total = totals.most_common(1)[0][0] if totals else None
    reachable = numbering[last].printed + (page_count - last)
    if total and reachable < total:
        problems.append(f"printed page{_span(reachable + 1, total)} of {total} missing at the end")
    return problems


def _span(first: int, last: int) -> str:
    return f" {first}" if first == last else f"s {first}–{last}"


def missing_toc_entries(toc: dict[str, str], codes_read: set[str]) -> list[str]:
    """The goal and plan codes the report's table of contents lists that were not read, in TOC order."""
    return [code for code in toc if code not in codes_read]


def contents_issues(
    toc: dict[str, str], codes_read: set[str], numbering: dict[int, PageNumber], page_count: int | None
) -> list[Issue]:
    """Anomalies for a report that is not whole: TOC entries not read, printed pages missing."""
    issues = []
    missing = missing_toc_entries(toc, codes_read)
    if missing:
        issues.append(
            Issue(
                TOC_ENTRY_MISSING,
                f"the table of contents lists {len(missing)} of {len(toc)} goals and plans "
                f"that are not in the report: {', '.join(missing)}",
                None,
            )
        )
    for problem in numbering_problems(numbering, page_count or 0):
        issues.append(Issue(PAGES_MISSING, problem, None))
    return issues


def missing_tail(tables: dict[str, list], layout: str) -> str | None:
    """Why the last pages of the report seem cut off, or None.

    The last plan of the report must add up: when its leaves fall short of its printed
    current-year budget and actual alike (beyond rounding), leaves after the last one read
    are missing. A gap in one column only is the report's own arithmetic (REPORT_FORMAT §3).
    """
    plans = [n for n in tables["nodes"] if n.level == "action_plan"]
    if not plans:
        return None
    last = plans[-1].node_id
    short = [
        tuple(r.metric.rsplit("/", 1))
        for r in reconcile(tables, layout)
        if r.parent == last and r.status == "gap" and r.difference > 0
    ]
    lines = {line for line, metric in short if metric == "budget"} & {
        line for line, metric in short if metric == "actual"
    }
    if not lines:
        return None
    return (
        f"the last plan {last} prints more than its leaves add up to ({', '.join(sorted(lines))}: budget and actual): "
        f"the pages after its last leaf read seem missing"
    )
