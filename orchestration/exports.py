"""Open-data export of the marts: Parquet + CSV per mart and a Frictionless `datapackage.json`.

    export_open_data(database, out_dir, include_personal_data=False) -> {resource: rows}

* Every table (or view) of schema `marts` becomes `<mart>.parquet` and `<mart>.csv` (UTF-8,
  `,` delimiter, `.` decimal point, no thousands separators, ISO dates, empty cell = null,
  booleans `true`/`false`, `\\n` line ends), columns in the mart's order, rows sorted by the
  mart's key. Lineage columns (`document_id`, `page`, `line`) are exported as they are.
* Next to each `<mart>.csv`, `<mart>.excel.csv` holds the same rows for a Belgian Excel (`;`
  delimiter, `,` decimal separator, UTF-8 with BOM, CRLF); it is not a package resource.
* In both CSV flavours a text cell a spreadsheet would run as a formula (starting with `=`, `+`,
  `-`, `@`, TAB or CR, and not a printed number such as "-4.335.322") gets a leading apostrophe;
  numbers are never touched and Parquet keeps the printed text.
* `datapackage.json` is built and validated with frictionless-py (`frictionless validate` finds
  no error; an export it finds invalid is refused, the previous one kept): each mart's CSV file is
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

CLI: `python -m orchestration.exports --database warehouse/gent.duckdb --out warehouse/export
[--include-personal-data] [--manifest dbt_project/target/manifest.json]`.
"""

from __future__ import annotations

import argparse
import csv
import ctypes
import datetime as dt
import decimal
import hashlib
import json
import math
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from .settings import DBT_PROJECT_DIR, Settings

if TYPE_CHECKING:  # for the annotations only; the functions import frictionless where they use it
    import frictionless

MARTS_SCHEMA = "marts"
PERSONAL_DATA_ENV = "GENT_EXPORT_PERSONAL_DATA"
PERSONAL_RESOURCE = "responsibles"
PERSONAL_DATA_TAG = "personal_data"
DATAPACKAGE = "datapackage.json"
PARQUET_SUFFIX = "-parquet"  # resource name of a mart's Parquet file: "<mart>-parquet"
EXCEL_SUFFIX = ".excel.csv"  # "<mart>.excel.csv": the CSV for a Belgian Excel, not a package resource

# Parquet writer options, pinned so that two runs (and two machines with the same pyarrow)
# write the same bytes. pyarrow writes no timestamps; `created_by` names the pyarrow version and
# the only key-value metadata is the Arrow schema (types + field descriptions), both fixed.
PARQUET_OPTIONS = dict(
    compression="zstd",
    compression_level=9,
    use_dictionary=True,
    write_statistics=True,
    version="2.6",
    data_page_version="1.0",
    data_page_size=1024 * 1024,
    write_batch_size=1024,
    dictionary_pagesize_limit=1024 * 1024,
    write_page_index=False,
    write_page_checksum=False,
    use_byte_stream_split=False,
    store_schema=True,
)
PARQUET_ROW_GROUP_SIZE = 1_000_000
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"

# The data licence. The source reports are public documents of Stad Gent, OCMW Gent and
# District09; the City publishes its open data under the Flemish model licence for free reuse
# (any purpose, attribution required). Documents with personal data fall outside that licence,
# which is one more reason why the names of the aldermen stay out by default.
LICENSES = [
    {
        "title": "Modellicentie voor gratis hergebruik v1.0 (Vlaamse overheid): free reuse for any purpose, "
        'with attribution "Bron: Stad Gent, OCMW Gent en District09, jaarrekeningen"',
        "path": "https://overheid.vlaanderen.be/sites/default/files/documenten/ict-egov/licenties/hergebruik/"
        "modellicentie_gratis_hergebruik_v1_0.html",
    }
]

PACKAGE = {
    "name": "gent-jaarrekening",
    "title": "Jaarrekening Groep Gent (Stad Gent, OCMW Gent, District09): budget, actuals and staffing per policy goal, action plan and action",
    "description": (
        "The annual accounts (jaarrekening) of the City of Ghent and its group, as printed in the PDF reports "
        "(policy goal > action plan > action/project, each with a budget table and a staffing table), extracted "
        "into a star schema. Printed values are kept exactly as printed; derived values (recomputed percentages, "
        "derived totals, imputed cells, conformed Stad/OCMW actions) are in separate, labelled columns. Every row "
        "leads back to its source document (document_id = sha256 of the file), page and line. Read "
        "`limitations` before adding numbers up: only fct_spending and fct_staffing are additive. Every CSV "
        "resource <name>.csv also comes as <name>.excel.csv, the same rows for a Belgian Excel (';' between "
        "cells, ',' as decimal separator, UTF-8 with BOM); see the limitation `csv-formulas` for text cells."
    ),
    "keywords": [
        "Gent",
        "Ghent",
        "jaarrekening",
        "annual accounts",
        "budget",
        "OCMW",
        "District09",
        "fiscal data package",
        "open data",
    ],
    "countryCode": "BE",
    "granularity": "aggregated",
}

