"""The report's charts: accessible inline SVG, every bar a link to its source.

Drawn here, not by a charting library (tried for issue 17): vl-convert-python 1.9.0 (Altair's
offline SVG) resolves every relative or fragment link against its loader's base URL
(`https://vega.github.io/vega-datasets/`, no option to change it) and gives marks no data-*
attributes; matplotlib's SVG backend keeps relative links (`set_url`) but writes them with
`target="_blank"`, and gives a bar neither a `<title>` (its tooltip) nor data-* attributes
(what ties a bar to its table row): both would need their output rewritten afterwards.
"""

from __future__ import annotations

from html import escape

from .data import ExecRow, TopRow
from .formatting import eur, number, pct, raw_value
from .html_parts import _attrs, _f, _short
from .sources import Doc, Linker

WIDTH = 960
LABEL_W = 360
BAR_X0 = LABEL_W + 10
BAR_W = 430
FONT = 12

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


class Svg:
    """A chart: an accessible inline SVG (role img, <title>, <desc>) built line by line."""

    def __init__(self, chart_id: str, title: str, desc: str, height: float):
        self.id, self.title, self.desc, self.height = chart_id, title, desc, height
        self.parts: list[str] = []

    def add(self, text: str) -> None:
        self.parts.append(text)

    def text(
        self, x, y, content: str, *, anchor: str = "start", cls: str | None = None, weight: str | None = None
    ) -> None:
        self.add(
            f'<text x="{_f(x)}" y="{_f(y)}"{_attrs(text_anchor=None if anchor == "start" else anchor, class_=cls, font_weight=weight)}>'
            f"{escape(content)}</text>"
        )

    def label(self, x, y, content: str, *, weight: str | None = None) -> None:
        """A row label, clipped to the label column (font metrics differ between systems)."""
        self.add(
            f'<text x="{_f(x)}" y="{_f(y)}" clip-path="url(#{self.id}-clip)"{_attrs(font_weight=weight)}>{escape(content)}</text>'
        )

    def render(self) -> str:
        head = (
            f'<svg id="{self.id}" class="chart" role="img" aria-labelledby="{self.id}-title {self.id}-desc" '
            f'viewBox="0 0 {WIDTH} {_f(self.height)}" width="{WIDTH}" height="{_f(self.height)}" '
            f'xmlns="http://www.w3.org/2000/svg" font-size="{FONT}">'
            f'<title id="{self.id}-title">{escape(self.title)}</title>'
            f'<desc id="{self.id}-desc">{escape(self.desc)}</desc>'
            f'<defs><clipPath id="{self.id}-clip"><rect x="0" y="0" width="{LABEL_W}" height="{_f(self.height)}"/></clipPath></defs>'
        )
        return "\n".join([head, *self.parts, "</svg>"])


def _legend(svg: Svg, items: list[tuple[str, str]], y: float, x: float = BAR_X0) -> None:
    for label, colour in items:
        svg.add(f'<rect x="{_f(x)}" y="{_f(y - 10)}" width="12" height="12" fill="{colour}"/>')
        svg.text(x + 16, y, label)
        x += 16 + 7 * len(label) + 18


