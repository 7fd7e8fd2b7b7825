"""The marts' and columns' descriptions, read from the dbt manifest (the only place they are written)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ingest.dbt_manifest import DbtParseError, ensure_manifest

from .metadata import ExportError


def load_manifest(path: Path | None = None) -> dict:
    """The dbt manifest; without a path the project's own, parsed first if stale (ingest.dbt_manifest)."""
    if path is None:
        try:
            path = ensure_manifest()
        except DbtParseError as exc:
            raise ExportError(f"no dbt manifest: {exc}") from exc
    if not Path(path).exists():
        raise ExportError(f"no dbt manifest at {path}")
    return json.loads(Path(path).read_text(encoding="utf-8"))


@dataclass
class ModelDoc:
    """What the manifest says about one model (or source): descriptions, keys, tests."""

    name: str
    description: str
    columns: dict[str, dict]
    tags: list[str] = field(default_factory=list)
    unique: list[str] = field(default_factory=list)  # columns with a `unique` test
    not_null: set[str] = field(default_factory=set)  # not_null constraint or test
    unique_combinations: list[list[str]] = field(default_factory=list)
    relationships: list[tuple[str, str, str]] = field(default_factory=list)  # (column, model, field)
    accepted_values: dict[str, list] = field(default_factory=dict)


def _ref_name(expr: str) -> str | None:
    m = re.search(r"ref\(\s*['\"]([^'\"]+)['\"]\s*\)", expr or "")
    return m.group(1) if m else None


def model_docs(manifest: dict, schema: str | None = None) -> dict[str, ModelDoc]:
    """Models (optionally of one schema) by name, with the tests attached to them."""
    docs: dict[str, ModelDoc] = {}
    by_id: dict[str, ModelDoc] = {}
    for uid, node in manifest.get("nodes", {}).items():
        if node.get("resource_type") != "model" or (schema and node.get("schema") != schema):
            continue
        doc = ModelDoc(
            name=node.get("alias") or node["name"],
            description=(node.get("description") or "").strip(),
            columns=node.get("columns") or {},
            tags=list(node.get("tags") or []),
        )
        for name, col in doc.columns.items():
            if any(c.get("type") == "not_null" for c in col.get("constraints") or []):
                doc.not_null.add(name)
        docs[doc.name] = by_id[uid] = doc
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "test" or not node.get("test_metadata"):
            continue
        target = by_id.get(node.get("attached_node") or "")
        if target is None:
            continue
        meta = node["test_metadata"]
        kwargs = meta.get("kwargs") or {}
        column = node.get("column_name") or kwargs.get("column_name")
        kind = meta.get("name")
        if kind == "unique" and column:
            target.unique.append(column)
        elif kind == "not_null" and column:
            target.not_null.add(column)
        elif kind == "unique_combination_of_columns":
            target.unique_combinations.append(list(kwargs.get("combination_of_columns") or []))
        elif kind == "relationships" and column and _ref_name(kwargs.get("to", "")):
            target.relationships.append((column, _ref_name(kwargs["to"]), kwargs.get("field")))
        elif kind == "accepted_values" and column:
            target.accepted_values[column] = list(kwargs.get("values") or [])
    for doc in docs.values():
        doc.unique.sort(key=lambda c: list(doc.columns).index(c) if c in doc.columns else len(doc.columns))
        doc.relationships.sort()
    return docs


def source_doc(manifest: dict, table: str) -> ModelDoc | None:
    for src in manifest.get("sources", {}).values():
        if src.get("identifier", src.get("name")) == table and src.get("schema") == "raw":
            return ModelDoc(
                name=table, description=(src.get("description") or "").strip(), columns=src.get("columns") or {}
            )
    return None
