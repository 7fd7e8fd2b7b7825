"""The dbt project of the code location (one cached `DbtProject`, its manifest parsed when stale)
and the dbt CLI resource that builds it."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.config import DBT_PROJECT_DIR
from ingest.dbt_manifest import ensure_manifest

if TYPE_CHECKING:
    from dagster_dbt import DbtCliResource, DbtProject


DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")  # the venv's dbt, whatever PATH says


@cache
def dbt_project() -> DbtProject:
    """The one DbtProject of the code location (cached), its manifest parsed when stale
    (ingest.dbt_manifest: once per change, under a lock, renamed into place)."""
    from dagster_dbt import DbtProject

    ensure_manifest(DBT_PROJECT_DIR)
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_resource() -> DbtCliResource:
    from dagster_dbt import DbtCliResource

    return DbtCliResource(
        project_dir=dbt_project(), profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=str(DBT_EXECUTABLE)
    )
