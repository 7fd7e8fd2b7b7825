"""Write one extraction as Parquet files, all or nothing.

Layout: DIR/<table>/<document_id>.parquet. Files are written under a temporary name and
renamed into place only when every table of the document was written, so a failure never
leaves half a document behind.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .document import Extraction
from .records import SCHEMAS


def to_arrow(extraction: Extraction) -> dict[str, pa.Table]:
    tables = {"documents": pa.Table.from_pylist([asdict(extraction.document)], schema=SCHEMAS["documents"])}
    for name, rows in extraction.tables.items():
        tables[name] = pa.Table.from_pylist([asdict(r) for r in rows], schema=SCHEMAS[name])
    return tables


def write_extraction(extraction: Extraction, out_dir: Path | str) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    name = f"{extraction.document.document_id}.parquet"
    try:
        for table, data in to_arrow(extraction).items():
            pq.write_table(data, staging / f"{table}.parquet")
        written = []
        for table in SCHEMAS:
            target = out_dir / table / name
            target.parent.mkdir(exist_ok=True)
            os.replace(staging / f"{table}.parquet", target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
