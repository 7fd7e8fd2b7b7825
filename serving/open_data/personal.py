"""Personal data: the aldermen's names, and the scan that refuses an export holding one."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .files import batches


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


def _variants(names: Sequence[str]) -> list[tuple[str, str]]:
    return [(n, v) for n in names for v in name_variants(n)]


CHUNK_BYTES = 8 * 1024 * 1024  # a file's bytes are searched this much at a time


def _names_in_file(path: Path, variants: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """(file, name) for every name found in the file's bytes or, for Parquet, in its decoded text values.

    Searched as bytes (the files are UTF-8) a chunk at a time, and in Parquet column by column with
    pyarrow, a batch of rows at a time: turning every value into a Python string took the most time
    of an export, and a whole file or table in memory grows with the warehouse."""
    if not variants:
        return set()
    found = _names_in_bytes(path, variants)
    if path.suffix == ".parquet":
        with pq.ParquetFile(path) as rows:
            # (a name is text: number, boolean and date columns cannot hold one)
            texts = [
                f.name for f in rows.schema_arrow if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
            ]
            for batch in batches(rows, texts) if texts else ():
                found |= {
                    (name, variant)
                    for name, variant in variants
                    if any(pc.any(pc.match_substring(column, variant)).as_py() for column in batch.columns)
                }
    return {(path.name, name) for name, _ in found}


def _names_in_bytes(path: Path, variants: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The variants in the file's bytes, read CHUNK_BYTES at a time; each chunk is searched with the
    end of the one before it, so that a name across two chunks is found too."""
    wanted = [(name, variant, variant.encode("utf-8")) for name, variant in variants]
    overlap = max(len(encoded) for _, _, encoded in wanted) - 1
    found: set[tuple[str, str]] = set()
    tail = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            window = tail + chunk
            found |= {(name, variant) for name, variant, encoded in wanted if encoded in window}
            tail = window[-overlap:] if overlap else b""
    return found
