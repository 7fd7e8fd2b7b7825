"""The marts to export, read from the database: columns, keys, sort order, rows."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from .fields import Column, _column_type, _first_clause, _quote
from .manifest import ModelDoc, model_docs, source_doc
from .metadata import CODE_KEYS, PERSONAL_RESOURCE, SORT_OVERRIDES, ExportError


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
    rows: int = 0  # rows exported (the table itself is not kept: see export.py)
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


def _reader(con, mart: Mart, rows_per_batch: int) -> pa.RecordBatchReader:
    """The mart's rows in its sort order, a batch at a time (never the whole mart in memory), in
    the export's schema: the Arrow types of its columns, each with its description."""
    select = ", ".join(
        _quote(c.name) if c.arrow is not None else f"CAST({_quote(c.name)} AS VARCHAR) AS {_quote(c.name)}"
        for c in mart.columns
    )
    order = ", ".join(f"{_quote(c)} ASC NULLS LAST" for c in mart.sort)
    rows = con.sql(f"SELECT {select} FROM {mart.relation} ORDER BY {order}").to_arrow_reader(rows_per_batch)
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

    def cast(batch: pa.RecordBatch) -> pa.RecordBatch:
        return pa.RecordBatch.from_arrays([batch.column(i).cast(f.type) for i, f in enumerate(schema)], schema=schema)

    return pa.RecordBatchReader.from_batches(schema, (cast(batch) for batch in rows))


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