def _scale_max(values, floor: float, step: float) -> float:
    top = max([float(v) for v in values if v is not None] + [floor])
    return step * -(-top // step)


def execution_scale(rows: list[ExecRow]) -> float:
    """One scale for every execution chart (comparable across reports): up to 200%, beyond that clipped."""
    return min(_scale_max([r.rate for r in rows if r.budget], 110, 25), 200.0)


def execution_chart(chart_id: str, rows: list[ExecRow], linker: Linker, doc: Doc, scale: float) -> str:
    row_h, top = 20, 40
    svg = Svg(
        chart_id,
        f"Execution rate of operating expenditure per goal and action plan — {doc.label}",
        "Horizontal bars: actual / budget × 100 (% besteding) of operating expenditure (exploitatie uitgaven) "
        "per policy goal (bold) and its action plans; the dashed line marks 100%. Each bar links to its source.",
        top + row_h * len(rows) + 12,
    )
    x_of = lambda v: BAR_X0 + BAR_W * min(float(v), scale) / scale  # noqa: E731
    _legend(svg, [("below 100%", "#3182ce"), ("above 100%", "#dd6b20"), ("derived (total not printed)", "#a0aec0")], 14)
    tick = 25 if scale <= 150 else 50
    for t in range(0, int(scale) + 1, tick):
        svg.add(f'<line x1="{_f(x_of(t))}" y1="{top - 6}" x2="{_f(x_of(t))}" y2="{_f(svg.height - 8)}" class="grid"/>')
        svg.text(x_of(t), top - 9, f"{t}%", anchor="middle", cls="axis")
    for i, r in enumerate(rows):
        y = top + i * row_h
        goal = r.level == "goal"
        label = f"{r.code} {_short(r.title, 34 if goal else 42)}"
        tip = (
            f"{r.code} {r.title or ''} — {pct(r.rate)}{'' if r.rate_printed else ' (derived)'}; actual {eur(r.actual)} "
            f"of budget {eur(r.budget)} — {r.source.text}"
        )
        svg.add(
            f"<a{_attrs(href=linker.href(r.source), class_='bar', data_figure='execution', data_code=r.code, data_value=raw_value(r.rate))}>"
            f"<title>{escape(tip)}</title>"
        )
        svg.label(8 if goal else 22, y + 14, label, weight="bold" if goal else None)
        if r.rate is not None and r.budget:
            colour = "#a0aec0" if not r.rate_printed else "#dd6b20" if r.rate > 100 else "#3182ce"
            w = x_of(r.rate) - BAR_X0
            svg.add(f'<rect x="{BAR_X0}" y="{y + 3}" width="{_f(max(w, 1))}" height="14" fill="{colour}"/>')
            more = "»" if float(r.rate) > scale else ""
            svg.text(BAR_X0 + w + 4, y + 14, f"{pct(r.rate)}{more}", cls="val")
        else:
            svg.text(BAR_X0 + 4, y + 14, "no rate (budget 0)" if r.budget == 0 else "not printed", cls="na")
        svg.add("</a>")
    x100 = x_of(100)
    svg.add(f'<line x1="{_f(x100)}" y1="{top - 4}" x2="{_f(x100)}" y2="{_f(svg.height - 6)}" class="ref"/>')
    return svg.render()


def top_chart(chart_id: str, rows: list[TopRow], linker: Linker, year: int) -> str:
    row_h, top = 24, 40
    scale = _scale_max([max(r.actual or 0, r.budget or 0) for r in rows], 1, 1_000_000)
    svg = Svg(
        chart_id,
        f"Top 10 actions by actual operating expenditure, {year}",
        "Horizontal bars: actual operating expenditure (jaarrekening, exploitatie uitgaven) of the ten largest "
        "conformed actions; a Stad/OCMW pair counts once, its bar split by entity; the black tick is the budget.",
        top + row_h * len(rows) + 12,
    )
    x_of = lambda v: BAR_X0 + BAR_W * float(v) / scale  # noqa: E731
    entities = sorted(
        {e for r in rows for e, _ in r.by_entity},
        key=lambda e: list(ENTITY_COLOURS).index(e) if e in ENTITY_COLOURS else 9,
    )
    _legend(
        svg,
        [(ENTITY_LABELS.get(e, e), ENTITY_COLOURS.get(e, "#718096")) for e in entities] + [("budget", "#1a202c")],
        14,
    )
    for i, r in enumerate(rows):
        y = top + i * row_h
        tip = (
            f"{r.rank}. {r.codes} {r.title or ''} — actual {eur(r.actual)}, budget {eur(r.budget)}"
            + "".join(f"; {ENTITY_LABELS.get(e, e)} {eur(v)}" for e, v in r.by_entity)
            + " — "
            + "; ".join(f"{code}: {s.text}" for code, s in r.members)
        )
        svg.add(
            f"<a{_attrs(href=linker.href(r.members[0][1]) if r.members else None, class_='bar', data_figure='top-actions', data_code=r.codes, data_value=raw_value(r.actual))}>"
            f"<title>{escape(tip)}</title>"
        )
        svg.label(8, y + 16, f"{r.rank}. {_short(r.codes, 22)} {_short(r.title, 48 - min(len(r.codes), 22))}")
        x = BAR_X0
        for entity, value in r.by_entity:
            w = BAR_W * float(value) / scale
            svg.add(
                f'<rect x="{_f(x)}" y="{y + 4}" width="{_f(max(w, 0.5))}" height="16" fill="{ENTITY_COLOURS.get(entity, "#718096")}"/>'
            )
            x += w
        if r.budget is not None:
            bx = x_of(r.budget)
            svg.add(f'<line x1="{_f(bx)}" y1="{y + 1}" x2="{_f(bx)}" y2="{y + 23}" class="budget"/>')
        svg.text(max(x, x_of(r.budget or 0)) + 6, y + 17, eur(r.actual), cls="val")
        svg.add("</a>")
    return svg.render()


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
    """rows: label, a, b, note, href, figure, code, value, tip; the note is written after the bars."""
    row_h, top = 28, 40
    scale = scale or _scale_max([v for r in rows for v in (r["a"], r["b"])], 1, 10)
    svg = Svg(chart_id, title, desc, top + row_h * len(rows) + 12)
    _legend(svg, [(legend[0], colours[0]), (legend[1], colours[1])], 14)
    for i, r in enumerate(rows):
        y = top + i * row_h
        svg.add(
            f"<a{_attrs(href=r['href'], class_='bar', data_figure=r['figure'], data_code=r['code'], data_value=r['value'])}>"
            f"<title>{escape(r['tip'])}</title>"
        )
        svg.label(8, y + 17, _short(r["label"], 50))
        if r["a"] is None and r["b"] is None:
            svg.text(BAR_X0 + 4, y + 17, r["note"], cls="na")
        else:
            for j, (v, colour) in enumerate(zip((r["a"], r["b"]), colours)):
                w = bar_w * float(v or 0) / scale
                svg.add(
                    f'<rect x="{BAR_X0}" y="{y + 3 + 11 * j}" width="{_f(max(w, 0.5))}" height="10" fill="{colour}"/>'
                )
            end = BAR_X0 + bar_w * float(max(r["a"] or 0, r["b"] or 0)) / scale
            svg.text(end + 6, y + 17, r["note"], cls="val")
        svg.add("</a>")
    return svg.render()


def stacked_chart(
    chart_id: str,
    title: str,
    desc: str,
    rows: list[dict],
    order: list[str],
    colours: dict[str, str],
    labels: dict[str, str],
    figure: str,
) -> str:
    """rows: label, href, code, segments {key: count}; absolute counts on one scale."""
    row_h = 30
    legend_items = [(labels.get(k, k), colours[k]) for k in order]
    # the legend wraps over lines of at most the chart width
    lines, line, x = [], [], BAR_X0
    for label, colour in legend_items:
        w = 16 + 7 * len(label) + 18
        if line and x + w > WIDTH:
            lines.append(line)
            line, x = [], BAR_X0
        line.append((label, colour))
        x += w
    if line:
        lines.append(line)
    top = 20 + 18 * len(lines)
    scale = max([sum(r["segments"].values()) for r in rows] + [1])
    svg = Svg(chart_id, title, desc, top + row_h * len(rows) + 8)
    for n, items in enumerate(lines):
        _legend(svg, items, 14 + 18 * n)
    for i, r in enumerate(rows):
        y = top + i * row_h
        total = sum(r["segments"].values())
        tip = f"{r['label']}: " + ", ".join(
            f"{labels.get(k, k)} {r['segments'][k]}" for k in order if r["segments"].get(k)
        )
        svg.add(
            f"<a{_attrs(href=r['href'], class_='bar', data_figure=figure, data_code=r['code'], data_value=total)}>"
            f"<title>{escape(tip)}</title>"
        )
        svg.label(8, y + 18, _short(r["label"], 50))
        x = BAR_X0
        for k in order:
            n = r["segments"].get(k, 0)
            if not n:
                continue
            w = BAR_W * n / scale
            svg.add(
                f"<rect{_attrs(x=_f(x), y=y + 4, width=_f(max(w, 1)), height=20, fill=colours[k], data_key=k, data_value=n)}/>"
            )
            if w >= 8 * len(str(n)) + 4:
                svg.text(x + w / 2, y + 18, str(n), anchor="middle", cls="seg-dark" if k in ("rounding",) else "seg")
            x += w
        svg.text(x + 6, y + 18, number(total), cls="val")
        svg.add("</a>")
    return svg.render()
