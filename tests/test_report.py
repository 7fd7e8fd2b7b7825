"""The overview report (serving/report/): static HTML from a warehouse built from the text dumps.

A module fixture extracts data/dumps/*.txt, loads the rows into a temporary DuckDB, runs the dbt
models (seeds and models only: the dbt tests are test_dbt_project's job) and builds the report.
The figures on the page are checked against values computed here, independently, with SQL on the
raw tables. Then headless Chromium (Debian's `chromium`, installed by a session fixture when
missing) renders the page: no console messages, the figures in the DOM, a real screenshot.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from duckdb_reads import read_only_query
from tools_loader import load_tool

REPO = Path(__file__).resolve().parents[1]
DBT_DIR = REPO / "dbt_project"
DUMPS = REPO / "data" / "dumps"


# ----------------------------------------------------------------------------- a tiny DOM


class Node:
    def __init__(self, tag: str, attrs: dict, parent: Node | None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find_all(self, tag: str | None = None, **attrs) -> list[Node]:
        def match(n: Node) -> bool:
            if tag and n.tag != tag:
                return False
            for key, value in attrs.items():
                name = key.rstrip("_").replace("_", "-")
                have = n.attrs.get(name)
                if value is True:
                    if have is None:
                        return False
                elif name == "class":
                    if value not in (have or "").split():
                        return False
                elif have != value:
                    return False
            return True

        return [n for n in self.iter() if match(n)]

    def find(self, tag: str | None = None, **attrs) -> Node:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag}> with {attrs}"
        return found[0]


VOID = {"meta", "br", "hr", "img", "link", "input", "col", "area", "base", "wbr", "source"}


class DomBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = DomBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


# ----------------------------------------------------------------------------- Belgian numbers, written here again


def be(value, decimals: int = 0) -> str:
    d = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    sign, d = ("-" if d < 0 else ""), abs(d)
    whole, _, frac = f"{d:f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return sign + ".".join(groups) + ("," + frac if decimals else "")


def pct1(numerator, denominator) -> Decimal | None:
    if numerator is None or not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def source_text(file_name: str, page, line) -> str:
    return f"{file_name}, p. {page}" if page is not None else f"{file_name}, line {line}"


# ----------------------------------------------------------------------------- the charts' marks


def bar_marks(chart: Node) -> list[Node]:
    """The bars of a chart (Vega writes each as a <path> with role graphics-symbol, roledescription bar)."""
    return chart.find_all("path", aria_roledescription="bar")


def bar_width(mark: Node) -> float:
    """A horizontal bar's drawn length: Vega's rect path is M x,y h width v height h -width Z."""
    m = re.fullmatch(r"M[-\d.e]+,[-\d.e]+h([-\d.e]+)v[-\d.e]+h[-\d.e]+Z", mark.attrs["d"])
    assert m, mark.attrs["d"]
    return float(m.group(1))


def proportional(widths: list[float], values: list[float]) -> bool:
    """The bars are drawn to one linear scale from zero: length / value is the same for every bar."""
    ratios = [w / v for w, v in zip(widths, values, strict=True) if v]
    return bool(ratios) and max(ratios) - min(ratios) <= 1e-6 * max(ratios)


def chart_links(chart: Node) -> list[Node]:
    """The links in a chart (SVG <a xlink:href>, one per mark that links to its source)."""
    return [a for a in chart.find_all("a") if "xlink:href" in a.attrs]


# ----------------------------------------------------------------------------- fixtures


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Built:
    def __init__(self, db: Path, html_path: Path, seconds: float):
        self.db, self.path, self.seconds = db, html_path, seconds
        self.html = html_path.read_text(encoding="utf-8")
        self.dom = parse(self.html)

    def query(self, sql: str, params=None) -> list[tuple]:
        return read_only_query(self.db, sql, params)


@pytest.fixture(scope="module")
def built(dumps_warehouse, tmp_path_factory) -> Built:
    from serving.report import build_report

    started = time.monotonic()
    # the published copy: the report opens the warehouse read-only, as in production
    db = dumps_warehouse.published
    path = build_report(db, tmp_path_factory.mktemp("report") / "report")
    return Built(db, path, time.monotonic() - started)


# ----------------------------------------------------------------------------- the page as HTML


def test_page_is_self_contained_accessible_and_offline(built):
    html, dom = built.html, built.dom
    assert built.path.name == "index.html" and [p.name for p in built.path.parent.iterdir()] == ["index.html"]
    assert html.startswith("<!DOCTYPE html>")
    # nothing external: no scripts, stylesheets, images, fonts or URLs (the SVG namespace is a name, not a fetch)
    assert (
        not dom.find_all("script")
        and not dom.find_all("link")
        and not dom.find_all("img")
        and not dom.find_all("iframe")
    )
    # (the SVG and XLink namespaces are names, not fetches: each URL on the page is one of them, in an xmlns attribute)
    urls = re.findall(r"https?://[^\"'\s<>]+", html)
    assert set(urls) <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert len(urls) == len(re.findall(r' xmlns(?::xlink)?="https?://', html))
    assert "@import" not in html and "url(http" not in html and " src=" not in html
    csp = dom.find("meta", http_equiv="Content-Security-Policy").attrs["content"]
    assert "default-src 'none'" in csp
    for section in ("execution", "top-actions", "staffing", "reconciliation", "quality", "sources"):
        dom.find("section", id=section)
    # each chart: Vega's SVG inside an <svg role="img"> that carries the chart's title and description
    charts = dom.find_all("svg", class_="chart")
    assert len(charts) >= 10  # 3 execution, 2 top-10, 2 staffing (the 2021 report has none), recon, tables, anomalies
    assert all(svg in charts or svg.parent in charts for svg in dom.find_all("svg"))
    for svg in charts:
        assert svg.attrs["role"] == "img"
        title = svg.find("title")
        assert title.text().strip() and title.attrs["id"] in svg.attrs["aria-labelledby"].split()
        assert svg.find("desc").text().strip()
        bars = bar_marks(svg)
        assert bars  # bars, not just text
        # every bar has an accessible name and links to its source
        assert all(b.attrs["aria-label"].strip() and b.parent.tag == "a" and b.parent.attrs["xlink:href"] for b in bars)
    # every chart has a table beside it
    for figure in dom.find_all("figure"):
        assert figure.find_all("svg") or figure.find_all("p", class_="not-reported")
        assert figure.find_all("table")
    # ids are unique (charts reference their own title, desc and clip path)
    ids = [n.attrs["id"] for n in dom.iter() if "id" in n.attrs]
    assert len(ids) == len(set(ids))


def test_execution_rate_per_goal_and_plan_matches_raw(built):
    printed = {
        (f, c): (lv, b, a, p, pg, ln)
        for f, c, lv, b, a, p, pg, ln in built.query("""
        select d.file_name, n.code, n.level, b.budget, b.actual, b.execution_pct, b.page, b.line
        from raw.budget_lines b join raw.nodes n using (document_id, node_id) join raw.documents d using (document_id)
        where n.level in ('goal', 'action_plan') and b.category = 'exploitatie' and b.direction = 'uitgaven'""")
    }
    # goals whose report prints no total (2021): Σ of their plans, computed here
    derived = {
        (f, c): (b, a, pg, ln)
        for f, c, b, a, pg, ln in built.query("""
        select d.file_name, g.code, sum(b.budget), sum(b.actual), any_value(g.page), any_value(g.line)
        from raw.nodes g
        join raw.documents d using (document_id)
        join raw.nodes p on p.document_id = g.document_id and p.parent_node_id = g.node_id
        join raw.budget_lines b on b.document_id = p.document_id and b.node_id = p.node_id
             and b.category = 'exploitatie' and b.direction = 'uitgaven'
        where g.level = 'goal' and not exists (
            select 1 from raw.budget_lines x where x.document_id = g.document_id and x.node_id = g.node_id)
        group by all""")
    }
    assert derived and all(f.startswith("000_") for f, _ in derived)
    rows = built.dom.find_all("tr", data_figure="execution")
    assert {(r.attrs["data-document"], r.attrs["data-code"]) for r in rows} == set(printed) | set(derived)
    for r in rows:
        key = (r.attrs["data-document"], r.attrs["data-code"])
        rate = r.find("td", class_="rate")
        link = r.find("a", class_="src")
        if key in printed:
            level, budget, actual, pct, page, line = printed[key]
            assert r.attrs["data-level"] == level
            assert Decimal(rate.attrs["data-value"]) == pct, key
            assert rate.text() == f"{be(pct, 1)}%"
        else:
            budget, actual, page, line = derived[key]
            expected = pct1(actual, budget)
            assert rate.attrs["data-value"] == ("" if expected is None else str(expected)), key
            if expected is not None:
                assert rate.text() == f"{be(expected, 1)}% (derived)"
        tds = r.find_all("td")
        assert Decimal(tds[2].attrs["data-value"]) == budget and tds[2].text() == f"{be(budget)} €"
        assert Decimal(tds[3].attrs["data-value"]) == actual and tds[3].text() == f"{be(actual)} €"
        assert link.text() == source_text(key[0], page, line)
        assert link.attrs["data-line"] == str(line)
    # a known figure: SD10041, theme 4 of 2024, 11.968.763 / 13.057.602 = 91,7%
    sd = next(r for r in rows if r.attrs["data-code"] == "SD10041" and r.attrs["data-document"].startswith("001_"))
    assert sd.find("td", class_="rate").text() == "91,7%"
    # the charts: per report, one bar per row with a rate, named with its code and the table's figure,
    # drawn to scale (rates above 200% are clipped); every row (with or without a bar) links from the chart
    for figure in built.dom.find_all("figure", data_figure="execution"):
        svg = figure.find("svg", class_="chart")
        table_rows = [r for r in rows if r.attrs["data-document"] == figure.attrs["data-document"]]
        with_rate = {
            r.attrs["data-code"]: r.find("td", class_="rate")
            for r in table_rows
            if r.find("td", class_="rate").attrs["data-value"] and Decimal(r.find_all("td")[2].attrs["data-value"] or 0)
        }
        named = {}
        for bar in bar_marks(svg):
            m = re.match(r"(\S+) .*? — (\S+%)(?: \(derived\))?; actual ", bar.attrs["aria-label"])
            assert m, bar.attrs["aria-label"]
            named[m.group(1)] = (m.group(2), bar_width(bar))
        assert {c: t for c, (t, _) in named.items()} == {
            c: td.text().removesuffix(" (derived)") for c, td in with_rate.items()
        }
        shown = [(w, float(with_rate[c].attrs["data-value"])) for c, (_, w) in named.items()]
        assert proportional(*zip(*[(w, v) for w, v in shown if v <= 200], strict=True))
        linked = {
            re.match(r"\S+", m.attrs["aria-label"]).group()
            for a in chart_links(svg)
            for m in a.children
            if isinstance(m, Node)
        }
        assert linked == {r.attrs["data-code"] for r in table_rows}
        # the dashed 100% line
        assert svg.find("g", aria_roledescription="rule mark container").find_all("line")


def test_top10_actions_match_raw_leaves(built):
    leaves = {}
    for f, node, year, actual, page, line in built.query("""
        select d.file_name, n.node_id, b.year, b.actual, b.page, b.line
        from raw.budget_lines b join raw.nodes n using (document_id, node_id) join raw.documents d using (document_id)
        where n.level in ('action', 'project') and b.category = 'exploitatie' and b.direction = 'uitgaven'"""):
        leaves[f, node] = (year, actual, page, line)
    years = sorted({y for y, *_ in leaves.values()}, reverse=True)
    figures = built.dom.find_all("figure", data_figure="top-actions")
    assert [int(f.attrs["data-year"]) for f in figures] == years == [2024, 2021]
    for figure in figures:
        year = int(figure.attrs["data-year"])
        rows = figure.find_all("tr", data_figure="top-actions")
        assert [int(r.attrs["data-rank"]) for r in rows] == list(range(1, 11))
        values, members_all = [], set()
        for r in rows:
            value = Decimal(r.find_all("td")[4].attrs["data-value"])
            assert r.find_all("td")[4].text() == f"{be(value)} €"
            members = []
            for span in r.find_all("span", data_leaf=True):
                link = span.find("a", class_="src")
                key = (link.attrs["data-document"], span.attrs["data-leaf"])
                assert key in leaves and leaves[key][0] == year
                _, _, page, line = leaves[key]
                assert link.text() == source_text(key[0], page, line)
                members.append(key)
            assert members
            # the action's amount is the sum of its member leaves (a Stad/OCMW pair adds both shares)
            assert value == sum(leaves[k][1] or 0 for k in members)
            values.append(value)
            members_all |= set(members)
        assert values == sorted(values, reverse=True)
        # no leaf outside the top 10 spent more on its own than the 10th action
        bigger = {k for k, (y, a, *_) in leaves.items() if y == year and a is not None and a > values[-1]}
        assert bigger <= members_all
        # the chart has the same bars, in the same order, drawn to scale (a bar's segments add up)
        per_bar: dict[str, float] = {}
        for bar in bar_marks(figure.find("svg", class_="chart")):
            per_bar[bar.attrs["aria-label"]] = per_bar.get(bar.attrs["aria-label"], 0.0) + bar_width(bar)
        named = [re.match(r"(\d+)\. .*? — actual ([\d.]+) €", label) for label in per_bar]
        assert [(int(m.group(1)), Decimal(m.group(2).replace(".", ""))) for m in named] == list(
            enumerate(values, start=1)
        )
        assert proportional(list(per_bar.values()), [float(v) for v in values])
    # a pair counts once with both shares: some 2024 top action has two member leaves
    assert any(
        len(r.find_all("span", data_leaf=True)) == 2 for r in figures[0].find_all("tr", data_figure="top-actions")
    )


def test_planned_vs_paid_fte_per_goal_matches_raw(built):
    printed = {
        (f, c): (plan, paid, pg, ln)
        for f, c, plan, paid, pg, ln in built.query("""
        select d.file_name, n.code, s.plan_fte, s.paid_fte, s.page, s.line
        from raw.staffing_lines s join raw.nodes n using (document_id, node_id) join raw.documents d using (document_id)
        where n.level = 'goal'""")
    }
    goals = {
        (f, c): staffed
        for f, c, staffed in built.query("""
        select d.file_name, n.code, exists (select 1 from raw.staffing_lines s where s.document_id = d.document_id)
        from raw.nodes n join raw.documents d using (document_id) where n.level = 'goal'""")
    }
    rows = built.dom.find_all("tr", data_figure="staffing")
    assert {(r.attrs["data-document"], r.attrs["data-code"]) for r in rows} == set(goals)
    for r in rows:
        key = (r.attrs["data-document"], r.attrs["data-code"])
        plan_td, paid_td = r.find("td", class_="plan"), r.find("td", class_="paid")
        if goals[key]:
            plan, paid, page, line = printed[key]
            assert Decimal(plan_td.attrs["data-value"]) == plan and plan_td.text() == be(plan, 2)
            assert Decimal(paid_td.attrs["data-value"]) == paid and paid_td.text() == be(paid, 2)
            assert r.find("a", class_="src").text() == source_text(key[0], page, line)
            assert r.attrs["data-status"] != "not_reported"
        else:  # no staffing tables in the report: not reported, never 0
            assert r.attrs["data-status"] == "not_reported"
            assert plan_td.attrs["data-value"] == paid_td.attrs["data-value"] == ""
    unstaffed = {f for (f, _), s in goals.items() if not s}
    assert unstaffed == {p.attrs["data-document"] for p in built.dom.find_all("p", class_="not-reported")} != set()
    # the charts: per staffed goal a pair of bars (plan light, paid dark) named with the printed
    # figures, drawn to one scale across reports
    colour = {"#90cdf4": "plan", "#2b6cb0": "paid"}
    drawn: dict[tuple, dict[str, float]] = defaultdict(dict)
    for figure in built.dom.find_all("figure", data_figure="staffing"):
        for svg in figure.find_all("svg", class_="chart"):
            for bar in bar_marks(svg):
                m = re.match(r"(\S+) .*? — plan ([\d.,]+) · paid ([\d.,]+) ", bar.attrs["aria-label"])
                assert m, bar.attrs["aria-label"]
                key = (figure.attrs["data-document"], m.group(1))
                assert (m.group(2), m.group(3)) == (be(printed[key][0], 2), be(printed[key][1], 2))
                drawn[key][colour[bar.attrs["fill"]]] = bar_width(bar)
    assert set(drawn) == {k for k, staffed in goals.items() if staffed} != set()
    assert proportional(
        [d[s] for d in drawn.values() for s in ("plan", "paid")],
        [float(printed[k][i]) for k in drawn for i in (0, 1)],
    )
    assert "1.097,07" in built.html  # SD10043's planned VTE, with a thousands separator


def independent_gaps(built: Built) -> set[tuple]:
    """(file, parent code, metric, category, direction, difference) of every gap, from the raw rows."""
    cells = """
        select document_id, node_id, 'budget' as metric, category, direction, budget as v, 1.0 as unit from raw.budget_lines
        union all select document_id, node_id, 'actual', category, direction, actual, 1.0 from raw.budget_lines
        union all select document_id, node_id, 'actual_prev', category, direction, actual_prev, 1.0 from raw.budget_lines
        union all select document_id, node_id, 'plan_fte', 'personeel', 'vte', plan_fte, 0.01 from raw.staffing_lines
        union all select document_id, node_id, 'paid_fte', 'personeel', 'vte', paid_fte, 0.01 from raw.staffing_lines
        union all select document_id, node_id, 'paid_prev_fte', 'personeel', 'vte', paid_prev_fte, 0.01 from raw.staffing_lines"""
    return set(
        built.query(f"""
        with cells as ({cells}),
        kids as (select document_id, parent_node_id, count(*) as n from raw.nodes
                 where parent_node_id is not null group by all),
        parent as (
            select c.document_id, p.code, c.node_id, c.metric, c.category, c.direction, c.v, c.unit, coalesce(k.n, 0) as n
            from cells c join raw.nodes p on p.document_id = c.document_id and p.node_id = c.node_id
            left join kids k on k.document_id = c.document_id and k.parent_node_id = c.node_id
            where p.level in ('goal', 'action_plan') and c.v is not null),
        sums as (
            select p.document_id, p.node_id, p.metric, p.category, p.direction,
                   count(c.v) as printed_kids, coalesce(sum(c.v), 0) as total
            from parent p
            left join raw.nodes ch on ch.document_id = p.document_id and ch.parent_node_id = p.node_id
            left join cells c on c.document_id = ch.document_id and c.node_id = ch.node_id
                 and c.metric = p.metric and c.category = p.category and c.direction = p.direction
            group by all)
        select d.file_name, p.code, p.metric, p.category, p.direction, p.v - s.total
        from parent p join sums s using (document_id, node_id, metric, category, direction)
        join raw.documents d using (document_id)
        where s.printed_kids = p.n and abs(p.v - s.total) > p.unit * (p.n + 1) / 2""")
    )


def test_reconciliation_status_and_gaps_match_raw(built):
    gaps = independent_gaps(built)
    assert gaps
    rows = built.dom.find_all("tr", data_figure="gap")
    shown = {
        (
            r.attrs["data-document"],
            r.attrs["data-code"],
            r.attrs["data-metric"],
            r.attrs["data-category"],
            r.attrs["data-direction"],
            Decimal(r.find("td", class_="difference").attrs["data-value"]),
        )
        for r in rows
    }
    assert len(rows) == len(shown) == len(gaps) and shown == gaps
    assert built.dom.find("h3", id="gaps").text() == f"Gaps ({len(gaps)})"
    verdict = built.dom.find("p", class_="verdict")
    assert verdict.text().startswith(
        f"Quality suite “3. Reconciliation”: WARN — {len(gaps)} gaps in the reports' own arithmetic"
    )
    for r in rows:
        link = r.find("a", class_="src")
        assert link.attrs["data-document"] == r.attrs["data-document"] and link.text().startswith(
            r.attrs["data-document"] + ", "
        )
    # every goal and plan is checked on 3 euro metrics × 6 cells and 3 VTE metrics
    parents = dict(
        built.query("""select d.file_name, count(*) from raw.nodes n join raw.documents d using (document_id)
                                  where n.level in ('goal', 'action_plan') group by all""")
    )
    gap_per_doc = defaultdict(int)
    for f, *_ in gaps:
        gap_per_doc[f] += 1
    status_rows = built.dom.find_all("tr", data_figure="reconciliation")
    assert {r.attrs["data-document"] for r in status_rows} == set(parents)
    for r in status_rows:
        f = r.attrs["data-document"]
        assert int(r.find("td", class_="total").attrs["data-value"]) == 21 * parents[f]
        assert int(r.find("td", class_="status-gap").attrs["data-value"]) == gap_per_doc[f]
        if not f.startswith("000_"):  # 2024: every VTE check is done; 2021: the VTE checks are not_reported
            assert int(r.find("td", class_="status-not_reported").attrs["data-value"]) == 0
        else:
            assert int(r.find("td", class_="status-not_reported").attrs["data-value"]) == 3 * parents[f]
    # the stacked bars carry the same counts: each segment is named with its report, status and count
    segments: dict[str, dict[str, int]] = defaultdict(dict)
    marks = bar_marks(built.dom.find("svg", id="reconciliation-status"))
    for mark in marks:
        m = re.fullmatch(r"(\S+) \(\d+\): (.+) ([\d.]+)", mark.attrs["aria-label"])
        assert m, mark.attrs["aria-label"]
        segments[m.group(1)][m.group(2)] = int(m.group(3).replace(".", ""))
    assert {f: sum(s.values()) for f, s in segments.items()} == {f: 21 * n for f, n in parents.items()}
    assert {f: s.get("gap", 0) for f, s in segments.items()} == {f: gap_per_doc[f] for f in parents}
    assert proportional(
        [bar_width(m) for m in marks], [float(m.attrs["aria-label"].rsplit(" ", 1)[1].replace(".", "")) for m in marks]
    )


def test_data_quality_kpis_match_raw(built):
    reports, blocks, markers = built.query(
        "select count(*), (select count(*) from raw.nodes), sum(table_markers) from raw.documents"
    )[0]
    tables = built.query("""select count(*) from (select distinct document_id, table_no from raw.budget_lines
                            union select distinct document_id, table_no from raw.staffing_lines)""")[0][0]
    anomalies = dict(built.query("select kind, count(*) from raw.anomalies group by all"))
    kpi = {n.attrs["data-kpi"]: n for n in built.dom.find_all("div", class_="kpi")}
    assert int(kpi["reports"].attrs["data-value"]) == reports == 3
    assert int(kpi["blocks"].attrs["data-value"]) == blocks
    assert int(kpi["tables"].attrs["data-value"]) == tables
    assert kpi["tables"].find("span", class_="v").text() == f"{be(tables)} / {be(markers)}"
    assert int(kpi["anomalies"].attrs["data-value"]) == sum(anomalies.values())
    assert int(kpi["gaps"].attrs["data-value"]) == len(independent_gaps(built))
    per_kind = {
        r.attrs["data-kind"]: int(r.find("td", class_="total").attrs["data-value"])
        for r in built.dom.find_all("tr", data_figure="anomalies")
    }
    assert per_kind == anomalies and "header_lost" in per_kind
    per_doc = dict(
        built.query("""select d.file_name, count(distinct b.table_no) from raw.budget_lines b
                                  join raw.documents d using (document_id) group by all""")
    )
    for r in built.dom.find_all("tr", data_figure="quality"):
        f = r.attrs["data-document"]
        staffing = built.query(
            """select count(distinct s.table_no) from raw.staffing_lines s join raw.documents d
                                  using (document_id) where d.file_name = ?""",
            [f],
        )[0][0]
        assert int(r.find("td", class_="tables").attrs["data-value"]) == per_doc[f] + staffing
        assert (
            int(r.find("td", class_="blocks").attrs["data-value"])
            == built.query(
                "select count(*) from raw.nodes join raw.documents d using (document_id) where d.file_name = ?", [f]
            )[0][0]
        )


def test_every_source_link_names_document_and_page_or_line(built):
    files = {f for (f,) in built.query("select file_name from raw.documents")}
    anchors = {n.attrs["id"] for n in built.dom.iter() if "id" in n.attrs}
    links = built.dom.find_all("a", class_="src")
    assert (
        len(links)
        >= len(built.dom.find_all("tr", data_figure="execution")) + len(built.dom.find_all("tr", data_figure="gap"))
        > 100
    )
    for a in links:
        f = a.attrs["data-document"]
        assert f in files
        assert a.attrs["href"].startswith("#") and a.attrs["href"][1:] in anchors  # the document's entry on the page
        if a.attrs.get("data-page"):
            assert a.text() == f"{f}, p. {a.attrs['data-page']}"
        elif a.attrs.get("data-line"):
            assert a.text() == f"{f}, line {a.attrs['data-line']}"  # text dumps have no pages
        else:
            assert a.text() == f
    # the bars in the charts link too (SVG <a>), to the same kind of target
    bars = [a for svg in built.dom.find_all("svg", class_="chart") for a in chart_links(svg)]
    assert bars and all(a.attrs["xlink:href"].startswith("#") and a.attrs["xlink:href"][1:] in anchors for a in bars)


def test_output_is_deterministic_atomic_and_the_database_untouched(built, tmp_path):
    from serving.report import build_report

    before = sha256(built.db)
    again = build_report(built.db, tmp_path / "a")
    assert again.read_bytes() == built.path.read_bytes()
    assert sha256(built.db) == before  # read-only
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["index.html"]  # no temporary file left behind
    # the CLI writes the same bytes
    out = tmp_path / "cli"
    proc = subprocess.run(
        [sys.executable, "-m", "serving.report", "--database", str(built.db), "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "index.html").read_bytes() == built.path.read_bytes()
    # with the folder of the sources, links point at the files themselves (a PDF would get #page=N)
    linked = build_report(built.db, tmp_path / "b", sources=DUMPS).read_text(encoding="utf-8")
    hrefs = set(re.findall(r'class="src" href="([^"]+)"', linked))
    assert hrefs and all((tmp_path / "b" / h.split("#")[0]).resolve().parent == DUMPS.resolve() for h in hrefs)
    # and so do the charts' bars: the same relative links, as written (no base URL in front)
    bar_hrefs = set(re.findall(r'xlink:href="([^"]+)"', linked))
    assert bar_hrefs and bar_hrefs <= hrefs | {h.split("#")[0] for h in hrefs}
    # in a process that already holds the warehouse open read-write (DuckDB allows one configuration
    # per file and process), the report still builds, and still only reads
    holder = duckdb.connect(str(built.db))
    try:
        assert build_report(built.db, tmp_path / "shared").read_bytes() == built.path.read_bytes()
    finally:
        holder.close()
    assert sha256(built.db) == before
    # a missing warehouse is an error, not an empty page
    with pytest.raises(FileNotFoundError):
        build_report(tmp_path / "missing.duckdb", tmp_path / "c")
    assert not (tmp_path / "c").exists()


# ----------------------------------------------------------------------------- headless Chromium


def render_html():
    """tools/render_html.py (tools/ is no package: loaded by path), for its Chromium flags."""
    return load_tool("render_html")


def run_chromium(chromium: Path, page: Path, tmp: Path, *extra: str) -> subprocess.CompletedProcess:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    cmd = [
        str(chromium),
        *render_html().HEADLESS_CHROMIUM,
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *extra,
        page.resolve().as_uri(),
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def console_problems(stderr: str) -> list[str]:
    """Messages the page sent to the console. Chromium logs every console message as INFO:CONSOLE (the
    level is not in the log line), and this page has no scripts, so any console message is a problem:
    errors, uncaught exceptions, resources blocked by the Content-Security-Policy or not found."""
    return [
        line
        for line in stderr.splitlines()
        if ":CONSOLE" in line or "Uncaught" in line or re.search(r"ERROR:CONSOLE", line)
    ]


def test_console_check_catches_page_errors(chromium, tmp_path):
    """The grep is not vacuous: a page with an error, an uncaught exception and a blocked fetch is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "script-src 'unsafe-inline'\"></head><body><p>x</p><script>console.error('boom');</script>"
        '<script>notDefined();</script><img src="https://example.invalid/x.png"></body></html>'
    )
    proc = run_chromium(chromium, bad, tmp_path, "--dump-dom")
    problems = "\n".join(console_problems(proc.stderr))
    assert "boom" in problems and "Uncaught ReferenceError" in problems and "example.invalid" in problems


