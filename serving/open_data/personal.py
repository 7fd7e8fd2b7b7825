"""Personal data: the aldermen's names, and the scan that refuses an export holding one."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


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


def _names_in_file(path: Path, table: pa.Table | None, variants: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """(file, name) for every name found in the file's bytes or, for Parquet, in its decoded text values.

    Searched as bytes (the files are UTF-8) and, in Parquet, column by column with pyarrow: turning
    every value into a Python string took the most time of an export. `table` is the Parquet file's
    table when the caller still holds it (else the file is read)."""
    if not variants:
        return set()
    data = path.read_bytes()
    texts = []
    if path.suffix == ".parquet":
        if table is None:
            table = pq.read_table(path)
        # (a name is text: number, boolean and date columns cannot hold one)
        texts = [c for c in table.columns if pa.types.is_string(c.type) or pa.types.is_large_string(c.type)]
    return {
        (path.name, name)
        for name, variant in variants
        if variant.encode("utf-8") in data or any(pc.any(pc.match_substring(c, variant)).as_py() for c in texts)
    }