# Known limitations, stated once in the package (the column descriptions say the same per field).
LIMITATIONS = [
    {
        "name": "rounding",
        "title": "Independent rounding of every level",
        "description": "Every level of the report (leaf, action plan, goal) is rounded to whole euros (0.01 VTE) on "
        "its own, so a sum of n children may differ from the printed parent by up to 1/2 unit x (n+1). "
        "rpt_reconciliation gives every parent's difference, tolerance and status (exact, rounding, gap, "
        "not_printed, derived, not_reported); a `gap` is an inconsistency of the report itself or a "
        "block missing from the source, reported with its size and location, never corrected.",
        "resources": ["rpt_reconciliation", "fct_spending_reported", "fct_staffing_reported"],
    },
    {
        "name": "derived-totals",
        "title": "Derived totals and recomputed percentages",
        "description": "The 2021 District09 report prints no goal (SD) totals: rpt_reconciliation.derived_value holds "
        "them as the sum of the plans, flagged by is_derived. Percentages recomputed from the printed "
        "amounts are in *_pct_recomputed, next to the printed *_pct_printed. A conformed Stad/OCMW "
        "action (dim_action) is derived from title matching: its amount is the sum over its action_key.",
        "resources": ["rpt_reconciliation", "fct_spending_reported", "fct_staffing_reported", "dim_action"],
    },
    {
        "name": "imputed-cells",
        "title": "Imputed cells",
        "description": "Cells the source lost are null in the printed columns (budget_eur, actual_eur, actual_prev_eur); "
        "a value derived from the parent total or the printed percentage is in the separate *_imputed "
        "columns with imputation_method. coalesce(actual_eur, actual_eur_imputed) gives a complete "
        "total. The printed entity of a leaf whose header was lost is `unknown`; entity_code_imputed holds "
        "the entity inferred from the print order, with entity_imputation_method.",
        "resources": ["fct_spending"],
    },
    {
        "name": "intra-group-flows",
        "title": "Intra-group flows are not eliminated",
        "description": "Stad Gent pays District09 (AC34776, expenditure) and District09 books the same money as revenue "
        "(ACAR004). Such rows are kept and flagged is_intra_group = true (rule in intra_group_rule). A "
        "group-wide total must exclude them on one side; the data itself eliminates nothing.",
        "resources": ["fct_spending"],
    },
    {
        "name": "previous-year-2021",
        "title": "Previous year not applicable in 2021",
        "description": "District09 existed one year in 2021: its previous-year columns are printed 0 but mean 'not "
        "applicable' (is_prev_year_applicable = false).",
        "resources": [
            "fct_spending",
            "fct_spending_reported",
            "fct_spending_fiscal",
            "rpt_reconciliation",
            "dim_document",
        ],
    },
    {
        "name": "staffing-not-reported",
        "title": "Staffing not reported is not zero",
        "description": "The 2021 District09 report has no staffing tables: VTE values are null with fte_null_reason "
        "`not_reported`, never 0.",
        "resources": ["fct_staffing", "rpt_reconciliation"],
    },
    {
        "name": "lost-headers",
        "title": "Blocks whose header line was lost",
        "description": "Some leaves lost their code/title/service line in the source; they keep their money under a "
        "synthetic node_id (e.g. OD10071~lost1), is_header_lost = true, entity `unknown`, and "
        "entity_code_imputed where the print order tells the entity (Stad leaves first, OCMW leaves "
        "last within a plan): `not_imputable` only between a Stad and an OCMW leaf or at a plan's end "
        "next to the other entity.",
        "resources": ["fct_spending", "fct_staffing", "dim_action"],
    },
    {
        "name": "narrative",
        "title": "The report's prose, paragraph by paragraph",
        "description": "fct_narrative holds every paragraph of the descriptions, 'Wat hebben we bereikt?' and indicator "
        "sentences exactly as read, with the keys of its goal, plan and conformed action (join "
        "fct_spending on them for the amounts). page and line are those of the paragraph's section: "
        "the first paragraph starts there, the next ones follow it.",
        "resources": ["fct_narrative"],
    },
    {
        "name": "csv-formulas",
        "title": "Text that looks like a formula is neutralised in the CSV files",
        "description": "A spreadsheet runs a cell starting with =, +, -, @, TAB or CR as a formula. In the CSV files "
        "(<name>.csv and <name>.excel.csv) such a text cell is prefixed with an apostrophe ('=... "
        "instead of =...), the usual rule against formula injection; a text that is a printed number "
        "(-4.335.322, -8,9%) and every number column are left as they are. The Parquet files keep the "
        "printed text unchanged: read them when the exact text matters.",
        "resources": [],
    },
    {
        "name": "lineage",
        "title": "Lineage",
        "description": "document_id is the sha256 of the source file (see `sources`); page is null when the source was "
        "a text dump without pages; line is the 1-based line of the source text layer.",
        "resources": [],
    },
    {
        "name": "personal-data",
        "title": "Personal data left out",
        "description": "The 2021 report names the responsible alderman of each action plan. Names are personal data: "
        "they are not in this export unless it was made with the documented switch "
        "(include_personal_data / --include-personal-data / GENT_EXPORT_PERSONAL_DATA=1), in which "
        "case they are only in the resource `responsibles`.",
        "resources": [],
    },
]