def test_chromium_renders_the_page_without_console_errors(chromium, built, tmp_path):
    proc = run_chromium(chromium, built.path, tmp_path, "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert console_problems(proc.stderr) == []
    dom = parse(proc.stdout)
    # the browser's DOM has every figure and the expected numbers
    assert len(dom.find_all("svg")) == len(built.dom.find_all("svg")) >= 10
    assert len(dom.find_all("rect")) == len(built.dom.find_all("rect"))
    assert len(bar_marks(dom)) == len(bar_marks(built.dom)) > 100
    text = dom.find("body").text()
    for needle in (
        "Execution rate per goal and action plan",
        "Top 10 actions by actual operating expenditure",
        "Planned vs paid staffing (VTE) per goal",
        "Reconciliation status",
        "Data quality",
        "91,7%",
        "1.097,07",
        "Not reported",
    ):
        assert needle in text, needle
    sd = next(
        r
        for r in dom.find_all("tr", data_figure="execution")
        if r.attrs["data-code"] == "SD10041" and r.attrs["data-document"].startswith("001_")
    )
    assert sd.find("td", class_="rate").attrs["data-value"] == "91.7"
    kpi = {n.attrs["data-kpi"]: n.attrs["data-value"] for n in dom.find_all("div", class_="kpi")}
    assert kpi == {n.attrs["data-kpi"]: n.attrs["data-value"] for n in built.dom.find_all("div", class_="kpi")}


def test_chromium_screenshot_shows_the_charts(chromium, built, tmp_path):
    shot = tmp_path / "report.png"
    proc = run_chromium(
        chromium, built.path, tmp_path, "--hide-scrollbars", "--window-size=1100,2600", f"--screenshot={shot}"
    )
    assert proc.returncode == 0 and shot.exists(), proc.stderr[-2000:]
    assert console_problems(proc.stderr) == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1100, 2600)
    assert len(data) > 100_000  # a blank or text-only page compresses to far less
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(shot) as im:
        pixels = im.convert("RGB").getcolors(maxcolors=1 << 20)
    counts = {rgb: n for n, rgb in pixels}
    blue, orange = counts.get((0x31, 0x82, 0xCE), 0), counts.get((0xDD, 0x6B, 0x20), 0)
    assert blue > 5_000 and orange > 1_000  # the execution bars below and above 100% are drawn
    if os.environ.get("GENT_REPORT_SCREENSHOT"):
        shutil.copy(shot, os.environ["GENT_REPORT_SCREENSHOT"])


