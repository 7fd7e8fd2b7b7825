"""The report's charts: Vega-Lite specifications built with Altair, rendered to static SVG offline
(through a cache of drawings, chart_cache.py).

Each chart is made in two steps: its function turns the rows into plain inputs (labels, the marks'
values, the scale), then an Altair builder (`_*_layers`) turns those into the specification. The
cache is asked with the inputs, so a chart drawn before costs no Altair at all; so a builder must
depend on its arguments and this file only (its source is part of the cache key, `SPEC_CODE`).

vl-convert-python runs Vega-Lite and Vega (embedded, no network) and returns the SVG: every bar is
a `<path>` inside an `<a>` (the `href` encoding: its source, on this page or the PDF at its page) and
carries an `aria-label` (the `description` encoding: what the bar shows, with its figure and
source). We do two things to that output: we remove the base URL Vega's loader puts in front of
every link (see `_svg`), and we wrap it in an `<svg role="img">` with the chart's `<title>` and
`<desc>` (Vega writes neither).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from html import escape
from importlib.metadata import version
from pathlib import Path

import altair as alt

from .chart_cache import vegalite_to_svg
from .data import ExecRow, TopRow
from .formatting import eur, number, pct
from .html_parts import _short
from .sources import Doc, Linker

LABEL_W = 360
BAR_W = 430
FONT = 12
# vl-convert's Vega loader resolves each link against this base URL and exposes no option to set it
# (neither `config`, `allowed_base_urls` nor a usermeta setting; "./x", "/x" and "#x" alike are prefixed
# by plain concatenation, so removing the prefix gives back the link exactly as we wrote it).
VL_CONVERT_BASE_URL = "https://vega.github.io/vega-datasets/"

STATUS_COLOURS = {
    "exact": "#2f855a",
    "rounding": "#9ae6b4",
    "gap": "#c53030",
    "not_printed": "#dd6b20",
    "derived": "#3182ce",
    "not_reported": "#a0aec0",
}
STATUS_ORDER = ("exact", "rounding", "gap", "not_printed", "derived", "not_reported")
STATUS_LABELS = {
    "exact": "exact",
    "rounding": "rounding",
    "gap": "gap",
    "not_printed": "not printed",
    "derived": "derived",
    "not_reported": "not reported",
}
ENTITY_COLOURS = {"stad": "#2b6cb0", "ocmw": "#805ad5", "district09": "#319795", "unknown": "#718096"}
ENTITY_LABELS = {
    "stad": "Stad Gent",
    "ocmw": "OCMW Gent",
    "district09": "District09",
    "unknown": "unknown (header lost)",
}
KIND_PALETTE = (
    "#2b6cb0",
    "#dd6b20",
    "#38a169",
    "#c53030",
    "#805ad5",
    "#d69e2e",
    "#319795",
    "#d53f8c",
    "#718096",
    "#2c5282",
    "#9c4221",
    "#276749",
)
CONFIG = {
    "font": "sans-serif",
    "view": {"stroke": None},
    "axis": {"labelFontSize": FONT, "titleFontSize": FONT, "domain": False, "ticks": False},
    "legend": {"labelFontSize": FONT, "orient": "top", "title": None, "symbolType": "square"},
    "text": {"fontSize": FONT},
    "background": "#fff",
}
# The code that turns a chart's inputs into its specification, in the cache key: Altair's release and
# this file's bytes (any edit here draws every chart anew once; an outdated drawing is never reused).
SPEC_CODE = [version("altair"), hashlib.sha256(Path(__file__).read_bytes()).hexdigest()]


def _svg(chart_id: str, title: str, desc: str, layers: Callable[..., alt.TopLevelMixin], *inputs) -> str:
    """The chart `layers(*inputs)` as SVG, in an `<svg role="img">` holding its accessible title and description."""
    # no jsonschema validation here (a third of the build's time): tests/test_report.py validates
    # every specification the report draws
    inner = vegalite_to_svg(
        [*SPEC_CODE, layers.__name__, *inputs], lambda: layers(*inputs).to_dict(validate=False), CONFIG
    )
    # The one change to vl-convert's SVG: Vega's loader writes each link as its base URL + our link
    # (see VL_CONVERT_BASE_URL); removing that exact prefix restores the relative link or fragment.
    inner = inner.replace(f'xlink:href="{VL_CONVERT_BASE_URL}', 'xlink:href="')
    size = re.match(r'<svg [^>]*?width="([\d.]+)" height="([\d.]+)"', inner)
    if VL_CONVERT_BASE_URL in inner or not size:
        raise ValueError(f"unexpected SVG from vl-convert for chart {chart_id}")
    width, height = size.groups()
    return (
        f'<svg id="{chart_id}" class="chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(desc)}</desc>'
        f"{inner}</svg>"
    )


def _unique(labels: Sequence[str]) -> list[str]:
    """Row labels as distinct axis categories: a repeated label gets zero-width spaces appended."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        n = seen[label] = seen.get(label, -1) + 1
        out.append(label + "\u200b" * n)
    return out


