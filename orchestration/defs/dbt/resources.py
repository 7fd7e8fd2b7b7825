"""The dbt project of the code location (one cached `DbtProject`, its manifest parsed when stale)
and the dbt CLI resource that builds it."""

from __future__ import annotations

import sys
from functools import cache, cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from ingest.config import DBT_PROJECT_DIR
from ingest.dbt_manifest import ensure_manifest

DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")  # the venv's dbt, whatever PATH says


@cache
def dbt_project() -> DbtProject:
    """The one DbtProject of the code location (cached), its manifest parsed when stale
    (ingest.dbt_manifest: once per change, under a lock, renamed into place)."""
    ensure_manifest(DBT_PROJECT_DIR)
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class WarehouseDbtCliResource(DbtCliResource):
    """dagster-dbt's `DbtCliResource` without two start-up costs of each `dbt build` that buy us
    nothing (on this 2-core machine `dbt --version` alone took 4,3 s; idle, the 3-sample build's
    dbt step went from 25,8 to 23,2 s):

    - `dbt --version` in a subprocess, to learn which dbt runs: it is the venv's own dbt-core
      (DBT_EXECUTABLE), whose version this process imports;
    - a dbt adapter opened in this process, which serves only `fetch_row_counts()` and
      `fetch_column_metadata()` on an invocation: never called here (dagster-dbt runs without an
      adapter when it cannot open one).

    Both are private methods of dagster-dbt 0.29 (locked); tests/test_orchestration_helpers.py
    fails when an upgrade renames them."""

    @cached_property
    def _cli_version(self) -> version.Version:
        from dbt.version import __version__

        return version.parse(__version__)

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_resource() -> DbtCliResource:
    return WarehouseDbtCliResource(
        project_dir=dbt_project(), profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=str(DBT_EXECUTABLE)
    )