def test_text_from_the_reports_is_escaped_by_the_templates(tmp_path):
    # a title, file name and code as hostile as a PDF can print them: shown as text, never as markup
    from serving.report.data import Data, ExecRow
    from serving.report.page import render
    from serving.report.sources import Doc, Linker, Source

    hostile = '<script>alert("x")</script> & "quotes"'
    doc = Doc(
        document_id="ab" * 32,
        file_name='a"b<c>.pdf',
        source_format="pdf",
        title=hostile,
        theme=None,
        report_year=2023,
        previous_year=2022,
        layout="stad",
        page_count=3,
        line_count=90,
        table_markers=1,
        node_count=1,
        leaf_count=0,
        header_lost_count=0,
        anomaly_count=0,
        has_staffing_tables=False,
    )
    row = ExecRow(doc, "goal", "PO<1>", "PO<1>", hostile, None, None, None, True, Source(doc, 2, 40))
    html = render(
        Data([doc], [row], {}, [], {doc.document_id: {}}, [], {}, {doc.document_id: {}}), Linker(tmp_path, None)
    )
    assert "<script>" not in html and 'a"b<c>.pdf' not in html and "PO<1>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;" in html
    dom = parse(html)
    links = dom.find_all("a", class_="src")
    assert {a.attrs["data-document"] for a in links} == {'a"b<c>.pdf'}  # the attribute holds the name as printed
    assert [a.text() for a in links if a.attrs.get("data-page")] == ['a"b<c>.pdf, p. 2']