# Fiscal Data Package (FDP 1.0) `columnType` per column name: the fiscal concept of the column.
# The policy hierarchy goal (SD) > action plan (OD/PO) > action/project is the functional
# classification, levels 1-3; entity and service are the administrative one.
FDP_COLUMN_TYPES: dict[str, str] = {
    "goal_code": "functional-classification:generic:level1:code:full",
    "goal_title": "functional-classification:generic:level1:label",
    "action_plan_code": "functional-classification:generic:level2:code:full",
    "action_plan_title": "functional-classification:generic:level2:label",
    "leaf_code": "functional-classification:generic:level3:code:full",
    "entity_code": "administrative-classification:generic:level1:code:full",
    "entity_name": "administrative-classification:generic:level1:label",
    "enterprise_number": "administrator:generic:id",
    "service_key": "administrative-classification:generic:level2:code:full",
    "service_name": "administrative-classification:generic:level2:label",
    "category": "economic-classification:generic:level1:code:full",
    "fiscal_year": "date:fiscal-year",
    **{
        amount: "value"
        for amount in (
            "budget_eur",
            "actual_eur",
            "actual_prev_eur",
            "budget_eur_imputed",
            "actual_eur_imputed",
            "actual_prev_eur_imputed",
            "expenditure_budget_eur",
            "expenditure_actual_eur",
            "revenue_budget_eur",
            "revenue_actual_eur",
        )
    },
}
# Per resource: the line-item id of the fact tables, the label of a leaf.
FDP_RESOURCE_COLUMN_TYPES: dict[str, dict[str, str]] = {
    "fct_spending": {"spending_key": "budget-line-id"},
    "fct_spending_fiscal": {"fiscal_spending_key": "budget-line-id"},
    "fct_spending_reported": {"reported_spending_key": "budget-line-id"},
    "dim_action": {"title_printed": "functional-classification:generic:level3:label"},
}
# The FDP logical model (`model`) is built on fct_spending_fiscal, where each amount column has
# one direction and one phase and every row carries the amount's own fiscal year (a report's
# previous-year actuals are rows of that year). Phase: the budget column of a jaarrekening
# ("Budget Y") is the final budget after the year's budget changes (eindbudget), so `adjusted`,
# not `approved` (the initial budget); "Jaarrekening Y" is `executed`.
FISCAL_RESOURCE = "fct_spending_fiscal"
FISCAL_MEASURES = {  # measure -> (column, direction, phase)
    "expenditure-budget": ("expenditure_budget_eur", "expenditure", "adjusted"),
    "expenditure-executed": ("expenditure_actual_eur", "expenditure", "executed"),
    "revenue-budget": ("revenue_budget_eur", "revenue", "adjusted"),
    "revenue-executed": ("revenue_actual_eur", "revenue", "executed"),
}
# Official codes as keys: a column of this name references the dimension that owns the code.
CODE_KEYS = {
    "document_id": ("dim_document", "document_id"),
    "goal_code": ("dim_policy_goal", "goal_code"),
    "action_plan_code": ("dim_action_plan", "action_plan_code"),
    "entity_code": ("dim_entity", "entity_code"),
}
# Readable row order where the manifest names no natural key (the surrogate key always ends it);
# otherwise a mart without one is sorted in document order (document_id, line).
SORT_OVERRIDES = {"rpt_action_pair_review": ["document_id", "left_line", "right_line", "review_reason"]}
LINEAGE_FIELDS = ("document_id", "page", "line")


class ExportError(RuntimeError):
    """The export cannot be made (no manifest, undocumented column, personal data found...)."""


class PersonalDataError(ExportError):
    """A personal name was found in an export made without the personal-data switch."""


# ----------------------------------------------------------------------------- manifest


def default_manifest_path() -> Path:
    return DBT_PROJECT_DIR / "target" / "manifest.json"


def load_manifest(path: Path | None = None) -> dict:
    """The dbt manifest; without a path the project's target/manifest.json, parsed if missing."""
    if path is not None:
        if not Path(path).exists():
            raise ExportError(f"no dbt manifest at {path}")
        return json.loads(Path(path).read_text(encoding="utf-8"))
    path = default_manifest_path()
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    from dbt.cli.main import dbtRunner

    project = DBT_PROJECT_DIR
    with tempfile.TemporaryDirectory(prefix="gent-export-manifest-") as tmp:
        result = dbtRunner().invoke(
            [
                "parse",
                "--quiet",
                "--project-dir",
                str(project),
                "--profiles-dir",
                str(project),
                "--target-path",
                tmp,
                "--log-path",
                tmp,
            ]
        )
        if not result.success:
            raise ExportError(f"no dbt manifest at {path} and `dbt parse` failed: {result.exception}")
        return json.loads((Path(tmp) / "manifest.json").read_text(encoding="utf-8"))


@dataclass
class ModelDoc:
    """What the manifest says about one model (or source): descriptions, keys, tests."""

    name: str
    description: str
    columns: dict[str, dict]
    tags: list[str] = field(default_factory=list)
    unique: list[str] = field(default_factory=list)  # columns with a `unique` test
    not_null: set[str] = field(default_factory=set)  # not_null constraint or test
    unique_combinations: list[list[str]] = field(default_factory=list)
    relationships: list[tuple[str, str, str]] = field(default_factory=list)  # (column, model, field)
    accepted_values: dict[str, list] = field(default_factory=dict)


def _ref_name(expr: str) -> str | None:
    m = re.search(r"ref\(\s*['\"]([^'\"]+)['\"]\s*\)", expr or "")
    return m.group(1) if m else None


