"""Writing the files: Parquet, CSV (plain and for a Belgian Excel), hashes, fsync, the atomic swap."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .fields import csv_value
from .metadata import PARQUET_OPTIONS, PARQUET_ROW_GROUP_SIZE


def _write_parquet(rows: pa.RecordBatchReader, path: Path, sort: list[str]) -> None:
    """The rows as Parquet, read a batch at a time; row groups of PARQUET_ROW_GROUP_SIZE rows
    whatever the batches' sizes (DuckDB's vary), so that the same rows give the same bytes."""
    names = rows.schema.names
    sorting = [pq.SortingColumn(names.index(c), descending=False, nulls_first=False) for c in sort]
    with pq.ParquetWriter(path, rows.schema, sorting_columns=sorting, **PARQUET_OPTIONS) as writer:
        held: list[pa.RecordBatch] = []
        count, written = 0, False
        for batch in rows:
            held.append(batch)
            count += batch.num_rows
            while count >= PARQUET_ROW_GROUP_SIZE:
                group = pa.Table.from_batches(held, rows.schema)
                writer.write_table(group.slice(0, PARQUET_ROW_GROUP_SIZE), row_group_size=PARQUET_ROW_GROUP_SIZE)
                held, count, written = (
                    group.slice(PARQUET_ROW_GROUP_SIZE).to_batches(),
                    count - PARQUET_ROW_GROUP_SIZE,
                    True,
                )
        if count or not written:  # (a mart without rows: one empty row group, as pq.write_table writes)
            writer.write_table(pa.Table.from_batches(held, rows.schema), row_group_size=PARQUET_ROW_GROUP_SIZE)


def batches(rows: pa.Table | pq.ParquetFile, columns: list[str] | None = None):
    """The rows BATCH_ROWS at a time: of a table in memory, or read from a Parquet file."""
    if isinstance(rows, pq.ParquetFile):
        return rows.iter_batches(batch_size=BATCH_ROWS, columns=columns, use_threads=False)
    return (rows.select(columns) if columns is not None else rows).to_batches(max_chunksize=BATCH_ROWS)


def column_names(rows: pa.Table | pq.ParquetFile) -> list[str]:
    return rows.schema_arrow.names if isinstance(rows, pq.ParquetFile) else rows.column_names


# A cell a spreadsheet would run as a formula starts with one of these (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# ... unless it is a number as printed ("-4.335.322", "-8,9%"): no spreadsheet runs that.
PRINTED_NUMBER = r"[+-]?\d[\d.,]*%?"
_PRINTED_NUMBER = re.compile(PRINTED_NUMBER)


def neutralise_formula(text: str) -> str:
    """A text cell as a spreadsheet must read it: a leading apostrophe keeps a formula a text."""
    if text.startswith(FORMULA_START) and not _PRINTED_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _re2_class(chars: str | tuple[str, ...]) -> str:
    """An RE2 (pyarrow) character class of exactly these characters, each written by its code point."""
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]"


# The same rules as whole-column operations (RE2): `\p{Nd}` is what Python's `\d` matches in a str.
_FORMULA_START_RE = "^" + _re2_class(FORMULA_START)
_PRINTED_NUMBER_RE = "^" + PRINTED_NUMBER.replace(r"\d", r"\p{Nd}") + "$"
BATCH_ROWS = 16 * 1024  # rows formatted at a time: bounded memory on any mart


def _csv_cells(column: pa.Array, decimal_char: str) -> pa.Array:
    """csv_value of every cell of a column as one string array ('' for null), computed by pyarrow.

    Text cells are neutralised (neutralise_formula); numbers never are, only their decimal
    point becomes `decimal_char`. pyarrow writes integers, booleans and decimals as csv_value
    does (decimals with all their scale's digits, as format(value, "f")); other types go cell by cell.
    """
    if pa.types.is_large_string(column.type):
        column = column.cast(pa.string())  # (a batch of rows holds far less than 2 GB of text)
    t = column.type
    if pa.types.is_string(t):
        cells = column
        starts = pc.match_substring_regex(column, _FORMULA_START_RE)
        if pc.any(starts).as_py():  # (most columns have no such cell: no second pass)
            formula = pc.and_(starts, pc.invert(pc.match_substring_regex(column, _PRINTED_NUMBER_RE)))
            cells = pc.if_else(formula, pc.binary_join_element_wise("'", column, ""), column)
    elif pa.types.is_integer(t) or pa.types.is_boolean(t) or pa.types.is_decimal(t):
        cells = pc.cast(column, pa.string())
    else:
        cells = pa.array([csv_value(v) for v in column.to_pylist()], pa.string())
    if decimal_char != "." and (pa.types.is_decimal(t) or pa.types.is_floating(t)):
        cells = pc.replace_substring(cells, ".", decimal_char)
    return pc.fill_null(cells, "")


def _needs_quotes(delimiter: str, lineterminator: str) -> str:
    """The characters that make csv.writer quote a cell (QUOTE_MINIMAL), asked of csv itself: which
    line-end characters count depends on the Python version."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=lineterminator, quoting=csv.QUOTE_MINIMAL)
    found = ""
    for char in dict.fromkeys(delimiter + '"\r\n' + lineterminator):
        writer.writerow([char])
        if out.getvalue().startswith('"'):
            found += char
        out.seek(0)
        out.truncate()
    return found


def _write_rows(
    rows: pa.Table | pq.ParquetFile, path: Path, delimiter: str, lineterminator: str, decimal_char: str, bom: bool
):
    """The CSV bytes csv.writer(QUOTE_MINIMAL, doublequote) writes for these cells, built a batch of
    rows at a time with pyarrow (csv.writer over Python values took minutes on a large warehouse)."""
    quote = _re2_class(_needs_quotes(delimiter, lineterminator))
    header = io.StringIO()
    csv.writer(header, delimiter=delimiter, lineterminator=lineterminator).writerow(column_names(rows))
    with open(path, "wb") as handle:
        handle.write(("\ufeff" if bom else "").encode("utf-8") + header.getvalue().encode("utf-8"))
        for batch in batches(rows):
            if not batch.num_rows:
                continue
            cells = []
            for column in batch.columns:
                text = _csv_cells(column, decimal_char)
                if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                    # (numbers and booleans never hold a delimiter: `,` decimals only in `;` files)
                    needs = pc.match_substring_regex(text, quote)
                    if pc.any(needs).as_py():
                        quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
                        text = pc.if_else(needs, quoted, text)
                if batch.num_columns == 1:  # csv.writer quotes a row's only cell when it is empty
                    text = pc.if_else(pc.equal(text, ""), '""', text)
                cells.append(text)
            lines = pc.binary_join_element_wise(pc.binary_join_element_wise(*cells, delimiter), lineterminator, "")
            _, offsets, data = lines.buffers()  # the rows' text, one after the other in one buffer
            bounds = pa.Array.from_buffers(pa.int32(), len(lines) + 1, [None, offsets], offset=lines.offset)
            handle.write(data[bounds[0].as_py() : bounds[-1].as_py()])


def _write_csv(rows: pa.Table | pq.ParquetFile, path: Path) -> None:
    _write_rows(rows, path, delimiter=",", lineterminator="\n", decimal_char=".", bom=False)


def _write_excel_csv(rows: pa.Table | pq.ParquetFile, path: Path) -> None:
    """The same rows as a Belgian (nl-BE/fr-BE) Excel opens them with a double click: `;` between
    cells, `,` as decimal separator, UTF-8 with a BOM (without it Excel reads Windows-1252 and shows
    "CoÃ¶rdineren"), CRLF line ends."""
    _write_rows(rows, path, delimiter=";", lineterminator="\r\n", decimal_char=",", bom=True)