def _colour(field: str, domain: Sequence[str], colours: Sequence[str], legend: bool = True) -> alt.Color:
    return alt.Color(
        f"{field}:N",
        scale=alt.Scale(domain=list(domain), range=list(colours)),
        legend=alt.Legend() if legend else None,
    )


def _y(labels: Sequence[str], bold: Sequence[str] = ()) -> alt.Y:
    weight = {"condition": {"test": f"indexof({json.dumps(list(bold))}, datum.value) >= 0", "value": "bold"}}
    return alt.Y(
        "label:N",
        sort=list(labels),
        title=None,
        axis=alt.Axis(
            labelAlign="left",
            labelPadding=LABEL_W,
            labelLimit=LABEL_W - 10,
            labelFontWeight={**weight, "value": "normal"} if bold else "normal",
        ),
    )


def _x(domain_max: float, axis: alt.Axis | None = None) -> alt.X:
    return alt.X("x:Q", title=None, scale=alt.Scale(domain=[0, domain_max], nice=False), axis=axis)


def _linked(labels: Sequence[str]) -> dict:
    """The encoding the bars and texts of a bar chart share: a row per label, linked to its
    source (`href`), its tooltip (`tip`) as the mark's accessible name."""
    return dict(y=_y(labels), href="href:N", description="tip:N")


def _bars(values: list[dict], height: float, enc: dict, **encoding) -> alt.Chart:
    """Horizontal bars `height` pixels thick, one a value, encoded by `encoding` and `enc`."""
    return alt.Chart(alt.Data(values=values)).mark_bar(height=height).encode(**encoding, **enc)


def _notes(chart: alt.Chart, scale: float, enc: dict) -> alt.Chart:
    """The `text` of each row written just right of its bar."""
    return chart.mark_text(align="left", dx=6, color="#1a202c").encode(x=_x(scale), text="text:N", **enc)