def model_docs(manifest: dict, schema: str | None = None) -> dict[str, ModelDoc]:
    """Models (optionally of one schema) by name, with the tests attached to them."""
    docs: dict[str, ModelDoc] = {}
    by_id: dict[str, ModelDoc] = {}
    for uid, node in manifest.get("nodes", {}).items():
        if node.get("resource_type") != "model" or (schema and node.get("schema") != schema):
            continue
        doc = ModelDoc(
            name=node.get("alias") or node["name"],
            description=(node.get("description") or "").strip(),
            columns=node.get("columns") or {},
            tags=list(node.get("tags") or []),
        )
        for name, col in doc.columns.items():
            if any(c.get("type") == "not_null" for c in col.get("constraints") or []):
                doc.not_null.add(name)
        docs[doc.name] = by_id[uid] = doc
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "test" or not node.get("test_metadata"):
            continue
        target = by_id.get(node.get("attached_node") or "")
        if target is None:
            continue
        meta = node["test_metadata"]
        kwargs = meta.get("kwargs") or {}
        column = node.get("column_name") or kwargs.get("column_name")
        kind = meta.get("name")
        if kind == "unique" and column:
            target.unique.append(column)
        elif kind == "not_null" and column:
            target.not_null.add(column)
        elif kind == "unique_combination_of_columns":
            target.unique_combinations.append(list(kwargs.get("combination_of_columns") or []))
        elif kind == "relationships" and column and _ref_name(kwargs.get("to", "")):
            target.relationships.append((column, _ref_name(kwargs["to"]), kwargs.get("field")))
        elif kind == "accepted_values" and column:
            target.accepted_values[column] = list(kwargs.get("values") or [])
    for doc in docs.values():
        doc.unique.sort(key=lambda c: list(doc.columns).index(c) if c in doc.columns else len(doc.columns))
        doc.relationships.sort()
    return docs


def source_doc(manifest: dict, table: str) -> ModelDoc | None:
    for src in manifest.get("sources", {}).values():
        if src.get("identifier", src.get("name")) == table and src.get("schema") == "raw":
            return ModelDoc(
                name=table, description=(src.get("description") or "").strip(), columns=src.get("columns") or {}
            )
    return None


# ----------------------------------------------------------------------------- types and values


@dataclass
class Column:
    name: str
    duck_type: str
    arrow: pa.DataType | None  # None: exported as text (cast in SQL)
    frictionless: str


def _column_type(name: str, data_type: str, precision, scale) -> Column:
    t = data_type.upper()
    simple = {
        "VARCHAR": (pa.string(), "string"),
        "BOOLEAN": (pa.bool_(), "boolean"),
        "TINYINT": (pa.int8(), "integer"),
        "SMALLINT": (pa.int16(), "integer"),
        "INTEGER": (pa.int32(), "integer"),
        "BIGINT": (pa.int64(), "integer"),
        "UTINYINT": (pa.uint8(), "integer"),
        "USMALLINT": (pa.uint16(), "integer"),
        "UINTEGER": (pa.uint32(), "integer"),
        "UBIGINT": (pa.uint64(), "integer"),
        "FLOAT": (pa.float32(), "number"),
        "DOUBLE": (pa.float64(), "number"),
        "DATE": (pa.date32(), "date"),
        "TIMESTAMP": (pa.timestamp("us"), "datetime"),
        "TIMESTAMP WITH TIME ZONE": (pa.timestamp("us", tz="UTC"), "datetime"),
    }
    if t in simple:
        arrow, kind = simple[t]
        return Column(name, t, arrow, kind)
    if t.startswith("DECIMAL"):
        return Column(name, t, pa.decimal128(int(precision), int(scale)), "number")
    return Column(name, t, None, "string")  # anything else (UUID, JSON, HUGEINT, nested): as text


