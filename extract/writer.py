"""Write one extraction as Parquet files, all or nothing.

Layout: DIR/<document_id>/<table>.parquet. The document's folder is written under a
temporary name and renamed into place in one step, so a failure never leaves half a
document behind; an earlier copy of the same document is swapped out, not mixed in.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .atomic_files import replace_folder
from .document import Extraction
from .records import SCHEMAS


def to_arrow(extraction: Extraction) -> dict[str, pa.Table]:
    tables = {"documents": pa.Table.from_pylist([asdict(extraction.document)], schema=SCHEMAS["documents"])}
    for name, rows in extraction.tables.items():
        tables[name] = pa.Table.from_pylist([asdict(r) for r in rows], schema=SCHEMAS[name])
    return tables


def write_extraction(extraction: Extraction, out_dir: Path | str) -> Path:
    """Write DIR/<document_id>/<table>.parquet for every table; returns the document folder."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / extraction.document.document_id
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    try:
        for table, data in to_arrow(extraction).items():
            pq.write_table(data, staging / f"{table}.parquet")
        replace_folder(staging, target)  # the same document again: swapped whole, never merged
        return target
    finally:
        shutil.rmtree(staging, ignore_errors=True)
