"""Open-data export of the marts: Parquet + CSV per mart and a Frictionless `datapackage.json`.

    export_open_data(database, out_dir, include_personal_data=False) -> {resource: rows}

* Every table (or view) of schema `marts` becomes `<mart>.parquet` and `<mart>.csv` (UTF-8,
  `,` delimiter, `.` decimal point, no thousands separators, ISO dates, empty cell = null,
  booleans `true`/`false`, `\n` line ends), columns in the mart's order, rows sorted by the
  mart's key. Lineage columns (`document_id`, `page`, `line`) are exported as they are.
* Next to each `<mart>.csv`, `<mart>.excel.csv` holds the same rows for a Belgian Excel (`;`
  delimiter, `,` decimal separator, UTF-8 with BOM, CRLF); it is not a package resource.
* In both CSV flavours a text cell a spreadsheet would run as a formula (starting with `=`, `+`,
  `-`, `@`, TAB or CR, and not a printed number such as "-4.335.322") gets a leading apostrophe;
  numbers are never touched and Parquet keeps the printed text.
* `datapackage.json` is built and validated with frictionless-py (`frictionless validate` finds
  no error; on the build path it validates the descriptor and the first rows of every file), and
  every row of every CSV file is checked in DuckDB against the descriptor and the Parquet file
  (verify.py); an export found invalid is refused, the previous one kept. Each mart's CSV file is
  a tabular resource whose fields are described from the dbt manifest (the marts' column
  descriptions are the only place the meaning is written down) with unit, sign and the FDP
  `columnType`, the official codes as keys and the policy hierarchy as foreign keys; each
  Parquet file is a file resource (bytes and hash) beside it. Fiscal Data Package: the `model`
  (measures with currency, direction, phase and fiscal period, dimensions with the entity as an
  entity dimension) is built on `fct_spending_fiscal`, where every amount sits under its own
  fiscal year; the source documents with their sha256, the licence and the known limitations.
* Personal data (names of the aldermen, only in `raw.responsibles` /
  `staging.stg_gent__responsibles`) is left out unless `include_personal_data=True` (CLI:
  `--include-personal-data` or env `GENT_EXPORT_PERSONAL_DATA=1`); then one extra resource
  `responsibles` holds them. With the switch off the export is scanned for every name and
  refused (nothing published) if one turns up anywhere.
* Deterministic: the same database gives byte-identical files (total sort order, fixed column
  order and types, pinned Parquet writer options, no timestamps anywhere, JSON with fixed key
  order). Atomic: everything is written into a temporary folder beside `out_dir` and swapped in.

CLI: `python -m serving.open_data --database warehouse/gent.duckdb --out warehouse/export
[--include-personal-data] [--manifest dbt_project/target/manifest.json]`.
"""

from .export import export_open_data, personal_data_from_env, write_open_data
from .fields import csv_value
from .files import neutralise_formula
from .metadata import EXCEL_SUFFIX, PARQUET_SUFFIX, PERSONAL_DATA_ENV, ExportError, PersonalDataError
from .personal import name_variants

__all__ = [
    "EXCEL_SUFFIX",
    "PARQUET_SUFFIX",
    "PERSONAL_DATA_ENV",
    "ExportError",
    "PersonalDataError",
    "csv_value",
    "export_open_data",
    "name_variants",
    "neutralise_formula",
    "personal_data_from_env",
    "write_open_data",
]