# ----------------------------------------------------------------------------- charts: specifications and the drawing cache


def drawing(monkeypatch) -> list[dict]:
    """The specifications vl-convert is given from now on (it still draws them)."""
    from serving.report import chart_cache

    drawn = []
    draw = chart_cache.vlc.vegalite_to_svg
    monkeypatch.setattr(
        chart_cache.vlc, "vegalite_to_svg", lambda spec, config: drawn.append(spec) or draw(spec, config=config)
    )
    return drawn


class NoAltair:
    """Stands for the altair module where a cache hit must not build a specification."""

    def __getattr__(self, name):
        raise AssertionError(f"alt.{name} used: a specification was built")


def test_every_chart_specification_is_valid_vega_lite(built, tmp_path, monkeypatch):
    # the build draws without Altair's jsonschema validation (charts.py): it is done here, on every
    # specification the report draws (an empty cache folder: every chart's specification is built)
    from altair.utils.schemapi import validate_jsonschema
    from altair.vegalite.v6.schema.core import load_schema
    from jsonschema import ValidationError

    from serving.report import build_report

    specs = drawing(monkeypatch)
    assert (
        build_report(built.db, tmp_path / "report", charts=tmp_path / "empty").read_bytes() == built.path.read_bytes()
    )
    schema = load_schema()
    assert len(specs) == built.html.count('class="chart"')
    for spec in specs:
        validate_jsonschema(spec, schema)
    with pytest.raises(ValidationError):  # the check would see a broken one
        validate_jsonschema({**specs[0], "mark": 42}, schema)


