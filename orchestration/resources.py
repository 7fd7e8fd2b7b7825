"""Resources: the warehouse DuckDB and the dbt project/CLI."""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from functools import cache

import duckdb
from dagster_dbt import DbtCliResource, DbtProject
from dagster_duckdb import DuckDBResource

from . import settings

LOCK_WAIT_SECONDS = 120


class WarehouseDuckDB(DuckDBResource):
    """DuckDBResource that waits for the file lock.

    DuckDB allows one writing process at a time; partitions extracted in parallel processes
    load one after the other instead of failing on the lock.
    """

    @contextmanager
    def get_connection(self):
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                conn = duckdb.connect(self.database, read_only=False)
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        try:
            yield conn
        finally:
            conn.close()


@cache
def dbt_project() -> DbtProject:
    """The one DbtProject of the code location (cached: parsing the manifest is not free)."""
    os.environ.setdefault("GENT_BUILD_DB", str(settings.build_db()))
    project = DbtProject(project_dir=settings.DBT_PROJECT_DIR, profiles_dir=settings.DBT_PROJECT_DIR)
    project.prepare_if_dev()
    return project


def warehouse_resource() -> WarehouseDuckDB:
    path = settings.build_db()
    path.parent.mkdir(parents=True, exist_ok=True)
    return WarehouseDuckDB(database=str(path))


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project(), profiles_dir=str(settings.DBT_PROJECT_DIR))
