"""Where the quality checks read and write. Same environment variables as the pipeline.

Kept free of heavy imports (no Dagster, no GX): `import expectations` must stay fast.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _path(variable: str, default: Path) -> Path:
    return Path(os.environ.get(variable) or default).resolve()


def warehouse_dir() -> Path:
    """GENT_WAREHOUSE_DIR, default `warehouse/` in the repository."""
    return _path("GENT_WAREHOUSE_DIR", REPO / "warehouse")


def build_db() -> Path:
    """GENT_BUILD_DB, default `<warehouse>/build/gent.duckdb`: the database the checks validate."""
    return _path("GENT_BUILD_DB", warehouse_dir() / "build" / "gent.duckdb")


def data_docs_dir() -> Path:
    """GENT_GX_DOCS_DIR, default `<warehouse>/gx/`: the Data Docs static site (open index.html)."""
    return _path("GENT_GX_DOCS_DIR", warehouse_dir() / "gx")