def test_charts_are_drawn_once_and_kept_beside_the_report(built, tmp_path, monkeypatch):
    from serving.report import build_report, chart_cache, charts

    drawn = drawing(monkeypatch)
    out = tmp_path / "report"
    build_report(built.db, out)
    cache = tmp_path / "report.chart-cache"  # beside the report folder, which every build replaces whole
    entries = sorted(p.name for p in cache.iterdir())
    assert len(drawn) == len(entries) == built.html.count('class="chart"')
    assert out.joinpath("index.html").read_bytes() == built.path.read_bytes()

    # a re-build reads every chart by its inputs: no specification built, nothing drawn, the same bytes
    drawn.clear()
    with monkeypatch.context() as m:
        m.setattr(charts, "alt", NoAltair())
        build_report(built.db, out)
    assert not drawn and out.joinpath("index.html").read_bytes() == built.path.read_bytes()

    (cache / entries[0]).unlink()  # one drawing changed (its inputs, or lost)
    (cache / ("0" * 64 + ".svg")).write_text("<svg>a drawing of an earlier build</svg>")
    (cache / entries[1]).write_text("<svg>cut sh")  # damaged: drawn again
    build_report(built.db, out)
    assert len(drawn) == 2 and out.joinpath("index.html").read_bytes() == built.path.read_bytes()
    assert sorted(p.name for p in cache.iterdir()) == entries  # what this build did not use is removed

    # another vl-convert release draws anew; an explicit folder is used as given
    drawn.clear()
    monkeypatch.setattr(chart_cache, "VL_CONVERT", "0.0.0")
    build_report(built.db, tmp_path / "other", charts=tmp_path / "drawings")
    assert len(drawn) == len(entries) and not set(entries) & {p.name for p in (tmp_path / "drawings").iterdir()}
    assert not (tmp_path / "other.chart-cache").exists()