def csv_value(value) -> str:
    """One CSV cell: '' for null, '.' decimal point, no thousands separator, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "INF" if value > 0 else "-INF"
        return repr(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


# ----------------------------------------------------------------------------- descriptions

_UNIT = re.compile(r"\bUnit:\s*(.+?)(?:\.(?:\s|$)|$)", re.S)
_SIGN = re.compile(r"\bSign:\s*(.+?)(?:\.(?:\s|$)|$)", re.S)


def _first_clause(text: str) -> str:
    return text.split(" — ", 1)[0].strip() if " — " in text else ""


def field_descriptor(resource: str, col: Column, doc: ModelDoc) -> dict:
    described = doc.columns.get(col.name) or {}
    text = " ".join((described.get("description") or "").split())
    if not text:
        raise ExportError(
            f"{resource}.{col.name} has no description in the dbt manifest "
            "(describe it in the model's YAML and regenerate the manifest)"
        )
    fd: dict = {"name": col.name, "type": col.frictionless}
    if title := _first_clause(text):
        fd["title"] = title
    fd["description"] = text
    if m := _UNIT.search(text):
        fd["unit"] = m.group(1).strip()
    if m := _SIGN.search(text):
        fd["sign"] = m.group(1).strip()
    if col.frictionless == "number":
        fd["decimalChar"] = "."  # and no groupChar: no thousands separators
    if col.frictionless == "boolean":
        fd["trueValues"], fd["falseValues"] = ["true"], ["false"]
    fd["duckdbType"] = col.duck_type.lower()
    if col.name in LINEAGE_FIELDS:
        fd["lineage"] = True
    column_type = FDP_RESOURCE_COLUMN_TYPES.get(resource, {}).get(col.name) or FDP_COLUMN_TYPES.get(col.name)
    if column_type:
        fd["columnType"] = column_type
    constraints: dict = {}
    if col.name in doc.not_null:
        constraints["required"] = True
    if col.name in doc.unique:
        constraints["unique"] = True
    if col.name in doc.accepted_values:
        constraints["enum"] = doc.accepted_values[col.name]
    if constraints:
        fd["constraints"] = constraints
    return fd


# ----------------------------------------------------------------------------- reading the database


@dataclass
class Mart:
    name: str  # resource name (the table name)
    relation: str  # schema.table to read
    columns: list[Column]
    doc: ModelDoc
    primary_key: list[str]
    sort: list[str]
    title: str = ""
    personal: bool = False
    table: pa.Table | None = None
    code_keys_hold: dict[str, bool] = field(default_factory=dict)  # code column -> every code in its dimension


def _columns(con, schema: str, table: str) -> list[Column]:
    rows = con.execute(
        "select column_name, data_type, numeric_precision, numeric_scale from duckdb_columns() "
        "where schema_name = ? and table_name = ? order by column_index",
        [schema, table],
    ).fetchall()
    return [_column_type(*r) for r in rows]


def _relations(con, schema: str) -> list[str]:
    return [
        t
        for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by table_name", [schema]
        ).fetchall()
    ]


def _keys(name: str, columns: list[Column], doc: ModelDoc) -> tuple[list[str], list[str]]:
    """(primary key, sort order): the first unique + not-null column; rows sorted by the natural key."""
    names = [c.name for c in columns]
    pk = next(([c] for c in doc.unique if c in names and c in doc.not_null), [])
    natural = next((combo for combo in doc.unique_combinations if set(combo) <= set(names)), None)
    if natural is None:
        natural = SORT_OVERRIDES.get(name)
    if natural is None:
        natural = next(([c] for c in doc.unique if c in names and c not in pk and not c.endswith("_key")), None)
    if natural is None and {"document_id", "line"} <= set(names):
        natural = ["document_id", "line"]  # document order
    sort = [c for c in (natural or []) if c in names]
    sort += [c for c in pk if c not in sort]
    if not pk:
        sort += [c for c in names if c not in sort]  # no key: every column, a total order
    return pk, sort


def _read(con, mart: Mart) -> pa.Table:
    select = ", ".join(
        _quote(c.name) if c.arrow is not None else f"CAST({_quote(c.name)} AS VARCHAR) AS {_quote(c.name)}"
        for c in mart.columns
    )
    order = ", ".join(f"{_quote(c)} ASC NULLS LAST" for c in mart.sort)
    rel = con.sql(f"SELECT {select} FROM {mart.relation} ORDER BY {order}")
    table = rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.arrow()
    if isinstance(table, pa.RecordBatchReader):
        table = table.read_all()
    schema = pa.schema(
        [
            pa.field(
                c.name,
                c.arrow if c.arrow is not None else pa.string(),
                nullable=True,
                metadata={"description": " ".join((mart.doc.columns.get(c.name, {}).get("description") or "").split())},
            )
            for c in mart.columns
        ]
    )
    arrays = [table.column(i).cast(schema.field(i).type) for i in range(len(schema))]
    return pa.Table.from_arrays(arrays, schema=schema)


# ----------------------------------------------------------------------------- writing


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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.iterdir()):
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False when not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


def _swap_into_place(staged: Path, out_dir: Path) -> None:
    """Put the staged folder at out_dir; readers see the old export or the new one, never a mix."""
    if not out_dir.exists():
        os.replace(staged, out_dir)
    elif _exchange(staged, out_dir):
        shutil.rmtree(staged)  # now holds the previous export
    else:  # portable fallback: two renames, a moment without out_dir but never a half-written one
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        os.replace(out_dir, old)
        os.replace(staged, out_dir)
        shutil.rmtree(old)
    fd = os.open(out_dir.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ----------------------------------------------------------------------------- personal data


def name_variants(name: str) -> list[str]:
    """A name as printed ("Heyse Tine") and its word rotations ("Tine Heyse", "Mathias De Clercq")."""
    words = name.split()
    return sorted({" ".join(words[i:] + words[:i]) for i in range(len(words))} if words else set())


def personal_names(con) -> list[str]:
    """Every name in raw.responsibles / staging.stg_gent__responsibles that this database holds."""
    names: set[str] = set()
    for sql in ("select name from raw.responsibles", "select responsible_name from staging.stg_gent__responsibles"):
        try:
            names.update(n for (n,) in con.execute(sql).fetchall() if n and n.strip())
        except duckdb.Error:
            continue
    return sorted(names)


def _scan_for_names(folder: Path, tables: dict[str, pa.Table], names: Sequence[str]) -> list[tuple[str, str]]:
    """(file, name) for every name found in a file's bytes or, for Parquet, in its decoded values."""
    hits = []
    variants = [(n, v) for n in names for v in name_variants(n)]
    for path in sorted(folder.iterdir()):
        texts = [path.read_bytes().decode("utf-8", errors="replace")]
        if path.suffix == ".parquet":
            table = tables.get(path.stem)
            if table is None:
                table = pq.read_table(path)
            texts.append("\n".join(str(v) for col in table.columns for v in col.to_pylist() if v is not None))
        for name, variant in variants:
            if any(variant in text for text in texts):
                hits.append((path.name, name))
    return sorted(set(hits))


