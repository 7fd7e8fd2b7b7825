"""Where things are. Every path can be overridden by an environment variable."""
from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _path(variable: str, default: Path) -> Path:
    return Path(os.environ.get(variable) or default).resolve()


def dbt_project_dir() -> Path:
    return _path("GENT_DBT_PROJECT_DIR", REPO / "dbt_project")


def inbox() -> Path:
    """Folder of report PDFs the pipeline reads (default: the bundled samples)."""
    return _path("GENT_INBOX", REPO / "data" / "samples")


def warehouse_dir() -> Path:
    return _path("GENT_WAREHOUSE_DIR", REPO / "warehouse")


def build_db() -> Path:
    """The working database the pipeline writes; BI tools never open it."""
    return _path("GENT_BUILD_DB", warehouse_dir() / "build" / "gent.duckdb")


def dagster_home() -> Path:
    """Dagster's instance (run history) for `make run` and `make ui` alike."""
    return _path("DAGSTER_HOME", warehouse_dir() / "dagster_home")


def published_db() -> Path:
    """The published snapshot BI tools read, replaced atomically after a good build."""
    return warehouse_dir() / "gent.duckdb"
