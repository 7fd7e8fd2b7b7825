"""The dbt project of the code location (one cached `DbtProject`, its manifest parsed when stale)
and the dbt CLI resource that builds it."""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.config import DBT_PROJECT_DIR

if TYPE_CHECKING:
    from dagster_dbt import DbtCliResource, DbtProject


DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")  # the venv's dbt, whatever PATH says
DBT_SOURCES = ("models", "macros", "tests", "seeds", "snapshots", "analyses", "dbt_project.yml", "profiles.yml")


@cache
def dbt_project() -> DbtProject:
    """The one DbtProject of the code location (cached), its manifest parsed when stale."""
    from dagster_dbt import DbtProject

    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    ensure_manifest(project)
    return project


def ensure_manifest(project: DbtProject) -> None:
    """`dbt parse` when the manifest is missing or older than a project file.

    Through dbt's Python API, so that it works from any shell, with or without the venv on PATH.
    """
    manifest = Path(project.manifest_path)
    root = Path(project.project_dir)
    newest = max(
        (
            p.stat().st_mtime
            for name in DBT_SOURCES
            for p in ([root / name] if (root / name).is_file() else (root / name).rglob("*"))
            if p.is_file()
        ),
        default=0.0,
    )
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        return
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(
        ["parse", "--quiet", "--project-dir", str(root), "--profiles-dir", str(project.profiles_dir)]
    )
    if not result.success:
        raise RuntimeError(f"dbt parse failed in {root}: {result.exception}")


def dbt_resource() -> DbtCliResource:
    from dagster_dbt import DbtCliResource

    return DbtCliResource(
        project_dir=dbt_project(), profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=str(DBT_EXECUTABLE)
    )


def dbt_vars(build_db: Path) -> list[str]:
    """dbt arguments that point the profile at this build's database (profiles.yml reads the
    `build_db` var): the path is passed to dbt, not set in the environment."""
    return ["--vars", json.dumps({"build_db": str(build_db)})]