# ----------------------------------------------------------------------------- datapackage


def _schema(mart: Mart, resources: set[str], suffix: str) -> dict:
    fields = [field_descriptor(mart.name, c, mart.doc) for c in mart.columns]
    schema: dict = {"fields": fields, "missingValues": [""]}
    if mart.primary_key:
        schema["primaryKey"] = mart.primary_key
    names = {c.name for c in mart.columns}
    combos = [combo for combo in mart.doc.unique_combinations if set(combo) <= names]
    combos += [[c] for c in mart.doc.unique if c in names and [c] != mart.primary_key]  # e.g. the official codes
    if combos:
        schema["uniqueKeys"] = combos
    fks = []
    for column, target, target_field in mart.doc.relationships:
        if column in names and target in resources:
            fks.append({"fields": [column], "reference": {"resource": target + suffix, "fields": [target_field]}})
    for column, (target, target_field) in CODE_KEYS.items():
        if column in names and target in resources and target != mart.name and mart.code_keys_hold.get(column):
            fks.append({"fields": [column], "reference": {"resource": target + suffix, "fields": [target_field]}})
    if fks:
        schema["foreignKeys"] = fks
    return schema


def _fiscal_model(con, marts: dict[str, Mart]) -> dict:
    """The FDP logical model: the measures of fct_spending_fiscal (currency, direction, phase and
    the fiscal period each covers) and its dimensions, the entity as an entity dimension."""
    fact = marts.get(FISCAL_RESOURCE)
    if fact is None:
        return {}
    cols = {c.name for c in fact.columns}
    measures = {}
    for measure, (column, direction, phase) in FISCAL_MEASURES.items():
        lo, hi = con.execute(
            f"select min(fiscal_year), max(fiscal_year) from {fact.relation} where {_quote(column)} is not null"
        ).fetchone()
        measures[measure] = {
            "source": column,
            "resource": FISCAL_RESOURCE,
            "currency": "EUR",
            "factor": 1,
            "direction": direction,
            "phase": phase,
        }
        if lo is not None:
            measures[measure]["fiscalPeriod"] = _period(lo, hi)
    dims = {  # name -> (dimensionType, classificationType, attributes, primaryKey)
        "fiscal-year": ("datetime", None, {"fiscal_year": {"source": "fiscal_year"}}, ["fiscal_year"]),
        "entity": ("entity", None, {"entity": {"source": "entity_code"}}, ["entity"]),
        "policy": (
            "classification",
            "functional",
            {
                "goal": {"source": "goal_code"},
                "action_plan": {"source": "action_plan_code", "parent": "goal"},
                "action": {"source": "leaf_code", "parent": "action_plan"},
            },
            ["goal", "action_plan", "action"],
        ),
        "service": ("classification", "administrative", {"service": {"source": "service_key"}}, ["service"]),
        "category": ("classification", "economic", {"category": {"source": "category"}}, ["category"]),
        "source-document": (
            "fact",
            None,
            {"document_id": {"source": "document_id"}, "page": {"source": "page"}, "line": {"source": "line"}},
            ["document_id", "page", "line"],
        ),
    }
    dimensions = {}
    for key, (kind, classification, attributes, pk) in dims.items():
        attributes = {k: {**v, "resource": FISCAL_RESOURCE} for k, v in attributes.items() if v["source"] in cols}
        if not attributes:
            continue
        dim = {"dimensionType": kind, "attributes": attributes, "primaryKey": [k for k in pk if k in attributes]}
        if classification:
            dim["classificationType"] = classification
        dimensions[key] = dim
    return {"measures": measures, "dimensions": dimensions}


def _sources(con) -> list[dict]:
    try:
        rows = con.execute(
            "select document_id, file_name, document_title, theme, report_year, layout, source_format, page_count "
            f"from {MARTS_SCHEMA}.dim_document order by report_year, file_name, document_id"
        ).fetchall()
    except duckdb.Error:
        rows = con.execute(
            "select document_id, file_name, title, theme, report_year, layout, source_format, page_count "
            "from raw.documents order by report_year, file_name, document_id"
        ).fetchall()
    out = []
    for doc_id, file_name, title, theme, year, layout, fmt, pages in rows:
        entry = {
            "title": title or file_name,
            "path": file_name,
            "hash": f"sha256:{doc_id}",
            "sha256": doc_id,
            "reportYear": year,
            "layout": layout,
            "sourceFormat": fmt,
        }
        if theme:
            entry["theme"] = theme
        if pages is not None:
            entry["pageCount"] = pages
        out.append(entry)
    return out


def _period(first_year: int, last_year: int) -> dict:
    """An FDP fiscalPeriod: the fiscal year of the city (and of OCMW, District09) is the calendar year."""
    return {"start": dt.date(int(first_year), 1, 1).isoformat(), "end": dt.date(int(last_year), 12, 31).isoformat()}


def _fiscal_period(con) -> dict | None:
    """The years the amounts are of (a previous-year actual under its own year; not applicable ones left out)."""
    try:
        lo, hi = con.execute(
            f"select min(fiscal_year), max(fiscal_year) from {MARTS_SCHEMA}.{FISCAL_RESOURCE}"
        ).fetchall()[0]
    except duckdb.Error:
        return None
    return None if lo is None else _period(lo, hi)


