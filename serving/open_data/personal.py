"""Personal data: the aldermen's names, and the scan that refuses an export holding one."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa
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
