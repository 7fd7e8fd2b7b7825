"""Synthetic corpora of N reports for the scale benchmark, rendered like the samples.

Report i of a corpus is dump `i % 3` of data/dumps (so every corpus has the same mix of
report kinds as the samples), variant `i // 3`:
- every policy code (SD/OD/PO + 5 digits, AC/PR + 5 letters-or-digits) is shifted by the
  same offset in mixed radix (digits stay digits, letters stay letters), so codes keep the
  shape their entity is read from, stay distinct within a report and references between
  blocks still match;
- every euro amount of a leaf (action, project) is multiplied by the same whole factor, and
  a parent (plan, goal) prints the sum of its children's scaled amounts plus its source's own
  difference (printed minus the children's sum, as the extractor reads them): every sum of
  REPORT_FORMAT §3 keeps its difference, so exact stays exact, a rounding difference stays
  within its tolerance and a gap stays the same gap. (Scaling the parent too multiplied its
  rounding difference by the factor, beyond the tolerance ½ € × (n+1), which does not grow:
  a last plan 1 € off its 20 leaves became 11 € off at factor 11, and the acceptance rule
  read that as pages missing at the end.) Each row's two percentages are printed again
  from its new amounts (the originals were computed from unrounded amounts and would no
  longer fit the tighter rounding interval of larger ones); a percentage over a printed 0
  base (a sub-euro base) is multiplied by the factor, as the base stays under half a euro.
  A damaged row (dropped cells) has every amount multiplied by the factor.
- every year (2000-2049, as a whole token) is moved YEAR_STEP × (variant mod YEAR_CYCLE)
  years on: a report is identified by its leaf × entity × report year (orchestration/identity.py),
  and shifted codes alone meet the codes of another variant from variant 10 on (the shift wraps
  around the code space). The dumps' report years (2021, 2024, 2024) stay apart (2021 + 4a is
  never 2024 + 4b), the years stay in 20xx (the extractor reads no other), and of the cycles
  that do, 11 leaves no two of the first 306 reports sharing a leaf × entity × year (tested).
Variant 0 is the dump unchanged (its PDF is byte-identical to the sample's). FTE rows, text
and damage (misspelt labels, dropped cells) are kept as they are.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path

from extract.document import extract_bytes
from extract.number_format import belgian
from extract.reconcile import BUDGET_METRICS, children_of

REPO = Path(__file__).resolve().parents[1]
DUMPS = REPO / "data" / "dumps"

CODE = re.compile(
    r"\b(?P<prefix>SD|OD|PO)(?P<digits>[0-9]{5})\b|\b(?P<leaf>AC|PR)(?P<suffix>(?=[A-Z]*[0-9])[A-Z0-9]{5})\b"
)
AMOUNT = re.compile(r"(?<!\S)(-?)([0-9]{1,3}(?:\.[0-9]{3})*)(?!\S)")  # a whole cell: 1.234.567 (no decimals, no %)
YEAR = re.compile(r"(?<![0-9][.,])\b(20[0-4][0-9])\b(?![.,][0-9])")  # a year, not part of an amount
YEAR_STEP, YEAR_CYCLE = 4, 11  # see the module's docstring
CHANGED_REPORT = (
    303  # dump 0 as in report 0, a variant no corpus of up to 300 reports holds: the benchmark's changed report
)
CODE_STEP = 7919  # a prime: the offsets of successive variants scatter over the code space
FACTORS = (2, 3, 5, 7, 11)


def _render_module():
    """tools/render_samples.py (tools/ is no package: loaded by path, as the tests do)."""
    name = "render_samples"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "tools" / "render_samples.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules[name]


def dumps() -> list[Path]:
    return sorted(DUMPS.glob("*.txt"))


def shift_code(code_suffix: str, offset: int) -> str:
    """Add offset to a code suffix read as a mixed-radix number (digit 10, letter 26), wrapping."""
    out, carry = [], offset
    for ch in reversed(code_suffix):
        if ch.isdigit():
            carry, value = divmod(int(ch) + carry, 10)
            out.append(str(value))
        else:
            carry, value = divmod(ord(ch) - 65 + carry, 26)
            out.append(chr(65 + value))
    return "".join(reversed(out))


def _scale_amount(match: re.Match, factor: int) -> str:
    sign, digits = match.groups()
    return sign + belgian(int(digits.replace(".", "")) * factor)


def _amount(cell: str) -> int | None:
    return int(cell.replace(".", "")) if AMOUNT.fullmatch(cell) else None


def _percentage(numerator: int, denominator: int) -> str:
    return _pct_text(Decimal(numerator) * 100 / Decimal(denominator))


def _scale_percentage(cell: str, factor: int) -> str:
    """A percentage over a printed 0 base (a sub-euro amount rounded to 0: the huge percentages of docs/REPORT_FORMAT.md):
    the base stays below half a euro, only the numerator is scaled, so the ratio is too."""
    value = Decimal(cell.rstrip("%").replace(".", "").replace(",", "."))
    return _pct_text(value * factor)


def _pct_text(value: Decimal) -> str:
    return belgian(value, 1) + "%"


def _clean_cells(line: str, values: list[str]) -> tuple[list[re.Match], list[int]] | None:
    """(the five cells' matches, the three amounts) of a row whose five cells are all printed; None when damaged."""
    tokens = list(re.finditer(r"\S+", line))[-len(values) :] if values else []
    cells = [m.group() for m in tokens]
    amounts = [_amount(cells[i]) for i in (0, 1, 3)] if len(cells) == 5 else [None]
    if cells != values or None in amounts or not all(cells[i].endswith("%") for i in (2, 4)):
        return None
    return tokens, [a for a in amounts if a is not None]


def _scale_row(line: str, values: list[str], factor: int, printed: list[int] | None = None) -> str:
    """A budget row with its amounts scaled (or `printed`, a parent's: _scaled_amounts); its
    percentages printed again when all five cells are clean."""
    cells = _clean_cells(line, values)
    if cells is None:
        return AMOUNT.sub(lambda m: _scale_amount(m, factor), line)  # damaged row: amounts only
    tokens, amounts = cells
    budget, actual, previous = printed or [a * factor for a in amounts]
    new = [
        _fmt(budget),
        _fmt(actual),
        _percentage(actual, budget) if budget else _scale_percentage(tokens[2].group(), factor),
        _fmt(previous),
        _percentage(actual, previous) if previous else _scale_percentage(tokens[4].group(), factor),
    ]
    out, end = [], 0
    for m, cell in zip(tokens, new):
        out += [line[end : m.start()], cell]
        end = m.end()
    return "".join(out) + line[end:]


def _fmt(amount: int) -> str:
    return belgian(amount)


@functools.lru_cache(maxsize=4)
def _source_extraction(text: str):
    """The extractor's reading of a dump (its blocks, rows and their lines), once per dump and process."""
    return extract_bytes(Path("source.txt"), text.encode("utf-8"))


def _scaled_amounts(lines: list[str], factor: int) -> dict[int, list[int]]:
    """Line number (1-based) -> (budget, actual, previous) that clean budget row prints in the variant.

    A leaf's amounts are its own times the factor; a parent's are the sum of its children's
    plus the source's own difference (see the module's docstring). A parent with a child cell
    not printed, or on a damaged row, is scaled like a leaf (its sum is not checked)."""
    render = _render_module()
    extraction = _source_extraction("\n".join(lines))
    kids = children_of(extraction.tables["nodes"], extraction.document.layout)
    rows = {(r.node_id, r.category, r.direction): r for r in extraction.tables["budget_lines"]}

    def clean(line_no: int) -> bool:
        row = render.parse_row(render.clean_line(lines[line_no - 1]))
        return bool(row) and _clean_cells(lines[line_no - 1], row[2]) is not None

    clean_lines = {r.line for r in rows.values() if clean(r.line)}

    @functools.cache
    def scaled(node: str, category: str, direction: str, metric: str) -> int | None:
        row = rows.get((node, category, direction))
        printed = getattr(row, metric) if row else None
        if row is None or printed is None:
            return None
        children = [rows.get((kid, category, direction)) for kid in kids.get(node, ())]
        source = [getattr(child, metric) if child else None for child in children]
        if not children or None in source or row.line not in clean_lines:
            return printed * factor
        return sum(scaled(kid, category, direction, metric) or 0 for kid in kids[node]) + printed - sum(source)

    out = {}
    for (node, category, direction), row in rows.items():
        amounts = [scaled(node, category, direction, metric) for metric in BUDGET_METRICS]
        if row.line in clean_lines and None not in amounts:
            out[row.line] = amounts
    return out


def variant_lines(lines: list[str], variant: int) -> list[str]:
    """The dump lines of one synthetic report (variant 0: unchanged)."""
    if variant == 0:
        return list(lines)
    render = _render_module()
    offset, factor = variant * CODE_STEP, FACTORS[(variant - 1) % len(FACTORS)]

    def code(m: re.Match) -> str:
        if m["prefix"]:
            return m["prefix"] + shift_code(m["digits"], offset)
        return m["leaf"] + shift_code(m["suffix"], offset)

    amounts = _scaled_amounts(lines, factor)
    out = []
    for number, line in enumerate(lines, 1):
        line = CODE.sub(code, line)
        line = YEAR.sub(lambda m: str(int(m.group(1)) + year_shift(variant)), line)
        row = render.parse_row(render.clean_line(line))
        if row and row[1] in ("Uitgaven", "Ontvangsten"):
            line = _scale_row(line, row[2], factor, amounts.get(number))
        out.append(line)
    return out


def year_shift(variant: int) -> int:
    return YEAR_STEP * (variant % YEAR_CYCLE)


def report_name(index: int, sources: list[Path]) -> str:
    dump = sources[index % len(sources)]
    return f"r{index:03d}_v{index // len(sources):02d}_{dump.stem}.pdf"


def render_report(index: int, out_dir: Path, dumps: list[Path] | None = None) -> tuple[Path, int]:
    """Render report `index` of the corpus made from `dumps` (default: data/dumps) into out_dir; (path, pages)."""
    render = _render_module()
    sources = dumps or globals()["dumps"]()
    dump = sources[index % len(sources)]
    lines = variant_lines(render.read_dump(dump), index // len(sources))
    out = Path(out_dir) / report_name(index, sources)
    pages = render.render_lines(lines, out, render.report_title([render.clean_line(line) for line in lines]))
    return out, pages


def _render_one(args: tuple[int, str, list[str]]) -> tuple[str, int]:
    path, pages = render_report(args[0], Path(args[1]), [Path(d) for d in args[2]])
    return str(path), pages


def make_corpus(n: int, out_dir: Path, workers: int = 1, dumps: list[Path] | None = None) -> list[tuple[Path, int]]:
    """Reports 0..n-1 rendered into out_dir; [(path, pages)]."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sources = [str(d) for d in (dumps or globals()["dumps"]())]
    todo = [(i, str(out_dir), sources) for i in range(n)]
    if workers > 1 and n > 1:
        import multiprocessing

        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            done = list(pool.map(_render_one, todo))
    else:
        done = [_render_one(t) for t in todo]
    return [(Path(p), pages) for p, pages in done]
