"""Column types and values as the CSV files and the datapackage's field descriptors state them."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from dataclasses import dataclass

import pyarrow as pa

from .manifest import ModelDoc
from .metadata import FDP_COLUMN_TYPES, FDP_RESOURCE_COLUMN_TYPES, LINEAGE_FIELDS, ExportError


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
