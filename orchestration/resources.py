"""Resources: the warehouse DuckDB and the dbt project/CLI.

dagster-dbt (and dbt with it) is imported only when the dbt project is asked for: the
extraction workers need the warehouse alone and start a second sooner without it.
"""
from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from typing import TYPE_CHECKING

import duckdb
from dagster_duckdb import DuckDBResource

from . import settings

if TYPE_CHECKING:
    from dagster_dbt import DbtCliResource, DbtProject

LOCK_WAIT_SECONDS = 120


class WarehouseDuckDB(DuckDBResource):
    """DuckDBResource that waits for the file lock.

    DuckDB allows one writing process at a time; partitions extracted in parallel processes
    load one after the other instead of failing on the lock.
    """

    @contextmanager
    def get_connection(self):
        database = Path(self.database) if self.database else settings.build_db()  # "": the build database of the settings at run time
        database.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                conn = duckdb.connect(str(database), read_only=False)
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        try:
            yield conn
        finally:
            conn.close()


DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")  # the venv's dbt, whatever PATH says
DBT_SOURCES = ("models", "macros", "tests", "seeds", "snapshots", "analyses", "dbt_project.yml", "profiles.yml")


@cache
def dbt_project() -> DbtProject:
    """The one DbtProject of the code location (cached), its manifest parsed when stale."""
    from dagster_dbt import DbtProject

    os.environ.setdefault("GENT_BUILD_DB", str(settings.build_db()))
    project = DbtProject(project_dir=settings.dbt_project_dir(), profiles_dir=settings.dbt_project_dir())
    ensure_manifest(project)
    return project


def ensure_manifest(project: DbtProject) -> None:
    """`dbt parse` when the manifest is missing or older than a project file.

    Through dbt's Python API, so that it works from any shell, with or without the venv on PATH.
    """
    manifest = Path(project.manifest_path)
    root = Path(project.project_dir)
    newest = max(
        (p.stat().st_mtime for name in DBT_SOURCES for p in ([root / name] if (root / name).is_file() else (root / name).rglob("*")) if p.is_file()),
        default=0.0,
    )
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        return
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(["parse", "--quiet", "--project-dir", str(root), "--profiles-dir", str(project.profiles_dir)])
    if not result.success:
        raise RuntimeError(f"dbt parse failed in {root}: {result.exception}")


def warehouse_resource() -> WarehouseDuckDB:
    """The build database, resolved when a run connects (GENT_BUILD_DB / GENT_WAREHOUSE_DIR of that process)."""
    return WarehouseDuckDB(database="")


def dbt_resource() -> DbtCliResource:
    from dagster_dbt import DbtCliResource

    return DbtCliResource(project_dir=dbt_project(), profiles_dir=str(settings.dbt_project_dir()), dbt_executable=str(DBT_EXECUTABLE))
