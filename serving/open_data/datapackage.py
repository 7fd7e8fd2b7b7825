"""The Frictionless (Fiscal) Data Package descriptor, built and validated with frictionless-py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from extract.atomic_files import sha256_of

from .fields import _quote, field_descriptor
from .marts import Mart
from .metadata import (
    CODE_KEYS,
    FISCAL_MEASURES,
    FISCAL_RESOURCE,
    LICENSES,
    LIMITATIONS,
    MARTS_SCHEMA,
    PACKAGE,
    PARQUET_MEDIATYPE,
    PARQUET_OPTIONS,
    PARQUET_SUFFIX,
    ExportError,
)

VALIDATED_ROWS = 1000  # rows of each CSV file frictionless validates: a second opinion on the format

if TYPE_CHECKING:  # imported at call time: frictionless takes a second to import
    import frictionless


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
    return {"bytes": path.stat().st_size, "hash": f"sha256:{sha256_of(path)}"}


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
    resource.rows = mart.rows  # verify.py checks that every file holds them
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


def _validate(package: frictionless.Package) -> list[str]:
    """What frictionless finds wrong: in the descriptor, in the first VALIDATED_ROWS rows of every CSV
    file, in the bytes and hash of every Parquet file. Every row of every CSV file, foreign keys
    included, is checked in DuckDB (verify.py): frictionless reads the files each foreign key
    references whole, again for every resource, so its rows are validated without them."""
    from frictionless import FrictionlessException

    try:
        package.to_descriptor(validate=True)
    except FrictionlessException as exc:
        return [error.message for error in exc.to_errors()]
    errors = []
    for resource in package.resources:
        resource = resource.to_copy()
        if getattr(resource, "schema", None):
            resource.schema.foreign_keys = []
        report = resource.validate(limit_rows=VALIDATED_ROWS)
        errors += [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors]
        errors += [error.message for error in report.errors]
    return errors


def _datapackage(con, marts: dict[str, Mart], folder: Path, include_personal_data: bool) -> dict:
    """The package descriptor, built and validated with frictionless-py (`_validate`); an invalid
    package is an ExportError."""
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
    if errors := _validate(package):
        raise ExportError(f"the export's datapackage.json is not valid: {'; '.join(errors[:10])}")
    descriptor = package.to_descriptor()
    for resource in descriptor["resources"]:
        if resource["type"] == "file":
            resource.pop("encoding", None)  # frictionless' default; a Parquet file has no text encoding
    return descriptor
