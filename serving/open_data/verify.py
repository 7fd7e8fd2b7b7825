"""The full check of an export's CSV files, in DuckDB, against the package's own descriptor.

frictionless-py checked every row in Python (minutes on a 100-report warehouse). Here DuckDB reads
each CSV file whole with the types of its resource's schema (`duckdbType`; a cell that is not of
its type, or a row with a cell too many or too few, fails the read) and checks, per resource:
the row count is the mart's; the rows are those of the Parquet file, text cells neutralised as
the CSV writes them (an independent SQL statement of the rule); required fields are filled;
enum values hold; the primary key, unique keys and unique fields are unique; every foreign key
resolves in the referenced CSV file. The `.excel.csv` beside it is read and compared the same
way. frictionless itself still validates the descriptor and the first rows of every file
(datapackage.py), a second opinion on the format.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb

from .fields import _quote
from .metadata import DUCKDB_MEMORY_LIMIT, EXCEL_SUFFIX, ExportError

# neutralise_formula (files.py) in SQL: RE2 as pyarrow's, `\p{Nd}` being Python's `\d`
_NEUTRALISED = (
    "CASE WHEN regexp_matches({c}, '^[=+\\-@\\t\\r]') AND NOT regexp_full_match({c}, '[+-]?\\p{{Nd}}[\\p{{Nd}}.,]*%?') "
    "THEN '''' || {c} ELSE {c} END"
)
MAX_PROBLEMS = 10


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_type(field: dict) -> str:
    """The type a cell is read as: the column's own DuckDB type; text as written for a string field."""
    return "VARCHAR" if field["type"] == "string" else field["duckdbType"].upper()


def _read_csv(path: Path, fields: list[dict], excel: bool = False) -> str:
    columns = ", ".join(f"{_literal(f['name'])}: {_literal(_sql_type(f))}" for f in fields)
    flavour = "delim=';', decimal_separator=','" if excel else "delim=','"
    return (
        f"read_csv({_literal(str(path))}, {flavour}, header=true, quote='\"', escape='\"', "
        f"columns={{{columns}}}, auto_detect=false, nullstr='', strict_mode=true)"
    )


def _expected(path: Path, fields: list[dict]) -> str:
    """The Parquet file's rows as the CSV must read back: text neutralised, an empty text null."""
    cells = []
    for f in fields:
        c = f"CAST({_quote(f['name'])} AS {_sql_type(f)})"
        if f["type"] == "string":
            c = "NULLIF(" + _NEUTRALISED.format(c=c) + ", '')"
        cells.append(f"{c} AS {_quote(f['name'])}")
    return f"SELECT {', '.join(cells)} FROM read_parquet({_literal(str(path))})"


def _fingerprint(con, relation: str, fields: list[dict]) -> tuple:
    """Row count and an order-free sum of row hashes: equal for the same rows."""
    cols = ", ".join(_quote(f["name"]) for f in fields)
    return con.execute(f"SELECT count(*), sum(hash({cols})::HUGEINT) FROM ({relation})").fetchone()


def _first_difference(con, csv: str, expected: str) -> str:
    row = con.execute(f"({csv}) EXCEPT ALL ({expected}) LIMIT 1").fetchone()
    if row is not None:
        return f"a row not in the Parquet file: {row}"
    row = con.execute(f"({expected}) EXCEPT ALL ({csv}) LIMIT 1").fetchone()
    return f"a row of the Parquet file missing: {row}" if row is not None else "rows not those of the Parquet file"


def _count_problems(con, table: str, fields: list[dict]) -> list[str]:
    """Required fields filled and enum values held, counted in one pass."""
    counts = []
    for f in fields:
        name, constraints = _quote(f["name"]), f.get("constraints") or {}
        if constraints.get("required"):
            counts.append((f"{f['name']} is empty", f"{name} IS NULL"))
        if "enum" in constraints:
            values = ", ".join(_literal(str(v)) for v in constraints["enum"])
            counts.append((f"{f['name']} is not one of its values", f"CAST({name} AS VARCHAR) NOT IN ({values})"))
    if not counts:
        return []
    found = con.execute(
        "SELECT " + ", ".join(f"count(*) FILTER (WHERE {cond})" for _, cond in counts) + f" FROM {table}"
    ).fetchone()
    return [f"{n} rows where {what}" for (what, _), n in zip(counts, found) if n]