def _file_stats(path: Path) -> dict:
    return {"bytes": path.stat().st_size, "hash": f"sha256:{_sha256(path)}"}


def _table_resource(mart: Mart, folder: Path, resources: set[str]) -> frictionless.Resource:
    """The CSV file of a mart as a tabular resource: the schema from the dbt manifest, the bytes,
    hash and row count as frictionless measures them."""
    from frictionless import Resource, Schema

    resource = Resource(
        path=f"{mart.name}.csv",
        basepath=str(folder),
        name=mart.name,
        title=mart.title or None,
        description=mart.doc.description,
        format="csv",
        mediatype="text/csv",
        encoding="utf-8",
        profile="tabular-data-resource",
        schema=Schema.from_descriptor(_schema(mart, resources, "")),
        **_file_stats(folder / f"{mart.name}.csv"),
    )
    resource.rows = mart.table.num_rows  # package.validate() checks these, reading every file once
    resource.custom["sortOrder"] = mart.sort
    if mart.personal:
        resource.custom["containsPersonalData"] = True
    return resource


def _file_resource(mart: Mart, folder: Path) -> frictionless.Resource:
    """The Parquet file of a mart as a file resource: frictionless reads Parquet through pandas, which
    turns a nullable integer into NaN, so the typed rows are validated once, in the CSV resource."""
    from frictionless.resources import FileResource

    resource = FileResource(
        path=f"{mart.name}.parquet",
        basepath=str(folder),
        name=mart.name + PARQUET_SUFFIX,
        format="parquet",
        mediatype=PARQUET_MEDIATYPE,
        title=f"{mart.title} (Parquet)" if mart.title else None,
        description=f"The rows and columns of resource `{mart.name}` ({mart.name}.csv) as "
        f"Apache Parquet ({PARQUET_OPTIONS['compression']}), typed, with each "
        "column's description in the file's own schema.",
        **_file_stats(folder / f"{mart.name}.parquet"),
    )
    if mart.personal:
        resource.custom["containsPersonalData"] = True
    return resource


def _datapackage(con, marts: dict[str, Mart], folder: Path, include_personal_data: bool) -> dict:
    """The package descriptor, built and validated with frictionless-py (every CSV row against its
    schema and foreign keys, every file's bytes and hash); an invalid package is an ExportError."""
    from frictionless import Package

    resources = set(marts)
    package = Package(
        name=PACKAGE["name"],
        title=PACKAGE["title"],
        description=PACKAGE["description"],
        keywords=PACKAGE["keywords"],
        licenses=LICENSES,
        basepath=str(folder),
        profile="data-package",  # tabular CSV resources and their Parquet files
        sources=_sources(con),
    )
    for name in sorted(marts):
        package.add_resource(_table_resource(marts[name], folder, resources))
        package.add_resource(_file_resource(marts[name], folder))
    # Fiscal Data Package (0.3) package metadata and logical model
    package.custom.update(
        {
            "profiles": {"fiscal": "*", "tabular": "*"},
            "countryCode": PACKAGE["countryCode"],
            "granularity": PACKAGE["granularity"],
        }
    )
    if period := _fiscal_period(con):
        package.custom["fiscalPeriod"] = period
    if model := _fiscal_model(con, marts):
        package.custom["model"] = model
    package.custom["containsPersonalData"] = include_personal_data and any(m.personal for m in marts.values())
    package.custom["limitations"] = LIMITATIONS
    report = package.validate()
    if not report.valid:
        errors = [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors][:10]
        errors += [error.message for error in report.errors][:10]
        raise ExportError(f"the export's datapackage.json is not valid: {'; '.join(errors)}")
    descriptor = package.to_descriptor()
    for resource in descriptor["resources"]:
        if resource["type"] == "file":
            resource.pop("encoding", None)  # frictionless' default; a Parquet file has no text encoding
    return descriptor


# ----------------------------------------------------------------------------- the export


def _mart_from(
    con, manifest_docs: dict[str, ModelDoc], schema: str, table: str, resource: str, personal: bool = False
) -> Mart:
    doc = manifest_docs.get(table)
    if doc is None:
        raise ExportError(f"{schema}.{table} is not in the dbt manifest (regenerate it with `dbt parse`)")
    columns = _columns(con, schema, table)
    pk, sort = _keys(table, columns, doc)
    mart = Mart(
        name=resource,
        relation=f"{_quote(schema)}.{_quote(table)}",
        columns=columns,
        doc=doc,
        primary_key=pk,
        sort=sort,
        title=_first_clause(doc.description),
        personal=personal,
    )
    return mart


def _check_code_keys(con, marts: dict[str, Mart]) -> None:
    """Declare a code foreign key only where every non-null code exists in its dimension."""
    for mart in marts.values():
        names = {c.name for c in mart.columns}
        for column, (target, target_field) in CODE_KEYS.items():
            if column not in names or target not in marts or target == mart.name:
                continue
            missing = con.execute(
                f"select count(*) from {mart.relation} where {_quote(column)} is not null and {_quote(column)} "
                f"not in (select {_quote(target_field)} from {marts[target].relation} where {_quote(target_field)} is not null)"
            ).fetchall()[0][0]
            mart.code_keys_hold[column] = missing == 0


