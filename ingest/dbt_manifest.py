"""The dbt project parsed once per change of its files, shared by every process that needs it.

`dbt parse` of this project costs about as much as its whole build (13 s on a slow core). The
code location needs the manifest to define its assets, the open-data export reads the columns'
descriptions from it, and every `dbt build` would parse again. So:

- the manifest is parsed when a project file is newer than it (`make install` parses ahead, as
  dagster-dbt's `prepare-and-package` does for a deployment), under a file lock, into a fresh
  folder whose files are then renamed into `dbt_project/target/`: two processes never read a
  half-written manifest, and a second one waits for the first instead of parsing too;
- dbt's partial-parse cache is valid only for the same `--vars` and profile values, so the
  project is parsed with the vars of the default warehouse (`warehouse/build/gent.duckdb`, or
  GENT_BUILD_DB): a new build of that warehouse (`make run`'s) starts from the project's cache
  (`seed_partial_parse`) and skips its own parse; a build of another warehouse parses once, and
  keeps its cache for its next builds.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from pathlib import Path

from ingest.config import DBT_PROJECT_DIR, ConfigurationError, Settings

PROJECT_SOURCES = ("models", "macros", "tests", "seeds", "snapshots", "analyses", "dbt_project.yml", "profiles.yml")
PARTIAL_PARSE = "partial_parse.msgpack"
MANIFEST = "manifest.json"
# renamed into place in this order: the manifest last, so its presence means the parse is whole
PARSE_OUTPUTS = (PARTIAL_PARSE, "semantic_manifest.json", MANIFEST)


class DbtParseError(RuntimeError):
    pass


def project_target(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    return project_dir / "target"


def newest_source(project_dir: Path) -> float:
    """The newest modification time of the files dbt reads to parse the project."""
    return max(
        (
            p.stat().st_mtime
            for name in PROJECT_SOURCES
            for p in ([project_dir / name] if (project_dir / name).is_file() else (project_dir / name).rglob("*"))
            if p.is_file()
        ),
        default=0.0,
    )


def is_fresh(project_dir: Path = DBT_PROJECT_DIR) -> bool:
    manifest = project_target(project_dir) / MANIFEST
    return manifest.exists() and manifest.stat().st_mtime >= newest_source(project_dir)


def ensure_manifest(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """The path of the project's manifest, parsed first if a project file is newer than it."""
    target = project_target(project_dir)
    if is_fresh(project_dir):
        return target / MANIFEST
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".parse.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second process waits, then finds the manifest fresh
        if not is_fresh(project_dir):
            _parse_into(project_dir, target)
    return target / MANIFEST


def _parse_into(project_dir: Path, target: Path) -> None:
    from dbt.cli.main import dbtRunner  # dbt's Python API: works from any shell, venv on PATH or not

    with tempfile.TemporaryDirectory(prefix=".parse-", dir=target) as scratch:
        result = dbtRunner().invoke(
            [
                "parse",
                "--quiet",
                *("--project-dir", str(project_dir), "--profiles-dir", str(project_dir)),
                *default_warehouse_vars(),
                *("--target-path", scratch, "--log-path", scratch),
            ]
        )
        if not result.success:
            raise DbtParseError(f"dbt parse failed in {project_dir}: {result.exception}")
        for name in PARSE_OUTPUTS:
            if (Path(scratch) / name).exists():
                os.replace(Path(scratch) / name, target / name)


def default_warehouse_vars() -> list[str]:
    """The vars of a build of the default warehouse (none if the environment's settings are bad:
    the parse is the same, only its cache will not serve that build)."""
    try:
        return cli_vars(Settings.from_env().build_db)
    except ConfigurationError:
        return []


def cli_vars(build_db: Path) -> list[str]:
    """dbt arguments that point the profile at `build_db` (profiles.yml reads the `build_db` var)."""
    return ["--vars", json.dumps({"build_db": str(Path(build_db).resolve())})]


def seed_partial_parse(build_target: Path, project_dir: Path = DBT_PROJECT_DIR) -> None:
    """Give a build's dbt target the project's parse result when it is newer than the build's own.

    dbt checks the cache against every file, the vars, the profile's keys and its own version,
    and parses again where it does not match: a stale copy costs nothing but the parse."""
    source = project_target(project_dir) / PARTIAL_PARSE
    own = build_target / PARTIAL_PARSE
    if source.exists() and (not own.exists() or own.stat().st_mtime < source.stat().st_mtime):
        build_target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, own)


if __name__ == "__main__":  # `make install`: parse ahead, as part of installing the code
    print(f"dbt manifest: {ensure_manifest()}")
