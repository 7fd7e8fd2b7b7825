"""Writing the files: Parquet, CSV (plain and for a Belgian Excel), hashes, fsync, the atomic swap."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .fields import csv_value
from .metadata import PARQUET_OPTIONS, PARQUET_ROW_GROUP_SIZE


def _write_parquet(table: pa.Table, path: Path, sort: list[str]) -> None:
    names = table.column_names
    sorting = [pq.SortingColumn(names.index(c), descending=False, nulls_first=False) for c in sort]
    pq.write_table(table, path, row_group_size=PARQUET_ROW_GROUP_SIZE, sorting_columns=sorting, **PARQUET_OPTIONS)


# A cell a spreadsheet would run as a formula starts with one of these (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# ... unless it is a number as printed ("-4.335.322", "-8,9%"): no spreadsheet runs that.
_PRINTED_NUMBER = re.compile(r"[+-]?\d[\d.,]*%?")


def neutralise_formula(text: str) -> str:
    """A text cell as a spreadsheet must read it: a leading apostrophe keeps a formula a text."""
    if text.startswith(FORMULA_START) and not _PRINTED_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _csv_column(column: pa.ChunkedArray, decimal_char: str = ".") -> list[str]:
    """csv_value of every cell of a column, with a fast path for the common types.

    Text cells are neutralised (neutralise_formula); numbers never are, only their decimal
    point becomes `decimal_char`.
    """
    values = column.to_pylist()
    t = column.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return ["" if v is None else neutralise_formula(v) for v in values]
    if pa.types.is_integer(t):
        return ["" if v is None else str(v) for v in values]
    if pa.types.is_decimal(t):
        cells = ["" if v is None else format(v, "f") for v in values]
    else:
        cells = [csv_value(v) for v in values]
    if decimal_char != "." and (pa.types.is_decimal(t) or pa.types.is_floating(t)):
        cells = [c.replace(".", decimal_char) for c in cells]
    return cells


def _write_csv(table: pa.Table, path: Path) -> None:
    columns = [_csv_column(table.column(i)) for i in range(table.num_columns)]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(
            handle, delimiter=",", quotechar='"', doublequote=True, lineterminator="\n", quoting=csv.QUOTE_MINIMAL
        )
        writer.writerow(table.column_names)
        writer.writerows(zip(*columns))


def _write_excel_csv(table: pa.Table, path: Path) -> None:
    """The same rows as a Belgian (nl-BE/fr-BE) Excel opens them with a double click: `;` between
    cells, `,` as decimal separator, UTF-8 with a BOM (without it Excel reads Windows-1252 and shows
    "CoÃ¶rdineren"), CRLF line ends."""
    columns = [_csv_column(table.column(i), decimal_char=",") for i in range(table.num_columns)]
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(
            handle, delimiter=";", quotechar='"', doublequote=True, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL
        )
        writer.writerow(table.column_names)
        writer.writerows(zip(*columns))