def test_a_chart_is_drawn_anew_when_one_input_changes_and_else_read_without_altair(tmp_path, monkeypatch):
    from serving.report import chart_cache, charts

    drawn = drawing(monkeypatch)
    cache = tmp_path / "charts"
    row = dict(label="1 goal", a=2.0, b=3.0, note="plan 2 · paid 3", href="#doc-a", tip="1 goal — plan 2 · paid 3")

    def chart(rows: list[dict]) -> str:
        with chart_cache.chart_cache(cache):
            return charts.paired_chart("c", "VTE", "plan and paid", rows, ("plan", "paid"), scale=10)

    first = chart([row])
    with monkeypatch.context() as m:  # the same inputs: read from the cache, no Altair
        m.setattr(charts, "alt", NoAltair())
        assert chart([row]) == first
    assert len(drawn) == 1

    changed = chart([{**row, "b": 4.0}])  # one value changed: a miss, drawn anew, another bar
    assert len(drawn) == 2 and changed != first
    assert [b["x"] for b in drawn[1]["layer"][0]["data"]["values"]] == [2.0, 4.0]
    assert len(list(cache.iterdir())) == 1  # the first drawing, unused by this build, is removed

    monkeypatch.setattr(charts, "SPEC_CODE", ["another altair", "another charts.py"])
    assert chart([{**row, "b": 4.0}]) == changed and len(drawn) == 3  # other chart code: drawn anew
