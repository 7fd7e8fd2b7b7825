"""The dbt models as Dagster assets, their sources linked to the raw extraction assets."""

import shutil
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from .. import settings
from ..resources import dbt_project


class WarehouseDbtTranslator(DagsterDbtTranslator):
    """dbt sources are the raw tables the extraction writes; models group by their layer."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: "DbtProject | None") -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest["sources"].get(unique_id) or manifest["nodes"].get(unique_id, {})
        if node.get("resource_type") == "source":
            return spec.replace_attributes(key=dg.AssetKey(["raw", node["name"]]), group_name="raw")
        layer = (node.get("fqn") or ["", ""])[1] if len(node.get("fqn") or []) > 2 else "dbt"
        return spec.replace_attributes(group_name=layer)


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=WarehouseDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
)
def warehouse_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """`dbt build`: staging views, intermediate and mart tables, and their dbt tests."""
    # One target folder per warehouse, emptied before each build (dagster-dbt would keep one per run).
    target = settings.build_db().parent / "dbt_target"
    shutil.rmtree(target, ignore_errors=True)
    yield from dbt.cli(["build"], context=context, target_path=target).stream()
