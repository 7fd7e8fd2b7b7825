"""The dbt models as Dagster assets, their sources linked to the raw extraction assets."""

import contextlib
import json
import shutil
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from ingest.dbt_manifest import PARTIAL_PARSE, cli_vars, seed_partial_parse
from ingest.mart_builds import full_build_succeeded, mart_code, start_build
from orchestration.defs.dbt.resources import dbt_project
from orchestration.resources import BuildLock, WarehouseDuckDB, WarehouseSettings


class WarehouseDbtTranslator(DagsterDbtTranslator):
    """dbt sources are the raw tables the extraction writes; models group by their layer."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: "DbtProject | None") -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest["sources"].get(unique_id) or manifest["nodes"].get(unique_id, {})
        if node.get("resource_type") == "source":
            return spec.replace_attributes(key=dg.AssetKey(["raw", node["name"]]), group_name="raw")
        layer = (node.get("fqn") or ["", ""])[1] if len(node.get("fqn") or []) > 2 else "dbt"
        return spec.replace_attributes(group_name=layer)


class DbtBuildConfig(dg.Config):
    full_refresh: bool = False  # rebuild the incremental marts from scratch (make run --force)


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=WarehouseDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
)
def warehouse_dbt_models(
    context: dg.AssetExecutionContext,
    config: DbtBuildConfig,
    dbt: DbtCliResource,
    settings: WarehouseSettings,
    build_lock: BuildLock,
):
    """`dbt build`: staging views, intermediate and mart tables, and their dbt tests.

    Incremental by document, or `--full-refresh` when asked or when other code built the marts
    (ingest.mart_builds). `build_lock`: held for the run from its start (one build at a
    time, ingest.build_lock).
    """
    # One target folder per warehouse, emptied before each build (dagster-dbt would keep one per run),
    # but for dbt's partial-parse cache: dbt checks it against every file, var and profile, and a
    # build that can use it skips its parse (8-13 s). A new warehouse starts from the project's parse.
    build_db = settings.get().build_db
    target = dbt_target(build_db)
    target.mkdir(parents=True, exist_ok=True)
    for path in target.iterdir():
        if path.name != PARTIAL_PARSE:
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    seed_partial_parse(target)
    # dagster-dbt echoes every dbt event on stdout: to a log file instead, one summary line in the run's log
    code = mart_code()
    with WarehouseDuckDB(database=str(build_db)).get_connection() as conn:
        full = start_build(conn, code, config.full_refresh)
    mode = ["--full-refresh"] if full else []
    with open(target / DBT_LOG, "w") as log, contextlib.redirect_stdout(log):
        yield from dbt.cli(
            ["build", *cli_vars(build_db), *mode, *NO_UNIT_TESTS], context=context, target_path=target
        ).stream()
    if full:
        with WarehouseDuckDB(database=str(build_db)).get_connection() as conn:
            full_build_succeeded(conn, code)
    context.log.info(f"{dbt_summary(target)}, {'full rebuild' if full else 'incremental'} (log: {target / DBT_LOG})")


DBT_LOG = "dbt_build.log"
# dbt's unit tests check the models' SQL on fixed inputs, not the data: they run with the test
# suite (tests/test_dbt_project.py), not on every build (seconds of a small build's fixed cost).
NO_UNIT_TESTS = ["--exclude-resource-type", "unit_test"]


def dbt_target(build_db: Path) -> Path:
    return build_db.parent / "dbt_target"


def dbt_summary(target: Path) -> str:
    """`dbt build: 211 nodes, 211 passed` from run_results.json (statuses counted)."""
    try:
        results = json.loads((target / "run_results.json").read_text())["results"]
    except (OSError, ValueError, KeyError):
        return "dbt build: no results"
    counts = Counter(r["status"] for r in results)
    passed = counts.pop("success", 0) + counts.pop("pass", 0)
    others = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    return f"dbt build: {len(results)} nodes, {passed} passed" + (f", {others}" if others else "")