def _scale_max(values, floor: float, step: float) -> float:
    top = max([float(v) for v in values if v is not None] + [floor])
    return step * -(-top // step)


def execution_scale(rows: list[ExecRow]) -> float:
    """One scale for every execution chart (comparable across reports): up to 200%, beyond that clipped."""
    return min(_scale_max([r.rate for r in rows if r.budget], 110, 25), 200.0)


EXECUTION_KEYS = ("below 100%", "above 100%", "derived (total not printed)")


def execution_chart(chart_id: str, rows: list[ExecRow], linker: Linker, doc: Doc, scale: float) -> str:
    labels = _unique([f"{r.code} {_short(r.title, 34 if r.level == 'goal' else 42)}" for r in rows])
    values = []
    for label, r in zip(labels, rows):
        has_bar = r.rate is not None and bool(r.budget)
        values.append(
            dict(
                label=label,
                x=min(float(r.rate), scale) if has_bar and r.rate is not None else 0,
                bar=has_bar,
                key=EXECUTION_KEYS[2 if not r.rate_printed else 1 if (r.rate or 0) > 100 else 0],
                text=(f"{pct(r.rate)}{'»' if float(r.rate or 0) > scale else ''}" if has_bar else None)
                or ("no rate (budget 0)" if r.budget == 0 else "not printed"),
                href=linker.href(r.source),
                tip=f"{r.code} {r.title or ''} — {pct(r.rate)}{'' if r.rate_printed else ' (derived)'}; "
                f"actual {eur(r.actual)} of budget {eur(r.budget)} — {r.source.text}",
            )
        )
    return _svg(
        chart_id,
        f"Execution rate of operating expenditure per goal and action plan — {doc.label}",
        "Horizontal bars: actual / budget × 100 (% besteding) of operating expenditure (exploitatie uitgaven) "
        "per policy goal (bold) and its action plans; the dashed line marks 100%. Each bar links to its source.",
        _execution_layers,
        labels,
        [lab for lab, r in zip(labels, rows) if r.level == "goal"],
        values,
        scale,
    )


def _execution_layers(labels: list[str], goals: list[str], values: list[dict], scale: float) -> alt.LayerChart:
    base = alt.Chart(alt.Data(values=values)).encode(y=_y(labels, goals), href="href:N", description="tip:N")
    tick = 25 if scale <= 150 else 50
    axis = alt.Axis(
        values=list(range(0, int(scale) + 1, tick)),
        labelExpr="datum.value + '%'",
        orient="top",
        labelColor="#718096",
        labelFontSize=11,
        gridColor="#edf2f7",
    )
    bars = base.mark_bar(height=14).encode(
        x=_x(scale, axis), color=_colour("key", EXECUTION_KEYS, ("#3182ce", "#dd6b20", "#a0aec0"))
    )
    text = base.mark_text(align="left", dx=4, fontStyle={"expr": "datum.bar ? 'normal' : 'italic'"}).encode(
        x=_x(scale, axis),
        text="text:N",
        color=alt.condition("datum.bar", alt.value("#1a202c"), alt.value("#718096")),
    )
    ref = (
        alt.Chart(alt.Data(values=[{"x": 100}]))
        .mark_rule(strokeDash=[5, 3], strokeWidth=1.5, color="#c53030")
        .encode(x=_x(scale, axis))
    )
    return alt.layer(bars.transform_filter("datum.bar"), text, ref).properties(width=BAR_W, height=alt.Step(20))


def top_chart(chart_id: str, rows: list[TopRow], linker: Linker, year: int) -> str:
    scale = _scale_max([max(r.actual or 0, r.budget or 0) for r in rows], 1, 1_000_000)
    entities = sorted(
        {e for r in rows for e, _ in r.by_entity},
        key=lambda e: list(ENTITY_COLOURS).index(e) if e in ENTITY_COLOURS else 9,
    )
    names = [ENTITY_LABELS.get(e, e) for e in entities]
    labels = _unique([f"{r.rank}. {_short(r.codes, 22)} {_short(r.title, 48 - min(len(r.codes), 22))}" for r in rows])
    segments, ends = [], []
    for label, r in zip(labels, rows):
        assert r.members, r
        link = dict(
            label=label,
            href=linker.href(r.members[0][1]),
            tip=f"{r.rank}. {r.codes} {r.title or ''} — actual {eur(r.actual)}, budget {eur(r.budget)}"
            + "".join(f"; {ENTITY_LABELS.get(e, e)} {eur(v)}" for e, v in r.by_entity)
            + " — "
            + "; ".join(f"{code}: {s.text}" for code, s in r.members),
        )
        for e, v in r.by_entity:
            segments.append(dict(link, x=float(v), key=ENTITY_LABELS.get(e, e), order=entities.index(e)))
        ends.append(
            dict(link, x=float(max(r.actual or 0, r.budget or 0)), budget=None if r.budget is None else float(r.budget))
        )
        ends[-1]["text"] = eur(r.actual)
    return _svg(
        chart_id,
        f"Top 10 actions by actual operating expenditure, {year}",
        "Horizontal bars: actual operating expenditure (jaarrekening, exploitatie uitgaven) of the ten largest "
        "conformed actions; a Stad/OCMW pair counts once, its bar split by entity; the black tick is the budget.",
        _top_layers,
        labels,
        names,
        [ENTITY_COLOURS.get(e, "#718096") for e in entities],
        segments,
        ends,
        scale,
    )


def _top_layers(
    labels: list[str], names: list[str], colours: list[str], segments: list[dict], ends: list[dict], scale: float
) -> alt.LayerChart:
    enc = _linked(labels)
    bars = _bars(
        segments,
        16,
        enc,
        x=alt.X("x:Q", stack="zero", title=None, scale=alt.Scale(domain=[0, scale], nice=False), axis=None),
        color=_colour("key", [*names, "budget"], [*colours, "#1a202c"]),
        order="order:Q",
    )
    end = alt.Chart(alt.Data(values=ends))
    budget = (
        end.transform_filter("datum.budget != null")
        .mark_tick(thickness=2, size=22, color="#1a202c")
        .encode(x=alt.X("budget:Q", scale=alt.Scale(domain=[0, scale], nice=False), axis=None), **enc)
    )
    return alt.layer(bars, budget, _notes(end, scale, enc)).properties(width=BAR_W, height=alt.Step(24))


def paired_chart(
    chart_id: str,
    title: str,
    desc: str,
    rows: list[dict],
    legend: tuple[str, str],
    colours=("#90cdf4", "#2b6cb0"),
    scale: float | None = None,
    bar_w: float = 300,
) -> str:
    """rows: label, a, b, note, href, tip (the bars' accessible name); the note is written after the bars."""
    scale = scale or _scale_max([v for r in rows for v in (r["a"], r["b"])], 1, 10)
    labels = _unique([_short(r["label"], 50) for r in rows])
    bars, notes = [], []
    for label, r in zip(labels, rows):
        link = dict(label=label, href=r["href"], tip=r["tip"])
        if r["a"] is not None or r["b"] is not None:
            for key, v in zip(legend, (r["a"], r["b"])):
                bars.append(dict(link, key=key, x=float(v or 0)))
        notes.append(dict(link, x=float(max(r["a"] or 0, r["b"] or 0)), text=r["note"]))
    return _svg(chart_id, title, desc, _paired_layers, labels, bars, notes, legend, colours, scale, bar_w)


def _paired_layers(
    labels: list[str],
    bars: list[dict],
    notes: list[dict],
    legend: tuple[str, str],
    colours: Sequence[str],
    scale: float,
    bar_w: float,
) -> alt.LayerChart:
    enc = _linked(labels)
    pairs = _bars(
        bars,
        10,
        enc,
        x=_x(scale),
        yOffset=alt.YOffset("key:N", sort=list(legend)),
        color=_colour("key", legend, colours),
    )
    return alt.layer(pairs, _notes(alt.Chart(alt.Data(values=notes)), scale, enc)).properties(
        width=bar_w, height=alt.Step(28, **{"for": "position"})
    )


def stacked_chart(
    chart_id: str,
    title: str,
    desc: str,
    rows: list[dict],
    order: list[str],
    colours: dict[str, str],
    labels: dict[str, str],
) -> str:
    """rows: label, href, segments {key: count}; absolute counts on one scale."""
    scale = max([sum(r["segments"].values()) for r in rows] + [1])
    names = _unique([_short(r["label"], 50) for r in rows])
    segments, totals = [], []
    for name, r in zip(names, rows):
        link = dict(label=name, href=r["href"])
        shown = [k for k in order if r["segments"].get(k)]
        for k in shown:
            n = r["segments"][k]
            segments.append(
                dict(
                    link,
                    key=labels.get(k, k),
                    order=order.index(k),
                    x=n,
                    text=str(n) if BAR_W * n / scale >= 8 * len(str(n)) + 4 else "",
                    dark=k == "rounding",
                    tip=f"{r['label']}: {labels.get(k, k)} {number(n)}",
                )
            )
        total = sum(r["segments"].values())
        tip = f"{r['label']}: " + ", ".join(f"{labels.get(k, k)} {r['segments'][k]}" for k in shown)
        totals.append(dict(link, x=total, text=number(total), tip=f"{tip} (total {number(total)})"))
    keys = [labels.get(k, k) for k in order]
    return _svg(
        chart_id, title, desc, _stacked_layers, names, segments, totals, keys, [colours[k] for k in order], scale
    )


def _stacked_layers(
    names: list[str], segments: list[dict], totals: list[dict], keys: list[str], colours: list[str], scale: float
) -> alt.LayerChart:
    enc = _linked(names)
    x = alt.X("x:Q", stack="zero", title=None, scale=alt.Scale(domain=[0, scale], nice=False), axis=None)
    seg = alt.Chart(alt.Data(values=segments)).encode(x=x, order="order:Q", **enc)
    # (with no segments at all, an empty colour scale would leave Vega without a size: no legend then)
    colour = _colour("key", keys, colours) if keys else alt.value("#fff")
    bars = seg.mark_bar(height=20).encode(color=colour)
    counts = seg.mark_text(align="right", dx=-3, baseline="middle").encode(
        text="text:N", color=alt.condition("datum.dark", alt.value("#1a202c"), alt.value("#fff"))
    )
    return alt.layer(bars, counts, _notes(alt.Chart(alt.Data(values=totals)), scale, enc)).properties(
        width=BAR_W, height=alt.Step(30)
    )
