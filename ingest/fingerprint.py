"""The code that turns the raw rows into the warehouse, as one hash.

The publish step records it in `raw.publications` of the published snapshot: a build whose
inbox agrees with the warehouse and whose code hash equals the published one has nothing to do.
"""

from __future__ import annotations

import hashlib

from . import config as settings

CODE_PARTS = (
    "extract",
    "ingest",
    "serving",
    "orchestration",
    "expectations",
    "dbt_project/models",
    "dbt_project/macros",
    "dbt_project/seeds",
    "dbt_project/tests",
    "dbt_project/dbt_project.yml",
)


# What the rows of the incremental marts depend on besides the raw rows: a change of these
# rebuilds them from scratch (ingest.mart_builds). The extractor's code enters through
# its version: a new version re-extracts every report under the same document_id.
MART_CODE_PARTS = ("dbt_project/models", "dbt_project/macros", "dbt_project/seeds", "dbt_project/dbt_project.yml")


def code_hash(parts: tuple[str, ...] = CODE_PARTS) -> str:
    digest = hashlib.sha256()
    for part in parts:
        root = settings.REPO / part
        files = (
            [root]
            if root.is_file()
            else sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        )
        for path in files:
            digest.update(str(path.relative_to(settings.REPO)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()
