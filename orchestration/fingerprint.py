"""What a build was made of: the inbox's content hashes and the code that turns them into the warehouse.

A build whose fingerprint equals the last published one has nothing to do.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from extract import EXTRACTOR_VERSION

from . import settings

CODE_PARTS = ("extract", "orchestration", "expectations", "dbt_project/models", "dbt_project/macros",
              "dbt_project/seeds", "dbt_project/tests", "dbt_project/dbt_project.yml")


def code_hash() -> str:
    digest = hashlib.sha256()
    for part in CODE_PARTS:
        root = settings.REPO / part
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for path in files:
            digest.update(str(path.relative_to(settings.REPO)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def build_fingerprint(files: dict[str, str]) -> str:
    payload = {"inbox": files, "extractor": EXTRACTOR_VERSION, "code": code_hash()}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _path() -> Path:
    return settings.build_db().parent / "published.fingerprint"


def last_published() -> str | None:
    path = _path()
    return path.read_text().strip() if path.exists() and settings.published_db().exists() else None


def remember_published(fingerprint: str) -> None:
    _path().write_text(fingerprint + "\n")