def _offender_queries(table: str, fields: list[dict], schema: dict, read_keys):
    """(query for the first offending row, what that row means) per key and foreign key."""
    keys = [schema["primaryKey"]] if schema.get("primaryKey") else []
    keys += schema.get("uniqueKeys", []) + [[f["name"]] for f in fields if (f.get("constraints") or {}).get("unique")]
    for key in dict.fromkeys(map(tuple, keys)):  # (a primary key is often a unique field too)
        cols, all_null = ", ".join(map(_quote, key)), " AND ".join(f"{_quote(c)} IS NULL" for c in key)
        yield (
            f"SELECT {cols}, count(*) FROM {table} WHERE NOT ({all_null}) GROUP BY ALL HAVING count(*) > 1",
            lambda row, key=key: f"key ({', '.join(key)}) not unique: {row[:-1]} in {row[-1]} rows",
        )
    for fk in schema.get("foreignKeys", []):
        (column,), (target,), resource = fk["fields"], fk["reference"]["fields"], fk["reference"]["resource"]
        keys_table = read_keys(resource, target)
        yield (
            f"SELECT {_quote(column)} FROM {table} WHERE {_quote(column)} IS NOT NULL "
            f"AND {_quote(column)} NOT IN (SELECT k FROM {keys_table})",
            lambda row, column=column, ref=f"{resource}.{target}": f"{column} {row[0]!r} not in {ref}",
        )


def _error(exc: duckdb.Error) -> str:
    """DuckDB's message without its hints: the line, and what is wrong in it."""
    lines = []
    for line in str(exc).splitlines():
        if not line.strip() or line.startswith(("Possible", "Column ", "*")):
            break
        lines.append(line.strip()[:160])  # (an "Original Line:" can be a whole paragraph)
    return " ".join(lines)


def _check_resource(con, name: str, resource: dict, folder: Path, rows: int, read_keys) -> list[str]:
    path, schema = folder / resource["path"], resource["schema"]
    fields = schema["fields"]
    excel = path.with_name(path.name.removesuffix(".csv") + EXCEL_SUFFIX)
    expected = _expected(folder / f"{name}.parquet", fields)
    want = _fingerprint(con, expected, fields)
    problems = [] if want[0] == rows else [f"{name}.parquet: {want[0]} rows, the mart has {rows}"]
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE checked AS SELECT * FROM {_read_csv(path, fields)}")
    except duckdb.Error as exc:  # a cell not of its type, a row with a cell too many...
        return [*problems, f"{path.name}: {_error(exc)}"]
    found = _count_problems(con, "checked", fields)
    for query, meaning in _offender_queries("checked", fields, schema, read_keys):
        if (row := con.execute(query + " LIMIT 1").fetchone()) is not None:
            found.append(meaning(row))
    problems += [f"{path.name}: {p}" for p in found]
    for file, relation in (
        (path, "SELECT * FROM checked"),
        (excel, f"SELECT * FROM {_read_csv(excel, fields, excel=True)}"),
    ):
        try:
            got = _fingerprint(con, relation, fields)
            if got != want:
                problems.append(f"{file.name}: {got[0]} rows, {_first_difference(con, relation, expected)}")
        except duckdb.Error as exc:
            problems.append(f"{file.name}: {_error(exc)}")
    return problems


def check_files(descriptor: dict, folder: Path, rows: dict[str, int]) -> None:
    """Raise an ExportError naming each file whose rows are not what the package says; rows: {resource: mart rows}."""
    tables = {r["name"]: r for r in descriptor["resources"] if r.get("type") == "table"}
    spill = Path(tempfile.mkdtemp(prefix=".verify-", dir=folder.parent))  # the export's disk, not /tmp
    config = {
        "memory_limit": DUCKDB_MEMORY_LIMIT,
        "threads": 2,
        "preserve_insertion_order": False,
        "temp_directory": str(spill),
    }
    con = duckdb.connect(config=config)
    key_tables: dict[tuple[str, str], str] = {}

    def read_keys(resource: str, field: str) -> str:
        """The referenced field's values, as read from the referenced CSV file (once)."""
        if (resource, field) not in key_tables:
            ref = tables[resource]
            key_tables[resource, field] = table = f"keys_{len(key_tables)}"
            con.execute(
                f"CREATE TEMP TABLE {table} AS SELECT DISTINCT {_quote(field)} AS k "
                f"FROM {_read_csv(folder / ref['path'], ref['schema']['fields'])} WHERE {_quote(field)} IS NOT NULL"
            )
        return key_tables[resource, field]

    problems: list[str] = []
    try:
        for name in sorted(tables):
            try:
                problems += _check_resource(con, name, tables[name], folder, rows[name], read_keys)
            except duckdb.Error as exc:  # a referenced file that cannot be read
                problems.append(f"{tables[name]['path']}: {_error(exc)}")
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
    if problems:
        shown = [p if len(p) <= 300 else p[:299] + "…" for p in problems[:MAX_PROBLEMS]]  # (a row can be long)
        raise ExportError("the export's files are not valid: " + "; ".join(shown))