def _personal_mart(con, manifest: dict) -> Mart | None:
    staging = model_docs(manifest, schema="staging")
    for schema, table in (("staging", "stg_gent__responsibles"), ("raw", "responsibles")):
        try:
            con.execute(f"select 1 from {_quote(schema)}.{_quote(table)} limit 1").fetchall()
        except duckdb.Error:
            continue
        doc = staging.get(table) if schema == "staging" else source_doc(manifest, table)
        if doc is None:
            continue
        docs = {table: doc}
        mart = _mart_from(con, docs, schema, table, PERSONAL_RESOURCE, personal=True)
        mart.sort = [c.name for c in mart.columns if c.name in ("document_id", "node_id", "line")] + [
            c.name for c in mart.columns if c.name not in ("document_id", "node_id", "line")
        ]
        mart.doc.description = (
            mart.doc.description + " PERSONAL DATA: exported only because the export was made "
            "with the personal-data switch; not covered by the open-data licence."
        ).strip()
        return mart
    return None


def export_open_data(
    database: Path, out_dir: Path, include_personal_data: bool = False, *, manifest: Path | None = None
) -> dict:
    """Export every mart of `database` (opened read-only) to `out_dir` as Parquet, CSV and datapackage.json.

    Returns {resource: rows}. The previous contents of out_dir are replaced atomically; on any
    error nothing is changed. `manifest` defaults to dbt_project/target/manifest.json.
    """
    out_dir = Path(out_dir).absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".staging", dir=out_dir.parent))
    try:
        summary = write_open_data(database, staged, include_personal_data, manifest=manifest)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    _swap_into_place(staged, out_dir)
    return summary


def write_open_data(
    database: Path, staged: Path, include_personal_data: bool = False, *, manifest: Path | None = None
) -> dict:
    """The export written into the empty folder `staged`, fsynced, not yet in place (the caller
    swaps it in, or removes it after an error: a release switches it with the database)."""
    database = Path(database)
    if not database.exists():
        raise ExportError(f"no database at {database}")
    manifest_json = load_manifest(manifest)
    docs = model_docs(manifest_json, schema=MARTS_SCHEMA)
    con = duckdb.connect(str(database), read_only=True)
    try:
        marts: dict[str, Mart] = {}
        for table in _relations(con, MARTS_SCHEMA):
            doc = docs.get(table)
            if doc is not None and PERSONAL_DATA_TAG in doc.tags and not include_personal_data:
                continue
            marts[table] = _mart_from(
                con, docs, MARTS_SCHEMA, table, table, personal=PERSONAL_DATA_TAG in (doc.tags if doc else [])
            )
        if not marts:
            raise ExportError(f"no tables in schema {MARTS_SCHEMA} of {database}")
        if include_personal_data:
            personal = _personal_mart(con, manifest_json)
            if personal is not None:
                marts[personal.name] = personal
        _check_code_keys(con, marts)
        for mart in marts.values():
            for col in mart.columns:  # fail before writing anything when a field is undocumented
                field_descriptor(mart.name, col, mart.doc)
            mart.table = _read(con, mart)
            _write_parquet(mart.table, staged / f"{mart.name}.parquet", mart.sort)
            _write_csv(mart.table, staged / f"{mart.name}.csv")
            _write_excel_csv(mart.table, staged / f"{mart.name}{EXCEL_SUFFIX}")
        package = _datapackage(con, marts, staged, include_personal_data)
        text = json.dumps(package, ensure_ascii=False, indent=2) + "\n"
        (staged / DATAPACKAGE).write_text(text, encoding="utf-8")
        if not include_personal_data:
            hits = _scan_for_names(staged, {m.name: m.table for m in marts.values()}, personal_names(con))
            if hits:
                raise PersonalDataError(
                    "personal names found in an export without the personal-data switch: "
                    + ", ".join(f"{f}: {n}" for f, n in hits)
                )
        os.chmod(staged, 0o755)
        _fsync_tree(staged)
        return {name: marts[name].table.num_rows for name in sorted(marts)}
    finally:
        con.close()


def personal_data_from_env(environ=os.environ) -> bool:
    """The documented switch as an environment variable: GENT_EXPORT_PERSONAL_DATA=1 (or true/yes)."""
    return (environ.get(PERSONAL_DATA_ENV) or "").strip().lower() in ("1", "true", "yes", "on")


def main(argv: Iterable[str] | None = None) -> int:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(prog="python -m orchestration.exports", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        type=Path,
        default=settings.published_db,
        help="the published warehouse, opened read-only (default: %(default)s)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=settings.warehouse_dir / "export",
        help="export folder, replaced atomically (default: %(default)s)",
    )
    parser.add_argument(
        "--manifest",
        type=Path,
        default=None,
        help="dbt manifest with the column descriptions (default: dbt_project/target/manifest.json)",
    )
    parser.add_argument(
        "--include-personal-data",
        action="store_true",
        help=f"also export the names of the responsible aldermen (resource `{PERSONAL_RESOURCE}`); "
        f"same as {PERSONAL_DATA_ENV}=1",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    include = args.include_personal_data or personal_data_from_env()
    try:
        summary = export_open_data(args.database, args.out, include, manifest=args.manifest)
    except ExportError as exc:
        print(f"export failed: {exc}", file=sys.stderr)
        return 1
    width = max(map(len, summary))
    for name, rows in summary.items():
        print(f"{name:<{width}}  {rows:>8} rows")
    print(f"-> {args.out}" + ("  (includes personal data)" if include else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
