"""The export as a whole: every mart to Parquet and CSV, the descriptor, the personal-data guard."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from extract.atomic_files import fsync_tree, replace_folder

from .datapackage import _datapackage
from .fields import field_descriptor
from .files import BATCH_ROWS, _write_csv, _write_excel_csv, _write_parquet
from .manifest import load_manifest, model_docs
from .marts import Mart, _check_code_keys, _mart_from, _personal_mart, _reader, _relations
from .metadata import (
    DATAPACKAGE,
    DUCKDB_MEMORY_LIMIT,
    EXCEL_SUFFIX,
    MARTS_SCHEMA,
    PERSONAL_DATA_ENV,
    PERSONAL_DATA_TAG,
    ExportError,
    PersonalDataError,
)
from .personal import _names_in_file, _variants, personal_names
from .verify import check_files


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
    replace_folder(staged, out_dir)
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
    # A mart is sorted before it is streamed: beyond the limit DuckDB spills to a folder beside the
    # export (a read-only database has no spill folder of its own: at 300 reports the sort of the
    # largest mart ran out of the limit).
    spill = Path(tempfile.mkdtemp(prefix=".export-spill-", dir=staged.parent))
    config = {"memory_limit": DUCKDB_MEMORY_LIMIT, "threads": 2, "temp_directory": str(spill)}
    con = duckdb.connect(str(database), read_only=True, config=config)
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
        variants = [] if include_personal_data else _variants(personal_names(con))
        hits = set()
        for mart in marts.values():
            # A mart is never whole in memory (one at a time passed 1 GB at 100 reports): DuckDB's
            # rows stream into the Parquet file, which the CSV files and the name scan then read back.
            files = [
                staged / f"{mart.name}.parquet",
                staged / f"{mart.name}.csv",
                staged / f"{mart.name}{EXCEL_SUFFIX}",
            ]
            _write_parquet(_reader(con, mart, BATCH_ROWS), files[0], mart.sort)
            with pq.ParquetFile(files[0]) as rows:
                _write_csv(rows, files[1])
                _write_excel_csv(rows, files[2])
                mart.rows = rows.metadata.num_rows
            hits |= {hit for path in files for hit in _names_in_file(path, variants)}
            pa.default_memory_pool().release_unused()  # (mimalloc keeps freed pages otherwise)
        package = _datapackage(con, marts, staged, include_personal_data)
        con.close()  # its buffers (up to its limit) are not kept while the files are checked
        check_files(package, staged, {name: mart.rows for name, mart in marts.items()})
        text = json.dumps(package, ensure_ascii=False, indent=2) + "\n"
        (staged / DATAPACKAGE).write_text(text, encoding="utf-8")
        hits |= _names_in_file(staged / DATAPACKAGE, variants)
        if hits:
            raise PersonalDataError(
                "personal names found in an export without the personal-data switch: "
                + ", ".join(f"{f}: {n}" for f, n in sorted(hits))
            )
        os.chmod(staged, 0o755)
        fsync_tree(staged)
        return {name: marts[name].rows for name in sorted(marts)}
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


def personal_data_from_env(environ=os.environ) -> bool:
    """The documented switch as an environment variable: GENT_EXPORT_PERSONAL_DATA=1 (or true/yes)."""
    return (environ.get(PERSONAL_DATA_ENV) or "").strip().lower() in ("1", "true", "yes", "on")
